"""The claims table: one row per claim of the paper, its statement, hullgen's value, and
whether it holds on this run's numbers.

Inputs are the per-space statistics written by the findings stage (``stats.json``: keys
``space``, ``kind``, ``meta``, ``shares`` (:func:`hullgen.findings.stats.status_shares`),
``distance`` (:func:`~hullgen.findings.stats.distance_summary` of the outside points),
``diameter`` and ``farthest_share_of_diameter``), the random-against-real comparison, the
PCA sweep, and the model studies' verdicts. A claim whose evidence this run lacks (no such
space configured) is listed with ``holds`` = "n/a".
"""

from __future__ import annotations

import pandas as pd

# Not small noise: the paper's CIFAR-10 figure is 27%; hullgen asks for at least this share.
FARTHEST_SHARE_MIN = 0.10
# "Much farther": the median random point at least this many times the median test point.
RANDOM_RATIO_MIN = 2.0
# "No low-dimensional view with (most) test points inside": at least this share outside.
OUTSIDE_SHARE_MIN = 0.95

COLUMNS = ("id", "claim", "paper", "hullgen", "holds")


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _outside_text(stats: dict) -> str:
    s = stats["shares"]
    return (
        f"{stats['space']}: {s['outside']}/{s['n']} certified outside ({_pct(s['outside_share'])}),"
        f" {s['inside']} inside, {s['not_converged']} not converged"
    )


def _all_outside(stats: dict) -> bool:
    return stats["shares"]["outside"] == stats["shares"]["n"]


def _normal_text(stats: dict) -> str:
    d = stats["distance"]
    p = d.get("normaltest_pvalue")
    return (
        f"{stats['space']}: skewness {_num(d.get('skewness'))}, excess kurtosis "
        f"{_num(d.get('excess_kurtosis'))}, D'Agostino p = {_num(p)}"
    )


def _num(value) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _verdict(flags) -> str:
    flags = [f for f in flags if f is not None]
    if not flags:
        return "n/a"
    return "yes" if all(flags) else "no"


def _row(claim_id, claim, paper, evidence, flags) -> dict:
    return {
        "id": claim_id,
        "claim": claim,
        "paper": paper,
        "hullgen": "; ".join(evidence) if evidence else "not measured in this run",
        "holds": _verdict(flags) if evidence else "n/a",
    }


def _spaces(spaces: dict, predicate) -> list[dict]:
    return [stats for stats in spaces.values() if predicate(stats)]


def _wavelet(select_all: bool):
    def predicate(stats):
        if stats["kind"] != "wavelet":
            return False
        return (stats["meta"].get("select") == "all") == select_all

    return predicate


def _layer(name: str):
    return lambda stats: stats["kind"] == "embedding" and stats["meta"].get("layer") == name


