"""Directions from the hull to the test points, and what they tell about the object.

For a test point x outside the hull, its nearest hull point p (from the hull stage's support
table) gives the shortest direction x - p. The paper: "the shortest direction that brings
each testing image to the hull relates to important features in images", and "directions to
the convex hulls ... contain information related to the object of interest in images".

Three measurements:

- the **direction on the image's structure** (pixel spaces; the claim's criterion): the share
  of the direction's energy (x - p)^2 on the quarter of x's pixels with the most detail,
  against the share on another test image's detail (:func:`structure_summary`);
- a **linear probe**, for context: how well the unit directions (x - p) / ||x - p|| predict
  the test image's class, cross-validated, as chance-corrected balanced accuracy (0 at
  chance, 1 perfect), beside the same probe on the unit test points themselves: a linear
  probe measures how linearly separable the classes are in the space as much as what the
  directions carry. The random space's directions, paired with the test labels by row, are
  the control;
- for grey images on a dark background (pixel spaces): the **share of the direction's
  energy** that lies on the object's pixels (those of x brighter than :data:`OBJECT_LEVEL`),
  against the object's share of the pixels, for information.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import ndimage, sparse

from hullgen.claims import criteria as C
from hullgen.findings.stats import require_columns, superiority

# Training rows of the support gathered at a time (16,384 x 768 float64 is 96 MiB).
GATHER_BLOCK = 16_384
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
    points = np.zeros((n_test, train.shape[1]))
    # The training rows a block at a time: the support may hold most of a large training set.
    for first in range(0, len(used), GATHER_BLOCK):
        chunk = slice(first, first + GATHER_BLOCK)
        points += weights[:, chunk] @ np.asarray(train[used[chunk]], dtype=np.float64)
    return points


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


def detail_map(images) -> np.ndarray:
    """(n, h * w): each image's detail per pixel, |x - G * x|, G a Gaussian blur of
    :data:`hullgen.claims.criteria.STRUCTURE_SIGMA` pixels (edges reflected), colour channels
    combined as a Euclidean norm; pixel units.

    ``images``: (n, h, w) grey or (n, h, w, 3) colour, any numeric type.
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim not in (3, 4):
        raise ValueError(f"detail_map: images must be (n, h, w) or (n, h, w, c), got {x.shape}")
    grey = x.ndim == 3
    if grey:
        x = x[..., None]
    sigma = (0, C.STRUCTURE_SIGMA, C.STRUCTURE_SIGMA, 0)
    detail = np.sqrt(((x - ndimage.gaussian_filter(x, sigma=sigma)) ** 2).sum(axis=3))
    return detail.reshape(len(x), -1)


