"""Certified Euclidean distances from query points to the convex hull of a training set.

Column generation, batched over queries:

1. seed each query's working set with its k nearest training points (one blocked pass);
2. solve the restricted QP over the working set (Wolfe's method, compiled and warm-started
   from the previous support, on a Gram matrix grown with the set; HiGHS and an exact
   least-squares Wolfe as fallbacks, see :mod:`hullgen.hull.qp`);
3. price against the whole training set with one blocked product per round: with p the
   current hull point, r = x - p and w = r / ||r||, p is optimal iff max_i w.t_i <= w.p;
4. certify: ||x - p|| is an upper bound (p is a hull point) and w.x - max_i w.t_i a lower
   bound (a separating hyperplane). The maximum is found in float32 and then made exact: the
   float32 error of each product is bounded a priori, and every training point that could
   still be the maximiser is re-evaluated in float64. Violators join the working set and the
   loop repeats until the relative gap is below ``gap``.

Full passes are the expensive part, so each pass keeps the best-priced ``candidates`` per
query as a pool: the restricted problem is re-solved and re-priced against that pool alone
(cheap) until no pool point violates, and only then is the next full pass made. The first
pool is the query's nearest neighbours. That loop runs compiled (:mod:`hullgen.hull.pool`),
handing a query back to Python for the rare solves it does not make itself.

A query whose distance falls to ~0 is settled by a HiGHS LP (is x a convex combination of its
working set?) and reported ``inside``. A query that column generation leaves open (it stalls
or runs out of rounds, typically within a hair of the hull in low dimensions) is settled by
the separating LP of :mod:`hullgen.hull.separate`: ``inside`` when x is a convex combination
of training points, ``separated`` (outside, with a certified positive lower bound, the gap
still open) when a hyperplane separates it, and ``not_converged`` only when neither is shown;
every query keeps its bounds.
"""

from __future__ import annotations

import os

import numpy as np

from hullgen.hull import pool, workers
from hullgen.hull.highs import new_highs
from hullgen.hull.inputs import as_matrix, check_finite
from hullgen.hull.lp import in_hull_lp
from hullgen.hull.products import TrainingProducts
from hullgen.hull.qp import WOLFE_TOL, solve_restricted
from hullgen.hull.result import HullResult
from hullgen.hull.rounding import float32_dot_error
from hullgen.hull.rows import TrainingRows
from hullgen.hull.separate import separate
from hullgen.hull.state import QueryState, collect

F64_EPS = float(np.finfo(np.float64).eps) / 2

HIGHS_RENEW_EVERY = 500
# Full pricing rounds without progress before switching to the exact solver (or stopping).
STALL_ROUNDS = 3
_NO_WEIGHTS = np.zeros(0)
# Subset passes, (first row, stride) each, made before a query's first full pricing pass:
# every 10th training row, then every 5th from row 1 (disjoint: 30% of the rows in all).
# Far from the optimum most violators of a full pass are found in a subset too, for a
# fraction of its cost; a subset gives no lower bound, so the full passes still certify.
# Measured 2026-12-02 (benchmarks/README.md, session 29), 1,000 points: 4.13 to 3.57 pass
# equivalents per point and -7% time on the pixel space, 3.94 to 3.49 and -7% on the
# CIFAR-size set; random subsets of the same sizes gave the same, and more subsets, larger
# ones, or subsets between full passes did no better.
SUBSET_PASSES = ((0, 10), (1, 5))


