"""Wolfe's minimum-norm-point algorithm (Wolfe 1976), exact, on a Gram matrix: the last
fallback of the restricted solves (least squares at every step: slow, never unstable). The
fast path is the compiled, warm-started version of :mod:`hullgen.hull.wolfe_warm`.

Finds the point of conv(p_1..p_k) nearest to the origin, given only G = [p_i . p_j]. It is an
exact active-set method that keeps the corral affinely independent, so it does not stall on
rank-deficient or duplicated points; it serves as the fallback for small restricted problems.
"""

from __future__ import annotations

import numpy as np


def _affine_min_norm(G_SS: np.ndarray) -> np.ndarray:
    """Weights (summing to 1) of the min-norm point of the affine hull of the corral."""
    s = len(G_SS)
    kkt = np.zeros((s + 1, s + 1))
    kkt[:s, :s] = G_SS
    kkt[:s, s] = 1.0
    kkt[s, :s] = 1.0
    rhs = np.zeros(s + 1)
    rhs[s] = 1.0
    return np.linalg.lstsq(kkt, rhs, rcond=None)[0][:s]


def min_norm_point(G: np.ndarray, tol: float = 1e-12, max_iter: int | None = None) -> np.ndarray:
    """Weights ``a`` (>= 0, summing to 1) minimising ``a^T G a``.

    ``tol`` is relative to the largest squared norm ``max(diag(G))``.
    """
    G = np.asarray(G, dtype=np.float64)
    k = len(G)
    scale = max(float(np.max(np.diag(G))), np.finfo(float).tiny)
    eps = tol * scale
    corral = [int(np.argmin(np.diag(G)))]
    lam = np.ones(1)
    max_iter = max_iter or 50 * k + 100
    for _ in range(max_iter):
        gx = G[:, corral] @ lam  # p_i . x for all i
        xx = float(lam @ gx[corral])
        j = int(np.argmin(gx))
        # Optimal when no point is below the hyperplane through x orthogonal to x.
        if gx[j] >= xx - eps or j in corral:
            break
        corral.append(j)
        lam = np.append(lam, 0.0)
        while True:  # minor cycle: move to the affine minimiser, dropping points that hit 0
            mu = _affine_min_norm(G[np.ix_(corral, corral)])
            if np.all(mu > 1e-15):
                lam = mu
                break
            neg = mu <= 1e-15
            theta = np.min(lam[neg] / (lam[neg] - mu[neg]))
            lam = lam + theta * (mu - lam)
            keep = lam > 1e-15
            keep[np.argmax(lam)] = True
            corral = [c for c, kept in zip(corral, keep, strict=True) if kept]
            lam = lam[keep]
            lam /= lam.sum()
    weights = np.zeros(k)
    weights[corral] = lam
    return weights
