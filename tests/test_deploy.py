"""hullgen deployed the ways Snakemake users deploy it: a checkout run from anywhere, and a
`module` of another workflow. Each run's results must equal the normal run's, and its jobs
must run the code of the checkout whose Snakefile is used, not the one installed in .venv."""

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


def test_a_second_checkout_run_from_elsewhere_runs_its_own_code(small_run, tmp_path):
    """--snakefile and --directory from an unrelated working directory: the jobs import the
    second checkout's hullgen (not .venv's editable one), and the results equal the normal run's."""
    checkout = checkout_copy(tmp_path / "checkout")
    work = tmp_path / "work"
    write_config(work, SMALL_CONFIG)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cmd = [SNAKEMAKE, "--snakefile", str(checkout / "Snakefile"), "--directory", str(work)]
    run([*cmd, "--cores", "2"], cwd=elsewhere)
    assert job_code_folders(work) == {str(checkout / "src" / "hullgen")}
    assert differences(work, small_run) == []
    assert not list(elsewhere.iterdir())  # nothing written where Snakemake was started
    assert "Nothing to be done" in run([*cmd, "-n", "--cores", "2"], cwd=elsewhere).stdout


def test_hullgen_as_a_module_of_another_workflow(small_run, tmp_path):
    """The README's workflow that uses hullgen through Snakemake's `module` directive from a
    local path: same results as the normal run, hullgen's code from that path."""
    checkout = checkout_copy(tmp_path / "hullgen")
    work = tmp_path / "analysis"
    write_config(work, SMALL_CONFIG)
    snakefile = readme.module_snakefile()
    assert '"/path/to/hullgen/Snakefile"' in snakefile
    (work / "Snakefile").write_text(
        snakefile.replace("/path/to/hullgen/Snakefile", str(checkout / "Snakefile"))
    )
    run([SNAKEMAKE, "--cores", "2"], cwd=work)
    assert job_code_folders(work) == {str(checkout / "src" / "hullgen")}
    assert differences(work, small_run) == []
