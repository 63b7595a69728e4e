"""Every criterion of the claims on synthetic data with a known answer, including data that
must fail it, and the measures behind them against independent computations."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hullgen import criteria as C
from hullgen.findings import directions, surface
from hullgen.findings.shape import population_tl_ratios, shape_summary, tl_moments
from hullgen.findings.size import median_pair_distance
from hullgen.findings.stats import compare_to_random, status_shares
from hullgen.hull import HullDistance

# -- trimmed L-moments -------------------------------------------------------------------------


def _tl_moments_by_subsets(x, trim):
    """TL-moments straight from their definition (Elamir and Seheult 2003, eq. 2.1): over
    every subsample of r + 2 trim values, the r-th L-moment contrast of its order statistics
    with the trim smallest and largest left out. Unbiased and exact."""
    x = np.sort(np.asarray(x, dtype=float))
    contrasts = {1: [1], 2: [-1, 1], 3: [1, -2, 1], 4: [-1, 3, -3, 1]}
    result = []
    for r, w in contrasts.items():
        values = [
            np.dot(w, x[list(c)][trim : trim + r])
            for c in itertools.combinations(range(len(x)), r + 2 * trim)
        ]
        result.append(np.mean(values) / r)
    return result


@pytest.mark.parametrize("trim", [0, 1])
def test_tl_moments_equal_their_definition_over_all_subsets(trim):
    x = np.random.default_rng(0).lognormal(size=11)
    np.testing.assert_allclose(tl_moments(x, trim), _tl_moments_by_subsets(x, trim), rtol=1e-12)
    with pytest.raises(ValueError, match=f"n >= {4 + 2 * trim}"):
        tl_moments(x[: 3 + 2 * trim], trim)


@pytest.mark.parametrize(
    ("distribution", "trim", "tau3", "tau4"),
    [
        # Hosking (1990), table 1: L-moment ratios (trim 0).
        (stats.norm(), 0, 0.0, 30 / math.pi * math.atan(math.sqrt(2)) - 9),
        (stats.expon(), 0, 1 / 3, 1 / 6),
        (stats.gumbel_r(), 0, 0.1699, 0.1504),
        # Elamir and Seheult (2003), table 1: TL-moment ratios (trim 1).
        (stats.norm(), 1, 0.0, 0.0625),
        (stats.uniform(), 1, 0.0, 0.0),
        (stats.expon(), 1, 2 / 9, 1 / 12),
        (stats.logistic(), 1, 0.0, 1 / 12),
        (stats.cauchy(), 1, 0.0, 0.343),
    ],
)
def test_population_tl_ratios_match_the_published_values(distribution, trim, tau3, tau4):
    assert population_tl_ratios(distribution, trim) == pytest.approx((tau3, tau4), abs=5e-4)


def test_the_shape_constants_are_the_reference_distributions():
    ratios = population_tl_ratios
    assert pytest.approx(ratios(stats.norm())[1], abs=1e-5) == C.NORMAL_TL_KURTOSIS
    assert pytest.approx(ratios(stats.expon())[0], abs=1e-9) == C.EXPONENTIAL_TL_SKEWNESS
    assert pytest.approx(ratios(stats.laplace())[1], abs=1e-9) == C.LAPLACE_TL_KURTOSIS
    assert pytest.approx(ratios(stats.uniform())[1], abs=1e-9) == C.UNIFORM_TL_KURTOSIS


# -- resembles a normal distribution -----------------------------------------------------------

SHAPES = {
    "normal": (lambda rng, n: rng.normal(500.0, 80.0, n), True),
    "gamma, moment skewness 0.5": (lambda rng, n: rng.gamma(16.0, 30.0, n), True),
    "lognormal, sigma 0.6 (clear skew)": (lambda rng, n: rng.lognormal(6.0, 0.6, n), False),
    "uniform (flat)": (lambda rng, n: rng.uniform(100.0, 900.0, n), False),
    "Laplace (heavy tails)": (lambda rng, n: rng.laplace(500.0, 60.0, n), False),
    "two separate bumps": (
        lambda rng, n: np.concatenate(
            [rng.normal(300, 40, n // 2), rng.normal(700, 40, n - n // 2)]
        ),
        False,
    ),
}


@pytest.mark.parametrize("name", SHAPES)
def test_shape_verdict_is_the_same_at_n_500_and_50000(name):
    draw, expected = SHAPES[name]
    for seed in range(3):
        rng = np.random.default_rng(seed)
        for n in (500, 50_000):
            shape = {"n": n, **shape_summary(draw(rng, n))}
            assert C.resembles_normal(shape) is expected, (name, seed, n, shape)


def test_a_p_value_would_decide_by_sample_size_where_the_shape_does_not():
    # A gamma with moment skewness 0.5 looks bell-shaped; D'Agostino passes it at n = 500 and
    # rejects it at n = 50,000. The shape criterion says yes at both.
    rng = np.random.default_rng(4)
    small, large = rng.gamma(16.0, 30.0, 500), rng.gamma(16.0, 30.0, 50_000)
    assert stats.normaltest(large).pvalue < 1e-10
    assert stats.normaltest(small).pvalue > 1e-3
    for x in (small, large):
        assert C.resembles_normal({"n": len(x), **shape_summary(x)}) is True


def test_shape_needs_enough_distances_and_is_robust_to_one_extreme_point():
    rng = np.random.default_rng(5)
    few = rng.normal(size=C.SHAPE_MIN_N - 1)
    assert C.resembles_normal({"n": len(few), **shape_summary(few)}) is None
    x = rng.normal(100.0, 10.0, 500)
    wild = x.copy()
    wild[np.argmax(wild)] = 1e6  # one odd test point: moment shape explodes, TL shape does not
    summary, moved = shape_summary(x), shape_summary(wild)
    assert moved["excess_kurtosis"] > 400 and moved["skewness"] > 20
    assert moved["tl_skewness"] == pytest.approx(summary["tl_skewness"], abs=0.01)
    assert moved["tl_kurtosis"] == pytest.approx(summary["tl_kurtosis"], abs=0.01)
    assert C.resembles_normal({"n": len(x), **moved}) is True


# -- outside ------------------------------------------------------------------------------------


def _shares(statuses, lower_bounds=None, distances=None):
    n = len(statuses)
    table = pd.DataFrame(
        {
            "status": statuses,
            "lower_bound": lower_bounds if lower_bounds is not None else [1.0] * n,
            "distance": distances if distances is not None else [2.0] * n,
        }
    )
    table.loc[table["status"] == "inside", ["lower_bound", "distance"]] = 0.0
    return status_shares(table)


def test_all_outside():
    assert C.all_outside(_shares(["certified"] * 10)) is True
    assert C.all_outside(_shares(["certified"] * 9 + ["inside"])) is False
    assert C.all_outside(_shares(["certified"] * 9 + ["not_converged"])) is None
    assert C.all_outside(_shares(["certified", "not_converged", "inside"])) is False
    # Certified with a lower bound of 0: the point may touch the hull.
    assert C.all_outside(_shares(["certified"] * 2, lower_bounds=[1.0, 0.0])) is False


def test_mostly_outside():
    assert C.mostly_outside(_shares(["certified"] * 96 + ["inside"] * 4)) is True
    assert C.mostly_outside(_shares(["certified"] * 90 + ["inside"] * 10)) is False
    # 93 outside, 5 undecided: 93% to 98%, either side of 95%.
    assert (
        C.mostly_outside(_shares(["certified"] * 93 + ["not_converged"] * 5 + ["inside"] * 2))
        is None
    )


# -- not small noise ------------------------------------------------------------------------------


def _cloud(rng, n, d=40):
    return rng.normal(0.0, 10.0, size=(n, d))


def _noise_verdict(train, test):
    result = HullDistance(train).query(test)
    typical, _ = median_pair_distance(train)
    return C.not_small_noise(float(np.median(result.distance)), typical)


def test_fresh_draws_are_not_small_noise_but_jittered_training_points_are():
    rng = np.random.default_rng(6)
    train = _cloud(rng, 400)
    assert _noise_verdict(train, _cloud(rng, 60)) is True
    # Training images with 1% noise added: close to the hull, and must be called small noise.
    jitter = train[:60] + rng.normal(0.0, 0.1, size=(60, train.shape[1]))
    assert _noise_verdict(train, jitter) is False
    assert C.not_small_noise(None, 10.0) is None


def test_median_pair_distance_is_the_exact_median_for_few_points():
    x = np.random.default_rng(7).normal(size=(40, 3))
    exact = np.median([np.linalg.norm(a - b) for a, b in itertools.combinations(x, 2)])
    assert median_pair_distance(x) == (pytest.approx(exact), 40 * 39 // 2)
    sampled, pairs = median_pair_distance(
        np.random.default_rng(8).normal(size=(3000, 5)), pairs=4000
    )
    # The difference of two standard normal points in 5-d is sqrt(2) times a chi with 5 dof.
    assert pairs == 4000 and sampled == pytest.approx(
        math.sqrt(2) * stats.chi(5).median(), rel=0.03
    )


# -- random points much farther -------------------------------------------------------------------


def test_random_much_farther():
    outside = _shares(["certified"] * 5)
    assert C.random_much_farther(outside, 4.7) is True
    assert C.random_much_farther(outside, 1.3) is False
    assert C.random_much_farther(_shares(["certified"] * 4 + ["inside"]), 4.7) is False
    assert C.random_much_farther(_shares(["certified"] * 4 + ["not_converged"]), 4.7) is None
    assert C.random_much_farther(outside, None) is None


# -- directions and the surface, through the hull solver --------------------------------------


@pytest.fixture(scope="module")
def classes():
    """Three classes in 30-d, each a cloud about its own centre. Test points are drawn alike
    and moved out of the cloud along a direction of their class (its "object"), so that the
    direction to the hull carries the class by construction. Random points: uniform in the
    training set's bounding box, with the same labels."""
    rng = np.random.default_rng(9)
    centres = rng.normal(0.0, 6.0, size=(3, 30))
    shifts = rng.normal(size=(3, 30))
    shifts *= 8.0 / np.linalg.norm(shifts, axis=1, keepdims=True)
    train_y = np.repeat(np.arange(3), 150)
    test_y = np.repeat(np.arange(3), 40)
    train = centres[train_y] + rng.normal(size=(len(train_y), 30))
    test = centres[test_y] + shifts[test_y] + rng.normal(size=(len(test_y), 30))
    noise = rng.uniform(train.min(), train.max(), size=test.shape)
    return train, train_y, test, test_y, noise


