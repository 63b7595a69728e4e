"""hullgen deployed the ways Snakemake users deploy it: a `module` of another workflow, from a
second checkout, run from anywhere (every other workflow test runs this checkout's Snakefile
with --directory too). The results must equal the normal run's, and the jobs must run the code
of the checkout whose Snakefile is used, not the one installed in .venv."""

import subprocess
import sys
from pathlib import Path

import pytest

from . import readme
from .compare_results import differences
from .conftest import SMALL_CONFIG, checkout_copy, write_config

pytestmark = pytest.mark.workflow

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return proc


def job_code_folders(work: Path) -> set[str]:
    """Where the jobs imported hullgen from (each job's log says so in its first line)."""
    folders = set()
    for log in (work / "results").rglob("logs/**/*.log"):
        for line in log.read_text().splitlines()[:3]:
            if " from " in line and "hullgen " in line:
                folders.add(line.rsplit(" from ", 1)[1].strip())
    return folders


def test_hullgen_as_a_module_of_another_workflow_run_from_elsewhere(small_run, tmp_path):
    """The README's workflow that uses hullgen through Snakemake's `module` directive, from a
    second checkout at a local path, started with --snakefile and --directory from an unrelated
    folder: its jobs import that checkout's hullgen (not .venv's editable install of this one),
    and every result equals the normal run's (small_run: this checkout's Snakefile)."""
    checkout = checkout_copy(tmp_path / "hullgen")
    work = tmp_path / "analysis"
    write_config(work, SMALL_CONFIG)
    snakefile = readme.module_snakefile()
    assert '"/path/to/hullgen/Snakefile"' in snakefile
    (work / "Snakefile").write_text(
        snakefile.replace("/path/to/hullgen/Snakefile", str(checkout / "Snakefile"))
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cmd = [SNAKEMAKE, "--snakefile", str(work / "Snakefile"), "--directory", str(work)]
    run([*cmd, "--cores", "2"], cwd=elsewhere)
    assert job_code_folders(work) == {str(checkout / "src" / "hullgen")}
    assert differences(work, small_run) == []
    assert not list(elsewhere.iterdir())  # nothing written where Snakemake was started
    dry = run([*cmd, "-n", "--cores", "2"], cwd=elsewhere)
    assert "Nothing to be done" in dry.stdout + dry.stderr
