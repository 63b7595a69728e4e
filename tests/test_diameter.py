"""The exact diameter (hullgen.hull.diameter) against an independent all-pairs search in
float64 (scipy's pdist), on sets built to defeat its bounds, and how much it prunes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.spatial.distance import pdist

from hullgen.data.matrix import NonFiniteError
from hullgen.hull.diameter import diameter_search, hull_diameter


def all_pairs(points) -> tuple[float, int, int]:
    """pdist's largest distance and its pair: the first (i, j), i < j, among equals."""
    points = np.asarray(points, dtype=np.float64)
    distances = pdist(points)
    k = int(np.argmax(distances))
    i, j = (int(v[k]) for v in np.triu_indices(len(points), 1))
    return float(distances[k]), i, j


def assert_exact(points, block=None):
    """hull_diameter gives pdist's pair and its distance (computed from the same float64
    differences, up to the order of the sum); returns the pair."""
    found = hull_diameter(points) if block is None else hull_diameter(points, block=block)
    diameter, i, j = all_pairs(points)
    assert found[1:] == (i, j)
    assert found[0] == pytest.approx(diameter, rel=1e-14, abs=0)
    return i, j


def radius_ranks(points) -> np.ndarray:
    """Rank of each row by distance from the mean, 0 the farthest."""
    points = np.asarray(points, dtype=np.float64)
    radius = np.linalg.norm(points - points.mean(axis=0), axis=1)
    ranks = np.empty(len(points), dtype=int)
    ranks[np.argsort(-radius, kind="stable")] = np.arange(len(points))
    return ranks


def power_law(n, d, classes=100, seed=0, unit=False):
    """Rows like embeddings: Gaussian classes whose means and spread both have a power-law
    spectrum (the k-th variance 1/k) in a random basis; ``unit``: centred and scaled to unit
    norm, so that every radius is the same."""
    rng = np.random.default_rng(seed)
    scale = np.sqrt(np.arange(1, d + 1) ** -1.0)
    means = rng.normal(size=(classes, d)) * scale * np.sqrt(0.3)
    x = means[rng.integers(0, classes, n)] + rng.normal(size=(n, d)) * scale * np.sqrt(0.7)
    x = x @ np.linalg.qr(rng.normal(size=(d, d)))[0]
    if unit:
        x -= x.mean(axis=0)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def three_caps_and_a_pole_pair(per_cap=400, d=10, seed=0):
    """Rows at radius 1.1 in three small caps 120 degrees apart (any two within 1.95), and
    two rows at radius 0.99 exactly opposite each other, off the caps' plane (1.98 apart,
    1.51 from any cap row): the farthest pair is not among the largest radii."""
    rng = np.random.default_rng(seed)
    rows = []
    for angle in (0.0, 2 * np.pi / 3, 4 * np.pi / 3):
        centre = np.zeros(d)
        centre[:2] = np.cos(angle), np.sin(angle)
        wobble = rng.normal(size=(per_cap, d))
        wobble *= 0.04 * rng.uniform(size=(per_cap, 1)) / np.linalg.norm(wobble, axis=1)[:, None]
        direction = centre + wobble
        rows.append(1.1 * direction / np.linalg.norm(direction, axis=1)[:, None])
    pole = np.zeros(d)
    pole[2] = 0.99
    x = np.concatenate([*rows, [pole, -pole]])
    return x[rng.permutation(len(x))]


@pytest.mark.parametrize(
    ("n", "d", "block"), [(1500, 16, 1024), (1500, 16, 97), (800, 40, 64), (2000, 3, 128)]
)
def test_farthest_pair_among_the_largest_radii(n, d, block):
    rng = np.random.default_rng(n + d)
    points = rng.normal(size=(n, d)) * np.sqrt(np.arange(1, d + 1) ** -1.0) * 3 + 50
    i, j = assert_exact(points, block)
    assert max(radius_ranks(points)[[i, j]]) < 10


@pytest.mark.parametrize("block", [1024, 100, 37])
def test_farthest_pair_not_among_the_largest_radii(block):
    points = three_caps_and_a_pole_pair()
    i, j = assert_exact(points, block)
    ranks = radius_ranks(points)
    assert min(ranks[[i, j]]) >= 1200  # the two smallest radii, not the two largest
    assert hull_diameter(points, block)[0] == pytest.approx(1.98, rel=1e-12)


def test_ties_give_the_first_pair_in_row_order():
    cube = np.array(list(itertools.product([0.0, 1.0], repeat=3)))  # 4 diagonals tie
    assert hull_diameter(cube) == (np.sqrt(3.0), 0, 7)
    shuffled = cube[np.random.default_rng(0).permutation(8)]
    for block in (1, 3, 8):
        assert_exact(shuffled, block)
    simplex = np.eye(60)  # every pair at sqrt(2)
    assert hull_diameter(simplex, block=7) == (np.sqrt(2.0), 0, 1)


