"""The shape of a sample of distances: trimmed L-moment ratios, QQ correlation, and (for
information) formal normality tests.

The claims judge "resembles a normal distribution" by the TL-skewness and TL-kurtosis
(:func:`hullgen.claims.criteria.resembles_normal`): effect sizes whose value does not move with the
sample size, bounded, and blind to the one most extreme value at each end. A second mode
(:func:`modes`, on a kernel density estimate of fixed relative bandwidth) is the caveat they
cannot see: a bell with a bump beside it that holds a tenth of the points. The
D'Agostino-Pearson and Shapiro-Wilk tests answer another question ("is n large enough to see
any departure?") and are kept as information only.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from scipy import signal, special, stats
from scipy.special import comb

from hullgen.claims import criteria as C

NORMALTEST_MIN_N = 8  # scipy's skewness test, part of D'Agostino-Pearson, needs n >= 8
SHAPIRO_MIN_N = 3
# Trimmed L-moments of the shape statistics: the one smallest and largest value get no weight.
TRIM = 1
TL_MOMENTS_MIN_N = 4 + 2 * TRIM


def tl_moments(x, trim: int = 1) -> tuple[float, float, float, float]:
    """The first four sample trimmed L-moments (l1, l2, l3, l4) of ``x``, unbiased.

    TL-moments (Elamir and Seheult 2003) average, over every subsample of r + 2 ``trim``
    values, the r-th L-moment contrast of its order statistics with the ``trim`` smallest and
    largest left out: l_r = (1/r) sum_k (-1)^k C(r-1, k) E[X_(r+t-k : r+2t)]. With trim 1 the
    single smallest and largest value of the sample get no weight at all, so no one extreme
    point can move them; trim 0 gives Hosking's (1990) L-moments. Units: those of ``x`` (l1,
    l2); the ratios l3 / l2 and l4 / l2 are unitless and bounded.

    Examples
    --------
    >>> [round(v, 12) for v in tl_moments([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], trim=0)]
    [3.5, 1.166666666667, 0.0, 0.0]
    """
    x = np.sort(np.asarray(x, dtype=np.float64).ravel())
    n = len(x)
    if n < 4 + 2 * trim:
        raise ValueError(f"TL-moments (trim {trim}) need n >= {4 + 2 * trim} values, got {n}")
    i = np.arange(1, n + 1, dtype=np.float64)
    moments = []
    for r in range(1, 5):
        weight = sum(
            (-1) ** k * comb(r - 1, k) * comb(i - 1, r + trim - 1 - k) * comb(n - i, trim + k)
            for k in range(r)
        )
        moments.append(float(np.dot(weight, x) / comb(n, r + 2 * trim) / r))
    return tuple(moments)


def qq_correlation(x) -> float:
    """Correlation of the sorted sample with normal quantiles (the normal QQ plot's r)."""
    (_, _), (_, _, r) = stats.probplot(np.asarray(x, dtype=np.float64))
    return float(r)


def shape_summary(x) -> dict:
    """Shape statistics of a sample (n,), unitless.

    Keys: ``tl_skewness`` (tau3 = l3 / l2) and ``tl_kurtosis`` (tau4 = l4 / l2) of the
    trimmed L-moments (:func:`tl_moments`, trim :data:`TRIM`), None for n < 6 or when l2 is
    0; ``qq_correlation`` (None for n < 3 or a constant sample); ``skewness`` and
    ``excess_kurtosis`` (moments, bias-corrected; information only).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    n = len(x)
    constant = n > 0 and x.min() == x.max()
    summary: dict = {"tl_skewness": None, "tl_kurtosis": None, "qq_correlation": None}
    if n >= TL_MOMENTS_MIN_N and not constant:
        _, l2, l3, l4 = tl_moments(x, TRIM)
        if l2 > 0:
            summary.update(tl_skewness=l3 / l2, tl_kurtosis=l4 / l2)
    if n >= 3 and not constant:
        summary["qq_correlation"] = qq_correlation(x)
    # Undefined (0 / 0) for a constant sample, where scipy would warn and return NaN.
    summary["skewness"] = float(stats.skew(x, bias=False)) if n >= 3 and not constant else None
    summary["excess_kurtosis"] = (
        float(stats.kurtosis(x, fisher=True, bias=False)) if n >= 4 and not constant else None
    )
    return summary


def normality_tests(x, seed: int = 0, max_shapiro_sample: int = 5000) -> dict:
    """D'Agostino-Pearson and Shapiro-Wilk p-values, for information (never a verdict).

    Keys ``normaltest_statistic``, ``normaltest_pvalue``, ``normaltest_note`` (n >= 8);
    ``shapiro_statistic``, ``shapiro_pvalue``, ``shapiro_n``, ``shapiro_note`` (Shapiro-Wilk
    on a random sample of at most ``max_shapiro_sample`` values drawn with ``seed``, since its
    p-value is unreliable for large n). A note says why a test is None.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    constant = len(x) > 0 and x.min() == x.max()
    return {**_normaltest(x, constant), **_shapiro(x, constant, seed, max_shapiro_sample)}


def _normaltest(x: np.ndarray, constant: bool) -> dict:
    if len(x) < NORMALTEST_MIN_N:
        note = f"needs n >= {NORMALTEST_MIN_N} (n = {len(x)})"
    elif constant:
        note = "all distances are equal"
    else:
        result = stats.normaltest(x)
        return {
            "normaltest_statistic": float(result.statistic),
            "normaltest_pvalue": float(result.pvalue),
            "normaltest_note": None,
        }
    return {"normaltest_statistic": None, "normaltest_pvalue": None, "normaltest_note": note}


def _shapiro(x: np.ndarray, constant: bool, seed: int, max_sample: int) -> dict:
    if max_sample < SHAPIRO_MIN_N:
        raise ValueError(f"max_normality_sample must be >= {SHAPIRO_MIN_N}, got {max_sample}")
    size = min(len(x), max_sample)
    result = {"shapiro_statistic": None, "shapiro_pvalue": None, "shapiro_n": size}
    if size < SHAPIRO_MIN_N:
        return {**result, "shapiro_note": f"needs n >= {SHAPIRO_MIN_N} (n = {size})"}
    if constant:
        return {**result, "shapiro_note": "all distances are equal"}
    sample = x
    if size < len(x):
        sample = x[np.random.default_rng(seed).choice(len(x), size=size, replace=False)]
    test = stats.shapiro(sample)
    return {
        **result,
        "shapiro_statistic": float(test.statistic),
        "shapiro_pvalue": float(test.pvalue),
        "shapiro_note": None,
    }


def population_tl_ratios(distribution, trim: int = 1) -> tuple[float, float]:
    """(tau3, tau4) = (lambda3 / lambda2, lambda4 / lambda2) of a continuous scipy
    distribution's trimmed L-moments, from its quantile function Q.

    E[X_(j:m)] = m! / ((j-1)! (m-j)!) integral_0^1 Q(u) u^(j-1) (1-u)^(m-j) du, by
    Gauss-Legendre quadrature on 2,000 nodes (the TL weights vanish at u = 0 and 1, so heavy
    tails cost no accuracy for trim >= 1).

    Examples
    --------
    >>> tau3, tau4 = population_tl_ratios(stats.expon())
    >>> round(tau3, 6), round(tau4, 6)
    (0.222222, 0.083333)
    """
    u, weight = _quadrature()
    quantile = distribution.ppf(u)
    lam = []
    for r in range(1, 5):
        m = r + 2 * trim
        total = 0.0
        for k in range(r):
            j = r + trim - k
            expected = np.sum(weight * quantile * u ** (j - 1) * (1 - u) ** (m - j))
            total += (-1) ** k * comb(r - 1, k) * m * comb(m - 1, j - 1) * expected
        lam.append(total / r)
    return float(lam[2] / lam[1]), float(lam[3] / lam[1])


@functools.lru_cache(maxsize=1)
def _quadrature(nodes: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on (0, 1)."""
    u, weight = special.roots_legendre(nodes)
    return (u + 1) / 2, weight / 2


def density(x, bandwidth: float, grid_step: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian kernel density estimate of ``x`` on an even grid: (grid, density).

    The values are binned linearly onto a grid of step at most ``bandwidth`` / 8 (``grid_step``
    to choose it) from 4 bandwidths below the smallest value to 4 above the largest, then
    convolved with the kernel (exact up to the binning, whose error is O(step^2)). Units: the
    grid in those of ``x``, the density in 1 / those units (it integrates to 1).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    if bandwidth <= 0 or not np.isfinite(bandwidth):
        raise ValueError(f"bandwidth must be finite and > 0, got {bandwidth}")
    step = grid_step or bandwidth / 8
    low, high = x.min() - 4 * bandwidth, x.max() + 4 * bandwidth
    size = int(np.ceil((high - low) / step)) + 1
    if size > MAX_GRID:
        raise ValueError(
            f"density: {size:,} grid points for a range of {high - low:.4g} at bandwidth"
            f" {bandwidth:.4g} (at most {MAX_GRID:,})"
        )
    grid = low + step * np.arange(size)
    position = (x - low) / step
    left = np.floor(position).astype(np.int64)
    right_weight = position - left
    counts = np.bincount(left, 1 - right_weight, size) + np.bincount(
        np.minimum(left + 1, size - 1), right_weight, size
    )
    offsets = step * np.arange(
        -int(np.ceil(4 * bandwidth / step)), int(np.ceil(4 * bandwidth / step)) + 1
    )
    kernel = stats.norm.pdf(offsets / bandwidth) / bandwidth
    return grid, signal.fftconvolve(counts, kernel, mode="same") / len(x)


# The finest grid :func:`density` builds: a range of 10^5 bandwidths (a far outlier) is
# refused rather than filling memory.
MAX_GRID = 2**20


def robust_scale(x) -> float:
    """The interquartile range over 1.349: the standard deviation for a normal sample, and
    blind to the tails (units of ``x``)."""
    q1, q3 = np.quantile(np.asarray(x, dtype=np.float64), [0.25, 0.75])
    return float((q3 - q1) / 1.349)


def modes(x) -> list[dict]:
    """The modes of a sample: the peaks of its kernel density estimate that stand out.

    The estimate (:func:`density`) uses a bandwidth of
    :data:`hullgen.claims.criteria.MODE_BANDWIDTH` robust standard deviations
    (:func:`robust_scale`): fixed relative to the spread, so that it converges to one smoothed
    density as n grows, where a rule of thumb (Silverman's, which
    shrinks as n^(-1/5)) would find more bumps in larger samples. A peak counts when the
    density between it and the next higher peak falls at least
    :data:`~hullgen.claims.criteria.MODE_PROMINENCE_MIN` below it, and when its basin (between the
    density's minima towards the neighbouring peaks that count) holds at least
    :data:`~hullgen.claims.criteria.MODE_MASS_MIN` of the values; peaks that hold less are dropped,
    smallest first, and the basins drawn again.

    Returns one dict per mode, by location: ``location`` (the peak), ``low`` and ``high``
    (the basin; -inf and inf at the ends), ``mass`` (share of the values in [low, high)) and
    ``n``. A sample with fewer than :data:`~hullgen.claims.criteria.SHAPE_MIN_N` values or no spread
    has no modes to find: [].

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.normal(600, 100, 900), rng.normal(250, 30, 100)])
    >>> [(round(m["location"], -2), round(m["mass"], 2)) for m in modes(x)]
    [(200.0, 0.1), (600.0, 0.9)]
    """
    x = np.sort(np.asarray(x, dtype=np.float64).ravel())
    scale = robust_scale(x) if len(x) >= C.SHAPE_MIN_N else 0.0
    if scale <= 0:
        return []
    grid, f = density(x, C.MODE_BANDWIDTH * scale)
    peaks, properties = signal.find_peaks(f, prominence=0)
    standing = peaks[properties["prominences"] >= C.MODE_PROMINENCE_MIN * f[peaks]]
    while True:
        cuts = [grid[a + np.argmin(f[a:b])] for a, b in itertools.pairwise(standing)]
        edges = np.concatenate([[-np.inf], cuts, [np.inf]])
        counts = np.diff(np.searchsorted(x, edges))
        small = counts < C.MODE_MASS_MIN * len(x)
        if len(standing) <= 1 or not small.any():
            break
        smallest = np.flatnonzero(small)[np.argmin(counts[small])]
        standing = np.delete(standing, smallest)
    return [
        {
            "location": float(grid[peak]),
            "low": float(edges[k]),
            "high": float(edges[k + 1]),
            "mass": float(counts[k] / len(x)),
            "n": int(counts[k]),
        }
        for k, peak in enumerate(standing)
    ]


def mode_summary(x, labels=None) -> dict:
    """The modes of ``x`` (:func:`modes`) and the largest one beside the main mode, with the
    class that forms it.

    Keys: ``modes`` (list); ``main_mass`` (share of the values in the main mode's basin, the
    bulk; None without modes); ``second_mode``: None, or the largest other mode's dict with,
    given ``labels`` (n,) of the values, ``class`` (its most common label), ``class_share``
    (that label's share of the mode's values), ``class_in_mode`` (the share of that label's
    values that lie in the mode) and ``class_share_overall`` (its share of all values).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    found = modes(x)
    summary: dict = {"modes": found, "main_mass": None, "second_mode": None}
    if not found:
        return summary
    by_mass = sorted(found, key=lambda m: -m["mass"])
    summary["main_mass"] = by_mass[0]["mass"]
    if len(by_mass) < 2:
        return summary
    second = dict(by_mass[1])
    if labels is not None:
        labels = np.asarray(labels)
        inside = (x >= second["low"]) & (x < second["high"])
        classes, counts = np.unique(labels[inside], return_counts=True)
        top = classes[np.argmax(counts)]
        second.update(
            {
                "class": top.item(),
                "class_share": float(counts.max() / inside.sum()),
                "class_in_mode": float(np.mean(inside[labels == top])),
                "class_share_overall": float(np.mean(labels == top)),
            }
        )
    summary["second_mode"] = second
    return summary
