"""hullgen deployed the ways Snakemake users deploy it: a `module` of another workflow, from a
second checkout, run from anywhere (every other workflow test runs this checkout's Snakefile
with --directory too).

The run itself is the test run's small run (conftest.small_module_run), the reference of the
direct runs of the same config: tests/test_faults.py and tests/test_slurm.py require their
results to equal it. Here: the jobs ran the code of the checkout whose Snakefile is used, not
the one installed in .venv, nothing landed where Snakemake was started, and the run is then
up to date.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from .helpers.workflow import REPO

pytestmark = pytest.mark.workflow

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def job_code_folders(work: Path) -> set[str]:
    """Where the jobs imported hullgen from (each job's log says so in its first line)."""
    folders = set()
    for log in (work / "results").rglob("logs/**/*.log"):
        for line in log.read_text().splitlines()[:3]:
            if " from " in line and "hullgen " in line:
                folders.add(line.rsplit(" from ", 1)[1].strip())
    return folders


def test_hullgen_as_a_module_of_another_workflow_run_from_elsewhere(small_module_run):
    """The README's workflow that uses hullgen through Snakemake's `module` directive, from a
    second checkout at a local path, started with --snakefile and --directory from an unrelated
    folder: its jobs import that checkout's hullgen, not .venv's editable install of this one."""
    run = small_module_run
    assert run.checkout != REPO
    assert job_code_folders(run.work) == {str(run.checkout / "src" / "hullgen")}
    logs = list((run.work / "results").rglob("logs/**/*.log"))
    assert len(logs) > 20, "the small run logs every job"
    assert not list(run.started_in.iterdir())  # nothing written where Snakemake was started
    cmd = [SNAKEMAKE, "--snakefile", str(run.work / "Snakefile"), "--directory", str(run.work)]
    dry = subprocess.run(
        [*cmd, "-n", "--cores", "2"], cwd=run.started_in, capture_output=True, text=True
    )
    assert dry.returncode == 0, dry.stderr[-4000:]
    assert "Nothing to be done" in dry.stdout + dry.stderr
