"""Figures of the distances from test points to the convex hull of the training points.

Every function writes a PNG (150 dpi) and a PDF, titles the figure with ``title_prefix`` (such
as "digits / pixel") so that each figure names its data set and space, and labels distances
with ``units`` (the space's units, "space units" unless told). Tables are the hull stage's
(see :mod:`hullgen.findings.stats`). Figures are drawn on ``matplotlib.figure.Figure`` objects,
never through pyplot, so no window or global figure state is involved; each function returns
its figure.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats

from hullgen.figures import save_figure
from hullgen.findings.shape import shape_summary
from hullgen.findings.stats import (
    correct_per_query,
    labels_per_query,
    relative_to_nn,
    require_columns,
)

CLASS_PALETTE = sns.color_palette("colorblind", 10)
_COLOURS = sns.color_palette("colorblind")
CORRECT_COLOUR, WRONG_COLOUR = _COLOURS[2], _COLOURS[3]
REAL_COLOUR, RANDOM_COLOUR = _COLOURS[0], _COLOURS[7]
NORMAL_COLOUR = "black"
MODE_COLOUR = _COLOURS[1]
# Real and random distances go on a log axis when their medians are this far apart, since
# on a linear axis the nearer group collapses into one bin.
LOG_SCALE_RATIO = 10.0
# Points drawn over each class's box: enough to show the spread, few enough to stay legible
# (and keep the PDF small) with thousands of test points per class.
STRIP_POINTS_PER_CLASS = 200
# A per-class figure draws at most this many classes, those with the most points, and says
# so in its title: ImageNet's 1,000 classes would be 1,000 boxes, unreadable and a PDF of
# megabytes; 20 rows of a box or an image still fit on a page.
MOST_CLASSES = 20


def class_colour(k: int) -> tuple[float, float, float]:
    """The RGB colour of class ``k``, the same in every per-class figure."""
    return CLASS_PALETTE[k % len(CLASS_PALETTE)]


def drawn_classes(counts, most: int = MOST_CLASSES) -> list[int]:
    """The classes a per-class figure draws, sorted: every class of ``counts`` (a mapping
    or Series of class -> points) when there are at most ``most``, else the ``most`` with
    the most points (ties to the smaller class).

    >>> drawn_classes({0: 5, 1: 9, 2: 9, 3: 1}, most=2)
    [1, 2]
    """
    counts = pd.Series(counts, dtype=float)
    if len(counts) <= most:
        return sorted(int(k) for k in counts.index)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return sorted(int(k) for k, _ in ranked[:most])


def classes_note(drawn: int, present: int, what: str = "test points") -> str:
    """The title's note on the classes a figure leaves out ("" when it draws them all)."""
    if drawn >= present:
        return ""
    return f" (the {drawn} classes with the most {what}, of {present:,})"


def distance_label(units: str) -> str:
    return f"distance to the training hull ({units})"


