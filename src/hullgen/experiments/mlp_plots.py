"""Figures of the MLP study: decision regions, disagreement and error against parameter count.

Every function takes plain data (DataFrames, arrays, or an object with the attribute names of
:class:`hullgen.experiments.mlp.MlpStudy`), so that it works on results loaded back from files,
and writes a PNG (150 dpi) and a PDF. Figures are drawn on ``matplotlib.figure.Figure`` objects
with the Agg canvas, never through pyplot, so no window or global figure state is involved.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import ListedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hullgen.experiments.toy2d import hull_polygon
from hullgen.figures import save_figure

PALETTE = sns.color_palette("colorblind")
# Classes take the palette's first two colours, regimes the rest, so the two never share one.
CLASS_COLOURS = (PALETTE[0], PALETTE[1])
REGIME_PALETTE = PALETTE[2:]
REGION_ALPHA = 0.35
ALL_COLOUR = "black"
PANEL_INCHES = 3.0


def regime_colours(names) -> dict[str, tuple]:
    """A colour per regime name, by order of first appearance (the config's order)."""
    unique = list(dict.fromkeys(names))
    return {name: REGIME_PALETTE[i % len(REGIME_PALETTE)] for i, name in enumerate(unique)}


def grid_axes(grid_points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """xs (g,) and ys (g,) of a square grid's points (g * g, 2), x varying fastest."""
    grid_points = np.asarray(grid_points)
    size = math.isqrt(len(grid_points))
    return grid_points[:size, 0], grid_points[::size, 1]


def plot_regions(study_like, png: str | os.PathLike, pdf: str | os.PathLike) -> None:
    """Decision regions of seed 0, one panel per width (rows) and regime (columns).

    ``study_like`` needs ``options`` (a mapping with ``dataset``), ``train_x`` (n, 2),
    ``train_y`` (n,), ``grid_points`` (g * g, 2) in the row-major, x-fastest order of
    :func:`hullgen.experiments.toy2d.grid`, ``models`` (columns ``width``, ``parameters``,
    ``regime``, ``seed``) and ``predictions`` (len(models), g * g), row i for models row i.
    """
    models = study_like.models.reset_index(drop=True)
    widths = list(dict.fromkeys(models["width"]))
    regimes = list(dict.fromkeys(models["regime"]))
    xs, ys = grid_axes(study_like.grid_points)
    aspect = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    figure = Figure(
        figsize=(PANEL_INCHES * len(regimes), PANEL_INCHES * aspect * len(widths) + 1.2),
        layout="constrained",
    )
    axes = figure.subplots(len(widths), len(regimes), squeeze=False, sharex=True, sharey=True)
    first_seed = models["seed"].min()
    for row, width in enumerate(widths):
        for column, regime in enumerate(regimes):
            chosen = models.index[
                (models["width"] == width)
                & (models["regime"] == regime)
                & (models["seed"] == first_seed)
            ]
            _region_panel(axes[row, column], study_like, chosen[0], xs, ys)
            parameters = models.at[chosen[0], "parameters"]
            axes[row, column].set_title(
                f"{regime}: width {width}, {parameters:,} parameters", fontsize=8
            )
    for ax in axes[-1, :]:
        ax.set_xlabel("x1")
    for ax in axes[:, 0]:
        ax.set_ylabel("x2")
    figure.legend(handles=_region_legend(), loc="outside lower center", ncols=5, fontsize=8)
    figure.suptitle(
        f"Decision regions on {study_like.options['dataset']} (seed {first_seed}), "
        "training hull outlined"
    )
    save_figure(figure, png, pdf)


def _region_panel(ax, study_like, model_row: int, xs: np.ndarray, ys: np.ndarray) -> None:
    """One model's predicted classes over the grid, the hull and the training points."""
    regions = np.asarray(study_like.predictions[model_row]).reshape(len(ys), len(xs))
    fills = ListedColormap([to_rgba(colour, REGION_ALPHA) for colour in CLASS_COLOURS])
    # Rasterized: a vector PDF of 40,000 cells per panel would be huge and slow to view.
    ax.pcolormesh(xs, ys, regions, cmap=fills, vmin=0, vmax=1, shading="nearest", rasterized=True)
    train_x, train_y = np.asarray(study_like.train_x), np.asarray(study_like.train_y)
    outline = hull_polygon(train_x)
    ax.plot(outline[:, 0], outline[:, 1], color="black", linewidth=1.0)
    for label, colour in enumerate(CLASS_COLOURS):
        chosen = train_x[train_y == label]
        ax.scatter(chosen[:, 0], chosen[:, 1], s=6, color=colour, edgecolors="white", lw=0.3)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7)


def _region_legend() -> list:
    handles = []
    for label, colour in enumerate(CLASS_COLOURS):
        handles.append(Patch(color=to_rgba(colour, REGION_ALPHA), label=f"predicted class {label}"))
        handles.append(
            Line2D([], [], marker="o", ls="", color=colour, label=f"training class {label}")
        )
    handles.append(Line2D([], [], color="black", label="convex hull of the training data"))
    return handles


def plot_disagreement(
    disagreement: pd.DataFrame, n_train: int, png: str | os.PathLike, pdf: str | os.PathLike
) -> None:
    """Share of grid points where models disagree, inside and outside the hull, per size.

    ``disagreement``: the study's disagreement table (columns ``parameters``, ``scope``,
    ``regime``, ``disagreement_inside``, ``disagreement_outside``; shares in [0, 1]). Scope
    ``all`` is drawn thick and black, each regime's ``seeds`` thin in the regime's colour.
    """
    colours = regime_colours(disagreement.loc[disagreement["scope"] == "seeds", "regime"])
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(10, 4.2), layout="constrained")
        axes = figure.subplots(1, 2, sharey=True)
    for ax, where in zip(axes, ("inside", "outside"), strict=True):
        column = f"disagreement_{where}"
        for regime, colour in colours.items():
            rows = disagreement[
                (disagreement["scope"] == "seeds") & (disagreement["regime"] == regime)
            ]
            ax.plot(
                rows["parameters"],
                100 * rows[column],
                color=colour,
                lw=1.2,
                marker="o",
                ms=3,
                label=f"{regime}: its seeds",
            )
        everyone = disagreement[disagreement["scope"] == "all"]
        ax.plot(
            everyone["parameters"],
            100 * everyone[column],
            color=ALL_COLOUR,
            lw=3,
            marker="o",
            label="all regimes and seeds",
        )
        _size_axes(ax, n_train, f"{where} the training hull")
    axes[0].set_ylabel("models disagree (% of grid points)")
    axes[1].legend(fontsize=8)
    figure.suptitle("Where models of one width do not all predict the same class")
    save_figure(figure, png, pdf)


