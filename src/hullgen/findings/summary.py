"""Every statistic of one space, as written to its ``stats.json``: where the test points lie,
the distances' location, spread and shape, their scale against the hull's size, the
directions to the hull and the hull's surface nearest each test point."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hullgen.claims import criteria as C
from hullgen.findings import directions, shape, stats, surface


def scale_summary(table: pd.DataFrame, size: dict) -> dict:
    """The distances against the size of the training set (unitless ratios).

    ``size``: the space's diameter record (``diameter``, and ``median_pair_distance``: the
    median distance between two training points). Keys: ``median_share_of_diameter`` and
    ``farthest_share_of_diameter`` (median and largest distance of the points outside over
    the diameter; the farthest over all rows), ``median_over_typical`` (median distance over
    the median training pair distance), ``relative_to_nn_median`` (median of distance over
    nearest-neighbour distance). None where there are no points outside.
    """
    outside = stats.outside_mask(table)
    distance = table["distance"].to_numpy(dtype=float)[outside]
    diameter = float(size["diameter"])
    typical = size.get("median_pair_distance")
    median = float(np.median(distance)) if len(distance) else None
    return {
        "median_share_of_diameter": median / diameter if median is not None else None,
        "farthest_share_of_diameter": stats.farthest_share_of_diameter(table, diameter),
        "median_over_typical": median / typical if median is not None and typical else None,
        "relative_to_nn_median": (
            float(np.nanmedian(stats.relative_to_nn(table)[outside])) if outside.any() else None
        ),
    }


def space_summary(
    table: pd.DataFrame,
    support: pd.DataFrame,
    unit_directions: np.ndarray,
    *,
    n_train: int,
    train_labels,
    test_labels,
    size: dict,
    meta: dict,
    spec: dict,
    predictions: pd.DataFrame | None = None,
    points=None,
    structure_images=None,
    energy_images=None,
    neighbours: dict | None = None,
    seed: int = 0,
    normality_sample: int = 5000,
) -> dict:
    """Every statistic of one space.

    ``table`` and ``support`` are the hull stage's tables of the space, ``size`` its
    diameter record, ``meta`` its metadata (``positions`` are left out), ``spec`` its config
    entry. Distances, directions and the surface cover the points certified outside
    (:func:`~hullgen.findings.stats.outside_mask`), in table order: ``unit_directions`` are
    theirs (see :func:`outside_directions`), and so are, when given, ``points`` (their rows
    in the space, for the probe on the points themselves), ``structure_images`` (the images
    the directions are measured against, see
    :func:`hullgen.findings.directions.structure_summary`) and ``energy_images`` (their pixel
    values, to measure the directions' energy on the object). ``neighbours``: the
    :func:`sample_neighbours` of the space, where measured.
    """
    outside = stats.outside_mask(table)
    queries = table["query"].to_numpy()[outside]
    labels = np.asarray(test_labels)[queries]
    per_query = surface.own_class_weights(support, train_labels, test_labels, queries)
    distances = table["distance"].to_numpy()[outside]
    nn = table["nn_distance"].to_numpy(dtype=float)[outside] if "nn_distance" in table else []
    summary = {
        "space": spec["name"],
        "kind": spec["kind"],
        "meta": {k: v for k, v in meta.items() if k != "positions"},
        "shares": stats.status_shares(table),
        "distance": stats.distance_summary(
            distances, seed=seed, max_normality_sample=normality_sample
        ),
        "modes": shape.mode_summary(distances, labels),
        "nn_median": float(np.median(nn)) if len(nn) else None,
        "diameter": size,
        **scale_summary(table, size),
        "directions": directions.direction_summary(
            unit_directions,
            labels,
            points=points,
            structure_images=structure_images,
            energy_images=energy_images,
            seed=seed,
        ),
        "surface": surface.surface_summary(per_query, n_train),
        "neighbours": neighbours,
        "per_class": stats.per_class(table, test_labels).reset_index().to_dict(orient="records"),
        "examples": stats.example_queries(table),
    }
    if predictions is not None:
        summary["by_correctness"] = (
            stats.by_correctness(table, predictions).reset_index().to_dict(orient="records")
        )
    return summary


def outside_directions(table: pd.DataFrame, support: pd.DataFrame, train, test):
    """(queries, unit directions): the test rows certified outside, in table order, and
    their (x - p) / ||x - p|| in the space of ``train`` and ``test``."""
    queries = table["query"].to_numpy()[stats.outside_mask(table)]
    points = directions.hull_points(train, support, len(test))
    return queries, directions.unit_directions(test, points, queries)


def sample_neighbours(table: pd.DataFrame, support: pd.DataFrame, train, test, seed: int = 0):
    """:func:`hullgen.findings.surface.neighbour_summary` of a seeded sample of at most
    :data:`~hullgen.findings.surface.NEIGHBOUR_SAMPLE` test points certified outside (all
    of them when fewer), their distances to the :data:`~hullgen.claims.criteria.A_FEW` nearest
    training rows and the ranks of their hull points' training rows."""
    queries = table["query"].to_numpy()[stats.outside_mask(table)]
    if len(queries) > surface.NEIGHBOUR_SAMPLE:
        rng = np.random.default_rng(seed)
        queries = np.sort(rng.choice(queries, surface.NEIGHBOUR_SAMPLE, replace=False))
    k = min(C.A_FEW, len(train))
    distances, ranks = surface.nearest_training(train, test, queries, support, k=k)
    return surface.neighbour_summary(distances, ranks, len(train))
