"""What a hull query returns: per-query arrays plus the supports, and their tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# certified: outside, bounds within the gap; separated: outside (certified lower bound > 0),
# the gap still open; inside: a convex combination of training points; not_converged:
# undecided, both bounds kept.
STATUSES = ("certified", "separated", "inside", "not_converged")


@dataclass
class HullResult:
    """Distances of m query points to the convex hull of the training set.

    ``distance`` is ||x - p|| for the hull point ``p`` found (an upper bound on the true
    distance, and 0 for points shown inside); ``lower_bound`` is certified by a separating
    hyperplane (0 for points inside). For ``certified`` queries the two agree to the requested
    relative gap; for ``separated`` ones the lower bound is positive (outside) and the gap
    wider. The support of query i is ``support_index[support_offsets[i]:
    support_offsets[i + 1]]`` with ``support_weight`` alike: the training points, and their
    convex weights, whose combination is ``p``.
    """

    distance: np.ndarray
    lower_bound: np.ndarray
    status: np.ndarray
    nn_distance: np.ndarray
    nn_index: np.ndarray
    support_offsets: np.ndarray
    support_index: np.ndarray
    support_weight: np.ndarray
    rounds: np.ndarray
    working_set_size: np.ndarray
    qp_fallbacks: np.ndarray
    lp_status: np.ndarray
    projections: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.distance)

    @property
    def support_size(self) -> np.ndarray:
        return np.diff(self.support_offsets)

    def support(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(training indices, weights) of query i's nearest hull point."""
        lo, hi = self.support_offsets[i], self.support_offsets[i + 1]
        return self.support_index[lo:hi], self.support_weight[lo:hi]

    def relative_gap(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = (self.distance - self.lower_bound) / self.distance
        return np.where(self.distance > 0, gap, 0.0)

    def to_frame(self, query_offset: int = 0) -> pd.DataFrame:
        """One row per query, in order."""
        return pd.DataFrame(
            {
                "query": np.arange(len(self), dtype=np.int64) + query_offset,
                "distance": self.distance,
                "lower_bound": self.lower_bound,
                "relative_gap": self.relative_gap(),
                "status": pd.Categorical(self.status, categories=STATUSES),
                "nn_distance": self.nn_distance,
                "nn_index": self.nn_index,
                "support_size": self.support_size.astype(np.int64),
                "rounds": self.rounds,
                "working_set_size": self.working_set_size,
                "qp_fallbacks": self.qp_fallbacks,
                "lp_status": self.lp_status,
            }
        )

    def support_frame(self, query_offset: int = 0) -> pd.DataFrame:
        """One row per (query, training point) of each support."""
        query = np.repeat(np.arange(len(self), dtype=np.int64), self.support_size) + query_offset
        return pd.DataFrame(
            {"query": query, "train_index": self.support_index, "weight": self.support_weight}
        )

    @staticmethod
    def concatenate(parts: list[HullResult]) -> HullResult:
        """Join results of consecutive query batches."""
        offsets = [np.zeros(1, dtype=np.int64)]
        total = 0
        for part in parts:
            offsets.append(part.support_offsets[1:] + total)
            total += int(part.support_offsets[-1])
        projections = None
        if parts and all(p.projections is not None for p in parts):
            projections = np.concatenate([p.projections for p in parts])

        def cat(name):
            return np.concatenate([getattr(p, name) for p in parts])

        return HullResult(
            distance=cat("distance"),
            lower_bound=cat("lower_bound"),
            status=cat("status"),
            nn_distance=cat("nn_distance"),
            nn_index=cat("nn_index"),
            support_offsets=np.concatenate(offsets),
            support_index=cat("support_index"),
            support_weight=cat("support_weight"),
            rounds=cat("rounds"),
            working_set_size=cat("working_set_size"),
            qp_fallbacks=cat("qp_fallbacks"),
            lp_status=cat("lp_status"),
            projections=projections,
        )
