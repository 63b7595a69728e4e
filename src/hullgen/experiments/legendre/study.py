"""A decision boundary y = f(x) = sum_k c_k P_k(t) in the Legendre basis, fitted with HiGHS.

Two classes of points in the plane lie above and below a known curve y = g(x). A model with K
terms (degree K - 1; t maps the training interval onto [-1, 1]) must put every training point
on its class's side with a margin: s_i (y_i - f(x_i)) >= margin, s_i = +1 above, -1 below.
With too few terms no f does (the program is infeasible, and is reported so); with many, a
whole family does, and the training regime picks one:

- ``min_norm2``: min ||c||_2^2 (QP); ``min_norm1``: min ||c||_1 (LP);
- ``min_slope``: min int_{-1}^{1} f'(t)^2 dt, the smoothest boundary on the data (QP);
- ``max_margin``: max delta with s_i (y_i - f(x_i)) >= delta, |c_k| <= max_coef (LP);
- ``flat_extension``: a prior on the extension, min int f''^2 over the test interval outside
  the training interval (plus 1e-3 of it inside): the boundary should continue straight (QP).

``flat_extension`` is solved in values of f at Chebyshev nodes of the test interval: Legendre
coefficients of a high degree are ill-conditioned for anything measured outside [-1, 1].
Every fit is evaluated in the basis it was solved in (``native``), and reports its
training-interval Legendre coefficients ``coefficients`` as well.

Outside the training interval a fit is measured against g by a bounded measure, the share of
the outside plot area that the two curves classify differently (:class:`Outside`): a fit that
runs off the plot counts as off the plot, never as a huge number. The programs that reach a
chosen target outside are in :mod:`hullgen.experiments.legendre.control`; the verdicts in
:mod:`hullgen.experiments.legendre.verdicts`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.polynomial import legendre as leg

from hullgen.experiments.legendre.options import REGIMES as REGIMES  # re-exported
from hullgen.experiments.legendre.options import LegendreOptions
from hullgen.experiments.legendre.program import INF, solve

log = logging.getLogger("hullgen.experiments")

# Violations smaller than this are solver tolerance, not a wrong side.
FEASIBILITY_TOL = 1e-6


# -- the problem ---------------------------------------------------------------------------
def true_boundary(options: LegendreOptions):
    """g(x) from the options: a sine or a polynomial in the power basis."""
    kind = options.boundary
    if kind == "sine":
        amplitude, frequency = options.amplitude, options.frequency
        return lambda x: amplitude * np.sin(np.pi * frequency * np.asarray(x, float))
    if kind == "polynomial":
        coefficients = np.asarray(options.coefficients, float)
        return lambda x: np.polynomial.polynomial.polyval(np.asarray(x, float), coefficients)
    raise ValueError(f"experiments.legendre.boundary: unknown kind {kind!r} (sine, polynomial)")


def sample(g, interval, n: int, spread: float, gap: float, rng: np.random.Generator):
    """``n`` points with x uniform in ``interval`` and y at gap..spread above or below g(x).

    Returns x, y and the side s (+1 above, -1 below); the classes alternate, so they balance.
    """
    x = rng.uniform(interval[0], interval[1], n)
    side = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    rng.shuffle(side)
    y = g(x) + side * rng.uniform(gap, spread, n)
    return x, y, side


@dataclass(frozen=True)
class Intervals:
    """The training interval [a, b] inside the test interval [lo, hi] (x units)."""

    a: float
    b: float
    lo: float
    hi: float

    def t(self, x):
        """x -> t, the training interval onto [-1, 1]."""
        return (2.0 * np.asarray(x, float) - (self.a + self.b)) / (self.b - self.a)

    def s(self, x):
        """x -> s, the test interval onto [-1, 1]."""
        return (2.0 * np.asarray(x, float) - (self.lo + self.hi)) / (self.hi - self.lo)

    def x_of_t(self, t):
        return 0.5 * (np.asarray(t, float) * (self.b - self.a) + self.a + self.b)

    def x_of_s(self, s):
        return 0.5 * (np.asarray(s, float) * (self.hi - self.lo) + self.lo + self.hi)


def basis(t: np.ndarray, terms: int) -> np.ndarray:
    """Legendre Vandermonde matrix (n, terms): column k is P_k(t)."""
    return leg.legvander(np.asarray(t, float), terms - 1)


def derivative_matrix(terms: int, order: int) -> np.ndarray:
    """Matrix D (terms, terms) with legder(c, order) == D @ c (zero-padded)."""
    D = np.zeros((terms, terms))
    for k in range(terms):
        unit = np.zeros(terms)
        unit[k] = 1.0
        d = leg.legder(unit, order) if terms > order else np.zeros(0)
        D[: len(d), k] = d
    return D


def gram(terms: int, order: int, lo: float, hi: float, points: int = 0) -> np.ndarray:
    """int_lo^hi f^(order)(t)^2 dt as c^T G c for Legendre coefficients c (exact quadrature)."""
    points = points or terms + 2
    nodes, weights = leg.leggauss(points)
    t = 0.5 * (nodes * (hi - lo) + lo + hi)
    rows = basis(t, terms) @ derivative_matrix(terms, order)
    return (rows.T * (weights * 0.5 * (hi - lo))) @ rows


# -- fits ----------------------------------------------------------------------------------
@dataclass
class Fit:
    regime: str
    terms: int
    status: str  # optimal, infeasible, or the solver's words
    native: str = ""  # "train": coefficients in t; "test": in s (the test interval)
    native_coefficients: np.ndarray | None = None
    coefficients: np.ndarray | None = None  # Legendre in t (the training interval)
    objective: float = float("nan")
    achieved_margin: float = float("nan")

    def __call__(self, intervals: Intervals, x) -> np.ndarray:
        """The fitted boundary f(x), evaluated in the basis it was solved in."""
        if self.native == "train":
            return leg.legval(intervals.t(x), self.native_coefficients)
        return leg.legval(intervals.s(x), self.native_coefficients)


def margin_rows(V: np.ndarray, y: np.ndarray, side: np.ndarray, margin: float):
    """s_i (y_i - V_i c) >= margin  as  (-s_i V_i) c >= margin - s_i y_i."""
    return -side[:, None] * V, margin - side * y


def fit(regime: str, terms: int, x, y, side, intervals: Intervals, options: LegendreOptions) -> Fit:
    """Fit ``terms`` Legendre terms under ``regime`` to the training points (x, y, side)."""
    margin = options.margin
    V = basis(intervals.t(x), terms)
    if regime == "flat_extension":
        return _fit_flat_extension(terms, x, y, side, intervals, margin)
    A, lower = margin_rows(V, y, side, margin)
    upper = np.full(len(lower), INF)
    if regime == "min_norm2":
        result = solve(np.zeros(terms), A, lower, upper, hessian=np.eye(terms))
        c = result.x
    elif regime == "min_norm1":
        # c = plus - minus, both >= 0; at the optimum one of each pair is zero.
        result = solve(
            np.ones(2 * terms), np.hstack([A, -A]), lower, upper, np.zeros(2 * terms), None
        )
        c = None if result.x is None else result.x[:terms] - result.x[terms:]
    elif regime == "min_slope":
        G = gram(terms, 1, -1.0, 1.0)
        # A whisper of ||c||^2 makes the optimum unique (the constant has no slope).
        H = 2.0 * G + 1e-9 * max(1.0, float(np.trace(G))) * np.eye(terms)
        result = solve(np.zeros(terms), A, lower, upper, hessian=H)
        c = result.x
    elif regime == "max_margin":
        # Variables (c, delta): max delta, s_i (y_i - V_i c) - delta >= 0, delta >= margin.
        bound = options.max_coef
        A_delta = np.hstack([A, -np.ones((len(A), 1))])
        cost = np.zeros(terms + 1)
        cost[-1] = -1.0
        result = solve(
            cost,
            A_delta,
            lower - margin,
            upper,
            np.concatenate([np.full(terms, -bound), [margin]]),
            np.concatenate([np.full(terms, bound), [INF]]),
        )
        c = None if result.x is None else result.x[:terms]
    else:
        raise ValueError(f"experiments.legendre.regimes: unknown regime {regime!r}")
    if c is None:
        return Fit(regime, terms, result.status)
    return _finish(
        Fit(regime, terms, "optimal", "train", c, c, result.objective), x, y, side, intervals
    )


def _fit_flat_extension(terms, x, y, side, intervals: Intervals, margin: float) -> Fit:
    # Unknowns: u, the values of f at Chebyshev nodes of the test interval; b = B^-1 u are
    # its Legendre coefficients in s. Both maps are well conditioned on the test interval.
    nodes = np.cos(np.pi * (np.arange(terms) + 0.5) / terms)
    to_b = np.linalg.inv(basis(nodes, terms))
    V = basis(intervals.s(x), terms) @ to_b
    A, lower = margin_rows(V, y, side, margin)
    s_a, s_b = intervals.s(intervals.a), intervals.s(intervals.b)
    curvature = gram(terms, 2, -1.0, s_a) + gram(terms, 2, s_b, 1.0)
    curvature += 1e-3 * gram(terms, 2, s_a, s_b)
    H = to_b.T @ curvature @ to_b
    H = H / max(np.abs(H).max(), 1e-300) + 1e-9 * np.eye(terms) / terms
    result = solve(np.zeros(terms), A, lower, np.full(len(lower), INF), hessian=2.0 * H)
    if result.x is None:
        return Fit("flat_extension", terms, result.status)
    b = to_b @ result.x
    # The training-interval coefficients, by interpolation inside [-1, 1] in t.
    t_nodes = nodes
    values = leg.legval(intervals.s(intervals.x_of_t(t_nodes)), b)
    c = leg.legfit(t_nodes, values, terms - 1) if terms > 1 else np.array([values.mean()])
    fitted = Fit("flat_extension", terms, "optimal", "test", b, c, result.objective)
    return _finish(fitted, x, y, side, intervals)


def _finish(fitted: Fit, x, y, side, intervals: Intervals) -> Fit:
    fitted.achieved_margin = float(np.min(side * (y - fitted(intervals, x))))
    return fitted


# -- outside the training interval: targets and the bounded measure ----------------------
# Points of the outside grid on each side of the training interval.
OUTSIDE_POINTS = 200


@dataclass(frozen=True)
class Outside:
    """The outside part of the test interval as a grid, and the plot box the measure clips
    to: y in [y_lo, y_hi] (y units)."""

    x: np.ndarray
    y_lo: float
    y_hi: float

    def disagreement(self, f_values, target_values) -> float:
        """Share of the outside plot area between the boundary f and the target (0..1):
        the mean over the grid of |clip(f) - target| / (y_hi - y_lo)."""
        height = self.y_hi - self.y_lo
        clipped = np.clip(np.asarray(f_values, float), self.y_lo, self.y_hi)
        return float(np.mean(np.abs(clipped - np.asarray(target_values, float))) / height)


def outside_grid(intervals: Intervals, points: int = OUTSIDE_POINTS) -> np.ndarray:
    """``points`` x values on each outside side of the test interval (ends of the training
    interval excluded); a side of zero length has none."""
    sides = []
    if intervals.lo < intervals.a:
        sides.append(np.linspace(intervals.lo, intervals.a, points + 1)[:-1])
    if intervals.b < intervals.hi:
        sides.append(np.linspace(intervals.b, intervals.hi, points + 1)[1:])
    return np.concatenate(sides)


def target_names(slopes) -> list[str]:
    """The targets of the control programs: g's continuation, then one line per slope."""
    return ["g", *(f"line slope {slope:g}" for slope in slopes)]


