import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml

from hullgen import runtime
from hullgen.hull.workers import warm_up

from . import readme
from .background import BackgroundRuns

REPO = readme.REPO
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


def build_default_run(runs: BackgroundRuns) -> Path:
    """One complete run of the default pipeline, shared by the tests that read it: the
    README's first command, `make run`, in a copy of the checkout."""
    folder = checkout_with_venv(runs.folder("default-run"))
    proc = runs.run(["make", "run"], folder)
    assert proc.returncode == 0, f"make run failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    return folder


def build_fashion_offline_run(runs: BackgroundRuns) -> Path:
    """The README's Fashion-MNIST example on Debian's files, as written, in a copy of the
    checkout (tests/test_readme.py checks it; the image-folder test compares with it)."""
    require_debian_fashion()
    folder = checkout_with_venv(runs.folder("fashion-offline"))
    commands = readme.readme_commands(*readme.RUN_HERE["offline example"])
    assert str(DEBIAN_FASHION) in commands[0]
    for command in commands:
        readme.shell(command, folder, run=runs.run)
    return folder


@pytest.fixture(scope="session")
def default_run(request) -> Path:
    """The finished default run (build_default_run)."""
    return request.config.stash[BACKGROUND_RUNS].result("default_run")


@pytest.fixture(scope="session")
def fashion_offline_run(request) -> Path:
    """The finished offline Fashion-MNIST example (build_fashion_offline_run)."""
    return request.config.stash[BACKGROUND_RUNS].result("fashion_offline_run")


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


@dataclass(frozen=True)
class ModuleRun:
    """A finished run of a workflow that uses hullgen as a module (the README's block)."""

    work: Path  # the user's workflow: its Snakefile (the module block), config and results
    checkout: Path  # the hullgen checkout the module block points at
    started_in: Path  # the unrelated folder Snakemake was started from


def build_small_module_run(runs: BackgroundRuns) -> ModuleRun:
    """SMALL_CONFIG run the way the README deploys hullgen inside another workflow: the
    README's `module` block pointed at a second checkout, started with --snakefile and
    --directory from an unrelated folder (tests/test_deploy.py checks what that must show).

    It is the reference of every other run of SMALL_CONFIG, which all run this checkout's
    Snakefile directly (SLURM, killed and resumed) and must equal it: so the module route
    costs no run of its own, and its results are compared with the direct route's.
    """
    base = runs.folder("small-run")
    checkout = checkout_copy(base / "hullgen")
    work = base / "analysis"
    write_config(work, SMALL_CONFIG)
    snakefile = readme.module_snakefile()
    assert '"/path/to/hullgen/Snakefile"' in snakefile
    (work / "Snakefile").write_text(
        snakefile.replace("/path/to/hullgen/Snakefile", str(checkout / "Snakefile"))
    )
    started_in = base / "elsewhere"
    started_in.mkdir()
    proc = runs.run(
        [
            *(str(Path(sys.executable).with_name("snakemake")), "--cores", "2"),
            *("--snakefile", str(work / "Snakefile"), "--directory", str(work)),
        ],
        started_in,
    )
    assert proc.returncode == 0, f"small run failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-8000:]}"
    return ModuleRun(work, checkout, started_in)


@pytest.fixture(scope="session")
def small_module_run(request) -> ModuleRun:
    """The finished small module run (build_small_module_run)."""
    return request.config.stash[BACKGROUND_RUNS].result("small_module_run")


@pytest.fixture(scope="session")
def small_run(small_module_run) -> Path:
    """The finished run of SMALL_CONFIG (its folder); copy it before changing anything in it.
    Its Snakefile is the module block: a copy reruns through the same route."""
    return small_module_run.work


def pool_loop_hands_back(monkeypatch) -> None:
    """Make the solver's compiled pool loop hand every query straight back, as it does when
    its Wolfe solve fails: the Python loop (the reference path, and the fallback) does all
    the work, through :mod:`hullgen.hull.qp`, where a test can make solvers fail."""
    from hullgen.hull import pool

    def hand_back(x, work, weights, rows, gram, *rest):
        return pool.HAND_BACK, 0, work, weights, rows, gram, np.zeros(len(x)), -1.0

    monkeypatch.setattr(pool, "pool_rounds", hand_back)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working directory holding a copy of the default config."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text((REPO / "config" / "config.yaml").read_text())
    return tmp_path


def require_debian_fashion() -> None:
    """Skip without Debian's dataset-fashion-mnist, except in CI where it must be there."""
    if not DEBIAN_FASHION.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{DEBIAN_FASHION} missing: .ci/run installs dataset-fashion-mnist")
        pytest.skip("apt-get install dataset-fashion-mnist to run this test")


# ---- the shared runs and the SLURM run, started early -------------------------------------
# tests/background.py builds the shared runs in this order, beside the tests that need none of
# them; tests/slurm_run.py is the SLURM test's run, mostly waiting on the SLURM plugin's status
# checks. Modules run in the order of the last of these they wait for.
BACKGROUND_RUNS = pytest.StashKey()
SLURM_RUN = pytest.StashKey()
BUILDS = {
    "small_module_run": build_small_module_run,
    "default_run": build_default_run,
    "fashion_offline_run": build_fashion_offline_run,
}
WAITS_ON = (*BUILDS, "slurm_run")


def waits_on(item) -> int:
    """1 + the position in WAITS_ON of the last run ``item`` waits for; 0 for none."""
    return max((WAITS_ON.index(f) + 1 for f in item.fixturenames if f in WAITS_ON), default=0)


def pytest_collection_modifyitems(items):
    # Whole modules move (their module-scoped fixtures are set up once); the sort is stable,
    # so modules keep their file order among those that wait for the same run.
    module_waits = {}
    for item in items:
        module_waits[item.path] = max(module_waits.get(item.path, 0), waits_on(item))
    items.sort(key=lambda item: module_waits[item.path])


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_collection_finish(session):
    from .slurm_run import BackgroundSlurmRun, wanted

    if session.config.option.collectonly:
        return
    wanted_builds = [name for name in BUILDS if any(name in i.fixturenames for i in session.items)]
    if wanted_builds:
        # This process's tests run beside the builds' jobs, so it keeps to one thread: OpenMP
        # and BLAS threads spin while they wait for each other, and on a busy machine they
        # wait long (seen on 2 cores: an MLP test of 9 s alone took minutes beside a run).
        runtime.limit_threads(1)
    session.config.stash[BACKGROUND_RUNS] = BackgroundRuns(BUILDS).start(wanted_builds)
    if wanted(session.items):
        session.config.stash[SLURM_RUN] = BackgroundSlurmRun().start()
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        # Ended by SIGTERM (kill, a CI time limit), the test run ends as on Ctrl-C: through
        # pytest_sessionfinish, which stops the runs (in process groups of their own, they
        # would outlive it otherwise).
        signal.signal(signal.SIGTERM, _interrupt)


def pytest_sessionfinish(session):
    for key in (SLURM_RUN, BACKGROUND_RUNS):
        run = session.config.stash.get(key, None)
        if run is not None:
            run.stop()
