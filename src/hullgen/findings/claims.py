"""The claims table: each claim of the paper, quoted, judged on this run's numbers.

Every row is a :class:`hullgen.verdict.Verdict`: the paper's sentence, the quantity hullgen
measures, the criterion (constants and reasons in :mod:`hullgen.criteria`), the value on
this run, the outcome and the figure that shows the evidence. The sentences, quantities and
criteria are worded in :mod:`hullgen.findings.claim_texts`.

Inputs are the per-space statistics of the findings stage (``stats.json``, see
:func:`hullgen.findings.summary.space_summary`), the random-against-real comparison, the PCA
sweep, the trained network's metrics and the model studies' verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from hullgen import criteria as C
from hullgen.findings.claim_texts import (
    NOISE_CRITERION,
    NOISE_QUANTITY,
    OUTSIDE_CRITERION,
    OUTSIDE_QUANTITY,
    PIXEL,
    POOLED,
    PREPOOL,
    QUOTES,
    SHAPE_CRITERION,
    SHAPE_QUANTITY,
    WAVELET_ALL,
    WAVELET_SUBSET,
)
from hullgen.verdict import NOT_APPLICABLE, Verdict, combine, outcome


@dataclass
class Evidence:
    """What one run measured, as the claims read it.

    ``spaces`` maps a space's name to its ``stats.json``; ``random`` is the random-against-real
    comparison; ``pca`` the PCA sweep; ``network`` the trained network's ``metrics.json`` with
    ``depth``, ``epochs`` and ``full_training_set`` added; ``studies`` the model studies'
    verdict records; ``figures`` the figure paths (see :func:`build_claims`); ``data_kind``
    where the data came from (``dataset.kind``).
    """

    dataset: str
    spaces: dict[str, dict]
    random: dict | None = None
    # The data stage's dataset.kind: known, image-folder or arrays (feature rows, no images).
    data_kind: str = "known"
    pca: pd.DataFrame | None = None
    network: dict | None = None
    studies: list[dict] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    def of_kind(self, kind: str, **meta) -> list[dict]:
        """The spaces of ``kind`` whose meta has every ``meta`` item."""
        return [
            s
            for s in self.spaces.values()
            if s["kind"] == kind and all(s["meta"].get(k) == v for k, v in meta.items())
        ]

    def figure(self, name: str, space: str | None = None) -> str:
        entry = self.figures.get(name, "")
        return entry.get(space, "") if isinstance(entry, dict) else entry

    def figures_of(self, names, spaces: list[dict]) -> str:
        """The paths of figures ``names`` (per space for the per-space ones), ``; ``-joined."""
        paths = []
        for name in names:
            if isinstance(self.figures.get(name), dict):
                paths += [self.figure(name, s["space"]) for s in spaces]
            else:
                paths.append(self.figure(name))
        return "; ".join(p for p in paths if p)


def _num(value, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _verdict(claim_id: str, quantity: str, criterion: str, value: str, holds: str, figure: str):
    section, quote = QUOTES[claim_id]
    return Verdict(claim_id, section, quote, quantity, criterion, value, holds, figure)


FEATURE_ROWS = "the data are feature rows (dataset.kind: arrays), not images"


def _missing(claim_id: str, quantity: str, criterion: str, needs: str, evidence) -> Verdict:
    """An n/a row: this run has no space of the config entry ``needs``; for feature rows,
    a space of images does not apply at all."""
    if evidence.data_kind == "arrays" and "random" not in needs:
        value = f"not applicable: {FEATURE_ROWS}; the claim is about a space of {needs}"
    else:
        value = f"not measured: this run has no space of {needs}"
    return _verdict(claim_id, quantity, criterion, value, NOT_APPLICABLE, "")


def _outside_text(stats: dict) -> str:
    s = stats["shares"]
    text = (
        f"{stats['space']}: {s['outside']}/{s['n']} outside ({_pct(s['outside_share'])}),"
        f" {s['inside']} inside, {s['not_converged']} not converged"
    )
    if s.get("separated"):
        text += f" ({s['separated']} of the outside ones with the gap above the target)"
    if s.get("outside_uncertain"):
        text += f", {s['outside_uncertain']} certified with a lower bound of 0"
    return text


def _shape_text(stats: dict) -> str:
    d = stats["distance"]
    return (
        f"{stats['space']} (n = {d['n']}): tau3 = {_num(d.get('tl_skewness'))}, tau4 ="
        f" {_num(d.get('tl_kurtosis'))}; r = {_num(d.get('qq_correlation'))}, skewness"
        f" {_num(d.get('skewness'))}, excess kurtosis {_num(d.get('excess_kurtosis'))},"
        f" D'Agostino p = {_num(d.get('normaltest_pvalue'))}"
    )


def _noise_text(stats: dict) -> str:
    size = stats["diameter"]
    return (
        f"{stats['space']}: median {_num(stats['distance']['median'])} ="
        f" {_pct(stats.get('median_over_typical'))} of the median training pair distance"
        f" {_num(size.get('median_pair_distance'))}; median"
        f" {_pct(stats['median_share_of_diameter'])} and farthest"
        f" {_pct(stats['farthest_share_of_diameter'])} of the diameter {_num(size['diameter'])};"
        " median distance / nearest-neighbour distance"
        f" {_num(stats.get('relative_to_nn_median'), 2)}"
    )


def _noise_flag(stats: dict) -> bool | None:
    typical = stats["diameter"].get("median_pair_distance")
    return C.not_small_noise(stats["distance"]["median"], typical)


@dataclass(frozen=True)
class _Measure:
    """A quantity measured per space, with its criterion, the figures that show it and,
    optionally, a control: the same quantity on the random space, which must fail."""

    quantity: str
    criterion: str
    text: Callable[[dict], str]
    # (a space's stats, the control's value or None) -> True, False or None
    flag: Callable[[dict, float | None], bool | None]
    figures: tuple[str, ...]
    control: tuple[str, Callable[[dict], float | None]] | None = None


def _directions_text(stats: dict) -> str:
    d = stats["directions"]
    text = (
        f"{stats['space']}: skill {_num(d['probe_skill'], 2)} (accuracy"
        f" {_num(d['probe_accuracy'], 2)}, {d['probe_classes']} classes, n = {d['probe_n']})"
    )
    if d.get("energy_on_object_median") is not None:
        text += (
            f"; median {_pct(d['energy_on_object_median'])} of a direction's energy on"
            f" the object's {_pct(d['object_area_median'])} of the pixels"
        )
    return text


def _surface_text(stats: dict) -> str:
    f = stats["surface"]
    return (
        f"{stats['space']}: own-class weight median {_pct(f['own_weight_median'])}"
        f" (class share {_pct(f['class_share_mean'])}), chance-corrected"
        f" {_num(f['own_excess_median'], 2)}; training images in p: median"
        f" {_num(f['support_size_median'])} (quartiles {_num(f['support_size_q1'])}-"
        f"{_num(f['support_size_q3'])}, at most {f['support_size_max']}) of"
        f" {stats['meta'].get('n_train', 'n/a')}"
    )


def _probe_skill(stats: dict):
    return stats["directions"]["probe_skill"]


def _own_excess(stats: dict):
    return stats["surface"]["own_excess_median"]


OUTSIDE = _Measure(
    OUTSIDE_QUANTITY,
    OUTSIDE_CRITERION,
    _outside_text,
    lambda s, _: C.all_outside(s["shares"]),
    ("distribution",),
)
SHAPE = _Measure(
    SHAPE_QUANTITY,
    SHAPE_CRITERION,
    _shape_text,
    lambda s, _: C.resembles_normal(s["distance"]),
    ("distribution", "shape"),
)
NOISE = _Measure(
    NOISE_QUANTITY, NOISE_CRITERION, _noise_text, lambda s, _: _noise_flag(s), ("distribution",)
)
DIRECTIONS = _Measure(
    "chance-corrected balanced accuracy (0 chance, 1 perfect) of a linear probe (ridge"
    " classifier, 5-fold stratified cross-validation) predicting the test image's class"
    " from its unit direction (x - p) / ||x - p||; control: the random points' directions"
    " with the same labels; the share of each direction's energy on the object's pixels,"
    " for information",
    f"skill >= {C.PROBE_SKILL_MIN:g} (Landis and Koch's 'fair' agreement) and the random"
    f" control's skill below {C.PROBE_SKILL_MIN:g}",
    _directions_text,
    lambda s, control: C.directions_informative(_probe_skill(s), control),
    ("directions",),
    control=("skill", _probe_skill),
)
SURFACE = _Measure(
    "for each test point outside, its nearest hull point p's convex weights: the share on"
    " the test image's own class, corrected for chance ((w_own - pi) / (1 - pi), pi the"
    " class's share of the training set), median over test points; the number of training"
    " images in p; control: the random points with the same labels",
    f"median chance-corrected own-class weight >= {C.OWN_CLASS_EXCESS_MIN:g} (most of the"
    " weight beyond chance on the own class), and the random control's below it",
    _surface_text,
    lambda s, control: C.surface_of_own_class(_own_excess(s), control),
    ("surface",),
    control=("chance-corrected", _own_excess),
)


def _space_row(claim_id, evidence: Evidence, spaces: list[dict], group, measure, note=None):
    """A claim judged by ``measure`` in each of ``spaces`` (all must pass)."""
    if not spaces:
        return _missing(claim_id, measure.quantity, measure.criterion, group[1], evidence)
    texts = [measure.text(s) + (note(s) if note else "") for s in spaces]
    control_value = None
    if measure.control is not None:
        name, value_of = measure.control
        control = _random_control(evidence)
        control_value = value_of(control) if control else None
        texts.append(_control_text(control, name, control_value))
    return _verdict(
        claim_id,
        f"{measure.quantity}, {group[0]}",
        measure.criterion,
        "; ".join(texts),
        combine(measure.flag(s, control_value) for s in spaces),
        evidence.figures_of(measure.figures, spaces),
    )


def _dimensions_note(stats: dict) -> str:
    return f" ({stats['meta'].get('dim')} dimensions)"


def _isometry_note(stats: dict) -> str:
    if stats["meta"].get("pixel_isometry"):
        return (
            " (an orthonormal transform of the pixels: every distance equals the pixel space's,"
            " so its hull is the pixel space's, solved once)"
        )
    return ""


def build_claims(evidence: Evidence) -> list[Verdict]:
    """Every claim of the paper, judged on ``evidence``; the model studies' verdicts last.

    ``evidence.figures`` maps ``distribution``, ``directions`` and ``surface`` to
    {space: path}, and ``shape``, ``random_vs_real``, ``pca_sweep`` and ``training`` to a path.
    """
    pixel = evidence.of_kind("pixel")
    wavelet_all = evidence.of_kind("wavelet", select="all")
    subsets = [s for s in evidence.of_kind("wavelet") if s["meta"].get("select") != "all"]
    prepool = evidence.of_kind("embedding", layer="prepool")
    pooled = evidence.of_kind("embedding", layer="pooled")
    verdicts = [
        _space_row("pixel-outside", evidence, pixel, PIXEL, OUTSIDE),
        _space_row("pixel-normal", evidence, pixel, PIXEL, SHAPE),
        _space_row("directions", evidence, pixel, PIXEL, DIRECTIONS),
        _space_row("not-small-noise", evidence, pixel, PIXEL, NOISE),
        _paper_numbers_row(evidence, pixel),
        _space_row("wavelet-outside", evidence, wavelet_all, WAVELET_ALL, OUTSIDE, _isometry_note),
        _space_row("wavelet-subset-outside", evidence, subsets, WAVELET_SUBSET, OUTSIDE),
        _space_row("wavelet-subset-normal", evidence, subsets, WAVELET_SUBSET, SHAPE),
        _network_row(evidence),
        _space_row("prepool-outside", evidence, prepool, PREPOOL, OUTSIDE, _dimensions_note),
        _space_row("pooled-outside", evidence, pooled, POOLED, OUTSIDE),
        _space_row("pooled-significant", evidence, pooled, POOLED, NOISE),
        _space_row("pooled-normal", evidence, pooled, POOLED, SHAPE),
        _low_dim_row(evidence, prepool + pooled),
        _random_row(evidence),
        _space_row("hull-surface", evidence, pixel, PIXEL, SURFACE),
    ]
    return verdicts + [Verdict.from_dict(record) for record in evidence.studies]


def _random_control(evidence: Evidence) -> dict | None:
    randoms = evidence.of_kind("random")
    return randoms[0] if randoms else None


def _control_text(control: dict | None, name: str, value) -> str:
    if control is None:
        return "no random space, so no control"
    return f"random control ({control['space']}): {name} {_num(value, 2)}"


def _paper_numbers_row(evidence: Evidence, pixel: list[dict]) -> Verdict:
    quantity = (
        "the exact diameter of the training set, the farthest test image's distance and its"
        " share of the diameter, pixel space (pixel values 0..255)"
    )
    criterion = (
        f"on {C.PAPER_DATASET} only: diameter within {C.DIAMETER_TOLERANCE:.0%} of"
        f" {C.PAPER_DIAMETER:,.0f}, farthest within {C.FARTHEST_TOLERANCE:.0%} of"
        f" {C.PAPER_FARTHEST:,.0f} and its share within {100 * C.FARTHEST_SHARE_TOLERANCE:.0f}"
        f" points of {C.PAPER_FARTHEST_SHARE:.0%} (the paper's two numbers differ by 1.3 points)"
    )
    if not pixel:
        return _missing("paper-numbers", quantity, criterion, PIXEL[1], evidence)
    s = pixel[0]
    diameter, farthest = s["diameter"]["diameter"], s["distance"]["max"]
    text = (
        f"{s['space']}: diameter {_num(diameter)}, farthest {_num(farthest)} ="
        f" {_pct(s['farthest_share_of_diameter'])} of it"
    )
    if evidence.dataset != C.PAPER_DATASET or farthest is None:
        holds = NOT_APPLICABLE
        text = f"context only ({evidence.dataset}, not {C.PAPER_DATASET}): {text}"
    else:
        holds = outcome(C.paper_numbers_match(diameter, farthest))
        text += (
            f" (paper: {C.PAPER_DIAMETER:,.0f}, about {C.PAPER_FARTHEST:,.0f}, about"
            f" {C.PAPER_FARTHEST_SHARE:.0%})"
        )
    return _verdict(
        "paper-numbers",
        quantity,
        criterion,
        text,
        holds,
        evidence.figure("distribution", s["space"]),
    )


def _network_row(evidence: Evidence) -> Verdict:
    quantity = "test accuracy of the trained ResNet, against what its recipe is known to reach"
    criterion = (
        f"accuracy >= reference - {100 * C.ACCURACY_TOLERANCE:.1f} percentage points; the"
        " reference applies to its dataset, depth and epochs on the full training set"
    )
    network = evidence.network
    if network is None and evidence.data_kind == "arrays":
        value = f"not applicable: {FEATURE_ROWS}, so there is no network to train"
        return _verdict("network", quantity, criterion, value, NOT_APPLICABLE, "")
    if network is None:
        value = "not measured: this run trains no network (train.enabled: false)"
        return _verdict("network", quantity, criterion, value, NOT_APPLICABLE, "")
    accuracy = network["test_accuracy"]
    recipe = (
        f"ResNet-{network['depth']}, {network['epochs']} epochs,"
        f" {'full training set' if network['full_training_set'] else 'a training subset'}"
    )
    reference, why_not = C.accuracy_reference(
        evidence.dataset, network["depth"], network["epochs"], network["full_training_set"]
    )
    text = f"test accuracy {accuracy:.4f} ({recipe})"
    if reference is None:
        holds, text = NOT_APPLICABLE, f"{text}; {why_not}"
    else:
        holds = outcome(C.accuracy_normal(accuracy, reference))
        text += f"; reference {reference.accuracy:.4f}: {reference.source}"
    return _verdict("network", quantity, criterion, text, holds, evidence.figure("training"))


def _low_dim_row(evidence: Evidence, named: list[dict]) -> Verdict:
    quantity = (
        "share of test points certified outside in the representations the paper names (the"
        " map before global pooling and the pooled vector); the logits and a PCA sweep of the"
        " pixel space for context"
    )
    criterion = (
        f"at least {C.OUTSIDE_SHARE_MIN:.0%} outside in each named representation ('all (or"
        " most)' inside is the speculation; 'no trace' of it allows a few points inside)"
    )
    if not named:
        needs = "kind: embedding, layer: prepool or pooled"
        return _missing("no-low-dim-view", quantity, criterion, needs, evidence)
    texts = [_outside_text(s) for s in named]
    texts += [f"context: {_outside_text(s)}" for s in evidence.of_kind("embedding", layer="logits")]
    pca = evidence.pca
    if pca is not None and len(pca):
        enough = pca[pca["share_outside"] >= C.OUTSIDE_SHARE_MIN]
        smallest = f"k = {int(enough['k'].min())}" if len(enough) else "no k swept"
        texts.append(
            f"context: PCA of the pixel space, smallest k with >= {C.OUTSIDE_SHARE_MIN:.0%}"
            f" outside: {smallest} ("
            + ", ".join(f"k={int(r.k)}: {_pct(r.share_outside)}" for r in pca.itertuples())
            + ")"
        )
    return _verdict(
        "no-low-dim-view",
        quantity,
        criterion,
        "; ".join(texts),
        combine(C.mostly_outside(s["shares"]) for s in named),
        evidence.figures_of(["distribution", "pca_sweep"], named),
    )


def _random_row(evidence: Evidence) -> Verdict:
    quantity = (
        "random points uniform in the pixel domain against the test images: share of random"
        " points outside, and their median distance over the test images' median distance"
        " (probability that a random point is farther than a test image, for information)"
    )
    criterion = (
        f"every random point outside and the median ratio >= {C.RANDOM_RATIO_MIN:g} ('much"
        " farther': at least twice as far)"
    )
    if evidence.data_kind == "arrays":
        # The paper's random points are images of the data's pixel domain; a box of feature
        # rows is another question (findings/random_vs_real answers it, unjudged).
        value = (
            f"not applicable: {FEATURE_ROWS}; the claim is about random points in the images'"
            " pixel domain (random_vs_real compares the rows with random points in their box)"
        )
        return _verdict("random-farther", quantity, criterion, value, NOT_APPLICABLE, "")
    control, comparison = _random_control(evidence), evidence.random
    if control is None or comparison is None:
        needs = "kind: random beside one of kind: pixel"
        return _missing("random-farther", quantity, criterion, needs, evidence)
    ratio = comparison.get("median_ratio")
    text = (
        f"{_outside_text(control)}; median distance: random {_num(comparison['random_median'])},"
        f" test {_num(comparison['real_median'])} (ratio {_num(ratio)}); P(random farther than"
        f" test) = {_num(comparison.get('superiority'))}"
    )
    return _verdict(
        "random-farther",
        quantity,
        criterion,
        text,
        outcome(C.random_much_farther(control["shares"], ratio)),
        evidence.figure("random_vs_real"),
    )
