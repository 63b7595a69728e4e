"""Beyond the paper: is there a low-dimensional view in which test points fall inside the
training hull, and how far is each test point from its own class's hull?

Both run the certified hull solver (:class:`hullgen.hull.HullDistance`) on derived problems,
on a seeded random subset of at most ``max_test`` test points; the per-class hulls on at most
``max_classes`` classes (a seeded sample). Both read the training matrix in blocks of rows
(it may be a memory map of a million rows): the PCA sweep never holds more than the
projection of width max(k) and one block, the class hulls gather each class's rows once.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from hullgen.findings.stats import OUTSIDE_STATUSES
from hullgen.hull import HullDistance

log = logging.getLogger("hullgen.findings")
# The own_status of a test point whose class has no training point.
NO_TRAINING_CLASS = "no_training_class"
# Bytes of one block of training rows in float64, read at a time by the PCA: a few blocks
# fit in any job's memory, and a block of 768 coordinates still has 10,922 rows, enough for
# BLAS to run at full speed.
BLOCK_BYTES = 64 * 2**20


def subset_rows(m: int, max_test: int, seed: int) -> np.ndarray:
    """Sorted indices of at most ``max_test`` of ``m`` test points, seeded."""
    if max_test >= m:
        return np.arange(m)
    return np.sort(np.random.default_rng(seed).choice(m, max_test, replace=False))


def _blocks(n: int, d: int, block_bytes: int = BLOCK_BYTES):
    """Row ranges (start, stop) that cover ``n`` rows of ``d`` float64 values in blocks of at
    most ``block_bytes``."""
    step = max(1, block_bytes // (8 * max(d, 1)))
    for start in range(0, n, step):
        yield start, min(start + step, n)


def pca_basis(train, block_bytes: int = BLOCK_BYTES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, components (rank, d), explained variance share per component) of ``train``
    (n, d), rank = min(n, d); components by decreasing variance, each signed so that its
    largest coordinate (in absolute value) is positive.

    The scatter matrix (d, d) is accumulated in float64 over blocks of rows, shifted by the
    first block's mean against cancellation, then diagonalised (``eigh``): memory d x d plus
    one block, whatever n, and ``train`` may be a memory map of any float dtype.
    """
    n, d = train.shape
    if n == 0:
        raise ValueError("pca_basis: the training set is empty")
    shift = None
    total = np.zeros(d)
    scatter = np.zeros((d, d))
    for start, stop in _blocks(n, d, block_bytes):
        block = np.asarray(train[start:stop], dtype=np.float64)
        if shift is None:
            shift = block.mean(axis=0)
        block = block - shift  # a new array: the rows may be the caller's own float64
        total += block.sum(axis=0)
        scatter += block.T @ block
    offset = total / n  # the mean, less the shift
    scatter -= n * np.outer(offset, offset)
    values, vectors = np.linalg.eigh(scatter)
    order = np.argsort(values)[::-1][: min(n, d)]
    variance = np.clip(values[order], 0.0, None)
    components = vectors[:, order].T
    largest = np.argmax(np.abs(components), axis=1)
    components *= np.sign(components[np.arange(len(components)), largest])[:, None]
    total_variance = variance.sum()
    share = variance / total_variance if total_variance > 0 else np.zeros_like(variance)
    return shift + offset, components, share


def project(rows, mean: np.ndarray, components: np.ndarray, block_bytes: int = BLOCK_BYTES):
    """(n, k) float64: ``rows`` (n, d) centred by ``mean`` and projected onto ``components``
    (k, d), in blocks of rows (``rows`` may be a memory map)."""
    n, d = rows.shape
    out = np.empty((n, len(components)))
    for start, stop in _blocks(n, d, block_bytes):
        out[start:stop] = (np.asarray(rows[start:stop], dtype=np.float64) - mean) @ components.T
    return out


def pca_sweep(train, test, dims, *, max_test=500, seed=0, hull_options=None) -> pd.DataFrame:
    """Certified hull distances after projecting train and test onto the first k principal
    components of the training set, for each k in ``dims`` (capped at the rank).

    The basis is :func:`pca_basis`'s; the training set is projected in blocks onto the
    first max(k) components only, so the job holds n x max(k) float64, never a copy of
    ``train``. One row per k: ``k``, ``explained_variance`` (share of the training variance
    kept), ``n_test``, ``share_outside`` (certified, lower bound > 0), ``share_inside``,
    ``share_not_converged``, ``median_distance`` (space units, in the projection).
    """
    mean, components, share = pca_basis(train)
    ks = sorted({min(int(k), len(components)) for k in dims})
    kept = components[: ks[-1]]
    rows = subset_rows(len(test), max_test, seed)
    T = project(train, mean, kept)
    X = project(np.asarray(test[rows]), mean, kept)
    out = []
    for k in ks:
        result = HullDistance(T[:, :k], **(hull_options or {})).query(X[:, :k])
        status = np.asarray(result.status)
        outside = np.isin(status, OUTSIDE_STATUSES) & (result.lower_bound > 0)
        out.append(
            {
                "k": k,
                "explained_variance": float(share[:k].sum()),
                "n_test": len(rows),
                "share_outside": float(outside.mean()),
                "share_inside": float((status == "inside").mean()),
                "share_not_converged": float((status == "not_converged").mean()),
                "median_distance": float(np.median(result.distance)),
            }
        )
        log.info("PCA k=%d: %.1f%% of test points outside", k, 100 * out[-1]["share_outside"])
    return pd.DataFrame(out)


