"""PCA sweep and per-class hulls against direct hull computations."""

import numpy as np
import pandas as pd
import pytest

from hullgen.findings import geometry
from hullgen.findings.geometry import (
    NO_TRAINING_CLASS,
    class_hull_distances,
    class_rows,
    pca_basis,
    pca_sweep,
    project,
    sample_classes,
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


# -- bounded for ImageNet-size inputs (#36) ----------------------------------------------------


def _svd_basis(train):
    """The basis as it was computed before blocks: a full SVD of the centred float64 copy."""
    train = np.asarray(train, dtype=np.float64)
    mean = train.mean(axis=0)
    _, s, vt = np.linalg.svd(train - mean, full_matrices=False)
    return mean, vt, s**2 / (s**2).sum()


@pytest.mark.parametrize("block_bytes", [64 * 2**20, 8 * 40 * 7])  # one block; blocks of 7 rows
@pytest.mark.parametrize(("n", "d"), [(300, 40), (25, 40)])  # more rows than columns, and fewer
def test_pca_basis_in_blocks_matches_an_svd(n, d, block_bytes):
    rng = np.random.default_rng(n)
    # A large mean against a small spread: the shift must keep the scatter accurate.
    train = (1000.0 + rng.normal(size=(n, d)) * np.geomspace(10, 0.1, d)).astype(np.float32)
    mean, components, share = pca_basis(train, block_bytes=block_bytes)
    svd_mean, svd_components, svd_share = _svd_basis(train)
    assert components.shape == (min(n, d), d) and share.shape == (min(n, d),)
    np.testing.assert_allclose(mean, svd_mean, rtol=1e-12)
    np.testing.assert_allclose(share, svd_share[: min(n, d)], atol=1e-10)
    # The leading components (distinct variances) agree up to their sign, which is fixed:
    # each one's largest coordinate is positive.
    for k in range(min(n, d, 10)):
        assert abs(abs(components[k] @ svd_components[k]) - 1) < 1e-8
        assert components[k][np.argmax(np.abs(components[k]))] > 0


def test_pca_sweep_matches_the_svd_projection():
    """The sweep's numbers equal hull distances in the SVD's projection (an isometry of the
    blocked one: the components agree up to sign)."""
    train, test = _data(4, n=200, m=40, d=8)
    sweep = pca_sweep(train, test, [1, 3, 8], max_test=25, seed=1)
    mean, vt, share = _svd_basis(train)
    rows = subset_rows(len(test), 25, 1)
    for row in sweep.itertuples():
        k = row.k
        direct = HullDistance((train - mean) @ vt[:k].T).query((test[rows] - mean) @ vt[:k].T)
        outside = np.isin(direct.status, ["certified", "separated"]) & (direct.lower_bound > 0)
        assert row.share_outside == outside.mean()
        assert row.median_distance == pytest.approx(np.median(direct.distance), rel=1e-6)
        assert row.explained_variance == pytest.approx(share[:k].sum(), rel=1e-10)
        assert row.n_test == 25


def test_pca_never_copies_the_training_set_to_float64(tmp_path):
    """A float32 memory map of 16 MB: the basis and the projection hold a block, the scatter
    and n x max(k), never the 32 MB float64 copy the full SVD made."""
    import tracemalloc

    n, d = 20_000, 200
    path = tmp_path / "train.npy"
    rows = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, d))
    rows[:] = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    rows.flush()
    train = np.load(path, mmap_mode="r")
    tracemalloc.start()
    try:
        mean, components, _ = pca_basis(train, block_bytes=2**20)
        projected = project(train, mean, components[:5], block_bytes=2**20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert projected.shape == (n, 5)
    assert peak < 6 * 2**20, peak  # a block (1 MiB), its float64 copy, d x d, n x 5


def _classes(seed=0, n_classes=30, per_class=12, m=300, d=3):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_classes, d)) * 6
    train_y = np.repeat(np.arange(n_classes), per_class)
    rng.shuffle(train_y)
    train = centres[train_y] + rng.normal(size=(len(train_y), d))
    test_y = rng.integers(0, n_classes, size=m)
    test = centres[test_y] + 1.5 * rng.normal(size=(m, d))
    return train, train_y, test, test_y


