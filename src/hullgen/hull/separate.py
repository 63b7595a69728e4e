"""Settling a query column generation left open: a separating hyperplane, or membership.

For a query x and training points t_i (centred, as in :mod:`hullgen.hull.solver`), the LP

    max delta   over w in [-1, 1]^d, delta free,   s.t.  (t_i - x) . w >= delta  for all i

has delta* > 0 exactly when x lies outside the hull: then every t_i is on the far side of the
hyperplane w . z = w . x + delta*, and ``min_i (t_i - x) . w / ||w||_2`` is a lower bound on
the distance. (Its dual is the L1 projection onto the hull, min ||sum_i a_i t_i - x||_1 over
convex weights a: delta* = 0 means x is in the hull, and the dual weights say where.) The box
on w stands in for the Farkas ray of the infeasible membership LP: HiGHS need not return a
ray when presolve settles the LP, while this LP always has an optimum.

The LP is solved by row generation: the query's working set first, then, after each solve,
one float64 pass over all training points adds the rows the hyperplane violates most. The
lower bound is taken from that exact pass, never from the LP's own (toleranced) value, so it
is certified whatever HiGHS's accuracy; any w gives a valid bound, so the best over the
rounds is kept. When the optimum is delta* ~ 0, the membership LP over the rows that carry
the dual weights decides whether x is inside.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from hullgen.hull.highs import run_highs
from hullgen.hull.lp import in_hull_lp

_INF = highspy.kHighsInf
_ROWWISE = 2  # MatrixFormat.kRowwise
_MINIMIZE = 1
# Rows added per round: the most violated ones.
ADD_PER_ROUND = 256
MAX_ROUNDS = 60
# delta* below this (relative to the scale of the rows) counts as 0: try membership.
ZERO_MARGIN = 1e-9


@dataclass
class Separation:
    """What settling found. ``lower_bound``: certified (0 when nothing positive was found);
    ``inside``: the membership LP showed x in the hull; ``rows`` / ``weights``: training
    indices and convex weights of the LP's dual (the L1 projection), or of the membership
    solution when inside (None when HiGHS gave none); ``rounds``: LP solves."""

    lower_bound: float
    inside: bool
    rows: np.ndarray
    weights: np.ndarray | None
    rounds: int


def _solve(h: highspy.Highs, D: np.ndarray) -> tuple[np.ndarray, float, np.ndarray] | None:
    """max delta s.t. D w >= delta, |w| <= 1; (w, delta, row duals) or None."""
    k, d = D.shape
    values = np.empty((k, d + 1))
    values[:, :d] = D
    values[:, d] = -1.0
    cost = np.zeros(d + 1)
    cost[d] = -1.0  # minimise -delta
    lower = np.concatenate([-np.ones(d), [-_INF]])
    upper = np.concatenate([np.ones(d), [_INF]])
    h.clearModel()
    h.passModel(
        d + 1, k, k * (d + 1), _ROWWISE, _MINIMIZE, 0.0,
        cost, lower, upper, np.zeros(k), np.full(k, _INF),
        np.arange(0, k * (d + 1) + 1, d + 1, dtype=np.int32),
        np.tile(np.arange(d + 1, dtype=np.int32), k), values.ravel(),
        np.zeros(d + 1, dtype=np.int32),
    )  # fmt: skip
    run_highs(h)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    col = np.asarray(solution.col_value)
    return col[:d], float(col[d]), np.abs(np.asarray(solution.row_dual))


def separate(
    h: highspy.Highs,
    train,
    x: np.ndarray,
    start: np.ndarray,
    error: float,
) -> Separation:
    """Settle query ``x`` (d,) against the training rows ``train``
    (:class:`hullgen.hull.rows.TrainingRows`), both centred alike.

    ``start``: training indices to begin the rows with (the query's working set); ``error``:
    the float64 rounding bound of one product with a unit vector (as in the solver's
    certificate), subtracted from the bound.
    """
    rows = np.unique(np.asarray(start, dtype=np.int64))
    scale = float(np.sqrt(((train[rows] - x) ** 2).sum(axis=1).max())) or 1.0
    best = 0.0
    solved = None
    rounds = 0
    while rounds < MAX_ROUNDS:
        rounds += 1
        solved = _solve(h, (train[rows] - x) / scale)
        if solved is None:
            break
        w, delta, _ = solved
        norm = float(np.linalg.norm(w))
        if norm == 0.0 or delta <= ZERO_MARGIN:
            # delta ~ 0: x is in the hull of these rows already (more rows cannot separate
            # it), so the membership LP decides.
            break
        margins = train.dot(w) - float(x @ w)  # exact pass, original units
        best = max(best, float(margins.min()) / norm - error)
        violated = np.flatnonzero(margins < delta * scale * (1 - 1e-12))
        violated = np.setdiff1d(violated, rows, assume_unique=False)
        if not len(violated):
            break
        worst = violated[np.argsort(margins[violated], kind="stable")[:ADD_PER_ROUND]]
        rows = np.union1d(rows, worst)
    if solved is None:
        return Separation(best, False, rows, None, rounds)
    _, delta, duals = solved
    weights = duals / duals.sum() if duals.sum() > 0 else None
    if best > 0 or delta > ZERO_MARGIN:
        return Separation(best, False, rows, weights, rounds)
    support = rows if weights is None else rows[weights > 0]
    inside, _, member = in_hull_lp(h, (train[support] - x) / scale)
    if inside:
        member = np.maximum(member, 0.0)
        return Separation(0.0, True, support, member / member.sum(), rounds)
    return Separation(best, False, rows, weights, rounds)
