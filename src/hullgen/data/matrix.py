"""The one checked reader of rows of numbers from a file: the user's arrays, the CLI's
``.npy``/``.npz`` files, and the spaces the workflow writes (a diverged network's embeddings
can hold NaN).

:func:`header` checks what a file's header says (a numeric array, never unpickled);
:func:`load_rows` reads the rows and checks them: 2-d, real, the expected width, every value
finite. Each error is a :class:`DataFormatError` naming the file (and the array of a
``.npz``), the row and the column.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hullgen.errors import DataFormatError

# Rows checked for NaN and infinity at a time: a memory-mapped file is never copied whole.
FINITE_BLOCK_ROWS = 65536


@dataclass(frozen=True)
class ArrayRef:
    """One array: a ``.npy`` file, or member ``key`` of a ``.npz`` file."""

    path: Path
    key: str | None = None

    def __str__(self) -> str:
        return f"{self.path} (array {self.key!r})" if self.key else str(self.path)


class NonFiniteError(ValueError):
    """A row holds NaN or Inf; ``row`` is its index in the array that was checked."""

    def __init__(self, what: str, row: int, kind: str, column: int):
        self.what, self.row, self.kind, self.column = what, row, kind, column
        super().__init__(f"{what} row {row} contains {kind} (column {column})")

    def shifted(self, offset: int) -> NonFiniteError:
        """The same error, numbering rows from ``offset`` (e.g. a shard's first row)."""
        return NonFiniteError(self.what, self.row + offset, self.kind, self.column)


def check_finite(array: np.ndarray, what: str, block: int = FINITE_BLOCK_ROWS) -> None:
    """Raise NonFiniteError naming the first row (and its first column) holding NaN or Inf;
    checked in blocks of rows, so a memory-mapped array is never copied whole."""
    if not np.issubdtype(array.dtype, np.floating):
        return
    for start in range(0, len(array), block):
        bad = ~np.isfinite(array[start : start + block]).all(axis=1)
        if bad.any():
            row = start + int(np.flatnonzero(bad)[0])
            values = array[row]
            kind = "NaN" if np.isnan(values).any() else "Inf"
            column = int(np.flatnonzero(~np.isfinite(values))[0])
            raise NonFiniteError(what, row, kind, column)


def _open_member(path: Path, key: str):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise DataFormatError(f"{path}: not a .npz file ({err})") from None
    name = f"{key}.npy"
    if name not in archive.namelist():
        held = ", ".join(n.removesuffix(".npy") for n in archive.namelist()) or "nothing"
        archive.close()
        raise DataFormatError(f"{path}: no array {key!r} (it holds: {held})")
    return archive, archive.open(name)


def header(ref: ArrayRef) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of ``ref`` from its header (the data is not read); DataFormatError for
    a missing file, one that is not a ``.npy`` array, or an array of Python objects."""
    if not ref.path.is_file():
        raise DataFormatError(f"{ref.path}: no such file")
    archive = None
    try:
        if ref.key is None:
            handle = open(ref.path, "rb")  # noqa: SIM115 - closed below
        else:
            archive, handle = _open_member(ref.path, ref.key)
        with handle:
            version = np.lib.format.read_magic(handle)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, _fortran, dtype = read(handle)
    except (ValueError, OSError, zipfile.BadZipFile) as err:
        raise DataFormatError(f"{ref}: not a .npy array ({err})") from None
    finally:
        if archive is not None:
            archive.close()
    if dtype.hasobject:
        raise DataFormatError(
            f"{ref}: holds Python objects (a pickled array), which hullgen does not load; "
            f"save a numeric array (np.save of floats or integers)"
        )
    return tuple(shape), dtype


def load(ref: ArrayRef) -> np.ndarray:
    """The array ``ref`` as stored (a ``.npy`` memory-mapped), never unpickled."""
    try:
        if ref.key is None:
            return np.load(ref.path, mmap_mode="r", allow_pickle=False)
        with np.load(ref.path, allow_pickle=False) as archive:
            return archive[ref.key]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise DataFormatError(f"{ref}: cannot be read ({err})") from None


def check_header(ref: ArrayRef, what: str, width: int | None = None) -> tuple[int, int]:
    """(rows, columns) of the matrix ``ref`` from its header: at least one of each, real
    numbers (integers or floats), ``width`` columns when given."""
    shape, dtype = header(ref)
    if len(shape) != 2 or 0 in shape:
        raise DataFormatError(
            f"{ref}: {what} rows of shape {shape}; expected a 2-d matrix (rows = points, "
            f"columns = features) with at least one of each"
        )
    if dtype.kind not in "biuf":
        raise DataFormatError(
            f"{ref}: {what} rows must be real numbers (integers or floats), got dtype {dtype}"
        )
    if width is not None and shape[1] != width:
        raise DataFormatError(f"{ref}: {what} rows of width {shape[1]}, expected {width}")
    return shape


def load_rows(
    ref: ArrayRef | str | os.PathLike,
    what: str,
    *,
    width: int | None = None,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """The rows of matrix ``ref`` (those at positions ``rows``, all by default), as stored:
    memory-mapped when whole, a copy when chosen. A path is a ``.npy`` file, or the rows
    ``x`` of a ``.npz``. ``what`` names the rows in messages (training, test, ...).

    Raises DataFormatError naming the file and what is wrong: not a numeric 2-d array, not
    ``width`` wide, or a value that is NaN or infinite (its row, in the file's numbering,
    and its column).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> path = tempfile.mkdtemp() + "/rows.npy"
    >>> np.save(path, np.array([[0.0, 1.0], [2.0, np.inf]]))
    >>> try:
    ...     load_rows(path, "test")
    ... except DataFormatError as err:
    ...     print(str(err).split(": ", 1)[1])
    test row 1 holds Inf (column 1); hull distances need finite coordinates
    """
    if not isinstance(ref, ArrayRef):
        path = Path(ref)
        ref = ArrayRef(path, "x" if path.suffix == ".npz" else None)
    check_header(ref, what, width)
    array = load(ref)
    chosen = array if rows is None else np.asarray(array[np.asarray(rows)])
    try:
        check_finite(chosen, what)
    except NonFiniteError as err:
        row = err.row if rows is None else int(np.asarray(rows)[err.row])
        raise DataFormatError(
            f"{ref}: {what} row {row} holds {err.kind} (column {err.column}); hull distances "
            f"need finite coordinates"
        ) from None
    return chosen
