"""A query set solved in chunks: in this process, or on worker processes.

:meth:`hullgen.hull.solver.HullDistance.query` splits its queries into contiguous chunks and
solves each as one batch (:meth:`~hullgen.hull.solver.HullDistance.solve_rows`). With more
than one thread on the CPU the chunks go to worker processes with one BLAS thread each (the
processes are the parallelism), started one of two ways:

- **forked**, when this process runs no other Python thread (a workflow job, a script): the
  workers inherit the solver and the queries copy-on-write, so the training matrices are
  held once. The compiled kernels are compiled (or loaded from numba's cache) before the
  fork, so that no worker compiles them.
- **from a fork server**, when it does (a notebook's kernel, the test suite's background
  runs): ``fork`` copies only the calling thread, so a lock another thread holds at that
  moment stays locked in the child forever, and a query hangs (seen once in the test suite:
  a 2-worker query beside threads that start subprocesses never returned). Each worker then
  builds its own solver from the same arguments (same results; a memory-mapped training or
  query file is mapped again, not copied through the pipe) and holds its own float32 copy.

A worker that dies (killed, out of memory) ends the query with a :class:`HullgenError`
naming its exit, instead of waiting for its chunk forever.
"""

from __future__ import annotations

import logging
import mmap
import multiprocessing as mp
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from hullgen.errors import HullgenError
from hullgen.hull import bf16, pool, topk, wolfe_warm
from hullgen.hull import rows as training_rows
from hullgen.hull.result import STATUSES, HullResult

log = logging.getLogger("hullgen.hull")

# The state each worker solves with: the HullDistance, the queries and return_projections
# (inherited when forked, built by _build_state when started from the fork server).
_STATE: tuple | None = None


def warm_up() -> None:
    """Compile (or load from numba's cache) every compiled kernel of the solver: Wolfe's
    method, the pool loop, the running top-k and the row gather. Called before forking
    workers, by `make` and for the tests' checkouts, so that no job compiles them."""
    wolfe_warm.warm_up()
    pool.warm_up()
    topk.warm_up()
    training_rows.warm_up()
    bf16.warm_up()


def start_method() -> str:
    """How worker processes start here: "fork" when this process runs one Python thread,
    "forkserver" otherwise (see the module docstring)."""
    return "fork" if threading.active_count() == 1 else "forkserver"


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
    global _STATE
    method = start_method()
    uses_torch = tree.products.bf16 is not None
    if method == "fork":
        warm_up()
        tree.train[np.zeros(1, dtype=np.int64)]  # the row gather for this training dtype
        _STATE = (tree, X, return_projections)
        init, init_args = _worker_init, (uses_torch,)
    else:
        log.info(
            "hull: this process runs %d threads: %d workers start from a fork server, each "
            "with its own solver",
            threading.active_count(),
            workers,
        )
        train, options = tree.build_arguments
        # The solver's class travels by reference: this module never imports the solver,
        # which imports it.
        state = (type(tree), _shareable(train), options, _shareable(X), return_projections)
        init, init_args = _build_state, (state, uses_torch)
    try:
        context = mp.get_context(method)
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=init, initargs=init_args
        ) as processes:
            chunks = processes.map(_worker_chunk, ranges)
            started = list(getattr(processes, "_processes", {}).values())  # private; for errors
            try:
                yield from chunks
            except BrokenProcessPool as err:
                hint = ""
                if method == "forkserver":
                    # multiprocessing runs the main script again in each such worker.
                    hint = (
                        "; a script that starts threads must call the solver under "
                        "`if __name__ == '__main__':`"
                    )
                raise HullgenError(
                    f"a hull worker process died ({_exits(started)}; its traceback, if any, "
                    f"is on standard error): the query has no result{hint}"
                ) from err
    finally:
        _STATE = None


def _exits(started: list) -> str:
    """The workers' exit codes, for the error: the pool stops the others with SIGTERM."""
    for process in started:
        process.join(5)
    codes = sorted({p.exitcode for p in started} - {None, 0, -15})
    if not codes:
        return "exit code unknown"
    return "exit code " + ", ".join(
        f"{c} (signal {-c}{', often the out-of-memory killer' if c == -9 else ''})"
        if c < 0
        else str(c)
        for c in codes
    )


def _worker_init(uses_torch: bool) -> None:
    # One BLAS thread per worker process: the processes are the parallelism.
    threadpool_limits(1)
    if uses_torch:
        import torch

        torch.set_num_threads(1)


def _build_state(state: tuple, uses_torch: bool) -> None:
    """A fork server's worker: the solver built again from its class and arguments."""
    global _STATE
    _worker_init(uses_torch)
    solver_class, train, options, X, return_projections = state
    quiet = logging.getLogger("hullgen.hull")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # the parent has logged this solver's build already
    try:
        tree = solver_class(_array(train), **options)
    finally:
        quiet.setLevel(level)
    _STATE = (tree, _array(X), return_projections)


def _worker_chunk(bounds: tuple[int, int]) -> HullResult:
    tree, X, return_projections = _STATE
    return tree.solve_rows(X, bounds[0], bounds[1], return_projections)


@dataclass(frozen=True)
class _MappedFile:
    """A whole memory-mapped ``.npy`` array, to be mapped again in another process."""

    filename: str
    dtype: np.dtype
    shape: tuple
    offset: int


def _shareable(array: np.ndarray):
    """``array`` as a worker started from the fork server gets it: a :class:`_MappedFile`
    when it is a whole memory-mapped file (mapped again there), else the array (pickled)."""
    mapped = array if isinstance(array, np.memmap) else array.base
    whole = (
        isinstance(mapped, np.memmap)
        and isinstance(mapped.base, mmap.mmap)
        and mapped.filename is not None
        and array.shape == mapped.shape
        and array.dtype == mapped.dtype
        and array.flags.c_contiguous
        and mapped.flags.c_contiguous
        and array.ctypes.data == mapped.ctypes.data
    )
    if not whole:
        return array
    return _MappedFile(os.fspath(mapped.filename), array.dtype, array.shape, mapped.offset)


def _array(shared) -> np.ndarray:
    if isinstance(shared, _MappedFile):
        return np.memmap(
            shared.filename, dtype=shared.dtype, mode="r", shape=shared.shape, offset=shared.offset
        )
    return shared
