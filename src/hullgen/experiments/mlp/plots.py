"""Figures of the MLP study: decision regions, disagreement and error against parameter count.

Every function takes plain data (DataFrames, arrays, or an object with the attribute names of
:class:`hullgen.experiments.mlp.study.MlpStudy`), so that it works on results loaded back from
files, and writes a PNG (150 dpi) and a PDF. Figures are drawn on ``matplotlib.figure.Figure``
objects with the Agg canvas, never through pyplot, so no window or global figure state is
involved.
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
from matplotlib.ticker import MaxNLocator

from hullgen.claims import criteria as C
from hullgen.experiments.mlp.options import MlpOptions
from hullgen.experiments.mlp.toy2d import hull_polygon
from hullgen.figures import save_figure

PALETTE = sns.color_palette("colorblind")
# Classes take the palette's first two colours, regimes the rest, so the two never share one.
CLASS_COLOURS = (PALETTE[0], PALETTE[1])
REGIME_PALETTE = PALETTE[2:]
REGION_ALPHA = 0.35
ALL_COLOUR = "black"
MISSED_COLOUR = "0.15"
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
    :func:`hullgen.experiments.mlp.toy2d.grid`, ``models`` (columns ``width``, ``parameters``,
    ``regime``, ``seed``) and ``predictions`` (len(models), g * g), row i for models row i.
    """
    models = study_like.models.reset_index(drop=True)
    regimes = list(dict.fromkeys(models["regime"]))
    figure, panels, first_seed = _region_grid(study_like, regimes, title_lines=1)
    for ax, chosen, width, regime in panels:
        parameters = models.at[chosen, "parameters"]
        ax.set_title(f"{regime}: width {width}, {parameters:,} parameters", fontsize=8)
    figure.legend(handles=_region_legend(), loc="lower center", ncols=5, fontsize=8)
    figure.suptitle(
        f"Decision regions on {MlpOptions.of(study_like.options).dataset} (seed {first_seed}), "
        "training hull outlined"
    )
    save_figure(figure, png, pdf, laid_out=True)


def plot_reach(study_like, png: str | os.PathLike, pdf: str | os.PathLike) -> None:
    """The outside behaviours each width reaches, drawn together: one row per width, one
    column per regime aimed at a target (``outside_penalty`` > 0), after the first untargeted
    regime for reference. Each panel is seed 0's decision regions; on aimed panels the grid
    points outside the hull where the model misses its target are shaded, and the title gives
    the share on target and the training points misclassified.

    ``study_like`` needs what :func:`plot_regions` needs, plus ``inside`` (g * g,) bool and
    ``targets`` (kinds, g * g), row i for kind i of
    :meth:`hullgen.experiments.mlp.options.MlpOptions.target_kinds`.
    """
    options = MlpOptions.of(study_like.options)
    models = study_like.models.reset_index(drop=True)
    aimed = [r.name for r in options.regimes if r.outside_penalty > 0]
    plain = [r.name for r in options.regimes if r.name not in aimed][:1]
    columns = plain + aimed
    kinds = options.target_kinds()
    figure, panels, first_seed = _region_grid(study_like, columns, title_lines=2)
    xs, ys = grid_axes(study_like.grid_points)
    outside = ~np.asarray(study_like.inside, dtype=bool)
    for ax, chosen, width, regime in panels:
        parameters = models.at[chosen, "parameters"]
        if regime in plain:
            ax.set_title(f"{regime} (no target), width {width}\n{parameters:,} p.", fontsize=8)
            continue
        target = models.at[chosen, "target"]
        labels = np.asarray(study_like.targets[kinds.index(target)])
        missed = outside & (np.asarray(study_like.predictions[chosen]) != labels)
        shade = np.ma.masked_where(~missed, np.ones(len(missed))).reshape(len(ys), len(xs))
        _grid_image(ax, shade, xs, ys, ListedColormap([to_rgba(MISSED_COLOUR, 0.55)]))
        on_target = models.at[chosen, "target_agreement_outside"]
        wrong = round((1 - models.at[chosen, "train_accuracy"]) * len(study_like.train_y))
        ax.set_title(
            f"{regime} (to {target}), width {width}\n{parameters:,} p.,"
            f" {100 * on_target:.1f}% on target, {wrong} train. wrong",
            fontsize=8,
        )
    missed = Patch(color=to_rgba(MISSED_COLOUR, 0.55), label="outside the hull, off the target")
    handles = [*_region_legend(), missed]
    figure.legend(handles=handles, loc="lower center", ncols=3, fontsize=8)
    figure.suptitle(
        f"Outside behaviours reached per width\n{options.dataset}, seed {first_seed}:"
        " each aimed regime against its target"
    )
    save_figure(figure, png, pdf, laid_out=True)


