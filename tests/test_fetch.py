import functools
import hashlib
import http.server
import logging
import threading

import pytest

from hullgen.data import registry
from hullgen.data.fetch import download, sha256_file, stage
from hullgen.data.registry import RawFile
from hullgen.errors import HashMismatchError

CONTENT = b"not really MNIST\n" * 100
GOOD = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture
def server(tmp_path):
    """A loopback HTTP server serving tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_sha256_file_matches_hashlib(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(CONTENT * 5000)
    assert sha256_file(path) == hashlib.sha256(CONTENT * 5000).hexdigest()


def test_stage_accepts_canonical_and_repackaged(tmp_path):
    source = tmp_path / "f.gz"
    source.write_bytes(CONTENT)
    raw = RawFile("f.gz", (), "0" * 64, {"someone:repack": GOOD})
    assert stage(raw, source, tmp_path / "cache" / "f.gz") == (GOOD, "someone:repack")
    assert (tmp_path / "cache" / "f.gz").read_bytes() == CONTENT


def test_stage_wrong_hash_names_both_hashes_and_leaves_nothing(tmp_path):
    source = tmp_path / "f.gz"
    source.write_bytes(CONTENT)
    raw = RawFile("f.gz", (), "a" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(HashMismatchError) as err:
        stage(raw, source, cache / "f.gz")
    assert "a" * 64 in str(err.value) and GOOD in str(err.value)
    assert str(source) in str(err.value)
    assert list(cache.iterdir()) == []


def test_stage_unverified_is_logged(tmp_path, caplog):
    source = tmp_path / "f.gz"
    source.write_bytes(CONTENT)
    raw = RawFile("f.gz", (), "a" * 64)
    with caplog.at_level(logging.WARNING, logger="hullgen"):
        assert stage(raw, source, tmp_path / "c" / "f.gz", verify=False) == (GOOD, "unverified")
    assert "verify: false" in caplog.text and GOOD in caplog.text


def test_stage_missing_file_names_it(tmp_path):
    raw = RawFile("f.gz", (), "a" * 64)
    with pytest.raises(FileNotFoundError, match=r"dataset\.data_dir"):
        stage(raw, tmp_path / "nope" / "f.gz", tmp_path / "c" / "f.gz")


def test_download_verifies(server, tmp_path):
    root, url = server
    (root / "f.gz").write_bytes(CONTENT)
    raw = RawFile("f.gz", (f"{url}/f.gz",), GOOD)
    dest = tmp_path / "cache" / "f.gz"
    assert download(raw, dest) == (GOOD, "canonical")
    assert dest.read_bytes() == CONTENT


def test_download_wrong_hash_names_both_and_leaves_nothing(server, tmp_path):
    root, url = server
    (root / "f.gz").write_bytes(CONTENT)
    raw = RawFile("f.gz", (f"{url}/f.gz",), "b" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(HashMismatchError) as err:
        download(raw, cache / "f.gz")
    assert "b" * 64 in str(err.value) and GOOD in str(err.value)
    assert list(cache.iterdir()) == []


def test_download_falls_back_to_the_next_mirror(server, tmp_path):
    root, url = server
    (root / "f.gz").write_bytes(CONTENT)
    raw = RawFile("f.gz", (f"{url}/missing/f.gz", f"{url}/f.gz"), GOOD)
    assert download(raw, tmp_path / "f.gz")[0] == GOOD


def test_download_failure_on_every_mirror_explains_data_dir(server, tmp_path):
    _, url = server
    raw = RawFile("f.gz", (f"{url}/a/f.gz", f"{url}/b/f.gz"), GOOD)
    with pytest.raises(ConnectionError, match="data_dir") as err:
        download(raw, tmp_path / "f.gz")
    assert "/a/f.gz" in str(err.value) and "/b/f.gz" in str(err.value)
    assert not (tmp_path / "f.gz").exists()


def test_registry_hashes_are_well_formed():
    for spec in registry.DATASETS.values():
        for raw in spec.files:
            for digest in raw.accepted_hashes():
                assert len(digest) == 64 and int(digest, 16) >= 0, raw.name
            assert raw.urls and all(u.endswith(raw.name) for u in raw.urls)
