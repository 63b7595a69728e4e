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

# Values checked at a time (in blocks of whole rows): a memory-mapped file is never copied
# whole, and the block's temporaries stay at tens of MB whatever the width.
FINITE_BLOCK_VALUES = 2**22


@dataclass(frozen=True)
class ArrayRef:
    """One array: a ``.npy`` file, or member ``key`` of a ``.npz`` file."""

    path: Path
    key: str | None = None

    def __str__(self) -> str:
        return f"{self.path} (array {self.key!r})" if self.key else str(self.path)


# The values hull distances can be computed from. The float32 passes square coordinates and
# sum d of them: beyond about 1e17 per value that overflows float32 (3.4e38), and a matrix
# whose largest value is below about 1e-19 has squares below float32's smallest normal number
# (1.2e-38), every digit lost. Each bound keeps a margin of 100 (d up to 1e4 and more).
LARGEST_VALUE = 1e15
SMALLEST_SCALE = 1e-15


class NonFiniteError(ValueError):
    """A row holds NaN, Inf or a value beyond :data:`LARGEST_VALUE`; ``row`` is its index
    in the array that was checked, ``kind`` says which."""

    def __init__(self, what: str, row: int, kind: str, column: int):
        self.what, self.row, self.kind, self.column = what, row, kind, column
        super().__init__(f"{what} row {row} contains {kind} (column {column})")

    def shifted(self, offset: int) -> NonFiniteError:
        """The same error, numbering rows from ``offset`` (e.g. a shard's first row)."""
        return NonFiniteError(self.what, self.row + offset, self.kind, self.column)


class ScaleError(ValueError):
    """Every value of a matrix is below :data:`SMALLEST_SCALE` in magnitude (and one is not
    zero): float32 products of them keep no digit."""

    def __init__(self, what: str, largest: float):
        self.what, self.largest = what, largest
        super().__init__(
            f"{what}: the largest value is {largest:.3g} in magnitude, below "
            f"{SMALLEST_SCALE:g}: the float32 products of hull distances keep no digit of "
            f"such values; rescale the rows (distances scale with them)"
        )


def _kind(value: float) -> str:
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "Inf"
    return f"{value:.3g}, beyond ±{LARGEST_VALUE:g}"


def check_finite(
    array: np.ndarray, what: str, block: int | None = None, scale: bool = True
) -> None:
    """Raise NonFiniteError naming the first row (and its first column) holding NaN, Inf or
    a value beyond ±:data:`LARGEST_VALUE`, and, with ``scale``, ScaleError when the largest
    magnitude is not zero but below :data:`SMALLEST_SCALE`. Checked in blocks of rows, so a
    memory-mapped array is never copied whole; 8-bit to 32-bit integers need no check."""
    if array.dtype.kind not in "fiu" or (array.dtype.kind in "iu" and array.dtype.itemsize < 8):
        return
    if block is None:
        block = max(1, FINITE_BLOCK_VALUES // max(1, array.shape[1] if array.ndim > 1 else 1))
    # A float64 bound: compared with a float16 block, a Python float would be cast to float16,
    # where 1e15 is inf and inf would pass.
    bound = np.float64(LARGEST_VALUE)
    largest = 0.0
    for start in range(0, len(array), block):
        magnitude = np.abs(array[start : start + block])
        # NaN compares false: a NaN is "not within the bound" too.
        bad = ~(magnitude <= bound).all(axis=1)
        if bad.any():
            row = start + int(np.flatnonzero(bad)[0])
            column = int(np.flatnonzero(~(np.abs(array[row]) <= bound))[0])
            raise NonFiniteError(what, row, _kind(float(array[row, column])), column)
        if magnitude.size:
            largest = max(largest, float(magnitude.max()))
    if scale and 0.0 < largest < SMALLEST_SCALE:
        raise ScaleError(what, largest)


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
    scale: bool = True,
) -> np.ndarray:
    """The rows of matrix ``ref`` (those at positions ``rows``, all by default), as stored:
    memory-mapped when whole, a copy when chosen. A path is a ``.npy`` file, or the rows
    ``x`` of a ``.npz``. ``what`` names the rows in messages (training, test, ...);
    ``scale`` checks that they are not all too small to compute with (training rows: test
    points may all lie at the origin).

    Raises DataFormatError naming the file and what is wrong: not a numeric 2-d array, not
    ``width`` wide, a value that is NaN, infinite or beyond ±:data:`LARGEST_VALUE` (its row,
    in the file's numbering, and its column), or values all too small to compute with
    (:class:`ScaleError`).

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
        check_finite(chosen, what, scale=scale)
    except NonFiniteError as err:
        row = err.row if rows is None else int(np.asarray(rows)[err.row])
        why = (
            "hull distances need finite coordinates"
            if err.kind in ("NaN", "Inf")
            else "the float32 products of hull distances would overflow: rescale the rows"
        )
        raise DataFormatError(
            f"{ref}: {what} row {row} holds {err.kind} (column {err.column}); {why}"
        ) from None
    except ScaleError as err:
        raise DataFormatError(f"{ref}: {err}") from None
    return chosen
