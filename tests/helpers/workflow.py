"""Running the workflow in tests: the repository's paths, a checkout's copy, snakemake in a
working directory, configs, and the dry run's job counts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hullgen.hull.workers import warm_up

from .readme import REPO

__all__ = ["REPO"]  # the checkout: tests import it from here

SCHEMA = REPO / "src" / "hullgen" / "config.schema.yaml"
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


def snakemake(
    workdir: Path, *args: str, check: bool = False, cores: int = 2, prefix: tuple = ()
) -> subprocess.CompletedProcess:
    """Run the repository's workflow with ``workdir`` as working directory (the workflow of
    ``workdir`` itself when it is a checkout, as the default run is).

    ``prefix`` runs it under another command (``taskset``, ``timeout``).
    """
    snakefile = workdir / "Snakefile" if (workdir / "Snakefile").is_file() else REPO / "Snakefile"
    cmd = [
        *prefix,
        str(Path(sys.executable).with_name("snakemake")),
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        "--cores",
        str(cores),
        *args,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def checkout_copy(folder: Path) -> Path:
    """A second checkout: the files git has or would add here (no .venv, no results)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    # The hull solver's compiled code, as `make` leaves it next to the source (numba checks
    # the source's size and mtime, which copy2 keeps): each copy would compile it again.
    warm_up()
    for cached in (REPO / "src").rglob("__pycache__/*.nb[ic]"):
        target = folder / cached.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(cached, target)
    return folder


def checkout_with_venv(folder: Path) -> Path:
    """A checkout copy whose .venv is this one's, so the README's commands run as written."""
    checkout_copy(folder)
    stale = subprocess.run(["make", "-q", ".venv/.installed"], cwd=REPO, capture_output=True)
    if stale.returncode != 0:  # make would rebuild the shared .venv from the copy
        pytest.fail(".venv is older than pyproject.toml or constraints.txt: run make first")
    (folder / ".venv").symlink_to(REPO / ".venv")
    return folder


# The findings drawn across spaces (the PCA sweep and the per-class hulls on), the claims and
# the run's target: one job each when the data of every space changes.
CROSS_SPACE_FINDINGS = {
    "shape_figure": 1,
    "random_vs_real": 1,
    "random_vs_real_figure": 1,
    "pca_sweep": 1,
    "pca_sweep_figure": 1,
    "class_hulls": 1,
    "class_hulls_figure": 1,
    "claims": 1,
    "all": 1,
}


def job_counts(stdout: str) -> dict:
    """The 'Job stats' table of a dry run, as {rule: count} (empty when nothing is to do)."""
    lines = stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("job ")]
    if not starts:
        return {}
    counts = {}
    for line in lines[starts[0] + 2 :]:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        counts[parts[0]] = int(parts[1])
    return counts


# Every stage of the default pipeline but the model studies (they do not depend on the dataset;
# the default run has them), shrunk to run in about a minute: the base of the
# incremental-rerun, fault, deployment and SLURM tests.
SMALL_CONFIG = {
    "subset": {"n_train": 300, "n_test": 60},
    "spaces": [
        {"name": "pixel", "kind": "pixel"},
        {"name": "haar", "kind": "wavelet", "wavelet": "haar", "level": 1, "select": "all"},
        {"name": "pooled", "kind": "embedding", "layer": "pooled"},
    ],
    "hull": {"shards": 2},
    "train": {"depth": 8, "epochs": 2, "device": "cpu"},
    "experiments": {"legendre": {"enabled": False}, "mlp": {"enabled": False}},
    # The PCA sweep and the per-class hulls are covered by the default run.
    "findings": {"pca_space": None, "class_hull_space": None},
}


def write_config(folder: Path, cfg: dict) -> Path:
    (folder / "config").mkdir(parents=True, exist_ok=True)
    path = folder / "config" / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def require_debian_fashion() -> None:
    """Skip without Debian's dataset-fashion-mnist, except in CI where it must be there."""
    if not DEBIAN_FASHION.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{DEBIAN_FASHION} missing: .ci/run installs dataset-fashion-mnist")
        pytest.skip("apt-get install dataset-fashion-mnist to run this test")