def pixel_energy(directions: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
    """(n, h * w): each direction's energy per pixel, its squared coordinates summed over the
    colour channels (``directions`` (n, d) in the pixel rows' order, d = prod(image_shape))."""
    energy = np.asarray(directions, dtype=np.float64).reshape((len(directions), *image_shape))
    energy = energy**2
    if len(image_shape) == 3:
        energy = energy.sum(axis=3)
    return energy.reshape(len(directions), -1)


def energy_on_structure(energy: np.ndarray, detail: np.ndarray) -> np.ndarray:
    """(n,) in [0, 1]: the share of each row of ``energy`` on the
    :data:`hullgen.claims.criteria.STRUCTURE_SHARE` of pixels where the same row of ``detail`` is
    largest (ties go to the earlier pixel, so every mask has the same size).

    Examples
    --------
    >>> energy_on_structure(np.array([[4.0, 1.0, 0.0, 0.0]]), np.array([[9.0, 1.0, 2.0, 0.0]]))
    array([0.8])
    """
    k = max(1, round(C.STRUCTURE_SHARE * detail.shape[1]))
    mask = np.argsort(-detail, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(energy, mask, axis=1).sum(axis=1) / energy.sum(axis=1)


def other_rows(n: int, seed: int = 0) -> np.ndarray:
    """(n,): for each row another row (a cyclic shift by a seeded offset in 1..n-1, so no row
    is paired with itself). Needs n >= 2."""
    if n < 2:
        raise ValueError(f"other_rows: needs 2 rows or more, got {n}")
    offset = int(np.random.default_rng(seed).integers(1, n))
    return (np.arange(n) + offset) % n


def structure_summary(directions: np.ndarray, images, seed: int = 0) -> dict:
    """Whether the directions fall on their own images' structure.

    ``directions`` (n, d): unit directions in pixel coordinates (the pixel rows' order);
    ``images`` (n, h, w[, 3]): the test images they are paired with (for a pixel space, the
    test points themselves; for the random control, the test images of the same rows). For
    each row, the share of its energy on its image's detail (:func:`energy_on_structure`)
    against the share on another row's image's (:func:`other_rows`, seeded).

    Keys: ``n``; ``own_share_median`` and ``other_share_median`` (in [0, 1]); ``mask_share``
    (:data:`hullgen.claims.criteria.STRUCTURE_SHARE`: a direction spread evenly puts that much
    there); ``effect``: :func:`hullgen.findings.stats.superiority` of the own shares over
    the other shares (0.5 for a direction blind to its image's structure). None where n < 2.
    """
    images = np.asarray(images)
    n = len(directions)
    summary = {"n": n, "mask_share": C.STRUCTURE_SHARE}
    if n < 2:
        return {**summary, "own_share_median": None, "other_share_median": None, "effect": None}
    own, other = structure_shares(directions, images, seed)
    return {
        **summary,
        "own_share_median": float(np.median(own)),
        "other_share_median": float(np.median(other)),
        "effect": superiority(own, other),
    }


def structure_shares(directions: np.ndarray, images, seed: int = 0):
    """(own, other), each (n,): the share of each direction's energy on its own image's
    structure mask and on another image's (see :func:`structure_summary`)."""
    images = np.asarray(images)
    if len(images) != len(directions):
        raise ValueError(f"{len(directions)} directions but {len(images)} images")
    energy = pixel_energy(directions, images.shape[1:])
    detail = detail_map(images)
    return (
        energy_on_structure(energy, detail),
        energy_on_structure(energy, detail[other_rows(len(images), seed)]),
    )


def direction_summary(
    directions: np.ndarray,
    labels,
    points=None,
    structure_images=None,
    energy_images=None,
    seed: int = 0,
) -> dict:
    """Every measurement of the unit ``directions`` (n, d) of the test points outside.

    - the probe (:func:`probe_skill`) with the points' ``labels`` (n,), keys prefixed
      ``probe_``, and, given ``points`` (n, d: the test points in the space), the same probe
      on the unit points, prefixed ``probe_points_``;
    - given ``structure_images`` (n, h, w[, 3]: the images the directions are paired with),
      :func:`structure_summary`, prefixed ``structure_`` (None values without);
    - given ``energy_images`` (n, d: the test points in pixel values, for a dark-background
      dataset), the median share of a direction's energy on the object
      (:func:`object_energy`): ``energy_on_object_median``, ``object_area_median`` and
      ``energy_over_area_median`` (the median of the per-point ratio), None without.
    """
    labels = np.asarray(labels)
    probe = probe_skill(directions, labels, seed)
    summary = {f"probe_{k}": v for k, v in probe.items()}
    if points is not None:
        unit = np.asarray(points, dtype=np.float64)
        norm = np.linalg.norm(unit, axis=1, keepdims=True)
        unit = np.divide(unit, norm, out=np.zeros_like(unit), where=norm > 0)
        summary.update({f"probe_points_{k}": v for k, v in probe_skill(unit, labels, seed).items()})
    structure = (
        structure_summary(directions, structure_images, seed)
        if structure_images is not None
        else dict.fromkeys(("n", "mask_share", "own_share_median", "other_share_median", "effect"))
    )
    summary.update({f"structure_{k}": v for k, v in structure.items()})
    summary.update(
        energy_on_object_median=None, object_area_median=None, energy_over_area_median=None
    )
    if energy_images is not None and len(directions):
        on_object, area = object_energy(directions, energy_images)
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