def _solve(train, test):
    result = HullDistance(train).query(test)
    support = result.support_frame()
    queries = np.flatnonzero(result.lower_bound > 0)
    points = directions.hull_points(train, support, len(test))
    return support, queries, directions.unit_directions(test, points, queries)


def test_directions_of_class_data_are_informative_and_random_ones_are_not(classes):
    train, _, test, test_y, noise = classes
    _, queries, real = _solve(train, test)
    _, noise_queries, control = _solve(train, noise)
    skill = directions.probe_skill(real, test_y[queries])["skill"]
    control_skill = directions.probe_skill(control, test_y[noise_queries])["skill"]
    assert skill > 0.8 and abs(control_skill) < 0.2
    assert C.directions_informative(skill, control_skill) is True
    # The random points' directions must fail the criterion on their own.
    assert C.directions_informative(control_skill, None) is False
    # Labels that have nothing to do with the points: the real directions fail too.
    shuffled = np.random.default_rng(10).permutation(test_y)
    assert (
        C.directions_informative(directions.probe_skill(real, shuffled[queries])["skill"], None)
        is False
    )
    # A control that passes means the probe does not measure the object.
    assert C.directions_informative(skill, 0.5) is False


def test_probe_skill_is_chance_corrected_balanced_accuracy():
    from sklearn.linear_model import RidgeClassifier
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rng = np.random.default_rng(11)
    labels = np.repeat([0, 1, 2], [60, 30, 10])
    x = rng.normal(size=(100, 8)) + labels[:, None] * 0.7
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    predicted = cross_val_predict(
        RidgeClassifier(alpha=1.0), x, labels, cv=StratifiedKFold(5, shuffle=True, random_state=0)
    )
    recall = [np.mean(predicted[labels == k] == k) for k in range(3)]
    result = directions.probe_skill(x, labels, seed=0)
    assert result["balanced_accuracy"] == pytest.approx(np.mean(recall))
    assert result["skill"] == pytest.approx((np.mean(recall) - 1 / 3) / (1 - 1 / 3))
    assert result["skill"] == pytest.approx(
        balanced_accuracy_score(labels, predicted, adjusted=True)
    )
    # A class with fewer points than folds is left out, and said so in the counts.
    few = directions.probe_skill(x[:93], labels[:93])
    assert few["classes"] == 2 and few["n"] == 90


