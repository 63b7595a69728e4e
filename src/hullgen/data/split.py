"""Seeded, stratified index selection that keeps the datasets' original order."""

from __future__ import annotations

import numpy as np

from hullgen.errors import ConfigError


def _allocate(counts: np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` over classes in proportion to ``counts`` (largest-remainder rounding)."""
    quota = counts * (n / counts.sum())
    take = np.floor(quota).astype(np.int64)
    short = n - int(take.sum())
    # Ties go to the lower class label, so the allocation does not depend on the seed.
    order = np.lexsort((np.arange(len(counts)), -(quota - take)))
    take[order[:short]] += 1
    return np.minimum(take, counts)


def subset_counts(counts, n: int) -> np.ndarray:
    """Rows per class that :func:`stratified_subset` keeps when it takes ``n`` of rows with
    ``counts`` per class (classes with no rows keep none): the allocation does not depend on
    the seed, so it is known before any row is read.

    >>> subset_counts([5, 3, 0, 2], 5).tolist()
    [3, 1, 0, 1]
    """
    counts = np.asarray(counts, dtype=np.int64)
    if not 1 <= n <= counts.sum():
        raise ValueError(f"cannot take a subset of {n} from {counts.sum()} items")
    kept = np.zeros_like(counts)
    present = counts > 0
    kept[present] = _allocate(counts[present], n)
    return kept


def stratified_subset(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of ``n`` items of ``y``, class shares as in ``y``, sorted ascending."""
    y = np.asarray(y)
    if not 1 <= n <= len(y):
        raise ValueError(f"cannot take a subset of {n} from {len(y)} items")
    classes, inverse = np.unique(y, return_inverse=True)
    take = _allocate(np.bincount(inverse), n)
    rng = np.random.default_rng(seed)
    chosen = [
        rng.choice(np.flatnonzero(inverse == k), size=int(take[k]), replace=False)
        for k in range(len(classes))
    ]
    return np.sort(np.concatenate(chosen))


def stratified_split(y: np.ndarray, test_fraction: float, seed: int):
    """Split indices of ``y`` into (train, test), stratified by class, each sorted ascending."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    y = np.asarray(y)
    test = stratified_subset(y, max(1, round(test_fraction * len(y))), seed)
    train = np.setdiff1d(np.arange(len(y)), test, assume_unique=True)
    return train, test


# Different streams for train and test, so n_train does not change the test subset.
SUBSET_SEED_OFFSET = {"train": 0, "test": 1_000_003}


def subset_positions(labels: np.ndarray, n: int | None, seed: int, split: str) -> np.ndarray:
    """Positions of a split's rows kept by ``subset.n_<split>`` (all when None), stratified by
    class and in the source's order."""
    if n is None:
        return np.arange(len(labels))
    if n > len(labels):
        raise ConfigError(
            f"config key 'subset.n_{split}' = {n} exceeds the {len(labels)} {split} rows available"
        )
    return stratified_subset(labels, n, seed + SUBSET_SEED_OFFSET[split])
