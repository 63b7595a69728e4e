"""Faults injected into real runs: killed jobs, killed Snakemake, bad spaces, failing solvers,
full disks. Each test fails if hullgen loses or corrupts a result, or hides a failure.
(The README's "When things go wrong" table maps every case to its test.)"""

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hullgen import io as hio
from hullgen.claims import criteria
from hullgen.claims import measures as claim_measures
from hullgen.errors import HullgenError
from hullgen.findings.stats import status_shares
from hullgen.hull import HullDistance, qp, separate, wolfe_warm
from hullgen.hull.result import HullResult
from hullgen.hull.run import hull_distance_files, write_tables

from .helpers.hull import pool_loop_hands_back
from .helpers.workflow import REPO, SMALL_CONFIG, job_counts, snakemake, write_config

PIXEL_ONLY = {
    "spaces": [{"name": "pixel", "kind": "pixel"}],
    "hull": {"shards": 3},
    "train": {"enabled": False},
    "experiments": {"legendre": {"enabled": False}, "mlp": {"enabled": False}},
    "findings": {"enabled": False},
}


def _script_processes(name: str, workdir: Path) -> list[int]:
    """PIDs of running Snakemake script jobs of ``name`` (their scripts are copied as
    .snakemake/scripts/tmpXXXX.<name>.py) of the run in ``workdir`` (their working directory),
    not those of the runs other tests keep going beside this one."""
    pids, workdir = [], workdir.resolve()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
                cwd = (proc / "cwd").resolve(strict=True)
            except OSError:
                continue
            if cwd == workdir and any(arg.endswith(f".{name}.py".encode()) for arg in cmdline):
                pids.append(int(proc.name))
    return pids


