"""The default pipeline (every stage, shrunk) through a real one-node SLURM cluster.

The cluster is Debian's slurm-wlm with munge, started and stopped by tests/slurm_cluster.py.
Jobs are submitted by snakemake-executor-plugin-slurm with the repository's SLURM profile;
the test changes only what this cluster needs (its partition, no account, no GPU, squeue as
the status command since there is no accounting database) and compares every result with the
local run of the same config (conftest.small_module_run).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .compare_results import differences
from .conftest import REPO, SMALL_CONFIG, write_config
from .slurm_cluster import SlurmCluster, missing_requirements

pytestmark = pytest.mark.workflow

# The plugin waits this long for its status checks; the test must never hang (see the README).
TIMEOUT_S = 900


@pytest.fixture(scope="module")
def cluster():
    missing = missing_requirements()
    if missing:
        message = "no SLURM cluster possible here: " + "; ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + " (.ci/run installs slurm-wlm and munge)")
        pytest.skip(message)
    cluster = SlurmCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        assert not cluster.alive(), f"still running after stop: {cluster.alive()}"


def slurm_profile(cluster: SlurmCluster, folder: Path) -> Path:
    """profiles/slurm, pointed at the test cluster."""
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    profile["default-resources"]["slurm_partition"] = cluster.partition
    # No GPU is asked for: SMALL_CONFIG trains on the CPU (train.device decides, not the profile).
    profile.update(
        {
            # No accounting database: sacct fails, and the plugin would wait forever.
            "slurm-status-command": "squeue",
            "slurm-no-account": True,
            "slurm-init-seconds-before-status-checks": 2,
            "slurm-keep-successful-logs": True,
            # Threads become --cpus-per-task: more than the node has would pend forever.
            "cores": cluster.cpus,
        }
    )
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(profile))
    return folder


def cancel_once(cluster: SlurmCluster, rule: str, proc: subprocess.Popen) -> str | None:
    """scancel the first running SLURM job of ``rule`` (as a node failure would end it)."""
    deadline = time.monotonic() + TIMEOUT_S
    while proc.poll() is None and time.monotonic() < deadline:
        queue = cluster.run("squeue", "-h", "-o", "%i|%k|%T", check=False).stdout
        for line in queue.splitlines():
            job, comment, state = line.split("|")
            if comment.startswith(f"rule_{rule}_") and state == "RUNNING":
                time.sleep(1.0)  # let it get going
                cluster.run("scancel", job)
                return job
        time.sleep(0.2)
    return None


def test_the_pipeline_on_slurm_equals_the_local_run(cluster, small_run, tmp_path):
    work = tmp_path / "slurm-run"
    write_config(work, SMALL_CONFIG)
    profile = slurm_profile(cluster, tmp_path / "profile")
    cmd = [
        *("timeout", "-k", "10", str(TIMEOUT_S)),
        str(Path(sys.executable).with_name("snakemake")),
        *("--snakefile", str(REPO / "Snakefile"), "--directory", str(work)),
        *("--workflow-profile", str(profile)),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=work, env=cluster.env
    )
    # A job that fails once is resubmitted (retries: 1 in the profile) and the run completes.
    cancelled = cancel_once(cluster, "train", proc)
    stdout, stderr = proc.communicate(timeout=TIMEOUT_S + 30)
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\n{stdout[-5000:]}\n{stderr[-8000:]}\n{cluster.logs()}"
    )
    assert cancelled, "the training job was never seen running"

    # Heavy rules ran as SLURM jobs, figure rules on the submit host.
    slurm_logs = work / ".snakemake" / "slurm_logs"
    submitted = {p.name for p in slurm_logs.glob("rule_*")}
    assert {"rule_train", "rule_hull_shard", "rule_embed_space", "rule_build_space"} <= submitted
    assert not {"rule_space_figures", "rule_claims", "rule_hull_gather"} & submitted
    assert "localrule space_figures" in stderr
    train_jobs = sorted(p.stem for p in (slurm_logs / "rule_train").rglob("*.log"))
    assert cancelled in train_jobs and len(train_jobs) == 2, train_jobs

    assert differences(work, small_run) == []
