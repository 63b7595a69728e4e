"""A 3,072-d set of CIFAR-10's size built from real images (Fashion-MNIST), for the hull benchmark.

    python benchmarks/cifar_size_set.py --fashion-mnist /usr/share/datasets/fashion-mnist \
        --out benchmarks/out/cifar-size

CIFAR-10 itself cannot be downloaded on the project's machines, and noise would not do: the
hull's geometry (how far test points lie, how large the supports are, how many pricing
rounds it takes) is that of the data. So real images are shaped like CIFAR-10: the first
50,000 Fashion-MNIST training images and all 10,000 test images, padded to 32 x 32 and given
three channels that differ the way colour channels of natural images do (correlated, not
equal): the image itself, a Gaussian blur of it (sigma 1 pixel), and its gradient magnitude
(Sobel). Rows are channel-major like CIFAR-10's binary format (3 x 32 x 32 = 3,072), float32,
in the pixels' units (0..255).

``--scene natural`` makes it as hard as real CIFAR-10: each object is set in a scene, as
CIFAR-10's objects are, where the plain set keeps Fashion-MNIST's black background. The
object (its pixels above 20, edges smoothed) is tinted with a random colour, and the scene
behind it is 1/f noise (the amplitude spectrum of natural images) in three correlated
channels around a random level, seeded. Its hull geometry is set beside real CIFAR-10's in
``benchmarks/README.md``.

Writes ``train.npy`` (50,000 x 3,072) and ``test.npy`` (10,000 x 3,072) into ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy import ndimage

from hullgen.data.idx import read_idx_images
from hullgen.io import save_npy

N_TRAIN = 50_000  # CIFAR-10's training set size
SCENE_BLOCK = 4096  # scenes drawn at a time


def _sobel(images: np.ndarray, axis: int) -> np.ndarray:
    """Sobel derivative of each image along ``axis`` (1 or 2), smoothed along the other image
    axis only (``ndimage.sobel`` on the stack would also smooth across images)."""
    other = 3 - axis
    derivative = ndimage.correlate1d(images, [-1.0, 0.0, 1.0], axis=axis)
    return ndimage.correlate1d(derivative, [1.0, 2.0, 1.0], axis=other)


def channels(images: np.ndarray) -> np.ndarray:
    """(m, 28, 28) uint8 -> (m, 3072) float32: padded to 32 x 32, three filtered channels."""
    padded = np.pad(images.astype(np.float32), ((0, 0), (2, 2), (2, 2)))
    blurred = ndimage.gaussian_filter(padded, sigma=(0, 1, 1))
    edges = np.hypot(_sobel(padded, axis=1), _sobel(padded, axis=2)) / 4
    stacked = np.stack([padded, blurred, edges], axis=1)  # (m, 3, 32, 32), channel-major
    return stacked.reshape(len(images), -1).astype(np.float32)


def scenes(m: int, rng: np.random.Generator, size: int = 32) -> np.ndarray:
    """(m, 3, size, size) float32 backgrounds in 0..255: 1/f noise, the amplitude spectrum of
    natural images, in three channels that share it (one image, a colour per channel)."""
    fy, fx = np.fft.fftfreq(size)[:, None], np.fft.rfftfreq(size)[None, :]
    frequency = np.hypot(fy, fx)
    frequency[0, 0] = 1.0
    out = np.empty((m, 3, size, size), np.float32)
    for start in range(0, m, SCENE_BLOCK):
        k = min(SCENE_BLOCK, m - start)
        shape = (k, size, size // 2 + 1)
        spectrum = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / frequency
        image = np.fft.irfft2(spectrum, s=(size, size), axes=(1, 2))
        image = (image - image.mean((1, 2), keepdims=True)) / image.std((1, 2), keepdims=True)
        colour = rng.normal(1.0, 0.3, size=(k, 3, 1, 1))
        level = rng.uniform(60, 190, size=(k, 1, 1, 1))
        out[start : start + k] = np.clip(level + 35 * colour * image[:, None], 0, 255)
    return out


def in_scenes(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(m, 28, 28) uint8 -> (m, 3072) float32: each object, tinted, in a scene of its own."""
    padded = np.pad(images.astype(np.float32), ((0, 0), (2, 2), (2, 2)))
    mask = ndimage.gaussian_filter((padded > 20).astype(np.float32), sigma=(0, 0.7, 0.7))
    tint = rng.uniform(0.5, 1.0, size=(len(images), 3, 1, 1)).astype(np.float32)
    objects = padded[:, None] * tint
    rows = mask[:, None] * objects + (1 - mask[:, None]) * scenes(len(images), rng)
    return rows.reshape(len(images), -1).astype(np.float32)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fashion-mnist", required=True, help="folder of the four IDX files")
    parser.add_argument("--out", required=True, help="folder for train.npy and test.npy")
    parser.add_argument(
        "--scene", choices=("plain", "natural"), default="plain",
        help="plain: three filtered channels of the image; natural: objects in scenes",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="of the natural scenes")
    args = parser.parse_args(argv)
    source = Path(args.fashion_mnist)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train = read_idx_images(source / "train-images-idx3-ubyte.gz")[:N_TRAIN]
    test = read_idx_images(source / "t10k-images-idx3-ubyte.gz")
    rng = np.random.default_rng(args.seed)
    for name, images in (("train", train), ("test", test)):
        rows = channels(images) if args.scene == "plain" else in_scenes(images, rng)
        save_npy(out / f"{name}.npy", rows)
        print(f"{out / name}.npy: {rows.shape[0]} x {rows.shape[1]} float32")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
