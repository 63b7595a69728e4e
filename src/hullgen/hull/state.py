"""Column-generation state of one query, and the result a batch of them becomes."""

from __future__ import annotations

import numpy as np

from hullgen.hull.result import HullResult


class QueryState:
    """Column-generation state of one query."""

    __slots__ = (
        "best_lb", "diffs", "exact", "gram", "lp_status", "p", "qp_fallbacks", "rounds",
        "stalls", "ub", "weights", "work",
    )  # fmt: skip

    def __init__(self, seeds: np.ndarray):
        self.work = np.array(seeds, dtype=np.int64)
        self.weights = None
        # Gram matrix of the working set minus the query, (t_i - x).(t_j - x), aligned with
        # ``work``; grown with it, so that a solve costs the new rows only (None: recompute).
        self.gram = None
        # Float64 rows of the working set minus the query, aligned with ``work``, in a buffer
        # with room to grow (:func:`hullgen.hull.pool.grow`); kept while the query is in a
        # round (a solve and a growth each need them) and dropped after it (memory).
        self.diffs = None
        self.p = None
        self.ub = np.inf
        self.best_lb = -np.inf
        self.rounds = 0
        self.qp_fallbacks = 0
        self.lp_status = ""
        self.exact = False  # solve the next restricted problem with Wolfe's exact method
        self.stalls = 0  # consecutive full rounds without progress

    def certified(self, gap: float) -> bool:
        """Whether the bounds agree to the relative ``gap``."""
        return self.ub - self.best_lb <= gap * self.ub


def collect(
    states: list[QueryState],
    nn_distance: np.ndarray,
    nn_index: np.ndarray,
    gap: float,
    mean: np.ndarray,
    return_projections: bool,
) -> HullResult:
    """The result of a batch of queries from their final states (``mean``: the training mean
    the solver centred on, added back to the projections)."""
    m = len(states)
    distance = np.array([s.ub for s in states])
    lower = np.array([max(s.best_lb, 0.0) if s.ub > 0 else 0.0 for s in states])
    lower = np.minimum(lower, distance)
    status = np.empty(m, dtype=object)
    for i, s in enumerate(states):
        if s.ub == 0.0:
            status[i] = "inside"
        elif s.certified(gap):
            status[i] = "certified"
        elif s.best_lb > 0:
            status[i] = "separated"
        else:
            status[i] = "not_converged"
    supports = [(s.work[s.weights > 0], s.weights[s.weights > 0]) for s in states]
    sizes = np.array([len(sup[0]) for sup in supports], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return HullResult(
        distance=distance,
        lower_bound=lower,
        status=status,
        nn_distance=nn_distance,
        nn_index=nn_index.astype(np.int64),
        support_offsets=offsets,
        support_index=np.concatenate([sup[0] for sup in supports] or [[]]).astype(np.int64),
        support_weight=np.concatenate([sup[1] for sup in supports] or [[]]).astype(float),
        rounds=np.array([s.rounds for s in states], dtype=np.int64),
        working_set_size=np.array([len(s.work) for s in states], dtype=np.int64),
        qp_fallbacks=np.array([s.qp_fallbacks for s in states], dtype=np.int64),
        lp_status=np.array([s.lp_status for s in states], dtype=object),
        projections=(np.stack([s.p for s in states]) + mean) if return_projections and m else None,
    )
