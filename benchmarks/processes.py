"""What the benchmarks share: each measurement in a process of its own (its peak memory is
then its own), with its threads set before numpy loads."""

from __future__ import annotations

import multiprocessing as mp
import os

from hullgen.log import peak_memory_mib


def peak_mib() -> float:
    """Peak resident memory of this process (MiB)."""
    return peak_memory_mib()[0]


def peak_children_mib() -> float:
    """Peak resident memory of this process's largest finished child (MiB)."""
    return peak_memory_mib()[1]


def limit_threads(threads: int) -> None:
    """BLAS and OpenMP threads of this process (before numpy is imported)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)


def in_process(target, *args):
    """``target(*args, queue)`` in a fresh (spawned) process; what it puts on the queue."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out
