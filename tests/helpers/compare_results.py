"""Compare the results/ folders of two runs: every array, table and JSON record."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

# How a run got to its results, not the results: a killed training run that resumes from its
# checkpoint says "resumed": true beside the same weights and metrics (seen when the kill
# came after the last epoch's checkpoint).
RUN_PROVENANCE = ("resumed",)


def without_timings(record):
    """A JSON record without its wall-clock times and run provenance (what two runs with the
    same results may differ in)."""
    if isinstance(record, dict):
        return {
            k: without_timings(v)
            for k, v in record.items()
            if "seconds" not in k and k not in RUN_PROVENANCE
        }
    if isinstance(record, list):
        return [without_timings(v) for v in record]
    return record


def _without_timing_columns(frame: pd.DataFrame) -> pd.DataFrame:
    timing = [c for c in frame.columns if "seconds" in c or "per_second" in c]
    return frame.drop(columns=timing)


def _results(folder: Path) -> dict[str, Path]:
    root = folder / "results"
    return {
        p.relative_to(root).as_posix(): p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix in (".npy", ".parquet", ".json", ".csv", ".md")
        and not {"logs", "benchmarks"} & set(p.relative_to(root).parts)
    }


def differences(run: Path, reference: Path) -> list[str]:
    """What differs between two run folders (empty when every result is equal).

    Arrays and tables must be identical (but for columns of times), JSON records equal (but
    for times), Markdown files equal as text; a file present in one run only is a difference.
    """
    ours, theirs = _results(run), _results(reference)
    found = [f"only in {run}: {name}" for name in sorted(set(ours) - set(theirs))]
    found += [f"only in {reference}: {name}" for name in sorted(set(theirs) - set(ours))]
    for name in sorted(set(ours) & set(theirs)):
        a, b = ours[name], theirs[name]
        if a.suffix == ".npy":
            x, y = np.load(a, allow_pickle=False), np.load(b, allow_pickle=False)
            same = x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
        elif a.suffix in (".parquet", ".csv"):
            read = pd.read_parquet if a.suffix == ".parquet" else pd.read_csv
            same = _without_timing_columns(read(a)).equals(_without_timing_columns(read(b)))
        elif a.suffix == ".json":
            same = without_timings(json.loads(a.read_text())) == without_timings(
                json.loads(b.read_text())
            )
        else:
            same = a.read_text() == b.read_text()
        if not same:
            found.append(f"differs: {name}")
    return found
