import gzip

import numpy as np
import pytest

from hullgen.data.idx import read_idx, read_idx_images, read_idx_labels, write_idx
from hullgen.errors import DataFormatError


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_round_trip(tmp_path, compress, dtype):
    rng = np.random.default_rng(0)
    array = (rng.normal(size=(5, 4, 3)) * 50).astype(dtype)
    path = tmp_path / "a.idx"
    write_idx(path, array, compress=compress)
    np.testing.assert_array_equal(read_idx(path), array)


def test_header_is_big_endian_as_in_the_mnist_spec(tmp_path):
    # Hand-built file, independent of write_idx: 2 images of 2x3, magic 0x00000803.
    payload = bytes(range(12))
    raw = b"\x00\x00\x08\x03" + (2).to_bytes(4, "big") + (2).to_bytes(4, "big")
    raw += (3).to_bytes(4, "big") + payload
    path = tmp_path / "images-idx3-ubyte"
    path.write_bytes(raw)
    images = read_idx_images(path)
    assert images.shape == (2, 2, 3)
    assert images[1, 1, 2] == 11
    labels = tmp_path / "labels-idx1-ubyte.gz"
    with gzip.open(labels, "wb") as handle:
        handle.write(b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + bytes([7, 0, 9]))
    y = read_idx_labels(labels)
    assert y.dtype == np.int64
    assert y.tolist() == [7, 0, 9]


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_data_is_named(tmp_path, compress):
    path = tmp_path / "t.idx"
    write_idx(path, np.zeros((10, 28, 28), np.uint8))
    raw = path.read_bytes()[:-100]
    if compress:
        path = tmp_path / "t.idx.gz"
        with gzip.open(path, "wb") as handle:
            handle.write(raw)
    else:
        path.write_bytes(raw)
    with pytest.raises(DataFormatError, match="truncated") as err:
        read_idx(path)
    assert str(path) in str(err.value)
    assert "7840" in str(err.value)


def test_truncated_gzip_stream(tmp_path):
    path = tmp_path / "t.idx.gz"
    write_idx(path, np.arange(1000, dtype=np.uint8).reshape(10, 100) % 7, compress=True)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(DataFormatError, match="gzip") as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_truncated_header(tmp_path):
    path = tmp_path / "h.idx"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(DataFormatError, match="header"):
        read_idx(path)


@pytest.mark.parametrize(
    "magic", [b"\x00\x01\x08\x03", b"\x00\x00\x07\x03", b"\x00\x00\x08\x00", b"\x1f\x00\x08\x01"]
)
def test_wrong_magic_number(tmp_path, magic):
    path = tmp_path / "m.idx"
    path.write_bytes(magic + b"\x00" * 16)
    with pytest.raises(DataFormatError, match="magic") as err:
        read_idx(path)
    assert magic.hex() in str(err.value)


def test_trailing_bytes(tmp_path):
    path = tmp_path / "x.idx"
    write_idx(path, np.zeros(4, np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(DataFormatError, match="unexpected bytes"):
        read_idx(path)


def test_images_must_be_three_dimensional(tmp_path):
    path = tmp_path / "x.idx"
    write_idx(path, np.zeros(4, np.uint8))
    with pytest.raises(DataFormatError, match=r"\(n, h, w\)"):
        read_idx_images(path)