def sample_classes(classes: np.ndarray, max_classes: int, seed: int) -> np.ndarray:
    """Sorted: all of ``classes`` when there are at most ``max_classes``, else a seeded
    sample of ``max_classes`` of them."""
    if max_classes >= len(classes):
        return np.asarray(classes)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(np.asarray(classes), max_classes, replace=False))


def class_rows(train_y, classes) -> dict:
    """{class: sorted training rows of that class} for each of ``classes``, from one stable
    argsort of the labels (not a pass over them per class)."""
    train_y = np.asarray(train_y)
    order = np.argsort(train_y, kind="stable")
    ordered = train_y[order]
    first = np.searchsorted(ordered, classes, side="left")
    last = np.searchsorted(ordered, classes, side="right")
    return {
        c: order[a:b] for c, a, b in zip(np.asarray(classes).tolist(), first, last, strict=True)
    }


def class_hull_distances(
    train,
    train_y,
    test,
    test_y,
    *,
    max_test=500,
    max_classes=100,
    seed=0,
    hull_options=None,
) -> pd.DataFrame:
    """Distance of each test point to the hull of its own class's training points, and to
    the nearest hull among the other classes used (space units).

    The classes used are the training classes, or a seeded sample of ``max_classes`` of
    them when there are more (:func:`sample_classes`); the test points are then a seeded
    sample of at most ``max_test`` of those of the classes used, and each one's "other" hull
    is the nearest among the classes used. With all classes used, the test points are a
    sample of every test row (as :func:`subset_rows` of all of them).

    One row per test point of the subset: ``query``, ``label``, ``own_distance``,
    ``own_status``, ``other_distance``, ``other_class``, and ``n_classes`` (classes used)
    and ``n_classes_total`` (training classes), the same in every row. A test point whose
    class has no training point has no own hull: its ``own_distance`` is NaN and its
    ``own_status`` :data:`NO_TRAINING_CLASS` (logged as a warning), and every class's hull
    is "other" to it.
    """
    train_y, test_y = np.asarray(train_y), np.asarray(test_y)
    all_classes = np.unique(train_y)
    classes = sample_classes(all_classes, max_classes, seed)
    if len(classes) < len(all_classes):
        eligible = np.flatnonzero(np.isin(test_y, classes))
        rows = eligible[subset_rows(len(eligible), max_test, seed)]
        log.info(
            "class hulls: %d of %d classes (seeded), %d of their %d test points",
            len(classes),
            len(all_classes),
            len(rows),
            len(eligible),
        )
    else:
        rows = subset_rows(len(test), max_test, seed)
    X = np.asarray(test[rows], dtype=float)
    distance = np.empty((len(rows), len(classes)))
    status = np.empty((len(rows), len(classes)), dtype=object)
    for j, (c, members) in enumerate(class_rows(train_y, classes).items()):
        hull = HullDistance(np.asarray(train[members]), **(hull_options or {}))
        result = hull.query(X)
        distance[:, j], status[:, j] = result.distance, result.status
        log.debug("class hulls: class %s (%d training rows) done", c, len(members))
    # The column of each test point's class, matched exactly (a class may be missing from a
    # training subset: a sorted search would hand it a neighbour's hull).
    column = {c: j for j, c in enumerate(classes.tolist())}
    own = np.array([column.get(c, -1) for c in test_y[rows].tolist()], dtype=np.int64)
    missing = own < 0
    if missing.any():
        absent = sorted(set(test_y[rows][missing].tolist()))
        log.warning(
            "class hulls: %d test points of classes %s, which have no training point, have no"
            " own hull (own_distance NaN, own_status %r)",
            int(missing.sum()),
            absent,
            NO_TRAINING_CLASS,
        )
    at = np.arange(len(rows))
    others = distance.copy()
    others[at[~missing], own[~missing]] = np.inf
    nearest = others.argmin(axis=1)
    return pd.DataFrame(
        {
            "query": rows,
            "label": test_y[rows],
            "own_distance": np.where(missing, np.nan, distance[at, own]),
            "own_status": np.where(missing, NO_TRAINING_CLASS, status[at, own]),
            "other_distance": others[at, nearest],
            "other_class": classes[nearest],
            "n_classes": np.full(len(rows), len(classes), dtype=np.int64),
            "n_classes_total": np.full(len(rows), len(all_classes), dtype=np.int64),
        }
    )
