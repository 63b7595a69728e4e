"""Checks of the arrays given to the hull solver: shape, type, and no NaN or Inf."""

from __future__ import annotations

import numpy as np


def as_matrix(array, what: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"{what} must be a 2-d array (rows = points), got shape {array.shape}")
    # Complex values have no order and no convex hull of the kind meant here.
    real = np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    if not (real or array.dtype == bool):
        raise ValueError(f"{what} must be real numbers, got dtype {array.dtype}")
    return array


class NonFiniteError(ValueError):
    """A row holds NaN or Inf; ``row`` is its index in the array that was checked."""

    def __init__(self, what: str, row: int, kind: str, column: int):
        self.what, self.row, self.kind, self.column = what, row, kind, column
        super().__init__(f"{what} row {row} contains {kind} (column {column})")

    def shifted(self, offset: int) -> NonFiniteError:
        """The same error, numbering rows from ``offset`` (e.g. a shard's first row)."""
        return NonFiniteError(self.what, self.row + offset, self.kind, self.column)


def check_finite(array: np.ndarray, what: str, block: int = 65536) -> None:
    """Raise naming the first row holding NaN or Inf (checked in blocks: no full copy)."""
    if not np.issubdtype(array.dtype, np.floating):
        return
    for start in range(0, len(array), block):
        bad = ~np.isfinite(array[start : start + block]).all(axis=1)
        if bad.any():
            row = start + int(np.flatnonzero(bad)[0])
            values = array[row]
            kind = "NaN" if np.isnan(values).any() else "Inf"
            col = int(np.flatnonzero(~np.isfinite(values))[0])
            raise NonFiniteError(what, row, kind, col)
