"""Directions from the hull to the test points, and what they tell about the object.

For a test point x outside the hull, its nearest hull point p (from the hull stage's support
table) gives the shortest direction x - p. The paper: "the shortest direction that brings
each testing image to the hull relates to important features in images", and "directions to
the convex hulls ... contain information related to the object of interest in images".

Two measurements, in the space's own coordinates:

- a **linear probe**: how well the unit directions (x - p) / ||x - p|| predict the test
  image's class, cross-validated; reported as chance-corrected balanced accuracy (0 at
  chance, 1 perfect). The random space's directions, paired with the test labels by row,
  carry no such information and are the control;
- for grey images on a dark background (pixel spaces): the **share of the direction's
  energy** sum (x - p)^2 that lies on the object's pixels (those of x brighter than
  :data:`OBJECT_LEVEL`), against the object's share of the pixels.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import sparse

from hullgen.findings.stats import require_columns

# Folds of the probe's cross-validation: each model is fitted on 80% of the test points.
PROBE_FOLDS = 5
# Ridge penalty of the probe on unit vectors (X^T X has trace n): a light one, against
# collinear coordinates (constant border pixels), not a tuned one.
PROBE_RIDGE_ALPHA = 1.0
# A pixel belongs to the object when brighter than a tenth of the range: the background of
# digits, MNIST and Fashion-MNIST is 0, and anti-aliased edges reach above this.
OBJECT_LEVEL = 0.1 * 255


def hull_points(train, support: pd.DataFrame, n_test: int) -> np.ndarray:
    """(n_test, d) float64: each test row's nearest hull point p = sum_j w_j train[j].

    Rows without support are 0. Only the training rows that appear in ``support`` are read
    (``train`` may be a memory map).
    """
    require_columns(support, ["query", "train_index", "weight"], what="support table")
    used, column = np.unique(support["train_index"].to_numpy(dtype=np.int64), return_inverse=True)
    weights = sparse.csr_matrix(
        (support["weight"].to_numpy(dtype=np.float64), (support["query"].to_numpy(), column)),
        shape=(n_test, len(used)),
    )
    return np.asarray(weights @ np.asarray(train[used], dtype=np.float64))


def unit_directions(test, points: np.ndarray, queries) -> np.ndarray:
    """(len(queries), d): (x - p) / ||x - p|| for the given test rows (all with x != p)."""
    queries = np.asarray(queries, dtype=np.int64)
    direction = np.asarray(test[queries], dtype=np.float64) - points[queries]
    norm = np.linalg.norm(direction, axis=1)
    if (norm == 0).any():
        raise ValueError(f"test row {int(queries[norm == 0][0])} lies on the hull: no direction")
    return direction / norm[:, None]


def probe_skill(directions: np.ndarray, labels, seed: int = 0) -> dict:
    """Cross-validated linear probe of ``labels`` from ``directions`` (n, d).

    A ridge classifier (alpha :data:`PROBE_RIDGE_ALPHA`), :data:`PROBE_FOLDS`-fold stratified
    cross-validation shuffled with ``seed``; classes with fewer than :data:`PROBE_FOLDS`
    points are left out. Keys: ``n`` (points used), ``classes``, ``accuracy``,
    ``balanced_accuracy``, ``skill`` (balanced accuracy corrected for chance:
    (b - 1/K) / (1 - 1/K) for K classes), ``note`` (why the numbers are None, if they are).
    """
    from sklearn.linear_model import RidgeClassifier
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    kept = np.isin(labels, classes[counts >= PROBE_FOLDS])
    result = {"n": int(kept.sum()), "classes": int((counts >= PROBE_FOLDS).sum())}
    if result["classes"] < 2:
        note = f"needs 2 classes with >= {PROBE_FOLDS} points each"
        return {**result, "accuracy": None, "balanced_accuracy": None, "skill": None, "note": note}
    x, y = directions[kept], labels[kept]
    folds = StratifiedKFold(PROBE_FOLDS, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # Ill-conditioned folds (more dimensions than points) are what the ridge is for.
        warnings.simplefilter("ignore", category=UserWarning)
        predicted = cross_val_predict(RidgeClassifier(alpha=PROBE_RIDGE_ALPHA), x, y, cv=folds)
    return {
        **result,
        "accuracy": float(np.mean(predicted == y)),
        "balanced_accuracy": float(balanced_accuracy_score(y, predicted)),
        "skill": float(balanced_accuracy_score(y, predicted, adjusted=True)),
        "note": None,
    }


def object_energy(directions: np.ndarray, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per point: the share of sum (x - p)^2 on the object's pixels, and the object's share
    of the pixels.

    ``directions`` (n, d) in pixel coordinates (any scale), ``images`` (n, d) the test points
    in pixel values 0..255; the object is where an image is brighter than
    :data:`OBJECT_LEVEL`. Both shares are in [0, 1]; energy spread evenly would give equal
    shares.
    """
    mask = np.asarray(images, dtype=np.float64) > OBJECT_LEVEL
    energy = directions**2
    total = energy.sum(axis=1)
    return (energy * mask).sum(axis=1) / total, mask.mean(axis=1)


def direction_summary(directions: np.ndarray, labels, images=None, seed: int = 0) -> dict:
    """The probe (:func:`probe_skill`) on unit ``directions`` (n, d) with their test points'
    ``labels`` (n,), and, given ``images`` (n, d: the test points in pixel values, for a
    dark-background dataset), the median share of a direction's energy on the object
    (:func:`object_energy`).

    Keys: the probe's, prefixed ``probe_``; ``energy_on_object_median``,
    ``object_area_median`` and ``energy_over_area_median`` (the median of the per-point
    ratio), None without ``images``.
    """
    probe = probe_skill(directions, np.asarray(labels), seed)
    summary = {f"probe_{k}": v for k, v in probe.items()}
    summary.update(
        energy_on_object_median=None, object_area_median=None, energy_over_area_median=None
    )
    if images is not None and len(directions):
        on_object, area = object_energy(directions, images)
        shown = area > 0  # an all-dark image has no object to put energy on
        summary.update(
            energy_on_object_median=float(np.median(on_object)),
            object_area_median=float(np.median(area)),
            energy_over_area_median=(
                float(np.median(on_object[shown] / area[shown])) if shown.any() else None
            ),
        )
    return summary


def class_mean_directions(directions: np.ndarray, labels) -> tuple[np.ndarray, np.ndarray]:
    """(classes, means): the mean unit direction of each class present, (K, d)."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    means = [directions[labels == c].mean(axis=0) for c in classes]
    return classes, np.stack(means) if means else np.zeros((0, directions.shape[1]))
