"""A query set solved in chunks: in this process, or on forked worker processes.

:meth:`hullgen.hull.solver.HullDistance.query` splits its queries into contiguous chunks and
solves each as one batch (:meth:`~hullgen.hull.solver.HullDistance.solve_rows`). With more
than one thread on the CPU the chunks go to forked worker processes with one BLAS thread
each (the processes are the parallelism): they inherit the solver and the queries
copy-on-write, so a job holds the training matrices once. The compiled kernels are compiled
(or loaded from numba's cache) before the fork, so that no worker compiles them.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import time

import numpy as np
from threadpoolctl import threadpool_limits

from hullgen.hull import bf16, pool, topk, wolfe
from hullgen.hull import rows as training_rows
from hullgen.hull.result import STATUSES, HullResult

log = logging.getLogger("hullgen.hull")

# What forked workers inherit: the HullDistance and the queries (shared, not copied).
_FORKED: tuple | None = None


def warm_up() -> None:
    """Compile (or load from numba's cache) every compiled kernel of the solver: Wolfe's
    method, the pool loop, the running top-k and the row gather. Called before forking
    workers, by `make` and for the tests' checkouts, so that no job compiles them."""
    wolfe.warm_up()
    pool.warm_up()
    topk.warm_up()
    training_rows.warm_up()
    bf16.warm_up()


def solve_chunks(tree, X, chunk: int, return_projections: bool, progress_every: float):
    """The :class:`HullResult` of all rows of ``X`` (m >= 1, validated), solved by ``tree``
    in chunks of ``chunk`` rows, logging progress every ``progress_every`` seconds."""
    m = len(X)
    ranges = [(lo, min(lo + chunk, m)) for lo in range(0, m, chunk)]
    workers = tree.threads if tree.products.on_cpu else 1
    parts = []
    started = last = time.monotonic()
    for part in _results(tree, X, ranges, workers, return_projections):
        parts.append(part)
        now = time.monotonic()
        if now - last >= progress_every or len(parts) == len(ranges):
            last = now
            done = sum(len(p) for p in parts)
            status = np.concatenate([p.status for p in parts])
            counts = ", ".join(f"{int((status == s).sum())} {s}" for s in STATUSES)
            log.info("hull: %d/%d queries in %.0f s (%s)", done, m, now - started, counts)
    return HullResult.concatenate(parts)


def _results(tree, X, ranges, workers, return_projections):
    """Each chunk's result, in order."""
    if workers == 1 or len(ranges) == 1:
        if not tree.products.on_cpu or tree.products.bf16 is not None:  # torch's threads
            import torch

            torch.set_num_threads(tree.threads)
        for lo, hi in ranges:
            yield tree.solve_rows(X, lo, hi, return_projections)
        return
    global _FORKED
    warm_up()
    tree.train[np.zeros(1, dtype=np.int64)]  # the row gather for this training dtype
    _FORKED = (tree, X, return_projections)
    try:
        ctx = mp.get_context("fork")
        init_args = (tree.products.bf16 is not None,)
        with ctx.Pool(workers, initializer=_worker_init, initargs=init_args) as processes:
            yield from processes.imap(_worker_chunk, ranges)
    finally:
        _FORKED = None


def _worker_init(uses_torch: bool) -> None:
    # One BLAS thread per worker process: the processes are the parallelism.
    threadpool_limits(1)
    if uses_torch:
        import torch

        torch.set_num_threads(1)


def _worker_chunk(bounds: tuple[int, int]) -> HullResult:
    tree, X, return_projections = _FORKED
    return tree.solve_rows(X, bounds[0], bounds[1], return_projections)
