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

from hullgen.findings import shape
from hullgen.hull.result import STATUSES


def require_columns(frame: pd.DataFrame, columns, what: str = "hull table") -> None:
    """Raise ValueError naming the first of ``columns`` that ``frame`` lacks."""
    for column in columns:
        if column not in frame.columns:
            raise ValueError(f"{what} has no column {column!r} (it has {list(frame.columns)})")


# Statuses of points shown outside the hull: the gap closed (certified) or still open
# (separated: a hyperplane certifies a positive lower bound, the distance is an upper bound).
OUTSIDE_STATUSES = ("certified", "separated")


def outside_mask(table: pd.DataFrame) -> np.ndarray:
    """Bool (n,): rows certified to lie outside the hull (status certified or separated,
    lower bound > 0)."""
    require_columns(table, ["status", "lower_bound"])
    status = table["status"].astype(str).to_numpy()
    return np.isin(status, OUTSIDE_STATUSES) & (table["lower_bound"].to_numpy(dtype=float) > 0)


def status_shares(table: pd.DataFrame) -> dict:
    """Counts and shares (of n, in [0, 1]) of where the test points lie relative to the hull.

    The four groups partition the table: ``outside`` (certified or separated, lower bound >
    0), ``outside_uncertain`` (certified, distance > 0 but a lower bound of 0, which only a
    relative gap >= 1 allows), ``inside`` (status inside, distance 0) and ``not_converged``
    (bounds kept, the point may lie either side). ``separated`` counts the outside points
    whose gap is still open (their distance is an upper bound). Keys: ``n``, each count and
    ``<count>_share`` (NaN when n is 0). A status outside :data:`STATUSES`, a certified or
    separated row with distance 0, or a separated row without a positive lower bound
    contradicts the hull stage and raises ValueError.
    """
    require_columns(table, ["status", "lower_bound", "distance"])
    status = table["status"].astype(str).to_numpy()
    unknown = sorted(set(status) - set(STATUSES))
    if unknown:
        raise ValueError(f"hull table: unknown status {unknown[0]!r} (expected {STATUSES})")
    certified, separated = status == "certified", status == "separated"
    positive = table["distance"].to_numpy(dtype=float) > 0
    for name, rows in (("certified", certified), ("separated", separated)):
        if (rows & ~positive).any():
            raise ValueError(f"hull table: a {name!r} row has distance 0 (that is 'inside')")
    outside = outside_mask(table)
    if (separated & ~outside).any():
        raise ValueError("hull table: a 'separated' row has no positive lower bound")
    counts = {
        "outside": int(outside.sum()),
        "outside_uncertain": int((certified & ~outside).sum()),
        "inside": int((status == "inside").sum()),
        "not_converged": int((status == "not_converged").sum()),
        "separated": int(separated.sum()),
    }
    n = len(table)
    result: dict = {"n": n}
    for group, count in counts.items():
        result[group] = count
        result[f"{group}_share"] = count / n if n else float("nan")
    return result


def distance_summary(distances, seed: int = 0, max_normality_sample: int = 5000) -> dict:
    """Location, spread and shape of a sample of distances (space units).

    ``distances``: array-like (n,) of finite distances; the statistics cover exactly the values
    passed in (the pipeline passes those of the points certified outside the hull, see
    :func:`outside_mask`). Keys: ``n``; ``mean``, ``sd`` (ddof=1), ``min``, ``max``, ``median``
    in the distances' units (None when undefined); the shape statistics of
    :func:`hullgen.findings.shape.shape_summary` (L-skewness and L-kurtosis, which the claims
    judge, QQ correlation, moment skewness and excess kurtosis); and, for information, the
    normality tests of :func:`hullgen.findings.shape.normality_tests` (Shapiro-Wilk on a sample
    of at most ``max_normality_sample`` drawn with ``seed``).
    """
    x = np.asarray(distances, dtype=float).ravel()
    if not np.isfinite(x).all():
        raise ValueError("distance_summary: distances must be finite")
    n = len(x)
    summary: dict = {
        "n": n,
        "mean": float(x.mean()) if n else None,
        "sd": float(x.std(ddof=1)) if n >= 2 else None,
        "min": float(x.min()) if n else None,
        "max": float(x.max()) if n else None,
        "median": float(np.median(x)) if n else None,
    }
    summary.update(shape.shape_summary(x))
    summary.update(shape.normality_tests(x, seed, max_normality_sample))
    return summary


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


def superiority(a, b) -> float:
    """Vargha and Delaney's A: P(a > b) + P(a = b) / 2 for a drawn from ``a`` and b from
    ``b`` (the Mann-Whitney U over the number of pairs), in [0, 1].

    >>> superiority([3, 4], [1, 3])
    0.875
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(stats.mannwhitneyu(a, b).statistic / (len(a) * len(b)))


def compare_to_random(real_table: pd.DataFrame, random_table: pd.DataFrame) -> dict:
    """How much farther from the hull random points lie than real test points (all rows).

    Keys: ``real_n`` and ``random_n`` (the points compared: the random baseline may draw
    fewer points than there are test rows, see :func:`hullgen.spaces.build.random_points`),
    ``real_mean``, ``real_median``, ``random_mean``, ``random_median`` (space units),
    ``median_ratio`` (random median / real median; None when the real median is 0) and
    ``superiority``: the probability that a random point lies farther than a real test point
    (ties count half; the Mann-Whitney U over the number of pairs, in [0, 1]).
    """
    real = _distances(real_table, "real hull table")
    random = _distances(random_table, "random hull table")
    real_median, random_median = float(np.median(real)), float(np.median(random))
    return {
        "real_n": len(real),
        "random_n": len(random),
        "real_mean": float(real.mean()),
        "real_median": real_median,
        "random_mean": float(random.mean()),
        "random_median": random_median,
        "median_ratio": random_median / real_median if real_median > 0 else None,
        "superiority": superiority(random, real),
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