def build_claims(
    dataset: str,
    spaces: dict[str, dict],
    random_comparison: dict | None = None,
    pca: pd.DataFrame | None = None,
    studies: list[dict] | None = None,
) -> pd.DataFrame:
    """The claims table (columns :data:`COLUMNS`); ``holds`` is yes, no or n/a."""
    pixel = _spaces(spaces, lambda s: s["kind"] == "pixel")
    rows = [
        _row(
            "pixel-outside",
            "All test images lie outside the convex hull of the training images (pixel space).",
            "MNIST and CIFAR-10: all testing images are outside the hull.",
            [_outside_text(s) for s in pixel],
            [_all_outside(s) for s in pixel],
        ),
        _row(
            "pixel-normal",
            "Distances to the hull resemble a normal distribution (pixel space).",
            "The distribution of distances resembles a normal distribution for both datasets.",
            [_normal_text(s) for s in pixel],
            [s["distance"].get("normal_at_5pct") for s in pixel],
        ),
        _row(
            "pixel-diameter",
            "The farthest test image is far from the hull relative to the hull's size.",
            "CIFAR-10: diameter 13,621, farthest test image about 3,500 (27%): not small noise.",
            [
                f"{s['space']}: farthest {_num(s['distance'].get('max'))} of diameter "
                f"{_num(s['diameter']['diameter'])} = {_pct(s['farthest_share_of_diameter'])}"
                for s in pixel
            ],
            [s["farthest_share_of_diameter"] >= FARTHEST_SHARE_MIN for s in pixel],
        ),
    ]
    wavelet = _spaces(spaces, _wavelet(True))
    rows.append(
        _row(
            "wavelet-outside",
            "Test images remain outside the hull in wavelet spaces.",
            "Haar or Daubechies wavelet transforms: testing samples still outside the hull.",
            [_outside_text(s) for s in wavelet],
            [_all_outside(s) for s in wavelet],
        )
    )
    subsets = _spaces(spaces, _wavelet(False))
    rows.append(
        _row(
            "wavelet-subset",
            "With a small subset of wavelet coefficients, test images are still outside and "
            "their distances still resemble a normal distribution.",
            "A small subset of wavelet coefficients: still outside, still normal-like.",
            [f"{_outside_text(s)}; {_normal_text(s)}" for s in subsets],
            [_all_outside(s) and bool(s["distance"].get("normal_at_5pct")) for s in subsets],
        )
    )
    prepool = _spaces(spaces, _layer("prepool"))
    rows.append(
        _row(
            "prepool-outside",
            "In the ResNet's representation before the last pooling layer, test images are "
            "outside the hull.",
            "CIFAR-10 ResNet, 4,096 dimensions: testing samples still outside.",
            [f"{_outside_text(s)} ({s['meta'].get('dim')} dimensions)" for s in prepool],
            [_all_outside(s) for s in prepool],
        )
    )
    pooled = _spaces(spaces, _layer("pooled"))
    rows.append(
        _row(
            "pooled-outside",
            "In the pooled 64-d representation all test images are outside, at distances "
            "significant relative to the hull's size, resembling a normal distribution.",
            "64-dimensional space: all outside, distances significant, normal-like.",
            [
                f"{_outside_text(s)}; farthest = {_pct(s['farthest_share_of_diameter'])} of the "
                f"diameter; {_normal_text(s)}"
                for s in pooled
            ],
            [
                _all_outside(s)
                and s["farthest_share_of_diameter"] >= FARTHEST_SHARE_MIN
                and bool(s["distance"].get("normal_at_5pct"))
                for s in pooled
            ],
        )
    )
    rows.append(_random_row(random_comparison))
    rows.append(_manifold_row(spaces, pca))
    for study in studies or []:
        for i, claim in enumerate(study["claims"]):
            holds = claim["holds"]
            rows.append(
                {
                    "id": f"{study['study']}-{i + 1}",
                    "claim": claim["claim"][0].upper() + claim["claim"][1:] + ".",
                    "paper": "Sections 3 and 4 (model studies).",
                    "hullgen": claim["text"],
                    "holds": "n/a" if holds is None else ("yes" if holds else "no"),
                }
            )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table.insert(0, "dataset", dataset)
    return table


def _random_row(comparison: dict | None) -> dict:
    evidence, flags = [], []
    if comparison:
        ratio = comparison.get("median_ratio")
        evidence.append(
            f"median distance: random {_num(comparison['random_median'])}, test "
            f"{_num(comparison['real_median'])} (ratio {_num(ratio)}); "
            f"{_pct(comparison['share_random_farther'])} of random points farther than the "
            "farthest test image"
        )
        flags.append(ratio is not None and ratio >= RANDOM_RATIO_MIN)
    return _row(
        "random-farther",
        "Random points in the same domain are much farther from the hull than test images.",
        "Random points in [0, 255]^3072: outside the hull and much farther away.",
        evidence,
        flags,
    )


def _manifold_row(spaces: dict, pca: pd.DataFrame | None) -> dict:
    evidence, flags = [], []
    if pca is not None and len(pca):
        low = pca.sort_values("k").iloc[0]
        evidence.append(
            "PCA of the pixel space: "
            + ", ".join(f"k={int(r.k)}: {_pct(r.share_outside)} outside" for r in pca.itertuples())
        )
        flags.append(bool(low["share_outside"] >= OUTSIDE_SHARE_MIN))
    for stats in _spaces(spaces, lambda s: s["kind"] == "embedding"):
        evidence.append(_outside_text(stats))
        flags.append(stats["shares"]["outside_share"] >= OUTSIDE_SHARE_MIN)
    return _row(
        "no-low-dim-view",
        f"No low-dimensional view (PCA of the pixels, or the network's representations) puts "
        f"most test images inside the hull (at least {_pct(OUTSIDE_SHARE_MIN)} stay outside).",
        "No trace of a low-dimensional manifold where testing samples are inside, even in the "
        "ResNet's internal representations.",
        evidence,
        flags,
    )


def to_markdown(table: pd.DataFrame) -> str:
    """The claims table as Markdown (pipes in cells escaped)."""
    head = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n"
    body = "".join(
        "| " + " | ".join(str(row[c]).replace("|", "\\|") for c in COLUMNS) + " |\n"
        for _, row in table.iterrows()
    )
    return head + body
