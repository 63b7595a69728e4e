"""The restricted problem: the point of conv(working set) nearest to a query.

min_a  1/2 a^T Q a   s.t.  a >= 0,  sum(a) = 1,   Q = P P^T,

where the rows of P are the working-set points minus the query, divided by a per-query scale
(centring and scaling keep Q well conditioned whatever the space's units). Three solvers, in
order: Wolfe's method compiled and warm-started from the previous support
(:mod:`hullgen.hull.wolfe_warm`, tens of microseconds); when it reports a failure, HiGHS' QP solver
(active set, about 1 ms from cold); when HiGHS does not finish either (time or iteration
limit, or an error, typically on rank-deficient Q), Wolfe's method with least-squares affine
steps (:mod:`hullgen.hull.wolfe_exact`), slow but exact on dependent points.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from hullgen.hull import wolfe_warm
from hullgen.hull.highs import run_highs
from hullgen.hull.wolfe_exact import min_norm_point

_INF = highspy.kHighsInf
_COLWISE = 1  # MatrixFormat.kColwise
_TRIANGULAR = 1  # HessianFormat.kTriangular
_MINIMIZE = 1  # ObjSense.kMinimize
# Wolfe's optimality tolerance, relative to the largest squared norm: the restricted optimum
# to about 1e-12 in squared distance, far inside the certificate's gap.
WOLFE_TOL = 1e-12
_NO_START = np.zeros(0, dtype=np.int64)


@functools.lru_cache(maxsize=512)
def _lower_triangle_pattern(k: int):
    """Column-wise lower-triangle sparsity pattern of a dense k x k matrix (start, index)."""
    cols = np.repeat(np.arange(k), np.arange(k, 0, -1))
    rows = np.concatenate([np.arange(j, k) for j in range(k)]) if k else np.zeros(0, int)
    start = np.concatenate([[0], np.cumsum(np.arange(k, 0, -1))]).astype(np.int32)
    return start, rows.astype(np.int32), cols


@functools.lru_cache(maxsize=512)
def _simplex_row(k: int):
    return np.arange(k + 1, dtype=np.int32), np.zeros(k, dtype=np.int32), np.ones(k)


@dataclass
class RestrictedSolution:
    weights: np.ndarray  # on the working set, >= 0, summing to 1
    solver: str  # "wolfe" (the fast path), "highs" or "mnp" (the fallbacks)


def solve_highs(h: highspy.Highs, Q: np.ndarray) -> np.ndarray | None:
    """Solve the restricted QP with Hessian ``Q``; weights, or None when HiGHS did not finish."""
    k = len(Q)
    q_start, q_index, cols = _lower_triangle_pattern(k)
    q_value = np.ascontiguousarray(Q[q_index, cols])
    a_start, a_index, a_value = _simplex_row(k)
    h.clearModel()
    h.setOptionValue("qp_iteration_limit", 50 * k + 1000)
    h.passModel(
        k, 1, k, len(q_value), _COLWISE, _TRIANGULAR, _MINIMIZE, 0.0,
        np.zeros(k), np.zeros(k), np.full(k, _INF), np.ones(1), np.ones(1),
        a_start, a_index, a_value, q_start, q_index, q_value, np.zeros(k, dtype=np.int32),
    )  # fmt: skip
    run_highs(h)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value, dtype=np.float64)


def _clean(weights: np.ndarray) -> np.ndarray:
    """Project tiny negative weights onto the simplex so the point is a true convex combination."""
    weights = np.maximum(weights, 0.0)
    total = weights.sum()
    if not np.isfinite(total) or total <= 0:
        raise FloatingPointError("restricted solve returned no usable weights")
    return weights / total


def solve_restricted(
    highs: Callable[[], highspy.Highs],
    Q: np.ndarray,
    exact: bool = False,
    start: np.ndarray | None = None,
    start_weights: np.ndarray | None = None,
) -> RestrictedSolution:
    """Nearest point of conv(rows of P) to the origin, given the Gram matrix Q = P P^T of the
    centred and scaled working set. ``highs`` gives the HiGHS instance, when one is needed.

    ``start`` / ``start_weights``: positions and weights of a previous solution's support
    (Wolfe's warm start). ``exact`` skips to the least-squares Wolfe method (a last polish
    when the fast paths stopped short).
    """
    k = len(Q)
    if not exact:
        if start is None:
            start, start_weights = _NO_START, np.zeros(0)
        weights, status = wolfe_warm.wolfe_gram(Q, start, start_weights, WOLFE_TOL, 50 * k + 100)
        if status == wolfe_warm.OPTIMAL:
            return RestrictedSolution(_clean(weights), "wolfe")
        weights = solve_highs(highs(), Q)
        if weights is not None:
            return RestrictedSolution(_clean(weights), "highs")
    return RestrictedSolution(_clean(min_norm_point(Q)), "mnp")