def test_object_energy_shares():
    images = np.array([[0.0, 0.0, 200.0, 200.0], [255.0, 0.0, 0.0, 0.0]])
    dirs = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 3.0, 4.0, 0.0]])
    energy, area = directions.object_energy(dirs, images)
    np.testing.assert_allclose(energy, [2 / 3, 0.0])
    np.testing.assert_allclose(area, [0.5, 0.25])


def test_surface_of_class_data_is_own_class_and_of_random_points_is_not(classes):
    train, train_y, test, test_y, noise = classes
    support, queries, _ = _solve(train, test)
    real = surface.surface_summary(
        surface.own_class_weights(support, train_y, test_y, queries), len(train)
    )
    support, noise_queries, _ = _solve(train, noise)
    control = surface.surface_summary(
        surface.own_class_weights(support, train_y, test_y, noise_queries), len(train)
    )
    assert real["own_excess_median"] > 0.9 and real["class_share_mean"] == pytest.approx(1 / 3)
    assert abs(control["own_excess_median"]) < C.OWN_CLASS_EXCESS_MIN
    assert C.surface_of_own_class(real["own_excess_median"], control["own_excess_median"]) is True
    assert C.surface_of_own_class(control["own_excess_median"], None) is False
    shuffled = np.random.default_rng(12).permutation(test_y)
    support, queries, _ = _solve(train, test)
    mixed = surface.surface_summary(
        surface.own_class_weights(support, train_y, shuffled, queries), len(train)
    )
    assert C.surface_of_own_class(mixed["own_excess_median"], None) is False


