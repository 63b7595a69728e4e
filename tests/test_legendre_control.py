"""Control of the Legendre boundary outside the training interval, and section 3's verdicts.

The control program is checked against independent computations (scipy's SLSQP on the same
problem, and the unconstrained least-squares fit where it already separates the data); the
bounded measure against its definition; the verdicts on the study's own output and on
control tables made to pass and to fail each criterion.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from numpy.polynomial import legendre as leg
from scipy import optimize

from hullgen.claims import criteria as C
from hullgen.claims.verdict import Verdict
from hullgen.experiments.legendre import control as LC
from hullgen.experiments.legendre import study as L
from hullgen.experiments.legendre import verdicts as LV

from .helpers.studies import LEGENDRE_OPTIONS as OPTIONS


@pytest.fixture(scope="module")
def problem():
    g = L.true_boundary(OPTIONS)
    iv = L.intervals_of(OPTIONS)
    data, _ = L.run_study(dataclasses.replace(OPTIONS, terms=[64]))
    train = L.Points.of_split(data, "train")
    outside = L.outside_of(g, iv, OPTIONS.target_slopes, OPTIONS.spread)
    values = L.targets(g, iv, OPTIONS.target_slopes, outside.x)
    return g, iv, train, outside, values


# -- the bounded measure and the targets -----------------------------------------------------
def test_disagreement_is_the_clipped_area_share_and_bounded():
    box = L.Outside(np.linspace(1.0, 2.0, 11), -2.0, 2.0)
    target = np.zeros(11)
    assert box.disagreement(target, target) == 0.0
    assert box.disagreement(target + 0.4, target) == pytest.approx(0.1)  # 0.4 of height 4
    assert box.disagreement(np.full(11, 1e300), target) == pytest.approx(0.5)  # clipped at 2
    assert box.disagreement(np.full(11, np.inf), target - 2.0) == pytest.approx(1.0)


def test_targets_leave_the_interval_at_g_with_their_outward_slope():
    g = L.true_boundary(OPTIONS)
    iv = L.intervals_of(OPTIONS)
    x = np.array([-1.5, -1.1, 1.2, 1.5])
    values = L.targets(g, iv, [0.0, 2.0], x)
    assert list(values) == ["g", "line slope 0", "line slope 2"]
    np.testing.assert_allclose(values["g"], g(x))
    np.testing.assert_allclose(values["line slope 0"], [g(-1.0), g(-1.0), g(1.0), g(1.0)])
    np.testing.assert_allclose(
        values["line slope 2"], [g(-1.0) + 1.0, g(-1.0) + 0.2, g(1.0) + 0.4, g(1.0) + 1.0]
    )
    grid = L.outside_grid(iv, 10)
    assert len(grid) == 20 and not ((grid >= -1.0) & (grid <= 1.0)).any()
    assert grid.min() == -1.5 and grid.max() == 1.5


# -- the control program ----------------------------------------------------------------------
def _independent(terms, train, iv, outside, target, margin):
    """The same program in the Legendre basis of s, solved by scipy's SLSQP."""
    V = L.basis(iv.s(train.x), terms)
    M = L.basis(iv.s(outside.x), terms)
    b0 = np.linalg.lstsq(M, target, rcond=None)[0]
    res = optimize.minimize(
        lambda b: np.mean((M @ b - target) ** 2),
        b0,
        jac=lambda b: 2 * M.T @ (M @ b - target) / len(target),
        constraints=[
            {
                "type": "ineq",
                "fun": lambda b: train.side * (train.y - V @ b) - margin,
                "jac": lambda b: -train.side[:, None] * V,
            }
        ],
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 2000},
    )
    assert res.success, res.message
    return res.x


@pytest.mark.parametrize("terms", [8, 10])
@pytest.mark.parametrize("target", ["g", "line slope 2"])
def test_reach_against_scipy_slsqp(problem, terms, target):
    _, iv, train, outside, values = problem
    margin = OPTIONS.margin
    found = LC.reach(terms, train, iv, target, values[target], outside, margin)
    assert found.status == "optimal"
    assert found.train_margin >= margin - 1e-6
    reference = _independent(terms, train, iv, outside, values[target], margin)
    mse = lambda f: np.mean((f - values[target]) ** 2)  # noqa: E731
    ours, theirs = mse(found(iv, outside.x)), mse(leg.legval(iv.s(outside.x), reference))
    assert ours == pytest.approx(theirs, rel=1e-4, abs=1e-10)
    np.testing.assert_allclose(
        found(iv, outside.x), leg.legval(iv.s(outside.x), reference), atol=2e-3
    )


