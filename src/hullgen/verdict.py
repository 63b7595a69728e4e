"""The one verdict type of every claim hullgen judges, and the claims table built from them.

A :class:`Verdict` quotes the paper's sentence, names the quantity measured on this run,
states the criterion (its constants live in :mod:`hullgen.criteria`), gives the measured
value, the outcome and the figure that shows the evidence. Outcomes:

- ``yes``: the criterion is met;
- ``no``: it is not;
- ``undecided``: the run measured the quantity but cannot settle the criterion (a test point
  the hull solver did not settle, too few distances to judge a shape);
- ``n/a``: the run does not measure it (no such space, another dataset than the claim's, no
  reference for this training recipe); ``value`` says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields

import pandas as pd

YES, NO, UNDECIDED, NOT_APPLICABLE = "yes", "no", "undecided", "n/a"
OUTCOMES = (YES, NO, UNDECIDED, NOT_APPLICABLE)


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

    def __post_init__(self):
        if self.holds not in OUTCOMES:
            raise ValueError(
                f"verdict {self.id!r}: holds must be one of {OUTCOMES}, got {self.holds!r}"
            )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, record: dict) -> Verdict:
        """A verdict from :meth:`to_dict`'s output (as read back from JSON)."""
        names = [f.name for f in fields(cls)]
        missing = [name for name in names if name not in record]
        if missing:
            raise ValueError(f"verdict record {record.get('id')!r} lacks {missing}")
        return cls(**{name: record[name] for name in names})


COLUMNS = tuple(f.name for f in fields(Verdict))


def outcome(flag: bool | None) -> str:
    """``yes`` for True, ``no`` for False, ``undecided`` for None."""
    if flag is None:
        return UNDECIDED
    return YES if flag else NO


def combine(flags: Iterable[bool | None]) -> str:
    """One outcome for a criterion applied to several spaces: all must hold.

    Any False gives ``no``; otherwise any None gives ``undecided``; no flags at all gives
    ``n/a``.
    """
    flags = list(flags)
    if not flags:
        return NOT_APPLICABLE
    if any(flag is False for flag in flags):
        return NO
    if any(flag is None for flag in flags):
        return UNDECIDED
    return YES


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
    lines = ["| id | holds | value |", "|---|---|---|"]
    lines += [
        f"| {_cell(row.id)} | **{_cell(row.holds)}** | {_cell(row.value)} |"
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


def _literal(path: str) -> str:
    return f"``{path}``"


def to_rst(
    table: pd.DataFrame, link: Callable[[str], str] = _literal, title: str = "Claims"
) -> str:
    """The claims table as a reStructuredText ``list-table``: one row per claim with its
    verdict, the value on this run, the criterion and its figures, each rendered by
    ``link(path)`` (an rst inline element; default: the path as literal text).

    Examples
    --------
    >>> row = Verdict("x", "2", "q", "share", "= 1", "100%", "yes", "a.png; b.png")
    >>> text = to_rst(to_frame([row], "d"))
    >>> "``a.png``, ``b.png``" in text and "\\\\= 1" in text
    True
    """
    header = ("claim", "verdict", "value on this run", "criterion", "figure")
    lines = [
        f".. list-table:: {title}",
        "   :header-rows: 1",
        "   :widths: 14 8 30 30 18",
        "   :class: claims",
        "",
    ]
    rows = [header] + [
        (
            rst_text(row.id),
            f"**{rst_text(row.holds)}**",
            rst_text(row.value),
            rst_text(row.criterion),
            ", ".join(link(path) for path in figure_paths(row.figure)) or "none",
        )
        for row in table.itertuples()
    ]
    for cells in rows:
        lines.append(f"   * - {cells[0]}")
        lines += [f"     - {cell}" for cell in cells[1:]]
    return "\n".join(lines) + "\n"
