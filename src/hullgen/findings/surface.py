"""Which training images form the surface of the hull nearest each test image.

The hull stage gives each test point's nearest hull point p as a convex combination of
training points, its support (``query``, ``train_index``, ``weight``; weights sum to 1).
The paper: "for each testing image, there are a few similar training images, much closer
than a random point would be" (a claim: :func:`nearest_training` measures the distances to
the nearest training images), and "we investigate which training images form the surface of
the hull closest to each testing image" (an investigation, reported without a verdict): how
many training images make p, how much of p's weight comes from the test image's own class
against that class's share of the training set, and how near to the test image, by rank, the
training images of p are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hullgen.claims import criteria as C
from hullgen.findings.stats import require_columns
from hullgen.hull.rounding import F64_EPS

# Test points whose distances to every training point are computed (a seeded sample of the
# points outside): the median of 2,000 is within about 3% of the spread (its standard error
# is 1.25 sd / sqrt(n)), and the product costs one 2,000-row pass over the training set.
NEIGHBOUR_SAMPLE = 2000
# The distance product by blocks: 256 test points x 16,384 training rows in float64 is 32 MiB,
# whatever the training set's size.
NEIGHBOUR_BLOCK = 256
TRAIN_BLOCK = 16_384
# Nearest-neighbour ranks of p's training images are binned by the share of the training set
# nearer to the test image: the nearest 0.1%, 1%, 10% and the rest. A support drawn at random
# from the training set would put each bin's width of weight in it.
RANK_BIN_EDGES = (0.001, 0.01, 0.1, 1.0)


def own_class_weights(support: pd.DataFrame, train_labels, test_labels, queries) -> pd.DataFrame:
    """One row per query in ``queries`` (test rows, e.g. those certified outside).

    Columns: ``query``; ``label`` (the test point's class); ``support_size`` (training points
    with positive weight); ``top_weight`` (the largest single weight); ``own_weight`` (share
    of p's weight on training points of the query's class, in [0, 1]); ``class_share``
    (that class's share of the training set); ``own_excess`` = (own_weight - class_share) /
    (1 - class_share): 0 for a surface of random training images, 1 when all the weight is
    on the own class.

    Examples
    --------
    >>> support = pd.DataFrame({"query": [0, 0], "train_index": [0, 2], "weight": [0.75, 0.25]})
    >>> own_class_weights(support, [0, 1, 1, 0], [0], [0])["own_weight"].tolist()
    [0.75]
    """
    require_columns(support, ["query", "train_index", "weight"], what="support table")
    train_labels, test_labels = np.asarray(train_labels), np.asarray(test_labels)
    queries = np.asarray(queries, dtype=np.int64)
    rows = support[support["query"].isin(queries) & (support["weight"] > 0)]
    missing = np.setdiff1d(queries, rows["query"].unique())
    if len(missing):
        raise ValueError(f"support table: test row {int(missing[0])} has no support")
    label = test_labels[rows["query"].to_numpy()]
    own = train_labels[rows["train_index"].to_numpy()] == label
    weight = rows["weight"].to_numpy(dtype=np.float64)
    frame = pd.DataFrame(
        {"query": rows["query"].to_numpy(), "weight": weight, "own": weight * own}
    ).groupby("query", sort=True)
    total = frame["weight"].sum()
    result = pd.DataFrame(
        {
            "support_size": frame.size(),
            "top_weight": frame["weight"].max() / total,
            "own_weight": frame["own"].sum() / total,
        }
    ).reset_index()
    result.insert(1, "label", test_labels[result["query"].to_numpy()])
    classes, counts = np.unique(train_labels, return_counts=True)
    share = dict(zip(classes.tolist(), (counts / counts.sum()).tolist(), strict=True))
    result["class_share"] = [share.get(int(c), 0.0) for c in result["label"]]
    # Undefined (NaN) where the training set has one class only (any surface is "own") and
    # where it has no point of the test point's class (no surface can be "own").
    chance = result["class_share"].where(result["class_share"].between(0, 1, inclusive="neither"))
    result["own_excess"] = (result["own_weight"] - chance) / (1 - chance)
    return result


def surface_summary(per_query: pd.DataFrame, n_train: int) -> dict:
    """Summary of :func:`own_class_weights` over the test points (None where there are none).

    Keys: ``n``; ``support_size_median``, ``support_size_q1``, ``support_size_q3``,
    ``support_size_max`` (training points per hull point); ``support_share_median`` (the
    median support size over ``n_train``); ``top_weight_median``; ``own_weight_median``,
    ``class_share_mean`` and ``own_excess_median`` (the quantity the claim is judged by).
    """
    n = len(per_query)
    if n == 0:
        keys = (
            "support_size_median",
            "support_size_q1",
            "support_size_q3",
            "support_size_max",
            "support_share_median",
            "top_weight_median",
            "own_weight_median",
            "class_share_mean",
            "own_excess_median",
        )
        return {"n": 0, **dict.fromkeys(keys)}
    size = per_query["support_size"].to_numpy(dtype=np.float64)
    return {
        "n": n,
        "support_size_median": float(np.median(size)),
        "support_size_q1": float(np.quantile(size, 0.25)),
        "support_size_q3": float(np.quantile(size, 0.75)),
        "support_size_max": int(size.max()),
        "support_share_median": float(np.median(size) / n_train),
        "top_weight_median": float(per_query["top_weight"].median()),
        "own_weight_median": float(per_query["own_weight"].median()),
        "class_share_mean": float(per_query["class_share"].mean()),
        "own_excess_median": _median_or_none(per_query["own_excess"]),
    }


def _median_or_none(values: pd.Series) -> float | None:
    median = values.median()
    return None if pd.isna(median) else float(median)


def nearest_training(train, test, queries, support: pd.DataFrame, k: int = C.A_FEW):
    """Distances from test rows to their nearest training rows, and where p's training rows
    rank among them.

    ``train`` (n_train, d) and ``test`` (n_test, d) in the space's units (memory maps are
    read a block at a time); ``queries``: the test rows to measure; ``support``: the hull
    stage's support table. Distances are exact in float64 (the squared norms and products of
    each block, cancellation clipped at 0).

    Returns ``(distances, ranks)``: ``distances`` (len(queries), k) to the k nearest training
    rows, ascending; ``ranks`` a frame of every support row of the queries (``query``,
    ``train_index``, ``weight``, ``rank``: 1 + the number of training rows strictly nearer to
    the test row than that one).

    Examples
    --------
    >>> train = np.array([[0.0], [1.0], [3.0], [7.0]])
    >>> frame = pd.DataFrame({"query": [0, 0], "train_index": [0, 2], "weight": [0.5, 0.5]})
    >>> d, r = nearest_training(train, np.array([[2.5]]), [0], frame, k=2)
    >>> d.tolist(), r["rank"].tolist()
    ([[0.5, 1.5]], [3, 1])
    """
    require_columns(support, ["query", "train_index", "weight"], what="support table")
    queries = np.asarray(queries, dtype=np.int64)
    n_train = len(train)
    if not 1 <= k <= n_train:
        raise ValueError(f"k must be in 1..{n_train} (the training rows), got {k}")
    rows = support[support["query"].isin(queries)].sort_values(["query", "train_index"])
    by_query = dict(tuple(rows.groupby("query", sort=False)))
    distances = np.empty((len(queries), k))
    ranks = []
    for start in range(0, len(queries), NEIGHBOUR_BLOCK):
        block = queries[start : start + NEIGHBOUR_BLOCK]
        x = np.asarray(test[block], dtype=np.float64)
        x_norms = np.einsum("ij,ij->i", x, x)
        # Each query's support rows and their exact squared distances (from differences).
        own = [by_query.get(int(query)) for query in block]
        support_d2 = [
            None if o is None else _exact_squared(x[r], train, o["train_index"].to_numpy())
            for r, o in enumerate(own)
        ]
        nearest = np.full((len(block), k), np.inf)
        nearer = [None if d is None else np.zeros(len(d), dtype=np.int64) for d in support_d2]
        # The training rows a block at a time: memory stays at one block whatever n_train.
        for first in range(0, n_train, TRAIN_BLOCK):
            rows_f64 = np.asarray(train[first : first + TRAIN_BLOCK], dtype=np.float64)
            row_norms = np.einsum("ij,ij->i", rows_f64, rows_f64)
            squared = x_norms[:, None] - 2 * (x @ rows_f64.T) + row_norms
            np.maximum(squared, 0, out=squared)
            kept = min(k, squared.shape[1])
            both = np.concatenate([nearest, np.partition(squared, kept - 1, axis=1)[:, :kept]], 1)
            nearest = np.sort(both, axis=1)[:, :k]
            # The product's float64 rounding, bounded: a row this near a support row's
            # distance is compared exactly.
            tol = 4 * (x.shape[1] + 2) * F64_EPS * (x_norms + row_norms.max())
            for r, d2 in enumerate(support_d2):
                if d2 is not None:
                    nearer[r] += _count_below(squared[r], d2, tol[r], x[r], rows_f64)
        distances[start : start + len(block)] = np.sqrt(nearest)
        for o, count in zip(own, nearer, strict=True):
            if o is not None:
                ranks.append(o.assign(rank=1 + count))
    columns = ["query", "train_index", "weight", "rank"]
    frame = pd.concat(ranks, ignore_index=True)[columns] if ranks else pd.DataFrame(columns=columns)
    return distances, frame


def _exact_squared(x: np.ndarray, train, index: np.ndarray) -> np.ndarray:
    """Squared distances from ``x`` to the training rows ``index``, from their differences."""
    difference = np.asarray(train[np.asarray(index, dtype=np.int64)], dtype=np.float64) - x
    return np.einsum("ij,ij->i", difference, difference)


def _count_below(
    values: np.ndarray, thresholds: np.ndarray, tol: float, x: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """For each threshold, how many of the block's squared distances ``values`` (within
    ``tol`` of exact; ``rows`` are the block's rows, ``x`` the test point) are strictly below
    it. A value within ``tol`` of a threshold is recomputed from its difference first."""
    order = np.sort(thresholds)
    near = np.searchsorted(order, values + tol, side="right") > np.searchsorted(
        order, values - tol, side="left"
    )
    if near.any():
        values = values.copy()
        difference = rows[near] - x
        values[near] = np.einsum("ij,ij->i", difference, difference)
    # A value is below threshold t exactly when no more thresholds are <= it than are < t.
    at_most = np.bincount(np.searchsorted(order, values, side="right"), minlength=len(order) + 1)
    return np.cumsum(at_most)[np.searchsorted(order, thresholds, side="left")]


def neighbour_summary(distances: np.ndarray, ranks: pd.DataFrame, n_train: int) -> dict:
    """Summary of :func:`nearest_training` (None where there are no rows).

    Keys: ``n`` (test points measured); ``k``; ``kth_median`` (the median distance to the
    k-th nearest training row, the claim's quantity), ``kth_q1``, ``kth_q3``;
    ``nearest_medians`` (median distance to the 1st, ..., k-th nearest); and of p's training
    rows: ``rank_median`` (median nearest-neighbour rank over every support row),
    ``weight_on_nearest_percent`` (share of p's weight on the 1% nearest training rows, pooled
    over the test points) and ``rank_bins`` (per :data:`RANK_BIN_EDGES` bin: ``up_to`` (share
    of the training set), ``weight`` (share of p's weight pooled over the test points) and
    ``chance`` (the bin's width, what a support drawn at random would put there)).
    """
    n, k = distances.shape
    summary: dict = {"n": n, "k": k}
    if n == 0:
        keys = ("kth_median", "kth_q1", "kth_q3", "nearest_medians", "rank_median")
        return {
            **summary,
            **dict.fromkeys(keys),
            "weight_on_nearest_percent": None,
            "rank_bins": [],
        }
    kth = distances[:, -1]
    summary.update(
        kth_median=float(np.median(kth)),
        kth_q1=float(np.quantile(kth, 0.25)),
        kth_q3=float(np.quantile(kth, 0.75)),
        nearest_medians=np.median(distances, axis=0).tolist(),
    )
    rank = ranks["rank"].to_numpy(dtype=np.float64)
    weight = ranks["weight"].to_numpy(dtype=np.float64)
    total = weight.sum()
    share = rank / n_train
    lower = 0.0
    bins = []
    for edge in RANK_BIN_EDGES:
        inside = (share > lower) & (share <= edge)
        bins.append(
            {"up_to": edge, "weight": float(weight[inside].sum() / total), "chance": edge - lower}
        )
        lower = edge
    summary.update(
        rank_median=float(np.median(rank)) if len(rank) else None,
        weight_on_nearest_percent=float(weight[share <= 0.01].sum() / total) if total else None,
        rank_bins=bins if total else [],
    )
    return summary
