"""The hull solver in tests: its answers checked against independent solutions, and its
compiled pool loop made to hand every query back to the Python path."""

from __future__ import annotations

import numpy as np

from hullgen.hull.naive import full_qp_distance, membership_lp
from hullgen.hull.wolfe_exact import min_norm_point

REL = 1e-7


def reference_distance(train, x):
    """One full QP in HiGHS; Wolfe's algorithm over all points if HiGHS does not finish."""
    ref, _, status = full_qp_distance(train, x, time_limit=30)
    if status == "Optimal":
        return ref
    P = train - x
    weights = min_norm_point(P @ P.T)
    return float(np.linalg.norm(weights @ P))


def pool_loop_hands_back(monkeypatch) -> None:
    """Make the solver's compiled pool loop hand every query straight back, as it does when
    its Wolfe solve fails: the Python loop (the reference path, and the fallback) does all
    the work, through :mod:`hullgen.hull.qp`, where a test can make solvers fail."""
    from hullgen.hull import pool

    def hand_back(x, work, weights, diffs, gram, *rest):
        return pool.HAND_BACK, 0, work, weights, diffs, gram, np.zeros(len(x)), -1.0

    monkeypatch.setattr(pool, "pool_rounds", hand_back)


def check_against_reference(train, queries, result, inside_ok=False):
    """Each query's distance equals an independent full QP's (to REL), its bounds bracket it,
    and its support reproduces the nearest point; a point inside is confirmed by the LP."""
    for i, x in enumerate(queries):
        dist, lower = result.distance[i], result.lower_bound[i]
        scale = np.abs(train).max() + np.abs(x).max()
        if result.status[i] == "inside":
            assert inside_ok, f"query {i} unexpectedly inside"
            assert dist == 0 and lower == 0
            assert membership_lp(train, x)[0]
            continue
        assert result.status[i] == "certified", (i, result.status[i])
        ref = reference_distance(train, x)
        assert abs(dist - ref) <= REL * ref, (i, dist, ref)
        # The certificate brackets the independent value (reference accurate to ~1e-10).
        assert lower <= ref * (1 + 1e-9) + 1e-12 * scale
        assert ref <= dist * (1 + 1e-9) + 1e-12 * scale
        # The support is a convex combination reproducing the projection.
        idx, weights = result.support(i)
        assert np.all(weights > 0) and abs(weights.sum() - 1) < 1e-12
        p = weights @ train[idx]
        assert abs(np.linalg.norm(x - p) - dist) <= 1e-9 * max(dist, 1)