def _region_grid(study_like, columns: list[str], title_lines: int):
    """Seed 0's decision regions, one row per width and one column per regime of
    ``columns``, axes labelled. Returns the figure, (axes, models row, width, regime) per
    panel, and the seed drawn."""
    models = study_like.models.reset_index(drop=True)
    widths = list(dict.fromkeys(models["width"]))
    xs, ys = grid_axes(study_like.grid_points)
    aspect = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    figure, axes = _panel_figure(len(widths), len(columns), aspect, title_lines)
    first_seed = models["seed"].min()
    panels = []
    for row, width in enumerate(widths):
        for column, regime in enumerate(columns):
            chosen = models.index[
                (models["width"] == width)
                & (models["regime"] == regime)
                & (models["seed"] == first_seed)
            ][0]
            _region_panel(axes[row, column], study_like, chosen, xs, ys)
            panels.append((axes[row, column], chosen, width, regime))
    for ax in axes[-1, :]:
        ax.set_xlabel("x1")
    for ax in axes[:, 0]:
        ax.set_ylabel("x2")
    return figure, panels, first_seed


def _panel_figure(
    rows: int, columns: int, aspect: float, title_lines: int
) -> tuple[Figure, np.ndarray]:
    """A figure of equal map panels laid out in fixed inches, with room for ``title_lines``
    of title per panel, the suptitle (two lines) and a legend below; tick labels on the
    outer panels only. No layout engine and no shared axes: every panel shows the same
    extent, and both cost seconds per figure of 40 panels."""
    width, height = PANEL_INCHES - 0.35, (PANEL_INCHES - 0.35) * aspect
    left, right, gap = 0.6, 0.15, 0.2
    row_gap, top, bottom = 0.2 + 0.15 * title_lines, 0.75, 1.2
    figure = Figure(
        figsize=(
            left + right + columns * width + (columns - 1) * gap,
            top + row_gap + bottom + rows * height + (rows - 1) * row_gap,
        )
    )
    total_w, total_h = figure.get_size_inches()
    figure.subplots_adjust(
        left=left / total_w,
        right=1 - right / total_w,
        top=1 - (top + row_gap) / total_h,
        bottom=bottom / total_h,
        wspace=gap / width,
        hspace=row_gap / height,
    )
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.label_outer()
    return figure, axes


def _region_panel(ax, study_like, model_row: int, xs: np.ndarray, ys: np.ndarray) -> None:
    """One model's predicted classes over the grid, the hull and the training points."""
    regions = np.asarray(study_like.predictions[model_row]).reshape(len(ys), len(xs))
    fills = ListedColormap([to_rgba(colour, REGION_ALPHA) for colour in CLASS_COLOURS])
    _grid_image(ax, regions, xs, ys, fills)
    train_x, train_y = np.asarray(study_like.train_x), np.asarray(study_like.train_y)
    outline = hull_polygon(train_x)
    ax.plot(outline[:, 0], outline[:, 1], color="black", linewidth=1.0)
    for label, colour in enumerate(CLASS_COLOURS):
        chosen = train_x[train_y == label]
        ax.scatter(chosen[:, 0], chosen[:, 1], s=6, color=colour, edgecolors="white", lw=0.3)
    ax.set_aspect("equal")
    # Fixed ticks: with 40 panels, locating ticks per panel and per save costs seconds.
    ax.set_xticks(_ticks(xs))
    ax.set_yticks(_ticks(ys))
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.tick_params(labelsize=7)


def _ticks(values: np.ndarray) -> np.ndarray:
    """Round tick positions inside [values[0], values[-1]]."""
    ticks = MaxNLocator(6).tick_values(values[0], values[-1])
    return ticks[(ticks >= values[0]) & (ticks <= values[-1])]


def _grid_image(ax, values: np.ndarray, xs: np.ndarray, ys: np.ndarray, cmap) -> None:
    """``values`` (len(ys), len(xs)) on the regular grid, one pixel per grid point (an image:
    far faster to draw and smaller in a PDF than a mesh of 40,000 cells)."""
    dx, dy = (xs[-1] - xs[0]) / (len(xs) - 1), (ys[-1] - ys[0]) / (len(ys) - 1)
    extent = (xs[0] - dx / 2, xs[-1] + dx / 2, ys[0] - dy / 2, ys[-1] + dy / 2)
    ax.imshow(values, cmap=cmap, vmin=0, vmax=1, origin="lower", extent=extent,
              interpolation="nearest", aspect="auto")  # fmt: skip


