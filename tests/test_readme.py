"""Every command the README and the docs show runs here as written, in a copy of the checkout
with this .venv, or says what a test machine lacks (a trailing ``# needs ...``)."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from .helpers import readme
from .helpers.readme import RUN_HERE, readme_commands, shell
from .helpers.workflow import REPO, checkout_with_venv

pytestmark = pytest.mark.workflow


# Not run by a test but by CI itself.
RUN_BY_CI = {"make test": REPO / ".ci" / "run"}


def test_every_command_runs_here_or_says_what_it_needs():
    commands = readme.all_commands()
    assert len(commands) >= 10
    for command in commands:
        if command.needs:
            assert len(command.needs.split()) >= 2, command  # "needs <something>"
            continue
        runs = [
            name
            for name, fragments in RUN_HERE.items()
            if all(f in command.text for f in fragments)
        ]
        ci = [name for name in RUN_BY_CI if command.text.startswith(name)]
        assert runs or ci, (
            f"README command neither run by a test nor marked '# needs ...':\n{command.text}"
        )
    for name, script in RUN_BY_CI.items():
        assert script.read_text().strip().endswith(name)


NEEDS_SNAKEMAKE = [
    c.text for c in readme.all_commands() if c.needs and c.text.startswith(".venv/bin/snakemake ")
]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    return checkout_with_venv(tmp_path_factory.mktemp("readme-checkout"))


@pytest.mark.parametrize("command", NEEDS_SNAKEMAKE, ids=lambda c: c.split("#")[0].strip())
def test_commands_that_need_more_than_this_machine_dry_run_as_written(command, checkout):
    """What a test machine lacks (internet, a GPU, a cluster, time) stops the real run, not
    the command: its dry run, as written, plans the jobs."""
    dry = shell(f"{command.split('#')[0].strip()} -n", checkout)
    assert "Job stats" in dry.stdout + dry.stderr, dry.stdout[-2000:]


def test_make_docs_builds_the_site(checkout):
    """The docs site builds with --strict from a checkout (make test builds it too)."""
    (command,) = readme_commands(*RUN_HERE["docs"])
    shell(command, checkout)
    assert (checkout / "site" / "index.html").is_file()
    assert "HullDistance" in (checkout / "site" / "api" / "index.html").read_text()


def test_make_run_then_nothing_to_do(default_run):
    """The default run is `make run` in a checkout copy (conftest); the second finds nothing."""
    (command,) = readme_commands(*RUN_HERE["make run"])
    assert command.split("#")[0].strip() == "make run"
    proc = shell(command, default_run)
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_slurm_dry_run_of_the_mnist_config(default_run):
    (command,) = readme_commands(*RUN_HERE["slurm dry run"])
    out = shell(command, default_run).stdout
    train = out[out.index("rule train:") :].split("\n\n")[0]
    assert "gpu=1" in train and "runtime=720" in train and "threads: 8" in train
    assert "fetch_raw_file" in out and not (default_run / "resources" / "mnist").exists()


def test_report(default_run):
    """Both forms of the report, in the README's order (the zip, unpacked, then the HTML)."""
    for command in readme_commands(*RUN_HERE["report"]):
        shell(command, default_run)
    assert (default_run / "report" / "report.html").is_file()  # unpacked from report.zip
    html = default_run / "results" / "report.html"
    assert html.stat().st_size > 100_000


def test_hull_command_line_and_python_api(default_run, tmp_path):
    """TRAIN.npy and TEST.npy are the default run's pixel space: the command line and the
    README's Python example give the pipeline's distances, and the diameter its record."""
    space = default_run / "results/digits/spaces/pixel"
    shutil.copy(space / "train.npy", tmp_path / "TRAIN.npy")
    shutil.copy(space / "test.npy", tmp_path / "TEST.npy")
    (tmp_path / ".venv").symlink_to(REPO / ".venv")
    out = "".join(
        shell(c, tmp_path).stdout for c in readme_commands(*RUN_HERE["hull command line"])
    )
    pipeline = pd.read_parquet(default_run / "results/digits/hull/pixel.parquet")
    table = pd.read_parquet(tmp_path / "OUT.parquet")
    np.testing.assert_allclose(table["distance"], pipeline["distance"], rtol=1e-9, atol=1e-9)
    assert (tmp_path / "S.parquet").exists() and np.load(tmp_path / "P.npy").shape[0] == len(table)
    diameter = json.loads((default_run / "results/digits/findings/pixel/diameter.json").read_text())
    assert f"diameter {diameter['diameter']!r}" in out

    (snippet,) = [b for b in readme.blocks("python") if "HullDistance" in b]
    scope = {"train": np.load(tmp_path / "TRAIN.npy"), "test": np.load(tmp_path / "TEST.npy")}
    exec(snippet, scope)
    np.testing.assert_allclose(scope["result"].distance, pipeline["distance"], rtol=1e-9, atol=1e-9)
    assert scope["weights"].sum() == pytest.approx(1.0)


def test_the_offline_fashion_example(fashion_offline_run):
    """The README's Fashion-MNIST example on Debian's files, as written, on a machine without a
    GPU (run by the conftest fixture): the stratified subset, every space, the claims table,
    and training's log."""
    folder = fashion_offline_run
    results = folder / "results" / "fashion-mnist"
    info = json.loads((results / "data" / "info.json").read_text())
    assert info["class_counts_train"] == [50] * 10 and info["class_counts_test"] == [10] * 10
    log = (results / "logs" / "fetch" / "train-images-idx3-ubyte.gz.log").read_text()
    assert "debian:dataset-fashion-mnist" in log
    spaces = yaml.safe_load((REPO / "config" / "fashion-mnist.yaml").read_text())["spaces"]
    for space in spaces:
        assert np.load(results / "spaces" / space["name"] / "test.npy").shape[0] == 100
    # 28 x 28 images are padded to 32 x 32: the pre-pool map is 64 x 8 x 8.
    assert np.load(results / "spaces" / "prepool" / "train.npy").shape == (500, 4096)
    # haar and db4 (all coefficients, periodization, 28 = 4 x 7) are orthonormal: no hull job.
    for space in spaces:
        own = results / "hull" / f"{space['name']}.parquet"
        assert own.exists() is (space["name"] not in {"haar", "db4"}), space["name"]
        if own.exists():
            hull = pd.read_parquet(own)
            # Every point decided: none left not_converged.
            assert len(hull) == 100 and set(hull["status"]) <= {"certified", "separated", "inside"}
    claims = pd.read_csv(results / "claims.csv", keep_default_na=False)
    assert claims.set_index("id").loc["pixel-outside", "holds"] == "yes"
    assert (results / "logs" / "train.log").read_text().strip()
