"""Blocked products of query-side matrices with the whole training set.

The two passes over the training set that dominate the run time are matrix products: the
k-nearest-neighbour pass (||x - t||^2 = ||x||^2 + ||t||^2 - 2 x.t) and the pricing pass
(w.t for every training point t). Both run in float32 in blocks of training rows, keeping
only the top entries per query: on the CPU with numpy (BLAS products, argpartition, as fast
as torch.topk here, measured 2026-12-02, and no torch import: hull jobs start 2-4 s sooner),
or, when asked, on a CUDA GPU with torch.
"""

from __future__ import annotations

import numpy as np


def top_entries(values: np.ndarray, k: int):
    """Positions and values of the ``k`` largest entries of each row of ``values`` (m, n),
    largest first, the earlier position first among equals. Returns (m, k) int64 and the
    values' dtype.

    Examples
    --------
    >>> top_entries(np.array([[1.0, 5.0, 3.0, 5.0]]), 3)
    (array([[1, 3, 2]]), array([[5., 5., 3.]]))
    """
    n = values.shape[1]
    k = min(k, n)
    if k < n:
        pos = np.argpartition(values, n - k, axis=1)[:, n - k :]
        kth = np.take_along_axis(values, pos, 1).min(axis=1, keepdims=True)
        # argpartition takes any of the entries equal to the k-th largest; where some were
        # left out, take the first ones instead (rare with float products: one row at a time).
        short = (values == kth).sum(1) > (np.take_along_axis(values, pos, 1) == kth).sum(1)
        for r in np.flatnonzero(short):
            above = np.flatnonzero(values[r] > kth[r])
            pos[r] = np.concatenate([above, np.flatnonzero(values[r] == kth[r])[: k - len(above)]])
    else:
        pos = np.broadcast_to(np.arange(n), values.shape)
    top = np.take_along_axis(values, pos, 1)
    order = np.lexsort((pos, -top), axis=1)
    return np.take_along_axis(pos, order, 1).astype(np.int64), np.take_along_axis(top, order, 1)


class TrainingProducts:
    """Float32 copy of the centred training matrix, blocked for products with queries.

    ``rows`` is a :class:`hullgen.hull.rows.TrainingRows`; the copy is built from its blocks,
    so no float64 copy of the whole matrix is ever held. ``device``: "cpu" (numpy) or a CUDA
    device (torch, imported only then).
    """

    def __init__(self, rows, device: str = "cpu", block_rows: int = 16384):
        self.on_cpu = str(device) == "cpu"
        self.n, self.d = rows.n, rows.d
        self.block_rows = max(1, int(block_rows))
        train32 = np.empty((self.n, self.d), dtype=np.float32)
        sq = np.empty(self.n)
        for start, block in rows.blocks():
            train32[start : start + len(block)] = block
            sq[start : start + len(block)] = np.einsum("ij,ij->i", block, block)
        self.max_norm = float(np.sqrt(sq.max())) if self.n else 0.0
        sq32 = sq.astype(np.float32)
        if self.on_cpu:
            self.train32, self.sq_norms32 = train32, sq32
        else:
            import torch

            self.device = torch.device(device)
            self.train32, self.sq_norms32 = self._to(train32), self._to(sq32)

    def _blocks(self):
        for start in range(0, self.n, self.block_rows):
            yield start, self.train32[start : start + self.block_rows]

    def _to(self, array: np.ndarray):
        import torch

        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)).to(self.device)

    def top_products(self, queries: np.ndarray, k: int, sq_distance: bool):
        """Per query row, the ``k`` training indices with the largest ``q.t`` (or, with
        ``sq_distance``, the smallest ``||q - t||^2``), and those float32 values, sorted best
        first (the lower index first among equals on the CPU). Returns numpy arrays (m, k) of
        int64 and float32.
        """
        k = min(k, self.n)
        q32 = np.ascontiguousarray(queries, dtype=np.float32)
        if not self.on_cpu:
            return self._top_products_cuda(q32, k, sq_distance)
        q_sq = np.einsum("ij,ij->i", q32, q32)[:, None] if sq_distance else None
        best_val, best_idx = None, None
        for start, block in self._blocks():
            prod = q32 @ block.T
            if sq_distance:
                # Negated squared distance, so that "largest" means "nearest".
                prod *= 2.0
                prod -= q_sq
                prod -= self.sq_norms32[start : start + len(block)]
            idx, val = top_entries(prod, k)
            idx += start
            if best_val is not None:
                # Earlier blocks first, so that equal values keep the lower index.
                pos, val = top_entries(np.hstack([best_val, val]), k)
                idx = np.take_along_axis(np.hstack([best_idx, idx]), pos, 1)
            best_val, best_idx = val, idx
        return best_idx, (-best_val if sq_distance else best_val)

    def _top_products_cuda(self, q32: np.ndarray, k: int, sq_distance: bool):
        import torch

        q = self._to(q32)
        q_sq = (q * q).sum(1, keepdim=True) if sq_distance else None
        best_val, best_idx = None, None
        with torch.no_grad():
            for start, block in self._blocks():
                prod = q @ block.T
                if sq_distance:
                    prod.mul_(2.0).sub_(q_sq).sub_(self.sq_norms32[start : start + len(block)])
                val, idx = torch.topk(prod, min(k, len(block)), dim=1)
                idx += start
                if best_val is not None:
                    val = torch.cat([best_val, val], 1)
                    idx = torch.cat([best_idx, idx], 1)
                    val, pos = torch.topk(val, min(k, val.shape[1]), dim=1)
                    idx = torch.gather(idx, 1, pos)
                best_val, best_idx = val, idx
        values = best_val.cpu().numpy()
        return best_idx.cpu().numpy().astype(np.int64), (-values if sq_distance else values)
