"""Small dense linear and quadratic programs in HiGHS (the solver stack of the hull stage).

minimize  cost . x + 1/2 x^T H x   subject to  row_lower <= A x <= row_upper,
                                              col_lower <= x <= col_upper.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

INF = highspy.kHighsInf
_COLWISE = 1  # MatrixFormat.kColwise
_TRIANGULAR = 1  # HessianFormat.kTriangular
_MINIMIZE = 1  # ObjSense.kMinimize
_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
}


@dataclass
class ProgramResult:
    status: str  # optimal, infeasible, unbounded, or HiGHS's own words for anything else
    x: np.ndarray | None  # the solution when optimal
    objective: float


def _colwise(M: np.ndarray, lower_triangle: bool = False):
    """Column-wise sparse arrays (start, index, value) of the nonzeros of dense ``M``."""
    if lower_triangle:
        M = np.tril(M)
    rows, cols = np.nonzero(M.T)  # row-major over M.T is column-major over M
    start = np.searchsorted(rows, np.arange(M.shape[1] + 1)).astype(np.int32)
    return start, cols.astype(np.int32), np.ascontiguousarray(M[cols, rows], dtype=np.float64)


def solve(
    cost: np.ndarray,
    A: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray | None = None,
    col_upper: np.ndarray | None = None,
    hessian: np.ndarray | None = None,
    time_limit: float = 60.0,
) -> ProgramResult:
    """Solve the program; a hessian with no nonzeros is an LP."""
    n = len(cost)
    A = np.asarray(A, dtype=np.float64).reshape(-1, n)
    col_lower = np.full(n, -INF) if col_lower is None else np.asarray(col_lower, float)
    col_upper = np.full(n, INF) if col_upper is None else np.asarray(col_upper, float)
    a_start, a_index, a_value = _colwise(A)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    sizes = [n, len(A), len(a_value)]
    bounds = [np.asarray(cost, float), col_lower, col_upper]
    rows = [np.asarray(row_lower, float), np.asarray(row_upper, float), a_start, a_index, a_value]
    if hessian is not None and np.any(hessian):
        q_start, q_index, q_value = _colwise(np.asarray(hessian, float), lower_triangle=True)
        h.passModel(
            *sizes, len(q_value), _COLWISE, _TRIANGULAR, _MINIMIZE, 0.0, *bounds, *rows,
            q_start, q_index, q_value, np.zeros(n, dtype=np.int32),
        )  # fmt: skip
    else:
        h.passModel(*sizes, _COLWISE, _MINIMIZE, 0.0, *bounds, *rows, np.zeros(n, dtype=np.int32))
    h.run()
    model_status = h.getModelStatus()
    status = _STATUS.get(model_status, h.modelStatusToString(model_status))
    if status != "optimal":
        return ProgramResult(status, None, float("nan"))
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    return ProgramResult(status, x, float(h.getInfo().objective_function_value))
