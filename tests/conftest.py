import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


def snakemake(workdir: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    """Run the repository's workflow with ``workdir`` as working directory."""
    cmd = [
        str(Path(sys.executable).with_name("snakemake")),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--cores",
        "2",
        *args,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def default_run(tmp_path_factory) -> Path:
    """One complete run of the default pipeline, shared by the tests that read it."""
    folder = tmp_path_factory.mktemp("default-run")
    (folder / "config").mkdir()
    (folder / "config" / "config.yaml").write_text((REPO / "config" / "config.yaml").read_text())
    snakemake(folder, check=True)
    return folder


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
