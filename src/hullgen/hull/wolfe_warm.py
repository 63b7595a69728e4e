"""Wolfe's minimum-norm-point algorithm, compiled, warm-started, on a Gram matrix.

The restricted problem of column generation (:mod:`hullgen.hull.qp`) is solved a few times
per query, each time over the previous working set plus a few new points. HiGHS solves each
from cold in about 1 ms, mostly setup; this active-set method keeps the previous solution's
support (its "corral") as the start, so a solve costs a few corral changes, each an update of
one Cholesky factor: tens of microseconds.

The corral S is kept affinely independent, so ``M = G_SS + 1 1^T`` is positive definite and
the nearest point of S's affine hull to the origin has weights proportional to ``M^-1 1``
(Wolfe 1976; the bordered form avoids the singular KKT system of the plain Gram matrix).
Points join by Cholesky bordering and leave by refactoring, which costs O(|S|^3) but is rare.

Returns a status besides the weights, never a silent failure: when the factor loses positive
definiteness (a near-dependent point, from rounding) or the iteration limit is hit, the
caller falls back to HiGHS and, past that, to the exact least-squares version in
:mod:`hullgen.hull.wolfe_exact`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

OPTIMAL, DEPENDENT, ITERATION_LIMIT = 0, 1, 2
# Weights at or below this are zero (the point leaves the corral).
WEIGHT_FLOOR = 1e-15
# A new Cholesky pivot below this share of its diagonal entry means affine dependence.
PIVOT_FLOOR = 1e-13


@njit(cache=True)
def _append(G, L, S, s, j):
    """Border the factor of M_SS with point j; False when the pivot is (numerically) 0."""
    m_jj = G[j, j] + 1.0
    rest = m_jj
    for i in range(s):
        acc = G[S[i], j] + 1.0
        for q in range(i):
            acc -= L[i, q] * L[s, q]
        L[s, i] = acc / L[i, i]
        rest -= L[s, i] * L[s, i]
    if rest <= PIVOT_FLOOR * m_jj:
        return False
    L[s, s] = np.sqrt(rest)
    S[s] = j
    return True


@njit(cache=True)
def _affine_weights(L, s, out):
    """Weights (summing to 1) of the nearest point of the corral's affine hull: M mu = 1."""
    for i in range(s):  # forward: L y = 1
        acc = 1.0
        for q in range(i):
            acc -= L[i, q] * out[q]
        out[i] = acc / L[i, i]
    for i in range(s - 1, -1, -1):  # back: L^T mu = y
        acc = out[i]
        for q in range(i + 1, s):
            acc -= L[q, i] * out[q]
        out[i] = acc / L[i, i]
    total = 0.0
    for i in range(s):
        total += out[i]
    for i in range(s):
        out[i] /= total


@njit(cache=True)
def _refactor(G, L, S, s):
    """Factor M_SS afresh for the corral S[:s]; the number of points kept (s when all are)."""
    kept = 0
    for i in range(s):
        if _append(G, L, S, kept, S[i]):
            kept += 1
    return kept


@njit(cache=True)
def wolfe_gram(G, start, start_weights, tol, max_iter):
    """Weights ``a`` (>= 0, summing to 1) minimising ``a^T G a``, and a status.

    Parameters
    ----------
    G : (k, k) float64 Gram matrix of the points (positive semidefinite).
    start : int64 array of positions forming the starting corral (may be empty), e.g. the
        support of the previous solution; dropped for a cold start if not affinely
        independent.
    start_weights : their positive weights (any scale; they are normalised).
    tol : optimality tolerance relative to ``max(diag(G))``.
    max_iter : limit on points joining the corral.

    Returns
    -------
    weights : (k,) float64.
    status : ``OPTIMAL``, ``DEPENDENT`` or ``ITERATION_LIMIT``.
    """
    k = G.shape[0]
    scale = 0.0
    for i in range(k):
        scale = max(scale, G[i, i])
    eps = tol * max(scale, 1e-300)
    L = np.zeros((k + 1, k + 1))
    S = np.empty(k + 1, dtype=np.int64)
    lam = np.zeros(k + 1)
    mu = np.zeros(k + 1)
    in_corral = np.zeros(k, dtype=np.bool_)
    s = 0
    total = 0.0
    for i in range(len(start)):
        if start_weights[i] > 0.0 and not in_corral[start[i]]:
            if not _append(G, L, S, s, start[i]):
                s = 0
                break
            lam[s] = start_weights[i]
            total += start_weights[i]
            in_corral[start[i]] = True
            s += 1
    if s == 0:
        in_corral[:] = False
        best = 0
        for i in range(k):
            if G[i, i] < G[best, best]:
                best = i
        _append(G, L, S, 0, best)
        lam[0], total, s = 1.0, 1.0, 1
        in_corral[best] = True
    for i in range(s):
        lam[i] /= total
    status = ITERATION_LIMIT
    gx = np.empty(k)
    for _ in range(max_iter + 1):
        # Minor cycle: move towards the affine minimiser, dropping points whose weight hits 0.
        while True:
            _affine_weights(L, s, mu)
            theta = 1.0
            for i in range(s):
                if mu[i] <= WEIGHT_FLOOR:
                    theta = min(theta, lam[i] / (lam[i] - mu[i]))
            if theta >= 1.0:
                for i in range(s):
                    lam[i] = mu[i]
                break
            keep, heaviest = 0, 0
            for i in range(s):
                lam[i] += theta * (mu[i] - lam[i])
                if lam[i] > lam[heaviest]:
                    heaviest = i
            for i in range(s):
                if lam[i] > WEIGHT_FLOOR or i == heaviest:
                    S[keep], lam[keep] = S[i], lam[i]
                    keep += 1
                else:
                    in_corral[S[i]] = False
            total = 0.0
            for i in range(keep):
                total += lam[i]
            for i in range(keep):
                lam[i] /= total
            if _refactor(G, L, S, keep) < keep:
                status = DEPENDENT
                break
            s = keep
        if status == DEPENDENT:
            break
        # Major cycle: the point most below the hyperplane through x orthogonal to x.
        for r in range(k):
            acc = 0.0
            for i in range(s):
                acc += G[r, S[i]] * lam[i]
            gx[r] = acc
        xx = 0.0
        for i in range(s):
            xx += lam[i] * gx[S[i]]
        j = 0
        for r in range(1, k):
            if gx[r] < gx[j]:
                j = r
        if gx[j] >= xx - eps or in_corral[j]:
            status = OPTIMAL
            break
        if s == k or not _append(G, L, S, s, j):
            status = DEPENDENT
            break
        in_corral[j] = True
        lam[s] = 0.0
        s += 1
    weights = np.zeros(k)
    for i in range(s):
        weights[S[i]] = lam[i]
    return weights, status


def warm_up() -> None:
    """Compile (or load from numba's cache) before forking, so workers inherit the code."""
    wolfe_gram(np.ones((1, 1)), np.zeros(0, dtype=np.int64), np.zeros(0), 1e-12, 1)
