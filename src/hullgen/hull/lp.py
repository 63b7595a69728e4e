"""Membership LP: is the query a convex combination of given points? (HiGHS simplex)"""

from __future__ import annotations

import highspy
import numpy as np

from hullgen.hull.highs import run_highs

_COLWISE = 1
_MINIMIZE = 1


def in_hull_lp(h: highspy.Highs, P: np.ndarray) -> tuple[bool, str, np.ndarray | None]:
    """Feasibility of  P^T a = 0, sum(a) = 1, a >= 0  for points P (k, d), already centred on
    the query and scaled. Returns (feasible, HiGHS model status, weights or None).
    """
    k, d = P.shape
    values = np.empty((k, d + 1))
    values[:, :d] = P
    values[:, d] = 1.0
    rhs = np.zeros(d + 1)
    rhs[d] = 1.0
    h.clearModel()
    h.passModel(
        k, d + 1, k * (d + 1), _COLWISE, _MINIMIZE, 0.0,
        np.zeros(k), np.zeros(k), np.full(k, highspy.kHighsInf), rhs, rhs,
        np.arange(0, k * (d + 1) + 1, d + 1, dtype=np.int32),
        np.tile(np.arange(d + 1, dtype=np.int32), k), values.ravel(),
        np.zeros(k, dtype=np.int32),
    )  # fmt: skip
    run_highs(h)
    status = h.getModelStatus()
    name = h.modelStatusToString(status)
    if status == highspy.HighsModelStatus.kOptimal:
        return True, name, np.asarray(h.getSolution().col_value)
    return False, name, None
