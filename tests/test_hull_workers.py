"""The hull solver's worker processes: how they start, what they share, and what a dead
one does (hullgen.hull.workers)."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from hullgen.errors import HullgenError
from hullgen.hull import HullDistance, workers


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(11)
    train = rng.normal(size=(1500, 12))
    queries = rng.normal(size=(700, 12)) * 2  # several chunks of >= 256 queries
    return train, queries, HullDistance(train).query(queries)


@pytest.fixture
def another_thread():
    """A second Python thread, alive for the test."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="another-thread")
    thread.start()
    yield thread
    stop.set()
    thread.join()


def _same(result, reference):
    np.testing.assert_array_equal(result.status, reference.status)
    np.testing.assert_array_equal(result.distance, reference.distance)
    np.testing.assert_array_equal(result.support_index, reference.support_index)


def test_workers_fork_only_from_a_process_without_other_threads(another_thread):
    # This test run may run threads of its own (the background runs): ask a fresh process.
    alone = subprocess.run(
        [sys.executable, "-c", "from hullgen.hull import workers; print(workers.start_method())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert alone.stdout.strip() == "fork"
    assert workers.start_method() == "forkserver"


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_either_start_gives_the_serial_results(points, method, monkeypatch, caplog):
    train, queries, serial = points
    monkeypatch.setattr(workers, "start_method", lambda: method)
    with caplog.at_level("INFO", logger="hullgen.hull"):
        result = HullDistance(train, threads=2).query(queries, return_projections=True)
    _same(result, serial)
    assert result.projections.shape == queries.shape
    assert ("fork server" in caplog.text) is (method == "forkserver")


def test_a_fork_server_worker_maps_a_memory_mapped_file_again(points, tmp_path, monkeypatch):
    train, queries, serial = points
    np.save(tmp_path / "train.npy", train)
    mapped = np.load(tmp_path / "train.npy", mmap_mode="r")
    shared = workers._shareable(np.asarray(mapped))
    assert isinstance(shared, workers._MappedFile) and shared.filename == str(
        tmp_path / "train.npy"
    )
    np.testing.assert_array_equal(workers._array(shared), train)
    # Part of a file, or an array in memory, is sent as it is.
    assert workers._shareable(mapped[1:]) is not None
    assert not isinstance(workers._shareable(mapped[1:]), workers._MappedFile)
    assert not isinstance(workers._shareable(np.asarray(mapped)[:, :5]), workers._MappedFile)
    assert workers._shareable(train) is train
    monkeypatch.setattr(workers, "start_method", lambda: "forkserver")
    _same(HullDistance(mapped, threads=2).query(queries), serial)


@pytest.mark.timeout(300)  # the pool this replaced waited for a dead worker's chunk forever
def test_a_dead_worker_ends_the_query_with_an_error(points, monkeypatch):
    train, queries, _ = points
    solve_rows = HullDistance.solve_rows

    def dies_on_its_second_chunk(self, X, lo, hi, return_projections):
        if lo > 0:
            os._exit(3)
        return solve_rows(self, X, lo, hi, return_projections)

    monkeypatch.setattr(workers, "start_method", lambda: "fork")  # the patch reaches a fork
    monkeypatch.setattr(HullDistance, "solve_rows", dies_on_its_second_chunk)
    # Another worker may be stopped as the pool shuts down (its code listed beside).
    with pytest.raises(HullgenError, match=r"worker process died \(exit code [0-9, -]*\b3\b"):
        HullDistance(train, threads=2).query(queries)
