"""Incremental reruns: change one thing in a finished run; only what depends on it reruns.

Each test copies the finished small run (every stage but the model studies, shrunk; a workflow
that uses hullgen through the README's module block, so the copy reruns that way), changes
one config value or touches one stage's package code, then checks Snakemake's dry run (which
jobs, and why) and, after the real run, which outputs were rewritten (by mtime).
"""

import copy
import os
import shutil
from pathlib import Path

import pytest

from .helpers.reruns import matching, result_mtimes, rewritten
from .helpers.workflow import SMALL_CONFIG, job_counts, snakemake, write_config

pytestmark = pytest.mark.workflow

SPACES = [space["name"] for space in SMALL_CONFIG["spaces"]]
SHARDS = SMALL_CONFIG["hull"]["shards"]


def reasons(stdout: str, rule: str) -> set[str]:
    """The 'reason:' lines of every dry-run job of ``rule``."""
    found, current = set(), None
    for line in stdout.splitlines():
        stripped = line.strip()
        if stripped.startswith(("rule ", "localrule ")):
            current = stripped.split()[1].rstrip(":")
        elif stripped.startswith("reason:") and current == rule:
            found.add(stripped.removeprefix("reason:").strip())
    return found


def space_outputs(space: str) -> list[str]:
    return [
        f"results/digits/spaces/{space}/*",
        f"results/digits/hull/{space}.*",
        f"results/digits/hull/{space}/*",
        f"results/digits/findings/{space}/*",
    ]


FIGURES = ["*.png", "*.pdf"]
CLAIMS = ["results/digits/claims.*"]
# The shape diagram draws every space's distances.
SHAPE = ["results/digits/findings/shape.*"]
# haar (all coefficients, periodization) is an orthonormal transform of the pixels: it reads
# the pixel space's hull and size, and has none of its own.
SOLVED = [space for space in SPACES if space != "haar"]


@pytest.fixture
def run(small_run, tmp_path) -> Path:
    """A private copy of the finished small run (mtimes kept, Snakemake's records too)."""
    folder = tmp_path / "run"
    shutil.copytree(small_run, folder, symlinks=True)
    assert job_counts(snakemake(folder, "-n", check=True).stdout) == {}
    return folder


def change(run: Path, edit) -> tuple[dict, str]:
    """Apply ``edit`` to the run's config; return the dry run's job counts and its output."""
    cfg = copy.deepcopy(SMALL_CONFIG)
    edit(cfg)
    write_config(run, cfg)
    dry = snakemake(run, "-n", check=True)
    return job_counts(dry.stdout), dry.stdout


def rerun(run: Path) -> set[str]:
    """Run for real; the result files that were rewritten."""
    before = result_mtimes(run)
    snakemake(run, check=True)
    after = result_mtimes(run)
    assert set(before) <= set(after), "a rerun removed results"
    assert job_counts(snakemake(run, "-n", check=True).stdout) == {}
    return rewritten(before, after)


def test_a_wavelet_setting_reruns_that_space_only(run):
    def edit(cfg):
        # Daubechies-2 with padded borders: not an isometry of the pixels (Haar is, in any
        # mode), so this space now solves its own hull.
        cfg["spaces"][1].update(wavelet="db2", mode="symmetric")

    counts, dry = change(run, edit)
    assert counts == {
        "build_space_train": 1,
        "build_space_test": 1,
        "space_diameter": 1,
        "hull_shard": SHARDS,
        "hull_gather": 1,
        "space_stats": 1,
        "space_figures": 1,
        "shape_figure": 1,
        "claims": 1,
        "all": 1,
    }
    assert any("Params have changed" in r for r in reasons(dry, "build_space_train"))
    changed = rerun(run)
    assert changed == matching(changed, space_outputs("haar") + CLAIMS + SHAPE)
    assert matching(changed, ["results/digits/hull/haar.parquet", "results/digits/claims.csv"])
    assert not matching(changed, ["results/digits/model/*", *space_outputs("pixel")])


