"""Figures as files: the config's figure options, and PNG plus PDF written atomically.

Apart from hullgen.io so that stages without figures do not need matplotlib.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable

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


def use_figure_options(options: dict, names: Iterable[str] = ()) -> None:
    """Apply the config's ``figures`` section to every figure this process saves, and make
    the fonts draw ``names`` (class names: :func:`use_fonts_for`); characters no installed
    font has are said once in the log, not once per glyph and figure."""
    import matplotlib

    matplotlib.rcParams["savefig.dpi"] = options["dpi"]
    missing = use_fonts_for(names)
    if missing:
        logging.getLogger("hullgen").warning(
            "no installed font draws %s (in the class names): they show as empty boxes in "
            "the figures; install a font that has them (Noto covers most scripts: "
            "apt install fonts-noto-core fonts-noto-cjk) and rerun the figures",
            " ".join(missing),
        )
        # Said above: matplotlib would repeat it for every glyph of every figure.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")


# Fonts whose glyphs are placeholders (a box for every code point): never a fallback.
PLACEHOLDER_FONTS = ("Last Resort",)


def use_fonts_for(texts: Iterable[str]) -> list[str]:
    """Let matplotlib draw every character of ``texts``: installed fonts that have the
    characters the default font lacks are added after it (matplotlib falls back to them
    glyph by glyph). Returns the characters no installed font has, in order.
    """
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    wanted = sorted({char for text in texts for char in str(text) if char.isprintable()})
    if all(char.isascii() for char in wanted):
        return []  # every font draws ASCII
    families = list(matplotlib.rcParams["font.family"])
    default = font_manager.findfont(font_manager.FontProperties(family=families))
    lacking = [char for char in wanted if ord(char) not in FT2Font(default).get_charmap()]
    added = []
    for entry in font_manager.fontManager.ttflist:
        if not lacking:
            break
        if entry.name in families + added or entry.name.startswith(PLACEHOLDER_FONTS):
            continue
        try:
            charmap = FT2Font(entry.fname).get_charmap()
        except (OSError, RuntimeError):  # a font file that cannot be read is no help
            continue
        if any(ord(char) in charmap for char in lacking):
            added.append(entry.name)
            lacking = [char for char in lacking if ord(char) not in charmap]
    matplotlib.rcParams["font.family"] = families + added
    return lacking


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
