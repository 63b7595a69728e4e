"""PCA sweep and per-class hulls against direct hull computations."""

import numpy as np
import pytest

from hullgen.findings.geometry import (
    NO_TRAINING_CLASS,
    class_hull_distances,
    pca_basis,
    pca_sweep,
    subset_rows,
)
from hullgen.hull import HullDistance


def _data(seed=0, n=120, m=30, d=6):
    rng = np.random.default_rng(seed)
    train = rng.normal(size=(n, d)) * np.linspace(3, 0.5, d)
    test = rng.normal(size=(m, d)) * np.linspace(3, 0.5, d) * 1.3
    return train, test


def test_pca_basis_matches_numpy_covariance():
    train, _ = _data()
    mean, components, share = pca_basis(train)
    values, vectors = np.linalg.eigh(np.cov(train.T))
    order = np.argsort(values)[::-1]
    np.testing.assert_allclose(share, values[order] / values.sum(), rtol=1e-10)
    for k in range(train.shape[1]):
        assert abs(abs(components[k] @ vectors[:, order[k]]) - 1) < 1e-8
    np.testing.assert_allclose(mean, train.mean(axis=0))


def test_full_rank_pca_keeps_every_distance():
    train, test = _data()
    sweep = pca_sweep(train, test, [2, 6, 99], max_test=100)
    assert sweep["k"].tolist() == [2, 6]  # capped at the rank
    full = HullDistance(train).query(test)
    outside = (np.asarray(full.status) == "certified") & (full.lower_bound > 0)
    last = sweep.iloc[-1]
    assert last["explained_variance"] == 1.0 or abs(last["explained_variance"] - 1) < 1e-12
    assert last["share_outside"] == outside.mean()
    assert abs(last["median_distance"] - np.median(full.distance)) < 1e-6
    # In 2 dimensions far more test points fall inside than in 6.
    assert sweep.iloc[0]["share_inside"] > last["share_inside"]


def test_class_hull_distances_against_direct_queries():
    train, test = _data(1)
    train_y = (train[:, 0] > 0).astype(int)
    test_y = (test[:, 0] > 0).astype(int)
    table = class_hull_distances(train, train_y, test, test_y, max_test=20, seed=3)
    rows = subset_rows(len(test), 20, 3)
    assert table["query"].tolist() == rows.tolist()
    for c in (0, 1):
        direct = HullDistance(train[train_y == c]).query(test[rows]).distance
        mine = table["label"].to_numpy() == c
        np.testing.assert_allclose(table["own_distance"][mine], direct[mine], rtol=1e-9)
        np.testing.assert_allclose(table["other_distance"][~mine], direct[~mine], rtol=1e-9)
    assert (table["other_class"] != table["label"]).all()


@pytest.mark.parametrize("absent", [0, 9])
def test_a_test_class_without_training_points_has_no_own_hull(absent, caplog):
    """Training labels 1, 3, 5; test labels 3 and a class with no training point, sorting
    before (0: it took class 1's hull, certified) or after every training class (9: an
    IndexError)."""
    train, test = _data(2)
    train_y = np.array([1, 3, 5])[np.arange(len(train)) % 3]
    test_y = np.where(np.arange(len(test)) % 2 == 0, 3, absent)
    table = class_hull_distances(train, train_y, test, test_y, max_test=len(test))
    own = table["label"] == 3
    direct = {c: HullDistance(train[train_y == c]).query(test).distance for c in (1, 3, 5)}
    np.testing.assert_allclose(table.loc[own, "own_distance"], direct[3][own], rtol=1e-9)
    assert table.loc[~own, "own_distance"].isna().all()
    assert (table.loc[~own, "own_status"] == NO_TRAINING_CLASS).all()
    # Every training class is "other" to a point whose class has none.
    nearest = np.minimum.reduce([direct[c] for c in (1, 3, 5)])
    np.testing.assert_allclose(table.loc[~own, "other_distance"], nearest[~own], rtol=1e-9)
    assert f"classes [{absent}], which have no training point" in caplog.text


def test_subset_rows_is_seeded_and_sorted():
    a, b = subset_rows(100, 10, 5), subset_rows(100, 10, 5)
    assert a.tolist() == b.tolist() and a.tolist() == sorted(a.tolist()) and len(set(a)) == 10
    assert subset_rows(7, 10, 0).tolist() == list(range(7))
