"""Figures that show the evidence of the claims: the distances' shapes on the L-moment ratio
diagram, the directions to the hull, the hull's surface nearest the test points, and the
network's training curve against its reference.

Like :mod:`hullgen.findings.plots`, every function draws on a ``matplotlib.figure.Figure``
(never pyplot), titles it with ``title_prefix`` (dataset and space) and writes a PNG and a
PDF; the criteria drawn come from :mod:`hullgen.criteria`.
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

from hullgen import criteria as C
from hullgen.figures import save_figure
from hullgen.findings.images import DIRECTION_CMAP
from hullgen.findings.plots import NORMAL_COLOUR, RANDOM_COLOUR, REAL_COLOUR, class_colour
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
    probe: dict,
    png: str | os.PathLike,
    pdf: str | os.PathLike,
    title_prefix: str,
) -> Figure:
    """The mean unit direction (x - p) / ||x - p|| of each class's test points.

    ``class_images`` (K, h, w[, 3]) are the means in image form (colour summed over the
    channels), or None for a space without one, where ``class_means`` (K, d) is drawn as a
    heat map instead (one row per class). ``probe`` holds the linear probe's ``probe_skill``,
    ``probe_accuracy`` and ``probe_n``, given in the title with the criterion.
    """
    skill = probe.get("probe_skill")
    title = (
        f"{title_prefix}: mean direction from the hull per class; probe skill"
        f" {'n/a' if skill is None else f'{skill:.2f}'} (criterion >= {C.PROBE_SKILL_MIN:g})"
    )
    names = [str(class_names[int(c)]) for c in classes]
    if class_images is not None and len(class_images):
        signed = class_images.sum(axis=3) if class_images.ndim == 4 else class_images
        columns = min(5, len(signed))
        rows = math.ceil(len(signed) / columns)
        figure = Figure(
            figsize=(PANEL_INCHES * columns + 1.0, PANEL_INCHES * rows + 0.6), layout="constrained"
        )
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
        figure = Figure(figsize=(9, 1.2 + 0.3 * max(len(names), 2)), layout="constrained")
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
    figure.suptitle(title, fontsize="medium")
    save_figure(figure, png, pdf)
    return figure


def plot_surface(
    per_query: pd.DataFrame, png: str | os.PathLike, pdf: str | os.PathLike, title_prefix: str
) -> Figure:
    """How many training images make each nearest hull point p, and the share of p's weight
    on the test image's own class against that class's share of the training set.

    ``per_query``: :func:`hullgen.findings.surface.own_class_weights`.
    """
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(10, 4.2), layout="constrained")
        size_ax, own_ax = figure.subplots(1, 2)
    if per_query.empty:
        for ax in (size_ax, own_ax):
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
        excess = per_query["own_excess"].median()
        own_ax.set_xlabel("share of p's weight on the test image's class")
        own_ax.set_ylabel("test points (count)")
        own_ax.set_title(
            f"chance-corrected median {excess:.2f} (criterion >= {C.OWN_CLASS_EXCESS_MIN:g})",
            fontsize="small",
        )
        own_ax.legend(fontsize=8)
    figure.suptitle(f"{title_prefix}: the hull's surface nearest each test point")
    save_figure(figure, png, pdf)
    return figure


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