def test_a_training_setting_reruns_training_and_the_embedding_spaces(run):
    def edit(cfg):
        cfg["train"]["epochs"] += 1

    counts, dry = change(run, edit)
    n = len(SPACES)
    # New predictions change the correct-vs-wrong statistics and figure of every space.
    assert counts == {
        "train": 1,
        "embed_space": 1,
        "space_diameter": 1,
        "hull_shard": SHARDS,
        "hull_gather": 1,
        "space_stats": n,
        "space_figures": n,
        "shape_figure": 1,
        "training_figure": 1,
        "claims": 1,
        "all": 1,
    }
    assert any("Params have changed" in r for r in reasons(dry, "train"))
    changed = rerun(run)
    other_spaces = [f"results/digits/findings/{s}/*" for s in SPACES]
    allowed = [
        "results/digits/model/*",
        *space_outputs("pooled"),
        *other_spaces,
        *CLAIMS,
        *SHAPE,
        "results/digits/findings/training.*",
    ]
    assert changed == matching(changed, allowed)
    assert matching(changed, ["results/digits/model/model.pt"])
    assert matching(changed, ["results/digits/hull/pooled.parquet"])
    pixel_hull = ["results/digits/hull/pixel*", "results/digits/spaces/pixel/*"]
    assert not matching(changed, pixel_hull)


def test_a_figure_setting_reruns_figures_only(run):
    def edit(cfg):
        cfg["figures"] = {"dpi": 80}

    counts, _ = change(run, edit)
    assert counts == {
        "space_figures": len(SPACES),
        "shape_figure": 1,
        "training_figure": 1,
        "all": 1,
    }
    changed = rerun(run)
    assert changed and changed == matching(changed, FIGURES)
    pngs = sorted(matching(result_mtimes(run), ["*.png"]))
    assert pngs == sorted(matching(changed, ["*.png"])), "some PNG was not redrawn"


def test_a_hull_setting_reruns_hull_shards_and_what_reads_them(run):
    def edit(cfg):
        cfg["hull"]["gap"] = 1e-5

    counts, dry = change(run, edit)
    n = len(SPACES)
    assert counts == {
        "hull_shard": len(SOLVED) * SHARDS,
        "hull_gather": len(SOLVED),
        "space_stats": n,
        "space_figures": n,
        "shape_figure": 1,
        "claims": 1,
        "all": 1,
    }
    assert any("Params have changed" in r for r in reasons(dry, "hull_shard"))
    changed = rerun(run)
    upstream = ["results/digits/model/*", "results/digits/spaces/*", "results/digits/data/*"]
    assert not matching(changed, [*upstream, "results/experiments/*", "*/diameter.json"])
    assert matching(changed, ["results/digits/hull/pixel.parquet"])


@pytest.fixture
def edited_claims_code(small_module_run):
    """The claims stage's code (the verdict type), edited for the test (a comment added), then
    put back. It is the copy of the checkout the small run's module block uses.

    A newer mtime alone is not enough: Snakemake also compares the checksum it stored.
    """
    path = small_module_run.checkout / "src" / "hullgen" / "claims" / "verdict.py"
    original, stat = path.read_bytes(), path.stat()
    path.write_bytes(original + b"# edited by tests/test_incremental.py\n")
    try:
        yield path
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_change_to_a_stages_code_reruns_that_stage(run, edited_claims_code):
    counts, dry = change(run, lambda cfg: None)
    assert counts == {"claims": 1, "all": 1}
    why = reasons(dry, "claims")
    assert any("Updated input files" in r and "verdict.py" in r for r in why), why
    changed = rerun(run)
    assert matching(changed, ["results/digits/claims.csv"])
    assert changed == matching(changed, CLAIMS)


def test_small_run_is_every_stage(small_run):
    """The base of these tests really runs every stage (so they test something)."""
    files = result_mtimes(small_run)
    for pattern in [
        "results/digits/model/model.pt",
        "results/digits/hull/pooled.parquet",
        "results/digits/findings/haar/stats.json",
        "results/digits/findings/haar/directions.png",
        "results/digits/findings/shape.png",
        "results/digits/findings/pixel/examples.png",
        "results/digits/claims.csv",
    ]:
        assert matching(files, [pattern]), pattern
    # The orthonormal wavelet space solves no hull and computes no size of its own.
    assert not matching(
        files, ["results/digits/hull/haar*", "results/digits/findings/haar/diameter.json"]
    )
