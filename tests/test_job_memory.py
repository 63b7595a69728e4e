"""Memory requests from the matrices' sizes: the sizes known when the workflow is parsed are
those of the files it writes, and a full-size config asks SLURM for what fits a node."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from hullgen import job_memory, preflight

from .helpers.workflow import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import full_size_dry_run

NODE_MB = 128 * 1024  # the node: 32 cores, 128 GiB


def sizes_of(config_path: Path):
    checked = preflight.check_files([config_path])
    return job_memory.space_sizes(checked.config, checked.source)


@pytest.mark.workflow
def test_sizes_known_when_parsed_are_the_written_files(default_run):
    """Rows, widths and bytes per value of every space, against the files the run wrote."""
    sizes = sizes_of(default_run / "config" / "config.yaml")
    spaces = default_run / "results" / "digits" / "spaces"
    assert set(sizes) == {path.name for path in spaces.iterdir()}
    for name, size in sizes.items():
        train = np.load(spaces / name / "train.npy", mmap_mode="r")
        test = np.load(spaces / name / "test.npy", mmap_mode="r")
        assert (size.n_train, size.width, size.train_itemsize) == (
            train.shape[0],
            train.shape[1],
            train.dtype.itemsize,
        ), name
        assert (size.n_test, size.test_itemsize) == (test.shape[0], test.dtype.itemsize), name
        assert size.train_bytes == train.nbytes and size.test_bytes == test.nbytes


def test_sizes_of_arrays_follow_their_dtype_and_the_subset(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 300), ("test", 40)):
        np.save(tmp_path / f"{split}.npy", rng.normal(size=(n, 5)).astype(np.float16))
        np.save(tmp_path / f"{split}_y.npy", np.arange(n) % 3)
    config = {
        "dataset": {"kind": "arrays", "name": "a", **{
            key: str(tmp_path / f"{key.replace('_labels', '_y')}.npy")
            for key in ("train", "test", "train_labels", "test_labels")
        }},
        "subset": {"n_train": 120},
        "spaces": [{"name": "f", "kind": "features"}, {"name": "r", "kind": "random"}],
    }  # fmt: skip
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    sizes = sizes_of(path)
    # float16 rows are written as float32 (hullgen.spaces.build); random draws are float64.
    assert sizes["f"] == job_memory.SpaceSize(120, 40, 5, 4, 4, "features")
    assert sizes["r"].test_itemsize == 8 and sizes["r"].n_train == 120


def test_requests_grow_with_the_matrix_and_the_attempt():
    small = job_memory.SpaceSize(10_000, 1_000, 64, 4, 4, "features")
    large = job_memory.SpaceSize(1_000_000, 100_000, 768, 4, 4, "features")
    for rule in job_memory.MODELS:
        assert job_memory.request_mb(rule, small) == job_memory.FLOOR_MB, rule
        first = job_memory.request_mb(rule, large, threads=4, budget=2**31)
        second = job_memory.request_mb(rule, large, threads=4, budget=2**31, attempt=2)
        assert second > first, rule
        if first > job_memory.FLOOR_MB:
            assert second >= 2 * first - 1, rule
    # A hull shard holds the mapped file, the budget and its workers: no less is asked.
    asked = job_memory.request_mb("hull_shard", large, threads=8, budget=2**31) * 10**6
    assert asked >= large.train_bytes + 2**31 + 8 * job_memory.WORKER_MB * 10**6


@pytest.mark.workflow
def test_a_full_size_config_asks_slurm_for_requests_that_fit_a_node(tmp_path):
    """ImageNet-size arrays as headers only (sparse files, no data written): every job that
    reads the matrices asks for what its model needs, every request fits a 128 GiB node."""
    config = full_size_dry_run.write_headers(tmp_path / "data")
    assert (tmp_path / "data" / "train_x.npy").stat().st_blocks * 512 < 2**20  # sparse
    table = full_size_dry_run.requests(full_size_dry_run.dry_run(tmp_path, config))
    sizes = sizes_of(config)
    clip = sizes["clip"]
    assert clip.n_train == 1_281_167 and clip.width == 768
    for rule, job in table.items():
        assert 0 < job["mem_mb"] < NODE_MB, rule
    hull = table["hull_shard"]
    assert hull["jobs"] == 16 and hull["threads"] == 8  # 8 shards of 2 spaces, the profile
    # mem_mb counts megabytes: the mapped file and the budget's copy, at least.
    assert hull["mem_mb"] * 10**6 >= clip.train_bytes + clip.train_bytes // 2
    assert table["space_diameter"]["mem_mb"] * 10**6 >= clip.train_bytes + clip.train_float32_bytes
    # Jobs that read tables only stay small whatever the matrix.
    assert table["claims"]["mem_mb"] <= 2000
    # Every rule of the run is listed, with its request.
    assert {"prepare_split", "build_space_train", "pca_sweep", "class_hulls"} <= set(table)


# A job of the pipeline benchmark (its benchmark file's name) -> the rule model it asks by.
RULE_OF = (
    ("spaces/", "/train", "build_space_train"),
    ("spaces/", "/test", "build_space_test"),
    ("hull/", "/gather", "hull_gather"),
    ("hull/", "-of-", "hull_shard"),
    ("findings/", "/diameter", "space_diameter"),
    ("findings/", "/stats", "space_stats"),
    ("findings/", "/figures", "space_figures"),
    ("findings/pca_sweep", "", "pca_sweep"),
    ("findings/class_hulls", "", "class_hulls"),
)


@pytest.mark.parametrize(
    "record", sorted((REPO / "benchmarks").glob("pipeline_scale.[01].*.json")), ids=lambda p: p.stem
)
def test_the_model_covers_every_peak_measured_at_scale(record):
    """The peaks of every job of the ImageNet-scale runs (benchmarks/, measured on generated
    CLIP-like features at 1/40 to 1/5 of ImageNet's size and at full size): the model's
    request holds each, and each stays within twice the float32 training matrix + 600 MiB."""
    run = json.loads(record.read_text())
    n_train, n_test, width = run["n_train"], run["n_test"], run["width"]
    sizes = {
        "clip": job_memory.SpaceSize(n_train, n_test, width, 4, 4, "features"),
        "random": job_memory.SpaceSize(n_train, min(2000, n_test), width, 4, 8, "random"),
    }
    checked = 0
    for job in run["jobs"]:
        rule = next(
            (r for a, b, r in RULE_OF if job["job"].startswith(a) and b in job["job"]), None
        )
        if rule is None:
            continue
        space = job["job"].split("/")[1]
        size = sizes.get(space, sizes["clip"])
        budget = job_memory.hull_budget(size, None, 32, run["cores"])
        asked = job_memory.request_mb(rule, size, threads=run["cores"], budget=budget)
        assert job["peak_mib"] * 2**20 / 1e6 <= asked, (job["job"], job["peak_mib"], asked)
        checked += 1
    assert checked >= 15
    assert max(j["peak_mib"] for j in run["jobs"]) <= 2 * run["train_float32_mib"] + 600