class HullDistance:
    """Distance to the convex hull of ``train`` (n, d), built once, queried many times.

    Parameters
    ----------
    train : (n, d) array of any numeric dtype; rows are points. Units are those of the space
        (pixel values 0..255 for the pixel space). Not copied (a memory-mapped ``.npy`` stays
        on disk, shared through the page cache): do not modify it while querying. The solver
        holds one float32 copy of it, centred, for the passes.
    threads : worker processes (forked, sharing the training matrices) on the CPU; on a GPU,
        the CPU threads of the single process.
    gap : target relative gap (distance - lower_bound) / distance.
    k_seed : size of each query's initial working set (its nearest training points).
    add_per_round : at most this many violating training points join a working set per round.
    max_rounds : full pricing rounds before a query is reported ``not_converged``.
    max_inner : restricted solves per round, each priced against the round's candidates only.
    candidates : training points per query kept from each float32 pass (nearest neighbours,
        then the best-priced points), checked in float64 and used as that round's pool of
        entering points; more than the largest support expected.
    inside_tol : a distance below ``inside_tol`` times the query's scale triggers the LP test.
    memory_budget : bytes of working memory besides the memory-mapped training matrix (the
        float32 copy counts in the budget, and is shared among the worker processes).
    qp_time_limit : seconds before HiGHS (the fast solver's fallback) gives a restricted QP up.
    settle : solve the separating LP (:mod:`hullgen.hull.separate`) for every query column
        generation leaves open; False leaves such queries ``not_converged``.
    device : "cpu" (the reference) or a torch CUDA device for the two blocked products.
    subset_passes : (first row, stride) of each subset pass (:data:`SUBSET_PASSES`); a
        subset with fewer rows than ``candidates`` is skipped, and () makes none.
    """

    def __init__(
        self,
        train,
        *,
        threads: int = 1,
        gap: float = 1e-6,
        k_seed: int = 32,
        add_per_round: int = 32,
        max_rounds: int = 50,
        max_inner: int = 50,
        candidates: int = 128,
        inside_tol: float = 1e-7,
        memory_budget: int = 2 * 2**30,
        qp_time_limit: float = 10.0,
        settle: bool = True,
        device: str = "cpu",
        block_rows: int = 16384,
        subset_passes=SUBSET_PASSES,
    ):
        train = as_matrix(train, "training set")
        if train.shape[0] == 0:
            raise ValueError("the training set is empty: no hull to measure against")
        if train.shape[1] == 0:
            raise ValueError("the training set has 0 columns")
        check_finite(train, "training set")
        if not 0 < gap < 1:
            raise ValueError(f"gap must lie in (0, 1), got {gap}")
        self.n, self.d = train.shape
        self.threads = max(1, int(threads))
        self.gap = float(gap)
        self.k_seed = max(1, int(k_seed))
        self.add_per_round = max(1, int(add_per_round))
        self.max_rounds = max(1, int(max_rounds))
        self.max_inner = max(1, int(max_inner))
        self.candidates = max(self.add_per_round, int(candidates))
        self.inside_tol = float(inside_tol)
        self.qp_time_limit = float(qp_time_limit)
        self.settle = bool(settle)
        self.memory_budget = int(memory_budget)
        self.subset_passes = [
            (int(first), int(stride))
            for first, stride in subset_passes
            if len(range(first, self.n, stride)) >= self.candidates
        ]
        # Everything is solved in coordinates centred on the training mean: the distances do
        # not change, and the products' rounding errors (bounded by the norms) shrink.
        self.mean = train.mean(axis=0, dtype=np.float64)
        # The training matrix is held once: as given (not copied; a memory-mapped file stays
        # in the page cache), centred into float64 rows on demand, plus the float32 copy the
        # passes need.
        self.train = TrainingRows(train, self.mean)
        self.products = TrainingProducts(self.train, device=device, block_rows=block_rows)
        self.f32_error = float32_dot_error(self.d) * self.products.max_norm
        self._solver = (None, None, 0)
        working = self.memory_budget - self.n * self.d * 4
        per_query = 3 * 4 * min(self.n, block_rows) + 8 * self.d * (4 + self.k_seed)
        # Worker processes share the training matrices but each has its own batch buffers.
        self.batch_size = int(min(4096, working // self.threads // per_query))
        if self.batch_size < 1:
            need = self.n * self.d * 4 + per_query
            raise ValueError(
                f"memory budget of {self.memory_budget / 2**30:.2f} GiB is too small for a "
                f"{self.n} x {self.d} training set (needs at least {need / 2**30:.2f} GiB)"
            )

    # -- the per-process solver ----------------------------------------------------------
    def _highs(self):
        # One HiGHS instance per process (a forked worker makes its own, never the parent's),
        # renewed every few hundred solves: a long-lived instance slows down (measured here:
        # 2.5x after ~15,000 restricted QPs, although clearModel() is called before each).
        pid, h, uses = self._solver
        if pid != os.getpid() or uses >= HIGHS_RENEW_EVERY:
            h = new_highs(self.qp_time_limit)
            uses = 0
        self._solver = (os.getpid(), h, uses + 1)
        return h

    # -- per-query work ----------------------------------------------------------------------
    def _rows(self, state: QueryState) -> np.ndarray:
        """The working set's float64 rows, gathered once per round."""
        if state.rows is None or len(state.rows) != len(state.work):
            state.rows = self.train[state.work]
        return state.rows

    @staticmethod
    def _gram(x: np.ndarray, state: QueryState, rows: np.ndarray) -> None:
        """The working set's Gram matrix, (t_i - x).(t_j - x), where it is missing or stale."""
        if state.gram is None or len(state.gram) != len(state.work):
            diff = rows - x
            state.gram = diff @ diff.T

    def _solve(self, x: np.ndarray, state: QueryState) -> None:
        """Restricted QP over the working set (then the LP when the distance is ~0)."""
        rows = self._rows(state)
        self._gram(x, state, rows)
        scale_sq = float(np.diagonal(state.gram).max())
        if scale_sq == 0.0:  # every working point equals x
            state.weights = np.full(len(state.work), 1.0 / len(state.work))
            state.p, state.ub, state.lp_status = x.copy(), 0.0, "identical"
            return
        start = start_weights = None
        if state.weights is not None:  # warm start from the previous support
            start = np.flatnonzero(state.weights > 0)
            start_weights = state.weights[start]
        sol = solve_restricted(
            self._highs, state.gram / scale_sq, state.exact, start, start_weights
        )
        state.qp_fallbacks += sol.solver != "wolfe"
        state.weights = sol.weights
        support = np.flatnonzero(sol.weights > 0)
        state.p = sol.weights[support] @ rows[support]
        state.ub = float(np.linalg.norm(x - state.p))
        scale = np.sqrt(scale_sq)
        if state.ub <= self.inside_tol * scale:
            pts = rows
            inside, status, weights = in_hull_lp(self._highs(), (pts - x) / scale)
            state.lp_status = status
            if inside:
                weights = np.maximum(weights, 0.0)
                state.weights = weights / weights.sum()
                state.p = state.weights @ pts
                state.ub = 0.0

    def _grow(self, x, state: QueryState, pool_idx, pool_pts, values, wp, tol) -> bool:
        """Add the most violating pool points (indices ``pool_idx``, float64 rows
        ``pool_pts``) to the working set (:func:`hullgen.hull.pool.grow`); False when there
        are none."""
        rows = np.ascontiguousarray(self._rows(state))
        self._gram(x, state, rows)
        added, state.work, state.weights, state.rows, state.gram = pool.grow(
            x, state.work, state.weights, rows, state.gram, pool_idx,
            np.ascontiguousarray(pool_pts), values, wp + tol, self.add_per_round,
        )  # fmt: skip
        return added > 0

    def _inner(self, x: np.ndarray, state: QueryState, pool_idx, pool_pts) -> None:
        """Solve, price against the pool only (cheap), grow, repeat until pool-optimal.

        Compiled (:func:`hullgen.hull.pool.pool_rounds`); the Python loop below takes over
        at a solve the compiled loop hands back (Wolfe's method failed, the distance is ~0)
        and when the solves must be exact.
        """
        solves = 0
        if not state.exact:
            rows = np.ascontiguousarray(self._rows(state))
            self._gram(x, state, rows)
            weights = _NO_WEIGHTS if state.weights is None else state.weights
            status, solves, state.work, weights, state.rows, state.gram, p, ub = (
                pool.pool_rounds(
                    x, state.work, weights, rows, np.ascontiguousarray(state.gram), pool_idx,
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
            self._solve(x, state)
            if state.ub == 0.0:
                return
            r = x - state.p
            w = r / state.ub
            values = pool_pts @ w
            wp = float(w @ state.p)
            if not self._grow(x, state, pool_idx, pool_pts, values, wp, 1e-12 * state.ub):
                return

    def _f64_error(self, x: np.ndarray) -> float:
        """Bound on the float64 rounding error of w.x - w.t_i for a unit vector w."""
        return 4 * (self.d + 2) * F64_EPS * (np.linalg.norm(x) + self.products.max_norm)

    def _settle(self, x: np.ndarray, state: QueryState) -> None:
        """The separating LP for a query left open: inside, or a positive lower bound (and
        the LP's hull point when it is nearer than the one found)."""
        found = separate(self._highs(), self.train, x, state.work, self._f64_error(x))
        state.lp_status = f"separating LP, {found.rounds} rounds"
        state.gram = state.rows = None  # the working set is replaced below
        if found.inside:
            state.work, state.weights = found.rows, found.weights
            state.p, state.ub = found.weights @ self.train[found.rows], 0.0
            state.lp_status += ": inside"
            return
        state.best_lb = max(state.best_lb, found.lower_bound)
        if found.weights is not None:
            keep = found.weights > 0
            p = found.weights[keep] @ self.train[found.rows[keep]]
            ub = float(np.linalg.norm(x - p))
            if ub < state.ub:
                state.work, state.weights = found.rows[keep], found.weights[keep]
                state.p, state.ub = p, ub

    def _subset_round(self, x, state: QueryState, idx, w) -> None:
        """Grow from a subset pass's candidates and continue on them. A subset's maximum of
        w.t bounds nothing, so no bound changes and no round is counted."""
        try:
            pts = self.train[idx]
            tol = 1e-12 * state.ub + self._f64_error(x)
            if self._grow(x, state, idx, pts, pts @ w, float(w @ state.p), tol):
                self._inner(x, state, idx, pts)
        finally:
            state.rows = None

    def _after_pricing(self, x, state: QueryState, idx, v32, w) -> bool:
        """Certify from one full pricing pass; otherwise continue on its candidates.

        Returns True when the query is finished.
        """
        try:
            return self._round(x, state, idx, v32, w)
        finally:
            state.rows = None  # held for one round only: a batch holds thousands of queries

    def _round(self, x, state: QueryState, idx, v32, w) -> bool:
        pts = self.train[idx]
        u = pts @ w  # exact (float64) products of the float32 candidates
        max_u = float(u.max())
        # Any training point left out has a float32 product <= the last candidate's, so its
        # exact product is at most that plus the float32 error bound.
        if not v32[-1] + self.f32_error < max_u:
            # Rare: too many near-ties to settle in float32; price this query in float64.
            exact = self.train.dot(w)
            idx = np.argsort(-exact, kind="stable")[: len(idx)]
            pts, u = self.train[idx], exact[idx]
            max_u = float(exact.max())
        f64_error = self._f64_error(x)
        state.best_lb = max(state.best_lb, float(w @ x) - max_u - f64_error)
        state.rounds += 1
        if state.certified(self.gap):
            return True
        tol = 1e-12 * state.ub + f64_error
        if not self._grow(x, state, idx, pts, u, float(w @ state.p), tol):
            if state.exact:
                return True  # nothing left to add even after an exact solve: keep the bounds
            # The violators are already in the working set: HiGHS stopped short of the
            # restricted optimum (its tolerances), so solve it once more exactly.
            state.exact = True
        before = state.ub
        self._inner(x, state, idx, pts)
        # Points were added but the distance did not fall. A step or two of that is normal
        # (degenerate steps); more means HiGHS's answer is off by more than the gap (seen
        # near the boundary in low dimensions): go exact, and if Wolfe's method stalls as
        # well, stop and keep the bounds.
        state.stalls = state.stalls + 1 if 0.0 < before * (1.0 - 1e-9) <= state.ub else 0
        if state.stalls >= STALL_ROUNDS:
            if state.exact:
                return True
            state.exact, state.stalls = True, 0
        return state.ub == 0.0

    # -- the driver ------------------------------------------------------------------------
    def _batch(self, X: np.ndarray, return_projections: bool):
        n_pool = max(self.k_seed, self.candidates)
        near, _ = self.products.top_products(X, n_pool, sq_distance=True)
        states = [QueryState(row[: self.k_seed]) for row in near]
        nn_distance = np.empty(len(X))
        nn_index = np.empty(len(X), dtype=np.int64)
        for i, x in enumerate(X):
            pts = self.train[near[i]]
            # Exact distances of the float32 nearest candidates; the nearest is reported.
            d2 = np.einsum("cd,cd->c", pts - x, pts - x)
            nn_index[i] = near[i][np.argmin(d2)]
            nn_distance[i] = np.sqrt(d2.min())
            states[i].rows = pts[: self.k_seed]  # the seeds are the first candidates
            self._inner(x, states[i], near[i], pts)
            states[i].rows = None
        active = np.array([i for i, s in enumerate(states) if s.ub > 0], dtype=np.int64)
        for rows in self.subset_passes:
            if not len(active):
                break
            w = _directions(X, states, active)
            idx, _ = self.products.top_products(w, self.candidates, sq_distance=False, rows=rows)
            for j, i in enumerate(active):
                self._subset_round(X[i], states[i], idx[j], w[j])
            active = active[[states[i].ub > 0 for i in active]]
        for _ in range(self.max_rounds):
            if not len(active):
                break
            w = _directions(X, states, active)
            # Every support point ties at the maximum of w.t once p is optimal, so the
            # candidates must outnumber the supports for float32 to certify the maximum (else
            # each query needs an exact float64 pass; seen with supports of ~200 in 4,096-d).
            keep = [max(self.candidates, 2 * int((states[i].weights > 0).sum())) for i in active]
            idx, v32 = self.products.top_products(w, max(keep), sq_distance=False)
            finished = np.array([
                self._after_pricing(X[i], states[i], idx[j, : keep[j]], v32[j, : keep[j]], w[j])
                for j, i in enumerate(active)
            ])  # fmt: skip
            active = active[~finished]
        if self.settle:
            for i, state in enumerate(states):
                if state.ub > 0 and not state.certified(self.gap):
                    self._settle(X[i], state)
        return collect(states, nn_distance, nn_index, self.gap, self.mean, return_projections)

    def query(self, X, *, return_projections: bool = False, progress_every: float = 30.0):
        """Distances of the rows of ``X`` (m, d) to the hull; see :class:`HullResult`.

        With ``threads`` > 1 on the CPU, contiguous chunks of queries go to forked worker
        processes (one BLAS thread each) that share the training matrices copy-on-write.
        Each query is solved on its own, so how the queries are split (chunks, shards)
        changes its result only through rounding: statuses and certified distances agree
        within the gap (measured: 3e-13 relative between 8 shards and one run), while the
        upper bound of a ``separated`` query, whose gap is open, may differ by more (seen:
        0.3% on one Haar query solved alone, with others, and in a shard; its separating
        LP's HiGHS instance serves the process's earlier queries too).
        """
        X = as_matrix(X, "query set")
        if X.shape[1] != self.d:
            raise ValueError(
                f"query set has {X.shape[1]} columns but the training set has {self.d}"
            )
        check_finite(X, "query set")
        m = len(X)
        if m == 0:
            return collect(
                [], np.zeros(0), np.zeros(0, np.int64), self.gap, self.mean, return_projections
            )
        chunk = min(self.batch_size, max(256, -(-m // (4 * self.threads))))
        return workers.solve_chunks(self, X, chunk, return_projections, progress_every)

    def solve_rows(self, X, lo: int, hi: int, return_projections: bool) -> HullResult:
        """Rows ``lo`` to ``hi - 1`` of the (validated) query set ``X``, as one batch in
        this process (:mod:`hullgen.hull.workers` calls it, here or in a forked worker)."""
        batch = np.asarray(X[lo:hi], dtype=np.float64) - self.mean
        return self._batch(batch, return_projections)


def _directions(X: np.ndarray, states: list[QueryState], active: np.ndarray) -> np.ndarray:
    """Unit pricing directions w = (x - p) / ||x - p|| of the ``active`` queries."""
    w = X[active] - np.stack([states[i].p for i in active])
    w /= np.linalg.norm(w, axis=1)[:, None]
    return w
