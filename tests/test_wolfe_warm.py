"""The compiled, warm-started Wolfe solver against independent solutions of the same QP.

References: HiGHS's QP over all points with explicit coordinates (``naive.full_qp_distance``,
a different formulation: n + d variables), and scipy's membership LP for points inside.
"""

import numpy as np
import pytest

from hullgen.hull import qp, wolfe_warm
from hullgen.hull.naive import full_qp_distance, membership_lp

NO_START = np.zeros(0, dtype=np.int64)


def _solve(P, start=NO_START, start_weights=None):
    G = P @ P.T
    scale = G.diagonal().max()
    weights, status = wolfe_warm.wolfe_gram(
        G / scale,
        start,
        np.zeros(0) if start_weights is None else start_weights,
        qp.WOLFE_TOL,
        50 * len(P) + 100,
    )
    return weights, status


def _check(P, weights):
    """Weights on the simplex, and the distance of HiGHS's full QP to 1e-9 (relative)."""
    assert (weights >= 0).all() and abs(weights.sum() - 1) < 1e-12
    ref, _, status = full_qp_distance(P, np.zeros(P.shape[1]), time_limit=30)
    assert status == "Optimal"
    dist = float(np.linalg.norm(weights @ P))
    assert abs(dist - ref) <= 1e-9 * max(ref, 1e-12 * np.abs(P).max()), (dist, ref)


@pytest.mark.parametrize(("k", "d"), [(30, 5), (60, 20), (80, 50), (40, 200)])
def test_random_sets_match_the_full_qp(k, d):
    rng = np.random.default_rng(k + d)
    P = rng.normal(size=(k, d)) + 2.0  # the origin lies outside
    weights, status = _solve(P)
    assert status == wolfe_warm.OPTIMAL
    _check(P, weights)


def test_duplicated_points_are_no_obstacle():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(25, 12)) + 1.5
    P = np.vstack([base, base[:10], base[:3]])  # 13 duplicates
    weights, status = _solve(P)
    assert status == wolfe_warm.OPTIMAL
    _check(P, weights)


def test_nearest_point_inside_a_face_with_extra_points_on_it():
    """The nearest point is the centre of a square face; more points lie on that face and
    beyond it (an affinely dependent face): distance exactly 1."""
    rng = np.random.default_rng(2)
    square = np.array([[1, -1, -1], [1, 1, -1], [1, -1, 1], [1, 1, 1]], dtype=float)
    on_face = np.column_stack([np.ones(6), rng.uniform(-1, 1, size=(6, 2))])
    behind = np.column_stack([rng.uniform(1.5, 3, 10), rng.uniform(-1, 1, size=(10, 2))])
    P = np.vstack([square, on_face, behind])
    weights, status = _solve(P)
    assert status == wolfe_warm.OPTIMAL
    assert abs(np.linalg.norm(weights @ P) - 1.0) < 1e-12
    _check(P, weights)


def test_origin_inside_ends_near_zero_or_reports_failure():
    """Inside, the affine minimiser reaches 0 and a further point is dependent: either the
    point found is ~0 (what the solver then hands to the membership LP), or a failure is
    reported, never a wrong positive distance."""
    rng = np.random.default_rng(3)
    P = rng.normal(size=(40, 6))
    assert membership_lp(P, np.zeros(6))[0]
    weights, status = _solve(P)
    dist = float(np.linalg.norm(weights @ P))
    assert status == wolfe_warm.DEPENDENT or dist < 1e-7 * np.abs(P).max()


@pytest.mark.parametrize("d", [20, 50])
@pytest.mark.parametrize("side", [1.0, -1.0])
def test_a_hair_from_a_facet(d, side):
    """The origin 1e-4 from a facet of d points, outside (side 1) or inside (side -1)."""
    rng = np.random.default_rng(d)
    facet = np.column_stack([np.ones(d), rng.normal(size=(d, d - 1))])
    facet[:, 1:] -= facet[:, 1:].mean(axis=0)  # the facet's centroid is (1, 0, ..., 0)
    apex = np.zeros((1, d))
    apex[0, 0] = 3.0
    P = np.vstack([facet, apex])
    P[:, 0] -= 1.0 - side * 1e-4  # move the origin to 1e-4 before / behind the facet
    weights, status = _solve(P)
    if side > 0:
        assert status == wolfe_warm.OPTIMAL
        _check(P, weights)
        assert abs(np.linalg.norm(weights @ P) - 1e-4) < 1e-12
    else:
        assert membership_lp(P, np.zeros(d))[0]
        dist = float(np.linalg.norm(weights @ P))
        assert status == wolfe_warm.DEPENDENT or dist < 1e-9


def test_warm_start_gives_the_cold_answer():
    rng = np.random.default_rng(4)
    P = rng.normal(size=(120, 30)) + 1.0
    cold, _ = _solve(P)
    half, _ = _solve(P[:60])
    support = np.flatnonzero(half > 0)
    warm, status = _solve(P, support, half[support])
    assert status == wolfe_warm.OPTIMAL
    assert abs(np.linalg.norm(warm @ P) - np.linalg.norm(cold @ P)) < 1e-12
    _check(P, warm)


def test_a_dependent_warm_start_falls_back_to_a_cold_start():
    """A start set that is not affinely independent (HiGHS's support can be) is dropped."""
    rng = np.random.default_rng(5)
    P = rng.normal(size=(30, 4)) + 2.0
    P[5] = 0.5 * (P[0] + P[1])  # on the segment: dependent on {0, 1}
    weights, status = _solve(P, np.array([0, 1, 5]), np.array([0.3, 0.3, 0.4]))
    assert status == wolfe_warm.OPTIMAL
    _check(P, weights)


def test_solve_restricted_reports_which_solver_answered(monkeypatch):
    rng = np.random.default_rng(6)
    P = rng.normal(size=(20, 8)) + 1.5
    Q = P @ P.T
    Q /= Q.diagonal().max()
    calls = []

    def highs():
        calls.append(1)
        from hullgen.hull.highs import new_highs

        return new_highs(10.0)

    assert qp.solve_restricted(highs, Q).solver == "wolfe" and not calls
    assert qp.solve_restricted(highs, Q, exact=True).solver == "mnp"
    monkeypatch.setattr(
        qp.wolfe_warm, "wolfe_gram", lambda *a: (np.full(len(Q), 1 / len(Q)), wolfe_warm.DEPENDENT)
    )
    answer = qp.solve_restricted(highs, Q)
    assert answer.solver == "highs" and calls
    _check(P, answer.weights)
