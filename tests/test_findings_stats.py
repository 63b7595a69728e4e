"""Findings: distance statistics against direct numpy/scipy/pandas computations, and figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from scipy import stats

from hullgen.findings import plots
from hullgen.findings.stats import (
    by_correctness,
    compare_to_random,
    distance_summary,
    example_queries,
    farthest_share_of_diameter,
    outside_mask,
    per_class,
    relative_to_nn,
    status_shares,
)
from hullgen.hull.result import STATUSES


def hull_table(distance, status=None, lower_bound=None, query=None, nn_distance=None):
    """A hull table as the hull stage writes it; by default every point certified outside."""
    distance = np.asarray(distance, dtype=float)
    m = len(distance)
    status = ["certified"] * m if status is None else status
    lower = 0.99 * distance if lower_bound is None else np.asarray(lower_bound, dtype=float)
    return pd.DataFrame(
        {
            "query": np.arange(m) if query is None else np.asarray(query),
            "distance": distance,
            "lower_bound": lower,
            "relative_gap": np.where(
                distance > 0, 1 - lower / np.where(distance > 0, distance, 1), 0
            ),
            "status": pd.Categorical(status, categories=STATUSES),
            "nn_distance": 2 * distance if nn_distance is None else np.asarray(nn_distance),
            "nn_index": np.zeros(m, dtype=np.int64),
        }
    )


def prediction_table(correct_by_row: dict[int, bool]) -> pd.DataFrame:
    """Test predictions in scrambled order, plus training rows with the same row numbers."""
    rows = list(correct_by_row)[::-1]
    test = pd.DataFrame(
        {
            "split": "test",
            "row": rows,
            "label": 0,
            "predicted": 0,
            "probability": 0.9,
            "correct": [correct_by_row[r] for r in rows],
        }
    )
    # Training rows reuse the test row numbers with the opposite verdict: they must be ignored.
    train = test.assign(split="train", correct=~test["correct"])
    return pd.concat([train, test], ignore_index=True)


# -- distance_summary ------------------------------------------------------------------------


def test_normality_tests_are_information_beside_the_shape():
    rng = np.random.default_rng(1)
    normal = distance_summary(rng.normal(100.0, 15.0, size=3000))
    exponential = distance_summary(rng.exponential(100.0, size=3000))
    assert normal["normaltest_pvalue"] > 0.05
    assert exponential["normaltest_pvalue"] < 1e-6
    assert exponential["shapiro_pvalue"] < 1e-6
    # The shape the claims judge: the exponential's TL-skewness is 2/9, the normal's 0.
    assert exponential["tl_skewness"] == pytest.approx(2 / 9, abs=0.03)
    assert normal["tl_skewness"] == pytest.approx(0.0, abs=0.03)
    assert "normal_at_5pct" not in normal


def test_summary_matches_numpy_and_scipy():
    x = np.random.default_rng(2).gamma(3.0, 50.0, size=500)
    summary = distance_summary(x)
    assert summary["n"] == 500
    assert summary["mean"] == pytest.approx(np.mean(x))
    assert summary["sd"] == pytest.approx(np.std(x, ddof=1))
    assert summary["min"] == x.min() and summary["max"] == x.max()
    assert summary["median"] == pytest.approx(np.median(x))
    assert summary["skewness"] == pytest.approx(stats.skew(x, bias=False))
    assert summary["excess_kurtosis"] == pytest.approx(stats.kurtosis(x, fisher=True, bias=False))
    # The unbiased estimators differ from the default (biased) ones on a sample this small.
    assert summary["skewness"] != pytest.approx(stats.skew(x), rel=1e-6)
    dagostino, shapiro = stats.normaltest(x), stats.shapiro(x)
    assert summary["normaltest_statistic"] == pytest.approx(dagostino.statistic)
    assert summary["normaltest_pvalue"] == pytest.approx(dagostino.pvalue)
    assert summary["shapiro_n"] == 500
    assert summary["shapiro_statistic"] == pytest.approx(shapiro.statistic)
    assert summary["shapiro_pvalue"] == pytest.approx(shapiro.pvalue)
    (_, _), (_, _, r) = stats.probplot(x)
    assert summary["qq_correlation"] == pytest.approx(r)


def test_shapiro_uses_a_seeded_sample_of_at_most_the_cap():
    x = np.random.default_rng(3).normal(size=400)
    capped = distance_summary(x, seed=7, max_normality_sample=100)
    chosen = np.random.default_rng(7).choice(400, size=100, replace=False)
    assert capped["shapiro_n"] == 100
    assert capped["shapiro_statistic"] == pytest.approx(stats.shapiro(x[chosen]).statistic)
    assert distance_summary(x, seed=7, max_normality_sample=100) == capped
    other_seed = distance_summary(x, seed=8, max_normality_sample=100)
    assert other_seed["shapiro_statistic"] != capped["shapiro_statistic"]
    # D'Agostino-Pearson always uses every point.
    assert capped["normaltest_statistic"] == pytest.approx(stats.normaltest(x).statistic)


def test_small_and_constant_samples_give_none_with_reasons():
    few = distance_summary([1.0, 2.0, 4.0, 8.0, 9.0])
    assert few["normaltest_pvalue"] is None and "n >= 8" in few["normaltest_note"]
    assert few["tl_skewness"] is None and few["qq_correlation"] is not None
    assert few["skewness"] == pytest.approx(stats.skew([1.0, 2.0, 4.0, 8.0, 9.0], bias=False))
    one = distance_summary([3.0])
    assert one["sd"] is None and one["skewness"] is None and one["mean"] == 3.0
    assert "n >= 3" in one["shapiro_note"]
    empty = distance_summary([])
    assert empty["n"] == 0 and empty["mean"] is None and empty["tl_skewness"] is None
    constant = distance_summary(np.full(20, 5.0))
    assert constant["sd"] == 0.0 and constant["skewness"] is None
    assert constant["excess_kurtosis"] is None and constant["tl_kurtosis"] is None
    assert constant["normaltest_note"] == constant["shapiro_note"] == "all distances are equal"


def test_summary_rejects_non_finite_distances():
    with pytest.raises(ValueError, match="finite"):
        distance_summary([1.0, np.nan, 2.0])


# -- status, relative distance ----------------------------------------------------------------


def test_status_shares_on_a_hand_made_table():
    table = hull_table(
        distance=[5.0, 3.0, 0.0, 2.0, 0.0, 4.0, 1.0, 6.0, 0.5],
        status=[
            "certified",
            "certified",
            "inside",
            "not_converged",
            "inside",
            "certified",
            "certified",
            "not_converged",
            "separated",
        ],
        lower_bound=[4.9, 2.9, 0.0, 1.0, 0.0, 0.0, 0.9, 0.0, 0.1],
    )
    shares = status_shares(table)
    assert shares == {
        "n": 9,
        "outside": 4,
        "outside_share": 4 / 9,
        "outside_uncertain": 1,
        "outside_uncertain_share": 1 / 9,
        "inside": 2,
        "inside_share": 2 / 9,
        "not_converged": 2,
        "not_converged_share": 2 / 9,
        "separated": 1,
        "separated_share": 1 / 9,
    }
    np.testing.assert_array_equal(
        outside_mask(table), [True, True, False, False, False, False, True, False, True]
    )


def test_status_shares_rejects_contradictory_rows():
    with pytest.raises(ValueError, match="'outside'"):
        status_shares(hull_table([1.0]).assign(status=["outside"]))
    with pytest.raises(ValueError, match="distance 0"):
        status_shares(hull_table([0.0, 1.0], lower_bound=[0.0, 0.5]))
    with pytest.raises(ValueError, match="'separated' row has no positive lower bound"):
        status_shares(hull_table([1.0], lower_bound=[0.0]).assign(status=["separated"]))


def test_relative_to_nn_is_nan_on_training_points():
    table = hull_table([1.0, 2.0, 0.0], nn_distance=[4.0, 2.5, 0.0], status=["certified"] * 3)
    ratio = relative_to_nn(table)
    np.testing.assert_allclose(ratio.to_numpy(), [0.25, 0.8, np.nan])
    assert ratio.name == "relative_to_nn"


# -- per class, by correctness ----------------------------------------------------------------


def test_per_class_matches_pandas_groupby():
    labels = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 1])
    # Queries out of order and not all test rows: labels are looked up by query.
    query = np.array([9, 3, 0, 5, 6, 1, 8, 2])
    distance = np.array([4.0, 1.0, 2.0, 7.0, 0.0, 3.0, 5.0, 6.0])
    status = ["certified"] * 4 + ["inside"] + ["certified", "not_converged", "certified"]
    lower = np.where(np.array(status) == "certified", 0.9 * distance, 0.0)
    table = hull_table(distance, status=status, lower_bound=lower, query=query)
    result = per_class(table, labels)

    frame = pd.DataFrame({"k": labels[query], "d": distance, "out": lower > 0})
    expected = frame.groupby("k").agg(
        n=("d", "size"),
        share_outside=("out", "mean"),
        mean_distance=("d", "mean"),
        median_distance=("d", "median"),
        sd_distance=("d", "std"),
    )
    assert result["class"].tolist() == [0, 1, 2]
    np.testing.assert_allclose(result.drop(columns="class").to_numpy(), expected.to_numpy())
    # Class 0 holds queries 9 (certified) and 6 (inside): half of it is outside.
    assert result.loc[result["class"] == 0, "share_outside"].item() == 0.5


def test_per_class_rejects_queries_beyond_the_labels():
    with pytest.raises(ValueError, match="query 4 out of range"):
        per_class(hull_table([1.0, 2.0], query=[0, 4]), labels=[0, 1, 0])


def test_by_correctness_matches_mannwhitneyu():
    distance = np.array([1.0, 2.0, 3.0, 10.0, 12.0, 2.5, 11.0, 4.0])
    query = np.array([3, 0, 1, 7, 6, 2, 5, 4])
    correct = {0: True, 1: True, 2: False, 3: True, 4: True, 5: False, 6: False, 7: False}
    result = by_correctness(hull_table(distance, query=query), prediction_table(correct))

    is_correct = np.array([correct[q] for q in query])
    right, wrong = distance[is_correct], distance[~is_correct]
    pvalue = stats.mannwhitneyu(right, wrong, alternative="two-sided").pvalue
    assert result.index.tolist() == ["correct", "wrong"]
    assert result["n"].tolist() == [4, 4]
    np.testing.assert_allclose(result["mean_distance"], [right.mean(), wrong.mean()])
    np.testing.assert_allclose(result["median_distance"], [np.median(right), np.median(wrong)])
    np.testing.assert_allclose(result["mannwhitney_pvalue"].astype(float), [pvalue, pvalue])


def test_by_correctness_without_two_points_per_group_has_no_test():
    predictions = prediction_table({0: True, 1: True, 2: False})
    result = by_correctness(hull_table([1.0, 2.0, 3.0]), predictions)
    assert result["n"].tolist() == [2, 1]
    assert result["mannwhitney_pvalue"].tolist() == [None, None]


def test_by_correctness_needs_a_prediction_per_query():
    with pytest.raises(ValueError, match="query 2"):
        by_correctness(hull_table([1.0, 2.0, 3.0]), prediction_table({0: True, 1: False}))


# -- random points, diameter, examples --------------------------------------------------------


def test_compare_to_random_on_known_numbers():
    real = hull_table([1.0, 2.0, 3.0, 10.0])
    random = hull_table([5.0, 20.0, 30.0, 40.0, 10.0])
    result = compare_to_random(real, random)
    assert result == {
        # The random baseline may draw fewer (or more) points than the test rows.
        "real_n": 4,
        "random_n": 5,
        "real_mean": 4.0,
        "real_median": 2.5,
        "random_mean": 21.0,
        "random_median": 20.0,
        "median_ratio": 8.0,
        # Of the 20 (random, real) pairs 18 have the random point farther, one ties (10.0).
        "superiority": 18.5 / 20,
    }
    assert compare_to_random(hull_table([0.0, 0.0, 1.0]), random)["median_ratio"] is None


def test_farthest_share_of_diameter():
    table = hull_table([1200.0, 3500.0, 800.0])
    assert farthest_share_of_diameter(table, 13621.0) == pytest.approx(3500.0 / 13621.0)
    with pytest.raises(ValueError, match="diameter"):
        farthest_share_of_diameter(table, 0.0)


def test_example_queries_among_outside_points_with_ties_and_even_n():
    # Outside: queries 10..15 with distances 4, 9, 1, 9, 6, 1; query 16 (farther, but not
    # converged) and 17 (inside) are not candidates.
    table = hull_table(
        [4.0, 9.0, 1.0, 9.0, 6.0, 1.0, 50.0, 0.0],
        status=["certified"] * 6 + ["not_converged", "inside"],
        lower_bound=[3.9, 8.9, 0.9, 8.9, 5.9, 0.9, 1.0, 0.0],
        query=np.arange(10, 18),
    )
    # Sorted: 1 (12), 1 (15), 4 (10), 6 (14), 9 (11), 9 (13); the lower middle is position 2.
    assert example_queries(table) == {
        "farthest": 11,
        "median": 10,
        "nearest": 12,
        "among": "outside",
    }
    odd = table[table["query"] != 13]
    assert example_queries(odd)["median"] == 10  # 1, 1, 4, 6, 9: the middle one


def test_example_queries_fall_back_to_all_points():
    table = hull_table(
        [0.0, 2.0, 0.0], status=["inside", "not_converged", "inside"], lower_bound=[0.0] * 3
    )
    assert example_queries(table) == {"farthest": 1, "median": 2, "nearest": 0, "among": "all"}


# -- missing columns -------------------------------------------------------------------------

CALLS = {
    "status_shares": lambda t: status_shares(t),
    "relative_to_nn": lambda t: relative_to_nn(t),
    "per_class": lambda t: per_class(t, [0, 1, 0]),
    "by_correctness": lambda t: by_correctness(t, prediction_table({0: True, 1: False, 2: True})),
    "compare_to_random": lambda t: compare_to_random(t, hull_table([1.0])),
    "farthest_share_of_diameter": lambda t: farthest_share_of_diameter(t, 10.0),
    "example_queries": lambda t: example_queries(t),
}
NEEDS = [
    ("status_shares", "status"),
    ("status_shares", "lower_bound"),
    ("status_shares", "distance"),
    ("relative_to_nn", "nn_distance"),
    ("per_class", "query"),
    ("per_class", "status"),
    ("by_correctness", "distance"),
    ("by_correctness", "query"),
    ("compare_to_random", "distance"),
    ("farthest_share_of_diameter", "distance"),
    ("example_queries", "lower_bound"),
]


@pytest.mark.parametrize(("function", "column"), NEEDS)
def test_missing_column_is_named(function, column):
    table = hull_table([1.0, 2.0, 3.0]).drop(columns=column)
    with pytest.raises(ValueError, match=f"no column '{column}'"):
        CALLS[function](table)


def test_missing_prediction_column_is_named():
    predictions = prediction_table({0: True}).drop(columns="correct")
    with pytest.raises(ValueError, match="predictions table has no column 'correct'"):
        by_correctness(hull_table([1.0]), predictions)


# -- figures ---------------------------------------------------------------------------------


def written(tmp_path, name):
    return tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"


def assert_written(png, pdf):
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 1000
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000


def figure_text(figure) -> str:
    """Every title and axis label of a figure, joined."""
    parts = [figure.get_suptitle()]
    for ax in figure.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    return " | ".join(parts)


@pytest.fixture(scope="module")
def sample():
    """120 test points of 3 classes (2, 5, 7), a few inside the hull, and predictions for them."""
    rng = np.random.default_rng(5)
    m = 120
    distance = rng.normal(500.0, 80.0, size=m).clip(1.0)
    status = np.where(np.arange(m) % 30 == 0, "inside", "certified")
    distance[status == "inside"] = 0.0
    table = hull_table(
        distance, status=list(status), nn_distance=distance * rng.uniform(1, 3, m) + 10
    )
    # Classes 2, 5 and 7 of 10: their colours are class_colour(2), (5), (7), not the first three.
    labels = np.array([2, 5, 7])[np.arange(m) % 3]
    predictions = prediction_table({q: bool(q % 4) for q in range(m)})
    return table, labels, predictions


def test_distance_distribution_figure(tmp_path, sample):
    table, _, _ = sample
    png, pdf = written(tmp_path, "distribution")
    figure = plots.plot_distance_distribution(
        table["distance"], png, pdf, "digits / pixel", "0..255"
    )
    assert_written(png, pdf)
    text = figure_text(figure)
    assert "digits / pixel" in text and "(0..255)" in text and "QQ" in text
    assert len(figure.axes) == 2
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert any(label.startswith("normal (mean") for label in labels)


def test_distance_distribution_figure_without_spread(tmp_path):
    png, pdf = written(tmp_path, "one")
    plots.plot_distance_distribution([3.0], png, pdf, "digits / pixel")
    assert_written(png, pdf)


def test_per_class_figure_keeps_class_colours(tmp_path, sample):
    table, labels, _ = sample
    names = [f"class {k}" for k in range(10)]
    png, pdf = written(tmp_path, "per_class")
    figure = plots.plot_per_class(table, labels, names, png, pdf, "digits / pixel")
    assert_written(png, pdf)
    ax = figure.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["class 2 (n=40)", "class 5 (n=40)", "class 7 (n=40)"]
    assert "(space units)" in ax.get_xlabel() and "digits / pixel" in ax.get_title()
    # Points and box outlines take the class's colour, whatever classes the table holds.
    expected = np.array([plots.class_colour(k) for k in (2, 5, 7)])
    points = [c.get_facecolor()[0][:3] for c in ax.collections if len(c.get_offsets())]
    boxes = list(dict.fromkeys(to_rgb(line.get_color()) for line in ax.lines))
    np.testing.assert_allclose(points, expected)
    np.testing.assert_allclose(boxes, expected)
    assert len(set(plots.CLASS_PALETTE)) == 10 and plots.class_colour(12) == plots.class_colour(2)


def test_per_class_figure_of_a_thousand_classes_draws_the_largest(tmp_path):
    """ImageNet-size: 1,000 classes. The figure draws the MOST_CLASSES classes with the most
    test points, says so, and stays the size of a figure of that many classes."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 1000, size=20_000)
    big = [3, 141, 592, 999, *range(10, 26)]  # 20 classes given 100 extra points each
    labels = np.concatenate([labels, np.repeat(big, 100)])
    table = hull_table(rng.uniform(1, 10, len(labels)))
    names = [f"n{k:08d}" for k in range(1000)]
    png, pdf = written(tmp_path, "per_class")
    figure = plots.plot_per_class(table, labels, names, png, pdf, "imagenet / features")
    assert_written(png, pdf)
    ticks = [t.get_text().split(" ")[0] for t in figure.axes[0].get_yticklabels()]
    assert ticks == [names[k] for k in sorted(big)]
    assert "the 20 classes with the most test points, of 1,000" in figure.axes[0].get_title()
    assert figure.get_size_inches()[1] <= 1.0 + 0.45 * plots.MOST_CLASSES
    assert pdf.stat().st_size < 2_000_000


