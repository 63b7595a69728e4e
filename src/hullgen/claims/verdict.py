"""The one verdict type of every claim hullgen judges, and the claims table built from them.

A :class:`Verdict` quotes the paper's sentence, names the quantity measured on this run,
states the criterion (its constants live in :mod:`hullgen.claims.criteria`), gives the measured
value, the sample it rests on (how many test points, random points, classes), the outcome and
the figure that shows the evidence. Outcomes:

- ``yes``: the criterion is met;
- ``partly``: the criterion is met by the bulk of the data, with a named caveat that the value
  states (a second mode of the distances, formed by one class);
- ``no``: it is not;
- ``undecided``: the run measured the quantity but cannot settle the criterion (a test point
  the hull solver did not settle, too few distances to judge a shape);
- ``n/a``: the run does not measure it (no such space, another dataset than the claim's, no
  reference for this training recipe); ``value`` says why;
- ``reported``: the sentence describes an investigation, not a claim ("we investigate which
  training images form the surface"): the numbers are given, and no criterion judges them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import MISSING, asdict, dataclass, fields

import pandas as pd

YES, PARTLY, NO = "yes", "partly", "no"
UNDECIDED, NOT_APPLICABLE, REPORTED = "undecided", "n/a", "reported"
OUTCOMES = (YES, PARTLY, NO, UNDECIDED, NOT_APPLICABLE, REPORTED)
# The colour of each outcome on the report's front page (a pale fill behind the word, so the
# text stays legible in print): green holds, amber holds with a caveat, red does not, grey
# cannot be or is not judged.
OUTCOME_COLOURS = {
    YES: "#d9f0d3",
    PARTLY: "#fde9a9",
    NO: "#f6c9c4",
    UNDECIDED: "#e5e5e5",
    NOT_APPLICABLE: "#f2f2f2",
    REPORTED: "#dbe7f5",
}


@dataclass(frozen=True)
class Verdict:
    """One claim of the paper, judged on one run.

    Parameters
    ----------
    id : str
        Short stable name (``pixel-normal``).
    section : str
        Where the paper says it (``2, pixel space``).
    paper : str
        The paper's sentence, quoted.
    quantity : str
        What is measured, with its units or range.
    criterion : str
        The rule that decides ``holds``, with its constants.
    value : str
        The quantity on this run (or why it was not measured).
    holds : str
        One of :data:`OUTCOMES`.
    figure : str
        Path(s) of the figure(s) showing the evidence, ``; ``-separated ("" if none).
    sample : str
        What ``value`` rests on: how many test points (random points, classes, test points
        of the PCA sweep), per space, ``; ``-separated ("" for a record from before it).

    Examples
    --------
    >>> Verdict("x", "2", "q", "share outside", "= 1", "1.0", outcome(True), "").holds
    'yes'
    """

    id: str
    section: str
    paper: str
    quantity: str
    criterion: str
    value: str
    holds: str
    figure: str
    sample: str = ""

    def __post_init__(self):
        if self.holds not in OUTCOMES:
            raise ValueError(
                f"verdict {self.id!r}: holds must be one of {OUTCOMES}, got {self.holds!r}"
            )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, record: dict) -> Verdict:
        """A verdict from :meth:`to_dict`'s output (as read back from JSON); a field with a
        default (``sample``) may be missing."""
        required = [f.name for f in fields(cls) if f.default is MISSING]
        missing = [name for name in required if name not in record]
        if missing:
            raise ValueError(f"verdict record {record.get('id')!r} lacks {missing}")
        return cls(**{f.name: record[f.name] for f in fields(cls) if f.name in record})


# The claims table's columns (after ``dataset``): the sample beside the value it rests on.
COLUMNS = (
    "id",
    "section",
    "paper",
    "quantity",
    "criterion",
    "value",
    "sample",
    "holds",
    "figure",
)
assert set(COLUMNS) == {f.name for f in fields(Verdict)}


def outcome(flag: bool | None, caveat: bool = False) -> str:
    """``yes`` for True, ``no`` for False, ``undecided`` for None; ``partly`` for True with a
    ``caveat`` (the criterion holds for the bulk of the data, not all of it)."""
    if flag is None:
        return UNDECIDED
    if flag:
        return PARTLY if caveat else YES
    return NO


def combine(outcomes: Iterable[str]) -> str:
    """One outcome for a criterion applied to several spaces: all must hold.

    Any ``no`` gives ``no``; otherwise any ``undecided`` gives ``undecided``; otherwise any
    ``partly`` gives ``partly``; no outcomes at all gives ``n/a``.

    >>> combine(["yes", "partly"]), combine(["partly", "undecided"]), combine([])
    ('partly', 'undecided', 'n/a')
    """
    outcomes = list(outcomes)
    unknown = sorted(set(outcomes) - {YES, PARTLY, NO, UNDECIDED})
    if unknown:
        raise ValueError(f"combine: {unknown[0]!r} is not an outcome of a criterion")
    for result in (NO, UNDECIDED, PARTLY):
        if result in outcomes:
            return result
    return YES if outcomes else NOT_APPLICABLE


def to_frame(verdicts: Iterable[Verdict], dataset: str) -> pd.DataFrame:
    """The claims table: one row per verdict, columns ``dataset`` and :data:`COLUMNS`."""
    table = pd.DataFrame([v.to_dict() for v in verdicts], columns=list(COLUMNS))
    table.insert(0, "dataset", dataset)
    return table


def _cell(value) -> str:
    # Cells are data: pipes would split the row, newlines would end it.
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(table: pd.DataFrame) -> str:
    """The claims table as Markdown: a summary table, then each claim in full."""
    lines = ["| id | holds | value | sample |", "|---|---|---|---|"]
    lines += [
        f"| {_cell(row.id)} | **{_cell(row.holds)}** | {_cell(row.value)} | {_cell(row.sample)} |"
        for row in table.itertuples()
    ]
    for row in table.itertuples():
        lines += [
            "",
            f"## {row.id}: {row.holds}",
            "",
            f"> {_cell(row.paper)} (section {row.section})",
            "",
            f"- **measured**: {_cell(row.quantity)}",
            f"- **criterion**: {_cell(row.criterion)}",
            f"- **value**: {_cell(row.value)}",
            f"- **sample**: {_cell(row.sample) or 'not stated'}",
            f"- **figure**: {_cell(row.figure) or 'none'}",
        ]
    return "\n".join(lines) + "\n"


def figure_paths(figure: str) -> list[str]:
    """The paths of a verdict's ``figure`` field (``; ``-separated, possibly empty)."""
    return [path.strip() for path in str(figure).split(";") if path.strip()]


