"""What a rerun rewrote: each result file's modification time, before and after."""

from __future__ import annotations

import fnmatch
from pathlib import Path

# Logs and benchmarks are rewritten by every job; they are not results.
NOT_RESULTS = ("*/logs/*", "*/benchmarks/*")


def result_mtimes(folder: Path) -> dict[str, int]:
    """{path under the folder: modification time in ns} of every result file."""
    files = {}
    for path in (folder / "results").rglob("*"):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not any(fnmatch.fnmatch(rel, p) for p in NOT_RESULTS):
            files[rel] = path.stat().st_mtime_ns
    return files


def rewritten(before: dict[str, int], after: dict[str, int]) -> set[str]:
    """The files written (or rewritten) between two :func:`result_mtimes`."""
    return {path for path, mtime in after.items() if before.get(path) != mtime}


def matching(paths, patterns) -> set[str]:
    """The paths that match any of the glob ``patterns``."""
    return {p for p in paths if any(fnmatch.fnmatch(p, pattern) for pattern in patterns)}
