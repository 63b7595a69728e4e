"""Class names chosen by whoever made the data: checked to be usable as a path component.

They are data, never markup: figures, tables and the report show them as text (see
:func:`hullgen.claims.front_page.rst_text` and :func:`hullgen.figures.plain_text`).
"""

from __future__ import annotations

import unicodedata

from hullgen.errors import DataFormatError


def check_class_name(name: str, where: str) -> str:
    """Return ``name`` if it can be one path component: not empty, not ``.`` or ``..``, no
    ``/`` or backslash, no control character (a newline, a tab); raise DataFormatError naming
    ``where`` otherwise. Markup (``<script>``, ``.. raw:: html``) is allowed: it is shown as
    text wherever the name appears."""
    problem = None
    if name in ("", ".", ".."):
        problem = "is empty or a relative folder reference"
    elif "/" in name or "\\" in name:
        problem = "holds a path separator"
    elif any(unicodedata.category(char).startswith("C") for char in name):
        bad = next(char for char in name if unicodedata.category(char).startswith("C"))
        problem = f"holds the control character {bad!r}"
    if problem:
        raise DataFormatError(
            f"{where}: class name {name!r} {problem}; it cannot be a path component, rename it"
        )
    return name
