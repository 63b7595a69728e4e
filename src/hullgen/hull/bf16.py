"""bfloat16 passes over the training set, with rigorous bounds on what they leave out.

A pass only has to rank the training rows: its best candidates are then evaluated exactly
(float64), and the rows it leaves out need only an upper bound. On CPUs that multiply
bfloat16 natively (AVX512-BF16, AMX) a bfloat16 product costs about half a float32 one
(measured 2026-12-03, 1250 x 16384 x 784, one thread: 0.18 s against 0.33 s), so the passes
run in bfloat16 and the bound carries their rounding: about 0.4% of the largest row norm
instead of float32's 0.005%. A query whose exact best candidate does not clear that bound is
passed again exactly (:mod:`hullgen.hull.solver`), so the rounding costs time, never a
wrong certificate.

Each pass maximises, per query q and training row t (centred, float64),

    q.t - c_q                  (pricing: c_q an offset near the expected maximum, w.p)
    q.t - ||t||^2 / 2 - c_q    (nearest: the largest is the nearest row; c_q = ||q||^2 / 2)

as one bfloat16 product with float32 sums: the training matrix holds the rounded rows t', a
column of ones (times -c_q) and the half squared norm split into two bfloat16 parts (times 1
or 0). The offset keeps the product's value near 0 at the top, where its own rounding to
bfloat16 (8 bits) would otherwise cost most.

The bound, for a row outside a query's first c candidates whose bfloat16 values are v
(rounded results, so the exact sum is below v + u|v|: rounding is monotone):

    objective(t) <= c' + v[c - 1] + u|v[c - 1]| + err,
    err = ||q - q'|| max ||t|| + ||q'|| max ||t - t'|| [+ max |h - h'|]
          + gamma_{D} (||q'|| max ||t'|| + |c'| [+ max |h'|]) + D 2^-126 (1 + ...)

(q' the rounded query, c' the rounded offset, h and h' the half squared norm and its two
parts, D the columns, u = 2^-8, gamma_D the float32 sum's bound; the last term covers
denormals flushed to zero). ``tests/test_hull_bf16.py`` checks it against float64 products.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hullgen.hull.memory import BF16_EXTRA_COLUMNS, BF16_PAD
from hullgen.hull.topk import RunningTop

BF16_U = 2.0**-8  # unit roundoff of bfloat16 (8 significant bits)
F32_U = 2.0**-24
_ONE = 0x3F80  # bfloat16 bits of 1.0


def to_bfloat16(x: np.ndarray) -> np.ndarray:
    """bfloat16 bits (uint16) of ``x``, rounded to nearest (even) from its float32 value."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    return ((bits + np.uint32(0x7FFF) + ((bits >> 16) & np.uint32(1))) >> 16).astype(np.uint16)


