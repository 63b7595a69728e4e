"""Exact diameter of a point set (= the diameter of its convex hull), blocked.

Squared distances are screened in float32 blocks; every pair whose float32 value is within
the a-priori float32 error bound of the best is re-evaluated in float64, which decides.
"""

from __future__ import annotations

import numpy as np

from hullgen.hull.inputs import as_matrix, check_finite
from hullgen.hull.rounding import F32_EPS, float32_dot_error


def hull_diameter(points, block: int = 4096) -> tuple[float, int, int]:
    """Return (diameter, i, j): the largest distance between two rows, and the pair.

    Raises ValueError for anything but a 2-d array of real numbers, and naming the first row
    and column that holds NaN or Inf (a diameter of such rows would be NaN, not an answer).
    """
    points = as_matrix(points, "training")
    check_finite(points, "training")
    n, d = points.shape
    if n == 0:
        raise ValueError("the point set is empty")
    if n == 1:
        return 0.0, 0, 0
    x = np.array(points, dtype=np.float64)
    x -= x.mean(axis=0)  # smaller norms, smaller float32 error
    sq = np.einsum("ij,ij->i", x, x)
    x32 = x.astype(np.float32)
    sq32 = sq.astype(np.float32)
    max_sq = float(sq.max())
    # |fl32(D2) - D2| <= 2 |fl32(a.b) - a.b| + rounding of the norms and of the 3 additions.
    error = 2 * float32_dot_error(d) * max_sq + 16 * F32_EPS * max_sq
    best = (-np.inf, 0, 1)  # float64-verified: (squared distance, i, j)
    for a in range(0, n, block):
        xa = x32[a : a + block]
        for b in range(a, n, block):
            d2 = (
                sq32[a : a + block, None]
                + sq32[None, b : b + block]
                - 2 * (xa @ x32[b : b + block].T)
            )
            top = float(d2.max())
            if top + error < best[0]:
                continue
            # Every pair that could still beat the best is decided in float64.
            ii, jj = np.nonzero(d2 >= max(best[0], top - 2 * error) - error)
            ii, jj = ii + a, jj + b
            keep = jj > ii
            ii, jj = ii[keep], jj[keep]
            if len(ii):
                diff = x[ii] - x[jj]
                exact = np.einsum("ij,ij->i", diff, diff)
                k = int(np.argmax(exact))
                if exact[k] > best[0]:
                    best = (float(exact[k]), int(ii[k]), int(jj[k]))
    return float(np.sqrt(best[0])), best[1], best[2]
