import numpy as np
import pytest
import pywt

from hullgen.spaces.build import build_space
from hullgen.spaces.wavelet import WaveletTransform, is_orthonormal, top_k_positions

SHAPES = [(8, 8), (28, 28), (32, 32, 3)]


def _images(shape, n=6, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, *shape), dtype=np.uint8)


TRANSFORMS = [
    ("haar", 1, "periodization"),
    ("haar", 3, "symmetric"),
    ("db2", 1, "zero"),
    ("db2", 2, "periodization"),
    ("db4", 1, "symmetric"),
    ("db4", 2, "reflect"),
]
# Only the levels pywt allows for each image size.
ROUND_TRIPS = [
    (shape, *t)
    for shape in SHAPES
    for t in TRANSFORMS
    if t[1] <= pywt.dwtn_max_level(shape[:2], t[0])
]


@pytest.mark.parametrize(("shape", "wavelet", "level", "mode"), ROUND_TRIPS)
def test_round_trip_with_all_coefficients(shape, wavelet, level, mode):
    images = _images(shape)
    transform = WaveletTransform(wavelet, level, mode)
    coefficients = transform.forward(images)
    assert coefficients.shape[0] == len(images)
    restored = transform.inverse(coefficients, shape)
    np.testing.assert_allclose(restored, images, rtol=0, atol=1e-9)


@pytest.mark.parametrize("shape", SHAPES)
def test_batched_transform_equals_per_image_transform(shape):
    images = _images(shape, n=3)
    transform = WaveletTransform("db2", 1, "symmetric")
    batched = transform.forward(images)
    for i, image in enumerate(images):
        # Independent: one image at a time, channel by channel, through pywt directly.
        channels = image[..., None] if image.ndim == 2 else image
        for c in range(channels.shape[-1]):
            coeffs = pywt.wavedec2(channels[..., c].astype(float), "db2", "symmetric", level=1)
            approx = coeffs[0].ravel()
            cols = channels.shape[-1]
            got = batched[i].reshape(-1, cols)[:, c] if image.ndim == 3 else batched[i]
            arr, _ = pywt.coeffs_to_array(coeffs)
            np.testing.assert_allclose(got, arr.ravel(), atol=1e-10)
            assert approx.size == transform.approx(images[:1]).size // cols


def test_approx_is_the_approximation_band():
    images = _images((28, 28))
    approx = WaveletTransform("haar", 2, "periodization").approx(images)
    # Haar approximation at level 2 is the 4x4 block mean times 4 (= 2 per level).
    blocks = images.astype(float).reshape(len(images), 7, 4, 7, 4).mean(axis=(2, 4)) * 4
    np.testing.assert_allclose(approx, blocks.reshape(len(images), -1), atol=1e-9)


def test_top_k_matches_brute_force_energy():
    rng = np.random.default_rng(5)
    train = rng.normal(size=(50, 20)) * rng.uniform(0.1, 5, size=20)
    k = 6
    energy = [sum(row[j] ** 2 for row in train) / len(train) for j in range(20)]
    expected = sorted(sorted(range(20), key=lambda j: -energy[j])[:k])
    assert top_k_positions(train, k).tolist() == expected


def test_top_k_picks_positions_from_training_data_only():
    train = _images((8, 8), n=40, seed=1)
    test = _images((8, 8), n=10, seed=2)
    spec = {
        "name": "w",
        "kind": "wavelet",
        "wavelet": "haar",
        "level": 1,
        "mode": "periodization",
        "select": {"top": 5},
    }
    tr, te, meta = build_space(spec, train, test)
    # A wildly different test set (all energy elsewhere) must not move the positions.
    loud = np.zeros_like(test)
    loud[:, 4:, 4:] = 255
    tr2, te2, meta2 = build_space(spec, train, loud)
    assert meta["positions"] == meta2["positions"]
    np.testing.assert_array_equal(tr, tr2)
    full = WaveletTransform("haar", 1, "periodization")
    positions = top_k_positions(full.forward(train), 5)
    assert meta["positions"] == positions.tolist()
    np.testing.assert_allclose(te, full.forward(test)[:, positions])
    np.testing.assert_allclose(te2, full.forward(loud)[:, positions])


def test_top_k_larger_than_dimension():
    with pytest.raises(ValueError, match="more coefficients"):
        top_k_positions(np.ones((3, 4)), 5)