def _size_axes(ax, n_train: int, title: str) -> None:
    """Log parameter-count axis with the training set size marked."""
    ax.set_xscale("log")
    ax.axvline(n_train, color="grey", ls="--", lw=1, label=f"n_train = {n_train:,}")
    ax.set_xlabel("parameters (count, log scale)")
    ax.set_title(title)


def plot_error(
    models: pd.DataFrame, n_train: int, png: str | os.PathLike, pdf: str | os.PathLike
) -> None:
    """Error against the true labelling, inside and outside the hull, per size and regime.

    ``models``: the study's models table (columns ``parameters``, ``regime``, ``error_inside``,
    ``error_outside``; shares in [0, 1], NaN without a true labelling). Lines are the mean over
    seeds, bands span the seeds' lowest to highest error. Without a true labelling the figure
    says so instead.
    """
    if models[["error_inside", "error_outside"]].isna().all().all():
        save_figure(_no_truth_figure(), png, pdf)
        return
    colours = regime_colours(models["regime"])
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(10, 4.2), layout="constrained")
        axes = figure.subplots(1, 2, sharey=True)
    for ax, where in zip(axes, ("inside", "outside"), strict=True):
        column = f"error_{where}"
        for regime, colour in colours.items():
            per_size = models[models["regime"] == regime].groupby("parameters")[column]
            spread = 100 * per_size.agg(["mean", "min", "max"])
            ax.plot(spread.index, spread["mean"], color=colour, marker="o", ms=3, label=regime)
            ax.fill_between(spread.index, spread["min"], spread["max"], color=colour, alpha=0.2)
        _size_axes(ax, n_train, f"{where} the training hull")
    axes[0].set_ylabel("error against the true labelling (% of grid points)")
    axes[1].legend(fontsize=8, title="regime (mean, seeds' range)", title_fontsize=8)
    figure.suptitle("Error of the models against the data set's true labelling")
    save_figure(figure, png, pdf)


def _no_truth_figure() -> Figure:
    figure = Figure(figsize=(6, 2))
    figure.text(
        0.5,
        0.5,
        "No error figure: this data set has no true labelling\n"
        "away from its training data (error columns are all NaN).",
        ha="center",
        va="center",
    )
    return figure
