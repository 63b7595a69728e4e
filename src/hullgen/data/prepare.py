"""Turn raw files into the canonical on-disk form of a dataset.

Canonical form: ``x`` uint8 of shape (n, h, w) or (n, h, w, 3), ``y`` int64, for train and
test, in the dataset's original order (subsets keep that order).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hullgen.data import cifar, idx, registry
from hullgen.data.archive import safe_extract
from hullgen.data.split import stratified_split, subset_positions
from hullgen.errors import DataFormatError


@dataclass
class Splits:
    """Train and test images and labels, plus each row's index in the full dataset."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    index_train: np.ndarray
    index_test: np.ndarray


def load_digits(test_fraction: float, seed: int) -> Splits:
    """scikit-learn's bundled 8x8 digits, values 0..16 scaled to 0..255, split by seed."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    x = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    y = bunch.target.astype(np.int64)
    train, test = stratified_split(y, test_fraction, seed)
    return Splits(x[train], y[train], x[test], y[test], train, test)


def _check_pair(x: np.ndarray, y: np.ndarray, what: str) -> None:
    if len(x) != len(y):
        raise DataFormatError(f"{what}: {len(x)} images but {len(y)} labels")


def load_idx_dataset(files: dict[str, str | os.PathLike]) -> Splits:
    """MNIST-style IDX files, keyed by their canonical file names."""
    parts = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x = idx.read_idx_images(files[f"{prefix}-images-idx3-ubyte.gz"])
        y = idx.read_idx_labels(files[f"{prefix}-labels-idx1-ubyte.gz"])
        _check_pair(x, y, f"{files[f'{prefix}-images-idx3-ubyte.gz']} ({split})")
        parts[split] = (x, y)
    (xtr, ytr), (xte, yte) = parts["train"], parts["test"]
    return Splits(xtr, ytr, xte, yte, np.arange(len(ytr)), np.arange(len(yte)))


def load_cifar10(archive: str | os.PathLike) -> Splits:
    """The CIFAR-10 binary tarball: extracted safely to a temporary folder, then parsed."""
    archive = Path(archive)
    with tempfile.TemporaryDirectory(prefix=".cifar10-", dir=archive.parent) as tmp:
        root = safe_extract(archive, Path(tmp) / "extracted") / "cifar-10-batches-bin"
        if not root.is_dir():
            raise DataFormatError(f"{archive}: no folder cifar-10-batches-bin inside")
        xtr, ytr = cifar.read_cifar_batches([root / b for b in cifar.TRAIN_BATCHES])
        xte, yte = cifar.read_cifar_batches([root / b for b in cifar.TEST_BATCHES])
    return Splits(xtr, ytr, xte, yte, np.arange(len(ytr)), np.arange(len(yte)))


def load(
    name: str,
    files: dict[str, str | os.PathLike] | None = None,
    test_fraction: float = 0.25,
    split_seed: int = 0,
) -> Splits:
    """Load dataset ``name`` in canonical form from its raw ``files``."""
    spec = registry.get(name)
    files = dict(files or {})
    missing = [f.name for f in spec.files if f.name not in files]
    if missing:
        raise ValueError(f"dataset {name}: raw files missing: {', '.join(missing)}")
    if name == "digits":
        splits = load_digits(test_fraction, split_seed)
    elif name in ("mnist", "fashion-mnist"):
        splits = load_idx_dataset(files)
    elif name == "cifar10":
        splits = load_cifar10(files["cifar-10-binary.tar.gz"])
    else:  # pragma: no cover - registry and loaders are kept in step
        raise ValueError(f"no loader for dataset {name!r}")
    for split in ("train", "test"):
        x = getattr(splits, f"x_{split}")
        if x.shape[1:] != spec.image_shape:
            raise DataFormatError(
                f"dataset {name} ({split}): images of shape {x.shape[1:]}, "
                f"expected {spec.image_shape}"
            )
    return splits


def take_subset(splits: Splits, n_train: int | None, n_test: int | None, seed: int) -> Splits:
    """Stratified subsets of train and test (None keeps a split whole), in original order."""
    tr = subset_positions(splits.y_train, n_train, seed, "train")
    te = subset_positions(splits.y_test, n_test, seed, "test")
    return Splits(
        splits.x_train[tr],
        splits.y_train[tr],
        splits.x_test[te],
        splits.y_test[te],
        splits.index_train[tr],
        splits.index_test[te],
    )


def class_summary(spec: registry.DatasetSpec, y: dict[str, np.ndarray]) -> dict:
    """The classes, and for each split (``y`` maps it to its class indices) its number of
    rows and per-class counts, for a dataset's info.json."""
    out = {"classes": list(spec.classes)}
    for split, labels in y.items():
        out[f"n_{split}"] = len(labels)
        out[f"class_counts_{split}"] = np.bincount(labels, minlength=spec.n_classes).tolist()
    return out


def summary(name: str, splits: Splits) -> dict:
    """Shapes and per-class counts, for the dataset's info.json."""
    spec = registry.get(name)
    y = {split: getattr(splits, f"y_{split}") for split in ("train", "test")}
    return {"dataset": name, "image_shape": list(spec.image_shape), **class_summary(spec, y)}
