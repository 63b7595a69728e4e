"""Pricing passes that skip most of the training set: bounds carried from the last pass.

A pricing pass needs max_i w.t_i for the direction w = (x - p) / ||x - p|| at the query's
current hull point p. Between two passes p moves only a little (a median of 12% of the
distance on the pixel space), and the products move with it:

    w_new.t = (delta_old / delta_new) w_old.t + t.(p_old - p_new) / delta_new.

So a query keeps one float32 upper bound of w.t per training row from its last pass, and the
next pass bounds the change: t.(p_old - p_new) <= z.c + rho ||dp_perp||, with z = U^T t the
row's coordinates in the training set's top principal subspace U (k columns, float32,
computed once), c = U^T (p_old - p_new), rho the row's distance from that subspace and
dp_perp the part of p_old - p_new outside it. That costs a product with k columns instead of
d. Only the rows whose bound exceeds the cutoff (a hair above w.p, see the solver) are
priced, exactly in float64 from the training matrix as given; all others are certified not
to violate by their bound. When too many rows survive (p moved far), the query makes a full
pass instead, which renews its bounds.

Every bound is rigorous: the float32 rounding of the stored bounds, of the coordinates and
of their product, and the float64 rounding of the rest are bounded a priori and added.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hullgen.hull.rounding import F32_EPS

F64_EPS = float(np.finfo(np.float64).eps) / 2

# Columns of the principal subspace the bounds use. Measured on the pixel space (200
# points, 2026-12-03): rows left to price exactly after a certifying pass, mean 3,232, 1,854,
# 822 and 245 of 60,000 for 16, 32, 64 and 128 columns; the product with them costs k / d of
# a full pass.
SCREEN_COLUMNS = 64
# Screened passes only where that product is a small part of a pass (d >= 8 k): in low
# dimensions a pass is cheap and the per-query work of a screened one is not.
SCREEN_MIN_RATIO = 8
# Training rows sampled for the principal subspace (a randomised range finder on them).
SCREEN_SAMPLE_ROWS = 10_000
# A screened pass gives up (and the query makes a full pass) when more than this share of
# the training rows must be priced exactly: a row priced on its own costs several times its
# share of a blocked float32 product.
SCREEN_MAX_SHARE = 1 / 32
# Relative allowance for float64 rounding in the bounds (the errors are ~d * 1e-16).
_F64_SLACK = 1e-10
# Queries whose (queries x n) product with the coordinates is made at once (memory).
_GROUP = 64


class PrincipalScreen:
    """Principal coordinates of the centred training rows, for bounding pricing passes.

    Parameters
    ----------
    rows : :class:`hullgen.hull.rows.TrainingRows`, the centred training rows.
    k : columns of the principal subspace (at most d).
    seed : seed of the randomised range finder (the bounds are rigorous for any basis; the
        basis only decides how tight they are).

    Examples
    --------
    >>> import numpy as np
    >>> from hullgen.hull.rows import TrainingRows
    >>> train = np.random.default_rng(0).normal(size=(500, 40))
    >>> screen = PrincipalScreen(TrainingRows(train, train.mean(0)), k=4)
    >>> screen.coords.shape, screen.basis.shape
    ((500, 4), (40, 4))
    """

    def __init__(self, rows, k: int = SCREEN_COLUMNS, seed: int = 0):
        self.rows = rows
        n, d = rows.n, rows.d
        k = max(1, min(int(k), d))
        stride = max(1, n // SCREEN_SAMPLE_ROWS)
        sample = rows[np.arange(0, n, stride)]
        # Randomised range finder with two power iterations: the top-k subspace of the
        # sample, to within what the bounds need.
        rng = np.random.default_rng(seed)
        basis = np.linalg.qr(sample.T @ (sample @ rng.normal(size=(d, k))))[0]
        for _ in range(2):
            basis = np.linalg.qr(sample.T @ (sample @ basis))[0]
        self.basis = basis  # (d, k), orthonormal to rounding
        self.coords = np.empty((n, k), dtype=np.float32)
        self.norms = np.empty(n)
        self.residuals = np.empty(n)
        for start, block in rows.blocks():
            z = block @ basis
            end = start + len(block)
            self.coords[start:end] = z
            self.norms[start:end] = np.linalg.norm(block, axis=1)
            self.residuals[start:end] = np.linalg.norm(block - z @ basis.T, axis=1)
        # The residual r = t - U z is orthogonal to U up to rounding; t.dp = z.c + r.dp and
        # |r.dp| <= rho ||dp_perp|| + |U^T r| ||c||, the last term of order d eps ||t|| ||c||,
        # covered with the rest of the float64 rounding by _F64_SLACK, as are the rounding
        # errors of rho itself (relative to ||t||: rho may be tiny).
        self.residuals += _F64_SLACK * (self.residuals + self.norms)
        # Error factor of z32.c32 against z.c (the float32 rounding of z, of c and of their
        # k-term product), times ||t|| ||c||.
        self.coord_error = 1.01 * (k + 4) * F32_EPS / (1 - (k + 4) * F32_EPS)

    def screen(self, bounds, rows, slack, moves, deltas, old_deltas, w, cutoffs, cap):
        """Renew the bounds of a batch of queries and price the rows they leave exactly.

        Parameters
        ----------
        bounds : (M, n) float32 array of the batch; its row ``rows[j]`` holds upper bounds
            of query j's w_old.t (less ``slack[j]``), overwritten with those of w.t (exact
            values where a row was priced).
        rows : (m,) rows of ``bounds``, one per query.
        slack : (m,) float64; bounds[j] + slack[j] >= w_old.t.
        moves : (m, d) p_old - p_new, centred coordinates.
        deltas, old_deltas : (m,) ||x - p_new|| and ||x - p_old||.
        w : (m, d) the new unit directions (x - p_new) / ||x - p_new||.
        cutoffs : (m,) rows whose bound of w.t exceeds the cutoff are priced exactly.
        cap : price at most this many rows per query.

        Returns
        -------
        list of (indices, exact values) per query, or None for a query that needed more than
        ``cap`` rows priced (its bounds are then invalid); and the new ``slack`` (m,).
        """
        out, new_slack = [], np.empty(len(w))
        source, mean = self.rows.source, self.rows.mean
        max_norm = float(self.norms.max())
        # A priced row's float64 product: the centring is exact to a relative F64_EPS per
        # entry, and the d-term sum's error is below (d + 2) F64_EPS ||t|| (||w|| = 1).
        f64_error = 4 * (self.rows.d + 2) * F64_EPS * max_norm
        scratch_idx = np.empty(cap, dtype=np.int64)
        for lo in range(0, len(w), _GROUP):
            group = slice(lo, lo + _GROUP)
            c = moves[group] @ self.basis  # (g, k)
            perp = np.linalg.norm(moves[group] - c @ self.basis.T, axis=1)
            c_norm = np.linalg.norm(c, axis=1)
            zc = c.astype(np.float32) @ self.coords.T  # (g, n): one blocked float32 product
            for g in range(len(c)):
                j = lo + g
                scale = old_deltas[j] / deltas[j]
                tol = _F64_SLACK * max_norm * (1 + scale + (c_norm[g] + perp[g]) / deltas[j])
                bound = bounds[rows[j]]
                largest = _renew_bounds(
                    bound, zc[g], float(slack[j]), scale, 1.0 / deltas[j], float(perp[g]),
                    self.coord_error * float(c_norm[g]), tol, self.norms, self.residuals,
                )  # fmt: skip
                # Storing in float32 rounded each bound by at most F32_EPS of the largest:
                # rows are compared with the cutoff lowered by that much.
                rounding = 2 * F32_EPS * max(largest, max_norm)
                count = _above(bound, float(cutoffs[j]) - rounding, scratch_idx)
                if count < 0:
                    out.append(None)
                    new_slack[j] = np.inf
                    continue
                index = scratch_idx[:count].copy()
                values = np.empty(count)
                _price_rows(source, index, mean, w[j], bound, values)
                out.append((index, values))
                # The exact values carry the float64 error of their product besides.
                new_slack[j] = rounding + f64_error
        return out, new_slack


# fastmath: the bounds' float64 rounding errors, in any order of evaluation, are a few
# F64_EPS of their terms, far inside their allowance (_F64_SLACK); all inputs are finite.
@njit(cache=True, fastmath=True)
def _renew_bounds(bound, zc, slack, scale, inv_delta, perp, coord_error, tol, norms, residuals):
    """Overwrite ``bound`` with the bounds of w_new.t; returns the largest |bound|."""
    largest = 0.0
    for i in range(len(bound)):
        b = (
            scale * (np.float64(bound[i]) + slack)
            + tol
            + inv_delta * (np.float64(zc[i]) + residuals[i] * perp + coord_error * norms[i])
        )
        bound[i] = b
        largest = max(largest, abs(b))
    return largest


@njit(cache=True)
def _above(bound, cutoff, out_idx):
    """Rows whose bound is at least ``cutoff``, in ``out_idx``; returns their count, or -1
    when there are more than ``len(out_idx)``."""
    count = 0
    for i in range(len(bound)):
        if bound[i] >= cutoff:
            if count == len(out_idx):
                return -1
            out_idx[count] = i
            count += 1
    return count


# fastmath lets the sum vectorise: its float64 error bound holds in any order.
@njit(cache=True, fastmath=True)
def _price_rows(source, index, mean, w, bound, out_val):
    """Exact (float64) centred products of the rows ``index`` with ``w``, written to
    ``out_val`` and over their bounds."""
    for r in range(len(index)):
        i = index[r]
        acc = 0.0
        for col in range(source.shape[1]):
            acc += (np.float64(source[i, col]) - mean[col]) * w[col]
        out_val[r] = acc
        bound[i] = acc
