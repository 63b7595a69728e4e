"""The profiles: threads capped to the machine, and what SLURM would be asked for per rule."""

import os
import re
import shutil

import numpy as np
import pytest
import yaml
from threadpoolctl import threadpool_info

from hullgen import runtime

from .helpers.workflow import REPO, snakemake, write_config

SLURM_PROFILE = REPO / "profiles" / "slurm"


def test_limit_threads_caps_at_the_usable_cpus(monkeypatch, caplog):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    for name in runtime.THREAD_VARIABLES:
        monkeypatch.setenv(name, "32")
    assert runtime.limit_threads(32, runtime.logging.getLogger("t")) == 2
    assert "not the 32 asked for" in caplog.text
    assert all(os.environ[name] == "2" for name in runtime.THREAD_VARIABLES)
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] <= 2 for pool in blas)
    np.ones((4, 4)) @ np.ones((4, 4))  # BLAS still works
    assert runtime.limit_threads(1) == 1


def jobs_of(stdout: str) -> dict[str, dict]:
    """Each rule's first job of a dry run: {rule: {"threads": n, **resources}}."""
    jobs = {}
    for block in re.split(r"\n(?=\[[^\n]*\]\n(?:local)?rule )", stdout):
        head = re.search(r"^(local)?rule (\w+):", block, re.M)
        if not head or head.group(2) in jobs:
            continue
        threads = re.search(r"^\s+threads: (\d+)", block, re.M)
        resources = re.search(r"^\s+resources: (.*)$", block, re.M)
        fields = dict(
            item.split("=", 1) for item in (resources.group(1).split(", ") if resources else [])
        )
        jobs[head.group(2)] = {
            "threads": int(threads.group(1)) if threads else 1,
            **fields,
        }
    return jobs


def slurm_dry_run(workdir, config: str, attempt: int) -> dict[str, dict]:
    profile = yaml.safe_load((SLURM_PROFILE / "config.yaml").read_text())
    dry = snakemake(
        workdir,
        "-n",
        "--attempt",
        str(attempt),
        "--workflow-profile",
        str(SLURM_PROFILE),
        "--configfile",
        str(REPO / "config" / config),
        cores=profile["cores"],
        check=True,
    )
    return jobs_of(dry.stdout)


# What each shipped config must ask SLURM for: a GPU for the network's jobs exactly when the
# config trains on CUDA, never for the hull shards (hull.device: cpu in every shipped config).
GPU_JOBS = {"config.yaml": set(), "cifar10.yaml": {"train", "embed_space"}}


@pytest.mark.parametrize("config", sorted(GPU_JOBS))
def test_slurm_profile_asks_for_gpus_per_config_and_more_time_on_retry(workdir, config):
    profile = yaml.safe_load((SLURM_PROFILE / "config.yaml").read_text())
    first, second = (slurm_dry_run(workdir, config, attempt) for attempt in (1, 2))
    assert {"train", "embed_space", "hull_shard"} <= set(first)
    for rule, threads in profile["set-threads"].items():
        if rule in first:
            assert first[rule]["threads"] == threads, rule
    for rule, resources in profile["set-resources"].items():
        if rule not in first:
            continue
        minutes = int(resources["runtime"].split("*")[0])  # "720 * attempt"
        assert first[rule]["runtime"] == str(minutes), rule
        assert second[rule]["runtime"] == str(2 * minutes), rule
    asking = {rule for rule, job in first.items() if job.get("gpu", "0") != "0"}
    assert asking == GPU_JOBS[config]
    assert int(first["hull_shard"]["mem_mb"]) >= 2048  # the rule's own estimate, not a default
    assert int(second["hull_shard"]["mem_mb"]) == 2 * int(first["hull_shard"]["mem_mb"])
    # Which rules stay on the submit host (localrules) is checked on a real cluster
    # (tests/test_slurm.py): a dry run does not tell.


def test_rules_state_their_threads_and_the_default_profile_keeps_them(workdir):
    """Thread counts live in the rules; the workstation profile does not override them."""
    profile = yaml.safe_load((REPO / "profiles" / "default" / "config.yaml").read_text())
    assert "set-threads" not in profile
    jobs = jobs_of(snakemake(workdir, "-n", cores=64, check=True).stdout)
    # The MLP study at its defaults is small enough for one thread (config/studies.yaml: 4).
    expected = {
        "train": 8, "embed_space": 4, "hull_shard": 4, "mlp_study": 1, "pca_sweep": 2,
        "class_hulls": 2,
    }  # fmt: skip
    assert {rule: jobs[rule]["threads"] for rule in expected} == expected
    assert jobs["build_space_train"]["threads"] == jobs["build_space_test"]["threads"] == 1
    studies = ("--configfile", str(REPO / "config" / "studies.yaml"))
    jobs = jobs_of(snakemake(workdir, "-n", *studies, cores=64, check=True).stdout)
    assert jobs["mlp_study"]["threads"] == 4


