"""The rows as the diameter search reads them, and the rigorous bounds it prunes with.

Two passes over the input in row blocks (a memory map or uint8 rows are never copied whole),
and a strided sample of it: the mean and each column's range, in the input's own dtype; the
sample's top principal directions; then, from the float64 centred rows, the squared radii
(distances from the mean), the float32 centred copy and the projections on those
directions. Everything is kept in input row order, with the order by radius (largest
first) beside it.

Every bound holds for the float64 centred rows up to a margin that covers the float64
rounding of the passes and of the decisions; the float32 products carry their own a-priori
error (:func:`hullgen.hull.rounding.float32_dot_error`). With ``V`` any matrix of orthonormal
columns, ``z = V^T y`` and ``q`` the norm of ``y - V z`` (the residual), Pythagoras and the
triangle inequality give, for every pair of rows::

    ||y_i - y_j||^2 <= ||z_i - z_j||^2 + (q_i + q_j)^2 <= (r_i + r_j)^2.

The first (the projection bound) is tight when the top directions carry the pair; the
second (the radius bound) needs only the radii, and prunes whole blocks of rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from numba import njit
from threadpoolctl import threadpool_limits

from hullgen.hull.rounding import F32_EPS, F64_EPS, float32_dot_error

PROJECTION_DIMS = 32  # top principal directions of the projection bound, at most
# The sample's covariance costs about this many multiply-adds (a tenth of a second),
# whatever d: the directions only decide how well the bound prunes, never whether it holds.
SAMPLE_MULTIPLY_ADDS = 2**32
PASS_VALUES = 2**22  # values per row block of a pass (32 MiB in float64)


def _row_blocks(n: int, d: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of consecutive row blocks of about :data:`PASS_VALUES` values."""
    step = max(1, PASS_VALUES // max(d, 1))
    for start in range(0, n, step):
        yield start, min(n, start + step)


def _projection_dims(d: int) -> int:
    """Directions of the projection bound: none below 8 columns, where the products
    themselves cost as little; its product costs at most an eighth of the rows' one."""
    return min(PROJECTION_DIMS, d // 8)


@dataclass
class DiameterRows:
    """The float32 centred rows, their radii and projections, and the bounds' margins.

    Arrays are indexed by input row, but for ``radius``: it is in radius order (largest
    first), position ``p`` being input row ``order[p]``. Lengths are in the scaled units of
    the float32 copy, ``unit`` times the input's (a power of two, so that the float32 passes
    neither overflow nor underflow; scaling by it is exact).
    """

    order: np.ndarray  # (n,) int64: input rows by radius, largest first
    radius: np.ndarray  # (n,) float64: radius[p] of row order[p], non-increasing
    rows32: np.ndarray  # (n, d) float32: centred, scaled rows
    squared32: np.ndarray  # (n,) float32: squared radii, rounded
    projected32: np.ndarray  # (n, k) float32: z, the coordinates on the top directions
    projected_squared32: np.ndarray  # (n,) float32: ||z||^2
    residual32: np.ndarray  # (n,) float32: q, rounded up
    unit: float
    screen_error: float  # |float32 product screen - squared distance|, at most
    projection_error: float  # what the float32 projection bound may fall short by
    radius_error: float  # the float64 margin of the radius bound

    def screen(self, P: np.ndarray, Q: np.ndarray, same: bool, best: float):
        """The pairs of rows (P[a], Q[b]) whose squared distance may reach ``best``.

        The projection bound (a k-column product) rules pairs out first; the float32
        products of the rows left are computed, and the pairs within :attr:`screen_error`
        of ``best`` and of the largest one kept are returned (a pair further below that one
        is below it in float64 too).

        Parameters
        ----------
        P, Q : numpy.ndarray of int
            Input rows.
        same : bool
            P is Q: each pair once, (P[a], P[b]) with P[a] < P[b].
        best : float
            The best squared distance so far, in the scaled units (-inf for none).

        Returns
        -------
        first, second : numpy.ndarray of int
            The rows of the pairs left to decide in float64.
        products : int
            Float32 products of rows computed (0: the bounds ruled every pair out).

        Examples
        --------
        >>> rows = centred_rows(np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]]))
        >>> first, second, products = rows.screen(np.arange(3), np.arange(3), True, -np.inf)
        >>> [(int(i), int(j)) for i, j in zip(first, second)], products
        ([(0, 1)], 4)
        """
        keep = np.empty((len(P), len(Q)), dtype=bool)
        rows_kept, columns_kept = np.zeros(len(P), dtype=bool), np.zeros(len(Q), dtype=bool)
        _projection_keep(
            self.projected32[P] @ self.projected32[Q].T,
            self.projected_squared32[P],
            self.projected_squared32[Q],
            self.residual32[P],
            self.residual32[Q],
            P,
            Q,
            same,
            best - self.projection_error,
            keep,
            rows_kept,
            columns_kept,
        )
        rows_kept, columns_kept = np.flatnonzero(rows_kept), np.flatnonzero(columns_kept)
        P, Q = P[rows_kept], Q[columns_kept]
        if not len(P):
            return P, Q, 0
        products = self.rows32[P] @ self.rows32[Q].T
        a, b = _screen_candidates(
            products,
            self.squared32[P],
            self.squared32[Q],
            keep,
            rows_kept,
            columns_kept,
            best,
            self.screen_error,
        )
        return P[a], Q[b], products.size


def centred_rows(points: np.ndarray) -> DiameterRows:
    """The rows as the diameter search reads them: two passes over ``points`` and a sample.

    Parameters
    ----------
    points : numpy.ndarray, shape (n, d)
        At least 2 finite rows of any real dtype, possibly memory-mapped: read in row
        blocks, never written.

    Returns
    -------
    DiameterRows
        The float32 centred copy, the radii (and the order by radius), the projections on
        the top principal directions of a sample of rows, and the bounds' margins.

    Examples
    --------
    >>> rows = centred_rows(np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]]))
    >>> rows.order.tolist(), rows.unit
    ([1, 0, 2], 0.25)
    """
    n, d = points.shape
    centre, unit = _centre_and_unit(points)
    directions = _top_directions(points, centre, unit, _projection_dims(d))
    squared, projected_squared = np.empty(n), np.empty(n)
    rows32 = np.empty((n, d), dtype=np.float32)
    projected32 = np.empty((n, directions.shape[1]), dtype=np.float32)
    for start, stop in _row_blocks(n, d):
        y = _centred(points[start:stop], centre, unit)
        squared[start:stop] = np.einsum("ij,ij->i", y, y)
        rows32[start:stop] = y
        z = y @ directions
        projected32[start:stop] = z
        projected_squared[start:stop] = np.einsum("ij,ij->i", z, z)
    order = np.argsort(-squared, kind="stable")
    max_squared = float(squared[order[0]])
    # Float64 rounding of the centring, the projections (V orthonormal to d u), the radii and
    # the decisions: each below (d + k) u times the largest squared distance, many times over.
    margin64 = 64 * (d + directions.shape[1] + 16) * F64_EPS * max_squared
    # q^2 = ||y||^2 - ||z||^2 loses digits to cancellation: the sum's own bound, added back.
    residual = np.sqrt(np.maximum(squared - projected_squared + margin64, 0.0))
    return DiameterRows(
        order=order,
        radius=np.sqrt(squared[order]),
        rows32=rows32,
        squared32=squared.astype(np.float32),
        projected32=projected32,
        projected_squared32=projected_squared.astype(np.float32),
        residual32=_round_up32(residual),
        unit=unit,
        # |fl32(D2) - D2| <= 2 |fl32(a.b) - a.b| + rounding of the norms and of 3 additions.
        screen_error=2 * float32_dot_error(d) * max_squared + 16 * F32_EPS * max_squared + margin64,
        # The same for z, and the rounding of (q_i + q_j)^2 (at most 4 max ||y||^2).
        projection_error=2 * float32_dot_error(directions.shape[1]) * max_squared
        + 64 * F32_EPS * max_squared
        + margin64,
        radius_error=margin64,
    )


def _centre_and_unit(points) -> tuple[np.ndarray, float]:
    """The column means, and the power of two that brings every centred row's norm below 1
    (bounded from each column's range, so no pass is needed for it)."""
    n, d = points.shape
    total, low, high = np.zeros(d), np.full(d, np.inf), np.full(d, -np.inf)
    for start, stop in _row_blocks(n, d):
        rows = np.asarray(points[start:stop])
        total += rows.sum(axis=0, dtype=np.float64)
        np.minimum(low, rows.min(axis=0), out=low)
        np.maximum(high, rows.max(axis=0), out=high)
    centre = total / n
    reach = math.sqrt(float(np.square(np.maximum(high - centre, centre - low)).sum()))
    return centre, (2.0 ** -math.frexp(reach)[1] if reach > 0 else 1.0)


def _centred(rows, centre: np.ndarray, unit: float) -> np.ndarray:
    """Rows in float64, centred and scaled: the same float64 values in every pass."""
    y = np.array(rows, dtype=np.float64)  # a copy: centred in place
    y -= centre
    y *= unit
    return y


def _top_directions(points, centre: np.ndarray, unit: float, k: int) -> np.ndarray:
    """(d, k) orthonormal columns (fewer when the sample has fewer rows): the top principal
    directions of every stride-th row, about SAMPLE_MULTIPLY_ADDS / d^2 rows (all of them
    when n is smaller)."""
    n, d = points.shape
    if k == 0:
        return np.zeros((d, 0))
    stride = max(1, -(-n // max(1, SAMPLE_MULTIPLY_ADDS // (d * d))))
    sampled = -(-n // stride)
    if sampled < d:  # a d x d covariance would cost more than the sample's own SVD
        sample = _centred(points[::stride], centre, unit)
        with threadpool_limits(1):
            vectors = scipy.linalg.svd(sample, full_matrices=False)[2][:k].T
        return np.ascontiguousarray(vectors)
    covariance = np.zeros((d, d))
    for start, stop in _row_blocks(sampled, d):
        sample = _centred(points[start * stride : stop * stride : stride], centre, unit)
        covariance += sample.T @ sample
    # One thread: the reduction to tridiagonal form is a chain of small products, which
    # threads slow down (tens of times, on a busy machine).
    with threadpool_limits(1):
        _, vectors = scipy.linalg.eigh(covariance, subset_by_index=[d - k, d - 1])
    return np.ascontiguousarray(vectors[:, ::-1])


def _round_up32(values: np.ndarray) -> np.ndarray:
    """Float32 values no smaller than the float64 ones (bounds stay bounds)."""
    rounded = values.astype(np.float32)
    low = rounded < values
    rounded[low] = np.nextafter(rounded[low], np.float32(np.inf))
    return rounded


# The passes over a block pair's products: one each, compiled (numpy's expressions made a
# dozen passes over the block, as long as the product itself at d = 256). Sums in float64,
# from the float32 values: within the float32 errors the margins allow for.
@njit(cache=True)
def _projection_keep(
    gram, squared_p, squared_q, residual_p, residual_q, P, Q, same, threshold, keep, rows, columns
):
    """keep[a, b]: the projection bound of (P[a], Q[b]) reaches ``threshold`` (and, when
    ``same``, P[a] < Q[b]); rows[a] and columns[b]: any of theirs does."""
    for a in range(gram.shape[0]):
        for b in range(gram.shape[1]):
            both = np.float64(residual_p[a]) + np.float64(residual_q[b])
            bound = np.float64(squared_p[a]) + np.float64(squared_q[b]) + both * both
            bound -= 2.0 * np.float64(gram[a, b])
            kept = bound >= threshold and not (same and P[a] >= Q[b])
            keep[a, b] = kept
            if kept:
                rows[a] = True
                columns[b] = True


@njit(cache=True)
def _screen_candidates(products, squared_p, squared_q, keep, rows, columns, best, error):
    """(a, b) of the kept pairs whose float32 squared distance is within ``error`` of
    ``best`` and within 2 ``error`` of the largest such one."""
    top = -np.inf
    for a in range(products.shape[0]):
        for b in range(products.shape[1]):
            if keep[rows[a], columns[b]]:
                squared = np.float64(squared_p[a]) + np.float64(squared_q[b])
                top = max(top, squared - 2.0 * np.float64(products[a, b]))
    cut = max(best - error, top - 2 * error)
    if top < cut:  # none within reach (top is -inf when no pair was kept)
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    first, second = [], []
    for a in range(products.shape[0]):
        for b in range(products.shape[1]):
            if keep[rows[a], columns[b]]:
                squared = np.float64(squared_p[a]) + np.float64(squared_q[b])
                if squared - 2.0 * np.float64(products[a, b]) >= cut:
                    first.append(a)
                    second.append(b)
    return np.array(first, dtype=np.int64), np.array(second, dtype=np.int64)
