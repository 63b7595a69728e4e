"""Networks under and over their parameter count, and control outside the training hull.

Section 4 of the paper: an under-parameterized network struggles to fit its training set; an
over-parameterized one fits it, and then the training regime decides how its decision boundary
extends outside the convex hull of the data. The study trains binary ReLU MLPs of growing width
on a 2-D data set under several regimes and seeds (:mod:`mlp_models`), classifies every point of
a grid around the data, and measures:

- per model: training loss and accuracy, error against the true labelling inside and outside
  the hull, and agreement with the target labelling outside the hull (what the targeted regimes
  aim at; :func:`outside_targets`);
- per width: how often two models differ, for pairs that differ only in their regime (same
  seed, so the same initial weights) and pairs that differ only in their seed, in bands of
  distance to the training data: inside the hull near the data (the hull's empty pockets are
  left out: nothing pins a boundary there), and three bands outside, near, mid and far (equal
  thirds of the outside grid by distance to the nearest training point).

The verdicts are in :mod:`mlp_verdicts`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
import torch
from scipy.spatial import cKDTree

from hullgen.experiments.mlp.models import parameter_count, per_model_loss, predict, train_models
from hullgen.experiments.mlp.options import MlpOptions
from hullgen.experiments.mlp.toy2d import box, grid, hull_mask, make_dataset, true_labels

# Bands of the grid, by distance to the nearest training point (BAND_NAMES[band]).
INSIDE_POCKET, INSIDE_NEAR, OUTSIDE_NEAR, OUTSIDE_MID, OUTSIDE_FAR = -1, 0, 1, 2, 3
BAND_NAMES = {0: "inside, near the data", 1: "outside, near", 2: "outside, mid", 3: "outside, far"}
# Inside the hull, "near the data" is within this quantile of the training points' distances
# to their nearest neighbour: the spacing of the data, so the hull's empty pockets are left out.
NEAR_QUANTILE = 0.9

logger = logging.getLogger("hullgen.experiments")


def share(flags: np.ndarray) -> float:
    """Fraction of True in ``flags``; NaN for an empty selection (no grid point in that scope)."""
    return float(flags.mean()) if flags.size else float("nan")


def pairwise_disagreement(
    predictions: np.ndarray, pairs: list[tuple[int, int]], mask: np.ndarray
) -> float:
    """Mean over ``pairs`` of rows of ``predictions`` (k, m) of the share of ``mask``ed grid
    points where the two models differ; NaN without pairs or points. It does not grow with
    the number of models, so groups of different sizes compare."""
    if not pairs or not mask.any():
        return float("nan")
    return float(np.mean([share(predictions[a, mask] != predictions[b, mask]) for a, b in pairs]))


def error_shares(
    predictions: np.ndarray, truth: np.ndarray | None, inside: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per model (k,): share of grid points inside / outside the hull predicted against ``truth``.

    All NaN when the data set has no true labelling (``truth`` None).
    """
    if truth is None:
        missing = np.full(len(predictions), np.nan)
        return missing, missing.copy()
    wrong = predictions != truth[None, :]
    return _row_shares(wrong[:, inside]), _row_shares(wrong[:, ~inside])


def _row_shares(flags: np.ndarray) -> np.ndarray:
    return np.array([share(row) for row in flags])


