"""Statistics of the distances from test points to the convex hull of the training points.

Inputs are the hull stage's tables (one row per test point, see
:meth:`hullgen.hull.result.HullResult.to_frame`): ``query`` is the test row, ``distance`` the
certified upper bound on the distance to the hull and ``lower_bound`` the certified lower bound,
both in the space's own units (pixel values 0..255 for pixel space), ``nn_distance`` the distance
to the nearest training point in the same units, and ``status`` one of
:data:`hullgen.hull.result.STATUSES`. Distances are taken from ``distance`` throughout: for
certified points it is within the requested relative gap of the true distance.

Every function returns plain Python numbers (``None`` where a statistic is undefined), so that
the results can be written to JSON as they are, and raises ``ValueError`` naming the column
when an input lacks one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from hullgen.hull.result import STATUSES

NORMALTEST_MIN_N = 8  # scipy's skewness test, part of D'Agostino-Pearson, needs n >= 8
SHAPIRO_MIN_N = 3
ALPHA = 0.05


def require_columns(frame: pd.DataFrame, columns, what: str = "hull table") -> None:
    """Raise ValueError naming the first of ``columns`` that ``frame`` lacks."""
    for column in columns:
        if column not in frame.columns:
            raise ValueError(f"{what} has no column {column!r} (it has {list(frame.columns)})")


def outside_mask(table: pd.DataFrame) -> np.ndarray:
    """Bool (n,): rows certified to lie outside the hull (status certified, lower bound > 0)."""
    require_columns(table, ["status", "lower_bound"])
    status = table["status"].astype(str).to_numpy()
    return (status == "certified") & (table["lower_bound"].to_numpy(dtype=float) > 0)


def status_shares(table: pd.DataFrame) -> dict:
    """Counts and shares (of n, in [0, 1]) of where the test points lie relative to the hull.

    The four groups partition the table: ``outside`` (certified, lower bound > 0),
    ``outside_uncertain`` (certified, distance > 0 but a lower bound of 0, which only a
    relative gap >= 1 allows), ``inside`` (status inside, distance 0) and ``not_converged``
    (bounds kept, the point may lie either side). Keys: ``n``, each group's count and
    ``<group>_share`` (NaN when n is 0). A status outside :data:`STATUSES`, or a certified row
    with distance 0, contradicts the hull stage and raises ValueError.
    """
    require_columns(table, ["status", "lower_bound", "distance"])
    status = table["status"].astype(str).to_numpy()
    unknown = sorted(set(status) - set(STATUSES))
    if unknown:
        raise ValueError(f"hull table: unknown status {unknown[0]!r} (expected {STATUSES})")
    certified = status == "certified"
    positive = table["distance"].to_numpy(dtype=float) > 0
    if (certified & ~positive).any():
        raise ValueError("hull table: a 'certified' row has distance 0 (that is 'inside')")
    outside = outside_mask(table)
    counts = {
        "outside": int(outside.sum()),
        "outside_uncertain": int((certified & ~outside).sum()),
        "inside": int((status == "inside").sum()),
        "not_converged": int((status == "not_converged").sum()),
    }
    n = len(table)
    result: dict = {"n": n}
    for group, count in counts.items():
        result[group] = count
        result[f"{group}_share"] = count / n if n else float("nan")
    return result


def distance_summary(distances, seed: int = 0, max_normality_sample: int = 5000) -> dict:
    """Moments, quantiles and normality tests of a sample of distances (space units).

    ``distances``: array-like (n,) of finite distances; the statistics cover exactly the values
    passed in (the pipeline passes those of the points certified outside the hull, see
    :func:`outside_mask`). Keys: ``n``; ``mean``, ``sd`` (ddof=1), ``min``, ``max``, ``median``
    in the distances' units; ``skewness`` (``scipy.stats.skew``, bias=False, needs n >= 3) and
    ``excess_kurtosis`` (``scipy.stats.kurtosis``, fisher=True, bias=False, needs n >= 4), both
    unitless and None for a constant sample; ``normaltest_statistic`` and
    ``normaltest_pvalue`` (D'Agostino-Pearson, ``scipy.stats.normaltest``, n >= 8) with
    ``normaltest_note`` saying why they are None; ``shapiro_statistic``, ``shapiro_pvalue``
    and ``shapiro_note`` (Shapiro-Wilk on a random sample of ``shapiro_n`` <=
    ``max_normality_sample`` points drawn with ``seed``, since its p-value is unreliable for
    large n); ``normal_at_5pct``: True when D'Agostino-Pearson does not reject normality at
    the 5% level, False when it does, None without a test.
    """
    x = np.asarray(distances, dtype=float).ravel()
    if not np.isfinite(x).all():
        raise ValueError("distance_summary: distances must be finite")
    n = len(x)
    constant = n > 0 and x.min() == x.max()
    summary: dict = {
        "n": n,
        "mean": float(x.mean()) if n else None,
        "sd": float(x.std(ddof=1)) if n >= 2 else None,
        "min": float(x.min()) if n else None,
        "max": float(x.max()) if n else None,
        "median": float(np.median(x)) if n else None,
        # Undefined (0 / 0) for a constant sample, where scipy would warn and return NaN.
        "skewness": float(stats.skew(x, bias=False)) if n >= 3 and not constant else None,
        "excess_kurtosis": (
            float(stats.kurtosis(x, fisher=True, bias=False)) if n >= 4 and not constant else None
        ),
    }
    summary.update(_normaltest(x, constant))
    summary.update(_shapiro(x, constant, seed, max_normality_sample))
    pvalue = summary["normaltest_pvalue"]
    summary["normal_at_5pct"] = None if pvalue is None else bool(pvalue >= ALPHA)
    return summary


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


def relative_to_nn(table: pd.DataFrame) -> pd.Series:
    """distance / nn_distance per row (unitless, in [0, 1]: the nearest point is in the hull).

    Indexed like ``table``, named ``relative_to_nn``; NaN where ``nn_distance`` is 0 (the test
    point is a training point).
    """
    require_columns(table, ["distance", "nn_distance"])
    nn = table["nn_distance"].astype(float)
    ratio = table["distance"].astype(float) / nn.where(nn != 0)
    return ratio.rename("relative_to_nn")


def labels_per_query(table: pd.DataFrame, labels) -> np.ndarray:
    """Int (n,): the label of each row's test point, ``labels[query]``.

    ``labels``: int array-like over all test rows (index = ``query``).
    """
    require_columns(table, ["query"])
    labels = np.asarray(labels)
    query = table["query"].to_numpy()
    if len(query) and (query.min() < 0 or query.max() >= len(labels)):
        raise ValueError(
            f"hull table: query {int(query.max())} out of range for {len(labels)} test labels"
        )
    return labels[query]


def per_class(table: pd.DataFrame, labels) -> pd.DataFrame:
    """One row per class present, sorted by class, from all of the table's rows.

    Columns: ``class``, ``n``, ``share_outside`` (share certified outside, in [0, 1]) and
    ``mean_distance``, ``median_distance``, ``sd_distance`` (ddof=1, NaN for one point) in
    space units, where points inside the hull count with distance 0. ``labels`` as in
    :func:`labels_per_query`.
    """
    require_columns(table, ["query", "distance", "status", "lower_bound"])
    frame = pd.DataFrame(
        {
            "class": labels_per_query(table, labels),
            "distance": table["distance"].to_numpy(dtype=float),
            "outside": outside_mask(table),
        }
    )
    grouped = frame.groupby("class", sort=True)
    return pd.DataFrame(
        {
            "n": grouped.size(),
            "share_outside": grouped["outside"].mean(),
            "mean_distance": grouped["distance"].mean(),
            "median_distance": grouped["distance"].median(),
            "sd_distance": grouped["distance"].std(ddof=1),
        }
    ).reset_index()


def correct_per_query(table: pd.DataFrame, predictions: pd.DataFrame) -> np.ndarray:
    """Bool (n,): whether the model classified each row's test point correctly.

    ``predictions``: the model's table (columns ``split``, ``row``, ``correct``); its rows
    with split "test" are matched to the hull table by ``row`` == ``query``, each exactly once.
    """
    require_columns(table, ["query"])
    require_columns(predictions, ["split", "row", "correct"], what="predictions table")
    test = predictions[predictions["split"] == "test"]
    if test["row"].duplicated().any():
        row = int(test.loc[test["row"].duplicated(), "row"].iloc[0])
        raise ValueError(f"predictions table: test row {row} appears more than once")
    correct = test.set_index("row")["correct"]
    missing = ~table["query"].isin(correct.index)
    if missing.any():
        query = int(table.loc[missing, "query"].iloc[0])
        raise ValueError(f"predictions table: no test prediction for query {query}")
    return correct.loc[table["query"].to_numpy()].to_numpy(dtype=bool)


def by_correctness(table: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """Distances (space units) of correctly and wrongly classified test points, all rows.

    Index ``correct``, ``wrong``; columns ``n``, ``mean_distance``, ``median_distance`` (NaN for
    an empty group) and ``mannwhitney_pvalue``: the two-sided Mann-Whitney U test comparing the
    two groups, the same in both rows, None when a group has fewer than 2 points.
    ``predictions`` as in :func:`correct_per_query`.
    """
    require_columns(table, ["query", "distance"])
    correct = correct_per_query(table, predictions)
    distance = table["distance"].to_numpy(dtype=float)
    groups = {"correct": distance[correct], "wrong": distance[~correct]}
    pvalue = None
    if min(len(group) for group in groups.values()) >= 2:
        test = stats.mannwhitneyu(groups["correct"], groups["wrong"], alternative="two-sided")
        pvalue = float(test.pvalue)
    return pd.DataFrame(
        {
            "n": [len(group) for group in groups.values()],
            "mean_distance": [_mean_or_nan(group) for group in groups.values()],
            "median_distance": [float(np.median(g)) if len(g) else np.nan for g in groups.values()],
            "mannwhitney_pvalue": [pvalue] * len(groups),
        },
        index=pd.Index(list(groups), name="group"),
    )


def _mean_or_nan(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def _distances(table: pd.DataFrame, what: str) -> np.ndarray:
    """The ``distance`` column of a non-empty table, as float (n,)."""
    require_columns(table, ["distance"], what=what)
    if table.empty:
        raise ValueError(f"{what} is empty")
    return table["distance"].to_numpy(dtype=float)


def compare_to_random(real_table: pd.DataFrame, random_table: pd.DataFrame) -> dict:
    """How much farther from the hull random points lie than real test points (all rows).

    Keys: ``real_mean``, ``real_median``, ``random_mean``, ``random_median`` (space units),
    ``median_ratio`` (random median / real median; None when the real median is 0) and
    ``share_random_farther`` (share of random points strictly farther than the farthest real
    test point, in [0, 1]).
    """
    real = _distances(real_table, "real hull table")
    random = _distances(random_table, "random hull table")
    real_median, random_median = float(np.median(real)), float(np.median(random))
    return {
        "real_mean": float(real.mean()),
        "real_median": real_median,
        "random_mean": float(random.mean()),
        "random_median": random_median,
        "median_ratio": random_median / real_median if real_median > 0 else None,
        "share_random_farther": float((random > real.max()).mean()),
    }


def farthest_share_of_diameter(table: pd.DataFrame, diameter: float) -> float:
    """Largest distance to the hull over the training set's diameter (unitless).

    ``diameter``: the largest distance between two training points, in the table's units.
    For CIFAR-10 in pixel space the paper reports a farthest test image about 3,500 from the
    hull, against a diameter of 13,621: about a quarter of it.
    """
    distance = _distances(table, "hull table")
    if not np.isfinite(diameter) or diameter <= 0:
        raise ValueError(f"diameter must be finite and > 0, got {diameter}")
    return float(distance.max() / diameter)


def example_queries(table: pd.DataFrame) -> dict:
    """Query ids of the farthest, median and nearest test point, for showing as examples.

    Chosen among the points certified outside the hull (:func:`outside_mask`), or among all
    rows when there are none; ``among`` says which ("outside" or "all"). ``median`` is the
    point at position (m - 1) // 2 of the m candidates sorted by distance, the lower middle
    for even m. Ties in distance go to the smaller query id.
    """
    require_columns(table, ["query", "distance", "status", "lower_bound"])
    if table.empty:
        raise ValueError("hull table is empty")
    outside = outside_mask(table)
    among = "outside" if outside.any() else "all"
    candidates = table[outside] if outside.any() else table
    query = candidates["query"].to_numpy()
    distance = candidates["distance"].to_numpy(dtype=float)
    ascending = np.lexsort((query, distance))  # by distance, then query
    farthest = np.lexsort((query, -distance))
    return {
        "farthest": int(query[farthest[0]]),
        "median": int(query[ascending[(len(query) - 1) // 2]]),
        "nearest": int(query[ascending[0]]),
        "among": among,
    }


def space_summary(
    table: pd.DataFrame,
    test_labels,
    diameter: dict,
    meta: dict,
    spec: dict,
    predictions: pd.DataFrame | None = None,
    seed: int = 0,
    normality_sample: int = 5000,
) -> dict:
    """Every statistic of one space's distances, as written to its ``stats.json``.

    ``diameter`` is the space diameter record (``{"diameter": ..., "pair": ...}``), ``meta``
    the space's metadata (its ``positions`` are left out), ``spec`` the space's config entry.
    The distance statistics cover the points outside the hull (:func:`outside_mask`).
    """
    distances = table["distance"].to_numpy()[outside_mask(table)]
    summary = {
        "space": spec["name"],
        "kind": spec["kind"],
        "meta": {k: v for k, v in meta.items() if k != "positions"},
        "shares": status_shares(table),
        "distance": distance_summary(distances, seed=seed, max_normality_sample=normality_sample),
        "relative_to_nn_median": float(np.nanmedian(relative_to_nn(table))),
        "diameter": diameter,
        "farthest_share_of_diameter": farthest_share_of_diameter(table, diameter["diameter"]),
        "per_class": per_class(table, test_labels).reset_index().to_dict(orient="records"),
        "examples": example_queries(table),
    }
    if predictions is not None:
        summary["by_correctness"] = (
            by_correctness(table, predictions).reset_index().to_dict(orient="records")
        )
    return summary
