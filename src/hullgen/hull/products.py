"""Blocked products of query-side matrices with the whole training set.

The two passes over the training set that dominate the run time are matrix products: the
k-nearest-neighbour pass (||x - t||^2 = ||x||^2 + ||t||^2 - 2 x.t) and the pricing pass
(w.t for every training point t). Both run in float32 in blocks of training rows, keeping
only the top entries per query (torch.topk, which is much faster than numpy's argpartition),
on the CPU with BLAS or, when asked, on a CUDA GPU with torch.
"""

from __future__ import annotations

import numpy as np
import torch


class TrainingProducts:
    """Float32 copy of the centred training matrix, blocked for products with queries.

    ``rows`` is a :class:`hullgen.hull.rows.TrainingRows`; the copy is built from its blocks,
    so no float64 copy of the whole matrix is ever held.
    """

    def __init__(self, rows, device: str = "cpu", block_rows: int = 16384):
        self.device = torch.device(device)
        self.n, self.d = rows.n, rows.d
        self.block_rows = max(1, int(block_rows))
        train32 = np.empty((self.n, self.d), dtype=np.float32)
        sq = np.empty(self.n)
        for start, block in rows.blocks():
            train32[start : start + len(block)] = block
            sq[start : start + len(block)] = np.einsum("ij,ij->i", block, block)
        # numpy's BLAS beats torch's CPU GEMM here; torch does the GEMM on a GPU.
        self.train32 = train32 if self.device.type == "cpu" else self._to(train32)
        self.sq_norms32 = self._to(sq)
        self.max_norm = float(np.sqrt(sq.max())) if self.n else 0.0

    def _blocks(self):
        for start in range(0, self.n, self.block_rows):
            yield start, self.train32[start : start + self.block_rows]

    def _to(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)).to(self.device)

    def _product(self, q, block) -> torch.Tensor:
        if self.device.type == "cpu":
            return torch.from_numpy(q @ block.T)
        return q @ block.T

    def top_products(self, queries: np.ndarray, k: int, sq_distance: bool):
        """Per query row, the ``k`` training indices with the largest ``q.t`` (or, with
        ``sq_distance``, the smallest ``||q - t||^2``), and those float32 values, sorted best
        first. Returns numpy arrays (m, k) of int64 and float32.
        """
        k = min(k, self.n)
        q32 = np.ascontiguousarray(queries, dtype=np.float32)
        q = q32 if self.device.type == "cpu" else self._to(q32)
        q_sq = self._to(np.einsum("ij,ij->i", q32, q32)[:, None]) if sq_distance else None
        best_val, best_idx = None, None
        with torch.no_grad():
            for start, block in self._blocks():
                prod = self._product(q, block)
                if sq_distance:
                    # Negated squared distance, so that "largest" means "nearest".
                    prod.mul_(2.0).sub_(q_sq).sub_(self.sq_norms32[start : start + len(block)])
                kb = min(k, len(block))
                val, idx = torch.topk(prod, kb, dim=1)
                idx += start
                if best_val is None:
                    best_val, best_idx = val, idx
                else:
                    val = torch.cat([best_val, val], 1)
                    idx = torch.cat([best_idx, idx], 1)
                    best_val, pos = torch.topk(val, min(k, val.shape[1]), dim=1)
                    best_idx = torch.gather(idx, 1, pos)
        values = best_val.cpu().numpy()
        if sq_distance:
            values = -values
        return best_idx.cpu().numpy().astype(np.int64), values
