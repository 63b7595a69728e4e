"""Control of the Legendre boundary outside the training interval, measured directly.

Control means: a chosen target extension outside the training interval can be reached while
every training point stays on its side with the margin. For K terms and a target T(x), a
HiGHS quadratic program finds, over all K-term boundaries f that separate the training set
with the margin, the one closest to T on the outside part of the test interval (least
squares on a dense grid). How close it gets is reported as a bounded measure:

    disagreement(f, T) = mean over the outside grid of |clip(f) - T| / H

with f clipped to the plot box of height H (g and every target, padded by the points'
spread). It is the share of the outside plot area that f and T classify differently: 0 when
f follows T, at most 1 however far f runs off (a blow-up counts as "off the plot", never as a
large number).

Targets: g's own continuation (``g``), and lines that leave each end of the training interval
at g's value with a given outward slope (``line slope s``: s y-units per x-unit away from the
interval, on both sides).

The boundary is solved in values at Chebyshev nodes of the test interval (as
``flat_extension`` is): Legendre coefficients of high degree are ill-conditioned for anything
evaluated outside [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.polynomial import legendre as leg

from hullgen.experiments.legendre.options import LegendreOptions
from hullgen.experiments.legendre.program import INF, solve
from hullgen.experiments.legendre.study import (
    OUTSIDE_POINTS,
    Intervals,
    Outside,
    Points,
    basis,
    margin_rows,
    outside_of,
    targets,
)

# The target fits' least squares are made unique (K can exceed the grid's rank) by a ridge
# of this size relative to the data term.
RIDGE = 1e-10


def chebyshev_values_basis(terms: int) -> np.ndarray:
    """Matrix mapping f's values at the K Chebyshev nodes of [-1, 1] (in s, the test
    interval) to its Legendre coefficients in s."""
    nodes = np.cos(np.pi * (np.arange(terms) + 0.5) / terms)
    return np.linalg.inv(basis(nodes, terms))


@dataclass
class Reach:
    """The separating K-term boundary closest to one target outside the training interval."""

    target: str
    terms: int
    status: str  # optimal; infeasible (no K-term boundary separates); or HiGHS's words
    coefficients: np.ndarray | None = None  # Legendre in s (the test interval)
    disagreement: float = float("nan")  # with the target, 0..1 (Outside.disagreement)
    train_margin: float = float("nan")  # smallest s_i (y_i - f(x_i)) over the training set

    def __call__(self, intervals: Intervals, x) -> np.ndarray:
        return leg.legval(intervals.s(x), self.coefficients)


def reach(
    terms: int, train: Points, intervals: Intervals, target: str, values, outside: Outside,
    margin: float,
) -> Reach:  # fmt: skip
    """Over all K-term boundaries with s_i (y_i - f(x_i)) >= margin for every training point,
    the one that minimises the mean squared distance to ``values`` (the target on
    ``outside.x``)."""
    to_b = chebyshev_values_basis(terms)
    rows, lower = margin_rows(
        basis(intervals.s(train.x), terms) @ to_b, train.y, train.side, margin
    )
    M = basis(intervals.s(outside.x), terms) @ to_b
    n = len(outside.x)
    hessian = 2.0 * M.T @ M / n
    hessian += RIDGE * max(float(np.trace(hessian)) / terms, 1e-300) * np.eye(terms)
    cost = -2.0 * M.T @ np.asarray(values, float) / n
    result = solve(cost, rows, lower, np.full(len(lower), INF), hessian=hessian)
    if result.x is None:
        return Reach(target, terms, result.status)
    b = to_b @ result.x
    fitted = Reach(target, terms, "optimal", b)
    fitted.disagreement = outside.disagreement(fitted(intervals, outside.x), values)
    fitted.train_margin = float(np.min(train.side * (train.y - fitted(intervals, train.x))))
    return fitted


def control_table(
    g,
    train: Points,
    intervals: Intervals,
    options: LegendreOptions | dict,
    outside_points: int = OUTSIDE_POINTS,
) -> pd.DataFrame:
    """One row per (terms, target): status, disagreement with the target (0..1), the
    smallest training margin, and the boundary's Legendre coefficients in s. The outside is
    measured on ``outside_points`` points per side."""
    options = LegendreOptions.of(options)
    slopes = options.target_slopes
    outside = outside_of(g, intervals, slopes, options.spread, outside_points)
    values = targets(g, intervals, slopes, outside.x)
    rows = []
    for terms in options.terms:
        for name, target_values in values.items():
            fitted = reach(terms, train, intervals, name, target_values, outside, options.margin)
            row = {"terms": terms, "target": name, "status": fitted.status}
            if fitted.status == "optimal":
                row.update(
                    disagreement=fitted.disagreement,
                    train_margin=fitted.train_margin,
                    coefficients=fitted.coefficients.tolist(),
                )
            rows.append(row)
    return pd.DataFrame(rows)


def reach_from_row(row) -> Reach:
    """The boundary of an optimal row of :func:`control_table` (read back from Parquet)."""
    return Reach(
        row["target"], int(row["terms"]), row["status"], np.asarray(row["coefficients"], float)
    )
