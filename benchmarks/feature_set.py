"""Feature sets of the shape and geometry of ImageNet embeddings, generated offline.

    python benchmarks/feature_set.py --scale 0.1 --kind clip --out benchmarks/out/clip-0.1

No ImageNet features can be downloaded on the project's machines, and isotropic noise would
not do: the hull's geometry (how many test rows lie outside, how large the supports are,
how many pricing rounds a point takes) is that of the data. The rows are drawn to share what
is known of real embeddings:

- **1,000 classes**, each a Gaussian around its own mean, with ImageNet's class sizes at full
  scale (1,281,167 training rows, 50,000 test rows) and ``--scale`` times that otherwise.
- **A power-law spectrum.** Real embeddings put most of their variance in a few directions:
  the k-th principal variance falls like ``k ** -alpha`` (``--alpha``, 1.0 by default).
  The class means and the spread within a class both follow it, in one random basis.
- **Test rows from the same distribution** as the training rows: the same class means and
  spread, other draws.
- ``--kind clip`` (CLIP-like): a shared offset (real CLIP image embeddings have a mean
  cosine similarity near 0.5), then every row scaled to unit norm.
- ``--kind resnet`` (ResNet-pooled-like): a ReLU of the Gaussian rows (the pooled features
  follow a ReLU and an average), so rows are non-negative and sparse: ``--zeros`` of the
  values (0.4 by default) are exactly zero.

Writes ``train_x.npy``, ``train_y.npy``, ``test_x.npy`` and ``test_y.npy`` (float32 rows,
int64 labels) into ``--out``, in blocks: memory stays near one block whatever the scale.
Seeded (``--seed``): the same arguments give the same files.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy import special

IMAGENET_TRAIN = 1_281_167  # ILSVRC-2012 training images
IMAGENET_TEST = 50_000  # its validation images, the test set of feature studies
IMAGENET_CLASSES = 1_000
BLOCK_ROWS = 32_768  # rows drawn at a time: about 100 MB at 768-d
CLIP_MEAN_COSINE = 0.5  # CLIP image embeddings' typical cosine similarity to each other
# Share of the variance within classes (between them: 0.3): classes overlap, as ImageNet's do
# in embeddings (a linear probe on CLIP ViT-B features is right about 80% of the time).
WITHIN_SHARE = 0.7


def split_sizes(scale: float, classes: int = IMAGENET_CLASSES) -> tuple[int, int]:
    """Training and test rows at ``scale`` of ImageNet: 1/10 gives 128,117 and 5,000."""
    n_train = round(IMAGENET_TRAIN * scale)
    n_test = round(IMAGENET_TEST * scale)
    if n_train < classes or n_test < 1:
        raise ValueError(f"--scale {scale} leaves fewer training rows than {classes} classes")
    return n_train, n_test


def class_sizes(n_rows: int, classes: int) -> np.ndarray:
    """Rows per class, as even as possible (ImageNet's are 732 to 1,300, mostly 1,300)."""
    sizes = np.full(classes, n_rows // classes, dtype=np.int64)
    sizes[: n_rows % classes] += 1
    return sizes


class FeatureModel:
    """The distribution rows are drawn from: class means and spread in one random basis.

    Parameters
    ----------
    dim : int
        Row width (768 for CLIP ViT-B/16 and DINOv2 ViT-B, 2,048 for ResNet-50).
    classes : int
        Number of classes.
    kind : {"clip", "resnet"}
        Unit-norm rows, or non-negative sparse rows.
    alpha : float
        Power of the spectrum: the k-th principal variance is proportional to k ** -alpha.
    zeros : float
        ``resnet`` only: the share of values that the ReLU sets to zero.
    seed : int
        Seed of the class means, the basis and every row drawn.

    Examples
    --------
    >>> model = FeatureModel(dim=16, classes=4, kind="clip", alpha=1.0, zeros=0.4, seed=0)
    >>> rows = model.rows(np.array([0, 1, 2, 3]), np.random.default_rng(1))
    >>> np.allclose(np.linalg.norm(rows, axis=1), 1.0)
    True
    """

    def __init__(self, dim: int, classes: int, kind: str, alpha: float, zeros: float, seed: int):
        if kind not in ("clip", "resnet"):
            raise ValueError(f"--kind must be clip or resnet, not {kind!r}")
        self.kind = kind
        rng = np.random.default_rng(seed)
        spectrum = np.arange(1, dim + 1, dtype=np.float64) ** -alpha
        spectrum /= spectrum.sum()
        basis, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
        # Rows are z @ scale_basis: z standard normal, so the covariance is the spectrum in basis.
        self.within = (np.sqrt(spectrum * WITHIN_SHARE)[:, None] * basis.T).astype(np.float32)
        between = np.sqrt(spectrum * (1 - WITHIN_SHARE))[:, None] * basis.T
        self.means = (rng.standard_normal((classes, dim)) @ between).astype(np.float32)
        offset = rng.standard_normal(dim)
        offset /= np.linalg.norm(offset)
        if kind == "clip":
            # Unit-variance rows (total variance 1) plus an offset of norm r have a mean cosine
            # of r^2 / (1 + r^2) to each other: r = 1 gives CLIP's 0.5.
            r = np.sqrt(CLIP_MEAN_COSINE / (1 - CLIP_MEAN_COSINE))
            self.offset = (r * offset).astype(np.float32)
        else:
            # Each coordinate has variance sum(within^2 + between^2) over the basis; a shift of
            # -q std (q the standard normal's quantile of `zeros`) makes `zeros` of them negative.
            std = np.sqrt((self.within.astype(np.float64) ** 2).sum(0) + (between**2).sum(0))
            shift = np.sqrt(2) * special.erfinv(2 * (1 - zeros) - 1)
            self.offset = (shift * std).astype(np.float32)

    def rows(self, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Rows of the given classes, float32, one per label."""
        z = rng.standard_normal((len(labels), self.within.shape[0]), dtype=np.float32)
        x = z @ self.within + self.means[labels] + self.offset
        if self.kind == "clip":
            x /= np.linalg.norm(x, axis=1, keepdims=True)
        else:
            np.maximum(x, 0, out=x)
        return x


def write_split(path_x: Path, path_y: Path, model: FeatureModel, sizes, rng) -> None:
    """Draw ``sizes[c]`` rows of class ``c``, shuffled, into ``path_x`` / ``path_y`` by blocks."""
    labels = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    dim = model.within.shape[0]
    out = np.lib.format.open_memmap(path_x, mode="w+", dtype=np.float32, shape=(len(labels), dim))
    for start in range(0, len(labels), BLOCK_ROWS):
        out[start : start + BLOCK_ROWS] = model.rows(labels[start : start + BLOCK_ROWS], rng)
    out.flush()
    del out
    np.save(path_y, labels)


def arrays_config(data: Path, name: str, units: str, shards: int, studies: bool = True) -> str:
    """An arrays config (YAML) for the four files of a feature set in ``data``: the
    ``features`` space (``units``) and the random baseline, ``shards`` hull jobs per space;
    without ``studies``, the model studies (which do not depend on the data) are off."""
    config = f"""dataset:
  kind: arrays
  name: {name}
  train: {data / "train_x.npy"}
  train_labels: {data / "train_y.npy"}
  test: {data / "test_x.npy"}
  test_labels: {data / "test_y.npy"}
spaces:
  - {{name: clip, kind: features, units: "{units}"}}
  - {{name: random, kind: random, seed: 0}}
hull:
  shards: {shards}
"""
    if not studies:
        config += """experiments:
  legendre: {enabled: false}
  mlp: {enabled: false}
"""
    return config


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for the four .npy files")
    parser.add_argument("--scale", type=float, default=0.1, help="of ImageNet's sizes (1.0: full)")
    parser.add_argument("--kind", choices=("clip", "resnet"), default="clip")
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--classes", type=int, default=IMAGENET_CLASSES)
    parser.add_argument("--alpha", type=float, default=1.0, help="power of the spectrum")
    parser.add_argument("--zeros", type=float, default=0.4, help="resnet: share of zero values")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not 0 < args.zeros < 1:
        parser.error(f"--zeros must be between 0 and 1, not {args.zeros}")
    n_train, n_test = split_sizes(args.scale, args.classes)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    model = FeatureModel(args.dim, args.classes, args.kind, args.alpha, args.zeros, args.seed)
    rngs = np.random.default_rng(args.seed).spawn(2)
    for name, n, rng in (("train", n_train, rngs[0]), ("test", n_test, rngs[1])):
        sizes = class_sizes(n, args.classes)
        write_split(out / f"{name}_x.npy", out / f"{name}_y.npy", model, sizes, rng)
        print(f"{out / name}_x.npy: {n} x {args.dim} float32, {args.classes} classes")
    record = {**vars(args), "n_train": n_train, "n_test": n_test,
              "seconds": round(time.perf_counter() - start, 1)}  # fmt: skip
    (out / "feature_set.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
