"""Certified Euclidean distances from query points to the convex hull of a training set.

Column generation, batched over queries:

1. seed each query's working set with its k nearest training points (one blocked pass);
2. solve the restricted QP over the working set (Wolfe's method, compiled and warm-started
   from the previous support, on a Gram matrix grown with the set; HiGHS and an exact
   least-squares Wolfe as fallbacks, see :mod:`hullgen.hull.qp`);
3. price against the whole training set with one blocked product per round: with p the
   current hull point, r = x - p and w = r / ||r||, p is optimal iff max_i w.t_i <= w.p;
4. certify: ||x - p|| is an upper bound (p is a hull point) and w.x - max_i w.t_i a lower
   bound (a separating hyperplane). The maximum is found in float32 (or bfloat16, see
   :mod:`hullgen.hull.bf16`) and then made exact: the rounding error of each product is
   bounded a priori, and every training point that could still be the maximiser is
   re-evaluated in float64. Violators join the working set and the loop repeats until the
   relative gap is below ``gap``.

Full passes are the expensive part, so each pass keeps the best-priced ``candidates`` per
query as a pool: the restricted problem is re-solved and re-priced against that pool alone
(cheap) until no pool point violates, and only then is the next full pass made. The first
pool is the query's nearest neighbours. Before its first full pricing pass a query is priced
against subsets of the training rows (:data:`hullgen.hull.plan.SUBSET_PASSES`) where a pass
is dear: far from the optimum they find most violators for a fraction of a pass's cost, and
they bound nothing. How many candidates a pass keeps follows from its cost as well. The
working sets and their restricted problems are :mod:`hullgen.hull.working_set`'s; the loop
over a pool runs compiled (:mod:`hullgen.hull.pool`), handing a query back to Python for the
rare solves it does not make itself.

A query whose distance falls to ~0 is settled by a HiGHS LP (is x a convex combination of its
working set?) and reported ``inside``. A query that column generation leaves open (it stalls
or runs out of rounds, typically within a hair of the hull in low dimensions) is settled by
the separating LP of :mod:`hullgen.hull.separate`: ``inside`` when x is a convex combination
of training points, ``separated`` (outside, with a certified positive lower bound, the gap
still open) when a hyperplane separates it, and ``not_converged`` only when neither is shown;
every query keeps its bounds.
"""

from __future__ import annotations

import logging

import numpy as np

from hullgen.hull import plan, workers
from hullgen.hull.bf16 import pass_precision
from hullgen.hull.inputs import as_matrix, check_finite
from hullgen.hull.memory import (
    BLOCK_ROWS,
    MemoryBudgetError,
    auto_budget,
    least_memory,
    query_bytes,
)
from hullgen.hull.products import TrainingProducts
from hullgen.hull.result import HullResult
from hullgen.hull.rounding import F64_EPS
from hullgen.hull.rows import TrainingRows
from hullgen.hull.separate import separate
from hullgen.hull.state import QueryState, collect
from hullgen.hull.working_set import WorkingSets

log = logging.getLogger("hullgen.hull")

# Full pricing rounds without progress before switching to the exact solver (or stopping).
STALL_ROUNDS = 3
# A pricing pass ranks RESERVE times the candidates a query gathers: the rest are gathered
# only when the first cannot settle the maximum at the pass's precision (near-ties, more
# often with bfloat16 and 64 candidates: 10 of 300 points of the CIFAR-size set), for far
# less than the float64 pass over every row that would settle it otherwise.
RESERVE = 2


