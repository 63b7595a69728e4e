"""Each model study's rule lists, as inputs, every hullgen source file its script runs (so an
edit reruns it) and nothing its script does not run (so a figure edit does not)."""

import ast
import re

import pytest

from .conftest import REPO
from .test_envs import import_walk

PACKAGE = REPO / "src" / "hullgen"
COMMON_SMK = (REPO / "workflow" / "rules" / "common.smk").read_text()
# The files package_code lists for every rule, read from common.smk.
COMMON = ast.literal_eval(re.search(r"^    common = (\(.*?\))$", COMMON_SMK, re.S | re.M).group(1))


def study_modules() -> dict[str, tuple[str, ...]]:
    """STUDY_MODULES, read from common.smk."""
    literal = re.search(r"^STUDY_MODULES = (\{.*?^\})", COMMON_SMK, re.S | re.M).group(1)
    return ast.literal_eval(literal)


def listed_files(modules) -> set:
    return {PACKAGE / name for name in COMMON} | {PACKAGE / f"{m}.py" for m in modules}


@pytest.mark.parametrize("study", ["legendre", "mlp"])
def test_a_study_rule_lists_exactly_the_code_its_script_runs(study):
    script = REPO / "workflow" / "scripts" / f"{study}_study.py"
    runs = {path for path in import_walk(script)[0] if path != script}
    listed = listed_files(study_modules()[study])
    assert not sorted(runs - listed), "missing from STUDY_MODULES"
    # The common files are listed for every rule; beyond them, nothing the script skips.
    extra = {path for path in listed - runs if path not in {PACKAGE / name for name in COMMON}}
    assert not sorted(extra), "listed in STUDY_MODULES but never run"
    assert not any("plots" in path.name for path in listed)


def test_the_walk_finds_a_module_a_study_would_miss(tmp_path):
    """The check can fail: a script importing a plots module reaches a file the mlp study
    does not list."""
    script = tmp_path / "script.py"
    script.write_text("from hullgen.experiments.mlp_plots import plot_reach\n")
    runs = import_walk(script)[0]
    assert PACKAGE / "experiments" / "mlp_plots.py" in runs
    assert not runs - {script} <= listed_files(study_modules()["mlp"])
