"""The report's front page: the dataset, the spaces and the claims table, with links that open
each claim's figures in the Snakemake report (written by the claims rule as claims.rst)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import quote

import pandas as pd

from hullgen.claims.verdict import OUTCOMES, rst_text, to_rst

# Space metadata shown in columns of their own, or not at all (positions are data; the model
# file and the device are where and how an embedding was computed, not what it is).
_SPACE_COLUMNS = (
    "name",
    "kind",
    "dim",
    "n_train",
    "n_test",
    "pixel_isometry",
    "positions",
    "model",
    "device",
)


def figure_label(path: str) -> str:
    """A figure's short name: ``pixel: distribution`` for a space's figure, ``shape`` for a
    figure across spaces, ``mlp: disagreement`` for a model study's.

    >>> figure_label("results/digits/findings/pixel/distribution.png")
    'pixel: distribution'
    >>> figure_label("results/digits/findings/shape.png")
    'shape'
    """
    p = PurePosixPath(path)
    return p.stem if p.parent.name == "findings" else f"{p.parent.name}: {p.stem}"


def report_link(path: str) -> str:
    """An rst link that opens result ``path`` (as registered) in the Snakemake report.

    The target is the one Snakemake itself writes for a reference to a result in a caption or
    the workflow description: ``app.showResultInfo`` of the path, url-encoded as Jinja's
    ``urlencode`` does (``/`` kept).

    >>> report_link("results/d/findings/shape.png")
    "`shape <javascript:app.showResultInfo('results/d/findings/shape.png')>`__"
    """
    target = quote(str(path), safe="/")
    return f"`{rst_text(figure_label(path))} <javascript:app.showResultInfo('{target}')>`__"


def _setting(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


def space_settings(stats: dict) -> str:
    """A space's settings from its ``stats.json`` meta, as ``key: value`` pairs."""
    meta = stats.get("meta", {})
    settings = [f"{k}: {_setting(v)}" for k, v in meta.items() if k not in _SPACE_COLUMNS]
    if meta.get("pixel_isometry"):
        settings.append("an isometry of the pixel space (the same distances)")
    return "; ".join(settings) or "none"


def dataset_text(dataset: str, info: dict) -> str:
    """One paragraph on the dataset: its name, kind, sizes and classes (with their counts)."""
    rows = "images" if "image_shape" in info else "rows"
    text = f"``{dataset}``"
    if info.get("kind", "known") != "known":
        text += f" ({rst_text(info['kind'])})"
    if "n_train" in info:
        text += f": {info['n_train']:,} training and {info['n_test']:,} test {rows}"
    if "image_shape" in info:
        text += f" of {' x '.join(map(str, info['image_shape']))}"
    elif "width" in info:
        text += f" of {info['width']:,} features"
    text += "."
    classes = info.get("classes")
    if classes and info.get("labelled", True):
        counts = zip(info["class_counts_train"], info["class_counts_test"], strict=True)
        listed = "; ".join(
            f"{rst_text(name)} ({train:,} / {test:,})"
            for name, (train, test) in zip(classes, counts, strict=True)
        )
        text += f" {len(classes)} classes (training / test {rows}): {listed}."
    elif classes:
        text += " Unlabelled: the findings treat all rows as one class."
    return text


def outside_summary(stats: dict) -> str:
    """How many test points lie outside the hull, and how far: the answer a space gives.

    >>> outside_summary({"shares": {"outside": 9, "n": 10}, "distance": {"median": 12.345}})
    '9 of 10 (90%), their median distance 12.3'
    """
    shares, distance = stats.get("shares", {}), stats.get("distance", {})
    if not shares.get("n"):
        return ""
    text = f"{shares['outside']:,} of {shares['n']:,} ({shares['outside'] / shares['n']:.0%})"
    if distance.get("median") is not None:
        text += f", their median distance {distance['median']:.3g}"
    return text


def _rst_heading(title: str) -> list[str]:
    return [title, "-" * len(title), ""]


def front_page_rst(
    dataset: str,
    spaces: dict[str, dict],
    table: pd.DataFrame,
    info: dict | None = None,
    link: Callable[[str], str] = report_link,
) -> str:
    """The report's front page as reStructuredText: the dataset (its sizes and classes, from
    the data stage's ``info``), one row per space (kind, dimensions, settings) and the claims
    table (:func:`hullgen.claims.verdict.to_rst`) with each claim's figures rendered by ``link``.

    ``spaces`` maps a space's name to its ``stats.json`` (as :class:`Evidence` holds them).
    Class names are the data's (folder names, labels): they are escaped, shown as text.
    """
    lines = _rst_heading("The dataset")
    lines += [dataset_text(dataset, info or {}), ""]
    lines += _rst_heading("The spaces")
    lines += [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 14 12 10 24 40",
        "",
        "   * - space",
        "     - kind",
        "     - dimensions",
        "     - test points outside the training hull",
        "     - settings",
    ]
    for name, stats in spaces.items():
        meta = stats.get("meta", {})
        lines += [
            f"   * - {rst_text(name)}",
            f"     - {rst_text(stats.get('kind', meta.get('kind', '')))}",
            f"     - {rst_text(meta.get('dim', ''))}",
            f"     - {rst_text(outside_summary(stats))}",
            f"     - {rst_text(space_settings(stats))}",
        ]
    lines += [""]
    lines += _rst_heading("The paper's claims on this run")
    counts = table["holds"].value_counts()
    tally = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if o in counts)
    lines += [
        f"{len(table)} claims: {rst_text(tally)}. Criteria are effect sizes, never p-values;"
        " each figure link opens the figure in this report, with its caption.",
        "",
        to_rst(table, link=link, title="Claims, verdicts and criteria"),
    ]
    return "\n".join(lines)