@pytest.mark.parametrize("images", [False, True])
def test_directions_figure_of_a_thousand_classes_draws_the_largest(tmp_path, images):
    """Class-mean directions of 1,000 classes: a heat map of feature rows, or a panel per
    class of images; either way MOST_CLASSES classes, those with the most points outside."""
    from hullgen.findings import claim_plots

    rng = np.random.default_rng(1)
    means = rng.normal(size=(1000, 64))
    counts = rng.integers(1, 50, size=1000)
    counts[[5, 500, 995]] = 100
    names = [f"n{k:08d}" for k in range(1000)]
    summary = {"structure_effect": None, "probe_skill": 0.1, "probe_points_skill": 0.2}
    png, pdf = written(tmp_path, "directions")
    figure = claim_plots.plot_directions(
        means.reshape(1000, 8, 8) if images else None,
        means,
        list(range(1000)),
        names,
        summary,
        png,
        pdf,
        "imagenet / features",
        counts=counts,
    )
    assert_written(png, pdf)
    drawn = plots.drawn_classes(dict(enumerate(counts)))
    assert {5, 500, 995} <= set(drawn) and len(drawn) == plots.MOST_CLASSES
    if images:
        titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
        assert titles == [names[k] for k in drawn]
    else:
        ticks = [t.get_text() for t in figure.axes[0].get_yticklabels()]
        assert ticks == [names[k] for k in drawn]
    assert "the 20 classes with the most test points outside, of 1,000" in figure.get_suptitle()
    assert figure.get_size_inches()[1] < 12 and pdf.stat().st_size < 2_000_000


