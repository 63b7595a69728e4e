"""The Legendre-boundary study: basis, programs, fits and the study table."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from numpy.polynomial import legendre as leg
from scipy import integrate, optimize

from hullgen.experiments.legendre import study as L
from hullgen.experiments.legendre.program import INF, solve

from .helpers.studies import LEGENDRE_OPTIONS as OPTIONS


def _bonnet(t, terms):
    """P_0..P_{terms-1} by Bonnet's recursion, independently of numpy."""
    P = [np.ones_like(t), t]
    for n in range(1, terms - 1):
        P.append(((2 * n + 1) * t * P[n] - n * P[n - 1]) / (n + 1))
    return np.stack(P[:terms], axis=1)


def _training_points(options=OPTIONS):
    g = L.true_boundary(options)
    rng = np.random.default_rng(options.seed)
    return L.sample(g, options.train_interval, options.n_train, 0.3, 0.02, rng)


# -- basis -----------------------------------------------------------------------------------
def test_basis_against_numpy_and_bonnet_recursion():
    t = np.linspace(-1.7, 1.7, 41)
    V = L.basis(t, 12)
    np.testing.assert_allclose(V, _bonnet(t, 12), rtol=1e-12, atol=1e-12)
    for k in range(12):
        unit = np.eye(12)[k]
        np.testing.assert_allclose(V[:, k], leg.legval(t, unit), rtol=1e-12, atol=1e-12)


