"""The CPU threads a job may use on the machine it actually runs on."""

from __future__ import annotations

import logging
import os
import sys

# Snakemake sets these to a job's threads before the script starts.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, which SLURM and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def limit_threads(requested: int, log: logging.Logger | None = None) -> int:
    """Cap ``requested`` threads at the usable CPUs and apply it to BLAS, OpenMP and torch.

    ``snakemake --cores 32`` on a smaller machine hands a job up to 32 threads; running that
    many on 2 CPUs only thrashes. Returns the number of threads the job should use.
    """
    requested = max(1, int(requested))
    threads = min(requested, usable_cpus())
    if threads < requested and log is not None:
        log.warning(
            "using %d threads, not the %d asked for: this machine gives the job %d CPUs",
            threads,
            requested,
            usable_cpus(),
        )
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    return threads