def _note(ax: Axes, text: str) -> None:
    """Say in the panel why it holds no plot."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_distance_distribution(
    distances,
    png: str | os.PathLike,
    pdf: str | os.PathLike,
    title_prefix: str,
    units: str = "space units",
    noise_bound: float | None = None,
    second_mode: str | None = None,
    modes: dict | None = None,
) -> Figure:
    """Histogram with KDE and the fitted normal density, and a normal QQ plot, side by side.

    ``distances``: array-like (n,) of finite distances in ``units`` (the pipeline passes the
    points certified outside the hull). The normal has the sample's mean and sd (ddof=1); the
    panels say so instead when there are fewer than 2 distinct values. The title gives the
    TL-skewness and TL-kurtosis the claims judge the shape by; ``noise_bound`` (in ``units``),
    when given, is drawn as the distance below which the claims would call the median small
    noise. ``modes`` (:func:`hullgen.findings.shape.mode_summary`), when it has a second mode,
    shades that mode's basin, labelled ``second_mode`` (what forms it).
    """
    x = np.asarray(distances, dtype=float).ravel()
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(10, 4.2), layout="constrained")
        hist_ax, qq_ax = figure.subplots(1, 2)
    title = f"{title_prefix}: distances of {len(x):,} test points to the training hull"
    if len(np.unique(x)) < 2:
        _note(hist_ax, f"{len(x)} point(s), fewer than 2 distinct distances")
        _note(qq_ax, "no QQ plot")
    else:
        shape = shape_summary(x)
        if shape["tl_skewness"] is not None:
            title += (
                f"\nTL-skewness {shape['tl_skewness']:.3f}, TL-kurtosis {shape['tl_kurtosis']:.3f}"
            )
        _histogram_with_normal(hist_ax, x, units)
        _qq_panel(qq_ax, x, units)
        second = (modes or {}).get("second_mode")
        if second is not None:
            hist_ax.axvspan(
                max(second["low"], x.min()),
                min(second["high"], x.max()),
                color=MODE_COLOUR,
                alpha=0.25,
                label=f"second mode, {second['mass']:.0%} of the points"
                + (f" ({second_mode})" if second_mode else ""),
            )
            hist_ax.legend(fontsize=8)
            title += f"; a second mode near {second['location']:.3g}"
        if noise_bound is not None:
            hist_ax.axvline(
                noise_bound, color=RANDOM_COLOUR, ls=":", label="small-noise bound of the median"
            )
            hist_ax.axvline(np.median(x), color=NORMAL_COLOUR, ls="-", lw=0.8, label="median")
            hist_ax.legend(fontsize=8)
    figure.suptitle(title)
    save_figure(figure, png, pdf)
    return figure


def _histogram_with_normal(ax: Axes, x: np.ndarray, units: str) -> None:
    # Density, not counts, so that the normal density shares the axis.
    sns.histplot(x=x, stat="density", kde=True, color=REAL_COLOUR, ax=ax, label="histogram, KDE")
    mean, sd = x.mean(), x.std(ddof=1)
    grid = np.linspace(x.min(), x.max(), 200)
    ax.plot(
        grid,
        stats.norm.pdf(grid, mean, sd),
        color=NORMAL_COLOUR,
        ls="--",
        label=f"normal (mean {mean:.3g}, sd {sd:.3g})",
    )
    ax.set_xlabel(distance_label(units))
    ax.set_ylabel(f"density (per {units})")
    ax.set_title("distribution")
    ax.legend(fontsize=8)


def _qq_panel(ax: Axes, x: np.ndarray, units: str) -> None:
    (theoretical, ordered), (slope, intercept, r) = stats.probplot(x, dist="norm")
    ax.scatter(theoretical, ordered, s=6, color=REAL_COLOUR, label="test points")
    ax.plot(
        theoretical,
        slope * theoretical + intercept,
        color=NORMAL_COLOUR,
        ls="--",
        label=f"least-squares line (r = {r:.3f})",
    )
    ax.set_xlabel("standard normal quantile")
    ax.set_ylabel(f"ordered distance ({units})")
    ax.set_title("normal QQ plot")
    ax.legend(fontsize=8)


def plot_per_class(
    table: pd.DataFrame,
    labels,
    class_names: Sequence[str] | None,
    png: str | os.PathLike,
    pdf: str | os.PathLike,
    title_prefix: str,
    units: str = "space units",
) -> Figure:
    """Distance per class: a box per class with up to 200 of its points (seeded) drawn over it.

    ``labels``: int array-like over all test rows (index = ``query``); ``class_names[k]`` names
    class k (None: the class number). Each class has :func:`class_colour`; all rows of the
    classes drawn are drawn, points inside the hull at distance 0. At most
    :data:`MOST_CLASSES` classes are drawn (:func:`drawn_classes`), as the title says.
    """
    require_columns(table, ["query", "distance"])
    classes = labels_per_query(table, labels)
    frame = pd.DataFrame({"class": classes, "distance": table["distance"].to_numpy(dtype=float)})
    counts = frame["class"].value_counts()
    present = drawn_classes(counts)
    note = classes_note(len(present), len(counts))
    frame = frame[frame["class"].isin(present)]
    names = {k: _class_name(k, class_names) + f" (n={counts[k]:,})" for k in present}
    frame["name"] = frame["class"].map(names)
    order = [names[k] for k in present]
    palette = {names[k]: class_colour(k) for k in present}
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(8, 1.0 + 0.45 * max(len(present), 2)), layout="constrained")
        ax = figure.subplots()
    # Horizontal: class names stay readable. Boxes are outlined and without outliers, so that
    # the points under them show; matplotlib draws them, since seaborn 0.13's boxplot passes an
    # argument that matplotlib 3.11 deprecates.
    strip = frame.sample(frac=1.0, random_state=0).groupby("class").head(STRIP_POINTS_PER_CLASS)
    sns.stripplot(
        data=strip,
        x="distance",
        y="name",
        hue="name",
        order=order,
        palette=palette,
        legend=False,
        size=2.5,
        alpha=0.5,
        ax=ax,
    )
    for position, k in enumerate(present):
        _class_box(ax, frame.loc[frame["class"] == k, "distance"], position, class_colour(k))
    ax.set_xlabel(distance_label(units))
    ax.set_ylabel("class of the test image")
    ax.set_title(f"{title_prefix}: distance to the training hull per class{note}")
    save_figure(figure, png, pdf)
    return figure


def _class_box(ax: Axes, distances: pd.Series, position: int, colour) -> None:
    """One class's box (quartiles, whiskers at 1.5 IQR) at ``position`` on the class axis."""
    lines = {"color": colour, "linewidth": 1.2}
    ax.boxplot(
        distances.to_numpy(),
        positions=[position],
        orientation="horizontal",
        widths=0.6,
        showfliers=False,
        boxprops=lines,
        whiskerprops=lines,
        capprops=lines,
        medianprops={**lines, "linewidth": 2.0},
        manage_ticks=False,  # the class names set by the strip plot stay
    )


