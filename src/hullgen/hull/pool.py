"""Column generation against one round's candidate pool, compiled.

Between two full passes a query solves its restricted problem, prices the pool of
candidates the last pass kept, and grows its working set by the pool points that violate,
until none does (:meth:`hullgen.hull.working_set.WorkingSets.converge`). Each step is small
(a few dozen rows, a Gram matrix of a few dozen), so in Python and numpy the time went to
the calls around them: this module runs the whole loop in one compiled function, with the
restricted solves by the compiled Wolfe method of :mod:`hullgen.hull.wolfe_warm`.

It stops, and hands the query back to the Python loop unchanged since its last step, at the
first solve it cannot finish itself: Wolfe's method reports a failure (the fallbacks are
HiGHS and the exact least-squares method), or the distance falls to ~0 (the membership LP)
or to exactly 0. The Python loop then repeats that solve its own way and carries on.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hullgen.hull import wolfe_warm

# What pool_rounds returns: the pool is exhausted (no pool point violates, or max_inner
# solves were made); or the last solve is the Python loop's to make (HAND_BACK).
POOL_DONE, HAND_BACK = 0, 1


@njit(cache=True)
def grow(x, work, weights, rows, gram, pool_idx, pool_pts, values, threshold, add_per_round):
    """The working set grown by the ``add_per_round`` pool points of largest ``values``
    above ``threshold`` that are not in it yet, less its points of zero weight.

    Returns ``added`` (0, with the inputs, when no pool point qualifies) and the new
    ``work``, ``weights`` (0 for the new points: the hull point is unchanged until the next
    solve), ``rows`` (the new ones copied from ``pool_pts``: no second gather) and ``gram``
    (grown by the new rows' products only).
    """
    c = len(pool_idx)
    in_work = np.zeros(c, dtype=np.bool_)
    for j in range(c):
        for i in range(len(work)):
            if work[i] == pool_idx[j]:
                in_work[j] = True
                break
    fresh = np.empty(c, dtype=np.int64)
    n_fresh = 0
    for j in range(c):
        if values[j] > threshold and not in_work[j]:
            fresh[n_fresh] = j
            n_fresh += 1
    if n_fresh == 0:
        return 0, work, weights, rows, gram
    fresh = fresh[:n_fresh]
    # Largest values first, the earlier pool position first among equals (as a stable sort).
    fresh = fresh[np.argsort(-values[fresh], kind="mergesort")][:add_per_round]
    keep = np.flatnonzero(weights > 0)
    m, a = len(keep), len(fresh)
    new_work = np.empty(m + a, dtype=np.int64)
    new_weights = np.zeros(m + a)
    new_rows = np.empty((m + a, rows.shape[1]))
    for i in range(m):
        new_work[i] = work[keep[i]]
        new_weights[i] = weights[keep[i]]
        new_rows[i] = rows[keep[i]]
    for i in range(a):
        new_work[m + i] = pool_idx[fresh[i]]
        new_rows[m + i] = pool_pts[fresh[i]]
    diff = new_rows - x
    new_gram = np.empty((m + a, m + a))
    for i in range(m):
        for j in range(m):
            new_gram[i, j] = gram[keep[i], keep[j]]
    cross = diff[:m] @ diff[m:].T
    new_gram[:m, m:] = cross
    new_gram[m:, :m] = cross.T
    new_gram[m:, m:] = diff[m:] @ diff[m:].T
    return a, new_work, new_weights, new_rows, new_gram


@njit(cache=True)
def pool_rounds(
    x, work, weights, rows, gram, pool_idx, pool_pts, add_per_round, max_inner, inside_tol, tol
):
    """Solve, price the pool, grow; repeated until no pool point violates.

    Parameters
    ----------
    x : (d,) float64, the query (centred).
    work, weights, rows, gram : the working set (training indices), its weights (an empty
        array before the first solve), its float64 rows (centred, like ``x``) and the Gram
        matrix of ``rows - x``.
    pool_idx, pool_pts : the pool's training indices and float64 rows.
    add_per_round, max_inner : as in ``HullDistance``.
    inside_tol : a distance at or below ``inside_tol`` times the working set's scale is
        handed back (the membership LP decides it).
    tol : Wolfe's relative optimality tolerance.

    Returns
    -------
    status : ``POOL_DONE`` or ``HAND_BACK`` (the next solve is the caller's; the state is
        that before it).
    solves : restricted solves made.
    work, weights, rows, gram : the working set after the last step.
    p, ub : the hull point of the last solve and its distance to ``x`` (ub < 0 before any).
    """
    p = np.zeros(len(x))
    ub = -1.0
    for solves in range(max_inner):
        k = len(work)
        scale_sq = 0.0
        for i in range(k):
            scale_sq = max(scale_sq, gram[i, i])
        if scale_sq == 0.0:
            return HAND_BACK, solves, work, weights, rows, gram, p, ub
        start = np.flatnonzero(weights > 0) if len(weights) == k else np.zeros(0, np.int64)
        start_weights = weights[start] if len(weights) == k else np.zeros(0)
        new_weights, status = wolfe_warm.wolfe_gram(
            gram / scale_sq, start, start_weights, tol, 50 * k + 100
        )
        if status != wolfe_warm.OPTIMAL:
            return HAND_BACK, solves, work, weights, rows, gram, p, ub
        new_weights = np.maximum(new_weights, 0.0)
        total = new_weights.sum()
        if not np.isfinite(total) or total <= 0.0:
            return HAND_BACK, solves, work, weights, rows, gram, p, ub
        new_weights /= total
        new_p = np.zeros(len(x))
        for i in range(k):
            if new_weights[i] > 0:
                new_p += new_weights[i] * rows[i]
        r = x - new_p
        new_ub = np.sqrt(np.dot(r, r))
        if new_ub <= inside_tol * np.sqrt(scale_sq):
            return HAND_BACK, solves, work, weights, rows, gram, p, ub
        weights, p, ub = new_weights, new_p, new_ub
        w = r / ub
        values = pool_pts @ w
        threshold = np.dot(w, p) + 1e-12 * ub
        added, work, weights, rows, gram = grow(
            x, work, weights, rows, gram, pool_idx, pool_pts, values, threshold, add_per_round
        )
        if added == 0:
            return POOL_DONE, solves + 1, work, weights, rows, gram, p, ub
    return POOL_DONE, max_inner, work, weights, rows, gram, p, ub


def warm_up() -> None:
    """Compile (or load from numba's cache) before forking, so workers inherit the code."""
    rows = np.array([[1.0, 0.0], [0.0, 1.0]])
    x = np.array([1.0, 1.0])
    diff = rows - x
    pool_rounds(
        x, np.arange(2), np.zeros(0), rows, diff @ diff.T, np.arange(2), rows, 1, 2, 1e-7, 1e-12
    )
