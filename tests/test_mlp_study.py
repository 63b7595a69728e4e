"""The MLP study's measurements: bands, targets, pairwise comparisons, tables and figures."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from hullgen.config import ConfigError
from hullgen.experiments.mlp import study as M
from hullgen.experiments.mlp.models import parameter_count
from hullgen.experiments.mlp.plots import plot_comparison, plot_control, plot_reach, plot_regions
from hullgen.experiments.mlp.toy2d import hull_mask, make_dataset, true_labels

from .helpers.studies import mlp_options

MODEL_COLUMNS = [
    "width",
    "parameters",
    "regime",
    "seed",
    "target",
    "train_accuracy",
    "final_loss",
    "error_inside",
    "error_outside",
    "target_agreement_outside",
]
COMPARISON_COLUMNS = ["width", "parameters", "band", "pairs", "disagreement"]


TINY = {
    "n_train": 40,
    "widths": [4, 32],
    "regimes": [
        {"name": "adam", "optimizer": "adam", "lr": 0.01},
        {"name": "aimed", "optimizer": "adam", "lr": 0.01, "outside_penalty": 1.0},
        {"name": "smooth", "optimizer": "sgd", "lr": 0.1, "gradient_penalty": 0.01},
    ],
    "seeds": 2,
    "epochs": 60,
    "grid_size": 20,
    "box_factor": 2.0,
    "outside_points": 50,
}


@pytest.fixture(scope="module")
def tiny_study():
    return M.run_study(mlp_options(**TINY))


def test_pairwise_disagreement_matches_a_direct_count():
    predictions = np.array([[0, 1, 1, 0, 0, 1], [0, 1, 0, 0, 1, 1], [0, 0, 1, 0, 1, 1]])
    outside = np.array([False, False, False, True, True, True])
    # Pairs (0, 1): columns 2 and 4 differ; (0, 2): columns 1 and 4.
    assert M.pairwise_disagreement(predictions, [(0, 1), (0, 2)], outside) == pytest.approx(1 / 3)
    assert np.isnan(M.pairwise_disagreement(predictions, [], outside))
    assert np.isnan(M.pairwise_disagreement(predictions, [(0, 1)], np.zeros(6, bool)))


def test_distance_bands_against_a_direct_computation():
    X, _ = make_dataset("moons", 60, 0.1, 0)
    points = np.random.default_rng(1).uniform(-2, 3, (3000, 2))
    inside = hull_mask(X, points)
    bands = M.distance_bands(X, points, inside)
    distance = cdist(points, X).min(axis=1)
    spacing = np.sort(cdist(X, X), axis=1)[:, 1]
    near = np.quantile(spacing, M.NEAR_QUANTILE)
    np.testing.assert_array_equal(bands[inside] == M.INSIDE_NEAR, distance[inside] <= near)
    np.testing.assert_array_equal(bands[inside] == M.INSIDE_POCKET, distance[inside] > near)
    outside_bands = bands[~inside]
    assert set(outside_bands) == {M.OUTSIDE_NEAR, M.OUTSIDE_MID, M.OUTSIDE_FAR}
    counts = np.bincount(outside_bands)[1:]
    assert counts.max() - counts.min() <= 2  # equal thirds
    by_band = [distance[~inside][outside_bands == b] for b in (1, 2, 3)]
    assert by_band[0].max() <= by_band[1].min() and by_band[1].max() <= by_band[2].min()


def test_outside_sample_and_targets():
    X, y = make_dataset("moons", 60, 0.1, 0)
    points = M.outside_sample(X, 500, 2.0, 3)
    assert points.shape == (500, 2) and not hull_mask(X, points).any()
    low, high = X.min(axis=0), X.max(axis=0)
    centre, half = (low + high) / 2, (high - low)  # box factor 2
    assert (np.abs(points - centre) <= half + 1e-12).all()
    np.testing.assert_array_equal(M.outside_sample(X, 500, 2.0, 3), points)
    truth = true_labels("moons", points, 0.1)
    np.testing.assert_array_equal(M.outside_targets("truth", "moons", 0.1, X, y, points), truth)
    np.testing.assert_array_equal(
        M.outside_targets("flipped", "moons", 0.1, X, y, points), 1 - truth
    )
    nearest = y[cdist(points, X).argmin(axis=1)]
    np.testing.assert_array_equal(M.outside_targets("nearest", "moons", 0.1, X, y, points), nearest)
    for label in (0, 1):
        constant = M.outside_targets(f"class-{label}", "spirals", 0.1, X, y, points)
        assert constant.dtype == np.int64 and (constant == label).all()
    with pytest.raises(ValueError, match="use nearest"):
        M.outside_targets("flipped", "spirals", 0.1, X, y, points)


def test_a_target_spirals_lack_is_a_config_error():
    with pytest.raises(ConfigError, match=r"outside_target.*spirals.*nearest"):
        mlp_options(dataset="spirals")
    assert mlp_options(dataset="spirals", outside_target="nearest").outside_target == "nearest"
    regimes = [{"name": "a"}, {"name": "b", "outside_penalty": 1.0, "outside_target": "truth"}]
    with pytest.raises(ConfigError, match=r"regimes\[1\]\.outside_target.*truth.*spirals"):
        mlp_options(dataset="spirals", outside_target="class-1", regimes=regimes)


def test_tiny_study_tables_and_shapes(tiny_study):
    study = tiny_study
    n_grid = TINY["grid_size"] ** 2
    assert list(study.models.columns) == MODEL_COLUMNS
    assert len(study.models) == 2 * 3 * 2
    assert study.predictions.shape == (12, n_grid) and study.predictions.dtype == np.uint8
    assert study.grid_points.shape == (n_grid, 2) and study.inside.shape == (n_grid,)
    assert study.bands.shape == (n_grid,) and study.targets.shape == (1, n_grid)
    assert (study.models["target"] == "flipped").all()
    assert study.train_x.shape == (40, 2) and study.truth.shape == (n_grid,)
    assert list(study.comparison.columns) == COMPARISON_COLUMNS
    assert len(study.comparison) == 2 * len(M.BAND_NAMES) * 2
    expected_counts = {w: parameter_count(w, 2) for w in TINY["widths"]}
    assert study.models["width"].map(expected_counts).equals(study.models["parameters"])


def test_tiny_study_measures_match_the_predictions(tiny_study):
    study = tiny_study
    np.testing.assert_array_equal(study.targets[0], 1 - study.truth)  # flipped by default
    for i, row in study.models.iterrows():
        wrong = study.predictions[i] != study.truth
        assert row.error_inside == pytest.approx(wrong[study.inside].mean())
        assert row.error_outside == pytest.approx(wrong[~study.inside].mean())
        on_target = study.predictions[i] == study.targets[0]
        assert row.target_agreement_outside == pytest.approx(on_target[~study.inside].mean())


def test_comparison_table_matches_numpy(tiny_study):
    study = tiny_study
    models = study.models.set_index(study.models.index + 100)  # a saved table's index
    table = M.comparison_table(models, study.predictions, study.bands)
    for row in table.itertuples():
        of_width = np.flatnonzero(study.models["width"].to_numpy() == row.width)
        mask = study.bands == {v: k for k, v in M.BAND_NAMES.items()}[row.band]
        shares = []
        for a in of_width:
            for b in of_width[of_width > a]:
                same_regime = study.models.at[a, "regime"] == study.models.at[b, "regime"]
                same_seed = study.models.at[a, "seed"] == study.models.at[b, "seed"]
                if (row.pairs == "seeds" and same_regime) or (row.pairs == "regimes" and same_seed):
                    shares.append((study.predictions[a, mask] != study.predictions[b, mask]).mean())
        expected = np.mean(shares) if shares and mask.any() else np.nan
        assert row.disagreement == pytest.approx(expected, nan_ok=True)


def test_study_without_truth_uses_the_nearest_labels():
    study = M.run_study(mlp_options(**{**TINY, "dataset": "spirals", "outside_target": "nearest",
                                       "widths": [4], "epochs": 5}))  # fmt: skip
    assert study.truth is None
    assert study.models[["error_inside", "error_outside"]].isna().all().all()
    assert study.models["target_agreement_outside"].between(0, 1).all()


def test_study_logs_one_line_per_width(caplog):
    with caplog.at_level(logging.INFO, logger="hullgen.experiments"):
        M.run_study(mlp_options(**{**TINY, "epochs": 2}))
    lines = [r.getMessage() for r in caplog.records if r.name == "hullgen.experiments"]
    assert [line.split()[:2] for line in lines] == [["width", "4"], ["width", "32"]]


def test_plots_write_png_and_pdf_from_loaded_tables(tiny_study, tmp_path):
    study = tiny_study
    # The plots must work from what the pipeline saves: Parquet tables and plain arrays.
    study.models.to_parquet(tmp_path / "models.parquet")
    study.comparison.to_parquet(tmp_path / "comparison.parquet")
    np.save(tmp_path / "grid_points.npy", study.grid_points)
    models = pd.read_parquet(tmp_path / "models.parquet")
    loaded = SimpleNamespace(
        options=study.options,
        train_x=study.train_x,
        train_y=study.train_y,
        grid_points=np.load(tmp_path / "grid_points.npy"),
        models=models,
        predictions=study.predictions,
        inside=study.inside,
        targets=study.targets,
    )
    comparison = pd.read_parquet(tmp_path / "comparison.parquet")
    outputs = {
        "regions": lambda png, pdf: plot_regions(loaded, png, pdf),
        "reach": lambda png, pdf: plot_reach(loaded, png, pdf),
        "comparison": lambda png, pdf: plot_comparison(comparison, 40, png, pdf),
        "control": lambda png, pdf: plot_control(models, study.options, png, pdf),
    }
    for name, plot in outputs.items():
        png, pdf = tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"
        plot(png, pdf)
        assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 1000
        assert pdf.read_bytes()[:4] == b"%PDF" and pdf.stat().st_size > 1000


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"dataset": "circles"}, "experiments.mlp.dataset"),
        ({"widths": []}, "experiments.mlp.widths"),
        ({"seeds": 0}, "experiments.mlp.seeds"),
        ({"regimes": [{"name": "x", "optimizer": "rmsprop"}]}, "optimizer"),
        ({"regimes": [{"name": "x", "outside_penalty": -1.0}]}, "outside_penalty"),
        ({"outside_target": "mirror"}, "experiments.mlp.outside_target"),
        ({"batch_size": 10}, "batch_size"),
    ],
)
def test_bad_options_are_config_errors_naming_the_key(change, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        mlp_options(**change)


def test_every_default_regime_fits_the_training_set_when_over_parameterized():
    """Section 4's "perfectly separate the data": the default regimes, penalties included,
    at an over-parameterized width (4,417 parameters for 200 points)."""
    study = M.run_study(mlp_options(widths=[64], seeds=1, grid_size=20))
    assert len(study.models) == len(mlp_options().regimes)
    assert (study.models["train_accuracy"] == 1.0).all(), study.models


def test_a_different_target_moves_the_outside_elsewhere():
    """Each aimed regime follows its own target outside the hull, in one study: the
    flipped labelling, the true one, one class everywhere."""
    aims = {"to-flipped": "flipped", "to-truth": "truth", "to-class-1": "class-1"}
    options = mlp_options(
        **{
            **TINY,
            "n_train": 100,
            "widths": [32],
            "seeds": 1,
            "epochs": 600,
            "outside_points": 300,
            "regimes": [
                {"name": name, "optimizer": "adam", "lr": 0.01, "outside_penalty": 1.0,
                 "outside_target": kind}
                for name, kind in aims.items()
            ],
        }
    )  # fmt: skip
    study = M.run_study(options)
    # Target kinds: flipped (the study's too), truth, class-1.
    assert study.targets.shape == (3, len(study.inside))
    models = study.models.set_index("regime")
    outside = ~study.inside
    for name, kind in aims.items():
        assert models.at[name, "target"] == kind
        assert models.at[name, "target_agreement_outside"] >= 0.9, name
        assert models.at[name, "train_accuracy"] >= 0.98, name
    flipped, truth, class_1 = (
        study.predictions[study.models.index[study.models["regime"] == name][0], outside]
        for name in aims
    )
    assert (flipped != truth).mean() >= 0.8
    assert (class_1 == 1).mean() >= 0.9 and (flipped != class_1).mean() >= 0.2


def test_the_verdicts_do_not_depend_on_the_grid_size():
    """Shares of grid points measure the claims: a 20 x 20 or a 60 x 60 grid over the same
    trained models gives the same verdicts."""
    from hullgen.experiments.mlp.verdicts import judge

    options = {**TINY, "widths": [2, 32], "epochs": 300}
    options.pop("grid_size")
    verdicts = [
        {
            k: v["holds"]
            for k, v in judge(M.run_study(mlp_options(**options, grid_size=size))).items()
        }
        for size in (20, 60)
    ]
    assert verdicts[0] == verdicts[1]
    assert set(verdicts[0].values()) <= {True, False}  # every verdict judged, none n/a
