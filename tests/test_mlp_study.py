"""The MLP study: toy data, grid and hull mask, the stacked MLPs, the study table and figures."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import multivariate_normal
from sklearn.datasets import make_moons

from hullgen.experiments.mlp import (
    disagreement_shares,
    disagreement_table,
    initial_block,
    make_mlp,
    pairwise_disagreement,
    parameter_count,
    predict,
    run_study,
    summary_lines,
    train_models,
)
from hullgen.experiments.mlp_plots import grid_axes, plot_disagreement, plot_error, plot_regions
from hullgen.experiments.toy2d import grid, hull_mask, hull_polygon, make_dataset, true_labels

ADAM = {"name": "adam", "optimizer": "adam", "lr": 0.01, "weight_decay": 0.0, "init_scale": 1.0}
SGD = {"name": "sgd", "optimizer": "sgd", "lr": 0.1, "weight_decay": 1e-4, "init_scale": 2.0}

TINY_OPTIONS = {
    "dataset": "moons",
    "n_train": 40,
    "noise": 0.1,
    "data_seed": 0,
    "hidden_layers": 2,
    "widths": [4, 32],
    "regimes": [ADAM, SGD],
    "seeds": 2,
    "epochs": 60,
    "grid_size": 20,
    "box_factor": 2.0,
}

MODEL_COLUMNS = [
    "width",
    "parameters",
    "regime",
    "seed",
    "train_accuracy",
    "final_loss",
    "error_inside",
    "error_outside",
]
DISAGREEMENT_COLUMNS = [
    "width",
    "parameters",
    "scope",
    "regime",
    "disagreement_inside",
    "disagreement_outside",
]


@pytest.fixture(scope="module")
def tiny_study():
    return run_study(TINY_OPTIONS)


def test_hull_mask_of_a_square_is_the_square():
    rng = np.random.default_rng(0)
    corners = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    train_x = np.vstack([corners, rng.uniform(-0.9, 0.9, (30, 2))])
    # 40 points over [-2, 2]: spacing 4/39, so no grid point falls on the square's edge.
    xs, ys, points = grid(train_x, 40, 2.0)
    np.testing.assert_allclose([xs[0], xs[-1], ys[0], ys[-1]], [-2, 2, -2, 2])
    expected = (np.abs(points[:, 0]) <= 1) & (np.abs(points[:, 1]) <= 1)
    np.testing.assert_array_equal(hull_mask(train_x, points), expected)


def test_hull_mask_counts_the_boundary_as_inside():
    corners = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    boundary = np.vstack([corners, [[0.0, 1.0], [1.0, 0.25], [-0.5, -1.0]]])
    assert hull_mask(corners, boundary).all()
    assert not hull_mask(corners, np.array([[1.01, 0.0], [0.0, -1.01]])).any()


def test_hull_polygon_is_the_closed_outline():
    corners = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    train_x = np.vstack([corners, [[0.2, 0.3], [-0.5, 0.1]]])
    outline = hull_polygon(train_x)
    assert outline.shape == (5, 2)
    np.testing.assert_array_equal(outline[0], outline[-1])
    assert {tuple(p) for p in outline[:-1]} == {tuple(c) for c in corners}


def test_grid_is_row_major_with_x_fastest():
    train_x = np.array([[0.0, 10.0], [4.0, 12.0]])
    xs, ys, points = grid(train_x, 3, 1.0)
    np.testing.assert_allclose(xs, [0, 2, 4])
    np.testing.assert_allclose(ys, [10, 11, 12])
    layout = points.reshape(3, 3, 2)
    np.testing.assert_allclose(layout[1, 2], [xs[2], ys[1]])
    np.testing.assert_allclose(layout[:, :, 0], np.tile(xs, (3, 1)))
    recovered_xs, recovered_ys = grid_axes(points)
    np.testing.assert_array_equal(recovered_xs, xs)
    np.testing.assert_array_equal(recovered_ys, ys)


@pytest.mark.parametrize("name", ["moons", "spirals", "blobs"])
def test_datasets_are_balanced_and_typed(name):
    X, y = make_dataset(name, 120, 0.1, 3)
    assert X.shape == (120, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [60, 60])
    X_again, _ = make_dataset(name, 120, 0.1, 3)
    np.testing.assert_array_equal(X, X_again)
    assert not np.array_equal(X, make_dataset(name, 120, 0.1, 4)[0])


def test_unknown_dataset_names_value_and_choices():
    with pytest.raises(ValueError, match=r"'circles'.*moons, spirals, blobs"):
        make_dataset("circles", 10, 0.1, 0)


def test_blob_truth_is_the_bayes_rule():
    noise = 0.6
    X, y = make_dataset("blobs", 4000, noise, 0)
    # The blobs the data come from: class 0 at (1, 1) and (-1, -1), class 1 at the other corners.
    blobs = {0: [(1.0, 1.0), (-1.0, -1.0)], 1: [(1.0, -1.0), (-1.0, 1.0)]}
    for label, centres in blobs.items():
        nearest = np.array(
            [max(centres, key=lambda c: np.dot(point, c)) for point in X[y == label]]
        )
        for centre in centres:
            mean = X[y == label][(nearest == centre).all(axis=1)].mean(axis=0)
            np.testing.assert_allclose(mean, centre, atol=0.1)
    points = np.random.default_rng(1).uniform(-3, 3, (2000, 2))
    density = {
        label: sum(multivariate_normal(c, noise**2 * np.eye(2)).pdf(points) for c in centres)
        for label, centres in blobs.items()
    }
    bayes = (density[1] > density[0]).astype(np.int64)
    np.testing.assert_array_equal(true_labels("blobs", points, noise), bayes)


def test_moons_truth_labels_the_noise_free_arcs_and_their_surroundings():
    X, y = make_moons(n_samples=200, noise=0.0, random_state=0)
    np.testing.assert_array_equal(true_labels("moons", X, 0.1), y)
    # Far above the upper arc is class 0, far below the lower arc class 1.
    far = np.array([[0.0, 5.0], [1.0, -5.0]])
    np.testing.assert_array_equal(true_labels("moons", far, 0.1), [0, 1])
    assert true_labels("spirals", X, 0.1) is None


@pytest.mark.parametrize(("width", "hidden_layers"), [(1, 1), (2, 2), (7, 3), (128, 2)])
def test_parameter_count_matches_the_module(width, hidden_layers):
    module = make_mlp(width, hidden_layers)
    assert parameter_count(width, hidden_layers) == sum(p.numel() for p in module.parameters())


def test_wide_mlp_fits_moons_and_is_reproducible():
    X, y = make_dataset("moons", 100, 0.1, 0)
    _, _, points = grid(X, 30, 2.0)
    rng_state = torch.get_rng_state()
    kwargs = {"width": 64, "hidden_layers": 2, "regimes": [ADAM], "epochs": 400}
    models = train_models(X, y, seeds=[5], **kwargs)
    np.testing.assert_array_equal(predict(models, X)[0], y)
    again = train_models(X, y, seeds=[5], **kwargs)
    np.testing.assert_array_equal(predict(models, points), predict(again, points))
    assert torch.equal(torch.get_rng_state(), rng_state)


def test_seeds_give_different_weights_and_init_scale_scales_them():
    block = initial_block([0, 1], 16, 2, 1.0)
    assert not torch.equal(block.weights[0][0], block.weights[0][1])
    scaled = initial_block([0, 1], 16, 2, 3.0)
    for plain, large in zip(block.parameters(), scaled.parameters(), strict=True):
        torch.testing.assert_close(large, 3.0 * plain)


def test_a_model_does_not_depend_on_the_models_trained_with_it():
    X, y = make_dataset("moons", 60, 0.1, 0)
    kwargs = {"width": 16, "hidden_layers": 2, "epochs": 100}
    together = train_models(X, y, seeds=[0, 1], regimes=[ADAM, SGD], **kwargs)
    alone = train_models(X, y, seeds=[1], regimes=[SGD], **kwargs)
    # Batched and single matmuls may round differently; nothing more than that may differ.
    for mixed, single in zip(together.blocks[1].parameters(), alone.parameters(), strict=True):
        torch.testing.assert_close(mixed[1], single[0], rtol=1e-4, atol=1e-5)


def test_disagreement_shares_match_a_direct_count():
    predictions = np.array(
        [
            [0, 1, 1, 0, 0, 1],
            [0, 1, 0, 0, 1, 1],
            [0, 0, 1, 0, 1, 1],
        ],
        dtype=np.uint8,
    )
    inside = np.array([True, True, True, False, False, False])
    # Columns 1 and 2 differ inside (2 of 3), column 4 outside (1 of 3).
    assert disagreement_shares(predictions, inside) == pytest.approx((2 / 3, 1 / 3))
    assert disagreement_shares(predictions[:1], inside) == (0.0, 0.0)
    # Pairs (0, 1): columns 2 and 4 differ; (0, 2): columns 1 and 4.
    assert pairwise_disagreement(predictions, [(0, 1), (0, 2)], ~inside) == pytest.approx(1 / 3)


def test_disagreement_table_matches_numpy():
    rng = np.random.default_rng(0)
    models = pd.DataFrame(
        [
            {"width": w, "parameters": 10 * w, "regime": r, "seed": s}
            for w in (2, 8)
            for r in ("a", "b")
            for s in (0, 1, 2)
        ],
        index=np.arange(12) + 100,  # a saved table's index need not be row positions
    )
    predictions = rng.integers(0, 2, (12, 50)).astype(np.uint8)
    inside = rng.random(50) < 0.4
    table = disagreement_table(models, predictions, inside)
    assert list(table.columns) == DISAGREEMENT_COLUMNS
    assert len(table) == 2 * 3
    for row in table.itertuples():
        of_width = models["width"].to_numpy() == row.width
        of_regime = models["regime"].to_numpy() == row.regime
        chosen = of_width if row.scope == "all" else of_width & of_regime
        group = predictions[np.flatnonzero(chosen)]
        differ = np.any(group != group[0], axis=0)
        assert row.disagreement_inside == pytest.approx(differ[inside].mean())
        assert row.disagreement_outside == pytest.approx(differ[~inside].mean())
        assert (row.scope == "all") == (row.regime == "all")


def test_tiny_study_tables_and_shapes(tiny_study):
    study = tiny_study
    n_grid = TINY_OPTIONS["grid_size"] ** 2
    assert list(study.models.columns) == MODEL_COLUMNS
    assert len(study.models) == 2 * 2 * 2
    assert study.predictions.shape == (8, n_grid) and study.predictions.dtype == np.uint8
    assert study.grid_points.shape == (n_grid, 2) and study.inside.shape == (n_grid,)
    assert study.train_x.shape == (40, 2) and study.truth.shape == (n_grid,)
    assert list(study.disagreement.columns) == DISAGREEMENT_COLUMNS
    assert len(study.disagreement) == 2 * (2 + 1)
    assert set(study.disagreement["scope"]) == {"seeds", "all"}
    expected_counts = {w: parameter_count(w, 2) for w in TINY_OPTIONS["widths"]}
    assert study.models["width"].map(expected_counts).equals(study.models["parameters"])


def test_tiny_study_errors_match_the_predictions(tiny_study):
    study = tiny_study
    for i, row in study.models.iterrows():
        wrong = study.predictions[i] != study.truth
        assert row.error_inside == pytest.approx(wrong[study.inside].mean())
        assert row.error_outside == pytest.approx(wrong[~study.inside].mean())


def test_study_without_truth_has_nan_errors(tmp_path):
    study = run_study({**TINY_OPTIONS, "dataset": "spirals", "widths": [4], "epochs": 5})
    assert study.truth is None
    assert study.models[["error_inside", "error_outside"]].isna().all().all()
    assert any("no true labelling" in line for line in summary_lines(study))
    plot_error(study.models, 40, tmp_path / "e.png", tmp_path / "e.pdf")
    assert (tmp_path / "e.png").stat().st_size > 0 and (tmp_path / "e.pdf").stat().st_size > 0


def test_study_logs_one_line_per_width(caplog):
    with caplog.at_level(logging.INFO, logger="hullgen.experiments"):
        run_study({**TINY_OPTIONS, "epochs": 2})
    lines = [r.getMessage() for r in caplog.records if r.name == "hullgen.experiments"]
    assert [line.split()[:2] for line in lines] == [["width", "4"], ["width", "32"]]


def test_plots_write_png_and_pdf_from_loaded_tables(tiny_study, tmp_path):
    study = tiny_study
    # The plots must work from what the pipeline saves: Parquet tables and plain arrays.
    models_path, disagreement_path = tmp_path / "models.parquet", tmp_path / "dis.parquet"
    study.models.to_parquet(models_path)
    study.disagreement.to_parquet(disagreement_path)
    points_path = tmp_path / "grid_points.npy"
    np.save(points_path, study.grid_points)
    loaded = SimpleNamespace(
        options={"dataset": "moons"},
        train_x=study.train_x,
        train_y=study.train_y,
        grid_points=np.load(points_path),
        models=pd.read_parquet(models_path),
        predictions=study.predictions,
    )
    outputs = {
        "regions": lambda png, pdf: plot_regions(loaded, png, pdf),
        "disagreement": lambda png, pdf: plot_disagreement(
            pd.read_parquet(disagreement_path), 40, png, pdf
        ),
        "error": lambda png, pdf: plot_error(loaded.models, 40, png, pdf),
    }
    for name, plot in outputs.items():
        png, pdf = tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"
        plot(png, pdf)
        assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 1000
        assert pdf.read_bytes()[:4] == b"%PDF" and pdf.stat().st_size > 1000


def _fake_study(differ_inside: float, regime_outside: float, seed_outside: float):
    """Two over-parameterized models per (regime, seed) grid: 2 regimes x 2 seeds, one width.

    Grid: 100 points inside the hull, 100 outside. Models of one seed differ from each other on
    ``regime_outside`` of the outside points, models of one regime on ``seed_outside``.
    """
    inside = np.arange(200) < 100
    base = np.zeros(200, dtype=np.uint8)
    rows, predictions = [], []
    for r, regime in enumerate(("a", "b")):
        for seed in (0, 1):
            p = base.copy()
            p[:100][: int(100 * differ_inside)] = r
            p[100 : 100 + int(100 * regime_outside)] = r
            p[150 : 150 + int(100 * seed_outside)] = seed
            predictions.append(p)
            rows.append({"width": 64, "parameters": 5000, "regime": regime, "seed": seed})
    models = pd.DataFrame(rows).assign(
        train_accuracy=1.0, final_loss=0.01, error_inside=np.nan, error_outside=np.nan
    )
    predictions = np.array(predictions)
    options = {**TINY_OPTIONS, "n_train": 200, "widths": [64], "regimes": [ADAM, SGD]}
    return SimpleNamespace(
        options=options,
        inside=inside,
        models=models,
        predictions=predictions,
        disagreement=disagreement_table(models, predictions, inside),
    )


def test_summary_says_the_claims_hold_when_the_numbers_do():
    lines = summary_lines(_fake_study(differ_inside=0.0, regime_outside=0.3, seed_outside=0.05))
    claims = [line for line in lines if line.startswith("claim")]
    assert len(claims) == 2 and all(" holds:" in line for line in claims)
    assert "differ on 30.0% of grid points" in claims[1]


def test_summary_says_the_claims_fail_when_the_numbers_do():
    lines = summary_lines(_fake_study(differ_inside=0.2, regime_outside=0.05, seed_outside=0.3))
    claims = [line for line in lines if line.startswith("claim")]
    assert len(claims) == 2 and all("does not hold" in line for line in claims)
    assert "disagree on 20.0% inside" in claims[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dataset": "circles"}, r"'dataset' = 'circles'"),
        ({"widths": []}, r"'widths' = \[\]"),
        ({"seeds": 0}, r"'seeds' = 0"),
        ({"epochs": 2.5}, r"'epochs' = 2\.5"),
        ({"regimes": [{**ADAM, "optimizer": "rmsprop"}]}, r"'optimizer' = 'rmsprop'"),
        ({"regimes": [{**ADAM, "lr": -1.0}]}, r"'lr' = -1\.0"),
        ({"regimes": [ADAM, ADAM]}, r"'regimes'.*not distinct"),
        ({"batch_size": 10}, r"unknown option 'batch_size'"),
    ],
)
def test_bad_options_name_the_key(change, message):
    with pytest.raises(ValueError, match=message):
        run_study({**TINY_OPTIONS, **change})


def test_missing_option_is_named():
    options = {key: value for key, value in TINY_OPTIONS.items() if key != "grid_size"}
    with pytest.raises(ValueError, match=r"missing option 'grid_size'"):
        run_study(options)
