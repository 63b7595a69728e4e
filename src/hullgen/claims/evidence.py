"""What the claims table is judged on (:class:`Evidence`), and the rows every claim builds
from: a verdict with the paper's quote, an n/a row for a space this run has not, the random
control."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from hullgen.claims.measures import num
from hullgen.claims.texts import QUOTES
from hullgen.claims.verdict import NOT_APPLICABLE, Verdict


@dataclass
class Evidence:
    """What one run measured, as the claims read it.

    ``spaces`` maps a space's name to its ``stats.json``; ``random`` is the random-against-real
    comparison; ``pca`` the PCA sweep; ``network`` the trained network's ``metrics.json`` with
    ``depth``, ``epochs``, ``full_training_set`` and ``test_rows`` (the test rows its accuracy
    is over, None if unknown) added; ``studies`` the model studies'
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


def verdict_row(
    claim_id: str,
    quantity: str,
    criterion: str,
    value: str,
    holds: str,
    figure: str,
    *,
    sample: str,
) -> Verdict:
    """The verdict of claim ``claim_id`` with the paper's quote; ``sample``: what ``value``
    rests on (how many test points, random points, classes)."""
    section, quote = QUOTES[claim_id]
    return Verdict(claim_id, section, quote, quantity, criterion, value, holds, figure, sample)


# The sample of a row that measures nothing.
NO_SAMPLE = "none"


FEATURE_ROWS = "the data are feature rows (dataset.kind: arrays), not images"


def missing_row(claim_id: str, quantity: str, criterion: str, needs: str, evidence) -> Verdict:
    """An n/a row: this run has no space of the config entry ``needs``; for feature rows,
    a space of images does not apply at all."""
    if evidence.data_kind == "arrays" and "random" not in needs:
        value = f"not applicable: {FEATURE_ROWS}; the claim is about a space of {needs}"
    else:
        value = f"not measured: this run has no space of {needs}"
    return verdict_row(claim_id, quantity, criterion, value, NOT_APPLICABLE, "", sample=NO_SAMPLE)


def random_control(evidence: Evidence) -> dict | None:
    randoms = evidence.of_kind("random")
    return randoms[0] if randoms else None


def control_text(control: dict | None, name: str, value) -> str:
    if control is None:
        return "no random space, so no control"
    return f"random control ({control['space']}): {name} {num(value, 2)}"