def targets(g, intervals: Intervals, slopes, x) -> dict[str, np.ndarray]:
    """Each target's values at outside points ``x``: g itself, and for each slope the line
    from g's value at the nearer end of the training interval, rising by ``slope`` per unit
    of distance from the interval."""
    x = np.asarray(x, float)
    left = x < intervals.a
    end = np.where(left, intervals.a, intervals.b)
    away = np.where(left, intervals.a - x, x - intervals.b)
    values = {"g": g(x)}
    for name, slope in zip(target_names(slopes)[1:], slopes, strict=True):
        values[name] = g(end) + slope * away
    return values


def outside_of(
    g, intervals: Intervals, slopes, spread: float, points: int = OUTSIDE_POINTS
) -> Outside:
    """The outside grid (``points`` per side) and its plot box: g over the whole test
    interval and every target, padded by the points' spread."""
    x = outside_grid(intervals, points)
    every = np.concatenate(
        [
            g(np.linspace(intervals.lo, intervals.hi, 1001)),
            *targets(g, intervals, slopes, x).values(),
        ]
    )
    return Outside(x, float(every.min() - spread), float(every.max() + spread))


# -- the study -----------------------------------------------------------------------------
@dataclass
class Points:
    x: np.ndarray
    y: np.ndarray
    side: np.ndarray

    @classmethod
    def of_split(cls, data: pd.DataFrame, split: str) -> Points:
        """The points of one split of :func:`run_study`'s ``data`` (train or test)."""
        rows = data[data["split"] == split]
        return cls(*(rows[c].to_numpy(float) for c in ("x", "y", "side")))

    def subset(self, mask) -> Points:
        return Points(self.x[mask], self.y[mask], self.side[mask])

    def margins(self, fitted: Fit, intervals: Intervals) -> np.ndarray:
        """s_i (y_i - f(x_i)): positive on the correct side."""
        return self.side * (self.y - fitted(intervals, self.x))


