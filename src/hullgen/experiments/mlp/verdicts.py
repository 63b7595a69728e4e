"""The paper's section 4, judged on the MLP study: one verdict per point, and plain statements.

The sentence (section 4): "We see that in the under-parameterized regime, the main struggle is
to minimize the training loss and find the best shape of the decision boundaries inside the
H^tr. In the over-parameterized regime, decision boundaries perfectly separate the data inside
the H^tr, but depending on the training regime, they can have very different shapes outside
the H^tr, showing that over-parameterization gives us control over the behavior of model
outside H^tr by using specific training regimes."

- ``mlp-under-fit``: under-parameterized models struggle to fit the training set;
- ``mlp-over-fit``: over-parameterized models separate it perfectly;
- ``mlp-regime``: outside the hull, the regime changes the boundary much more than the seed;
- ``mlp-control``: each regime aimed at a target labelling outside (its own, or the study's)
  reaches it while fitting the data when over-parameterized, and not when
  under-parameterized.

Size classes: under-parameterized is fewer parameters than training points, over-parameterized
at least :data:`hullgen.claims.criteria.MLP_OVER_FACTOR` times as many. Every measure is a share of
models or of grid points (bounded); the constants are in :mod:`hullgen.claims.criteria`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hullgen.claims import criteria as C
from hullgen.claims.verdict import NOT_APPLICABLE, Verdict, outcome
from hullgen.experiments.mlp.models import parameter_count
from hullgen.experiments.mlp.options import MlpOptions
from hullgen.experiments.mlp.study import BAND_NAMES, OUTSIDE_FAR

SECTION = "4"
UNDER_QUOTE = (
    "We see that in the under-parameterized regime, the main struggle is to minimize the "
    "training loss and find the best shape of the decision boundaries inside the H^tr."
)
OVER_QUOTE = (
    "In the over-parameterized regime, decision boundaries perfectly separate the data inside "
    "the H^tr"
)
REGIME_QUOTE = (
    "but depending on the training regime, they can have very different shapes outside the H^tr"
)
CONTROL_QUOTE = (
    "showing that over-parameterization gives us control over the behavior of model outside "
    "H^tr by using specific training regimes."
)
FAR = BAND_NAMES[OUTSIDE_FAR]


def size_classes(n_train: int) -> list[tuple[str, float, float]]:
    """(label, lowest, highest-exclusive) parameter counts of the three size classes."""
    over = C.MLP_OVER_FACTOR * n_train
    return [
        (f"under-parameterized (< {n_train:,} parameters, the training set size)", 0, n_train),
        (f"in between ({n_train:,} to < {over:,} parameters)", n_train, over),
        (f"over-parameterized (>= {over:,} = {C.MLP_OVER_FACTOR} x n_train)", over, np.inf),
    ]


def _between(models: pd.DataFrame, low: float, high: float) -> pd.DataFrame:
    return models[(models["parameters"] >= low) & (models["parameters"] < high)]


def _pct(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{100 * value:.1f}%"


def _fit_share(rows: pd.DataFrame) -> float:
    """Share of models that classify every training point correctly."""
    return float((rows["train_accuracy"] >= 1.0).mean()) if len(rows) else float("nan")


def targeted_regimes(options: MlpOptions | dict) -> list[str]:
    return MlpOptions.of(options).aimed()


def _comparison(study, widths, band: str) -> tuple[float, float]:
    """Mean over ``widths`` of the regime-pair and seed-pair disagreement in ``band``."""
    table = study.comparison
    rows = table[table["width"].isin(widths) & (table["band"] == band)]
    by_pairs = rows.groupby("pairs")["disagreement"].mean()
    return float(by_pairs.get("regimes", np.nan)), float(by_pairs.get("seeds", np.nan))


def judge(study) -> dict[str, dict]:
    """Each verdict's ``holds`` (True, False, or None when it cannot be judged) and ``value``
    (its numbers), by id."""
    options = MlpOptions.of(study.options)
    models = study.models.reset_index(drop=True)
    classes = size_classes(options.n_train)
    under = _between(models, *classes[0][1:])
    over = _between(models, *classes[2][1:])
    out = {}
    none_over = f"no width has >= {classes[2][1]:,} parameters"
    none_under = f"no width has < {classes[0][2]:,} parameters"

    under_fit, over_fit = _fit_share(under), _fit_share(over)
    if under.empty or over.empty:
        out["mlp-under-fit"] = {"holds": None, "value": none_under if under.empty else none_over}
    else:
        out["mlp-under-fit"] = {
            "holds": bool(under_fit <= C.MLP_UNDER_FIT_SHARE_MAX),
            "value": f"{_pct(under_fit)} of the under-parameterized models fit the training set"
            f" (median final loss {under['final_loss'].median():.3g}), against {_pct(over_fit)}"
            f" of the over-parameterized (median loss {over['final_loss'].median():.3g})",
        }
    if over.empty:
        out["mlp-over-fit"] = {"holds": None, "value": none_over}
    else:
        near_regimes, near_seeds = _comparison(study, over["width"].unique(), BAND_NAMES[0])
        out["mlp-over-fit"] = {
            "holds": bool(over_fit >= C.MLP_FIT_SHARE_MIN),
            "value": f"{_pct(over_fit)} of {len(over)} over-parameterized models classify every"
            f" training point correctly; inside the hull near the data, two of them differ on"
            f" {_pct(near_regimes)} of the grid (different regimes) and {_pct(near_seeds)}"
            " (different seeds)",
        }
    if over.empty:
        out["mlp-regime"] = {"holds": None, "value": none_over}
    else:
        by_regime, by_seed = _comparison(study, over["width"].unique(), FAR)
        if np.isnan(by_regime) or np.isnan(by_seed):
            out["mlp-regime"] = {"holds": None, "value": "needs two regimes and two seeds"}
        else:
            out["mlp-regime"] = {
                "holds": bool(
                    by_regime >= C.MLP_REGIME_DIFFER_MIN
                    and by_regime >= C.MLP_REGIME_OVER_SEED_MIN * by_seed
                ),
                "value": f"in the far third of the outside grid, two over-parameterized models"
                f" from the same start but different regimes differ on {_pct(by_regime)} of the"
                f" points, two of the same regime from different starts on {_pct(by_seed)}",
            }
    out["mlp-control"] = _control(options, under, over, none_under, none_over)
    return out


def _reaches(rows: pd.DataFrame) -> pd.Series:
    """Per model: fits the training set and agrees with the target on enough of the outside."""
    return (rows["train_accuracy"] >= 1.0) & (rows["target_agreement_outside"] >= C.MLP_REACH_MIN)


def _control(options, under, over, none_under, none_over) -> dict:
    """Each aimed regime on its own target: the verdict needs every one of them reached (a
    choice of behaviour, not one lucky target)."""
    aimed = targeted_regimes(options)
    if not aimed:
        return {"holds": None, "value": "no regime aims at the outside (outside_penalty > 0)"}
    if under.empty or over.empty:
        return {"holds": None, "value": none_under if under.empty else none_over}
    parts, over_shares = [], []
    for regime in options.regimes:
        if regime.name not in aimed:
            continue
        rows = over[over["regime"] == regime.name]
        over_shares.append(_reaches(rows).mean())
        parts.append(
            f"{regime.name} (to {options.target_of(regime)}) {_pct(over_shares[-1])}"
            f" (median agreement {_pct(rows['target_agreement_outside'].median())})"
        )
    aimed_under = under[under["regime"].isin(aimed)]
    under_share = _reaches(aimed_under).mean()
    value = (
        "over-parameterized models that fit the data and agree with their regime's target on"
        f" >= {C.MLP_REACH_MIN:.0%} of the outside grid: {'; '.join(parts)}; under-parameterized"
        f" aimed models: {_pct(under_share)}"
        f" (median {_pct(aimed_under['target_agreement_outside'].median())})"
    )
    others = over[~over["regime"].isin(aimed)]
    if len(others):
        value += (
            f"; the untargeted over-parameterized models agree with the"
            f" {options.outside_target} labelling on a median"
            f" {_pct(others['target_agreement_outside'].median())}"
        )
    return {
        "holds": bool(
            min(over_shares) >= C.MLP_CONTROL_SHARE_MIN
            and under_share < C.MLP_CONTROL_UNDER_SHARE_MAX
        ),
        "value": value,
    }


CLAIMS = {
    "mlp-under-fit": (
        UNDER_QUOTE,
        "share of the under-parameterized models (fewer parameters than training points, every"
        " regime and seed) that classify every training point correctly, against the"
        " over-parameterized ones; median final training loss beside it",
        f"at most {C.MLP_UNDER_FIT_SHARE_MAX:.0%} of the under-parameterized models fit the"
        " training set",
    ),
    "mlp-over-fit": (
        OVER_QUOTE,
        f"share of the over-parameterized models (>= {C.MLP_OVER_FACTOR} x n_train parameters,"
        " every regime and"
        " seed) that classify every training point correctly",
        f"at least {C.MLP_FIT_SHARE_MIN:.0%}",
    ),
    "mlp-regime": (
        REGIME_QUOTE,
        "outside the hull, in the third of the grid farthest from the data, the share of points"
        " where two over-parameterized models differ: same start and different regimes,"
        " against same regime and different starts (mean over pairs and widths)",
        f"the first at least {C.MLP_REGIME_DIFFER_MIN:.0%} and at least"
        f" {C.MLP_REGIME_OVER_SEED_MIN:g} x the second",
    ),
    "mlp-control": (
        CONTROL_QUOTE,
        "per regime aimed at a target labelling outside the hull (outside_penalty > 0, each"
        " its own target), the share of its models that fit the training set and agree with"
        f" the target on >= {C.MLP_REACH_MIN:.0%} of the outside grid; over- against"
        " under-parameterized",
        f"for every aimed regime at least {C.MLP_CONTROL_SHARE_MIN:.0%} of its"
        f" over-parameterized models, and fewer than {C.MLP_CONTROL_UNDER_SHARE_MAX:.0%} of the"
        " under-parameterized aimed models",
    ),
}


def claims(study, figure: str = "") -> list[dict]:
    """The four verdicts as :class:`hullgen.claims.verdict.Verdict` records (``figure``: the figure
    that shows the evidence)."""
    judged = judge(study)
    verdicts = []
    for claim_id, (quote, quantity, criterion) in CLAIMS.items():
        holds = judged[claim_id]["holds"]
        verdicts.append(
            Verdict(
                claim_id,
                SECTION,
                quote,
                quantity=quantity,
                criterion=criterion,
                value=judged[claim_id]["value"],
                holds=NOT_APPLICABLE if holds is None else outcome(holds),
                figure=figure,
            ).to_dict()
        )
    return verdicts


def summary_lines(study) -> list[str]:
    """Plain statements with their numbers, and whether each point of the paper holds.

    ``study``: an :class:`hullgen.experiments.mlp.study.MlpStudy`, or any object with its
    attributes ``options``, ``inside``, ``models`` and ``comparison`` (loaded back from
    files).
    """
    options = MlpOptions.of(study.options)
    models = study.models.reset_index(drop=True)
    lines = [_setup_line(options, study.inside)]
    for label, low, high in size_classes(options.n_train):
        rows = _between(models, low, high)
        if len(rows):
            lines.append(f"{label}: {_class_findings(study, rows)}")
    for claim_id, judged in judge(study).items():
        verdict = {True: "holds", False: "does not hold", None: "cannot be judged"}
        lines.append(f"{claim_id} {verdict[judged['holds']]}: {judged['value']}.")
    return lines


def _setup_line(options: MlpOptions, inside: np.ndarray) -> str:
    widths = options.widths
    counts = [parameter_count(w, options.hidden_layers) for w in widths]
    size = options.grid_size
    return (
        f"{options.dataset} (noise {options.noise}), {options.n_train} training points;"
        f" {options.hidden_layers} hidden layers of width {', '.join(map(str, widths))}"
        f" ({min(counts):,} to {max(counts):,} parameters); {len(options.regimes)} regimes"
        f" x {options.seeds} seeds, {options.epochs} full-batch epochs;"
        f" {float(np.mean(inside)):.1%} of the {size} x {size} grid (bounding box x"
        f" {options.box_factor}) lies inside the training hull"
    )


def _class_findings(study, rows: pd.DataFrame) -> str:
    """Fit, disagreement by band and target agreement of the models in ``rows``."""
    accuracy = rows["train_accuracy"]
    text = (
        f"train accuracy {accuracy.min():.3f} to {accuracy.max():.3f}, {_pct(_fit_share(rows))}"
        " of the models fit the training set; two models differ"
    )
    parts = []
    for band in BAND_NAMES.values():
        by_regime, by_seed = _comparison(study, rows["width"].unique(), band)
        parts.append(f" {band}: {_pct(by_regime)} (regimes) / {_pct(by_seed)} (seeds)")
    text += ";".join(parts)
    agreement = rows.groupby(["regime", "target"], sort=False)["target_agreement_outside"]
    return (
        text
        + "; median agreement with the target outside: "
        + ", ".join(
            f"{name} (with {target}) {_pct(value)}"
            for (name, target), value in agreement.median().items()
        )
    )