def test_reach_equals_least_squares_when_that_already_separates(problem):
    """A target drawn by a separating boundary: the program must return that boundary."""
    g, iv, train, outside, _ = problem
    terms = 16
    separating = LC.reach(terms, train, iv, "g", g(outside.x), outside, OPTIONS.margin)
    target = separating(iv, outside.x)  # reachable exactly, with room to spare inside
    again = LC.reach(terms, train, iv, "drawn", target, outside, 0.5 * OPTIONS.margin)
    assert again.disagreement < 1e-5  # HiGHS QP tolerance
    # (Coefficients are not compared: on the two outside segments alone a degree-15
    # polynomial is ill-determined; its values there are what the program is about.)
    np.testing.assert_allclose(again(iv, outside.x), target, atol=1e-3)


def test_too_few_terms_are_infeasible_and_many_reach_every_target(problem):
    _, iv, train, outside, values = problem
    for name, target in values.items():
        assert LC.reach(2, train, iv, name, target, outside, OPTIONS.margin).status == (
            "infeasible"
        )
        many = LC.reach(64, train, iv, name, target, outside, OPTIONS.margin)
        assert many.disagreement <= C.LEGENDRE_REACH_MAX
        assert many.train_margin >= OPTIONS.margin - 1e-6


def test_control_table_round_trips_through_parquet(problem, tmp_path):
    g, iv, train, outside, _ = problem
    table = LC.control_table(g, train, iv, dataclasses.replace(OPTIONS, terms=[2, 12]))
    assert list(table["target"].unique()) == ["g", "line slope 0", "line slope 2"]
    assert set(table.loc[table["terms"] == 2, "status"]) == {"infeasible"}
    table.to_parquet(tmp_path / "control.parquet")
    back = pd.read_parquet(tmp_path / "control.parquet")
    for (_, a), (_, b) in zip(table.iterrows(), back.iterrows(), strict=True):
        if a["status"] == "optimal":
            f = LC.reach_from_row(b)(iv, outside.x)
            assert outside.disagreement(
                f, L.targets(g, iv, [0.0, 2.0], outside.x)[a["target"]]
            ) == (pytest.approx(a["disagreement"], abs=1e-12))


# -- the verdicts -----------------------------------------------------------------------------
def _control(rows):
    """A control table from {terms: {target: disagreement or None (infeasible)}}."""
    out = []
    for terms, by_target in rows.items():
        for target, share in by_target.items():
            status = "infeasible" if share is None else "optimal"
            out.append({"terms": terms, "target": target, "status": status, "disagreement": share})
    return pd.DataFrame(out)


def _fits(rows):
    """A fits table from {terms: {regime: disagreement with g}}."""
    return pd.DataFrame(
        [
            {"terms": k, "regime": r, "status": "optimal", "g_disagreement_outside": share}
            for k, by_regime in rows.items()
            for r, share in by_regime.items()
        ]
    )


REACHED, MISSED, FAR, NEAR = 0.001, 0.3, 0.4, 0.02
PASSING_CONTROL = {
    2: {"g": None, "line": None},
    6: {"g": MISSED, "line": MISSED},
    12: {"g": REACHED, "line": REACHED},
    64: {"g": REACHED, "line": REACHED},
}
PASSING_FITS = {
    k: {"min_norm2": FAR, "max_margin": FAR, "flat_extension": NEAR} for k in (6, 12, 64)
}


def _holds(control, fits=PASSING_FITS):
    return {v["id"]: v["holds"] for v in LV.claims(_fits(fits), _control(control))}


def test_verdicts_hold_on_tables_made_to_pass():
    assert _holds(PASSING_CONTROL) == {"legendre-necessary": "yes", "legendre-regime": "yes"}


