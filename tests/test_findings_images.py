from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import pywt

from hullgen.findings.images import (
    direction_image,
    display_image,
    plot_examples,
    plot_support,
    projection,
    support_rows,
    to_image,
)
from hullgen.spaces.build import build_space

GREY = (17, 19)  # odd sizes exercise the crop after waverec2
COLOUR = (16, 14, 3)
WAVELETS = [("haar", 1, "periodization"), ("db2", 2, "symmetric"), ("db2", 1, "zero")]


def _images(shape, n=5, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, *shape), dtype=np.uint8)


def _space(kind, x_train, x_test, **spec):
    return build_space({"name": "s", "kind": kind, **spec}, x_train, x_test)


def _wavelet(x_train, x_test, wavelet, level, mode, select):
    return _space(
        "wavelet", x_train, x_test, wavelet=wavelet, level=level, mode=mode, select=select
    )


def _support():
    """Query 1's rows deliberately out of weight order; query 0 must not leak in."""
    return pd.DataFrame(
        {
            "query": [1, 0, 1, 1],
            "train_index": [3, 1, 0, 2],
            "weight": [0.2, 1.0, 0.3, 0.5],
        }
    )


def test_projection_is_the_weighted_sum_ordered_by_weight():
    train = np.array(
        [[1.0, 0.0, 2.0], [9.0, 9.0, 9.0], [0.0, 4.0, 0.0], [10.0, 0.0, -5.0]], dtype=np.float32
    )
    p, indices, weights = projection(train, _support(), 1)
    # 0.5 * row 2 + 0.3 * row 0 + 0.2 * row 3, by hand.
    np.testing.assert_allclose(p, [0.3 + 2.0, 2.0, 0.6 - 1.0], rtol=0, atol=1e-12)
    assert p.dtype == np.float64
    np.testing.assert_array_equal(indices, [2, 0, 3])
    np.testing.assert_array_equal(weights, [0.5, 0.3, 0.2])


def test_projection_of_a_query_without_support_raises():
    with pytest.raises(ValueError, match="test row 7"):
        projection(np.eye(4), _support(), 7)


@pytest.mark.parametrize("shape", [GREY, COLOUR])
def test_pixel_space_round_trips_the_images_exactly(shape):
    x_train, x_test = _images(shape), _images(shape, seed=1)
    _, test, meta = _space("pixel", x_train, x_test)
    for vector, image in zip(test, x_test, strict=True):
        restored = to_image(vector, meta, shape)
        assert restored.dtype == np.float64
        np.testing.assert_array_equal(restored, image)


@pytest.mark.parametrize("shape", [GREY, COLOUR])
@pytest.mark.parametrize(("wavelet", "level", "mode"), WAVELETS)
def test_wavelet_all_space_round_trips_the_images(shape, wavelet, level, mode):
    x_train, x_test = _images(shape), _images(shape, seed=1)
    _, test, meta = _wavelet(x_train, x_test, wavelet, level, mode, "all")
    for vector, image in zip(test, x_test, strict=True):
        np.testing.assert_allclose(to_image(vector, meta, shape), image, rtol=0, atol=1e-9)


@pytest.mark.parametrize("shape", [GREY, COLOUR])
def test_pixel_direction_is_the_reshaped_difference(shape):
    x_train, x_test = _images(shape), _images(shape, seed=1)
    train, test, meta = _space("pixel", x_train, x_test)
    p, _, _ = projection(train, _support(), 1)
    expected = (test[1] - p).reshape(shape)
    np.testing.assert_array_equal(direction_image(test[1], p, meta, shape), expected)


@pytest.mark.parametrize("shape", [GREY, COLOUR])
@pytest.mark.parametrize(("wavelet", "level", "mode"), WAVELETS)
def test_wavelet_all_direction_is_linear(shape, wavelet, level, mode):
    x_train, x_test = _images(shape), _images(shape, seed=1)
    train, test, meta = _wavelet(x_train, x_test, wavelet, level, mode, "all")
    p, indices, weights = projection(train, _support(), 1)
    direction = direction_image(test[1], p, meta, shape)
    difference = to_image(test[1], meta, shape) - to_image(p, meta, shape)
    np.testing.assert_allclose(direction, difference, rtol=0, atol=1e-9)
    # The same convex combination taken of the images themselves.
    pixel_p = np.tensordot(weights, x_train[indices].astype(np.float64), axes=1)
    np.testing.assert_allclose(direction, x_test[1] - pixel_p, rtol=0, atol=1e-9)