def _class_name(k: int, class_names: Sequence[str] | None) -> str:
    return str(k) if class_names is None else str(class_names[k])


def plot_relative_to_nn(
    table: pd.DataFrame, png: str | os.PathLike, pdf: str | os.PathLike, title_prefix: str
) -> Figure:
    """Histogram of distance to the hull / distance to the nearest training point (unitless).

    Rows whose test point is a training point (nearest distance 0) are left out and counted in
    the legend.
    """
    ratio = relative_to_nn(table)
    kept = ratio.dropna().to_numpy()
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(7, 4.2), layout="constrained")
        ax = figure.subplots()
    label = f"{len(kept):,} test points"
    if len(kept) < len(ratio):
        label += f" ({len(ratio) - len(kept):,} equal to a training point left out)"
    if len(kept):
        sns.histplot(x=kept, color=REAL_COLOUR, ax=ax, label=label)
        ax.legend(fontsize=8)
    else:
        _note(ax, "every test point equals a training point")
    ax.set_xlabel("distance to the hull / distance to the nearest training point (ratio)")
    ax.set_ylabel("test points (count)")
    ax.set_title(f"{title_prefix}: distance to the hull relative to the nearest training point")
    save_figure(figure, png, pdf)
    return figure


def plot_by_correctness(
    table: pd.DataFrame,
    predictions: pd.DataFrame,
    png: str | os.PathLike,
    pdf: str | os.PathLike,
    title_prefix: str,
    units: str = "space units",
) -> Figure:
    """Overlaid density histograms (with KDE) of the distances of correctly and wrongly
    classified test points, each normalised on its own so that the shapes compare.

    ``predictions``: the model's table, matched as in
    :func:`hullgen.findings.stats.correct_per_query`; all rows of ``table`` are drawn.
    """
    require_columns(table, ["distance"])
    correct = correct_per_query(table, predictions)
    names = {
        True: f"correctly classified (n={int(correct.sum()):,})",
        False: f"wrongly classified (n={int((~correct).sum()):,})",
    }
    frame = pd.DataFrame(
        {"distance": table["distance"].to_numpy(dtype=float), "group": [names[c] for c in correct]}
    )
    palette = {names[True]: CORRECT_COLOUR, names[False]: WRONG_COLOUR}
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(7, 4.2), layout="constrained")
        ax = figure.subplots()
    sns.histplot(
        data=frame,
        x="distance",
        hue="group",
        hue_order=[name for name in names.values() if name in set(frame["group"])],
        palette=palette,
        stat="density",
        common_norm=False,
        element="step",
        # A KDE needs two distinct values per group.
        kde=bool(frame.groupby("group")["distance"].nunique().min() >= 2),
        ax=ax,
    )
    ax.set_xlabel(distance_label(units))
    ax.set_ylabel(f"density (per {units})")
    ax.get_legend().set_title("test images")
    ax.set_title(f"{title_prefix}: distance to the training hull by classification")
    save_figure(figure, png, pdf)
    return figure