def measure(
    fitted: Fit, g, intervals: Intervals, train: Points, test: Points, outside: Outside,
    margin: float,
) -> dict:  # fmt: skip
    """Separation of the training points, test errors inside and outside, the distance to g
    inside (RMS, y units) and the disagreement with g outside (0..1, bounded)."""
    inside = (test.x >= intervals.a) & (test.x <= intervals.b)
    dense = np.linspace(intervals.a, intervals.b, 2001)
    deviation = fitted(intervals, dense) - g(dense)
    train_margins = train.margins(fitted, intervals)
    return {
        "objective": fitted.objective,
        "train_margin": float(train_margins.min()),
        "train_errors": int(np.sum(train_margins < -FEASIBILITY_TOL)),
        "margin_violations": int(np.sum(train_margins < margin - FEASIBILITY_TOL)),
        "test_error_inside": float(np.mean(test.subset(inside).margins(fitted, intervals) < 0)),
        "test_error_outside": float(np.mean(test.subset(~inside).margins(fitted, intervals) < 0)),
        "boundary_rms_inside": float(np.sqrt(np.mean(deviation**2))),
        "g_disagreement_outside": outside.disagreement(fitted(intervals, outside.x), g(outside.x)),
        "coef_norm2": float(np.linalg.norm(fitted.coefficients)),
        "coef_norm1": float(np.abs(fitted.coefficients).sum()),
        "native": fitted.native,
        "native_coefficients": fitted.native_coefficients.tolist(),
        "coefficients": fitted.coefficients.tolist(),
    }