def test_duplicate_rows():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(200, 5))
    _, a, b = all_pairs(base)
    # The farthest pair's rows four times each: 16 equal pairs, the first in row order wins.
    points = base[rng.permutation(np.r_[np.arange(200), [a] * 3, [b] * 3])]
    i, j = assert_exact(points, block=16)
    assert [(points == points[row]).all(axis=1).sum() for row in (i, j)] == [4, 4]
    same = np.full((50, 4), 7.0)  # all rows equal: distance 0, the first pair
    assert hull_diameter(same, block=8) == (0.0, 0, 1)


def test_uint8_rows_are_read_exactly():
    rng = np.random.default_rng(2)
    pixels = rng.integers(0, 256, size=(400, 48), dtype=np.uint8)
    assert_exact(pixels, block=64)
    assert_exact(pixels.astype(bool), block=64)


def test_memory_mapped_input_is_read_not_written(tmp_path):
    rng = np.random.default_rng(3)
    for name, rows in [
        ("f.npy", power_law(700, 40, seed=3)),
        ("u.npy", rng.integers(0, 256, size=(300, 20), dtype=np.uint8)),
    ]:
        np.save(tmp_path / name, rows)
        mapped = np.load(tmp_path / name, mmap_mode="r")  # read-only: a write would raise
        assert_exact(mapped, block=128)
        assert (np.load(tmp_path / name) == rows).all()


def test_the_input_is_left_as_it_was():
    points = np.random.default_rng(4).normal(size=(300, 9)) + 100
    before = points.copy()
    hull_diameter(points, block=50)
    assert (points == before).all()


@pytest.mark.parametrize(("n", "d"), [(500, 1), (30, 400), (12, 5000), (2, 3), (3, 2), (2, 1)])
def test_one_column_many_columns_and_tiny_sets(n, d):
    rng = np.random.default_rng(n * d)
    points = rng.normal(size=(n, d)) * 10 + 1e3
    for block in (1, 7, 4096):
        assert_exact(points, block)


def test_far_from_the_origin_with_a_small_spread():
    """Centred before the float32 products: rows at 1e6 with a spread of 1e-3 keep their
    order (uncentred, float32 would see them all equal)."""
    points = 1e6 + np.random.default_rng(5).normal(size=(400, 6)) * 1e-3
    assert_exact(points, block=64)


def test_power_law_set_at_256_columns():
    points = power_law(3000, 256, seed=6)
    assert_exact(points, block=256)
    assert_exact(power_law(3000, 256, seed=7, unit=True), block=256)


def test_single_row_empty_and_bad_input():
    assert hull_diameter([[1.0, 2.0]]) == (0.0, 0, 0)
    with pytest.raises(ValueError, match="empty"):
        hull_diameter(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="2-d"):
        hull_diameter(np.zeros(5))
    with pytest.raises(ValueError, match="block"):
        hull_diameter(np.zeros((5, 2)), block=0)
    bad = np.zeros((6, 3))
    bad[4, 1] = np.nan
    with pytest.raises(NonFiniteError, match=r"row 4 .*column 1"):
        hull_diameter(bad)


def test_the_bounds_prune_block_pairs_on_a_clustered_power_law_set():
    """Radii spread out (the farthest pair lies among the largest): the radius bound leaves
    fewer than 5% of the block pairs to multiply."""
    points = power_law(6000, 64, classes=50, seed=8)
    found = diameter_search(points, block=256)
    assert (found.diameter, found.i, found.j) == pytest.approx(all_pairs(points), rel=1e-14)
    assert found.block_pairs == 24 * 25 // 2
    assert found.block_pairs_multiplied < 0.05 * found.block_pairs
    assert found.row_pair_share < 0.01


def test_the_projection_bound_prunes_where_radii_are_all_equal():
    """Every row at radius 1: the radius bound rules out no pair, but the projection on the
    top principal directions leaves fewer than 10% of the row pairs to multiply."""
    points = power_law(4000, 256, seed=9, unit=True)
    found = diameter_search(points, block=256)
    assert (found.diameter, found.i, found.j) == pytest.approx(all_pairs(points), rel=1e-14)
    assert found.projection_dims == 32
    assert found.row_pair_share < 0.1


@settings(deadline=None, derandomize=True, database=None, max_examples=150)
@given(
    points=hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 30), st.integers(1, 12)),
        elements=st.integers(-3, 3).map(float),  # small integers: ties, exact distances
    ),
    block=st.integers(1, 9),
)
def test_any_small_set_gives_the_all_pairs_answer(points, block):
    """Squared distances of small integers are exact: the same diameter and the same first
    pair among equals, bit for bit."""
    assert hull_diameter(points, block=block) == all_pairs(points)
