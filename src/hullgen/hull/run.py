"""File-level entry points of the hull stage, shared by the CLI and the Snakemake scripts."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from hullgen.data.matrix import NonFiniteError, load_rows
from hullgen.errors import HullgenError
from hullgen.hull.memory import MemoryBudgetError
from hullgen.hull.result import HullResult
from hullgen.hull.solver import HullDistance
from hullgen.io import atomic_path


def load_matrix(path: str | os.PathLike, what: str) -> np.ndarray:
    """A 2-d matrix of finite real numbers from a ``.npy`` file (memory-mapped) or the ``x``
    of a ``.npz``, through the checked reader (:func:`hullgen.data.matrix.load_rows`);
    errors name the file, the row and the column. Sizes and the agreement of dimensions are
    checked by :class:`HullDistance`, whose errors :func:`hull_distance_files` prefixes with
    the file at fault."""
    if not Path(path).is_file():
        raise HullgenError(f"{path}: {what} file not found")
    return load_rows(path, what, scale=what == "training")


def shard_rows(m: int, shard: int, n_shards: int) -> tuple[int, int]:
    """Row range [start, stop) of shard ``shard`` (0-based) of ``n_shards`` over ``m`` rows."""
    if not 0 <= shard < n_shards:
        raise ValueError(f"shard {shard} out of range for {n_shards} shards")
    bounds = np.linspace(0, m, n_shards + 1).round().astype(int)
    return int(bounds[shard]), int(bounds[shard + 1])


def hull_distance_files(
    train_path,
    test_path,
    *,
    rows: tuple[int, int] | None = None,
    projections: bool = False,
    budget_name: str = "memory_budget",
    **options,
) -> tuple[HullResult, int]:
    """Distances of test rows ``rows`` (default all) to the hull of the training file, with
    the nearest hull points when ``projections``.

    Returns the result and the index of its first test row. Errors name the file at fault;
    a memory budget too small names it as ``budget_name`` (the option or config key).
    """
    train = load_matrix(train_path, "training")
    test = load_matrix(test_path, "test")
    start, stop = rows if rows is not None else (0, len(test))
    try:
        tree = HullDistance(train, **options)
    except MemoryBudgetError as err:
        raise HullgenError(f"{budget_name}: {err} ({train_path}); raise {budget_name}") from None
    except ValueError as err:
        raise HullgenError(f"{train_path}: {err}") from None
    try:
        result = tree.query(test[start:stop], return_projections=projections)
    except NonFiniteError as err:
        # Rows are reported in the file's numbering, not the shard's.
        raise HullgenError(f"{test_path}: {err.shifted(start)}") from None
    except ValueError as err:
        raise HullgenError(f"{test_path}: {err} (training set: {train_path})") from None
    return result, start


def write_tables(
    result: HullResult, start: int, out_path, support_path=None, projections_path=None
) -> None:
    """Write the per-query table, and the support table and the projections where given
    (Parquet, Parquet, ``.npy``), all or nothing: every output is written beside its path
    first, and renamed onto it only when all were written."""
    with ExitStack() as stack:
        out = stack.enter_context(atomic_path(out_path))
        support = stack.enter_context(atomic_path(support_path)) if support_path else None
        points = stack.enter_context(atomic_path(projections_path)) if projections_path else None
        result.to_frame(start).to_parquet(out, index=False)
        if support is not None:
            result.support_frame(start).to_parquet(support, index=False)
        if points is not None:
            with open(points, "wb") as handle:
                np.save(handle, result.projections)
