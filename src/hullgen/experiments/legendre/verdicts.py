"""The paper's section 3, judged on the Legendre study: two verdicts and plain statements.

- ``legendre-necessary``: "we must over-parameterize the polynomial to have control over its
  extensions outside the H^tr". Measured directly: for each K, how close the separating
  K-term boundaries can get to each target extension (:mod:`legendre_control`).
- ``legendre-regime``: "once over-parameterized, we need to train it with a specific training
  regime in order to obtain the decision boundary that we want". Measured as how far the
  regimes with no objective outside the interval land from g's continuation, where a
  boundary that follows g exists.

Both use the bounded disagreement (share of the outside plot area, 0..1) and the constants of
:mod:`hullgen.claims.criteria`.
"""

from __future__ import annotations

import pandas as pd

from hullgen.claims import criteria as C
from hullgen.claims.verdict import NOT_APPLICABLE, Verdict, outcome
from hullgen.experiments.legendre.options import UNTARGETED

NECESSARY_QUOTE = (
    "3",
    "Using the orthogonal system of Legendre polynomials, we show that we must "
    "over-parameterize the polynomial to have control over its extensions outside the H^tr "
    "(over-parameterization is necessary).",
)
REGIME_QUOTE = (
    "3",
    "And we show that once the polynomial is over-parameterized, we need to train it with a "
    "specific training regime in order to obtain the decision boundary that we want.",
)


def _pct(share: float) -> str:
    return f"{100 * share:.2g}%" if share >= 0.001 else f"{100 * share:.1e}%"


def _reached(control: pd.DataFrame) -> pd.DataFrame:
    """Optimal control rows with a ``reached`` column (disagreement within the bound)."""
    rows = control[control["status"] == "optimal"].copy()
    rows["reached"] = rows["disagreement"] <= C.LEGENDRE_REACH_MAX
    return rows


def necessity(control: pd.DataFrame) -> dict | None:
    """The control numbers the first verdict reads; None when no K separates the data.

    Returns smallest and largest separating K, each target's reachable disagreement at both,
    and ``all_from``: the smallest K from which every larger K reaches every target (None if
    the largest K does not).
    """
    rows = _reached(control)
    if rows.empty:
        return None
    by_terms = rows.pivot(index="terms", columns="target", values="disagreement")
    order = list(dict.fromkeys(control["target"]))
    by_terms = by_terms[order].sort_index()
    all_reached = (by_terms <= C.LEGENDRE_REACH_MAX).all(axis=1)
    all_from = None
    for terms in reversed(by_terms.index):
        if not all_reached[terms]:
            break
        all_from = int(terms)
    smallest, largest = int(by_terms.index[0]), int(by_terms.index[-1])
    return {
        "smallest": smallest,
        "largest": largest,
        "at_smallest": by_terms.loc[smallest].to_dict(),
        "at_largest": by_terms.loc[largest].to_dict(),
        "all_from": all_from,
        "holds": bool(
            (by_terms.loc[smallest] > C.LEGENDRE_REACH_MAX).any() and all_reached[largest]
        ),
    }


def regime_far(fits: pd.DataFrame, control: pd.DataFrame) -> dict | None:
    """The numbers the second verdict reads; None when nothing can be compared (no
    separating K, or no untargeted regime was run).

    ``g_from``: the smallest K at which a separating boundary reaches g (None: never);
    ``median``: each untargeted regime's median disagreement with g over K >= g_from;
    ``others``: the same for the other regimes (shown, not judged); ``targeted``: the
    largest disagreement of the g-targeted boundary over those K.
    """
    rows = _reached(control)
    rows = rows[rows["target"] == "g"]
    optimal = fits[fits["status"] == "optimal"]
    untargeted = [r for r in dict.fromkeys(optimal["regime"]) if r in UNTARGETED]
    if rows.empty or not untargeted:
        return None
    reached = rows.loc[rows["reached"], "terms"]
    if reached.empty:
        return {"g_from": None, "holds": False}
    g_from = int(reached.min())
    later = optimal[optimal["terms"] >= g_from]
    median = later.groupby("regime", sort=False)["g_disagreement_outside"].median()
    targeted = float(rows.loc[rows["terms"] >= g_from, "disagreement"].max())
    judged = {r: float(median[r]) for r in untargeted if r in median}
    return {
        "g_from": g_from,
        "terms": sorted(int(k) for k in later["terms"].unique()),
        "median": judged,
        "others": {r: float(v) for r, v in median.items() if r not in judged},
        "targeted": targeted,
        "holds": bool(
            judged
            and targeted <= C.LEGENDRE_REACH_MAX
            and min(judged.values()) >= C.LEGENDRE_FAR_MIN
        ),
    }


def _shares(values: dict) -> str:
    return ", ".join(f"{name} {_pct(share)}" for name, share in values.items())