def distance_bands(train_x: np.ndarray, points: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """The band of each grid point (m,): INSIDE_NEAR, INSIDE_POCKET, or OUTSIDE_NEAR / MID /
    FAR, the outside points split into equal thirds by distance to the nearest training
    point."""
    tree = cKDTree(train_x)
    distance = tree.query(points)[0]
    spacing = tree.query(train_x, k=2)[0][:, 1]
    near = np.quantile(spacing, NEAR_QUANTILE)
    bands = np.where(distance <= near, INSIDE_NEAR, INSIDE_POCKET)
    outside = ~inside
    if outside.any():
        cuts = np.quantile(distance[outside], [1 / 3, 2 / 3])
        bands = np.where(outside, OUTSIDE_NEAR + np.searchsorted(cuts, distance), bands)
    return bands.astype(np.int64)


def outside_targets(
    kind: str, dataset: str, noise: float, train_x: np.ndarray, train_y: np.ndarray, points
) -> np.ndarray:
    """The target labelling (m,) int64 of ``points``: the data set's true labelling
    (``truth``), its opposite (``flipped``: what no model extending the data does by itself),
    the label of the nearest training point (``nearest``), or one class everywhere
    (``class-0``, ``class-1``)."""
    points = np.asarray(points)
    if kind in ("class-0", "class-1"):
        return np.full(len(points), int(kind[-1]), dtype=np.int64)
    if kind == "nearest":
        return np.asarray(train_y, dtype=np.int64)[cKDTree(train_x).query(points)[1]]
    labels = true_labels(dataset, points, noise)
    if labels is None:
        raise ValueError(
            f"config key 'experiments.mlp.outside_target': {kind} needs a true labelling, and"
            f" {dataset} has none away from its data; use nearest, class-0 or class-1"
        )
    return labels if kind == "truth" else 1 - labels


def outside_sample(train_x: np.ndarray, count: int, box_factor: float, seed: int) -> np.ndarray:
    """``count`` points uniform in the grid's box (the training bounding box scaled by
    ``box_factor``) and outside the training hull: where the penalties act."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4]))
    centre, half = box(train_x, box_factor)
    found = np.empty((0, 2))
    while len(found) < count:
        draw = rng.uniform(centre - half, centre + half, size=(4 * count, 2))
        found = np.vstack([found, draw[~hull_mask(train_x, draw)]])
    return found[:count]


@dataclass
class MlpStudy:
    """Everything the study measured; arrays are numpy, tables pandas.

    ``options``: the study's options (validated by the config schema). ``train_x`` (n, 2)
    float64, ``train_y`` (n,) int64. ``xs`` (g,), ``ys`` (g,) and ``grid_points`` (g * g, 2):
    the grid of :func:`hullgen.experiments.mlp.toy2d.grid` (x varies fastest). ``inside`` (g * g,)
    bool: in or on the training hull. ``bands`` (g * g,) int: :func:`distance_bands`.
    ``truth`` (g * g,) int64 true labels, or None where the data set has none. ``targets``
    (len(options.target_kinds()), g * g) int64: row i is the labelling of target kind i of
    :func:`target_kinds` (:func:`outside_targets`). ``models``: one row per trained model,
    ordered by width, then regime (in option order), then seed; its ``target`` column names
    the kind the model is measured against (:func:`regime_target`).
    ``predictions`` (len(models), g * g) uint8: row i is the class model row i predicts at each
    grid point. ``comparison``: one row per (width, band, pairs), see
    :func:`comparison_table`. Shares are fractions in [0, 1].
    """

    options: MlpOptions
    train_x: np.ndarray
    train_y: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    grid_points: np.ndarray
    inside: np.ndarray
    bands: np.ndarray
    truth: np.ndarray | None
    targets: np.ndarray
    models: pd.DataFrame
    predictions: np.ndarray
    comparison: pd.DataFrame


def run_study(options: MlpOptions | dict, log: logging.Logger | None = None) -> MlpStudy:
    """Train every (width, regime, seed) of ``options`` and measure them on the grid.

    ``options`` is the config's ``experiments.mlp`` section with its defaults filled in (see
    the config schema). Progress goes to ``log``, by default the ``hullgen.experiments``
    logger, one line per width.
    """
    log = log or logger
    options = MlpOptions.of(options)
    dataset, noise = options.dataset, options.noise
    train_x, train_y = make_dataset(dataset, options.n_train, noise, options.data_seed)
    xs, ys, points = grid(train_x, options.grid_size, options.box_factor)
    inside = hull_mask(train_x, points)
    kinds = options.target_kinds()
    targets = np.stack(
        [outside_targets(kind, dataset, noise, train_x, train_y, points) for kind in kinds]
    )
    outside_x = outside_sample(
        train_x, options.outside_points, options.box_factor, options.data_seed
    )
    # Row r: what regime r aims at (used only where its outside_penalty is on).
    outside_y = np.stack(
        [
            outside_targets(options.target_of(r), dataset, noise, train_x, train_y, outside_x)
            for r in options.regimes
        ]
    )
    seeds = list(range(options.seeds))
    rows, predictions = [], []
    for width in options.widths:
        started = time.perf_counter()
        models = train_models(
            train_x,
            train_y,
            seeds=seeds,
            width=width,
            hidden_layers=options.hidden_layers,
            regimes=options.regimes,
            epochs=options.epochs,
            outside_x=outside_x,
            outside_y=outside_y,
        )
        rows += _model_rows(models, train_x, train_y, width, options, seeds)
        predictions.append(predict(models, points))
        log.info(
            "width %d (%d parameters): %d models trained in %.1f s",
            width,
            parameter_count(width, options.hidden_layers),
            len(options.regimes) * len(seeds),
            time.perf_counter() - started,
        )
    predictions = np.concatenate(predictions)
    table = pd.DataFrame(rows)
    truth = true_labels(dataset, points, noise)
    table["error_inside"], table["error_outside"] = error_shares(predictions, truth, inside)
    row_targets = targets[[kinds.index(kind) for kind in table["target"]]]
    table["target_agreement_outside"] = _row_shares(
        predictions[:, ~inside] == row_targets[:, ~inside]
    )
    bands = distance_bands(train_x, points, inside)
    return MlpStudy(
        options=options,
        train_x=train_x,
        train_y=train_y,
        xs=xs,
        ys=ys,
        grid_points=points,
        inside=inside,
        bands=bands,
        truth=truth,
        targets=targets,
        models=table,
        predictions=predictions,
        comparison=comparison_table(table, predictions, bands),
    )


def _model_rows(models, train_x, train_y, width: int, options: MlpOptions, seeds: list[int]):
    """One ``models`` table row per stacked model, without the grid measures."""
    with torch.no_grad():
        x = torch.as_tensor(train_x, dtype=torch.float32)
        y = torch.as_tensor(train_y, dtype=torch.float32)
        losses = per_model_loss(models, x, y).numpy()
    accuracies = (predict(models, train_x) == train_y[None, :]).mean(axis=1)
    parameters = parameter_count(width, options.hidden_layers)
    labels = [(regime, seed) for regime in options.regimes for seed in seeds]
    return [
        {
            "width": width,
            "parameters": parameters,
            "regime": regime.name,
            "seed": seed,
            "target": options.target_of(regime),
            "train_accuracy": float(accuracy),
            "final_loss": float(loss),
        }
        for (regime, seed), accuracy, loss in zip(labels, accuracies, losses, strict=True)
    ]


def model_pairs(models: pd.DataFrame) -> tuple[list, list]:
    """Pairs of ``models``' index labels within one width: same regime and different seeds;
    same seed and different regimes.

    All regimes of one seed start from the same weights (see
    :func:`hullgen.experiments.mlp.models.init_seed`), so the first pairs differ only in their
    start, the second only in how they were trained.
    """
    same_regime, same_seed = [], []
    for _, of_width in models.groupby("width", sort=False):
        for a, b in combinations(of_width.index, 2):
            if models.at[a, "regime"] == models.at[b, "regime"]:
                same_regime.append((a, b))
            elif models.at[a, "seed"] == models.at[b, "seed"]:
                same_seed.append((a, b))
    return same_regime, same_seed


def comparison_table(
    models: pd.DataFrame, predictions: np.ndarray, bands: np.ndarray
) -> pd.DataFrame:
    """Mean pairwise disagreement per width and band, for pairs that differ only in their
    regime (``pairs`` = regimes) and only in their seed (``pairs`` = seeds).

    ``models`` needs columns ``width``, ``parameters``, ``regime`` and ``seed``, its row i
    matching ``predictions`` row i. Columns: ``width``, ``parameters``, ``band`` (a name of
    :data:`BAND_NAMES`), ``pairs``, ``disagreement`` (NaN without such pairs).
    """
    # Row positions index ``predictions``, whatever index the table was saved with.
    models = models.reset_index(drop=True)
    rows = []
    for width, of_width in models.groupby("width", sort=False):
        same_regime, same_seed = model_pairs(of_width)
        for band, name in BAND_NAMES.items():
            mask = bands == band
            for kind, pairs in (("regimes", same_seed), ("seeds", same_regime)):
                rows.append(
                    {
                        "width": width,
                        "parameters": int(of_width["parameters"].iloc[0]),
                        "band": name,
                        "pairs": kind,
                        "disagreement": pairwise_disagreement(predictions, pairs, mask),
                    }
                )
    return pd.DataFrame(rows)
