"""How much each round reads: the candidates a pass keeps, and the subset passes made before
a query's first full pass, from what a pass costs.

A round costs one pass over the training rows and then, per query, the pool's work: its
candidates gathered in float64, the restricted solves, the pool priced and the working set
grown (:mod:`hullgen.hull.pool`). More candidates and the subset passes save rounds but add
pool work, so they pay only where a pass is dear against the pool's work, that is where the
training set has many rows for the passes' precision. Both are decided from one number, the
pass's rows in bfloat16 equivalents: the rows times :func:`row_cost`.

Measured 2026-12-07 at 1c1820c by ``benchmarks/hull_plan.py`` (600 test points, one
thread; the table is in benchmarks/README.md), each set solved with 64 or 128 candidates,
with no subset pass or both, and as planned here. With bfloat16 passes, 64 candidates and no
subset pass were fastest up to 128,117 training rows (a point of the natural CIFAR-size
set: 8.3 ms against 11.6 ms with 128 and both; of the 1/10 CLIP-like features: 3.5 ms
against 4.1 ms); at 512,467 rows the plan's 128 candidates and one subset pass were (8.5 ms;
9.0-10.0 ms the other ways). With float32 passes the ways came within 10-20% of one
another, about this machine's noise.
"""

from __future__ import annotations

# What a pass over one training row costs, in bfloat16 passes: a float32 pass on the CPU
# took 5x the bfloat16 one (the GEMM floors of the natural CIFAR-size set, 10.33 s and
# 2.05 s, benchmarks/hull_distance.cifar-natural.json). A GPU's passes are counted as cheap
# as bfloat16's.
FLOAT32_CPU_PASS_COST = 5
# Candidates kept from a pass: FEW below LARGE_PASS_ROWS bfloat16-equivalent rows, MANY
# from there (above: 64 won up to 128,117 rows, 128 at 512,467).
FEW_CANDIDATES, MANY_CANDIDATES = 64, 128
LARGE_PASS_ROWS = 2**18
# Subset passes, (first row, stride) each, made before a query's first full pricing pass:
# every 10th training row, then every 5th from row 1 (disjoint: 30% of the rows in all).
# Far from the optimum most violators of a full pass are found in a subset too, for a
# fraction of its cost; a subset gives no lower bound, so the full passes still certify.
SUBSET_PASSES = ((0, 10), (1, 5))
# A subset pass is made only when its subset has this many bfloat16-equivalent rows per
# candidate kept: below, its round of pool work costs more than the full rounds it saves
# (above: none paid up to 128,117 bfloat16 rows; at 512,467, one of them did).
SUBSET_ROWS_PER_CANDIDATE = 512


def row_cost(precision: str, device: str) -> int:
    """What a pass reads of one training row costs, in rows of a bfloat16 pass on the CPU.

    Examples
    --------
    >>> row_cost("float32", "cpu"), row_cost("bfloat16", "cpu"), row_cost("float32", "cuda")
    (5, 1, 1)
    """
    return FLOAT32_CPU_PASS_COST if precision == "float32" and device == "cpu" else 1


def default_candidates(rows: int) -> int:
    """Candidates a pass of ``rows`` bfloat16-equivalent rows keeps when none are given.

    Examples
    --------
    >>> default_candidates(50_000), default_candidates(1_281_167)
    (64, 128)
    """
    return MANY_CANDIDATES if rows >= LARGE_PASS_ROWS else FEW_CANDIDATES


def subset_passes(n: int, cost: int, candidates: int, passes=SUBSET_PASSES) -> list:
    """The ``passes`` ((first row, stride) each) worth making over ``n`` training rows that
    each cost ``cost`` bfloat16 rows, for ``candidates`` kept per pass.

    Examples
    --------
    >>> subset_passes(50_000, 1, 64), subset_passes(1_281_167, 1, 128)
    ([], [(0, 10), (1, 5)])
    """
    return [
        (int(first), int(stride))
        for first, stride in passes
        if len(range(first, n, stride)) * cost >= SUBSET_ROWS_PER_CANDIDATE * candidates
    ]
