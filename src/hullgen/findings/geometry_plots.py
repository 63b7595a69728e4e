"""Figures of the PCA sweep and the per-class hulls (PNG and PDF each)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from hullgen.figures import save_figure
from hullgen.findings.plots import class_colour, classes_note, drawn_classes


def plot_pca_sweep(sweep: pd.DataFrame, png, pdf, title_prefix: str, units: str) -> Figure:
    """Share of test points outside the hull, and their median distance, against k."""
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(11, 4.2), layout="constrained")
        left, right = figure.subplots(1, 2)
    left.plot(sweep["k"], 100 * sweep["share_outside"], "o-", label="certified outside")
    left.plot(sweep["k"], 100 * sweep["share_inside"], "s--", label="inside")
    left.set_xscale("log")
    left.set_xlabel("principal components kept, k (log scale)")
    left.set_ylabel("test points (%)")
    left.set_ylim(-3, 103)
    left.legend()
    right.plot(sweep["k"], sweep["median_distance"], "o-", color="0.3")
    right.set_xscale("log")
    right.set_xlabel("principal components kept, k (log scale)")
    right.set_ylabel(f"median distance to the hull ({units})")
    for k, share in zip(sweep["k"], sweep["explained_variance"], strict=True):
        right.annotate(f"{100 * share:.0f}%", (k, 0), xycoords=("data", "axes fraction"),
                       ha="center", va="bottom", fontsize=7, color="0.4")  # fmt: skip
    n = int(sweep["n_test"].iloc[0]) if len(sweep) else 0
    figure.suptitle(
        f"{title_prefix}: test points against the training hull after PCA to k dimensions "
        f"({n} test points; grey: share of variance kept)"
    )
    save_figure(figure, png, pdf)
    return figure


def plot_class_hulls(table: pd.DataFrame, class_names, png, pdf, title_prefix, units) -> Figure:
    """Distance to the own class's hull against the nearest other class's hull, per class.

    ``table``: :func:`hullgen.findings.geometry.class_hull_distances`'s. At most
    :data:`~hullgen.findings.plots.MOST_CLASSES` classes are drawn in colour, those with the
    most test points (:func:`~hullgen.findings.plots.drawn_classes`); the points of the
    others are drawn grey and have no bar. The title says how many classes the hulls were
    built for: each point's other hull is the nearest among those.
    """
    counts = table["label"].value_counts()
    drawn = drawn_classes(counts)
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(11, 4.6), layout="constrained")
        left, right = figure.subplots(1, 2)
    rest = table[~table["label"].isin(drawn)]
    if len(rest):
        left.scatter(rest["own_distance"], rest["other_distance"], s=6, color="0.7",
                     label=f"{rest['label'].nunique():,} other classes")  # fmt: skip
    for label in drawn:
        rows = table[table["label"] == label]
        name = class_names[label] if class_names is not None else str(label)
        left.scatter(rows["own_distance"], rows["other_distance"], s=10,
                     color=class_colour(int(label)), label=name)  # fmt: skip
    both = table[["own_distance", "other_distance"]].to_numpy()
    top = float(np.nanmax(both)) if len(table) else 1.0
    left.plot([0, top], [0, top], color="0.5", lw=1, ls=":")
    left.set_xlabel(f"distance to own class's hull ({units})")
    left.set_ylabel(f"distance to nearest other class's hull ({units})")
    left.legend(title="class", fontsize=7, ncol=2)
    # Classes without a training point have no own hull to be nearer (own_distance NaN).
    owned = table[table["own_distance"].notna() & table["label"].isin(drawn)]
    closer = (owned["own_distance"] < owned["other_distance"]).groupby(owned["label"]).mean()
    right.bar(
        [class_names[k] if class_names is not None else str(k) for k in closer.index],
        100 * closer.to_numpy(),
        color=[class_colour(int(k)) for k in closer.index],
    )
    right.set_ylim(0, 100)
    right.set_xlabel("class" + classes_note(len(drawn), len(counts)))
    right.set_ylabel("test points nearer their own class's hull (%)")
    if len(drawn) > 10:
        right.tick_params(axis="x", labelrotation=90, labelsize=7)
    figure.suptitle(
        f"{title_prefix}: own-class hull against the other classes' hulls "
        f"({len(table)} test points; dotted: equal distance){_hulls_note(table)}"
    )
    save_figure(figure, png, pdf)
    return figure


def _hulls_note(table: pd.DataFrame) -> str:
    """How many classes' hulls were built, when a sample of the classes."""
    if not len(table) or "n_classes" not in table:
        return ""
    used, total = int(table["n_classes"].iloc[0]), int(table["n_classes_total"].iloc[0])
    if used >= total:
        return ""
    return (
        f"\nhulls of {used} of {total:,} classes (seeded sample): the test points are theirs,"
        " and the other hull is the nearest among them"
    )