@pytest.mark.parametrize(
    ("control", "fits", "expected"),
    [
        # the smallest separating K already reaches every target: no necessity
        ({**PASSING_CONTROL, 6: {"g": REACHED, "line": REACHED}}, PASSING_FITS, ("no", "yes")),
        # the largest K misses a target: no control even with many terms
        ({**PASSING_CONTROL, 64: {"g": REACHED, "line": MISSED}}, PASSING_FITS, ("no", "yes")),
        # an untargeted regime lands near g by itself at every K: no regime needed
        (PASSING_CONTROL, {k: {"min_norm2": NEAR, "max_margin": FAR} for k in (6, 12, 64)},
         ("yes", "no")),
        # g is never reached: the boundary we want does not exist
        ({k: {**v, "g": None if v["g"] is None else MISSED} for k, v in PASSING_CONTROL.items()},
         PASSING_FITS, ("no", "no")),
        # nothing separates: nothing to judge
        ({2: {"g": None, "line": None}}, PASSING_FITS, ("n/a", "n/a")),
    ],
)  # fmt: skip
def test_each_verdict_fails_on_tables_made_to_fail_it(control, fits, expected):
    holds = _holds(control, fits)
    assert (holds["legendre-necessary"], holds["legendre-regime"]) == expected


def test_a_prior_outside_is_shown_but_not_judged():
    fits = {k: {"flat_extension": NEAR} for k in (6, 12, 64)}
    assert _holds(PASSING_CONTROL, fits)["legendre-regime"] == "n/a"
    both = {k: {"min_norm2": FAR, "flat_extension": NEAR} for k in (6, 12, 64)}
    value = LV.regime_value(LV.regime_far(_fits(both), _control(PASSING_CONTROL)))
    assert "min_norm2 40%" in value and "not judged" in value and "flat_extension 2%" in value


def test_the_study_itself_passes_and_fails_as_its_terms_allow(problem):
    """On the study's own fits: the paper's range of K passes both verdicts; stopping at the
    smallest separating K cannot show control (no K reaches every target)."""
    g, iv, train, _, _ = problem
    options = dataclasses.replace(OPTIONS, terms=[2, 6, 12, 64])
    _, fits = L.run_study(options)
    control = LC.control_table(g, train, iv, options)
    verdicts = [Verdict.from_dict(v) for v in LV.claims(fits, control, "control.png")]
    assert [(v.id, v.holds) for v in verdicts] == [
        ("legendre-necessary", "yes"),
        ("legendre-regime", "yes"),
    ]
    assert all(v.figure == "control.png" for v in verdicts)
    assert "1%" in verdicts[0].criterion and "10%" in verdicts[1].criterion
    short = dataclasses.replace(options, terms=[2, 6])
    _, fits = L.run_study(short)
    control = LC.control_table(g, train, iv, short)
    holds = {v["id"]: v["holds"] for v in LV.claims(fits, control)}
    assert holds == {"legendre-necessary": "no", "legendre-regime": "no"}
    lines = LV.summary_lines(fits, control, OPTIONS.n_train)
    assert "[2]" in lines[0] and "infeasible" in lines[0]
    assert lines[-1].endswith("does not show here.")


def test_the_verdicts_do_not_depend_on_the_sample_sizes(problem):
    """The claim is about K, not about how many test points or outside grid points measure
    it: n_test 500 or 50,000, and 200 or 2,000 outside points per side, give the same
    verdicts, and the reach of each (K, target) agrees to half a point of the area."""
    g, iv, train, _, _ = problem
    options = dataclasses.replace(OPTIONS, terms=[2, 6, 12, 64])
    results = {}
    for n_test, points in ((500, 200), (50_000, 2_000)):
        _, fits = L.run_study(dataclasses.replace(options, n_test=n_test))
        control = LC.control_table(g, train, iv, options, outside_points=points)
        results[n_test] = (control, {v["id"]: v["holds"] for v in LV.claims(fits, control)})
    (small, small_holds), (large, large_holds) = results[500], results[50_000]
    assert small_holds == large_holds == {"legendre-necessary": "yes", "legendre-regime": "yes"}
    np.testing.assert_allclose(small["disagreement"], large["disagreement"], atol=0.005)
