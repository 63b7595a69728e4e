"""Every criterion of the claims on synthetic data with a known answer, including data that
must fail it, and the measures behind them against independent computations."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hullgen.claims import criteria as C
from hullgen.claims.verdict import outcome
from hullgen.findings import directions, shape, surface
from hullgen.findings.shape import (
    mode_summary,
    population_tl_ratios,
    shape_summary,
    tl_moments,
)
from hullgen.findings.size import median_pair_distance
from hullgen.findings.stats import compare_to_random, status_shares, superiority
from hullgen.hull import HullDistance

from .helpers import natural_images

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


def _bell_with_a_second_mode(rng, n):
    """A right-skewed bell (gamma, moment skewness 0.67) and 11% of the points in a narrow
    bump at a quarter of its median, as MNIST's digit 1s beside the other digits."""
    k = round(0.11 * n)
    return np.concatenate([rng.gamma(9.0, 80.0, n - k), rng.normal(200.0, 20.0, k)])


SHAPES = {
    "normal": (lambda rng, n: rng.normal(500.0, 80.0, n), "yes"),
    "gamma, moment skewness 0.5": (lambda rng, n: rng.gamma(16.0, 30.0, n), "yes"),
    "Student t, 5 dof": (lambda rng, n: 500 + 30.0 * rng.standard_t(5, n), "yes"),
    "lognormal, sigma 0.6 (clear skew)": (lambda rng, n: rng.lognormal(6.0, 0.6, n), "no"),
    "uniform (flat)": (lambda rng, n: rng.uniform(100.0, 900.0, n), "no"),
    "Laplace (heavy tails)": (lambda rng, n: rng.laplace(500.0, 60.0, n), "no"),
    "two separate bumps": (
        lambda rng, n: np.concatenate(
            [rng.normal(300, 40, n // 2), rng.normal(700, 40, n - n // 2)]
        ),
        "no",
    ),
    "a bell and an 11% second mode": (_bell_with_a_second_mode, "partly"),
    # Two bells, the second holding 30%: the TL ratios pass it, but there is no bulk.
    "a bell and a 30% second bell": (
        lambda rng, n: np.concatenate(
            [rng.normal(600, 60, n - 3 * n // 10), rng.normal(300, 40, 3 * n // 10)]
        ),
        "no",
    ),
}


def _shape_outcome(x):
    modes = mode_summary(x)
    shape = {"n": len(x), **shape_summary(x)}
    return outcome(C.resembles_normal(shape, modes), caveat=C.has_second_mode(modes))


@pytest.mark.parametrize("name", SHAPES)
def test_shape_verdict_is_the_same_at_n_500_and_50000(name):
    draw, expected = SHAPES[name]
    for seed in range(3):
        rng = np.random.default_rng(seed)
        for n in (500, 50_000):
            assert _shape_outcome(draw(rng, n)) == expected, (name, seed, n)


def test_the_second_mode_is_found_with_its_mass_and_class():
    rng = np.random.default_rng(30)
    x = _bell_with_a_second_mode(rng, 20_000)
    labels = np.r_[np.zeros(20_000 - 2200, int), np.ones(2200, int)]
    labels[:200] = 1  # a few ones in the bulk, as some 1s are written wide
    summary = mode_summary(x, labels)
    second = summary["second_mode"]
    assert second["location"] == pytest.approx(200, abs=15)
    # The basin holds the bump and the bulk's far left tail.
    assert 0.11 <= second["mass"] <= 0.14
    assert summary["main_mass"] == pytest.approx(1 - second["mass"])
    assert second["class"] == 1 and second["class_share"] > 0.8
    assert second["class_in_mode"] == pytest.approx(2200 / 2400, abs=0.02)
    assert second["class_share_overall"] == pytest.approx(2400 / 20_000)
    # The TL ratios alone would call it a normal: the mode is the caveat they cannot see.
    assert C.resembles_normal({"n": len(x), **shape_summary(x)}) is True
    assert mode_summary(rng.normal(size=200))["modes"] == []  # too few to look for modes


def test_density_is_scipys_kernel_density_estimate():
    x = np.random.default_rng(31).gamma(4.0, 10.0, 3000)
    bandwidth = 3.0
    grid, density = shape.density(x, bandwidth)
    kde = stats.gaussian_kde(x, bw_method=bandwidth / x.std(ddof=1))
    assert np.diff(grid).max() <= bandwidth / 8 * (1 + 1e-9)
    np.testing.assert_allclose(density, kde(grid), rtol=2e-3, atol=1e-5 * density.max())
    # The kernel is cut at 4 bandwidths, which drops 6e-5 of its mass.
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(ValueError, match="grid points"):
        shape.density(np.array([0.0, 1e12]), 1.0)


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


# -- directions on the image's structure ---------------------------------------------------------


def _detail_by_hand(image):
    """|x - G * x| per pixel from a kernel built here: the normalised Gaussian sampled at
    integer offsets up to 4 sigma, applied by explicit sums with edges reflected (numpy's
    'symmetric' padding, scipy.ndimage's 'reflect')."""
    sigma = C.STRUCTURE_SIGMA
    radius = int(4 * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-(offsets**2) / (2 * sigma**2))
    kernel /= kernel.sum()
    x = np.asarray(image, dtype=float)
    x = x[..., None] if x.ndim == 2 else x
    padded = np.pad(x, ((radius, radius), (radius, radius), (0, 0)), mode="symmetric")
    h, w = x.shape[:2]
    blurred = np.zeros_like(x)
    for a, ka in zip(offsets, kernel, strict=True):
        for b, kb in zip(offsets, kernel, strict=True):
            blurred += ka * kb * padded[radius + a : radius + a + h, radius + b : radius + b + w]
    return np.sqrt(((x - blurred) ** 2).sum(axis=2)).ravel()


def test_detail_map_against_an_explicit_convolution():
    images, _ = natural_images.crops(1, seed=0, size=12)
    np.testing.assert_allclose(
        directions.detail_map(images), [_detail_by_hand(x) for x in images], rtol=1e-10
    )
    grey = images[..., 0]
    np.testing.assert_allclose(
        directions.detail_map(grey), [_detail_by_hand(x) for x in grey], rtol=1e-10
    )
    assert not directions.detail_map(np.full((1, 8, 8), 77.0)).any()  # a flat image has none


def test_energy_on_structure_and_superiority_by_brute_force():
    rng = np.random.default_rng(20)
    energy, detail = rng.random((30, 64)), rng.random((30, 64))
    k = round(C.STRUCTURE_SHARE * 64)
    by_hand = [e[np.argsort(-d)[:k]].sum() / e.sum() for e, d in zip(energy, detail, strict=True)]
    np.testing.assert_allclose(directions.energy_on_structure(energy, detail), by_hand)
    a, b = rng.integers(0, 5, 40), rng.integers(0, 5, 50)
    pairs = [(x > y) + 0.5 * (x == y) for x in a for y in b]
    assert superiority(a, b) == pytest.approx(np.mean(pairs))
    assert directions.other_rows(5, seed=3).tolist() != list(range(5))
    assert (directions.other_rows(500, seed=3) != np.arange(500)).all()


def _synthetic_directions(kind, images, rng):
    """Unit directions in the images' pixel order with a known relation to the images."""
    n, shape = len(images), images.shape[1:]
    if kind == "the image's own detail":
        # Each pixel's detail, spread over the channels with random signs.
        detail = directions.detail_map(images).reshape(n, *shape[:2], 1)
        d = detail * rng.choice([-1.0, 1.0], size=(n, *shape))
    elif kind == "noise of the same energy":
        d = rng.normal(size=(n, *shape))
    else:  # another image's detail: a direction that belongs to a different image
        d = _synthetic_directions("the image's own detail", images, rng)
        d = np.roll(d.reshape(n, *shape), 1, axis=0)
    d = d.reshape(n, -1)
    return d / np.linalg.norm(d, axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("the image's own detail", True),
        ("noise of the same energy", False),
        ("another image's detail", False),
    ],
)
def test_structure_verdict_is_known_and_the_same_at_n_500_and_50000(kind, expected):
    for per_class, size in ((50, 32), (5000, 12)):
        images, _ = natural_images.crops(per_class, seed=1, size=size)
        # A flat crop (a patch of sky) has no detail to draw a direction from.
        images = images[directions.detail_map(images).any(axis=1)]
        assert len(images) >= 9 * per_class
        rng = np.random.default_rng(21)
        summary = directions.structure_summary(_synthetic_directions(kind, images, rng), images)
        verdict = C.directions_on_structure(summary["effect"], None)
        assert verdict is expected, (kind, per_class, summary)
    # A control that passes means the measure sees something other than the image.
    assert C.directions_on_structure(0.95, 0.8) is False
    assert C.directions_on_structure(None, 0.5) is None


@pytest.fixture(scope="module")
def natural():
    """The hull directions of natural-image crops (each photograph a class) and of random
    points uniform in the pixel domain, with the test images they are paired with."""
    train, _ = natural_images.crops(150, seed=2)
    test, test_y = natural_images.crops(40, seed=3, test=True)
    rng = np.random.default_rng(22)
    noise = rng.uniform(0, 255, size=(200, train[0].size))
    rows = train.reshape(len(train), -1).astype(float)
    _, queries, real = _solve(rows, test.reshape(len(test), -1).astype(float))
    _, noise_queries, control = _solve(rows, noise)
    return test, test_y, queries, real, noise_queries, control


def test_directions_of_natural_images_fall_on_their_structure_and_random_ones_do_not(natural):
    test, test_y, queries, real, noise_queries, control = natural
    assert len(queries) == len(test)
    own = directions.structure_summary(real, test[queries])
    # The random points' directions against the test images of the same rows.
    blind = directions.structure_summary(control, test[noise_queries])
    assert own["effect"] > 0.9 and own["own_share_median"] > 2 * own["other_share_median"]
    assert abs(blind["effect"] - 0.5) < 0.1
    assert C.directions_on_structure(own["effect"], blind["effect"]) is True
    assert C.directions_on_structure(blind["effect"], None) is False
    # The class probe is context: the same probe on the unit test images is its reference.
    summary = directions.direction_summary(
        real, test_y[queries], points=test[queries].reshape(len(queries), -1)
    )
    assert summary["probe_points_n"] == len(queries)
    assert -1 <= summary["probe_skill"] <= 1 and -1 <= summary["probe_points_skill"] <= 1


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


def test_the_probe_reads_the_class_from_class_data_and_not_from_random_points(classes):
    train, _, test, test_y, noise = classes
    _, queries, real = _solve(train, test)
    _, noise_queries, control = _solve(train, noise)
    skill = directions.probe_skill(real, test_y[queries])["skill"]
    control_skill = directions.probe_skill(control, test_y[noise_queries])["skill"]
    assert skill > 0.8 and abs(control_skill) < 0.2
    shuffled = np.random.default_rng(10).permutation(test_y)
    assert abs(directions.probe_skill(real, shuffled[queries])["skill"]) < 0.2


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


# -- a few similar training images, much closer than a random point; the surface -------------


def test_own_class_weights_of_class_data_and_of_random_points(classes):
    """The surface investigation's class measure (reported, not judged) sees the classes."""
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
    assert abs(control["own_excess_median"]) < 0.3


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
    # A test class with no training point: no chance to correct for, so no excess.
    absent = surface.own_class_weights(support, train_y, np.array([7, 1]), [0, 1])
    assert absent["class_share"].tolist() == [0.0, 0.5]
    assert np.isnan(absent["own_excess"][0]) and absent["own_excess"][1] == pytest.approx(-1.0)


def test_nearest_training_against_brute_force(classes):
    from scipy.spatial.distance import cdist

    train, _, test, _, _ = classes
    support, queries, _ = _solve(train, test)
    distances, ranks = surface.nearest_training(train, test, queries, support, k=C.A_FEW)
    full = cdist(test[queries], train)
    np.testing.assert_allclose(distances, np.sort(full, axis=1)[:, : C.A_FEW], rtol=1e-9)
    row = {q: i for i, q in enumerate(queries)}
    expected = [
        1 + int((full[row[q]] < full[row[q], j] * (1 - 1e-12)).sum())
        for q, j in zip(ranks["query"], ranks["train_index"], strict=True)
    ]
    assert ranks["rank"].tolist() == expected
    assert len(ranks) == support["query"].isin(queries).sum()


def test_hull_points_gathered_by_blocks_are_the_weighted_rows(monkeypatch):
    rng = np.random.default_rng(6)
    train = rng.normal(size=(50, 4)).astype(np.float32)
    support = pd.DataFrame({
        "query": [0, 0, 2, 2, 2], "train_index": [3, 41, 0, 17, 49],
        "weight": [0.25, 0.75, 0.2, 0.3, 0.5],
    })  # fmt: skip
    monkeypatch.setattr(directions, "GATHER_BLOCK", 2)
    points = directions.hull_points(train, support, 3)
    expected = np.zeros((3, 4))
    for q, j, w in support.itertuples(index=False):
        expected[q] += w * train[j].astype(np.float64)
    np.testing.assert_allclose(points, expected, rtol=1e-15, atol=1e-15)
    assert not points[1].any()  # a row without support is 0


def test_nearest_training_by_blocks_counts_ties_exactly(monkeypatch):
    """Training rows a few at a time (as at ImageNet's size), duplicated rows and rows tied
    with a support row: the distances and ranks of one block over everything, exactly."""
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(5)
    base = rng.integers(0, 6, size=(40, 7)).astype(np.float64)  # small integers: exact ties
    train = np.concatenate([base, base[:15]])  # duplicates of support rows among them
    test = rng.integers(0, 6, size=(9, 7)).astype(np.float64) + 0.5
    support = pd.DataFrame({
        "query": np.repeat(np.arange(9), 3),
        "train_index": rng.integers(0, len(train), size=27),
        "weight": np.full(27, 1 / 3),
    }).drop_duplicates(["query", "train_index"])  # fmt: skip
    monkeypatch.setattr(surface, "TRAIN_BLOCK", 8)
    monkeypatch.setattr(surface, "NEIGHBOUR_BLOCK", 4)
    queries = np.arange(9)
    distances, ranks = surface.nearest_training(train, test, queries, support, k=3)
    full = cdist(test, train)
    np.testing.assert_allclose(distances, np.sort(full, axis=1)[:, :3], rtol=1e-12)
    squared = ((test[:, None, :] - train[None, :, :]) ** 2).sum(-1)  # exact: small integers
    expected = [
        1 + int((squared[q] < squared[q, j]).sum())
        for q, j in zip(ranks["query"], ranks["train_index"], strict=True)
    ]
    assert ranks["rank"].tolist() == expected
    assert len(ranks) == len(support)


def test_neighbour_summary_bins_the_ranks_by_hand():
    distances = np.array([[1.0, 2.0], [3.0, 5.0]])
    ranks = pd.DataFrame(
        {
            "query": [0, 0, 1],
            "train_index": [4, 9, 2],
            "weight": [0.5, 0.5, 1.0],
            "rank": [1, 50, 500],
        }
    )
    summary = surface.neighbour_summary(distances, ranks, n_train=1000)
    assert summary["kth_median"] == 3.5 and summary["nearest_medians"] == [2.0, 3.5]
    assert summary["rank_median"] == 50 and summary["weight_on_nearest_percent"] == 0.25
    assert [b["weight"] for b in summary["rank_bins"]] == [0.25, 0.0, 0.25, 0.5]
    assert [b["chance"] for b in summary["rank_bins"]] == pytest.approx([0.001, 0.009, 0.09, 0.9])


def _few_closer_ratio(test, train, random):
    from scipy.spatial.distance import cdist

    empty = pd.DataFrame({"query": [], "train_index": [], "weight": []})
    distances, _ = surface.nearest_training(train, test, np.arange(len(test)), empty, k=C.A_FEW)
    random_nn = np.median(cdist(random, train).min(axis=1))
    return random_nn / np.median(distances[:, -1])


@pytest.mark.parametrize(("near", "expected"), [(True, True), (False, False)])
def test_few_much_closer_is_known_and_the_same_at_n_500_and_50000(near, expected):
    """Images come in kinds (clusters of similar images). Test images of the training set's
    kinds have a few similar training images close by (pass); test images drawn uniformly in
    the domain are as far from the training set as random points (fail)."""
    rng = np.random.default_rng(23)
    centres = rng.uniform(64, 192, size=(40, 20))
    train = np.repeat(centres, 10, axis=0) + rng.normal(0, 5, size=(400, 20))
    for n in (500, 50_000):
        if near:
            test = centres[rng.integers(0, 40, n)] + rng.normal(0, 5, size=(n, 20))
        else:
            test = rng.uniform(0, 255, size=(n, 20))
        random = rng.uniform(0, 255, size=(n, 20))
        assert C.few_much_closer(_few_closer_ratio(test, train, random)) is expected, n
    assert C.few_much_closer(None) is None


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

    # Real and random points alike, and 50,000 test points against the random baseline's
    # default 2,000 (spaces[].points): the ratio of medians does not care how many.
    for seed in range(3):
        rng = np.random.default_rng(seed)
        for n, n_random in ((500, 500), (50_000, 50_000), (50_000, 2_000)):
            real = table(rng.gamma(16.0, 30.0, n))
            random = table(scale * rng.gamma(16.0, 30.0, n_random))
            ratio = compare_to_random(real, random)["median_ratio"]
            verdict = C.random_much_farther(status_shares(random), ratio)
            assert verdict is expected, (scale, seed, n, n_random, ratio)
