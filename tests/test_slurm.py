"""The default pipeline (every stage, shrunk) through a real one-node SLURM cluster.

The cluster is Debian's slurm-wlm with munge, started and stopped by tests/slurm_cluster.py.
Jobs are submitted by snakemake-executor-plugin-slurm with the repository's SLURM profile;
the test changes only what this cluster needs (its partition, no account, no GPU, squeue as
the status command since there is no accounting database) and compares every result with the
local run of the same config.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

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


def without_timings(record):
    """A JSON record without its wall-clock times (the one thing two runs may differ in)."""
    if isinstance(record, dict):
        return {k: without_timings(v) for k, v in record.items() if "seconds" not in k}
    if isinstance(record, list):
        return [without_timings(v) for v in record]
    return record


def slurm_profile(cluster: SlurmCluster, folder: Path) -> Path:
    """profiles/slurm, pointed at the test cluster."""
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    profile["default-resources"]["slurm_partition"] = cluster.partition
    for rule in ("train", "embed_space"):
        profile["set-resources"][rule]["gpu"] = 0  # the test node has none
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
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work, env=cluster.env)
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\n{proc.stdout[-5000:]}\n{proc.stderr[-8000:]}\n{cluster.logs()}"
    )

    # Heavy rules ran as SLURM jobs, figure rules on the submit host.
    slurm_logs = work / ".snakemake" / "slurm_logs"
    submitted = {p.name for p in slurm_logs.glob("rule_*")}
    assert {"rule_train", "rule_hull_shard", "rule_embed_space", "rule_build_space"} <= submitted
    assert not {"rule_space_figures", "rule_claims", "rule_hull_gather"} & submitted
    assert "localrule space_figures" in proc.stderr

    local, remote = small_run / "results", work / "results"
    for array in sorted(local.rglob("*.npy")):
        rel = array.relative_to(local)
        np.testing.assert_array_equal(np.load(remote / rel), np.load(array), err_msg=str(rel))
    for table in sorted(local.rglob("*.parquet")):
        rel = table.relative_to(local)
        pd.testing.assert_frame_equal(pd.read_parquet(remote / rel), pd.read_parquet(table))
    for record in sorted(local.rglob("*.json")):
        rel = record.relative_to(local)
        ours, theirs = (json.loads(p.read_text()) for p in (remote / rel, record))
        assert without_timings(ours) == without_timings(theirs), rel
    assert (remote / "digits/claims.csv").read_text() == (local / "digits/claims.csv").read_text()