def _region_legend() -> list:
    handles = []
    for label, colour in enumerate(CLASS_COLOURS):
        handles.append(Patch(color=to_rgba(colour, REGION_ALPHA), label=f"predicted class {label}"))
        handles.append(
            Line2D([], [], marker="o", ls="", color=colour, label=f"training class {label}")
        )
    handles.append(Line2D([], [], color="black", label="convex hull of the training data"))
    return handles


def plot_comparison(
    comparison: pd.DataFrame, n_train: int, png: str | os.PathLike, pdf: str | os.PathLike
) -> None:
    """How often two models of one width differ, per band of distance to the data: pairs that
    differ only in their regime (thick) against pairs that differ only in their seed (thin).

    ``comparison``: the study's comparison table (columns ``parameters``, ``band``, ``pairs``,
    ``disagreement``; shares in [0, 1]).
    """
    bands = list(dict.fromkeys(comparison["band"]))
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(3.6 * len(bands), 4.2), layout="constrained")
        axes = figure.subplots(1, len(bands), sharey=True, squeeze=False)[0]
    styles = {"regimes": (ALL_COLOUR, 3, "different regimes, same start"),
              "seeds": (PALETTE[2], 1.5, "same regime, different starts")}  # fmt: skip
    for ax, band in zip(axes, bands, strict=True):
        for pairs, (colour, width, label) in styles.items():
            rows = comparison[(comparison["band"] == band) & (comparison["pairs"] == pairs)]
            ax.plot(rows["parameters"], 100 * rows["disagreement"], color=colour, lw=width,
                    marker="o", ms=3, label=label)  # fmt: skip
        _size_axes(ax, n_train, band)
    axes[0].set_ylabel("two models differ (% of the band's grid points)")
    axes[-1].legend(fontsize=8)
    figure.suptitle(
        "Where the regime changes the boundary more than the seed: inside the hull near the"
        " data, and in three bands outside by distance to the data"
    )
    save_figure(figure, png, pdf)


def plot_control(
    models: pd.DataFrame, options, png: str | os.PathLike, pdf: str | os.PathLike
) -> None:
    """Per regime against the parameter count: the share of its models that fit the training
    set (left), and their agreement with their target labelling outside the hull (right: the
    regime's own for aimed regimes, the study's for the others; mean over seeds, band from
    the lowest to the highest).

    ``models``: the study's models table (its ``target`` column: the labelling each model is
    measured against); ``options``: the study's options (``n_train``, ``regimes``).
    """
    options = MlpOptions.of(options)
    colours = regime_colours(models["regime"])
    aimed = {r.name for r in options.regimes if r.outside_penalty > 0}
    n_train = options.n_train
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(11, 4.4), layout="constrained")
        fit_ax, reach_ax = figure.subplots(1, 2)
    for regime, colour in colours.items():
        rows = models[models["regime"] == regime]
        lw = 3 if regime in aimed else 1.2
        fits = 100 * rows.groupby("parameters")["train_accuracy"].apply(lambda a: (a >= 1).mean())
        fit_ax.plot(fits.index, fits, color=colour, lw=lw, marker="o", ms=3, label=regime)
        spread = 100 * rows.groupby("parameters")["target_agreement_outside"].agg(
            ["mean", "min", "max"]
        )
        target = rows["target"].iloc[0]
        label = f"{regime} (aimed at {target})" if regime in aimed else f"{regime} (vs {target})"
        reach_ax.plot(spread.index, spread["mean"], color=colour, lw=lw, marker="o", ms=3,
                      label=label)  # fmt: skip
        reach_ax.fill_between(spread.index, spread["min"], spread["max"], color=colour, alpha=0.15)
    over = C.MLP_OVER_FACTOR * n_train
    for ax in (fit_ax, reach_ax):
        ax.axvspan(over, 1.5 * models["parameters"].max(), color="0.9", zorder=0)
    _size_axes(fit_ax, n_train, "fit: models that classify every training point correctly")
    _size_axes(reach_ax, n_train, "control: agreement with the target labelling outside")
    reach_ax.axhline(100 * C.MLP_REACH_MIN, color="0.3", ls=":", lw=1)
    fit_ax.set_ylabel("models that fit the training set (%)")
    reach_ax.set_ylabel("grid points outside the hull on the target's side (%)")
    reach_ax.legend(fontsize=7)
    figure.suptitle(
        f"Fit, and a chosen behaviour outside the hull (grey: >= {C.MLP_OVER_FACTOR} x n_train"
        " parameters; dotted: reached)"
    )
    save_figure(figure, png, pdf)


def _size_axes(ax, n_train: int, title: str) -> None:
    """Log parameter-count axis with the training set size marked."""
    ax.set_xscale("log")
    ax.axvline(n_train, color="grey", ls="--", lw=1, label=f"n_train = {n_train:,}")
    ax.set_xlabel("parameters (count, log scale)")
    ax.set_title(title)