def test_class_rows_are_the_boolean_masks():
    _, train_y, _, _ = _classes()
    gathered = class_rows(train_y, np.array([0, 5, 29, 31]))
    for c, rows in gathered.items():
        np.testing.assert_array_equal(rows, np.flatnonzero(train_y == c))
    assert len(gathered[31]) == 0


def test_sample_classes_is_seeded_and_whole_when_few():
    classes = np.arange(1000)
    a, b = sample_classes(classes, 100, 3), sample_classes(classes, 100, 3)
    assert a.tolist() == b.tolist() == sorted(set(a.tolist())) and len(a) == 100
    assert sample_classes(np.arange(10), 100, 3).tolist() == list(range(10))


def test_class_hulls_of_a_sample_of_classes_against_direct_queries(monkeypatch):
    """30 classes, at most 6 used: 6 hulls built, the test points are of those classes, and
    each one's other hull is the nearest among them."""
    train, train_y, test, test_y = _classes()
    built = []
    real = geometry.HullDistance

    def counting(rows, **options):
        built.append(len(rows))
        return real(rows, **options)

    monkeypatch.setattr(geometry, "HullDistance", counting)
    table = class_hull_distances(train, train_y, test, test_y, max_test=25, max_classes=6, seed=2)
    used = sample_classes(np.unique(train_y), 6, 2)
    assert len(built) == 6 and built == [int((train_y == c).sum()) for c in used]
    assert set(table["label"]) <= set(used.tolist()) and len(table) == 25
    assert (table["n_classes"] == 6).all() and (table["n_classes_total"] == 30).all()
    eligible = np.flatnonzero(np.isin(test_y, used))
    np.testing.assert_array_equal(table["query"], eligible[subset_rows(len(eligible), 25, 2)])
    X = test[table["query"]]
    direct = np.column_stack([real(train[train_y == c]).query(X).distance for c in used])
    own = np.searchsorted(used, table["label"])
    at = np.arange(len(table))
    np.testing.assert_allclose(table["own_distance"], direct[at, own], rtol=1e-9)
    direct[at, own] = np.inf
    np.testing.assert_allclose(table["other_distance"], direct.min(axis=1), rtol=1e-9)
    np.testing.assert_array_equal(table["other_class"], used[direct.argmin(axis=1)])


def test_class_hulls_with_every_class_used_are_as_before():
    """Fewer classes than max_classes: the test points are a sample of every test row, as
    before the bound (10-class datasets are unchanged)."""
    train, train_y, test, test_y = _classes(n_classes=5, m=40)
    table = class_hull_distances(train, train_y, test, test_y, max_test=20, max_classes=100)
    assert table["query"].tolist() == subset_rows(40, 20, 0).tolist()
    assert (table["n_classes"] == 5).all() and (table["n_classes_total"] == 5).all()


def test_the_class_hulls_figure_of_a_thousand_classes_is_bounded(tmp_path):
    from hullgen.findings.geometry_plots import plot_class_hulls
    from hullgen.findings.plots import MOST_CLASSES

    rng = np.random.default_rng(0)
    m = 3000
    labels = rng.integers(0, 1000, size=m)
    table = pd.DataFrame(
        {
            "query": np.arange(m),
            "label": labels,
            "own_distance": rng.uniform(1, 5, m),
            "own_status": "certified",
            "other_distance": rng.uniform(1, 5, m),
            "other_class": (labels + 1) % 1000,
            "n_classes": 100,
            "n_classes_total": 1000,
        }
    )
    png, pdf = tmp_path / "c.png", tmp_path / "c.pdf"
    names = [f"n{k:08d}" for k in range(1000)]
    figure = plot_class_hulls(table, names, png, pdf, "imagenet / features", "units")
    left, right = figure.axes[:2]
    assert len(right.patches) == MOST_CLASSES  # bars of the classes drawn only
    assert len(left.get_legend().get_texts()) == MOST_CLASSES + 1  # and the others, grey
    assert "hulls of 100 of 1,000 classes" in figure.get_suptitle()
    assert f"the {MOST_CLASSES} classes with the most test points" in right.get_xlabel()
    assert pdf.stat().st_size < 2_000_000 and png.stat().st_size > 1000
