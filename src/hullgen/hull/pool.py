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


# Slack rows a working set's buffer holds beyond its points, in growths of add_per_round:
# a growth writes into it in place, and a full buffer is reallocated with this slack again.
SLACK_GROWTHS = 2


def capacity(k: int, add_per_round: int) -> int:
    """Rows of the buffer for a working set of ``k`` points (:data:`SLACK_GROWTHS`)."""
    return k + SLACK_GROWTHS * add_per_round


@njit(cache=True)
def _kept_order(weights):
    """Old positions of the points of positive weight, in their new positions: a point in
    the first m (their number) stays where it is and each dropped point's slot there takes
    a kept point from above m, so that a growth moves as few rows as points were dropped."""
    k = len(weights)
    m = 0
    for i in range(k):
        m += weights[i] > 0
    order = np.empty(m, dtype=np.int64)
    above = k - 1
    for i in range(m):
        if weights[i] > 0:
            order[i] = i
        else:
            while not weights[above] > 0:
                above -= 1
            order[i] = above
            above -= 1
    return order


@njit(cache=True)
def grow(x, work, weights, diffs, gram, pool_idx, pool_pts, values, threshold, add_per_round):
    """The working set grown by the ``add_per_round`` pool points of largest ``values``
    above ``threshold`` that are not in it yet, less its points of zero weight.

    ``diffs`` is the working set's buffer: its first ``len(work)`` rows are t_i - x, in the
    order of ``work``; the growth writes into it in place (a full buffer is replaced by a
    larger one), so that only the new rows cost a product.

    Returns ``added`` (0, with the inputs, when no pool point qualifies) and the new
    ``work``, ``weights`` (0 for the new points: the hull point is unchanged until the next
    solve), ``diffs`` (the new rows computed from ``pool_pts``: no second gather) and
    ``gram`` (grown by the new rows' products only). The points kept stay in place but for
    those moved into the dropped points' slots; the new ones follow them.
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
        return 0, work, weights, diffs, gram
    fresh = fresh[:n_fresh]
    # Largest values first, the earlier pool position first among equals (as a stable sort).
    fresh = fresh[np.argsort(-values[fresh], kind="mergesort")][:add_per_round]
    order = _kept_order(weights)
    m, a = len(order), len(fresh)
    if m + a > diffs.shape[0]:
        larger = np.empty((m + a + SLACK_GROWTHS * add_per_round, diffs.shape[1]))
        for i in range(m):
            larger[i] = diffs[order[i]]
        diffs = larger
    else:
        for i in range(m):
            if order[i] != i:
                diffs[i] = diffs[order[i]]
    new_work = np.empty(m + a, dtype=np.int64)
    new_weights = np.zeros(m + a)
    for i in range(m):
        new_work[i] = work[order[i]]
        new_weights[i] = weights[order[i]]
    for i in range(a):
        new_work[m + i] = pool_idx[fresh[i]]
        diffs[m + i] = pool_pts[fresh[i]] - x
    new_gram = np.empty((m + a, m + a))
    for i in range(m):
        for j in range(m):
            new_gram[i, j] = gram[order[i], order[j]]
    kept, added = diffs[:m], diffs[m : m + a]
    cross = kept @ added.T
    new_gram[:m, m:] = cross
    new_gram[m:, :m] = cross.T
    new_gram[m:, m:] = added @ added.T
    return a, new_work, new_weights, diffs, new_gram


@njit(cache=True)
def pool_rounds(
    x, work, weights, diffs, gram, pool_idx, pool_pts, add_per_round, max_inner, inside_tol, tol
):
    """Solve, price the pool, grow; repeated until no pool point violates.

    Parameters
    ----------
    x : (d,) float64, the query (centred).
    work, weights, diffs, gram : the working set (training indices), its weights (an empty
        array before the first solve), its buffer of float64 rows minus ``x`` (the first
        ``len(work)`` rows; see :func:`grow`) and their Gram matrix.
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
    work, weights, diffs, gram : the working set after the last step.
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
            return HAND_BACK, solves, work, weights, diffs, gram, p, ub
        start = np.flatnonzero(weights > 0) if len(weights) == k else np.zeros(0, np.int64)
        start_weights = weights[start] if len(weights) == k else np.zeros(0)
        new_weights, status = wolfe_warm.wolfe_gram(
            gram / scale_sq, start, start_weights, tol, 50 * k + 100
        )
        if status != wolfe_warm.OPTIMAL:
            return HAND_BACK, solves, work, weights, diffs, gram, p, ub
        new_weights = np.maximum(new_weights, 0.0)
        total = new_weights.sum()
        if not np.isfinite(total) or total <= 0.0:
            return HAND_BACK, solves, work, weights, diffs, gram, p, ub
        new_weights /= total
        # r = x - p = -sum_i weight_i (t_i - x), accumulated in place.
        r = np.zeros(len(x))
        for i in range(k):
            weight = new_weights[i]
            if weight > 0:
                for j in range(len(x)):
                    r[j] -= weight * diffs[i, j]
        new_p = x - r
        new_ub = np.sqrt(np.dot(r, r))
        if new_ub <= inside_tol * np.sqrt(scale_sq):
            return HAND_BACK, solves, work, weights, diffs, gram, p, ub
        weights, p, ub = new_weights, new_p, new_ub
        w = r / ub
        values = pool_pts @ w
        threshold = np.dot(w, p) + 1e-12 * ub
        added, work, weights, diffs, gram = grow(
            x, work, weights, diffs, gram, pool_idx, pool_pts, values, threshold, add_per_round
        )
        if added == 0:
            return POOL_DONE, solves + 1, work, weights, diffs, gram, p, ub
    return POOL_DONE, max_inner, work, weights, diffs, gram, p, ub


def warm_up() -> None:
    """Compile (or load from numba's cache) before forking, so workers inherit the code."""
    rows = np.array([[1.0, 0.0], [0.0, 1.0]])
    x = np.array([1.0, 1.0])
    diffs = np.vstack([rows - x, np.zeros((2, 2))])
    gram = diffs[:2] @ diffs[:2].T
    pool_rounds(x, np.arange(2), np.zeros(0), diffs, gram, np.arange(2), rows, 1, 2, 1e-7, 1e-12)
