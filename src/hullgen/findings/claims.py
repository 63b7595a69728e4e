"""The claims table: each claim of the paper, quoted, judged on this run's numbers.

Every row is a :class:`hullgen.verdict.Verdict`: the paper's sentence, the quantity hullgen
measures, the criterion (constants and reasons in :mod:`hullgen.criteria`), the value on
this run, the outcome and the figure that shows the evidence. The sentences, quantities and
criteria are worded in :mod:`hullgen.findings.claim_texts`; the quantities judged space by
space, with their criteria, are in :mod:`hullgen.findings.claim_measures`.

Inputs are the per-space statistics of the findings stage (``stats.json``, see
:func:`hullgen.findings.summary.space_summary`), the random-against-real comparison, the PCA
sweep, the trained network's metrics and the model studies' verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from hullgen import criteria as C
from hullgen.findings.claim_measures import (
    DIRECTIONS,
    NOISE,
    OUTSIDE,
    SHAPE,
    Measure,
    num,
    outside_text,
    pct,
)
from hullgen.findings.claim_texts import (
    PIXEL,
    POOLED,
    PREPOOL,
    QUOTES,
    SIMILAR_CRITERION,
    SIMILAR_QUANTITY,
    SURFACE_QUANTITY,
    WAVELET_ALL,
    WAVELET_SUBSET,
)
from hullgen.verdict import NOT_APPLICABLE, REPORTED, Verdict, combine, outcome


@dataclass
class Evidence:
    """What one run measured, as the claims read it.

    ``spaces`` maps a space's name to its ``stats.json``; ``random`` is the random-against-real
    comparison; ``pca`` the PCA sweep; ``network`` the trained network's ``metrics.json`` with
    ``depth``, ``epochs`` and ``full_training_set`` added; ``studies`` the model studies'
    verdict records; ``figures`` the figure paths (see :func:`build_claims`); ``data_kind``
    where the data came from (``dataset.kind``); ``class_names`` the classes' names.
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
    # The data's class names by label (the data stage's info), to name the class that forms a
    # second mode; empty for unlabelled data.
    class_names: list[str] = field(default_factory=list)

    def class_name(self, label) -> str:
        """``label`` with its name, where the data have one: ``1 ('Trouser')``."""
        label = int(label)
        if 0 <= label < len(self.class_names) and str(self.class_names[label]) != str(label):
            return f"{label} ({self.class_names[label]!r})"
        return str(label)

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


def _space_row(
    claim_id, evidence: Evidence, spaces: list[dict], group, measure: Measure, note=None
):
    """A claim judged by ``measure`` in each of ``spaces`` (all must pass)."""
    if not spaces:
        return _missing(claim_id, measure.quantity, measure.criterion, group[1], evidence)
    texts = [measure.text(s, evidence.class_name) + (note(s) if note else "") for s in spaces]
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
        combine(measure.judge(s, control_value) for s in spaces),
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

    ``evidence.figures`` maps ``distribution``, ``directions``, ``examples``, ``surface`` and
    ``support`` to {space: path}, and ``shape``, ``random_vs_real``, ``pca_sweep`` and
    ``training`` to a path.
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
        _similar_row(evidence, pixel),
        _surface_row(evidence, pixel),
    ]
    return verdicts + [Verdict.from_dict(record) for record in evidence.studies]


def _random_control(evidence: Evidence) -> dict | None:
    randoms = evidence.of_kind("random")
    return randoms[0] if randoms else None


def _control_text(control: dict | None, name: str, value) -> str:
    if control is None:
        return "no random space, so no control"
    return f"random control ({control['space']}): {name} {num(value, 2)}"


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
        f"{s['space']}: diameter {num(diameter)}, farthest {num(farthest)} ="
        f" {pct(s['farthest_share_of_diameter'])} of it"
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
    texts = [outside_text(s) for s in named]
    texts += [f"context: {outside_text(s)}" for s in evidence.of_kind("embedding", layer="logits")]
    pca = evidence.pca
    if pca is not None and len(pca):
        enough = pca[pca["share_outside"] >= C.OUTSIDE_SHARE_MIN]
        smallest = f"k = {int(enough['k'].min())}" if len(enough) else "no k swept"
        texts.append(
            f"context: PCA of the pixel space, smallest k with >= {C.OUTSIDE_SHARE_MIN:.0%}"
            f" outside: {smallest} ("
            + ", ".join(f"k={int(r.k)}: {pct(r.share_outside)}" for r in pca.itertuples())
            + ")"
        )
    return _verdict(
        "no-low-dim-view",
        quantity,
        criterion,
        "; ".join(texts),
        combine(outcome(C.mostly_outside(s["shares"])) for s in named),
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
        f"{outside_text(control)}; median distance: random {num(comparison['random_median'])},"
        f" test {num(comparison['real_median'])} (ratio {num(ratio)}); P(random farther than"
        f" test) = {num(comparison.get('superiority'))}"
    )
    return _verdict(
        "random-farther",
        quantity,
        criterion,
        text,
        outcome(C.random_much_farther(control["shares"], ratio)),
        evidence.figure("random_vs_real"),
    )


