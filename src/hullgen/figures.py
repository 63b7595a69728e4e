"""Figures as files: the config's figure options, and PNG plus PDF written atomically.

Apart from hullgen.io so that stages without figures do not need matplotlib.
"""

from __future__ import annotations

import os

from hullgen.io import atomic_path

# Class names longer than this are shortened in figures (the report's front page has them
# whole): a long folder name would squeeze the axes out of the figure.
NAME_CHARS = 32


def plain_text(text: str, max_chars: int = NAME_CHARS) -> str:
    r"""``text`` as matplotlib draws it literally: a ``$`` would start mathtext, so it is
    escaped; beyond ``max_chars`` characters it ends in an ellipsis. For names chosen by
    whoever made the data (class folders, labels).

    >>> print(plain_text("cost in $ (US$)"))
    cost in \$ (US\$)
    >>> print(plain_text("a very long name indeed", max_chars=10))
    a very lo…
    """
    text = str(text)
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return text.replace("$", r"\$")


def use_figure_options(options: dict) -> None:
    """Apply the config's ``figures`` section to every figure this process saves."""
    import matplotlib

    matplotlib.rcParams["savefig.dpi"] = options["dpi"]


def save_figure(
    figure,
    png: str | os.PathLike,
    pdf: str | os.PathLike,
    dpi: int | None = None,
    laid_out: bool = False,
) -> None:
    """Write a matplotlib figure as PNG and PDF, each atomically.

    ``dpi`` defaults to matplotlib's ``savefig.dpi``, which :func:`use_figure_options` sets.
    ``laid_out``: the figure's margins were set by hand to fit everything, so no "tight"
    bounding box is needed.
    """
    # A layout engine (constrained layout) or hand-set margins already fit everything inside
    # the figure; a "tight" bounding box on top would lay out and draw it twice per file.
    engine = figure.get_layout_engine()
    bbox = None if laid_out or engine is not None else "tight"
    try:
        for path, fmt in ((png, "png"), (pdf, "pdf")):
            with atomic_path(path) as tmp:
                # The temporary name has no image suffix: give the format explicitly.
                figure.savefig(tmp, format=fmt, dpi=dpi, bbox_inches=bbox)
            # The PNG's draw has laid the figure out; the PDF keeps those positions rather
            # than laying it out again (about a third of a figure's drawing time).
            if engine is not None and fmt == "png":
                figure.set_layout_engine("none")
    finally:
        if engine is not None:
            figure.set_layout_engine(engine)
