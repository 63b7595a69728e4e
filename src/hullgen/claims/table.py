"""The claims table: each claim of the paper, quoted, judged on this run's numbers.

Every row is a :class:`hullgen.claims.verdict.Verdict`: the paper's sentence, the quantity hullgen
measures, the criterion (constants and reasons in :mod:`hullgen.claims.criteria`), the value on
this run, the outcome and the figure that shows the evidence. The sentences, quantities and
criteria are worded in :mod:`hullgen.claims.texts`; the quantities judged space by
space, with their criteria, are in :mod:`hullgen.claims.measures`; the claims judged
on the whole run in :mod:`hullgen.claims.rows`; what they are all judged on, and the
rows they build from, in :mod:`hullgen.claims.evidence`.

Inputs are the per-space statistics of the findings stage (``stats.json``, see
:func:`hullgen.findings.summary.space_summary`), the random-against-real comparison, the PCA
sweep, the trained network's metrics and the model studies' verdicts.
"""

from __future__ import annotations

from hullgen.claims.evidence import (
    Evidence,
    control_text,
    missing_row,
    random_control,
    verdict_row,
)
from hullgen.claims.measures import (
    DIRECTIONS,
    NOISE,
    OUTSIDE,
    SHAPE,
    Measure,
)
from hullgen.claims.rows import (
    low_dim_row,
    network_row,
    paper_numbers_row,
    random_row,
    similar_row,
    surface_row,
)
from hullgen.claims.texts import (
    PIXEL,
    POOLED,
    PREPOOL,
    WAVELET_ALL,
    WAVELET_SUBSET,
)
from hullgen.claims.verdict import Verdict, combine

# The sample of a model study's rows: its own synthetic data, whose sizes its value gives.
STUDY_SAMPLE = "the study's synthetic data (experiments section), not the dataset's points"


def _space_row(
    claim_id, evidence: Evidence, spaces: list[dict], group, measure: Measure, note=None
):
    """A claim judged by ``measure`` in each of ``spaces`` (all must pass)."""
    if not spaces:
        return missing_row(claim_id, measure.quantity, measure.criterion, group[1], evidence)
    texts = [measure.text(s, evidence.class_name) + (note(s) if note else "") for s in spaces]
    samples = [measure.sample(s) for s in spaces]
    control_value = None
    if measure.control is not None:
        name, value_of = measure.control
        control = random_control(evidence)
        control_value = value_of(control) if control else None
        texts.append(control_text(control, name, control_value))
        if control is not None:
            samples.append(f"control {measure.sample(control)}")
    return verdict_row(
        claim_id,
        f"{measure.quantity}, {group[0]}",
        measure.criterion,
        "; ".join(texts),
        combine(measure.judge(s, control_value) for s in spaces),
        evidence.figures_of(measure.figures, spaces),
        sample="; ".join(samples),
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
        paper_numbers_row(evidence, pixel),
        _space_row("wavelet-outside", evidence, wavelet_all, WAVELET_ALL, OUTSIDE, _isometry_note),
        _space_row("wavelet-subset-outside", evidence, subsets, WAVELET_SUBSET, OUTSIDE),
        _space_row("wavelet-subset-normal", evidence, subsets, WAVELET_SUBSET, SHAPE),
        network_row(evidence),
        _space_row("prepool-outside", evidence, prepool, PREPOOL, OUTSIDE, _dimensions_note),
        _space_row("pooled-outside", evidence, pooled, POOLED, OUTSIDE),
        _space_row("pooled-significant", evidence, pooled, POOLED, NOISE),
        _space_row("pooled-normal", evidence, pooled, POOLED, SHAPE),
        low_dim_row(evidence, prepool + pooled),
        random_row(evidence),
        similar_row(evidence, pixel),
        surface_row(evidence, pixel),
    ]
    studies = [
        Verdict.from_dict({**record, "sample": record.get("sample") or STUDY_SAMPLE})
        for record in evidence.studies
    ]
    return verdicts + studies
