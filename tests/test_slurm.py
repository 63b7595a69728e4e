"""The default pipeline (every stage, shrunk) through a real one-node SLURM cluster.

The cluster is Debian's slurm-wlm with munge, started and stopped by
tests/helpers/slurm_cluster.py; the run starts in the background when the test run has
collected this test (tests/helpers/slurm_run.py) and this test waits for it. Jobs are
submitted by snakemake-executor-plugin-slurm with the repository's SLURM profile; the test
changes only what this cluster needs (its partition, no account, no GPU, squeue as the
status command since there is no accounting database) and compares every result with the
local run of the same config (the small_module_run fixture).
"""

import os

import pytest

from .helpers.background import SLURM_RUN
from .helpers.compare_results import differences

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def slurm_run(request):
    """The background run conftest started when it collected this test."""
    run = request.config.stash[SLURM_RUN]
    if run.missing:
        message = "no SLURM cluster possible here: " + "; ".join(run.missing)
        if os.environ.get("CI"):
            pytest.fail(message + " (.ci/run installs slurm-wlm and munge)")
        pytest.skip(message)
    yield run.wait()
    alive = run.stop()
    assert not alive, f"still running after stop: {alive}"


def test_the_pipeline_on_slurm_equals_the_local_run(slurm_run, small_run):
    run = slurm_run
    if run.error is not None:
        raise run.error
    assert run.returncode == 0, (
        f"exit {run.returncode}\n{run.stdout[-5000:]}\n{run.stderr[-8000:]}\n{run.cluster_logs}"
    )
    assert run.cancelled, "the training job was never seen running"

    # Heavy rules ran as SLURM jobs, figure rules on the submit host.
    work = run.work
    slurm_logs = work / ".snakemake" / "slurm_logs"
    submitted = {p.name for p in slurm_logs.glob("rule_*")}
    heavy = {"rule_train", "rule_hull_shard", "rule_embed_space", "rule_build_space_train"}
    assert heavy <= submitted
    assert not {"rule_space_figures", "rule_claims", "rule_hull_gather"} & submitted
    assert "localrule space_figures" in run.stderr
    train_jobs = sorted(p.stem for p in (slurm_logs / "rule_train").rglob("*.log"))
    assert run.cancelled in train_jobs and len(train_jobs) == 2, train_jobs

    assert differences(work, small_run) == []