def test_many_cores_on_a_small_machine_caps_threads(tmp_path):
    """--cores 32 with one CPU usable: jobs run, and each uses one thread, not four."""
    if shutil.which("taskset") is None:
        pytest.skip("taskset (util-linux) is needed to narrow the CPUs")
    cfg = {
        "spaces": [{"name": "pixel", "kind": "pixel"}],
        "subset": {"n_train": 300, "n_test": 40},
        "train": {"enabled": False},
        "experiments": {"legendre": {"enabled": False}, "mlp": {"enabled": False}},
        "findings": {"enabled": False},
    }
    write_config(tmp_path, cfg)
    # A shard this small asks for one thread: make it ask for four.
    run = snakemake(
        tmp_path,
        "--set-threads",
        "hull_shard=4",
        cores=32,
        prefix=("taskset", "-c", "0"),
        check=True,
    )
    assert "Provided cores: 32" in run.stdout + run.stderr
    log = (tmp_path / "results/digits/logs/hull/pixel/1-of-2.log").read_text()
    assert "using 1 threads, not the 4 asked for" in log
    assert (tmp_path / "results/digits/hull/pixel.parquet").exists()


@pytest.mark.workflow
def test_a_small_run_asks_for_one_thread_to_train_and_per_hull_shard(small_run, tmp_path):
    """With its data written and small (the small test config: 300 training images for 2
    epochs, 30 test points a shard), training and each hull shard ask for one thread."""
    folder = tmp_path / "run"
    shutil.copytree(small_run, folder, symlinks=True)
    dry = snakemake(folder, "-n", "--forcerun", "train", "hull_shard", cores=64, check=True)
    jobs = jobs_of(dry.stdout)
    assert jobs["train"]["threads"] == jobs["hull_shard"]["threads"] == 1


@pytest.mark.workflow
def test_the_default_run_asks_for_one_thread_to_embed_and_per_derived_hull(default_run, tmp_path):
    """With its data written and small (digits: 1,797 images; 300 test points used against
    1,437 training rows in 64 dimensions), embedding a space, the PCA sweep and the per-class
    hulls each ask for one thread."""
    folder = tmp_path / "run"
    shutil.copytree(default_run, folder, symlinks=True)
    rules = ("embed_space", "pca_sweep", "class_hulls")
    dry = snakemake(folder, "-n", "--forcerun", *rules, cores=64, check=True)
    jobs = jobs_of(dry.stdout)
    assert {rule: jobs[rule]["threads"] for rule in rules} == dict.fromkeys(rules, 1)


def test_a_large_hull_shard_asks_for_four_threads(tmp_path):
    """A shard of 2,000 test points against 2,000 training rows in 300 dimensions (1.2e9
    multiply-adds a pass) asks for the rule's four, before and after its space is written;
    the PCA sweep and the per-class hulls on all 2,000 test points ask for their two."""
    rows = 2000
    rng = np.random.default_rng(0)
    (tmp_path / "arrays").mkdir()
    for split in ("train", "test"):
        np.save(tmp_path / "arrays" / f"{split}.npy", rng.normal(size=(rows, 300)))
        np.save(tmp_path / "arrays" / f"{split}_labels.npy", np.arange(rows) % 2)
    cfg = {
        "dataset": {
            "kind": "arrays",
            "name": "rows",
            **{key: f"arrays/{key}.npy" for key in ("train", "test")},
            **{f"{key}_labels": f"arrays/{key}_labels.npy" for key in ("train", "test")},
        },
        "spaces": [{"name": "features", "kind": "features"}],
        "hull": {"shards": 1},
        "train": {"enabled": False},
        "experiments": {"legendre": {"enabled": False}, "mlp": {"enabled": False}},
        "findings": {"max_test": rows, "pca_space": "features", "class_hull_space": "features"},
    }
    write_config(tmp_path, cfg)
    expected = {"hull_shard": 4, "pca_sweep": 2, "class_hulls": 2}
    fresh = jobs_of(snakemake(tmp_path, "-n", cores=64, check=True).stdout)
    assert {rule: fresh[rule]["threads"] for rule in expected} == expected
    space = "results/rows/spaces/features"
    snakemake(tmp_path, f"{space}/train.npy", f"{space}/test.npy", check=True)
    jobs = jobs_of(snakemake(tmp_path, "-n", cores=64, check=True).stdout)
    assert {rule: jobs[rule]["threads"] for rule in expected} == expected