def _similar_row(evidence: Evidence, pixel: list[dict]) -> Verdict:
    """ "A few similar training images, much closer than a random point would be": the test
    images' A_FEW-th nearest training image against the random points' nearest."""
    claim = "similar-training-images"
    if evidence.data_kind == "arrays":
        value = (
            f"not applicable: {FEATURE_ROWS}; the claim compares test images with random points"
            " in the images' pixel domain"
        )
        return _verdict(claim, SIMILAR_QUANTITY, SIMILAR_CRITERION, value, NOT_APPLICABLE, "")
    control = _random_control(evidence)
    measured = [s for s in pixel if s.get("neighbours") and s["neighbours"].get("n")]
    if control is None or not measured:
        needs = "kind: random beside one of kind: pixel"
        return _missing(claim, SIMILAR_QUANTITY, SIMILAR_CRITERION, needs, evidence)
    random_nn = control.get("nn_median")
    texts, flags = [], []
    for stats in measured:
        near = stats["neighbours"]
        kth = near["kth_median"]
        ratio = random_nn / kth if random_nn is not None and kth else None
        medians = ", ".join(num(v) for v in near["nearest_medians"])
        texts.append(
            f"{stats['space']}: test images' 1st to {near['k']}th nearest training image, median"
            f" distances {medians} (a sample of {near['n']:,}); random points' nearest"
            f" ({control['space']}): median {num(random_nn)}; ratio {num(ratio)}"
            f" (nearest against nearest: {num(_ratio(random_nn, stats.get('nn_median')))})"
        )
        flags.append(outcome(C.few_much_closer(ratio)))
    return _verdict(
        claim,
        SIMILAR_QUANTITY,
        SIMILAR_CRITERION,
        "; ".join(texts),
        combine(flags),
        "; ".join(
            p
            for p in [evidence.figure("random_vs_real")]
            + [evidence.figure("surface", s["space"]) for s in measured]
            if p
        ),
    )


def _ratio(numerator, denominator):
    return numerator / denominator if numerator is not None and denominator else None


def _surface_row(evidence: Evidence, pixel: list[dict]) -> Verdict:
    """The investigation: which training images form the hull's surface nearest each test
    image. Reported, not judged."""
    criterion = "none: the paper reports an investigation here, not a claim"
    if not pixel:
        return _missing("hull-surface", SURFACE_QUANTITY, criterion, PIXEL[1], evidence)
    texts = []
    for stats in pixel:
        f, near = stats["surface"], stats.get("neighbours") or {}
        text = (
            f"{stats['space']}: training images in p: median {num(f['support_size_median'])}"
            f" (quartiles {num(f['support_size_q1'])}-{num(f['support_size_q3'])}, at most"
            f" {f['support_size_max']}) of {stats['meta'].get('n_train', 'n/a')}; p's weight on"
            f" the test image's own class: median {pct(f['own_weight_median'])} (its share of"
            f" the training set {pct(f['class_share_mean'])}; chance-corrected"
            f" {num(f['own_excess_median'], 2)})"
        )
        if near.get("rank_median") is not None:
            text += (
                f"; nearest-neighbour rank of p's training images: median"
                f" {num(near['rank_median'])}; {pct(near['weight_on_nearest_percent'])} of p's"
                " weight on the 1% nearest training images (a sample of"
                f" {near['n']:,} test images)"
            )
        texts.append(text)
    figures = evidence.figures_of(["surface", "support"], pixel)
    return _verdict(
        "hull-surface", SURFACE_QUANTITY, criterion, "; ".join(texts), REPORTED, figures
    )
