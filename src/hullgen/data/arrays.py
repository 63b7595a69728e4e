"""Feature arrays: training and test rows in ``.npy`` or ``.npz`` files, labels optional.

A ``.npz`` file holds the rows as ``x`` and may hold labels as ``y``; a ``.npy`` file holds
the rows only, its labels (if any) in a ``.npy`` file of their own. Labels are integers or
strings; the classes are the training labels' distinct values, sorted.

:func:`scan` reads the files' headers and the labels (small) when the workflow is parsed, so
that a wrong width, a wrong label count or a pickled array stops the run before any job;
:func:`read_rows` reads one split's rows in its job and refuses NaN and infinity.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hullgen.data.matrix import ArrayRef, check_header, header, load, load_rows
from hullgen.data.names import check_class_name
from hullgen.errors import DataFormatError

SPLITS = ("train", "test")
ROWS_KEY, LABELS_KEY = "x", "y"
# The single class of unlabelled data: per-class findings show one group, and the claims
# that need labels say they do not apply.
UNLABELLED = "unlabelled"


@dataclass(frozen=True)
class ArraysScan:
    """What :func:`scan` found: each split's rows and labels, the width, the classes."""

    rows: dict[str, ArrayRef]
    label_refs: dict[str, ArrayRef | None]
    n_rows: dict[str, int]
    width: int
    dtype: np.dtype
    classes: tuple[str, ...]
    labels: dict[str, np.ndarray]  # class indices, zeros when unlabelled
    labelled: bool


def _refs(split: str, rows_path, labels_path) -> tuple[ArrayRef, ArrayRef | None]:
    rows_path = Path(rows_path)
    if rows_path.suffix == ".npz":
        if labels_path is not None:
            raise DataFormatError(
                f"{rows_path}: a .npz file holds its labels as array 'y'; "
                f"dataset.{split}_labels applies to .npy rows only"
            )
        try:
            with zipfile.ZipFile(rows_path) as archive:
                has_labels = f"{LABELS_KEY}.npy" in archive.namelist()
        except FileNotFoundError:
            raise DataFormatError(f"{rows_path}: no such file") from None
        except (zipfile.BadZipFile, OSError) as err:
            raise DataFormatError(f"{rows_path}: not a .npz file ({err})") from None
        labels = ArrayRef(rows_path, LABELS_KEY) if has_labels else None
        return ArrayRef(rows_path, ROWS_KEY), labels
    if rows_path.suffix != ".npy":
        raise DataFormatError(f"{rows_path}: rows must be a .npy or .npz file")
    return ArrayRef(rows_path), None if labels_path is None else ArrayRef(Path(labels_path))


def has_labels(dataset: dict) -> bool:
    """Whether the arrays of config section ``dataset`` come with labels (a ``*_labels`` file,
    or ``y`` in the training ``.npz``); False when that cannot be read (:func:`scan` says why)."""
    try:
        return _refs("train", dataset["train"], dataset.get("train_labels"))[1] is not None
    except DataFormatError:
        return False


def scan(files: dict[str, str | os.PathLike | None]) -> ArraysScan:
    """Check the arrays named by ``files`` (keys ``train``, ``test``, ``train_labels``,
    ``test_labels``; labels None when absent or held in a ``.npz``) and read their labels.

    Raises DataFormatError naming the file and what is wrong: not an array, pickled, not 2-D,
    not numeric, widths that differ, labels of the wrong length or kind, labels on one split
    only, a test label that no training row has.
    """
    rows, label_refs, n_rows, dtypes, widths = {}, {}, {}, {}, {}
    for split in SPLITS:
        rows[split], label_refs[split] = _refs(split, files[split], files.get(f"{split}_labels"))
        n_rows[split], widths[split] = check_header(rows[split], split)
        dtypes[split] = header(rows[split])[1]
    if widths["train"] != widths["test"]:
        raise DataFormatError(
            f"{rows['test']}: rows of width {widths['test']}, but {rows['train']} has width "
            f"{widths['train']}; training and test rows must have the same features"
        )
    if (label_refs["train"] is None) != (label_refs["test"] is None):
        given = "train" if label_refs["train"] is not None else "test"
        other = "test" if given == "train" else "train"
        raise DataFormatError(
            f"{label_refs[given]}: labels for the {given} rows but none for the {other} rows "
            f"({rows[other]}); give both or neither"
        )
    labelled = label_refs["train"] is not None
    raw_labels = {}
    for split in SPLITS if labelled else ():
        ref = label_refs[split]
        shape, dtype = header(ref)
        if shape != (n_rows[split],):
            raise DataFormatError(
                f"{ref}: labels of shape {shape}, but {rows[split]} has {n_rows[split]} rows; "
                f"expected one label per row, shape ({n_rows[split]},)"
            )
        if dtype.kind not in "iuU":
            raise DataFormatError(f"{ref}: labels of dtype {dtype}; expected integers or strings")
        raw_labels[split] = np.asarray(load(ref))
    if labelled:
        classes, train_y = np.unique(raw_labels["train"], return_inverse=True)
        test_y = np.searchsorted(classes, raw_labels["test"])
        unknown = (test_y >= len(classes)) | (
            classes[np.minimum(test_y, len(classes) - 1)] != raw_labels["test"]
        )
        if unknown.any():
            row = int(np.flatnonzero(unknown)[0])
            raise DataFormatError(
                f"{label_refs['test']}: row {row} has label {raw_labels['test'][row].item()!r}, "
                f"which no training row has"
            )
        names = tuple(str(c) for c in classes.tolist())
        for name in names:
            check_class_name(name, str(label_refs["train"]))
        labels = {"train": train_y.astype(np.int64), "test": test_y.astype(np.int64)}
    else:
        names = (UNLABELLED,)
        labels = {split: np.zeros(n_rows[split], dtype=np.int64) for split in SPLITS}
    dtype = np.result_type(dtypes["train"], dtypes["test"])
    return ArraysScan(rows, label_refs, n_rows, widths["train"], dtype, names, labels, labelled)


def read_rows(scan_: ArraysScan, split: str, rows: np.ndarray | None = None) -> np.ndarray:
    """One split's rows (those at positions ``rows``, all by default), as stored, through
    the checked reader (:func:`hullgen.data.matrix.load_rows`: the scan's width, every value
    finite, the first row and column that is not named). All rows of a ``.npy`` file are
    the file memory-mapped, never a copy."""
    return load_rows(scan_.rows[split], split, width=scan_.width, rows=rows, scale=split == "train")