@pytest.mark.parametrize(("wavelet", "level"), [("haar", 2), ("db2", 1)])
def test_approx_band_of_a_constant_image_is_that_constant(wavelet, level):
    # Periodization has no border effects, so the band of a constant image is flat.
    grey = np.full((2, 16, 12), 77, dtype=np.uint8)
    colour = np.broadcast_to(np.array([10, 128, 250], dtype=np.uint8), (2, 16, 12, 3))
    for images in (grey, colour):
        _, test, meta = _wavelet(images, images, wavelet, level, "periodization", "approx")
        band = to_image(test[0], meta, images.shape[1:])
        side = 2**level
        # Every pixel of the band is the constant: a subsampled copy of the image.
        np.testing.assert_allclose(band, images[0, ::side, ::side], rtol=0, atol=1e-9)


def test_approx_band_is_pywt_band_over_its_gain():
    images = _images(GREY)
    _, test, meta = _wavelet(images, images, "haar", 2, "symmetric", "approx")
    band = pywt.wavedec2(images[3].astype(np.float64), "haar", mode="symmetric", level=2)[0]
    # Haar's low-pass filter sums to sqrt(2): a factor 2 per level in two dimensions.
    np.testing.assert_allclose(to_image(test[3], meta, GREY), band / 4, rtol=0, atol=1e-9)


def _zero_filled_inverse(selected, positions, image_shape, wavelet, level, mode):
    """Top-k coefficients back to an image with pywt alone, channel by channel."""
    channels = image_shape[2] if len(image_shape) == 3 else 1
    probe = pywt.wavedec2(np.zeros(image_shape[:2]), wavelet, mode=mode, level=level)
    arr, slices = pywt.coeffs_to_array(probe)
    full = np.zeros(arr.size * channels)
    full[positions] = selected
    # Colour coefficients are stored channel-last, as the (h, w, 3) images are.
    full = full.reshape(*arr.shape, channels)
    planes = []
    for c in range(channels):
        coeffs = pywt.array_to_coeffs(full[..., c], slices, output_format="wavedec2")
        plane = pywt.waverec2(coeffs, wavelet, mode=mode)
        planes.append(plane[: image_shape[0], : image_shape[1]])
    return np.stack(planes, axis=-1).reshape(image_shape)


@pytest.mark.parametrize("shape", [GREY, COLOUR])
@pytest.mark.parametrize(("wavelet", "level", "mode"), WAVELETS)
def test_top_k_image_is_the_zero_filled_inverse(shape, wavelet, level, mode):
    x_train, x_test = _images(shape), _images(shape, seed=1)
    _, test, meta = _wavelet(x_train, x_test, wavelet, level, mode, {"top": 7})
    expected = _zero_filled_inverse(test[2], meta["positions"], shape, wavelet, level, mode)
    image = to_image(test[2], meta, shape)
    assert image.shape == shape
    np.testing.assert_allclose(image, expected, rtol=0, atol=1e-9)
    # Seven coefficients cannot rebuild a random image.
    assert np.abs(image - x_test[2]).max() > 1.0


@pytest.mark.parametrize(
    "meta", [{"kind": "random", "seed": 0}, {"kind": "embedding", "model": "resnet"}]
)
def test_spaces_without_image_form_give_none(meta):
    vector = np.arange(12.0)
    assert to_image(vector, meta, (3, 4)) is None
    assert direction_image(vector, vector / 2, meta, (3, 4)) is None


def test_unknown_kind_and_selection_raise():
    with pytest.raises(ValueError, match="unknown space kind"):
        to_image(np.zeros(4), {"kind": "fourier"}, (2, 2))
    meta = {"kind": "wavelet", "wavelet": "haar", "level": 1, "mode": "zero", "select": "detail"}
    with pytest.raises(ValueError, match="unknown coefficient selection"):
        to_image(np.zeros(4), meta, (2, 2))


