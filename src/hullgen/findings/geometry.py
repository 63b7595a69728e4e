"""Beyond the paper: is there a low-dimensional view in which test points fall inside the
training hull, and how far is each test point from its own class's hull?

Both run the certified hull solver (:class:`hullgen.hull.HullDistance`) on derived problems,
on a seeded random subset of at most ``max_test`` test points.
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


def subset_rows(m: int, max_test: int, seed: int) -> np.ndarray:
    """Sorted indices of at most ``max_test`` of ``m`` test points, seeded."""
    if max_test >= m:
        return np.arange(m)
    return np.sort(np.random.default_rng(seed).choice(m, max_test, replace=False))


def pca_basis(train: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, components (rank, d), explained variance share per component) of ``train``."""
    train = np.asarray(train, dtype=np.float64)
    mean = train.mean(axis=0)
    _, s, vt = np.linalg.svd(train - mean, full_matrices=False)
    variance = s**2
    total = variance.sum()
    return mean, vt, variance / total if total > 0 else np.zeros_like(variance)


def pca_sweep(train, test, dims, *, max_test=500, seed=0, hull_options=None) -> pd.DataFrame:
    """Certified hull distances after projecting train and test onto the first k principal
    components of the training set, for each k in ``dims`` (capped at the rank).

    One row per k: ``k``, ``explained_variance`` (share of the training variance kept),
    ``n_test``, ``share_outside`` (certified, lower bound > 0), ``share_inside``,
    ``share_not_converged``, ``median_distance`` (space units, in the projection).
    """
    mean, components, share = pca_basis(train)
    rows = subset_rows(len(test), max_test, seed)
    T = (np.asarray(train, float) - mean) @ components.T
    X = (np.asarray(test, float)[rows] - mean) @ components.T
    out = []
    for k in sorted({min(int(k), len(components)) for k in dims}):
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


def class_hull_distances(
    train, train_y, test, test_y, *, max_test=500, seed=0, hull_options=None
) -> pd.DataFrame:
    """Distance of each test point to the hull of its own class's training points, and to
    the nearest hull among the other classes (space units).

    One row per test point of the subset: ``query``, ``label``, ``own_distance``,
    ``own_status``, ``other_distance``, ``other_class``. A test point whose class has no
    training point has no own hull: its ``own_distance`` is NaN and its ``own_status``
    :data:`NO_TRAINING_CLASS` (logged as a warning), and every class's hull is "other" to it.
    """
    train_y, test_y = np.asarray(train_y), np.asarray(test_y)
    rows = subset_rows(len(test), max_test, seed)
    X = np.asarray(test, float)[rows]
    classes = np.unique(train_y)
    distance = np.empty((len(rows), len(classes)))
    status = np.empty((len(rows), len(classes)), dtype=object)
    for j, c in enumerate(classes):
        result = HullDistance(np.asarray(train)[train_y == c], **(hull_options or {})).query(X)
        distance[:, j], status[:, j] = result.distance, result.status
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
        }
    )