def from_bfloat16(bits: np.ndarray) -> np.ndarray:
    """float64 values of bfloat16 bits (uint16)."""
    return (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def native() -> bool:
    """Whether this CPU multiplies bfloat16 natively (Linux: AVX512-BF16 or AMX-BF16)."""
    try:
        with open("/proc/cpuinfo") as info:
            flags = next((line for line in info if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def warm_up() -> None:
    """Compile (or load from numba's cache) the conversions before forking."""
    bits, sq = np.zeros((1, 4), dtype=np.uint16), np.zeros(1)
    for dtype in (np.uint8, np.float32, np.float64):
        _round_rows(np.zeros((1, 1), dtype=dtype), np.zeros(1), bits, sq)


@njit(cache=True)
def _bf16_bits(value):
    """bfloat16 bits of the float32 bits ``value`` (uint32), rounded to nearest even."""
    return np.uint16((value + np.uint32(0x7FFF) + ((value >> 16) & np.uint32(1))) >> 16)


@njit(cache=True)
def _round_rows(source, mean, bits, sq_norms):
    """Fill ``bits`` (n, columns) with the centred rows float64(source) - mean rounded to
    bfloat16 (via float32, as :func:`to_bfloat16`), a column of ones and -h = -(hi + lo), h
    the half squared norm, and ``sq_norms`` with the squared norms; one pass (measured
    2026-12-03: 60,000 x 784 uint8 in 0.4 s, against 0.8 s in numpy blocks).
    Returns the largest ||t - t'||^2, ||t'||^2, |h - hi - lo| and |hi| + |lo|."""
    n, d = source.shape
    row = np.empty(d)
    row32 = np.empty(d, dtype=np.float32)
    row32_bits = row32.view(np.uint32)
    back = np.empty(d + 2, dtype=np.uint32)
    back32 = back.view(np.float32)
    row_error = norm16 = half_error = half16 = 0.0
    for i in range(n):
        sq = 0.0
        for j in range(d):
            v = np.float64(source[i, j]) - mean[j]
            row[j] = v
            sq += v * v
            row32[j] = np.float32(v)
        err = rsq = 0.0
        for j in range(d):
            b = _bf16_bits(row32_bits[j])
            bits[i, j] = b
            back[j] = np.uint32(b) << np.uint32(16)
            t = np.float64(back32[j])
            err += (row[j] - t) * (row[j] - t)
            rsq += t * t
        sq_norms[i] = sq
        half = 0.5 * sq
        row32[0] = np.float32(-half)
        hi_bits = _bf16_bits(row32_bits[0])
        back[d] = np.uint32(hi_bits) << np.uint32(16)
        hi = np.float64(back32[d])
        row32[0] = np.float32(-half - hi)
        lo_bits = _bf16_bits(row32_bits[0])
        back[d + 1] = np.uint32(lo_bits) << np.uint32(16)
        lo = np.float64(back32[d + 1])
        bits[i, d] = _ONE
        bits[i, d + 1] = hi_bits
        bits[i, d + 2] = lo_bits
        row_error = max(row_error, err)
        norm16 = max(norm16, rsq)
        half_error = max(half_error, abs(hi + lo + half))
        half16 = max(half16, abs(hi) + abs(lo))
    return row_error, norm16, half_error, half16


class BFloat16Rows:
    """The centred training rows in bfloat16, with the columns the passes' offsets need.

    Parameters
    ----------
    rows : :class:`hullgen.hull.rows.TrainingRows` (centred float64 rows on demand).
    block_rows : training rows per product.

    Examples
    --------
    >>> import numpy as np
    >>> from hullgen.hull.rows import TrainingRows
    >>> train = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 1.0]])
    >>> passes = BFloat16Rows(TrainingRows(train, np.zeros(2)))
    >>> index, upper, error = passes.top(np.array([[1.0, 0.0]]), np.zeros(1), 2, False)
    >>> index
    array([[1, 0]])
    >>> bool(error[0] < 0.1)
    True
    """

    def __init__(self, rows, block_rows: int = 16384):
        self.n, self.d = rows.n, rows.d
        self.block_rows = max(1, int(block_rows))
        self.columns = -(-(self.d + BF16_EXTRA_COLUMNS) // BF16_PAD) * BF16_PAD
        self.bits = np.zeros((self.n, self.columns), dtype=np.uint16)
        self.sq_norms = np.empty(self.n)  # exact (float64) squared norms of the rows
        self._buffer = None  # the blocks' product, made by the first pass (after any fork)
        import torch  # imported here, before any fork: the workers only set their threads

        del torch
        row_error, norm16, half_error, half16 = _round_rows(
            rows.source, rows.mean, self.bits, self.sq_norms
        )
        if not np.isfinite(norm16 + half16):
            raise ValueError(
                "training rows too large for bfloat16 passes (a squared norm overflows "
                "float32); use precision float32"
            )
        self.max_norm = float(np.sqrt(self.sq_norms.max())) if self.n else 0.0
        # 1.01 absorbs the float64 rounding of these maxima (relative errors ~1e-13).
        self.row_error = 1.01 * np.sqrt(row_error)
        self.norm16 = 1.01 * np.sqrt(norm16)
        self.half_error = 1.01 * half_error + 4 * np.finfo(float).eps * self.max_norm**2
        self.half16 = 1.01 * half16

    def _product(self, torch, m: int, b: int):
        """An (m, b) bfloat16 tensor for a block's product, from one buffer kept between
        passes (a fresh one each pass paid for its pages: 3% of a pass, measured 2026-12-03,
        1250 queries against the 60,000 pixel rows)."""
        if self._buffer is None or self._buffer.numel() < m * b:
            self._buffer = torch.empty(m * min(self.block_rows, self.n), dtype=torch.bfloat16)
        return self._buffer[: m * b].view(m, b)

    def top(self, queries: np.ndarray, offsets: np.ndarray, k: int, nearest: bool, rows=(0, 1)):
        """Each query's ``k`` best training rows by the objective (module docstring).

        Parameters
        ----------
        queries : (m, d) float64, in the centred coordinates.
        offsets : (m,) float64, each query's offset c (any value is sound; near the maximum
            is most precise).
        k : candidates kept per query.
        nearest : the nearest objective (else pricing).
        rows : (first, stride): only the training rows ``first``, ``first + stride``, ...

        Returns
        -------
        index : (m, k) int64 training rows, best first (the lower row first among equals).
        upper : (m, k) float64; a row outside a query's first c candidates has an objective
            of at most ``upper[:, c - 1] + error``.
        error : (m,) float64.
        """
        import torch

        first, stride = rows
        k = min(k, len(range(first, self.n, stride)))
        m = len(queries)
        q = np.zeros((m, self.columns), dtype=np.uint16)
        q[:, : self.d] = to_bfloat16(queries)
        q[:, self.d] = to_bfloat16(-np.asarray(offsets, dtype=np.float64))
        if nearest:
            q[:, self.d + 1 : self.d + 3] = _ONE
        q16 = from_bfloat16(q[:, : self.d])
        c16 = -from_bfloat16(q[:, self.d])
        qt = torch.from_numpy(q.view(np.int16)).view(torch.bfloat16)
        top = RunningTop(m, k)
        selected = self.bits[first::stride]
        with torch.no_grad():
            for start in range(0, len(selected), self.block_rows):
                block = torch.from_numpy(selected[start : start + self.block_rows].view(np.int16))
                out = self._product(torch, m, block.shape[0])
                torch.matmul(qt, block.view(torch.bfloat16).T, out=out)
                # The scan widens each row to float32 as it reads it: no float32 copy.
                top.add_bfloat16(out.view(torch.int16).numpy().view(np.uint16), start)
        position, value = top.result()
        value = value.astype(np.float64)
        upper = c16[:, None] + value + BF16_U * np.abs(value)
        norm_q16 = np.linalg.norm(q16, axis=1)
        sums = norm_q16 * self.norm16 + np.abs(c16) + (self.half16 if nearest else 0.0)
        terms = self.columns * F32_U
        error = (
            np.linalg.norm(queries - q16, axis=1) * self.max_norm
            + norm_q16 * self.row_error
            + (self.half_error if nearest else 0.0)
            + terms / (1 - terms) * sums
            + self.columns * 2.0**-126 * (1 + self.norm16 + norm_q16 + sums)
        )
        return first + stride * position, upper, 1.01 * error


# precision="auto" runs the passes in bfloat16 from this many training entries (rows x
# dimensions) where the CPU has it natively: below, importing torch (1.2-1.7 s measured
# 2026-12-03) costs more than the passes save.
BF16_MIN_ENTRIES = 2**24


def pass_precision(precision: str, device: str, n: int, d: int) -> str:
    """The passes' precision: "auto" is bfloat16 on a CPU that has it natively
    (:func:`native`) for a training set of at least
    :data:`BF16_MIN_ENTRIES` entries, else float32."""
    if precision not in ("auto", "float32", "bfloat16"):
        raise ValueError(f"precision must be auto, float32 or bfloat16, got {precision!r}")
    if precision != "auto":
        return precision
    large = n * d >= BF16_MIN_ENTRIES
    return "bfloat16" if str(device) == "cpu" and large and native() else "float32"