def run_study(options: LegendreOptions | dict):
    """Every (terms, regime) fit and its measurements.

    Returns (data, table): the sampled points (columns split, x, y, side) and one row per
    fit, with its measurements and coefficients (``native``, ``native_coefficients``,
    ``coefficients``; :func:`fit_from_row` turns a row back into a callable boundary).
    Fits that are not optimal (infeasible: too few terms to separate) keep their status and
    no numbers.
    """
    options = LegendreOptions.of(options)
    options.check()
    g = true_boundary(options)
    intervals = intervals_of(options)
    rng = np.random.default_rng(options.seed)
    spread, gap = options.spread, options.gap
    train = Points(*sample(g, (intervals.a, intervals.b), options.n_train, spread, gap, rng))
    test = Points(*sample(g, (intervals.lo, intervals.hi), options.n_test, spread, gap, rng))
    outside = outside_of(g, intervals, options.target_slopes, spread)
    rows = []
    for terms in options.terms:
        started = time.perf_counter()
        statuses = {}
        for regime in options.regimes:
            fitted = fit(regime, terms, train.x, train.y, train.side, intervals, options)
            statuses[regime] = fitted.status
            row = {"terms": terms, "parameters": terms, "regime": regime, "status": fitted.status}
            if fitted.status == "optimal":
                row.update(measure(fitted, g, intervals, train, test, outside, options.margin))
            rows.append(row)
        log.info("legendre: %d terms: %s (%.2f s)", terms, statuses, time.perf_counter() - started)
    data = pd.concat(
        [
            pd.DataFrame({"split": split, "x": p.x, "y": p.y, "side": p.side})
            for split, p in (("train", train), ("test", test))
        ],
        ignore_index=True,
    )
    return data, pd.DataFrame(rows)


def fit_from_row(row) -> Fit:
    """The boundary of an optimal row of :func:`run_study`'s table (read back from Parquet)."""
    return Fit(
        row["regime"],
        int(row["terms"]),
        row["status"],
        row["native"],
        np.asarray(row["native_coefficients"], float),
        np.asarray(row["coefficients"], float),
    )


def intervals_of(options: LegendreOptions) -> Intervals:
    (a, b), (lo, hi) = options.train_interval, options.test_interval
    return Intervals(a, b, lo, hi)
