"""Blocked products of query-side matrices with the whole training set.

The two passes over the training set that dominate the run time are matrix products: the
k-nearest-neighbour pass (||x - t||^2 = ||x||^2 + ||t||^2 - 2 x.t) and the pricing pass
(w.t for every training point t). Both run in float32 in blocks of training rows, keeping
only the top entries per query: on the CPU with numpy's BLAS products and the compiled
running selection of :mod:`hullgen.hull.topk` (no torch import: hull jobs start 2-4 s
sooner), on the CPU in bfloat16 through torch (:mod:`hullgen.hull.bf16`, where the CPU has
it natively), or, when asked, on a CUDA GPU with torch.
"""

from __future__ import annotations

import numpy as np

from hullgen.hull.bf16 import BFloat16Rows
from hullgen.hull.rounding import float32_dot_error
from hullgen.hull.topk import RunningTop, decode


class TrainingProducts:
    """Float32 (or bfloat16) copy of the centred training matrix, blocked for products.

    ``rows`` is a :class:`hullgen.hull.rows.TrainingRows`; the copy is built from its blocks,
    so no float64 copy of the whole matrix is ever held. ``device``: "cpu" (numpy) or a CUDA
    device (torch, imported only then). ``precision``: "float32", or "bfloat16" (CPU only:
    the passes run on :class:`hullgen.hull.bf16.BFloat16Rows` and no float32 copy is held).
    """

    def __init__(
        self, rows, device: str = "cpu", block_rows: int = 16384, precision: str = "float32"
    ):
        self.on_cpu = str(device) == "cpu"
        self.n, self.d = rows.n, rows.d
        self.block_rows = max(1, int(block_rows))
        self.bf16 = None
        if precision == "bfloat16":
            if not self.on_cpu:
                raise ValueError("bfloat16 passes run on the CPU only; use float32 on a GPU")
            self.bf16 = BFloat16Rows(rows, self.block_rows)
            # Exact, for the rare exact nearest-neighbour search.
            self.sq_norms, self.max_norm = self.bf16.sq_norms, self.bf16.max_norm
            self.copy_bytes = self.bf16.bits.nbytes + self.sq_norms.nbytes
            return
        self.copy_bytes = self.n * self.d * 4
        train32 = np.empty((self.n, self.d), dtype=np.float32)
        sq = np.empty(self.n)
        for start, block in rows.blocks():
            train32[start : start + len(block)] = block
            sq[start : start + len(block)] = np.einsum("ij,ij->i", block, block)
        self.max_norm = float(np.sqrt(sq.max())) if self.n else 0.0
        # Bound on |fl32(w.t) - w.t| for a unit w and any row t.
        self.f32_error = float32_dot_error(self.d) * self.max_norm
        sq32 = sq.astype(np.float32)
        if self.on_cpu:
            self.train32, self.sq_norms32 = train32, sq32
        else:
            import torch

            self.device = torch.device(device)
            self.train32, self.sq_norms32 = self._to(train32), self._to(sq32)

    def _blocks(self, first: int = 0, stride: int = 1):
        """Blocks of the training rows ``first``, ``first + stride``, ...: (position of the
        block's first row among them, the block as a view, and its rows' squared norms)."""
        rows, sq_norms = self.train32[first::stride], self.sq_norms32[first::stride]
        for start in range(0, len(rows), self.block_rows):
            end = start + self.block_rows
            yield start, rows[start:end], sq_norms[start:end]

    def _to(self, array: np.ndarray):
        import torch

        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)).to(self.device)

    def top_prices(self, w: np.ndarray, k: int, offsets: np.ndarray, rows=(0, 1)):
        """A pricing pass: per row of ``w`` (m, d, unit directions), the ``k`` training
        indices with the largest w.t, best first, with bounds on the rows left out: a row
        outside a query's first c candidates has w.t <= ``upper[:, c - 1] + error``.
        ``offsets`` (m,): each query's expected maximum (w.p; used by bfloat16 only).
        Returns index (m, k) int64, upper (m, k) float64, error (m,) float64."""
        if self.bf16 is not None:
            return self.bf16.top(w, offsets, k, nearest=False, rows=rows)
        index, value = self.top_products(w, k, sq_distance=False, rows=rows)
        return index, value.astype(np.float64), np.full(len(w), self.f32_error)

    def top_nearest(self, x: np.ndarray, k: int):
        """A nearest-neighbour pass: per row of ``x`` (m, d), the ``k`` nearest training
        indices, nearest first. With bfloat16, also bounds: a row outside a query's first c
        candidates has x.t - ||t||^2 / 2 <= ``upper[:, c - 1] + error`` (else None, None:
        float32's rounding is far below the gaps between neighbours)."""
        if self.bf16 is not None:
            half = 0.5 * np.einsum("ij,ij->i", x, x)
            return self.bf16.top(x, half, k, nearest=True)
        return self.top_products(x, k, sq_distance=True)[0], None, None

    def top_products(
        self, queries: np.ndarray, k: int, sq_distance: bool, rows: tuple[int, int] = (0, 1)
    ):
        """Per query row, the ``k`` training indices with the largest ``q.t`` (or, with
        ``sq_distance``, the smallest ``||q - t||^2``), and those float32 values, sorted best
        first (the lower index first among equals, on the GPU too). Returns numpy arrays
        (m, k) of int64 and float32. ``rows`` (first, stride) restricts the pass to the
        training rows ``first``, ``first + stride``, ... (a strided view: nothing is copied).
        """
        first, stride = rows
        k = min(k, len(range(first, self.n, stride)))
        q32 = np.ascontiguousarray(queries, dtype=np.float32)
        # Both select the largest negated squared distance (2 q.t - ||q||^2 - ||t||^2) for
        # "nearest", and return positions among the pass's rows.
        if self.on_cpu:
            position, value = self._top_products_numpy(q32, k, sq_distance, rows)
        else:
            position, value = self._top_products_cuda(q32, k, sq_distance, rows)
        return first + stride * position, (-value if sq_distance else value)

    def _top_products_numpy(self, q32: np.ndarray, k: int, sq_distance: bool, rows):
        # The selection adds the norms as it scans each block.
        q_sq = np.einsum("ij,ij->i", q32, q32) if sq_distance else None
        top = RunningTop(len(q32), k)
        for start, block, sq_norms in self._blocks(*rows):
            top.add(q32 @ block.T, start, q_sq, sq_norms if sq_distance else None)
        return top.result()

    def _top_products_cuda(self, q32: np.ndarray, k: int, sq_distance: bool, rows):
        import torch

        # The certificates bound float32 rounding: products in TF32 or bfloat16 (what
        # "high" or "medium" allow on a GPU) would break that bound, so the passes run at
        # "highest" whatever the process set, and leave its setting as they found it.
        precision = torch.get_float32_matmul_precision()
        torch.set_float32_matmul_precision("highest")
        try:
            return self._top_products_torch(torch, q32, k, sq_distance, rows)
        finally:
            torch.set_float32_matmul_precision(precision)

    def _top_products_torch(self, torch, q32: np.ndarray, k: int, sq_distance: bool, rows):
        q = self._to(q32)
        q_sq = (q * q).sum(1, keepdim=True) if sq_distance else None
        best = None
        with torch.no_grad():
            for start, block, sq_norms in self._blocks(*rows):
                prod = q @ block.T
                if sq_distance:
                    prod.mul_(2.0).sub_(q_sq).sub_(sq_norms)
                keys = _sort_keys(torch, prod, start)
                if best is not None:
                    keys = torch.cat([best, keys], 1)
                best = torch.topk(keys, min(k, keys.shape[1]), dim=1).values
        # Signed keys to the CPU's unsigned ones: add 2^63, i.e. flip the top bit.
        return decode(best.cpu().numpy().view(np.uint64) ^ np.uint64(1 << 63))


def _sort_keys(torch, values, start: int):
    """Int64 sort keys of a float32 block whose columns are ``start``, ``start + 1``, ...: the
    keys of :func:`hullgen.hull.topk._key` less 2^63 (torch has no unsigned 64-bit sort), so
    that the GPU selects and orders as the CPU does: larger value first, then lower column."""
    bits = (values + 0.0).view(torch.int32).to(torch.int64) & 0xFFFFFFFF  # no -0.0
    # Order-preserving map of the bits to unsigned 32 bits, then centred on 0.
    ordered = torch.where(bits >= 0x80000000, 0x7FFFFFFF - bits, bits)
    columns = torch.arange(start, start + values.shape[1], device=values.device)
    return (ordered << 32) | (0xFFFFFFFF - columns)
