"""Figures that show the evidence of the claims: the distances' shapes on the L-moment ratio
diagram, the directions to the hull, the hull's surface nearest the test points, and the
network's training curve against its reference.

Like :mod:`hullgen.findings.plots`, every function draws on a ``matplotlib.figure.Figure``
(never pyplot), titles it with ``title_prefix`` (dataset and space) and writes a PNG and a
PDF; the criteria drawn come from :mod:`hullgen.claims.criteria`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from scipy import stats

from hullgen.claims import criteria as C
from hullgen.figures import save_figure
from hullgen.findings.images import DIRECTION_CMAP
from hullgen.findings.plots import (
    NORMAL_COLOUR,
    RANDOM_COLOUR,
    REAL_COLOUR,
    class_colour,
    classes_note,
    drawn_classes,
)
from hullgen.findings.shape import population_tl_ratios

ACCEPT_COLOUR = "#d9f0d3"
# Reference distributions drawn on the L-moment ratio diagram.
REFERENCE_POINTS = {
    "normal": stats.norm(),
    "uniform": stats.uniform(),
    "exponential": stats.expon(),
    "Laplace": stats.laplace(),
    "logistic": stats.logistic(),
}
LOGNORMAL_SIGMAS = np.linspace(0.02, 1.0, 25)
GAMMA_SHAPES = np.geomspace(0.5, 400.0, 25)
PANEL_INCHES = 1.6


def plot_shape_diagram(
    spaces: Sequence[dict], png: str | os.PathLike, pdf: str | os.PathLike, title_prefix: str
) -> Figure:
    """TL-moment ratio diagram: each space's (TL-skewness, TL-kurtosis) of its distances,
    the region the claims accept as resembling a normal distribution, reference
    distributions and the lognormal and gamma families.

    ``spaces``: dicts with ``space``, ``n``, ``tl_skewness`` and ``tl_kurtosis`` (None: not
    drawn, listed in the legend).
    """
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(7.5, 5.5), layout="constrained")
        ax = figure.subplots()
    ax.add_patch(
        Rectangle(
            (-C.TL_SKEWNESS_MAX, C.TL_KURTOSIS_MIN),
            2 * C.TL_SKEWNESS_MAX,
            C.TL_KURTOSIS_MAX - C.TL_KURTOSIS_MIN,
            color=ACCEPT_COLOUR,
            label="resembles a normal (criterion)",
            zorder=0,
        )
    )
    for name, parameters, make, style in (
        ("lognormal", LOGNORMAL_SIGMAS, stats.lognorm, ":"),
        ("gamma", GAMMA_SHAPES, stats.gamma, "-."),
    ):
        curve = np.array([population_tl_ratios(make(p)) for p in parameters])
        ax.plot(curve[:, 0], curve[:, 1], lw=1, ls=style, color="grey", label=f"{name} family")
    for name, distribution in REFERENCE_POINTS.items():
        tau3, tau4 = population_tl_ratios(distribution)
        ax.scatter([tau3], [tau4], marker="s", color=NORMAL_COLOUR, s=18, zorder=3)
        ax.annotate(name, (tau3, tau4), xytext=(4, 4), textcoords="offset points", fontsize=8)
    for k, space in enumerate(spaces):
        if space["tl_skewness"] is None:
            ax.scatter([], [], color="none", label=f"{space['space']}: too few distances")
            continue
        ax.scatter(
            [space["tl_skewness"]],
            [space["tl_kurtosis"]],
            s=45,
            color=class_colour(k),
            edgecolor="black",
            zorder=4,
            label=f"{space['space']} (n={space['n']:,})",
        )
    ax.set_xlim(-0.3, 0.45)
    ax.set_ylim(-0.05, 0.25)
    ax.set_xlabel("TL-skewness tau3 (trimmed L-moments, unitless)")
    ax.set_ylabel("TL-kurtosis tau4 (unitless)")
    ax.set_title(f"{title_prefix}: shape of the distances to the training hull")
    ax.legend(fontsize=7, loc="upper left")
    save_figure(figure, png, pdf)
    return figure


def plot_directions(
    class_images: np.ndarray | None,
    class_means: np.ndarray,
    classes: Sequence[int],
    class_names: Sequence[str],
    summary: dict,
    png: str | os.PathLike,
    pdf: str | os.PathLike,
    title_prefix: str,
    structure: tuple[np.ndarray, np.ndarray] | None = None,
    counts: Sequence[int] | None = None,
) -> Figure:
    """The mean unit direction (x - p) / ||x - p|| of each class's test points and, given
    ``structure``, how the directions fall on their images' structure.

    At most :data:`~hullgen.findings.plots.MOST_CLASSES` classes are drawn: those with the
    most test points outside (``counts``, aligned with ``classes``; without it, the first),
    as the title says.

    ``class_images`` (K, h, w[, 3]) are the means in image form (colour summed over the
    channels), or None for a space without one, where ``class_means`` (K, d) is drawn as a
    heat map instead (one row per class). ``summary``: the space's direction summary
    (:func:`hullgen.findings.directions.direction_summary`), whose structure effect and
    class probes the titles give. ``structure``: (own, other) shares of each direction's
    energy on its own image's and another image's detail
    (:func:`hullgen.findings.directions.structure_shares`), drawn as two histograms.
    """
    effect = summary.get("structure_effect")
    title = f"{title_prefix}: directions from the hull"
    if effect is not None:
        title += f"; A = {effect:.2f} (criterion >= {C.STRUCTURE_EFFECT_MIN:g})"
    classes = [int(c) for c in classes]
    weights = np.ones(len(classes)) if counts is None else np.asarray(counts, dtype=float)
    if len(weights) != len(classes):
        raise ValueError(f"{len(weights)} counts for {len(classes)} classes: they must align")
    # Position among the classes: with equal weights, the first MOST_CLASSES are kept.
    kept = drawn_classes(dict(enumerate(weights)))
    title += classes_note(len(kept), len(classes), "test points outside")
    classes = [classes[i] for i in kept]
    class_means = np.asarray(class_means)[kept] if len(class_means) else class_means
    if class_images is not None and len(class_images):
        class_images = np.asarray(class_images)[kept]
    names = [str(class_names[c]) for c in classes]
    height = (
        PANEL_INCHES * math.ceil(len(class_images) / min(5, len(class_images))) + 0.6
        if class_images is not None and len(class_images)
        else 1.2 + 0.3 * max(len(names), 2)
    )
    extra = 3.0 if structure is not None else 0.0
    figure = Figure(
        figsize=(max(9.0, PANEL_INCHES * 5 + 1.0), height + extra + 0.4), layout="constrained"
    )
    if structure is not None:
        top, bottom = figure.subfigures(2, 1, height_ratios=[height, extra])
        _structure_panel(bottom, *structure, summary)
    else:
        top = figure
    _class_means_panel(top, class_images, class_means, names, summary)
    figure.suptitle(title, fontsize="medium")
    save_figure(figure, png, pdf)
    return figure


def _probe_text(summary: dict) -> str:
    skill, points = summary.get("probe_skill"), summary.get("probe_points_skill")
    text = "mean direction per class; class probe skill " + (
        "n/a" if skill is None else f"{skill:.2f}"
    )
    if points is not None:
        text += f" (on the test points themselves {points:.2f})"
    return text


def _class_means_panel(figure, class_images, class_means, names, summary) -> None:
    if class_images is not None and len(class_images):
        signed = class_images.sum(axis=3) if class_images.ndim == 4 else class_images
        columns = min(5, len(signed))
        rows = math.ceil(len(signed) / columns)
        axes = figure.subplots(rows, columns, squeeze=False).ravel()
        limit = float(np.max(np.abs(signed))) or 1.0
        for ax, image, name in zip(axes, signed, names, strict=False):
            shown = ax.imshow(image, cmap=DIRECTION_CMAP, vmin=-limit, vmax=limit)
            ax.set_title(name, fontsize="small")
            ax.set_axis_off()
        for ax in axes[len(signed) :]:
            ax.set_axis_off()
        figure.colorbar(shown, ax=list(axes), shrink=0.8, label="mean of (x - p) / ||x - p||")
    else:
        ax = figure.subplots()
        if len(class_means):
            limit = float(np.max(np.abs(class_means))) or 1.0
            shown = ax.imshow(
                class_means, aspect="auto", cmap=DIRECTION_CMAP, vmin=-limit, vmax=limit
            )
            ax.set_yticks(range(len(names)), names)
            ax.set_xlabel("coordinate of the space")
            figure.colorbar(shown, ax=ax, label="mean of (x - p) / ||x - p||")
        else:
            ax.text(0.5, 0.5, "no test point outside the hull", ha="center", va="center")
            ax.set_axis_off()
    figure.suptitle(_probe_text(summary), fontsize="small")


def _structure_panel(figure, own: np.ndarray, other: np.ndarray, summary: dict) -> None:
    with sns.axes_style("whitegrid"):
        ax = figure.subplots()
    bins = np.linspace(0.0, 1.0, 41)
    ax.hist(other, bins=bins, color=RANDOM_COLOUR, alpha=0.6, label="on another test image's")
    ax.hist(own, bins=bins, color=REAL_COLOUR, alpha=0.6, label="on its own image's")
    share = summary.get("structure_mask_share") or C.STRUCTURE_SHARE
    ax.axvline(share, color=NORMAL_COLOUR, ls=":", label=f"spread evenly ({share:.0%})")
    ax.set_xlabel(
        f"share of a direction's energy on the {C.STRUCTURE_SHARE:.0%} most detailed pixels"
    )
    ax.set_ylabel("test points (count)")
    ax.legend(fontsize=8)
    effect = summary.get("structure_effect")
    ax.set_title(
        "does x - p fall on the image's structure? A = P(own > other) = "
        + ("n/a" if effect is None else f"{effect:.2f}"),
        fontsize="small",
    )


def plot_surface(
    per_query: pd.DataFrame,
    png: str | os.PathLike,
    pdf: str | os.PathLike,
    title_prefix: str,
    neighbours: dict | None = None,
) -> Figure:
    """The training images that make each nearest hull point p: how many, the share of p's
    weight on the test image's own class against that class's share of the training set,
    and (given ``neighbours``, :func:`hullgen.findings.surface.neighbour_summary`) how near
    they are to the test image by rank, against a support drawn at random; also the test
    images' distances to their nearest training images.

    ``per_query``: :func:`hullgen.findings.surface.own_class_weights`.
    """
    panels = 4 if neighbours and neighbours.get("rank_bins") else 2
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(5 * panels, 4.2), layout="constrained")
        axes = figure.subplots(1, panels)
    size_ax, own_ax = axes[:2]
    if per_query.empty:
        for ax in axes:
            ax.text(0.5, 0.5, "no test point outside the hull", ha="center", va="center")
            ax.set_axis_off()
    else:
        sizes = per_query["support_size"].to_numpy()
        sns.histplot(x=sizes, discrete=len(np.unique(sizes)) < 60, color=REAL_COLOUR, ax=size_ax)
        size_ax.axvline(np.median(sizes), color=NORMAL_COLOUR, ls="--", label="median")
        size_ax.set_xlabel("training images with weight in p (count)")
        size_ax.set_ylabel("test points (count)")
        size_ax.legend(fontsize=8)
        sns.histplot(
            x=per_query["own_weight"], bins=20, binrange=(0, 1), color=REAL_COLOUR, ax=own_ax
        )
        chance = float(per_query["class_share"].mean())
        own_ax.axvline(chance, color=RANDOM_COLOUR, ls="--", label=f"class share {chance:.1%}")
        median = float(per_query["own_weight"].median())
        own_ax.axvline(median, color=NORMAL_COLOUR, ls="-", label=f"median {median:.1%}")
        own_ax.set_xlabel("share of p's weight on the test image's class")
        own_ax.set_ylabel("test points (count)")
        own_ax.legend(fontsize=8)
        if panels == 4:
            _rank_panel(axes[2], neighbours)
            _nearest_panel(axes[3], neighbours)
    figure.suptitle(
        f"{title_prefix}: the training images that form the hull's surface nearest each test"
        " point (reported, not judged)"
    )
    save_figure(figure, png, pdf)
    return figure


def _rank_panel(ax, neighbours: dict) -> None:
    bins = neighbours["rank_bins"]
    labels, lower = [], 0.0
    for b in bins:
        labels.append(f"{100 * lower:g}-{100 * b['up_to']:g}%")
        lower = b["up_to"]
    position = np.arange(len(bins))
    ax.bar(position - 0.2, [b["weight"] for b in bins], 0.4, color=REAL_COLOUR, label="p")
    ax.bar(
        position + 0.2,
        [b["chance"] for b in bins],
        0.4,
        color=RANDOM_COLOUR,
        label="a support drawn at random",
    )
    ax.set_xticks(position, labels)
    ax.set_xlabel("nearest training images to the test image (share of the training set)")
    ax.set_ylabel("share of p's weight")
    ax.set_title(
        f"median rank of p's images {neighbours['rank_median']:,.0f}"
        f" (a sample of {neighbours['n']:,} test points)",
        fontsize="small",
    )
    ax.legend(fontsize=8)


def _nearest_panel(ax, neighbours: dict) -> None:
    medians = neighbours["nearest_medians"]
    k = np.arange(1, len(medians) + 1)
    ax.plot(k, medians, marker="o", color=REAL_COLOUR, label="median")
    ax.set_xticks(k)
    ax.set_xlabel("k-th nearest training image")
    ax.set_ylabel("distance from the test image (space units)")
    ax.set_ylim(0, None)
    ax.set_title(
        f"the {len(medians)}th nearest: quartiles {neighbours['kth_q1']:.3g}-"
        f"{neighbours['kth_q3']:.3g}",
        fontsize="small",
    )
    ax.legend(fontsize=8)


def plot_training(
    metrics: pd.DataFrame,
    final_accuracy: float,
    reference: C.AccuracyReference | None,
    why_not: str,
    png: str | os.PathLike,
    pdf: str | os.PathLike,
    title_prefix: str,
) -> Figure:
    """Train and test accuracy per epoch, with the recipe's reference accuracy and the band
    the claim accepts (or why no reference applies).

    ``metrics``: the train stage's ``metrics.csv`` (columns ``epoch`` or one row per epoch,
    ``train_acc``, ``test_acc``); ``final_accuracy`` the clean test pass of ``metrics.json``.
    """
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(7, 4.2), layout="constrained")
        ax = figure.subplots()
    epochs = np.arange(1, len(metrics) + 1)
    ax.plot(epochs, metrics["train_acc"], color=RANDOM_COLOUR, label="train (running, augmented)")
    tested = metrics["test_acc"].notna()
    ax.plot(
        epochs[tested], metrics.loc[tested, "test_acc"], color=REAL_COLOUR, marker=".", label="test"
    )
    ax.axhline(final_accuracy, color=REAL_COLOUR, ls=":", label=f"final test {final_accuracy:.4f}")
    if reference is not None:
        low = reference.accuracy - C.ACCURACY_TOLERANCE
        ax.axhspan(low, reference.accuracy, color=ACCEPT_COLOUR, label="accepted (criterion)")
        ax.axhline(
            reference.accuracy,
            color=NORMAL_COLOUR,
            ls="--",
            label=f"reference {reference.accuracy:.4f}",
        )
        ax.set_title(f"{title_prefix}: reference: {reference.source}", fontsize="small", wrap=True)
    else:
        ax.set_title(
            f"{title_prefix}: no reference applies ({why_not})", fontsize="small", wrap=True
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (share correct)")
    ax.set_ylim(max(0.0, min(metrics["test_acc"].min(), final_accuracy) - 0.05), 1.0)
    ax.legend(fontsize=8, loc="lower right")
    save_figure(figure, png, pdf)
    return figure