def test_drawn_classes_are_the_largest_ties_to_the_smaller():
    counts = {k: 1 for k in range(30)} | {7: 5, 20: 5, 25: 3}
    assert plots.drawn_classes(counts, most=3) == [7, 20, 25]
    assert plots.drawn_classes(counts, most=4) == [0, 7, 20, 25]
    assert plots.drawn_classes({4: 1, 2: 9}) == [2, 4]
    assert plots.classes_note(20, 20) == ""


def test_relative_to_nn_figure(tmp_path, sample):
    table, _, _ = sample
    table = table.assign(nn_distance=table["nn_distance"].where(table.index != 1, 0.0))
    png, pdf = written(tmp_path, "relative")
    figure = plots.plot_relative_to_nn(table, png, pdf, "digits / pixel")
    assert_written(png, pdf)
    legend = figure.axes[0].get_legend().get_texts()[0].get_text()
    assert legend == "119 test points (1 equal to a training point left out)"
    assert "ratio" in figure.axes[0].get_xlabel()


def test_by_correctness_figure(tmp_path, sample):
    table, _, predictions = sample
    png, pdf = written(tmp_path, "correctness")
    figure = plots.plot_by_correctness(table, predictions, png, pdf, "digits / pixel", "0..255")
    assert_written(png, pdf)
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend == ["correctly classified (n=90)", "wrongly classified (n=30)"]