def plot_random_vs_real(
    real,
    random,
    png: str | os.PathLike,
    pdf: str | os.PathLike,
    title_prefix: str,
    units: str = "space units",
    real_nn=None,
    random_nn=None,
) -> Figure:
    """Density histograms of the distances of real test points and of random points to the
    hull and, given ``real_nn`` and ``random_nn``, to their nearest training point.

    All are array-likes of distances in ``units``. A distance axis is logarithmic when one
    median is at least 10 times the other; points at distance 0 cannot be drawn there and
    are counted in the legend instead.
    """
    panels = [("distance to the training hull", real, random)]
    if real_nn is not None and random_nn is not None:
        panels.append(("distance to the nearest training point", real_nn, random_nn))
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(7 * len(panels), 4.2), layout="constrained")
        axes = figure.subplots(1, len(panels), squeeze=False).ravel()
    for ax, (what, real_values, random_values) in zip(axes, panels, strict=True):
        _real_and_random(ax, real_values, random_values, f"{what} ({units})", units)
        ax.set_title(what)
    figure.suptitle(f"{title_prefix}: real test points and random points")
    save_figure(figure, png, pdf)
    return figure


def _real_and_random(ax: Axes, real, random, label: str, units: str) -> None:
    groups = {
        "real test points": np.asarray(real, dtype=float).ravel(),
        "random points": np.asarray(random, dtype=float).ravel(),
    }
    log = _needs_log_axis(*groups.values())
    for (name, values), colour in zip(groups.items(), (REAL_COLOUR, RANDOM_COLOUR), strict=True):
        shown = values[values > 0] if log else values
        hidden = len(values) - len(shown)
        text = f"{name} (n={len(values):,}" + (f", {hidden:,} at 0 not shown)" if hidden else ")")
        sns.histplot(
            x=shown, stat="density", element="step", log_scale=log, color=colour, ax=ax, label=text
        )
        ax.axvline(np.median(values), color=colour, ls="--", lw=1)
    ax.set_xlabel(label + (", log scale" if log else ""))
    # seaborn's density on a log axis is per unit of log10(distance).
    ax.set_ylabel("density (per log10 unit)" if log else f"density (per {units})")
    ax.legend(fontsize=8, title="dashed: medians", title_fontsize=8)


def _needs_log_axis(a: np.ndarray, b: np.ndarray) -> bool:
    """True when both groups have positive medians at least LOG_SCALE_RATIO apart."""
    low, high = sorted((float(np.median(a)), float(np.median(b))))
    return low > 0 and high >= LOG_SCALE_RATIO * low
