"""Baselines and references: one full problem per query point, no column generation.

- :func:`full_qp_distance`: the whole QP in HiGHS, min ||y||^2 s.t. T^T a - y = x,
  sum(a) = 1, a >= 0 (n + d variables; the Hessian is the identity on y). This is the naive
  method the benchmark compares against and the tests' independent reference.
- :func:`membership_lp`: is x a convex combination of the rows of T? One LP with
  ``scipy.optimize.linprog(method="highs")``, as Balestriero et al. (2021) did.
"""

from __future__ import annotations

import highspy
import numpy as np


def full_qp_distance(
    train: np.ndarray, x: np.ndarray, time_limit: float = 600.0, tolerance: float = 1e-10
):
    """Return (distance, weights, HiGHS model status) from one full HiGHS QP."""
    train = np.asarray(train, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    n, d = train.shape
    centre = train.mean(axis=0)
    scale = max(float(np.abs(train - centre).max()), float(np.abs(x - centre).max()), 1e-300)
    T = (train - centre) / scale
    xs = (x - centre) / scale
    # Columns: a_1..a_n (one entry per coordinate row + the simplex row), then y_1..y_d.
    a_values = np.empty((n, d + 1))
    a_values[:, :d] = T
    a_values[:, d] = 1.0
    a_start = np.concatenate([np.arange(0, n * (d + 1), d + 1), n * (d + 1) + np.arange(d + 1)])
    a_index = np.concatenate([np.tile(np.arange(d + 1), n), np.arange(d)])
    values = np.concatenate([a_values.ravel(), -np.ones(d)])
    rhs = np.concatenate([xs, [1.0]])
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    for name in ("primal_feasibility_tolerance", "dual_feasibility_tolerance"):
        h.setOptionValue(name, tolerance)
    num_col = n + d
    q_start = np.concatenate([np.zeros(n, dtype=np.int32), np.arange(d + 1, dtype=np.int32)])
    q_index = np.arange(n, n + d, dtype=np.int32)
    lower = np.concatenate([np.zeros(n), np.full(d, -highspy.kHighsInf)])
    h.passModel(
        num_col, d + 1, len(values), d, 1, 1, 1, 0.0,
        np.zeros(num_col), lower, np.full(num_col, highspy.kHighsInf), rhs, rhs,
        a_start.astype(np.int32), a_index.astype(np.int32), values,
        q_start, q_index, np.ones(d), np.zeros(num_col, dtype=np.int32),
    )  # fmt: skip
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    sol = np.asarray(h.getSolution().col_value)
    if len(sol) != num_col:
        return np.nan, None, status
    weights = np.maximum(sol[:n], 0.0)
    weights /= weights.sum()
    return float(np.linalg.norm(weights @ train - x)), weights, status


def membership_lp(train: np.ndarray, x: np.ndarray) -> tuple[bool, str]:
    """Whether ``x`` lies in conv(rows of ``train``), by scipy's HiGHS LP."""
    from scipy.optimize import linprog

    train = np.asarray(train, dtype=np.float64)
    n = len(train)
    a_eq = np.vstack([train.T, np.ones((1, n))])
    b_eq = np.concatenate([np.asarray(x, dtype=np.float64), [1.0]])
    res = linprog(np.zeros(n), A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return res.status == 0, res.message
