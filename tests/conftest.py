import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from hullgen import runtime

from .helpers import readme
from .helpers.background import BACKGROUND_RUNS, SLURM_RUN, BackgroundRuns
from .helpers.workflow import (
    DEBIAN_FASHION,
    REPO,
    SMALL_CONFIG,
    checkout_copy,
    checkout_with_venv,
    require_debian_fashion,
    write_config,
)


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


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working directory holding a copy of the default config."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text((REPO / "config" / "config.yaml").read_text())
    return tmp_path


# ---- the shared runs and the SLURM run, started early -------------------------------------
# tests/helpers/background.py builds the shared runs in this order, beside the tests that need
# none of them; tests/helpers/slurm_run.py is the SLURM test's run, mostly waiting on the SLURM
# plugin's status checks. Modules run in the order of the last of these they wait for.
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
    from .helpers.slurm_run import BackgroundSlurmRun, wanted

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