def test_unknown_wavelet():
    with pytest.raises(ValueError, match="unknown wavelet 'haar3'"):
        WaveletTransform("haar3")


def test_pixel_and_random_spaces():
    train, test = _images((8, 8), 30, seed=3), _images((8, 8), 12, seed=4)
    tr, te, _meta = build_space({"name": "pixel", "kind": "pixel"}, train, test)
    assert tr.dtype == te.dtype == np.uint8 and tr.shape == (30, 64)  # exact, 1/8 the bytes
    np.testing.assert_array_equal(te, test.reshape(12, 64))
    floats = build_space({"name": "pixel", "kind": "pixel"}, train / 255.0, test / 255.0)[0]
    assert floats.dtype == np.float64
    spec = {"name": "random", "kind": "random", "seed": 7}
    _, te, _ = build_space(spec, train, test)
    assert te.shape == (12, 64) and te.min() >= 0 and te.max() <= 255
    np.testing.assert_array_equal(build_space(spec, train, test)[1], te)
    assert not np.array_equal(build_space({**spec, "seed": 8}, train, test)[1], te)


# -- orthonormal transforms: the wavelet space is the pixel space ----------------------------


ISOMETRY_CASES = [
    (shape, *t)
    for shape in SHAPES
    for t in [
        *TRANSFORMS,
        ("sym4", 1, "periodization"),
        ("bior2.2", 1, "periodization"),
        ("dmey", 1, "periodization"),
    ]
    # Haar's deep levels on odd sizes are kept: they must come out not orthonormal.
    if t[1] <= pywt.dwtn_max_level(shape[:2], t[0]) or t[0] == "haar"
]


@pytest.mark.parametrize(("shape", "wavelet", "level", "mode"), ISOMETRY_CASES)
def test_is_orthonormal_agrees_with_the_transform_itself(shape, wavelet, level, mode):
    """Independently: distances between random images are kept exactly iff it says so."""
    transform = WaveletTransform(wavelet, level, mode)
    images = _images(shape, n=12, seed=3).astype(float)
    coefficients = transform.forward(images)
    pixels = images.reshape(len(images), -1)
    same_size = coefficients.shape[1] == pixels.shape[1]
    keeps = same_size and np.allclose(
        _pair_distances(coefficients), _pair_distances(pixels), rtol=1e-12, atol=0
    )
    keeps = keeps and np.allclose(
        np.linalg.norm(coefficients, axis=1), np.linalg.norm(pixels, axis=1), rtol=1e-12
    )
    assert is_orthonormal(transform, shape) is keeps
    if mode == "periodization" and wavelet in ("haar", "db2", "db4", "sym4"):
        assert keeps, "orthogonal wavelets with periodization on even sizes are orthonormal"


def _pair_distances(x):
    return np.linalg.norm(x[:, None, :] - x[None, :, :], axis=2)


def test_orthonormal_wavelet_hull_distances_equal_the_pixel_distances():
    from hullgen.data.prepare import load_digits
    from hullgen.hull import HullDistance

    digits = load_digits(0.25, 0)
    x_train, x_test = digits.x_train[:500], digits.x_test[:60]
    spec = {"name": "db2", "kind": "wavelet", "wavelet": "db2", "level": 2}
    pixel_train, pixel_test, _ = build_space({"name": "pixel", "kind": "pixel"}, x_train, x_test)
    train, test, meta = build_space(
        {**spec, "mode": "periodization", "select": "all"}, x_train, x_test
    )
    assert meta["pixel_isometry"] is True
    # Two independent solves, each certified to a relative gap of 1e-10.
    pixel = HullDistance(pixel_train, gap=1e-10).query(pixel_test)
    wavelet = HullDistance(train, gap=1e-10).query(test)
    np.testing.assert_allclose(wavelet.distance, pixel.distance, rtol=1e-9)
    np.testing.assert_allclose(wavelet.nn_distance, pixel.nn_distance, rtol=1e-9)
    # Another mode pads the borders: not an isometry, and the distances differ.
    other, other_test, other_meta = build_space(
        {**spec, "mode": "symmetric", "select": "all"}, x_train, x_test
    )
    assert other_meta["pixel_isometry"] is False
    padded = HullDistance(other).query(other_test)
    assert np.max(np.abs(padded.distance / pixel.distance - 1)) > 0.01
