"""Multilevel 2-D discrete wavelet transforms of image stacks, vectorised with pywt's ``axes``."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pywt

# Image axes of (n, h, w) and (n, h, w, 3) stacks; colour images are transformed per channel.
IMAGE_AXES = (1, 2)


def check_wavelet(name: str) -> None:
    """Raise ValueError unless pywt knows discrete wavelet ``name``."""
    if name not in pywt.wavelist(kind="discrete"):
        families = sorted({w.rstrip("0123456789.") for w in pywt.wavelist(kind="discrete")})
        raise ValueError(
            f"unknown wavelet {name!r}: pywt's discrete wavelet families are "
            f"{', '.join(families)} (e.g. haar, db2, sym4, coif1, bior2.2; the full list is "
            f"pywt.wavelist(kind='discrete'))"
        )


def max_level(image_shape: tuple[int, ...], wavelet: str) -> int:
    """Deepest level at which every coefficient still sees real data (pywt's own limit)."""
    return pywt.dwtn_max_level(image_shape[:2], wavelet)


@dataclass(frozen=True)
class WaveletTransform:
    """``wavedec2`` of image stacks, flattened to one row of coefficients per image."""

    wavelet: str = "haar"
    level: int = 1
    mode: str = "periodization"

    def __post_init__(self):
        check_wavelet(self.wavelet)
        if self.mode not in pywt.Modes.modes:
            raise ValueError(f"unknown mode {self.mode!r} (pywt modes: {pywt.Modes.modes})")
        if self.level < 1:
            raise ValueError(f"wavelet level must be >= 1, got {self.level}")

    def _coeffs(self, images: np.ndarray):
        return pywt.wavedec2(
            np.asarray(images, dtype=np.float64),
            self.wavelet,
            mode=self.mode,
            level=self.level,
            axes=IMAGE_AXES,
        )

    def forward(self, images: np.ndarray) -> np.ndarray:
        """All coefficients: (n, d) float64, approximation band first."""
        arr, _ = pywt.coeffs_to_array(self._coeffs(images), axes=IMAGE_AXES)
        return arr.reshape(len(arr), -1)

    def approx(self, images: np.ndarray) -> np.ndarray:
        """The approximation band only: (n, d_approx) float64."""
        approx = self._coeffs(images)[0]
        return approx.reshape(len(approx), -1)

    def inverse(self, coefficients: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
        """Images of ``image_shape`` from rows of :meth:`forward` output."""
        probe = self._coeffs(np.zeros((1, *image_shape)))
        arr, slices = pywt.coeffs_to_array(probe, axes=IMAGE_AXES)
        # The probe's approximation slice pins the image axis to its one image; free it.
        slices[0] = tuple(
            s if axis in IMAGE_AXES else slice(None) for axis, s in enumerate(slices[0])
        )
        stack = np.asarray(coefficients).reshape(len(coefficients), *arr.shape[1:])
        coeffs = pywt.array_to_coeffs(stack, slices, output_format="wavedec2")
        images = pywt.waverec2(coeffs, self.wavelet, mode=self.mode, axes=IMAGE_AXES)
        # Odd sizes come back one row/column larger in non-periodized modes.
        return images[:, : image_shape[0], : image_shape[1]]


# A transform is orthonormal when its matrix F has F F^T = I to this tolerance (float64
# rounding of the filter taps gives about 1e-15; dmey, an FIR approximation of Meyer's
# wavelet, misses by 1e-3).
ORTHONORMAL_TOL = 1e-9


def is_orthonormal(transform: WaveletTransform, image_shape: tuple[int, ...]) -> bool:
    """Whether :meth:`WaveletTransform.forward` is an orthonormal map of the image's pixels.

    Decided on the transform's matrix itself: the forward transform of every unit image of
    one channel (colour images are transformed channel by channel, so one channel decides).
    Orthogonal wavelets (Haar, Daubechies, Symlets, Coiflets) in ``periodization`` mode with
    h and w divisible by 2 ** level are orthonormal; so is Haar in any mode on such sizes.
    An orthonormal transform keeps every distance: hull distances, supports and the diameter
    equal the pixel space's exactly.
    """
    return _is_orthonormal(transform, tuple(int(n) for n in image_shape[:2]))


@functools.lru_cache(maxsize=64)
def _is_orthonormal(transform: WaveletTransform, shape: tuple[int, int]) -> bool:
    d = shape[0] * shape[1]
    if n_coefficients(shape, transform)["all"] != d:
        return False
    matrix = transform.forward(np.eye(d).reshape(d, *shape))
    return bool(np.abs(matrix @ matrix.T - np.eye(d)).max() <= ORTHONORMAL_TOL)


def n_coefficients(image_shape: tuple[int, ...], transform: WaveletTransform) -> dict:
    """Number of coefficients per image: {"all": d, "approx": d_approx}."""
    probe = np.zeros((1, *image_shape))
    return {"all": transform.forward(probe).shape[1], "approx": transform.approx(probe).shape[1]}


def top_k_positions(train_coefficients: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` coefficient positions with the largest mean energy over training.

    Ties go to the lower index (a stable sort), so the choice is deterministic.
    Returned in ascending position order.
    """
    n, d = train_coefficients.shape
    if not 1 <= k <= d:
        raise ValueError(f"top: {k} asks for more coefficients than the {d} there are")
    energy = np.einsum("ij,ij->j", train_coefficients, train_coefficients) / n
    order = np.argsort(-energy, kind="stable")
    return np.sort(order[:k])
