"""A query's working set and its restricted problem: solved, grown from a pool of
candidates, and both in a loop until no pool point violates.

Column generation (:mod:`hullgen.hull.solver`) keeps a working set of training points per
query (:class:`~hullgen.hull.state.QueryState`: indices, weights, float64 rows minus the
query and their Gram matrix). Its restricted problem, the nearest point of the working set's
hull, is solved by the compiled Wolfe method warm-started from the previous support, with
HiGHS and Wolfe's exact least-squares method as fallbacks (:mod:`hullgen.hull.qp`); a
distance of ~0 is settled by the membership LP. The loop of solving, pricing a pass's
candidates and growing runs compiled (:mod:`hullgen.hull.pool`); the Python loop here is its
fallback.
"""

from __future__ import annotations

import os

import numpy as np

from hullgen.hull import pool
from hullgen.hull.highs import new_highs
from hullgen.hull.lp import in_hull_lp
from hullgen.hull.qp import WOLFE_TOL, solve_restricted
from hullgen.hull.state import QueryState

HIGHS_RENEW_EVERY = 500
_NO_WEIGHTS = np.zeros(0)


class WorkingSets:
    """The restricted problems of one solver's queries.

    Parameters
    ----------
    train : :class:`hullgen.hull.rows.TrainingRows`, the centred training rows in float64.
    add_per_round : at most this many violating pool points join a working set per growth.
    max_inner : restricted solves per pool, each priced against the pool only.
    inside_tol : a distance below ``inside_tol`` times the query's scale triggers the LP test.
    qp_time_limit : seconds before HiGHS (the fast solver's fallback) gives a problem up.
    """

    def __init__(self, train, *, add_per_round, max_inner, inside_tol, qp_time_limit):
        self.train = train
        self.add_per_round = add_per_round
        self.max_inner = max_inner
        self.inside_tol = inside_tol
        self.qp_time_limit = qp_time_limit
        self._solver = (None, None, 0)

    def highs(self):
        """This process's HiGHS instance."""
        # One per process (a forked worker makes its own, never the parent's), renewed every
        # few hundred solves: a long-lived instance slows down (measured here: 2.5x after
        # ~15,000 restricted QPs, although clearModel() is called before each).
        pid, h, uses = self._solver
        if pid != os.getpid() or uses >= HIGHS_RENEW_EVERY:
            h = new_highs(self.qp_time_limit)
            uses = 0
        self._solver = (os.getpid(), h, uses + 1)
        return h

    def diffs(self, x: np.ndarray, state: QueryState) -> np.ndarray:
        """The working set's float64 rows minus ``x`` (the first len(work) rows of
        ``state.diffs``), gathered once per round into a buffer with room to grow."""
        if state.diffs is None:
            capacity = pool.capacity(len(state.work), self.add_per_round)
            state.diffs = self.train.diffs(state.work, x, capacity)
        return state.diffs[: len(state.work)]

    def seed(self, x: np.ndarray, state: QueryState, rows: np.ndarray) -> None:
        """Take the working set's float64 ``rows`` (centred, aligned with ``work``) as
        gathered already: the seeds' rows come with their distances."""
        state.diffs = np.empty((pool.capacity(len(rows), self.add_per_round), len(x)))
        np.subtract(rows, x, out=state.diffs[: len(rows)])

    def gram(self, x: np.ndarray, state: QueryState) -> np.ndarray:
        """The working set's Gram matrix, (t_i - x).(t_j - x), where it is missing or stale;
        returns the rows minus ``x`` (:meth:`diffs`)."""
        diffs = self.diffs(x, state)  # the buffer, gathered here when missing
        if state.gram is None or len(state.gram) != len(state.work):
            state.gram = diffs @ diffs.T
        return diffs

    def solve(self, x: np.ndarray, state: QueryState) -> None:
        """Restricted QP over the working set (then the LP when the distance is ~0)."""
        diffs = self.gram(x, state)
        scale_sq = float(np.diagonal(state.gram).max())
        if scale_sq == 0.0:  # every working point equals x
            state.weights = np.full(len(state.work), 1.0 / len(state.work))
            state.p, state.ub, state.lp_status = x.copy(), 0.0, "identical"
            return
        start = start_weights = None
        if state.weights is not None:  # warm start from the previous support
            start = np.flatnonzero(state.weights > 0)
            start_weights = state.weights[start]
        sol = solve_restricted(self.highs, state.gram / scale_sq, state.exact, start, start_weights)
        state.qp_fallbacks += sol.solver != "wolfe"
        state.weights = sol.weights
        support = np.flatnonzero(sol.weights > 0)
        state.p = x + sol.weights[support] @ diffs[support]
        state.ub = float(np.linalg.norm(x - state.p))
        scale = np.sqrt(scale_sq)
        if state.ub <= self.inside_tol * scale:
            inside, status, weights = in_hull_lp(self.highs(), diffs / scale)
            state.lp_status = status
            if inside:
                weights = np.maximum(weights, 0.0)
                state.weights = weights / weights.sum()
                state.p = x + state.weights @ diffs
                state.ub = 0.0

    def grow(self, x, state: QueryState, pool_idx, pool_pts, values, wp, tol) -> bool:
        """Add the pool points (indices ``pool_idx``, float64 rows ``pool_pts``) whose
        ``values`` (w.t) most exceed ``wp + tol`` to the working set
        (:func:`hullgen.hull.pool.grow`); False when there are none."""
        self.gram(x, state)
        added, state.work, state.weights, state.diffs, state.gram = pool.grow(
            x, state.work, state.weights, state.diffs, state.gram, pool_idx,
            np.ascontiguousarray(pool_pts), values, wp + tol, self.add_per_round,
        )  # fmt: skip
        return added > 0

    def converge(self, x: np.ndarray, state: QueryState, pool_idx, pool_pts) -> None:
        """Solve, price against the pool only (cheap), grow, repeat until pool-optimal.

        Compiled (:func:`hullgen.hull.pool.pool_rounds`); the Python loop below takes over
        at a solve the compiled loop hands back (Wolfe's method failed, the distance is ~0)
        and when the solves must be exact.
        """
        solves = 0
        if not state.exact:
            self.gram(x, state)
            weights = _NO_WEIGHTS if state.weights is None else state.weights
            status, solves, state.work, weights, state.diffs, state.gram, p, ub = (
                pool.pool_rounds(
                    x, state.work, weights, state.diffs, np.ascontiguousarray(state.gram), pool_idx,
                    np.ascontiguousarray(pool_pts), self.add_per_round, self.max_inner,
                    self.inside_tol, WOLFE_TOL,
                )
            )  # fmt: skip
            if len(weights) == len(state.work):
                state.weights = weights
            if ub >= 0.0:
                state.p, state.ub = p, ub
            if status == pool.POOL_DONE:
                return
        for _ in range(self.max_inner - solves):
            self.solve(x, state)
            if state.ub == 0.0:
                return
            w = (x - state.p) / state.ub
            values = pool_pts @ w
            wp = float(w @ state.p)
            if not self.grow(x, state, pool_idx, pool_pts, values, wp, 1e-12 * state.ub):
                return
