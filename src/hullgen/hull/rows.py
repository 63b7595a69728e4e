"""The training matrix as given, centred in float64 row by row when rows are needed.

The solver needs exact (float64) training rows only for a few hundred rows per query, and a
whole exact pass only rarely (near-ties, the separating LP). So the matrix is not copied: a
memory-mapped ``.npy`` stays in the page cache, which every job on a node that reads the same
file shares, and rows are converted on demand. The conversion is exact for uint8, integer and
float32 data (all exact in float64); the centring is the same float64 subtraction as centring
a full copy would be, so results are bit for bit those of a float64 copy.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _in_range(index, n):
    """Whether every index lies in [0, n): compiled, since numpy's min and max cost a few
    microseconds of Python each, per gather of a few dozen rows."""
    return index.min() >= 0 and index.max() < n


@njit(cache=True)
def _centred_rows(source, index, mean, out):
    """out[i] = float64(source[index[i]]) - mean: one pass (numpy's fancy index, conversion
    and subtraction make three, measured 2.7x slower for 128 rows of 784 uint8)."""
    for i in range(len(index)):
        row = index[i]
        for j in range(source.shape[1]):
            out[i, j] = np.float64(source[row, j]) - mean[j]
    return out


@njit(cache=True)
def _centred_diffs(source, index, mean, x, out):
    """out[i] = (float64(source[index[i]]) - mean) - x: a working set's rows minus its
    query, rounded as the two subtractions made one after the other."""
    for i in range(len(index)):
        row = index[i]
        for j in range(source.shape[1]):
            out[i, j] = (np.float64(source[row, j]) - mean[j]) - x[j]
    return out


# Reassociation lets the sums vectorise (in order, each waits for the last: 2x slower than
# numpy's gather and product, measured 2026-12-03); any order is within the float64 error
# bounds the solver uses (n terms, n u each).
@njit(cache=True, fastmath={"reassoc"})
def _centred_rows_with(source, index, mean, vector, squared, out, values):
    """:func:`_centred_rows`, and per row ``out[i] . vector`` (``squared``: ``||out[i] -
    vector||^2`` instead) into ``values``, in the same pass."""
    for i in range(len(index)):
        row = index[i]
        acc = 0.0
        for j in range(source.shape[1]):
            v = np.float64(source[row, j]) - mean[j]
            out[i, j] = v
            if squared:
                acc += (v - vector[j]) * (v - vector[j])
            else:
                acc += v * vector[j]
        values[i] = acc
    return out, values


@njit(cache=True)
def _centred_dot(source, mean, w, out):
    """out[i] = (float64(source[i]) - mean) . w for every row, one row at a time: faster
    than converting float64 blocks and multiplying them (measured 2026-12-03, one thread:
    60,000 x 784 uint8 0.015 s against 0.10-0.16 s, 50,000 x 3,072 float32 0.12 s against
    0.36 s), and what a query a pass could not settle waits for."""
    row = np.empty(source.shape[1])
    for i in range(source.shape[0]):
        for j in range(source.shape[1]):
            row[j] = np.float64(source[i, j]) - mean[j]
        out[i] = np.dot(row, w)
    return out


class TrainingRows:
    """Rows of ``source`` (n, d) minus ``mean`` (d,), in float64, on demand.

    Parameters
    ----------
    source : (n, d) array of any numeric dtype, possibly memory-mapped; not copied (do not
        modify it while the object is in use).
    mean : (d,) float64, subtracted from every row.
    block_bytes : size of the float64 block the whole-matrix operations work through (the
        largest temporary they make).

    Examples
    --------
    >>> import numpy as np
    >>> rows = TrainingRows(np.arange(6, dtype=np.uint8).reshape(3, 2), np.array([2.0, 3.0]))
    >>> rows[[2, 0]]
    array([[ 2.,  2.],
           [-2., -2.]])
    >>> rows.dot(np.array([1.0, 0.0]))
    array([-2.,  0.,  2.])
    >>> rows.take(np.array([2]), np.array([1.0, 0.0]))
    (array([[2., 2.]]), array([2.]))
    >>> rows.diffs(np.array([2]), np.array([1.0, 1.0]), capacity=1)
    array([[1., 1.]])
    """

    def __init__(self, source, mean: np.ndarray, block_bytes: int = 32 * 2**20):
        # A plain ndarray view of a memmap: the same pages, without np.memmap's slow indexing.
        self.source = np.asarray(source)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.n, self.d = source.shape
        self.block_rows = max(1, int(block_bytes) // (8 * max(self.d, 1)))

    def _compiled(self, index) -> bool:
        """Whether the compiled gather takes ``index``: a 1-d integer array in range."""
        return (
            isinstance(index, np.ndarray)
            and index.ndim == 1
            and index.dtype.kind in "iu"
            and len(index) > 0
            and _in_range(index, self.n)
        )

    def __getitem__(self, index) -> np.ndarray:
        """Centred float64 rows ``index`` (an integer array or a slice)."""
        if self._compiled(index):
            out = np.empty((len(index), self.d))
            return _centred_rows(self.source, index, self.mean, out)
        # Slices, negative or out-of-range indices (numpy's error): numpy's way.
        return np.asarray(self.source[index], dtype=np.float64) - self.mean

    def take(self, index: np.ndarray, vector: np.ndarray, squared: bool = False):
        """Centred float64 rows ``index`` (a 1-d integer array) and, in the same pass, their
        products with ``vector`` (d,), or with ``squared`` their squared distances to it.

        Returns rows (len(index), d) and values (len(index),), float64.
        """
        index = np.asarray(index)
        vector = np.ascontiguousarray(vector, dtype=np.float64)
        if not self._compiled(index):
            rows = self[index]
            values = ((rows - vector) ** 2).sum(axis=1) if squared else rows @ vector
            return rows, values
        out, values = np.empty((len(index), self.d)), np.empty(len(index))
        return _centred_rows_with(self.source, index, self.mean, vector, bool(squared), out, values)

    def diffs(self, index: np.ndarray, x: np.ndarray, capacity: int) -> np.ndarray:
        """A (``capacity``, d) float64 buffer whose first len(``index``) rows are the centred
        rows ``index`` (a 1-d integer array) minus ``x`` (d,), and the rest unset."""
        index = np.asarray(index)
        out = np.empty((max(capacity, len(index)), self.d))
        if not self._compiled(index):
            out[: len(index)] = self[index] - x
            return out
        return _centred_diffs(self.source, index, self.mean, np.ascontiguousarray(x), out)

    def blocks(self):
        """(start, centred float64 block) over the whole matrix."""
        for start in range(0, self.n, self.block_rows):
            yield start, self[start : start + self.block_rows]

    def dot(self, w: np.ndarray) -> np.ndarray:
        """Float64 products of every centred row with ``w`` (d,)."""
        w = np.ascontiguousarray(w, dtype=np.float64)
        return _centred_dot(self.source, self.mean, w, np.empty(self.n))


def warm_up() -> None:
    """Compile (or load from numba's cache) the row gather for the dtypes spaces are stored
    in (uint8 pixels, float32 embeddings, float64 transforms)."""
    index = np.zeros(1, dtype=np.int64)
    for dtype in (np.uint8, np.float32, np.float64):
        rows = TrainingRows(np.zeros((1, 1), dtype=dtype), np.zeros(1))
        rows[index]
        rows.take(index, np.zeros(1))
        rows.diffs(index, np.zeros(1), 1)
        rows.dot(np.zeros(1))