@pytest.mark.workflow
def test_a_killed_hull_shard_reruns_alone_and_the_table_is_unchanged(tmp_path, default_run):
    write_config(tmp_path, PIXEL_ONLY)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("snakemake")),
            *("--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path)),
            *("--cores", "1", "--keep-going"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    killed, deadline = None, time.monotonic() + 300
    while killed is None and proc.poll() is None and time.monotonic() < deadline:
        for pid in _script_processes("hull_shard", tmp_path):
            # The shard that has started (its log says so) and not yet written its table.
            logs = list((tmp_path / "results/digits/logs/hull/pixel").glob("*.log"))
            shards = tmp_path / "results/digits/hull/pixel/shards"
            started = [
                log
                for log in logs
                if "test rows" in log.read_text() and not (shards / f"{log.stem}.parquet").exists()
            ]
            if started:
                os.kill(pid, signal.SIGKILL)
                killed = started[0].stem
                break
        time.sleep(0.05)
    out, _ = proc.communicate(timeout=300)
    assert killed, f"no hull shard was caught running:\n{out}"
    assert proc.returncode != 0, out
    shards = tmp_path / "results/digits/hull/pixel/shards"
    assert not (shards / f"{killed}.parquet").exists(), "a killed shard left its output"
    dry = snakemake(tmp_path, "-n", "--rerun-incomplete", check=True)
    assert job_counts(dry.stdout) == {"hull_shard": 1, "hull_gather": 1, "all": 1}, dry.stdout
    assert f"scatteritem={killed}" in dry.stdout
    snakemake(tmp_path, "--rerun-incomplete", check=True)
    assert not list(shards.glob(".*.part")), "temporary files of the killed shard remain"
    # The default run solved the same space (shard counts change no result).
    ours = pd.read_parquet(tmp_path / "results/digits/hull/pixel.parquet")
    uninterrupted = pd.read_parquet(default_run / "results/digits/hull/pixel.parquet")
    pd.testing.assert_frame_equal(ours, uninterrupted)


@pytest.mark.workflow
def test_snakemake_killed_five_times_resumes_to_identical_results(small_run, tmp_path):
    """tests/helpers/fault_injection.py: SIGKILL Snakemake and its jobs 5 times, resume each
    time."""
    write_config(tmp_path / "run", SMALL_CONFIG)
    proc = subprocess.run(
        [
            *(
                sys.executable,
                str(REPO / "tests" / "helpers" / "fault_injection.py"),
                str(tmp_path / "run"),
            ),
            *("--kills", "5", "--seed", "1", "--reference", str(small_run)),
        ],
        capture_output=True,
        text=True,
        timeout=1100,  # under pytest-timeout's 1200 s (pyproject.toml)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("killed after") == 5
    assert "every result equals" in proc.stdout


@pytest.mark.workflow
def test_nan_in_a_space_stops_the_hull_stage_naming_the_space_and_row(tmp_path):
    write_config(tmp_path, {**PIXEL_ONLY, "hull": {"shards": 1}})
    space = tmp_path / "results/digits/spaces/pixel"
    snakemake(tmp_path, "results/digits/spaces/pixel/test.npy", check=True)
    test = np.load(space / "test.npy").astype(np.float64)  # pixels are stored as uint8
    test[7, 3] = np.nan
    np.save(space / "test.npy", test)
    proc = snakemake(tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "spaces/pixel/test.npy" in out and "row 7" in out and "NaN" in out, out[-3000:]
    assert not (tmp_path / "results/digits/hull/pixel.parquet").exists()
    # The failing job's log holds the error and its traceback (hullgen.log.setup's excepthook);
    # the console one line that says it and where the traceback is.
    (log,) = (tmp_path / "results/digits/logs/hull/pixel").glob("*-of-*.log")
    said = [line for line in out.splitlines() if "row 7" in line]
    assert len(said) == 1 and "Traceback" not in out, out[-3000:]
    assert " ERROR hullgen: " in said[0] and said[0].endswith(
        f"(traceback in {log.relative_to(tmp_path)})"
    )
    text = log.read_text()
    assert "Traceback" in text and "DataFormatError" in text, text[-3000:]
    assert "spaces/pixel/test.npy" in text and "row 7" in text and "NaN" in text


def test_bad_rows_are_named_by_the_hull_files_api(tmp_path):
    train, test = np.random.default_rng(0).normal(size=(2, 30, 4))
    test[5, 1] = np.inf
    np.save(tmp_path / "train.npy", train)
    np.save(tmp_path / "test.npy", test)
    with pytest.raises(HullgenError, match=r"test\.npy.*row 5.*Inf"):
        hull_distance_files(tmp_path / "train.npy", tmp_path / "test.npy")


@pytest.fixture
def points():
    rng = np.random.default_rng(3)
    train = rng.normal(size=(80, 6))
    test = np.vstack([rng.normal(size=(10, 6)) * 2.5, train[:3].mean(axis=0, keepdims=True)])
    return train, test


def _wolfe_fails(G, start, start_weights, tol, max_iter):
    return np.full(len(G), 1.0 / len(G)), wolfe_warm.DEPENDENT


def _compiled_wolfe_fails(monkeypatch):
    """Wolfe's method fails everywhere: in the compiled pool loop (which then hands every
    query back) and in the Python loop's solves."""
    pool_loop_hands_back(monkeypatch)
    monkeypatch.setattr(qp.wolfe_warm, "wolfe_gram", _wolfe_fails)


@pytest.mark.parametrize("highs_works", [True, False])
def test_fast_solver_failing_falls_back_with_the_same_result(monkeypatch, points, highs_works):
    """Compiled Wolfe reporting failure every time: HiGHS takes over; HiGHS never optimal
    either: the least-squares Wolfe method does. Same statuses and distances."""
    train, test = points
    reference = HullDistance(train).query(test)
    assert (reference.qp_fallbacks == 0).all()
    _compiled_wolfe_fails(monkeypatch)
    if not highs_works:
        monkeypatch.setattr(qp, "solve_highs", lambda h, Q: None)  # "not optimal" every time
    result = HullDistance(train).query(test)
    assert (result.qp_fallbacks > 0).all()
    assert list(result.status) == list(reference.status)
    np.testing.assert_allclose(result.distance, reference.distance, rtol=1e-6, atol=1e-9)


def test_no_solver_converging_reports_not_converged_with_both_bounds(monkeypatch, points):
    train, test = points
    _compiled_wolfe_fails(monkeypatch)
    monkeypatch.setattr(qp, "solve_highs", lambda h, Q: None)
    # A restricted "solution" that is feasible but never optimal: uniform weights.
    monkeypatch.setattr(qp, "min_norm_point", lambda Q: np.full(len(Q), 1.0 / len(Q)))
    # The last one lies inside the hull, and no working set's centroid is it.
    queries = np.vstack([test, 0.6 * train[0] + 0.3 * train[1] + 0.1 * train[2]])
    # The separating LP still settles every query: outside with a positive lower bound, or
    # inside.
    settled = HullDistance(train, max_rounds=3).query(queries)
    assert set(settled.status) <= {"separated", "certified", "inside"}, settled.status
    assert settled.status[-1] == "inside"
    # With the LP failing as well, the query inside cannot be decided.
    monkeypatch.setattr(separate, "_solve", lambda h, D: None)
    result = HullDistance(train, max_rounds=3).query(queries)
    assert len(result.distance) == len(queries), "a query was dropped"
    assert result.status[-1] == "not_converged"
    separated = result.status == "separated"
    assert separated.any() and (result.lower_bound[separated] > 0).all()
    stuck = result.status == "not_converged"
    for rows in (stuck, separated):
        assert np.isfinite(result.distance[rows]).all()
        assert np.isfinite(result.lower_bound[rows]).all()
        assert (result.lower_bound[rows] <= result.distance[rows]).all()
    # The claims table counts them.
    frame = result.to_frame(0)
    stats = {"space": "pixel", "shares": status_shares(frame)}
    text = claim_measures.outside_text(stats)
    assert f"{int(stuck.sum())} not converged" in text
    assert f"{int(separated.sum())} of the outside ones with the gap above the target" in text
    # ... and does not call a claim that needs them settled either way.
    assert criteria.all_outside(stats["shares"]) is None


def test_a_full_disk_while_writing_a_shard_leaves_no_file(tmp_path, monkeypatch, points):
    train, test = points
    result = HullDistance(train).query(test)
    assert isinstance(result, HullResult)

    def fill_disk(self, path, **kwargs):
        Path(path).write_bytes(b"PAR1 half a table")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fill_disk)
    out = tmp_path / "shards" / "1-of-2.parquet"
    with pytest.raises(OSError, match=r"1-of-2\.parquet.*No space left") as err:
        write_tables(result, 0, out, tmp_path / "shards" / "1-of-2.support.parquet")
    assert err.value.errno == errno.ENOSPC
    assert list((tmp_path / "shards").iterdir()) == []


def test_an_unwritable_output_folder_is_named(tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(OSError, match=r"results/hull/pixel\.parquet"):
        hio.save_table(pd.DataFrame({"a": [1]}), blocker / "hull" / "pixel.parquet")


def test_leftovers_of_a_killed_writer_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "table.parquet"
    stale = tmp_path / ".table.parquet.abc123.part"
    stale.write_bytes(b"half")
    hio.save_table(pd.DataFrame({"a": [1, 2]}), target)
    assert not stale.exists()
    assert pd.read_parquet(target)["a"].tolist() == [1, 2]


def test_pickled_arrays_are_refused(tmp_path):
    path = tmp_path / "train.npy"
    np.save(path, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="pickle"):
        hio.load_npy(path, mmap=False)
    with pytest.raises(ValueError, match="Python objects"):
        hio.load_npy(path)
    with pytest.raises(HullgenError, match=r"train\.npy"):
        hull_distance_files(path, path)
