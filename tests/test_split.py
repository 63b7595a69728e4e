import hashlib

import numpy as np
import pytest

from hullgen.data.prepare import Splits, load_digits, take_subset
from hullgen.data.split import stratified_split, stratified_subset
from hullgen.errors import ConfigError


def test_digits_split_is_stable_for_a_seed():
    a, b = load_digits(0.25, seed=0), load_digits(0.25, seed=0)
    np.testing.assert_array_equal(a.index_test, b.index_test)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    c = load_digits(0.25, seed=1)
    assert not np.array_equal(a.index_test, c.index_test)
    # Pinned: the split must not change between releases of hullgen or numpy.
    digest = hashlib.sha256(a.index_test.astype("<i8").tobytes()).hexdigest()
    assert digest == PINNED_DIGITS_TEST_INDEX_SHA256


PINNED_DIGITS_TEST_INDEX_SHA256 = "a3fa694d0deb16c7d76466c6b53e0143f3126fb6e16b2654d3abbc65086c699e"


def test_digits_split_shape_scale_and_stratification():
    s = load_digits(0.25, seed=0)
    assert s.x_train.dtype == np.uint8 and s.x_train.shape[1:] == (8, 8)
    assert s.y_train.dtype == np.int64
    assert len(s.y_train) + len(s.y_test) == 1797
    assert len(s.y_test) == round(0.25 * 1797)
    assert s.x_train.max() == 255 and s.x_train.min() == 0
    # Original order kept, disjoint, covering.
    assert np.all(np.diff(s.index_train) > 0) and np.all(np.diff(s.index_test) > 0)
    assert np.intersect1d(s.index_train, s.index_test).size == 0
    from sklearn.datasets import load_digits as sk

    raw = sk()
    np.testing.assert_array_equal(s.y_test, raw.target[s.index_test])
    np.testing.assert_array_equal(s.x_test, np.rint(raw.images[s.index_test] * 255 / 16))
    share = np.bincount(s.y_test) / np.bincount(raw.target)
    assert np.all(np.abs(share - 0.25) < 0.02)


def test_subset_is_stratified_sorted_and_seeded():
    y = np.repeat(np.arange(4), [100, 50, 30, 20])
    idx = stratified_subset(y, 40, seed=3)
    assert len(idx) == 40 and np.all(np.diff(idx) > 0)
    assert np.bincount(y[idx]).tolist() == [20, 10, 6, 4]
    np.testing.assert_array_equal(idx, stratified_subset(y, 40, seed=3))
    assert not np.array_equal(idx, stratified_subset(y, 40, seed=4))


def test_subset_rounding_sums_to_n():
    y = np.repeat(np.arange(3), [10, 10, 10])
    for n in range(1, 31):
        idx = stratified_subset(y, n, seed=0)
        assert len(idx) == n == len(set(idx.tolist()))


def test_split_rejects_bad_fraction():
    with pytest.raises(ValueError, match="strictly between"):
        stratified_split(np.zeros(10), 1.0, 0)


def test_take_subset_too_large_names_the_key():
    s = load_digits(0.25, seed=0)
    with pytest.raises(ConfigError, match=r"subset\.n_test"):
        take_subset(s, None, 10_000, seed=0)


def test_take_subset_keeps_original_indices():
    x = np.arange(100, dtype=np.uint8).reshape(100, 1, 1)
    y = np.arange(100) % 2
    s = Splits(x, y, x[:10], y[:10], np.arange(100) + 1000, np.arange(10))
    sub = take_subset(s, 10, None, seed=0)
    np.testing.assert_array_equal(sub.index_train, sub.x_train.ravel().astype(int) + 1000)
    assert len(sub.y_test) == 10
