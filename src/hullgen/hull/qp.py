"""The restricted problem: the point of conv(working set) nearest to a query, with HiGHS.

min_a  1/2 a^T Q a   s.t.  a >= 0,  sum(a) = 1,   Q = P P^T,

where the rows of P are the working-set points minus the query, divided by a per-query scale
(centring and scaling keep Q well conditioned whatever the space's units). HiGHS' QP solver
(active set) is used first; when it does not finish (time or iteration limit, or an error,
typically on rank-deficient Q), Wolfe's exact minimum-norm-point algorithm takes over.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import highspy
import numpy as np

from hullgen.hull.mnp import min_norm_point

_INF = highspy.kHighsInf
_COLWISE = 1  # MatrixFormat.kColwise
_TRIANGULAR = 1  # HessianFormat.kTriangular
_MINIMIZE = 1  # ObjSense.kMinimize
# HiGHS regularises the Hessian by 1e-7 by default, which biases the solution at that level;
# the certificate needs better. Rank-deficient cases that then stall go to the fallback.
QP_REGULARIZATION = 1e-11


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
    solver: str  # "highs" or "mnp"


def new_highs(time_limit: float) -> highspy.Highs:
    """A silent HiGHS instance for restricted QPs (one per worker thread)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("qp_regularization_value", QP_REGULARIZATION)
    return h


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
    h.run()
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


def solve_restricted(h: highspy.Highs, P: np.ndarray, exact: bool = False) -> RestrictedSolution:
    """Nearest point of conv(rows of P) to the origin; P is already centred and scaled.

    ``exact`` skips HiGHS and uses Wolfe's method directly (for a last, exact polish).
    """
    Q = P @ P.T
    weights = None if exact else solve_highs(h, Q)
    if weights is not None:
        return RestrictedSolution(_clean(weights), "highs")
    return RestrictedSolution(_clean(min_norm_point(Q)), "mnp")
