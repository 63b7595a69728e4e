"""Rounding bounds of the blocked products (no torch: the diameter needs them too)."""

from __future__ import annotations

import numpy as np

F32_EPS = float(np.finfo(np.float32).eps) / 2  # unit roundoff of float32
F64_EPS = float(np.finfo(np.float64).eps) / 2  # unit roundoff of float64


def float32_dot_error(d: int) -> float:
    """Bound factor c with |fl32(w32.t32) - w.t| <= c ||w|| ||t|| (rounding of w and t included).

    gamma_{d+3} = (d+3)u / (1 - (d+3)u) covers the d-term float32 dot product in any summation
    order (with or without FMA) plus the rounding of both inputs to float32; the factor 1.01
    absorbs the float64 error of computing the norms.
    """
    n = (d + 3) * F32_EPS
    return 1.01 * n / (1.0 - n)
