"""The hull solver's working memory, computed from the training matrix's size alone: the
solver checks its budget with it, and the workflow checks ``hull.memory_budget_gb`` with it
when it is parsed (no numba, no torch: nothing slow to import)."""

from __future__ import annotations

# bfloat16 rows are padded to a multiple of this many columns (aligned rows for the
# product), three of them holding the row's norm terms.
BF16_PAD = 16
BF16_EXTRA_COLUMNS = 3
# Training rows per block of the passes' products (the solver's default block_rows).
BLOCK_ROWS = 16384


class MemoryBudgetError(ValueError):
    """The budget cannot hold the passes' copy of the training matrix and one query's
    buffers; ``needed`` is the least it must be, in bytes."""

    def __init__(self, budget: int, needed: int, n: int, d: int):
        self.budget, self.needed, self.n, self.d = budget, needed, n, d
        super().__init__(
            f"memory budget of {budget / 2**30:.3g} GiB is too small for a {n:,} x {d:,} "
            f"training set (needs at least {needed / 2**30:.3g} GiB)"
        )


def copy_bytes(n: int, d: int, precision: str) -> int:
    """Bytes of the passes' copy of an ``n`` x ``d`` training matrix: float32, or bfloat16
    rows (padded) with their float64 squared norms."""
    if precision == "bfloat16":
        columns = -(-(d + BF16_EXTRA_COLUMNS) // BF16_PAD) * BF16_PAD
        return 2 * n * columns + 8 * n
    if precision == "float32":
        return 4 * n * d
    raise ValueError(f"precision must be float32 or bfloat16, got {precision!r}")


def query_bytes(n: int, d: int, k_seed: int, block_rows: int) -> int:
    """Bytes of one query's buffers in a batch: its row of each block's products (three
    float32 blocks) and its float64 vectors (the point, its direction, its seed set)."""
    return 3 * 4 * min(n, block_rows) + 8 * d * (4 + k_seed)


# Queries per worker's batch that the automatic budget holds: enough that each block of the
# passes' products is a matrix product, not a matrix-vector one.
AUTO_BATCH = 1024


def auto_budget(
    n: int, d: int, precision: str, k_seed: int, threads: int, block_rows: int = BLOCK_ROWS
) -> int:
    """The budget (bytes) when none is given: the passes' copy of the training matrix and
    each of ``threads`` workers' batch of :data:`AUTO_BATCH` queries. ``precision`` "auto"
    counts the larger (float32) copy.

    >>> auto_budget(1000, 64, "float32", 32, 2, 16384)
    62580736
    """
    if precision == "auto":
        precision = "float32"
    return copy_bytes(n, d, precision) + threads * AUTO_BATCH * query_bytes(
        n, d, k_seed, block_rows
    )


def least_memory(n: int, d: int, precision: str, k_seed: int, block_rows: int = BLOCK_ROWS) -> int:
    """The smallest budget (bytes) a run on an ``n`` x ``d`` training set can work in: one
    query at a time, one worker. ``precision`` "auto" counts the smaller (bfloat16) copy, so
    that a budget refused here cannot work whichever the passes use.

    >>> least_memory(1000, 64, "float32", 32, 16384)
    286432
    """
    if precision == "auto":
        precision = "bfloat16"
    return copy_bytes(n, d, precision) + query_bytes(n, d, k_seed, block_rows)
