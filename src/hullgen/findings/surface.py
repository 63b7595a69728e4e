"""Which training images form the surface of the hull nearest each test image.

The hull stage gives each test point's nearest hull point p as a convex combination of
training points, its support (``query``, ``train_index``, ``weight``; weights sum to 1).
The paper: "for each testing image, there are a few similar training images, much closer
than a random point would be", and it asks "which training images form the surface of the
hull closest to each testing image". Here: how many training images make p, and how much of
p's weight comes from the test image's own class, against that class's share of the
training set (what a surface of random training images would give).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hullgen.findings.stats import require_columns


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
    # Undefined (NaN) where the training set has one class only: any surface is "own".
    chance = result["class_share"].where(result["class_share"] < 1)
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
