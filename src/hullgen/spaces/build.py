"""Build one configured space from a prepared dataset."""

from __future__ import annotations

import numpy as np

from hullgen.spaces.wavelet import WaveletTransform, is_orthonormal, top_k_positions

PIXEL_MAX = 255.0


def pixel_space(x_train: np.ndarray, x_test: np.ndarray):
    """Flattened pixels, float64, values 0..255."""
    return (
        x_train.reshape(len(x_train), -1).astype(np.float64),
        x_test.reshape(len(x_test), -1).astype(np.float64),
        {},
    )


def wavelet_space(x_train, x_test, wavelet: str, level: int, mode: str, select):
    """Wavelet coefficients; ``select`` is "all", "approx" or {"top": k} (k chosen on train)."""
    transform = WaveletTransform(wavelet=wavelet, level=level, mode=mode)
    meta = {"wavelet": wavelet, "level": level, "mode": mode}
    if select == "approx":
        return transform.approx(x_train), transform.approx(x_test), {**meta, "select": "approx"}
    train, test = transform.forward(x_train), transform.forward(x_test)
    if select == "all":
        return train, test, {**meta, "select": "all"}
    if isinstance(select, dict) and set(select) == {"top"}:
        positions = top_k_positions(train, int(select["top"]))
        meta = {**meta, "select": {"top": int(select["top"])}, "positions": positions.tolist()}
        return train[:, positions], test[:, positions], meta
    raise ValueError(f"unknown coefficient selection {select!r} (all, approx or {{top: k}})")


def random_space(x_train: np.ndarray, n_test: int, seed: int):
    """Training pixels against ``n_test`` points uniform in the pixel domain [0, 255]^d."""
    train = x_train.reshape(len(x_train), -1).astype(np.float64)
    rng = np.random.default_rng(seed)
    test = rng.uniform(0.0, PIXEL_MAX, size=(n_test, train.shape[1]))
    return train, test, {"seed": seed, "low": 0.0, "high": PIXEL_MAX}


def is_pixel_isometry(spec: dict, image_shape: tuple[int, ...]) -> bool:
    """Whether the space of config entry ``spec`` is an orthonormal transform of the pixels
    (all coefficients of an orthonormal wavelet transform, see
    :func:`hullgen.spaces.wavelet.is_orthonormal`): its hull distances, supports and
    diameter are the pixel space's.
    """
    if spec["kind"] != "wavelet" or spec["select"] != "all":
        return False
    transform = WaveletTransform(spec["wavelet"], spec["level"], spec["mode"])
    return is_orthonormal(transform, image_shape)


def build_space(spec: dict, x_train: np.ndarray, x_test: np.ndarray):
    """Return ``(train, test, meta)`` for the space described by config entry ``spec``."""
    kind = spec["kind"]
    if kind == "pixel":
        train, test, meta = pixel_space(x_train, x_test)
    elif kind == "wavelet":
        train, test, meta = wavelet_space(
            x_train, x_test, spec["wavelet"], spec["level"], spec["mode"], spec["select"]
        )
    elif kind == "random":
        train, test, meta = random_space(x_train, len(x_test), spec["seed"])
    else:
        raise ValueError(f"space {spec.get('name')!r}: unknown kind {kind!r}")
    meta = {"name": spec["name"], "kind": kind, **meta, "dim": int(train.shape[1])}
    meta["pixel_isometry"] = is_pixel_isometry(spec, x_train.shape[1:])
    meta.update(n_train=int(train.shape[0]), n_test=int(test.shape[0]))
    return train, test, meta
