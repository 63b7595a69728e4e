"""Checks of the arrays given to the hull solver: shape, type, and no NaN or Inf (the last
is the checked reader's, :func:`hullgen.data.matrix.check_finite`)."""

from __future__ import annotations

import numpy as np

from hullgen.data.matrix import NonFiniteError, check_finite

__all__ = ["NonFiniteError", "as_matrix", "check_finite"]


def as_matrix(array, what: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"{what} must be a 2-d array (rows = points), got shape {array.shape}")
    # Complex values have no order and no convex hull of the kind meant here.
    real = np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    if not (real or array.dtype == bool):
        raise ValueError(f"{what} must be real numbers, got dtype {array.dtype}")
    return array
