"""The 2-D toy data sets of the MLP study, its grid and the exact hull mask."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.datasets import make_moons

from hullgen.experiments.mlp.plots import grid_axes
from hullgen.experiments.mlp.toy2d import grid, hull_mask, hull_polygon, make_dataset, true_labels


def test_hull_mask_of_a_square_is_the_square():
    rng = np.random.default_rng(0)
    corners = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    train_x = np.vstack([corners, rng.uniform(-0.9, 0.9, (30, 2))])
    # 40 points over [-2, 2]: spacing 4/39, so no grid point falls on the square's edge.
    xs, ys, points = grid(train_x, 40, 2.0)
    np.testing.assert_allclose([xs[0], xs[-1], ys[0], ys[-1]], [-2, 2, -2, 2])
    expected = (np.abs(points[:, 0]) <= 1) & (np.abs(points[:, 1]) <= 1)
    np.testing.assert_array_equal(hull_mask(train_x, points), expected)


def test_hull_mask_counts_the_boundary_as_inside():
    corners = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    boundary = np.vstack([corners, [[0.0, 1.0], [1.0, 0.25], [-0.5, -1.0]]])
    assert hull_mask(corners, boundary).all()
    assert not hull_mask(corners, np.array([[1.01, 0.0], [0.0, -1.01]])).any()


def test_hull_polygon_is_the_closed_outline():
    corners = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    train_x = np.vstack([corners, [[0.2, 0.3], [-0.5, 0.1]]])
    outline = hull_polygon(train_x)
    assert outline.shape == (5, 2)
    np.testing.assert_array_equal(outline[0], outline[-1])
    assert {tuple(p) for p in outline[:-1]} == {tuple(c) for c in corners}


def test_grid_is_row_major_with_x_fastest():
    train_x = np.array([[0.0, 10.0], [4.0, 12.0]])
    xs, ys, points = grid(train_x, 3, 1.0)
    np.testing.assert_allclose(xs, [0, 2, 4])
    np.testing.assert_allclose(ys, [10, 11, 12])
    layout = points.reshape(3, 3, 2)
    np.testing.assert_allclose(layout[1, 2], [xs[2], ys[1]])
    np.testing.assert_allclose(layout[:, :, 0], np.tile(xs, (3, 1)))
    recovered_xs, recovered_ys = grid_axes(points)
    np.testing.assert_array_equal(recovered_xs, xs)
    np.testing.assert_array_equal(recovered_ys, ys)


@pytest.mark.parametrize("name", ["moons", "spirals", "blobs"])
def test_datasets_are_balanced_and_typed(name):
    X, y = make_dataset(name, 120, 0.1, 3)
    assert X.shape == (120, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [60, 60])
    X_again, _ = make_dataset(name, 120, 0.1, 3)
    np.testing.assert_array_equal(X, X_again)
    assert not np.array_equal(X, make_dataset(name, 120, 0.1, 4)[0])


def test_unknown_dataset_names_value_and_choices():
    with pytest.raises(ValueError, match=r"'circles'.*moons, spirals, blobs"):
        make_dataset("circles", 10, 0.1, 0)


def test_blob_truth_is_the_bayes_rule():
    noise = 0.6
    X, y = make_dataset("blobs", 4000, noise, 0)
    # The blobs the data come from: class 0 at (1, 1) and (-1, -1), class 1 at the other corners.
    blobs = {0: [(1.0, 1.0), (-1.0, -1.0)], 1: [(1.0, -1.0), (-1.0, 1.0)]}
    for label, centres in blobs.items():
        nearest = np.array(
            [max(centres, key=lambda c: np.dot(point, c)) for point in X[y == label]]
        )
        for centre in centres:
            mean = X[y == label][(nearest == centre).all(axis=1)].mean(axis=0)
            np.testing.assert_allclose(mean, centre, atol=0.1)
    points = np.random.default_rng(1).uniform(-3, 3, (2000, 2))
    density = {
        label: sum(multivariate_normal(c, noise**2 * np.eye(2)).pdf(points) for c in centres)
        for label, centres in blobs.items()
    }
    bayes = (density[1] > density[0]).astype(np.int64)
    np.testing.assert_array_equal(true_labels("blobs", points, noise), bayes)


def test_moons_truth_labels_the_noise_free_arcs_and_their_surroundings():
    X, y = make_moons(n_samples=200, noise=0.0, random_state=0)
    np.testing.assert_array_equal(true_labels("moons", X, 0.1), y)
    # Far above the upper arc is class 0, far below the lower arc class 1.
    far = np.array([[0.0, 5.0], [1.0, -5.0]])
    np.testing.assert_array_equal(true_labels("moons", far, 0.1), [0, 1])
    assert true_labels("spirals", X, 0.1) is None
