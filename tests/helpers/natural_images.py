"""A small natural-image data set made offline: 32 x 32 colour crops of the ten colour
photographs that scikit-learn and scikit-image ship inside their packages, each photograph a
class (as CIFAR-10's 32 x 32 images of ten kinds of object).

Each photograph is scaled so that its shorter side is 96 pixels (a crop then covers a ninth of
its shorter side, an object's part rather than a texture) and cropped at seeded random
positions, half of the crops mirrored. Training and test crops come from the same photographs
with different seeds, so a test crop has similar training crops nearby, as a test image has in
a real data set.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from PIL import Image

CROP = 32
SHORT_SIDE = 96
# scikit-image's colour photographs that ship with the package (no download).
SKIMAGE_PHOTOGRAPHS = (
    "astronaut",
    "chelsea",
    "coffee",
    "hubble_deep_field",
    "immunohistochemistry",
    "retina",
    "rocket",
)


@functools.cache
def photographs() -> dict[str, np.ndarray]:
    """The ten photographs by name, (h, w, 3) uint8, sorted by name."""
    import skimage.data
    from sklearn.datasets import load_sample_images

    sample = load_sample_images()
    photos = {
        Path(name).stem: image for name, image in zip(sample.filenames, sample.images, strict=True)
    }
    for name in SKIMAGE_PHOTOGRAPHS:
        photos[name] = getattr(skimage.data, name)()[..., :3]
    photos["motorcycle"] = skimage.data.stereo_motorcycle()[0][..., :3]
    return {name: np.ascontiguousarray(photos[name]) for name in sorted(photos)}


@functools.cache
def _scaled() -> tuple[tuple[str, np.ndarray], ...]:
    scaled = []
    for name, image in photographs().items():
        h, w = image.shape[:2]
        scale = SHORT_SIDE / min(h, w)
        size = (round(w * scale), round(h * scale))
        scaled.append((name, np.asarray(Image.fromarray(image).resize(size, Image.BILINEAR))))
    return tuple(scaled)


def crops(
    per_class: int, seed: int, size: int = CROP, test: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels): ``per_class`` crops of each photograph, (n, size, size, 3) uint8 and
    (n,) int64 (the photograph's index in name order).

    Training crops start on even rows, ``test`` crops on odd rows: no test crop is a copy of
    a training crop (drawn freely, about one in a hundred would be, and lie in the hull).
    """
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label, (_, image) in enumerate(_scaled()):
        h, w = image.shape[:2]
        for _ in range(per_class):
            i = 2 * rng.integers(0, (h - size) // 2) + int(test)
            j = rng.integers(0, w - size + 1)
            crop = image[i : i + size, j : j + size]
            images.append(crop[:, ::-1] if rng.random() < 0.5 else crop)
            labels.append(label)
    return np.stack(images), np.asarray(labels, dtype=np.int64)


def class_names() -> list[str]:
    return list(photographs())