def rst_text(value) -> str:
    """``value`` as literal reStructuredText on one line: markup characters escaped, and a
    first character that could start a list item, enumeration, comment or section too.

    >>> rst_text("- |tau3| <= 0.1 for not_converged")
    '\\\\- \\\\|tau3\\\\| <= 0.1 for not\\\\_converged'
    """
    text = " ".join(str(value).split())
    text = re.sub(r"([\\*`|_])", r"\\\1", text).replace("::", ":\\:")
    if text.startswith("\\"):
        return text
    if text and (not text[0].isalnum() or re.match(r"\w+[.)](\s|$)", text)):
        return "\\" + text
    return text


def outcome_role(holds: str) -> str:
    """The reStructuredText role that shows outcome ``holds`` in its colour: a span of class
    ``verdict-<outcome>`` (``n/a``: ``verdict-na``).

    >>> outcome_role("n/a"), outcome_role("partly")
    ('verdict-na', 'verdict-partly')
    """
    if holds not in OUTCOMES:
        raise ValueError(f"{holds!r} is not one of {OUTCOMES}")
    return "verdict-" + holds.replace("/", "")


def outcome_styles() -> str:
    """The roles of :func:`outcome_role` declared, and their colours as an HTML style block
    (reStructuredText, to precede a table that uses them)."""
    lines = [f".. role:: {outcome_role(o)}" for o in OUTCOMES]
    lines += ["", ".. raw:: html", "", "   <style>"]
    lines += [
        f"   span.{outcome_role(o)} {{ background: {colour}; font-weight: bold;"
        " padding: 0 0.3em; border-radius: 0.2em; white-space: nowrap; }"
        for o, colour in OUTCOME_COLOURS.items()
    ]
    return "\n".join([*lines, "   </style>", ""]) + "\n"


def _literal(path: str) -> str:
    return f"``{path}``"


def to_rst(
    table: pd.DataFrame, link: Callable[[str], str] = _literal, title: str = "Claims"
) -> str:
    """The claims table as a reStructuredText ``list-table``: one row per claim with its
    verdict (in its colour, through the roles of :func:`outcome_styles`), the value on this
    run, the sample it rests on, the criterion and its figures, each rendered by
    ``link(path)`` (an rst inline element; default: the path as literal text).

    Examples
    --------
    >>> row = Verdict("x", "2", "q", "share", "= 1", "100%", "partly", "a.png; b.png")
    >>> text = to_rst(to_frame([row], "d"))
    >>> "``a.png``, ``b.png``" in text and "\\\\= 1" in text and ":verdict-partly:`partly`" in text
    True
    """
    header = ("claim", "verdict", "value on this run", "sample", "criterion", "figure")
    lines = [
        outcome_styles(),
        f".. list-table:: {title}",
        "   :header-rows: 1",
        "   :widths: 13 8 28 14 23 14",
        "   :class: claims",
        "",
    ]
    rows = [header] + [
        (
            rst_text(row.id),
            f":{outcome_role(row.holds)}:`{rst_text(row.holds)}`",
            rst_text(row.value),
            rst_text(row.sample) or "not stated",
            rst_text(row.criterion),
            ", ".join(link(path) for path in figure_paths(row.figure)) or "none",
        )
        for row in table.itertuples()
    ]
    for cells in rows:
        lines.append(f"   * - {cells[0]}")
        lines += [f"     - {cell}" for cell in cells[1:]]
    return "\n".join(lines) + "\n"
