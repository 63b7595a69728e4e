"""Each rule's code inputs are the hullgen source files its script runs, derived from the
package's import graph (hullgen.code_graph) when the workflow is parsed: an edit reruns the
rules whose scripts import the module, and a figure edit does not rerun a 20-minute study."""

import ast
import subprocess
import sys

import pytest

from hullgen.code_graph import PACKAGE_DIR, hullgen_files

from .helpers.workflow import REPO, snakemake

SCRIPTS = sorted((REPO / "workflow" / "scripts").glob("*.py"))


def loaded_by_imports(script) -> set:
    """The hullgen source files a fresh interpreter has loaded after running ``script``'s
    top-level import statements: an independent, dynamic count of what the script runs
    (function-level imports, which the static walk also follows, are not run here)."""
    tree = ast.parse(script.read_text())
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    code = ast.unparse(ast.Module(body=imports, type_ignores=[])) + (
        "\nimport sys\nprint('\\n'.join(getattr(m, '__file__', None) or '' for name, m in "
        "list(sys.modules.items()) if name == 'hullgen' or name.startswith('hullgen.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    return {PACKAGE_DIR.joinpath(*line.split("/hullgen/", 1)[1].split("/"))
            for line in out.split() if "/hullgen/" in line}  # fmt: skip


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_derived_code_inputs_hold_every_module_the_script_loads(script):
    assert loaded_by_imports(script) <= set(hullgen_files(script))


def test_a_study_does_not_depend_on_its_figures_and_its_figures_do():
    study = hullgen_files(REPO / "workflow" / "scripts" / "mlp_study.py")
    figures = hullgen_files(REPO / "workflow" / "scripts" / "mlp_figures.py")
    plots = PACKAGE_DIR / "experiments" / "mlp" / "plots.py"
    assert PACKAGE_DIR / "experiments" / "mlp" / "study.py" in study and plots not in study
    assert plots in figures
    assert not any(path.is_relative_to(PACKAGE_DIR / "findings") for path in study)


def test_the_walk_follows_imports_inside_functions(tmp_path):
    """A module imported inside a function (torch-free modules import heavy ones lazily)
    counts: the static walk sees it, though a top-level import run would not."""
    script = tmp_path / "script.py"
    script.write_text("def f():\n    from hullgen.experiments.mlp.plots import plot_reach\n")
    assert PACKAGE_DIR / "experiments" / "mlp" / "plots.py" in hullgen_files(script)
    assert not loaded_by_imports(script)


def test_the_rules_list_the_derived_files(workdir):
    """What Snakemake plans: the study job's inputs are its script's modules, and a figure
    module is an input of the figures job only."""
    dry = snakemake(workdir, "-n", "--forceall", check=True).stdout
    jobs = {block.split(":")[0].split()[-1]: block for block in dry.split("rule ")[1:]}
    assert "experiments/mlp/study.py" in jobs["mlp_study"]
    assert "mlp/plots.py" not in jobs["mlp_study"] and "mlp/plots.py" in jobs["mlp_figures"]
    assert "hull/solver.py" in jobs["hull_shard"] and "findings/" not in jobs["hull_shard"]