@pytest.mark.parametrize(
    ("scale", "axis", "real_label"),
    [
        (1.5, "linear", "real test points (n=120)"),
        # The 4 test points inside the hull (distance 0) cannot go on a log axis.
        (100.0, "log", "real test points (n=120, 4 at 0 not shown)"),
    ],
)
def test_random_vs_real_figure(tmp_path, sample, scale, axis, real_label):
    table, _, _ = sample
    random = np.random.default_rng(6).uniform(400.0, 600.0, size=50) * scale
    png, pdf = written(tmp_path, f"random_{axis}")
    figure = plots.plot_random_vs_real(
        table["distance"], random, png, pdf, "digits / random", "0..255"
    )
    assert_written(png, pdf)
    ax = figure.axes[0]
    assert ax.get_xscale() == axis
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [real_label, "random points (n=50)"]
    assert "(0..255" in ax.get_xlabel() and "digits / random" in figure.get_suptitle()
    # With the nearest-training distances, a second panel shows them.
    figure = plots.plot_random_vs_real(
        table["distance"], random, png, pdf, "d", "0..255", real_nn=random / 3, random_nn=random
    )
    assert [a.get_title() for a in figure.axes] == [
        "distance to the training hull",
        "distance to the nearest training point",
    ]


def test_by_correctness_figure_when_every_point_is_correct(tmp_path, sample):
    table, _, _ = sample
    predictions = prediction_table(dict.fromkeys(range(len(table)), True))
    png, pdf = written(tmp_path, "all_correct")
    figure = plots.plot_by_correctness(table, predictions, png, pdf, "digits / pixel")
    assert_written(png, pdf)
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend == ["correctly classified (n=120)"]
