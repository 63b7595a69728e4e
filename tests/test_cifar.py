import io
import tarfile

import numpy as np
import pytest

from hullgen.data import cifar
from hullgen.data.archive import safe_extract
from hullgen.data.prepare import load_cifar10
from hullgen.errors import DataFormatError, UnsafeArchiveError


def _batch(rng, n):
    return rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, n)


def test_record_layout_matches_the_published_format(tmp_path):
    # Built by hand from the format description: label, then R, G, B planes row-major.
    red = np.arange(1024, dtype=np.uint32) % 251
    green = (red + 1) % 256
    blue = (red + 2) % 256
    record = np.concatenate([[3], red, green, blue]).astype(np.uint8)
    path = tmp_path / "data_batch_1.bin"
    second = record.copy()
    second[0] = 9
    np.concatenate([record, second]).tofile(path)
    x, y = cifar.read_cifar_batch(path)
    assert x.shape == (2, 32, 32, 3) and x.dtype == np.uint8
    assert y.dtype == np.int64 and y.tolist() == [3, 9]
    assert x[0, 0, 1].tolist() == [1, 2, 3]  # pixel (row 0, col 1): R, G, B
    assert x[0, 1, 0].tolist() == [32, 33, 34]


def test_write_read_round_trip(tmp_path):
    x, y = _batch(np.random.default_rng(1), 7)
    cifar.write_cifar_batch(tmp_path / "b.bin", x, y)
    x2, y2 = cifar.read_cifar_batch(tmp_path / "b.bin")
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


def test_truncated_batch(tmp_path):
    x, y = _batch(np.random.default_rng(2), 3)
    path = tmp_path / "b.bin"
    cifar.write_cifar_batch(path, x, y)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataFormatError, match="3073-byte") as err:
        cifar.read_cifar_batch(path)
    assert str(path) in str(err.value)


def test_empty_batch(tmp_path):
    path = tmp_path / "b.bin"
    path.write_bytes(b"")
    with pytest.raises(DataFormatError):
        cifar.read_cifar_batch(path)


def test_bad_label(tmp_path):
    x, y = _batch(np.random.default_rng(3), 3)
    y[1] = 12
    path = tmp_path / "b.bin"
    cifar.write_cifar_batch(path, x, y)
    with pytest.raises(DataFormatError, match="record 1 has label 12"):
        cifar.read_cifar_batch(path)


def _synthetic_archive(tmp_path, rng):
    folder = tmp_path / "src" / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    expected = {"train": [], "test": []}
    for name in (*cifar.TRAIN_BATCHES, *cifar.TEST_BATCHES):
        x, y = _batch(rng, 4)
        cifar.write_cifar_batch(folder / name, x, y)
        expected["test" if name.startswith("test") else "train"].append((x, y))
    (folder / "batches.meta.txt").write_text("airplane\nautomobile\n")
    archive = tmp_path / "cifar-10-binary.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-bin")
    return archive, expected


def test_load_from_binary_tarball(tmp_path):
    archive, expected = _synthetic_archive(tmp_path, np.random.default_rng(4))
    splits = load_cifar10(archive)
    np.testing.assert_array_equal(splits.x_train, np.concatenate([x for x, _ in expected["train"]]))
    np.testing.assert_array_equal(splits.y_test, expected["test"][0][1])
    assert splits.x_train.shape == (20, 32, 32, 3)
    # Extraction happens in a temporary folder that is removed afterwards.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-10-binary.tar.gz", "src"]


def _tar_with(path, name, data=b"x", kind=tarfile.REGTYPE, linkname=""):
    with tarfile.open(path, "w:gz") as tar:
        ok = tarfile.TarInfo("cifar-10-batches-bin/readme.txt")
        ok.size = 2
        tar.addfile(ok, io.BytesIO(b"ok"))
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = linkname
        info.size = len(data) if kind == tarfile.REGTYPE else 0
        tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


@pytest.mark.parametrize(
    ("name", "kind", "linkname"),
    [
        ("../escape.txt", tarfile.REGTYPE, ""),
        ("cifar-10-batches-bin/../../escape.txt", tarfile.REGTYPE, ""),
        ("/tmp/absolute-escape.txt", tarfile.REGTYPE, ""),
        ("cifar-10-batches-bin/link", tarfile.SYMTYPE, "../../outside"),
        ("cifar-10-batches-bin/hard", tarfile.LNKTYPE, "../outside"),
        ("cifar-10-batches-bin/dev", tarfile.CHRTYPE, ""),
    ],
)
def test_unsafe_members_are_refused(tmp_path, name, kind, linkname):
    archive = tmp_path / "evil.tar.gz"
    _tar_with(archive, name, kind=kind, linkname=linkname)
    dest = tmp_path / "out" / "extracted"
    with pytest.raises(UnsafeArchiveError, match="refusing") as err:
        safe_extract(archive, dest)
    assert name in str(err.value)
    assert not dest.exists()
    assert not (tmp_path / "escape.txt").exists()
    assert list((tmp_path / "out").iterdir()) == []  # no temporary folder left behind


def test_safe_archive_extracts(tmp_path):
    archive = tmp_path / "good.tar.gz"
    _tar_with(
        archive, "cifar-10-batches-bin/inner/link", kind=tarfile.SYMTYPE, linkname="../readme.txt"
    )
    dest = safe_extract(archive, tmp_path / "out")
    assert (dest / "cifar-10-batches-bin" / "readme.txt").read_text() == "ok"