def test_own_class_weights_by_hand():
    support = pd.DataFrame(
        {"query": [0, 0, 0, 1], "train_index": [0, 1, 2, 3], "weight": [0.5, 0.3, 0.2, 1.0]}
    )
    train_y, test_y = np.array([1, 1, 0, 0]), np.array([1, 1])
    frame = surface.own_class_weights(support, train_y, test_y, [0, 1])
    assert frame["own_weight"].tolist() == pytest.approx([0.8, 0.0])
    assert frame["support_size"].tolist() == [3, 1]
    assert frame["own_excess"].tolist() == pytest.approx([(0.8 - 0.5) / 0.5, -1.0])
    with pytest.raises(ValueError, match="test row 2 has no support"):
        surface.own_class_weights(support, train_y, np.array([1, 1, 0]), [0, 2])


# -- the paper's numbers and the network -------------------------------------------------------


def test_paper_numbers():
    assert C.paper_numbers_match(13_621.0, 3_600.0) is True
    assert C.paper_numbers_match(13_621.0 * 1.02, 3_600.0) is False  # another diameter
    assert C.paper_numbers_match(13_621.0, 4_100.0) is False  # farther than "about 3,500"
    assert C.paper_numbers_match(13_621.0, 3_200.0) is False  # 23.5%, not "about 27%"


def test_accuracy_reference_applies_to_its_recipe_only():
    reference, why = C.accuracy_reference("cifar10", 20, 164, True)
    assert reference.accuracy == 0.9125 and why == ""
    assert C.accuracy_normal(0.905, reference) is True
    assert C.accuracy_normal(0.89, reference) is False
    assert C.accuracy_reference("cifar10", 26, 164, True)[1].startswith("no reference for depth 26")
    assert "subset" in C.accuracy_reference("cifar10", 20, 164, False)[1]
    assert "this run 30" in C.accuracy_reference("cifar10", 20, 30, True)[1]
    assert C.accuracy_reference("digits", 8, 30, True)[0].dataset == "digits"
    assert C.accuracy_reference("imagenet", 20, 30, True)[0] is None


# "Much farther": a ratio of medians, so the same verdict at any number of points.
@pytest.mark.parametrize(("scale", "expected"), [(3.0, True), (1.3, False)])
def test_random_much_farther_is_the_same_at_n_500_and_50000(scale, expected):
    def table(distance):
        return pd.DataFrame({
            "query": np.arange(len(distance)), "status": "certified",
            "distance": distance, "lower_bound": distance,
        })  # fmt: skip

    for seed in range(3):
        rng = np.random.default_rng(seed)
        for n in (500, 50_000):
            real = table(rng.gamma(16.0, 30.0, n))
            random = table(scale * rng.gamma(16.0, 30.0, n))
            ratio = compare_to_random(real, random)["median_ratio"]
            verdict = C.random_much_farther(status_shares(random), ratio)
            assert verdict is expected, (scale, seed, n, ratio)