def test_display_image_grey_and_colour():
    grey = np.array([[0, 255], [-20.0, 300.0]])
    array, kwargs = display_image(grey)
    np.testing.assert_array_equal(array, [[0, 255], [0, 255]])
    assert kwargs == {"cmap": "gray", "vmin": 0.0, "vmax": 255.0}
    colour = np.zeros((2, 2, 3), dtype=np.uint8)
    colour[0, 0] = [255, 51, 0]
    array, kwargs = display_image(colour)
    np.testing.assert_allclose(array[0, 0], [1.0, 0.2, 0.0])
    assert kwargs == {}
    with pytest.raises(ValueError, match="image"):
        display_image(np.zeros((2, 2, 4)))


def _assert_written(png, pdf):
    assert png.read_bytes().startswith(b"\x89PNG")
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("shape", [GREY, COLOUR])
def test_plot_examples_writes_png_and_pdf(tmp_path, shape):
    x_train, x_test = _images(shape), _images(shape, seed=1)
    train, test, meta = _space("pixel", x_train, x_test)
    p, _, _ = projection(train, _support(), 1)
    rows = [
        {
            "label": "farthest",
            "query": 1,
            "distance": 123.456,
            "image": x_test[1],
            "projection": to_image(p, meta, shape),
            "direction": direction_image(test[1], p, meta, shape),
            "class_name": "cat",
        },
        # An embedding space's row: nothing to draw but the test image.
        {
            "label": "nearest",
            "query": 0,
            "distance": 0.0,
            "image": x_test[0],
            "projection": None,
            "direction": None,
            "class_name": "dog",
        },
    ]
    png, pdf = tmp_path / "examples.png", tmp_path / "examples.pdf"
    figure = plot_examples(rows, png, pdf, "toy / pixel")
    _assert_written(png, pdf)
    assert figure.get_suptitle().startswith("toy / pixel")
    titles = [axis.get_title() for axis in figure.axes]
    assert "projection p, distance 123.5" in titles
    assert ("x - p, sum over R, G, B" in titles) == (len(shape) == 3)


@pytest.mark.parametrize("shape", [GREY, COLOUR])
def test_plot_support_writes_png_and_pdf(tmp_path, shape):
    images = _images(shape, n=10)
    weights = np.array([0.05, 0.3, 0.05, 0.1, 0.1, 0.05, 0.05, 0.1, 0.1, 0.1])
    row = {
        "label": "farthest",
        "image": images[0],
        "train_images": images,
        "weights": weights,
        "labels": np.arange(10) % 3,
        "ranks": np.arange(1, 11),
    }
    short = {**row, "label": "median", "train_images": images[:2], "weights": [0.75, 0.25]}
    short.update(labels=[0, 2], ranks=None)
    png, pdf = tmp_path / "support.png", tmp_path / "support.pdf"
    figure = plot_support([row, short], ["a", "b", "c"], png, pdf, "toy / pixel", most=4)
    _assert_written(png, pdf)
    titles = [axis.get_title() for axis in figure.axes]
    # The largest weight first, then the three 0.1s in index order; a row per example.
    assert titles[:5] == [
        "farthest test image\n10 in p, top 4: 60%",
        "b\nweight 0.300, rank 2",
        "a\nweight 0.100, rank 4",
        "b\nweight 0.100, rank 5",
        "b\nweight 0.100, rank 8",
    ]
    assert titles[5:8] == [
        "median test image\n2 in p, top 2: 100%",
        "a\nweight 0.750",
        "c\nweight 0.250",
    ]


def test_support_rows_rank_the_support_by_distance_to_the_test_image():
    train = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [7.0, 0.0]])
    test = np.array([[2.5, 0.0]])
    support = pd.DataFrame({"query": [0, 0], "train_index": [0, 2], "weight": [0.25, 0.75]})
    example = {"label": "farthest", "query": 0, "image": np.zeros((2, 2))}
    (row,) = support_rows(
        [example], support, train, test, np.arange(4)[:, None, None], [5, 6, 7, 8]
    )
    assert row["weights"].tolist() == [0.75, 0.25]
    assert row["ranks"].tolist() == [1, 3] and row["labels"].tolist() == [7, 5]


def test_plot_support_rejects_misaligned_support(tmp_path):
    images = _images(GREY, n=3)
    row = {"label": "x", "image": images[0], "train_images": images, "weights": [0.5, 0.5]}
    with pytest.raises(ValueError, match="align"):
        plot_support(
            [{**row, "labels": [0, 1, 2]}],
            ["a", "b", "c"],
            tmp_path / "s.png",
            tmp_path / "s.pdf",
            "toy",
        )
