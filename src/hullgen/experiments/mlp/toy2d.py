"""Two-dimensional toy data sets, the evaluation grid around them and its convex-hull mask.

All three data sets live on the same unit scale (moons' arcs and the spirals' arms have radius 1,
the blob centres sit at distance 1 from the Bayes boundary), so ``noise`` means the same thing,
a Gaussian standard deviation in data units, for each of them.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, Delaunay
from sklearn.datasets import make_moons

DATASETS = ("moons", "spirals", "blobs")

# Blob centres at the corners of [-1, 1]^2; the checkerboard gives diagonal corners one class.
BLOB_CENTRES = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
BLOB_LABELS = np.array([0, 0, 1, 1])

# One and a half turns keep the two arms a third of the outer radius apart along every ray.
SPIRAL_TURNS = 1.5
# Both arms meet at the origin; starting a little way out keeps the classes separable there.
SPIRAL_START = 0.1


def _check_name(name: str) -> None:
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")


def make_dataset(name: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` labelled points of data set ``name``: X float64 (n, 2), y int64 (n,) in {0, 1}.

    Classes are balanced: class 0 gets ``n // 2`` points, class 1 the rest. ``noise`` is the
    standard deviation of the Gaussian noise in data units: around the arcs (``moons``, radius
    1), around the arms (``spirals``, outer radius 1), and the blobs' own spread (``blobs``,
    centres at (+-1, +-1), so ``noise`` is the spread relative to the distance 1 between a
    centre and the Bayes boundary).
    """
    _check_name(name)
    if n < 2:
        raise ValueError(f"need at least 2 points (one per class), got n={n}")
    rng = np.random.default_rng(seed)
    if name == "moons":
        X, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    elif name == "spirals":
        X, y = _spirals(n, noise, rng)
    else:
        X, y = _blobs(n, noise, rng)
    return X.astype(np.float64), y.astype(np.int64)


def _class_sizes(n: int) -> tuple[int, int]:
    return n // 2, n - n // 2


def _spirals(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X_parts, y_parts = [], []
    for label, size in enumerate(_class_sizes(n)):
        radius = rng.uniform(SPIRAL_START, 1.0, size)
        angle = 2 * np.pi * SPIRAL_TURNS * radius + label * np.pi
        arm = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
        X_parts.append(arm + rng.normal(0.0, noise, arm.shape))
        y_parts.append(np.full(size, label))
    return np.concatenate(X_parts), np.concatenate(y_parts)


def _blobs(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X_parts, y_parts = [], []
    for label, size in enumerate(_class_sizes(n)):
        centres = BLOB_CENTRES[label == BLOB_LABELS]
        # The class's points split as evenly as possible between its two blobs.
        for centre, blob_size in zip(centres, _class_sizes(size), strict=True):
            X_parts.append(centre + rng.normal(0.0, noise, (blob_size, 2)))
            y_parts.append(np.full(blob_size, label))
    return np.concatenate(X_parts), np.concatenate(y_parts)


def true_labels(name: str, points: np.ndarray, noise: float) -> np.ndarray | None:
    """The data set's true label of each of ``points`` (m, 2), int64 (m,); None for ``spirals``.

    ``blobs``: the Bayes-optimal label. With equal priors and equal isotropic covariances the
    most likely blob is the nearest centre, and (by the checkerboard's symmetry) its class is
    also the most likely class, whatever ``noise`` is. ``moons``: the label of the nearer
    noise-free arc. ``spirals`` has no labelling away from its arms.
    """
    _check_name(name)
    points = np.asarray(points, dtype=np.float64)
    if name == "blobs":
        distances = np.linalg.norm(points[:, None, :] - BLOB_CENTRES[None, :, :], axis=2)
        return BLOB_LABELS[np.argmin(distances, axis=1)].astype(np.int64)
    if name == "moons":
        # make_moons: class 0 on the upper half of the unit circle, class 1 on the lower half
        # of the unit circle about (1, 0.5).
        upper = _half_circle_distance(points, np.array([0.0, 0.0]), upper=True)
        lower = _half_circle_distance(points, np.array([1.0, 0.5]), upper=False)
        return (lower < upper).astype(np.int64)
    return None


def _half_circle_distance(points: np.ndarray, centre: np.ndarray, upper: bool) -> np.ndarray:
    """Euclidean distance (m,) from ``points`` (m, 2) to a unit half circle about ``centre``."""
    offset = points - centre
    on_arc_side = offset[:, 1] >= 0 if upper else offset[:, 1] <= 0
    to_circle = np.abs(np.linalg.norm(offset, axis=1) - 1.0)
    ends = centre + np.array([[1.0, 0.0], [-1.0, 0.0]])
    to_ends = np.linalg.norm(points[:, None, :] - ends[None, :, :], axis=2).min(axis=1)
    # Off the arc's half plane the nearest arc point is one of its two ends.
    return np.where(on_arc_side, to_circle, to_ends)


def box(train_x: np.ndarray, box_factor: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre (2,) and half widths (2,) of the training bounding box scaled by ``box_factor``
    about its centre (1 is the bounding box itself): the region the study measures."""
    train_x = np.asarray(train_x, dtype=np.float64)
    low, high = train_x.min(axis=0), train_x.max(axis=0)
    return (low + high) / 2, box_factor * (high - low) / 2


def grid(
    train_x: np.ndarray, size: int, box_factor: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ``size`` x ``size`` grid over the training bounding box scaled by ``box_factor``.

    The box is scaled about its centre (``box_factor`` 1 is the bounding box itself). Returns
    xs (size,), ys (size,) and points (size * size, 2) in row-major order with x varying
    fastest: points[i * size + j] == (xs[j], ys[i]), so ``values.reshape(size, size)[i, j]``
    belongs to (xs[j], ys[i]), the layout of ``imshow(..., origin="lower")``.
    """
    centre, half_width = box(train_x, box_factor)
    xs = np.linspace(centre[0] - half_width[0], centre[0] + half_width[0], size)
    ys = np.linspace(centre[1] - half_width[1], centre[1] + half_width[1], size)
    grid_x, grid_y = np.meshgrid(xs, ys, indexing="xy")
    return xs, ys, np.column_stack([grid_x.ravel(), grid_y.ravel()])


def hull_mask(train_x: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Whether each of ``points`` (m, 2) lies inside or on the training points' convex hull."""
    return Delaunay(train_x).find_simplex(points) >= 0


def hull_polygon(train_x: np.ndarray) -> np.ndarray:
    """The hull's outline (k, 2): vertices in counter-clockwise order, the first repeated last."""
    vertices = ConvexHull(train_x).vertices
    return np.asarray(train_x)[np.append(vertices, vertices[0])]
