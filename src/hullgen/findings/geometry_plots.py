"""Figures of the PCA sweep and the per-class hulls (PNG and PDF each)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from hullgen.figures import save_figure
from hullgen.findings.plots import class_colour


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
    """Distance to the own class's hull against the nearest other class's hull, per class."""
    with sns.axes_style("whitegrid"):
        figure = Figure(figsize=(11, 4.6), layout="constrained")
        left, right = figure.subplots(1, 2)
    for label in sorted(table["label"].unique()):
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
    owned = table[table["own_distance"].notna()]
    closer = (owned["own_distance"] < owned["other_distance"]).groupby(owned["label"]).mean()
    right.bar(
        [class_names[k] if class_names is not None else str(k) for k in closer.index],
        100 * closer.to_numpy(),
        color=[class_colour(int(k)) for k in closer.index],
    )
    right.set_ylim(0, 100)
    right.set_xlabel("class")
    right.set_ylabel("test points nearer their own class's hull (%)")
    figure.suptitle(
        f"{title_prefix}: own-class hull against the other classes' hulls "
        f"({len(table)} test points; dotted: equal distance)"
    )
    save_figure(figure, png, pdf)
    return figure
