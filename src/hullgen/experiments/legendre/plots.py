"""Figures of the Legendre-boundary study (PNG and PDF each)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from hullgen.claims import criteria as C
from hullgen.experiments.legendre.control import reach_from_row
from hullgen.experiments.legendre.study import REGIMES, Intervals, Outside, fit_from_row, targets
from hullgen.experiments.legendre.verdicts import necessity
from hullgen.figures import save_figure

REGIME_COLOURS = dict(zip(REGIMES, sns.color_palette("colorblind", len(REGIMES)), strict=True))
SIDE_COLOURS = {1.0: "#d55e00", -1.0: "#0072b2"}  # above g / below g, in every figure
SIDE_NAMES = {1.0: "class above g", -1.0: "class below g"}


def _save(fig, png, pdf) -> None:
    save_figure(fig, png, pdf)
    plt.close(fig)


def chosen_terms(table: pd.DataFrame, most: int = 6) -> list[int]:
    """Up to ``most`` term counts to draw, spread over those where a fit exists."""
    feasible = sorted(table.loc[table["status"] == "optimal", "terms"].unique())
    if len(feasible) <= most:
        return [int(k) for k in feasible]
    picks = np.unique(np.round(np.linspace(0, len(feasible) - 1, most)).astype(int))
    return [int(feasible[i]) for i in picks]


def plot_boundaries(data, table, g, intervals: Intervals, png, pdf, title: str = "") -> None:
    """One panel per (regime, terms): training points, g, the fitted boundary, the interval."""
    terms = chosen_terms(table)
    regimes = [r for r in REGIMES if r in set(table["regime"])]
    train = data[data["split"] == "train"]
    xs = np.linspace(intervals.lo, intervals.hi, 1001)
    y_lo, y_hi = data["y"].min(), data["y"].max()
    pad = 0.5 * (y_hi - y_lo)
    ncols = max(1, len(terms))
    fig, axes = plt.subplots(
        len(regimes), ncols, figsize=(2.6 * ncols, 2.2 * len(regimes)), squeeze=False,
        sharex=True, sharey=True,
    )  # fmt: skip
    for i, regime in enumerate(regimes):
        for j in range(ncols):
            ax = axes[i, j]
            ax.axvspan(intervals.a, intervals.b, color="0.92", zorder=0)
            for side, colour in SIDE_COLOURS.items():
                pts = train[train["side"] == side]
                ax.scatter(pts["x"], pts["y"], s=6, color=colour, zorder=3)
            ax.plot(xs, g(xs), color="black", lw=1, ls="--", zorder=2)
            if j >= len(terms):
                continue
            row = table[(table["regime"] == regime) & (table["terms"] == terms[j])].iloc[0]
            if row["status"] == "optimal":
                ax.plot(xs, fit_from_row(row)(intervals, xs), color=REGIME_COLOURS[regime], lw=1.6)
            else:
                ax.text(0.5, 0.5, row["status"], transform=ax.transAxes, ha="center")
            ax.set_ylim(y_lo - pad, y_hi + pad)
            if i == 0:
                ax.set_title(f"K = {terms[j]} terms")
            if j == 0:
                ax.set_ylabel(f"{regime}\ny")
            if i == len(regimes) - 1:
                ax.set_xlabel("x")
    handles = [
        plt.Line2D([], [], color="black", ls="--", label="true boundary g"),
        plt.Rectangle((0, 0), 1, 1, color="0.92", label="training interval"),
        *[plt.Line2D([], [], ls="", marker="o", color=c, label=SIDE_NAMES[s])
          for s, c in SIDE_COLOURS.items()],
    ]  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncol=4, bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(title or "Legendre decision boundaries: fitted f (colour) against g (dashed)")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _save(fig, png, pdf)


def plot_measures(table, n_train: int, png, pdf, title: str = "") -> None:
    """Test error inside / outside the training interval and the boundary's distance to g
    outside it, against the number of terms, one line per regime."""
    fits = table[table["status"] == "optimal"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for regime, rows in fits.groupby("regime", sort=False):
        colour = REGIME_COLOURS[regime]
        rows = rows.sort_values("terms")
        axes[0].plot(rows["terms"], 100 * rows["test_error_inside"], "o-", color=colour)
        axes[1].plot(rows["terms"], 100 * rows["test_error_outside"], "o-", color=colour)
        axes[2].plot(
            rows["terms"], 100 * rows["g_disagreement_outside"], "o-", color=colour, label=regime
        )
    infeasible = table.groupby("terms")["status"].apply(lambda s: (s != "optimal").all())
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("terms K (parameters)")
        ax.axvline(n_train, color="0.4", ls=":", lw=1)
        for k in infeasible[infeasible].index:
            ax.axvspan(k / 1.15, k * 1.15, color="0.85", zorder=0)
    axes[0].set_ylabel("test error inside the training interval (%)")
    axes[1].set_ylabel("test error outside the training interval (%)")
    axes[2].set_ylabel("f against g outside (% of the outside plot area)")
    axes[2].set_ylim(-2, 102)
    axes[2].legend(title="regime", fontsize=8)
    axes[0].set_title("inside: interpolation")
    axes[1].set_title("outside: extrapolation")
    axes[2].set_title("distance of the boundary to g, outside")
    fig.suptitle(
        title
        or f"Legendre boundary: grey bands = no K-term fit separates the {n_train} "
        "training points; dotted line = K equals the number of training points"
    )
    fig.tight_layout()
    _save(fig, png, pdf)


def control_terms(found: dict | None) -> list[int]:
    """The term counts whose reachable boundaries :func:`plot_control` draws: the smallest
    separating K, the K from which every target is reached, and the largest K (distinct,
    ascending); none when no K separates the data."""
    if found is None:
        return []
    picks = {found["smallest"], found["largest"]}
    if found["all_from"] is not None:
        picks.add(found["all_from"])
    return sorted(picks)


def plot_control(
    data, control, fits, g, intervals: Intervals, outside: Outside, slopes, png, pdf,
) -> None:  # fmt: skip
    """Control outside the training interval. Top row, one panel per K of
    :func:`control_terms`: the separating boundary closest to each target, drawn together
    with the targets (dashed), so what a K can and cannot reach is seen side by side. Bottom
    row: how close any separating K-term boundary gets to each target, against K (left), and
    how far the trained regimes land from g (right)."""
    found = necessity(control)
    names = list(dict.fromkeys(control["target"]))
    palette = dict(zip(names, sns.color_palette("dark", len(names)), strict=True))
    shown = control_terms(found) or [int(control["terms"].min())]
    top = "".join(chr(ord("a") + i) * (6 // len(shown)) for i in range(len(shown)))
    fig, panels = plt.subplot_mosaic(
        [list(top), list("RRRGGG")], figsize=(17, 9.5), layout="constrained"
    )
    xs = np.linspace(intervals.lo, intervals.hi, 1201)
    train = data[data["split"] == "train"]
    left, right = xs[xs < intervals.a], xs[xs > intervals.b]
    for i, terms in enumerate(shown):
        ax = panels[chr(ord("a") + i)]
        ax.axvspan(intervals.a, intervals.b, color="0.92", zorder=0)
        for side, colour in SIDE_COLOURS.items():
            pts = train[train["side"] == side]
            ax.scatter(pts["x"], pts["y"], s=6, color=colour, zorder=3)
        for side_x in (left, right):
            for name, values in targets(g, intervals, slopes, side_x).items():
                ax.plot(side_x, values, color=palette[name], ls="--", lw=1)
        rows = control[(control["terms"] == terms) & (control["status"] == "optimal")]
        for _, row in rows.iterrows():
            ax.plot(xs, reach_from_row(row)(intervals, xs), color=palette[row["target"]], lw=1.4,
                    label=f"{row['target']}: {100 * row['disagreement']:.2g}%")  # fmt: skip
        if rows.empty:
            ax.text(0.5, 0.5, "no K-term boundary separates the data", transform=ax.transAxes,
                    ha="center")  # fmt: skip
        else:
            ax.legend(fontsize=7, title="target: boundary from it", title_fontsize=7,
                      loc="upper center")  # fmt: skip
        ax.set_title(f"K = {terms}: closest separating boundary per target (dashed)")
        ax.set_ylim(outside.y_lo, outside.y_hi)
        ax.set_xlabel("x")
        ax.set_ylabel("y")

    ax = panels["R"]
    floor = 1e-6
    for name, rows in control[control["status"] == "optimal"].groupby("target", sort=False):
        rows = rows.sort_values("terms")
        ax.plot(rows["terms"], 100 * np.maximum(rows["disagreement"], floor), "o-",
                color=palette[name], label=name)  # fmt: skip
    ax.axhline(100 * C.LEGENDRE_REACH_MAX, color="0.3", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_ylabel(f"closest boundary to the target (% of outside area, floor {100 * floor:g}%)")
    ax.set_title(f"reachable: below the dotted line ({100 * C.LEGENDRE_REACH_MAX:g}%)")
    ax.legend(fontsize=7, title="target", title_fontsize=7)

    ax = panels["G"]
    optimal = fits[fits["status"] == "optimal"]
    for regime, rows in optimal.groupby("regime", sort=False):
        rows = rows.sort_values("terms")
        ax.plot(rows["terms"], 100 * rows["g_disagreement_outside"], "o-",
                color=REGIME_COLOURS[regime], label=regime)  # fmt: skip
    reached_g = control[(control["target"] == "g") & (control["status"] == "optimal")]
    reached_g = reached_g.sort_values("terms")
    ax.plot(reached_g["terms"], 100 * reached_g["disagreement"], "s-", color="black",
            label="program targeting g")  # fmt: skip
    ax.axhline(100 * C.LEGENDRE_FAR_MIN, color="0.3", ls=":", lw=1)
    ax.set_ylim(-2, 102)
    ax.set_ylabel("boundary against g outside (% of the outside area)")
    ax.set_title(
        f"trained regimes: far from g above the dotted line ({100 * C.LEGENDRE_FAR_MIN:g}%)"
    )
    ax.legend(fontsize=7, title="regime", title_fontsize=7)
    infeasible = control.groupby("terms")["status"].apply(lambda s: (s != "optimal").all())
    for ax in (panels["R"], panels["G"]):
        ax.set_xscale("log")
        ax.set_xlabel("terms K (parameters)")
        for k in infeasible[infeasible].index:
            ax.axvspan(k / 1.15, k * 1.15, color="0.85", zorder=0)
    fig.suptitle(
        "Control outside the training interval: can a boundary that separates the training set"
        " follow a chosen extension? (grey bands: no K-term boundary separates the data)"
    )
    _save(fig, png, pdf)