def necessity_value(found: dict | None) -> str:
    if found is None:
        return "no K separates the training points: nothing to control"
    text = (
        f"smallest separating K = {found['smallest']}: closest boundaries "
        f"{_shares(found['at_smallest'])} from the targets; "
    )
    if found["all_from"] is None:
        text += f"largest K = {found['largest']} does not reach every target"
    else:
        text += (
            f"every target reached from K = {found['all_from']} on; largest K = "
            f"{found['largest']}: at most {_pct(max(found['at_largest'].values()))}"
        )
    return text


def regime_value(found: dict | None) -> str:
    if found is None:
        return "no separating K, or no regime without an objective outside the interval"
    if found["g_from"] is None:
        return "no K reaches g's continuation: the boundary we want does not exist here"
    terms = found["terms"]
    text = (
        f"g reached from K = {found['g_from']} (g-targeted boundary at most "
        f"{_pct(found['targeted'])} from g); median over K = {terms[0]}..{terms[-1]}: "
        f"{_shares(found['median'])}"
    )
    if found["others"]:
        text += f" (not judged, a prior outside: {_shares(found['others'])})"
    return text


def claims(fits: pd.DataFrame, control: pd.DataFrame, figure: str = "") -> list[dict]:
    """Both verdicts as :class:`hullgen.claims.verdict.Verdict` records (``figure``: the path of the
    figure that shows the evidence)."""
    area = "share of the outside plot area between the boundary and the target, 0..1"
    reach_max, far_min = _pct(C.LEGENDRE_REACH_MAX), _pct(C.LEGENDRE_FAR_MIN)
    found = necessity(control)
    necessary = Verdict(
        "legendre-necessary",
        *NECESSARY_QUOTE,
        quantity=(
            "for each number of terms K and each target extension outside the training "
            "interval (g's continuation; lines from g's value at the interval's ends), the "
            "closest of all K-term boundaries that separate the training set with the margin "
            f"(HiGHS QP): its disagreement with the target ({area})"
        ),
        criterion=(
            f"at the smallest separating K some target stays above {reach_max} (cannot be "
            f"reached), and at the largest K every target is within {reach_max}"
        ),
        value=necessity_value(found),
        holds=NOT_APPLICABLE if found is None else outcome(found["holds"]),
        figure=figure,
    )
    far = regime_far(fits, control)
    regime = Verdict(
        "legendre-regime",
        *REGIME_QUOTE,
        quantity=(
            f"disagreement with g's continuation ({area}) of the regimes with no objective "
            f"outside the interval ({', '.join(UNTARGETED)}), median over every K from the "
            "smallest at which a separating boundary reaches g, against the program that "
            "targets g"
        ),
        criterion=(
            f"the g-targeted boundary is within {reach_max} of g at every such K, and every "
            f"untargeted regime's median is at least {far_min}"
        ),
        value=regime_value(far),
        holds=NOT_APPLICABLE if far is None else outcome(far["holds"]),
        figure=figure,
    )
    return [necessary.to_dict(), regime.to_dict()]


def summary_lines(fits: pd.DataFrame, control: pd.DataFrame, n_train: int) -> list[str]:
    """Plain statements with numbers, and whether each of the paper's points holds."""
    optimal = fits[fits["status"] == "optimal"]
    all_terms = sorted(int(k) for k in fits["terms"].unique())
    infeasible = [k for k in all_terms if k not in set(optimal["terms"])]
    lines = []
    if infeasible:
        lines.append(
            f"Under-parameterized: no boundary with K in {infeasible} terms separates the "
            f"{n_train} training points with the margin (HiGHS reports the program infeasible)."
        )
    found, far = necessity(control), regime_far(fits, control)
    if found is None:
        lines.append("No K separates the training points: nothing to compare.")
        return lines
    lines.append(f"Control outside the interval: {necessity_value(found)}.")
    big = optimal[optimal["terms"] >= n_train]
    if not big.empty:
        lines.append(
            f"Over-parameterized (K >= {n_train} = n_train): every regime separates the "
            f"training set ({int(big['margin_violations'].sum())} margin violations); test "
            f"error inside the interval {_pct(big['test_error_inside'].min())}-"
            f"{_pct(big['test_error_inside'].max())}, outside "
            f"{_pct(big['test_error_outside'].min())}-{_pct(big['test_error_outside'].max())}."
        )
    lines.append(f"Regimes against g outside: {regime_value(far)}.")
    lines.append(
        "Over-parameterization is necessary for control: holds."
        if found["holds"]
        else "Over-parameterization is necessary for control: does not show here."
    )
    if far is not None:
        lines.append(
            "A specific regime is needed for the boundary we want: holds."
            if far["holds"]
            else "A specific regime is needed for the boundary we want: does not show here."
        )
    return lines
