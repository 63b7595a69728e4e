"""The k largest entries of each row, kept over blocks of columns, in one compiled scan.

A full pass over the training set makes, per block of training rows, a (queries x block)
float32 product and keeps each query's best ``k`` entries. Selecting them with
``argpartition`` and merging the blocks cost a third of the product itself (measured
2026-12-02, 1250 x 16384 blocks, k = 128), four passes per query. Here each row keeps its
best ``k`` keys so far and the limit they set (the k-th value): an entry costs a comparison
with it, done for 64 columns at a time, and is stored only when it beats it. A row's first
block gets its limit from a sample (every 16th entry), so that it is not filled with entries
that are dropped later. Kept entries are ranked by one integer key (the value's
order-preserving bits, then the inverted column), so the order is exact: largest first, the
lower column first among equal values, whatever the block boundaries.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

_LOW32 = np.uint64(0xFFFFFFFF)
_SIGN32 = np.uint64(0x80000000)
# Columns looked at together before any is looked at on its own.
_CHUNK = 64
# A row's first block is sampled at this stride for a first limit.
_STRIDE = 16
# The entry ``2 v - shift - col_shift[j]`` (with ``adjust``) is written out in each of the
# four loops that read a row, on purpose: made a function, even one numba inlines, it
# stops the loops from vectorising (measured 2026-12-02, four 1250 x 16384 blocks, one
# thread: 0.09 s written out, 0.17-0.22 s through a helper).


@njit(cache=True)
def _key(bits, column):
    """Sort key of a float32 value (its bits) at ``column``: larger value, then lower column,
    means a larger key. Order-preserving map of the bits to unsigned: flip negatives, set the
    sign bit of non-negatives (-0.0 never gets here: values are stored as v + 0.0)."""
    b = np.uint64(bits)
    b = (~b & _LOW32) if b & _SIGN32 else (b | _SIGN32)
    return (b << np.uint64(32)) | (_LOW32 - np.uint64(column))


@njit(cache=True)
def _value_of(key, scratch, scratch_bits):
    """The float32 value a key was made from."""
    b = key >> np.uint64(32)
    b = (b & np.uint64(0x7FFFFFFF)) if b & _SIGN32 else (~b & _LOW32)
    scratch_bits[0] = np.uint32(b)
    return scratch[0]


@njit(cache=True)
def _select(buf, n_buf, k):
    """Keep the k largest of the buffer's first ``n_buf`` keys in ``buf[:k]`` (a selection,
    not a sort), the smallest of them first: ``buf[0]`` sets the new limit."""
    part = np.partition(buf[:n_buf], n_buf - k)
    buf[:k] = part[n_buf - k :]
    return k


@njit(cache=True)
def _scan_row(row, start, shift, col_shift, adjust, buf, n_buf, full, limit, k, work):
    """Merge one row's block into its buffer of ``n_buf`` keys, storing only entries above
    ``limit`` when ``full``; returns the new ``(n_buf, limit)``. ``work`` holds the scratch
    arrays."""
    scratch, scratch_bits, chunk, hit_at = work
    zero = np.float32(0.0)
    b, cap = len(row), len(buf)
    # The chunks are counted, not stepped through (range(0, b, _CHUNK)): stepped, the count
    # below did not vectorise (measured 2026-12-03, 1250 x 16384 float32, the count alone:
    # 20 ms stepped, 3 ms counted; a pricing pass's scans 0.17 s, 0.08 s).
    for chunk_number in range(-(-b // _CHUNK)):
        lo = chunk_number * _CHUNK
        hi = min(lo + _CHUNK, b)
        # Branch-free first look: the chunk's values, and the positions of those above the
        # limit (after the first few hundred columns, few or none).
        if full:
            # A count the compiler vectorises skips chunks with nothing above the limit;
            # over a whole chunk, with a constant trip count (a variable one, the last
            # chunk's, also stopped it vectorising).
            above = 0
            if hi - lo == _CHUNK:
                for i in range(_CHUNK):
                    v = row[lo + i]
                    if adjust:
                        v = (v + v) - shift - col_shift[lo + i]
                    above += v > limit
            else:
                for j in range(lo, hi):
                    v = row[j]
                    if adjust:
                        v = (v + v) - shift - col_shift[j]
                    above += v > limit
            if above == 0:
                continue
        hits = 0
        for j in range(lo, hi):
            v = row[j]
            if adjust:
                v = (v + v) - shift - col_shift[j]
            chunk[j - lo] = v
            hit_at[hits] = j
            hits += (not full) or v > limit
        for h in range(hits):
            j = hit_at[h]
            v = chunk[j - lo]
            # Columns arrive in increasing order, so an entry equal to the k-th value loses
            # the tie to it: only a strictly larger one can enter a full set. (The limit may
            # have risen since the first look.)
            if full and not v > limit:
                continue
            scratch[0] = v + zero
            buf[n_buf] = _key(scratch_bits[0], start + j)
            n_buf += 1
            if n_buf == cap:
                n_buf = _select(buf, n_buf, k)
                full, limit = True, _value_of(buf[0], scratch, scratch_bits)
    if n_buf > k:
        n_buf = _select(buf, n_buf, k)
        limit = _value_of(buf[0], scratch, scratch_bits)
    return n_buf, limit


@njit(cache=True)
def _sampled_limit(row, shift, col_shift, adjust, k, top):
    """A value that about 2k of the row's entries exceed: the (2k / _STRIDE)-th largest of
    every _STRIDE-th entry, kept sorted in ``top`` by insertion (few entries get in)."""
    rank = min(len(top), max(1, (2 * k) // _STRIDE))
    filled = 0
    for i in range(0, len(row), _STRIDE):
        v = row[i]
        if adjust:
            v = (v + v) - shift - col_shift[i]
        if filled == rank and not v > top[rank - 1]:
            continue
        pos = filled if filled < rank else rank - 1
        while pos > 0 and top[pos - 1] < v:
            if pos < rank:
                top[pos] = top[pos - 1]
            pos -= 1
        top[pos] = v
        filled = min(filled + 1, rank)
    return top[filled - 1]


def _float32_row(values, r, wide):
    """Row ``r`` of a block as float32: the row itself, or, for a block of bfloat16 values
    given as their bits (uint16), the row widened into the float32 scratch ``wide``.
    Compiled only (its overload below), so that the widening costs no pass over the block."""
    raise NotImplementedError("compiled only")


@overload(_float32_row)
def _float32_row_compiled(values, r, wide):
    if values.dtype == types.uint16:

        def widened(values, r, wide):
            bits, out = values[r], wide.view(np.uint32)
            for j in range(len(bits)):
                out[j] = np.uint32(bits[j]) << np.uint32(16)
            return wide[: len(bits)]

        return widened
    return lambda values, r, wide: values[r]


@njit(cache=True)
def _scan(values, start, row_shift, col_shift, adjust, best, count, threshold, buf):  # fmt: skip
    """Merge the block ``values`` (m, b) (columns ``start``..; float32, or bfloat16 bits as
    uint16) into each row's best keys.

    ``best`` (m, k) holds each row's ``count`` best keys so far, unordered; ``threshold`` the
    k-th best value once there are k. With ``adjust``, entry (r, j) is ``2 v - row_shift[r] -
    col_shift[j]`` in float32 (the negated squared distance from the product), computed here
    instead of on the block.
    """
    m, b = values.shape
    k = best.shape[1]
    scratch = np.zeros(1, dtype=np.float32)
    work = (scratch, scratch.view(np.uint32), np.empty(_CHUNK, np.float32),
            np.empty(_CHUNK, np.int64))  # fmt: skip
    ranked = np.empty(max(1, (2 * k) // _STRIDE), dtype=np.float32)
    wide = np.empty(b, dtype=np.float32)
    for r in range(m):
        row = _float32_row(values, r, wide)
        shift = row_shift[r] if adjust else np.float32(0.0)
        seen = count[r]
        buf[:seen] = best[r, :seen]
        n_buf = 0
        if seen == 0 and b >= 8 * k:
            # A row's first block: without a limit every entry would be stored until the
            # buffer fills, and most of them dropped. A limit from a sample, which about 2k
            # entries exceed, stands in; it is sound once k entries above it are found,
            # since then no entry at or below it is among the k largest. If fewer are found,
            # the block is scanned again without it.
            sampled = _sampled_limit(row, shift, col_shift, adjust, k, ranked)
            n_buf, limit = _scan_row(
                row, start, shift, col_shift, adjust, buf, 0, True, sampled, k, work
            )
            if n_buf == k and limit == sampled:  # the limit is the k-th found, not the sample's
                _select(buf, k, k)
                limit = _value_of(buf[0], scratch, work[1])
        if n_buf < k:
            n_buf, limit = _scan_row(
                row, start, shift, col_shift, adjust, buf, seen, seen == k, threshold[r], k,
                work,
            )  # fmt: skip
        best[r, :n_buf] = buf[:n_buf]
        count[r] = n_buf
        threshold[r] = limit


class RunningTop:
    """The ``k`` largest entries of each of ``m`` rows, over column blocks given in order.

    Parameters
    ----------
    m : number of rows.
    k : entries kept per row.

    Examples
    --------
    >>> top = RunningTop(1, 3)
    >>> top.add(np.array([[1.0, 5.0]], dtype=np.float32), 0)
    >>> top.add(np.array([[3.0, 5.0]], dtype=np.float32), 2)
    >>> top.result()
    (array([[1, 3, 2]]), array([[5., 5., 3.]], dtype=float32))
    """

    def __init__(self, m: int, k: int):
        self.k = int(k)
        if self.k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self._best = np.zeros((m, self.k), dtype=np.uint64)
        self._count = np.zeros(m, dtype=np.int64)
        self._threshold = np.full(m, -np.inf, dtype=np.float32)
        # Room for new keys between two selections; each selection costs the buffer's length
        # and frees all but k places.
        self._buf = np.empty(2 * self.k + 256, dtype=np.uint64)
        self._none = np.zeros(0, dtype=np.float32)

    def add(self, values: np.ndarray, start: int, row_shift=None, col_shift=None) -> None:
        """Merge the float32 block ``values`` (m, b), whose columns are ``start`` to
        ``start + b - 1``. With ``row_shift`` (m,) and ``col_shift`` (b,), float32, the
        entries are ``2 values - row_shift[:, None] - col_shift[None, :]`` instead.
        """
        self._add(np.ascontiguousarray(values, dtype=np.float32), start, row_shift, col_shift)

    def add_bfloat16(self, bits: np.ndarray, start: int) -> None:
        """Merge a block of bfloat16 values given as their bits (uint16, m x b): as
        :meth:`add` with their float32 values, without a float32 copy of the block."""
        if bits.dtype != np.uint16:
            raise TypeError(f"bfloat16 bits must be uint16, got {bits.dtype}")
        self._add(np.ascontiguousarray(bits), start, None, None)

    def _add(self, values, start, row_shift, col_shift) -> None:
        adjust = row_shift is not None
        _scan(
            values,
            int(start),
            row_shift if adjust else self._none,
            col_shift if adjust else self._none,
            adjust,
            self._best,
            self._count,
            self._threshold,
            self._buf,
        )

    def result(self):
        """Columns (m, c) int64 and values (m, c) float32 of each row's best entries, best
        first, c = the fewest entries any row has seen (at most ``k``)."""
        c = int(self._count.min()) if len(self._count) else self.k
        # Each row's first c keys are its best only when it has seen exactly c; rows have
        # seen the same columns, so they have.
        return decode(np.sort(self._best[:, :c], axis=1)[:, ::-1])


def decode(keys: np.ndarray):
    """Columns (int64) and float32 values of an array of sort keys (uint64, made as
    :func:`_key` makes them, also by the torch passes of :mod:`hullgen.hull.products`)."""
    index = (_LOW32 - (keys & _LOW32)).astype(np.int64)
    bits = keys >> np.uint64(32)
    bits = np.where(bits & _SIGN32, bits & np.uint64(0x7FFFFFFF), ~bits & _LOW32)
    return index, bits.astype(np.uint32).view(np.float32)


def warm_up() -> None:
    """Compile (or load from numba's cache) before forking, so workers inherit the code."""
    top = RunningTop(1, 1)
    one = np.ones((1, 1), dtype=np.float32)
    top.add(one, 0)
    top.add(one, 1, one[0], one[0])
    top.add_bfloat16(np.zeros((1, 1), dtype=np.uint16), 2)