def test_intervals_map_the_training_interval_onto_minus_one_one():
    iv = L.Intervals(2.0, 6.0, 0.0, 10.0)
    np.testing.assert_allclose(iv.t([2.0, 4.0, 6.0]), [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(iv.s([0.0, 5.0, 10.0]), [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(iv.x_of_s(iv.s([1.3, 7.1])), [1.3, 7.1])


@pytest.mark.parametrize("order", [1, 2])
def test_derivative_matrix_and_gram_against_quadrature(order):
    terms = 7
    D = L.derivative_matrix(terms, order)
    c = np.random.default_rng(1).normal(size=terms)
    np.testing.assert_allclose(D @ c, np.pad(leg.legder(c, order), (0, order)), atol=1e-12)
    G = L.gram(terms, order, -0.4, 1.3)
    value, _ = integrate.quad(lambda t: leg.legval(t, leg.legder(c, order)) ** 2, -0.4, 1.3)
    assert c @ G @ c == pytest.approx(value, rel=1e-10)


# -- the program solver ----------------------------------------------------------------------
def test_program_solver_on_problems_with_known_answers():
    lp = solve(np.array([1.0, 1.0]), np.array([[1, 2], [3, 1.0]]), [2, 3], [INF, INF], [0, 0])
    assert lp.status == "optimal"
    np.testing.assert_allclose(lp.x, [0.8, 0.6], atol=1e-9)
    qp = solve(np.array([1.0, 0]), np.array([[1, 1.0]]), [2], [INF], hessian=[[2, 1], [1, 2.0]])
    np.testing.assert_allclose(qp.x, [0.5, 1.5], atol=1e-6)
    assert qp.objective == pytest.approx(3.75, rel=1e-6)
    assert solve(np.zeros(1), np.ones((2, 1)), [2, -INF], [INF, 1]).status == "infeasible"


# -- fits ------------------------------------------------------------------------------------
def test_under_parameterized_fit_is_reported_infeasible_for_every_regime():
    x, y, side = _training_points()
    iv = L.intervals_of(OPTIONS)
    for regime in L.REGIMES:
        fitted = L.fit(regime, 2, x, y, side, iv, OPTIONS)
        assert fitted.status == "infeasible"
        assert fitted.coefficients is None
    # Independently: no line c0 + c1 t puts every point on its side with the margin.
    A = -side[:, None] * L.basis(iv.t(x), 2)
    b = OPTIONS.margin - side * y
    res = optimize.linprog(np.zeros(2), A_ub=-A, b_ub=-b, bounds=[(None, None)] * 2)
    assert res.status == 2  # infeasible


@pytest.mark.parametrize("regime", L.REGIMES)
def test_over_parameterized_fits_satisfy_every_margin_constraint(regime):
    x, y, side = _training_points()
    iv = L.intervals_of(OPTIONS)
    fitted = L.fit(regime, 64, x, y, side, iv, OPTIONS)
    assert fitted.status == "optimal"
    margins = side * (y - fitted(iv, x))
    assert margins.min() >= OPTIONS.margin - 1e-6
    # The reported training-interval coefficients describe the same boundary there.
    np.testing.assert_allclose(
        leg.legval(iv.t(x), fitted.coefficients), fitted(iv, x), rtol=1e-6, atol=1e-6
    )


def test_min_norm2_against_its_dual_solved_by_scipy():
    x, y, side = _training_points()
    iv = L.intervals_of(OPTIONS)
    terms = 24
    fitted = L.fit("min_norm2", terms, x, y, side, iv, OPTIONS)
    # min 1/2 |c|^2 s.t. A c >= b  <=>  c = A^T l, l = argmin_{l>=0} 1/2 |A^T l|^2 - b.l
    A = -side[:, None] * L.basis(iv.t(x), terms)
    b = OPTIONS.margin - side * y
    dual = optimize.minimize(
        lambda lam: (0.5 * np.sum((A.T @ lam) ** 2) - b @ lam, A @ (A.T @ lam) - b),
        np.zeros(len(b)),
        jac=True,
        bounds=[(0, None)] * len(b),
        method="L-BFGS-B",
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 20000},
    )
    np.testing.assert_allclose(fitted.coefficients, A.T @ dual.x, atol=2e-4)


def test_min_norm1_against_scipy_linprog():
    x, y, side = _training_points()
    iv = L.intervals_of(OPTIONS)
    terms = 16
    fitted = L.fit("min_norm1", terms, x, y, side, iv, OPTIONS)
    A = -side[:, None] * L.basis(iv.t(x), terms)
    b = OPTIONS.margin - side * y
    # |c| <= u elementwise, minimise sum(u): variables (c, u).
    eye = np.eye(terms)
    res = optimize.linprog(
        np.concatenate([np.zeros(terms), np.ones(terms)]),
        A_ub=np.block([[-A, np.zeros_like(A)], [eye, -eye], [-eye, -eye]]),
        b_ub=np.concatenate([-b, np.zeros(2 * terms)]),
        bounds=[(None, None)] * (2 * terms),
    )
    assert res.status == 0
    assert np.abs(fitted.coefficients).sum() == pytest.approx(res.fun, rel=1e-6)


def test_max_margin_is_at_least_every_other_regimes_margin():
    x, y, side = _training_points()
    iv = L.intervals_of(OPTIONS)
    best = L.fit("max_margin", 12, x, y, side, iv, OPTIONS)
    for regime in ("min_norm2", "min_norm1", "min_slope"):
        other = L.fit(regime, 12, x, y, side, iv, OPTIONS)
        if np.abs(other.coefficients).max() <= OPTIONS.max_coef:
            assert best.achieved_margin >= other.achieved_margin - 1e-7


def test_flat_extension_stays_near_a_line_outside_where_min_norm2_does_not():
    x, y, side = _training_points()
    iv = L.intervals_of(OPTIONS)
    outside = np.linspace(1.05, 1.5, 50)
    flat = L.fit("flat_extension", 40, x, y, side, iv, OPTIONS)(iv, outside)
    wild = L.fit("min_norm2", 40, x, y, side, iv, OPTIONS)(iv, outside)
    residual = lambda f: np.abs(f - np.polyval(np.polyfit(outside, f, 1), outside)).max()  # noqa: E731
    assert residual(flat) < 0.05
    assert residual(wild) > 100 * residual(flat)


# -- the study -------------------------------------------------------------------------------
def test_study_table_round_trips_through_parquet(tmp_path):
    data, table = L.run_study(OPTIONS)
    assert len(data) == OPTIONS.n_train + OPTIONS.n_test
    assert len(table) == len(OPTIONS.terms) * len(L.REGIMES)
    assert set(table.loc[table["terms"] <= 2, "status"]) == {"infeasible"}
    assert set(table.loc[table["terms"] == 64, "status"]) == {"optimal"}
    assert (table.loc[table["terms"] == 64, "margin_violations"] == 0).all()
    table.to_parquet(tmp_path / "fits.parquet")
    back = pd.read_parquet(tmp_path / "fits.parquet")
    iv = L.intervals_of(OPTIONS)
    xs = np.linspace(-1.5, 1.5, 7)
    for (_, a), (_, b) in zip(table.iterrows(), back.iterrows(), strict=True):
        if a["status"] == "optimal":
            np.testing.assert_array_equal(L.fit_from_row(a)(iv, xs), L.fit_from_row(b)(iv, xs))
    optimal = table["status"] == "optimal"
    assert table.loc[optimal, "g_disagreement_outside"].between(0, 1).all()
    assert table.loc[~optimal, "g_disagreement_outside"].isna().all()


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"test_interval": [-0.5, 1.5]}, "test_interval"),
        ({"train_interval": [1.0, -1.0]}, "train_interval"),
        ({"margin": 0.5}, "margin < gap < spread"),
        ({"regimes": ["min_norm3"]}, "min_norm3"),
        ({"boundary": "cosine"}, "cosine"),
    ],
)
def test_bad_options_name_the_key(change, needle):
    with pytest.raises(ValueError, match=needle):
        L.run_study(dataclasses.replace(OPTIONS, **change))
