"""The profiles: threads capped to the machine, and what SLURM would be asked for per rule."""

import os
import re
import shutil

import numpy as np
import pytest
import yaml
from threadpoolctl import threadpool_info

from hullgen import runtime

from .conftest import REPO, snakemake, write_config

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


@pytest.mark.parametrize("config", ["config.yaml", "cifar10.yaml"])
def test_slurm_profile_dry_run_lists_resources_per_rule(workdir, config):
    profile = yaml.safe_load((SLURM_PROFILE / "config.yaml").read_text())
    dry = snakemake(
        workdir,
        "-n",
        "--workflow-profile",
        str(SLURM_PROFILE),
        "--configfile",
        str(REPO / "config" / config),
        cores=profile["cores"],
        check=True,
    )
    jobs = jobs_of(dry.stdout)
    for rule, threads in profile["set-threads"].items():
        if rule in jobs:
            assert jobs[rule]["threads"] == threads, rule
    for rule, resources in profile["set-resources"].items():
        if rule in jobs:
            for key, value in resources.items():
                assert jobs[rule][key] == str(value), (rule, key)
    assert jobs["train"]["gpu"] == "1" and jobs["train"]["runtime"] == "720"
    assert int(jobs["hull_shard"]["mem_mb"]) >= 2048  # the rule's own estimate, not a default
    # Which rules stay on the submit host (localrules) is checked on a real cluster
    # (tests/test_slurm.py): a dry run does not tell.


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
    run = snakemake(tmp_path, cores=32, prefix=("taskset", "-c", "0"), check=True)
    assert "Provided cores: 32" in run.stdout + run.stderr
    log = (tmp_path / "results/digits/logs/hull/pixel/1-of-2.log").read_text()
    assert "using 1 threads, not the 4 asked for" in log
    assert (tmp_path / "results/digits/hull/pixel.parquet").exists()