class HullDistance:
    """Distance to the convex hull of ``train`` (n, d), built once, queried many times.

    Parameters
    ----------
    train : (n, d) array of any numeric dtype; rows are points. Units are those of the space
        (pixel values 0..255 for the pixel space). Not copied (a memory-mapped ``.npy`` stays
        on disk, shared through the page cache): do not modify it while querying. The solver
        holds one float32 (or bfloat16) copy of it, centred, for the passes.
    threads : worker processes on the CPU (forked, sharing the training matrices, from a
        process that runs no other Python thread; else started from a fork server, each
        with its own float32 copy: see :mod:`hullgen.hull.workers`); on a GPU, the CPU
        threads of the single process.
    gap : target relative gap (distance - lower_bound) / distance.
    k_seed : size of each query's initial working set (its nearest training points).
    add_per_round : at most this many violating training points join a working set per round.
    max_rounds : full pricing rounds before a query is reported ``not_converged``.
    max_inner : restricted solves per round, each priced against the round's candidates only.
    candidates : training points per query kept from each pass (nearest neighbours, then the
        best-priced points), checked in float64 and used as that round's pool of entering
        points; None: 64, or 128 where a pass is dear
        (:func:`hullgen.hull.plan.default_candidates`).
    inside_tol : a distance below ``inside_tol`` times the query's scale triggers the LP test.
    memory_budget : bytes of working memory besides the memory-mapped training matrix (the
        float32 copy counts in the budget, and is shared among the worker processes); None
        holds the copy and each worker's batch of :data:`hullgen.hull.memory.AUTO_BATCH`
        queries (:func:`hullgen.hull.memory.auto_budget`).
    qp_time_limit : seconds before HiGHS (the fast solver's fallback) gives a restricted QP up.
    settle : solve the separating LP (:mod:`hullgen.hull.separate`) for every query column
        generation leaves open; False leaves such queries ``not_converged``.
    device : "cpu" (the reference) or a torch CUDA device for the two blocked products.
    precision : "float32", "bfloat16" (CPU only: the passes in bfloat16, every bound carrying
        its rounding; see :mod:`hullgen.hull.bf16`) or "auto"
        (:func:`hullgen.hull.bf16.pass_precision`).
    subset_passes : (first row, stride) of each subset pass
        (:data:`hullgen.hull.plan.SUBSET_PASSES`); a subset with too few rows per candidate
        for its cost is skipped (:func:`hullgen.hull.plan.subset_passes`), and () makes none.
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
        candidates: int | None = None,
        inside_tol: float = 1e-7,
        memory_budget: int | None = None,
        qp_time_limit: float = 10.0,
        settle: bool = True,
        device: str = "cpu",
        block_rows: int = BLOCK_ROWS,
        subset_passes=plan.SUBSET_PASSES,
        precision: str = "auto",
    ):
        # Every keyword argument, as given (first, so that locals() holds only them).
        options = {k: v for k, v in locals().items() if k not in ("self", "train")}
        train = as_matrix(train, "training set")
        if train.shape[0] == 0:
            raise ValueError("the training set is empty: no hull to measure against")
        if train.shape[1] == 0:
            raise ValueError("the training set has 0 columns")
        check_finite(train, "training set")
        if not 0 < gap < 1:
            raise ValueError(f"gap must lie in (0, 1), got {gap}")
        # What a worker started from a fork server builds its own solver from (workers.py).
        self.build_arguments = (train, options)
        self.n, self.d = train.shape
        self.threads = max(1, int(threads))
        self.gap = float(gap)
        self.k_seed = max(1, int(k_seed))
        self.add_per_round = max(1, int(add_per_round))
        self.max_rounds = max(1, int(max_rounds))
        self.max_inner = max(1, int(max_inner))
        self.inside_tol = float(inside_tol)
        self.qp_time_limit = float(qp_time_limit)
        self.settle = bool(settle)
        self.memory_budget = None if memory_budget is None else int(memory_budget)
        # Everything is solved in coordinates centred on the training mean: the distances do
        # not change, and the products' rounding errors (bounded by the norms) shrink.
        self.mean = train.mean(axis=0, dtype=np.float64)
        # The training matrix is held once: as given (not copied; a memory-mapped file stays
        # in the page cache), centred into float64 rows on demand, plus the float32 (or
        # bfloat16) copy the passes need.
        self.train = TrainingRows(train, self.mean)
        precision = pass_precision(precision, device, self.n, self.d)
        # How much each round reads follows from what a pass costs (hullgen.hull.plan).
        cost = plan.row_cost(precision, device)
        if candidates is None:
            candidates = plan.default_candidates(self.n * cost)
        self.candidates = max(self.add_per_round, int(candidates))
        self.subset_passes = plan.subset_passes(self.n, cost, self.candidates, subset_passes)
        if self.memory_budget is None:
            self.memory_budget = auto_budget(
                self.n, self.d, precision, self.k_seed, self.threads, block_rows
            )
        # Before the copy is made: a budget that cannot hold it is refused at once.
        needed = least_memory(self.n, self.d, precision, self.k_seed, block_rows)
        if self.memory_budget < needed:
            raise MemoryBudgetError(self.memory_budget, needed, self.n, self.d)
        self.products = TrainingProducts(
            self.train, device=device, block_rows=block_rows, precision=precision
        )
        log.info(
            "hull: %d x %d training set, passes in %s on %s", self.n, self.d, precision, device
        )
        self.working = WorkingSets(
            self.train, add_per_round=self.add_per_round, max_inner=self.max_inner,
            inside_tol=self.inside_tol, qp_time_limit=self.qp_time_limit,
        )  # fmt: skip
        working = self.memory_budget - self.products.copy_bytes
        per_query = query_bytes(self.n, self.d, self.k_seed, block_rows)
        if working // per_query < self.threads:
            # Each worker holds a batch of its own: fewer workers fit a small budget.
            log.warning(
                "hull: the memory budget holds %d workers' buffers, not %d: %d work",
                working // per_query, self.threads, working // per_query,
            )  # fmt: skip
            self.threads = int(working // per_query)
        self.batch_size = int(min(4096, working // self.threads // per_query))

    def _f64_error(self, x: np.ndarray) -> float:
        """Bound on the float64 rounding error of w.x - w.t_i for a unit vector w."""
        # sqrt(x.x), not np.linalg.norm (its Python side cost 2% of a run, once per round)
        return 4 * (self.d + 2) * F64_EPS * (np.sqrt(x @ x) + self.products.max_norm)

    def _settle(self, x: np.ndarray, state: QueryState) -> None:
        """The separating LP for a query left open: inside, or a positive lower bound (and
        the LP's hull point when it is nearer than the one found)."""
        found = separate(self.working.highs(), self.train, x, state.work, self._f64_error(x))
        state.lp_status = f"separating LP, {found.rounds} rounds"
        state.gram = state.diffs = None  # the working set is replaced below
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

    def _nearest_found(self, x: np.ndarray, d2_min: float, outside: float) -> bool:
        """Whether the nearest candidate (squared distance ``d2_min``) is nearer than every
        row left out, whose x.t - ||t||^2 / 2 is at most ``outside``."""
        slack = 4 * (self.d + 2) * F64_EPS * (x @ x + d2_min + self.products.max_norm**2)
        return 0.5 * (x @ x - d2_min) - slack > outside

    def _candidates(self, x: np.ndarray, index: np.ndarray):
        """Float64 rows ``index`` and their exact squared distances to ``x``."""
        return self.train.take(index, x, squared=True)

    def _exact_nearest(self, x: np.ndarray, k: int) -> np.ndarray:
        """The ``k`` nearest training rows by float64 distances (a bfloat16 pass that could
        not certify its nearest; rare)."""
        d2 = self.products.sq_norms - 2 * self.train.dot(x)
        return np.argsort(d2, kind="stable")[:k]

    def _subset_round(self, x, state: QueryState, idx, w) -> None:
        """Grow from a subset pass's candidates and continue on them. A subset's maximum of
        w.t bounds nothing, so no bound changes and no round is counted."""
        try:
            pts, u = self.train.take(idx, w)
            tol = 1e-12 * state.ub + self._f64_error(x)
            if self.working.grow(x, state, idx, pts, u, float(w @ state.p), tol):
                self.working.converge(x, state, idx, pts)
        finally:
            state.diffs = None

    def _after_pricing(self, x, state: QueryState, idx, upper, w, error, keep) -> bool:
        """Certify from one full pricing pass; otherwise continue on its candidates (the
        first ``keep`` of ``idx``, the rest being the pass's reserve).

        Returns True when the query is finished.
        """
        try:
            return self._round(x, state, idx, upper, w, error, keep)
        finally:
            state.diffs = None  # held for one round only: a batch holds thousands of queries

    def _round(self, x, state: QueryState, idx, upper, w, error, keep) -> bool:
        gathered = min(keep, len(idx))
        # Exact (float64) products of the pass's candidates.
        pts, u = self.train.take(idx[:gathered], w)
        max_u = float(u.max())
        # Any training point left out has a product of at most the last candidate's bound.
        if not upper[gathered - 1] + error < max_u and gathered < len(idx):
            # Near-ties at the pass's precision: its reserve, gathered exactly.
            more, more_u = self.train.take(idx[gathered:], w)
            pts, u = np.concatenate([pts, more]), np.concatenate([u, more_u])
            gathered, max_u = len(idx), max(max_u, float(more_u.max()))
        idx = idx[:gathered]
        if not upper[gathered - 1] + error < max_u:
            # Rare: too many near-ties to settle even so; price this query in float64.
            exact = self.train.dot(w)
            idx = np.argsort(-exact, kind="stable")[:gathered]
            pts, u = self.train[idx], exact[idx]
            max_u = float(exact.max())
        f64_error = self._f64_error(x)
        state.best_lb = max(state.best_lb, float(w @ x) - max_u - f64_error)
        state.rounds += 1
        if state.certified(self.gap):
            return True
        tol = 1e-12 * state.ub + f64_error
        if not self.working.grow(x, state, idx, pts, u, float(w @ state.p), tol):
            if state.exact:
                return True  # nothing left to add even after an exact solve: keep the bounds
            # The violators are already in the working set: HiGHS stopped short of the
            # restricted optimum (its tolerances), so solve it once more exactly.
            state.exact = True
        before = state.ub
        self.working.converge(x, state, idx, pts)
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
        near, upper, error = self.products.top_nearest(X, n_pool)
        states = [QueryState(row[: self.k_seed]) for row in near]
        nn_distance = np.empty(len(X))
        nn_index = np.empty(len(X), dtype=np.int64)
        for i, x in enumerate(X):
            # Exact distances of the pass's nearest candidates; the nearest is reported.
            pts, d2 = self._candidates(x, near[i])
            if upper is not None and not self._nearest_found(x, d2.min(), upper[i, -1] + error[i]):
                near[i] = self._exact_nearest(x, n_pool)
                pts, d2 = self._candidates(x, near[i])
                states[i] = QueryState(near[i][: self.k_seed])
            nn_index[i] = near[i][np.argmin(d2)]
            nn_distance[i] = np.sqrt(d2.min())
            self.working.seed(x, states[i], pts[: self.k_seed])  # the first candidates
            self.working.converge(x, states[i], near[i], pts)
            states[i].diffs = None
        active = np.array([i for i, s in enumerate(states) if s.ub > 0], dtype=np.int64)
        for rows in self.subset_passes:
            if not len(active):
                break
            w, offsets = _directions(X, states, active)
            idx, _, _ = self.products.top_prices(w, self.candidates, offsets, rows=rows)
            for j, i in enumerate(active):
                self._subset_round(X[i], states[i], idx[j], w[j])
            active = active[[states[i].ub > 0 for i in active]]
        for _ in range(self.max_rounds):
            if not len(active):
                break
            w, offsets = _directions(X, states, active)
            # Every support point ties at the maximum of w.t once p is optimal, so the
            # candidates must outnumber the supports for float32 to certify the maximum (else
            # each query needs an exact float64 pass; seen with supports of ~200 in 4,096-d).
            keep = [max(self.candidates, 2 * int((states[i].weights > 0).sum())) for i in active]
            idx, upper, error = self.products.top_prices(w, RESERVE * max(keep), offsets)
            finished = np.array([
                self._after_pricing(
                    X[i], states[i], idx[j, : RESERVE * keep[j]], upper[j, : RESERVE * keep[j]],
                    w[j], error[j], keep[j],
                )
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

        With ``threads`` > 1 on the CPU, contiguous chunks of queries go to worker processes
        (one BLAS thread each; forked, sharing the training matrices copy-on-write, unless
        this process runs other Python threads: :mod:`hullgen.hull.workers`).
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
        check_finite(X, "query set", scale=False)  # a query may be all zeros or tiny
        m = len(X)
        if m == 0:
            return collect(
                [], np.zeros(0), np.zeros(0, np.int64), self.gap, self.mean, return_projections
            )
        # Up to 4 chunks per worker, of at least 256 queries where there are enough (a pass
        # is a product with a chunk's queries), and as many for each worker: a worker left
        # with one chunk more than the other waits for nothing (measured 2026-12-03, 1,250
        # queries on 2 workers, float32: 5 chunks of 256 took 6.6-7.0 s, 4 of 313 4.6-4.8 s).
        per_worker = max(1, min(4, m // (256 * self.threads)))
        chunk = min(self.batch_size, -(-m // (per_worker * self.threads)))
        return workers.solve_chunks(self, X, chunk, return_projections, progress_every)

    def solve_rows(self, X, lo: int, hi: int, return_projections: bool) -> HullResult:
        """Rows ``lo`` to ``hi - 1`` of the (validated) query set ``X``, as one batch in
        this process (:mod:`hullgen.hull.workers` calls it, here or in a worker process)."""
        batch = np.asarray(X[lo:hi], dtype=np.float64) - self.mean
        return self._batch(batch, return_projections)


def _directions(X: np.ndarray, states: list[QueryState], active: np.ndarray):
    """Unit pricing directions w = (x - p) / ||x - p|| of the ``active`` queries, and w.p
    (each pass's expected maximum)."""
    p = np.stack([states[i].p for i in active])
    w = X[active] - p
    w /= np.linalg.norm(w, axis=1)[:, None]
    return w, np.einsum("ij,ij->i", w, p)
