"""The conda environments (--sdm conda), checked statically: no conda channel is reachable here.

For every rule, every third-party module that its script imports, directly or through the
hullgen modules it reaches, must be a dependency of the rule's env file; and every version an
env file pins must be the one constraints.txt pins (the set the tests ran with), which in turn
must satisfy pyproject.toml's ranges.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from hullgen.code_graph import import_walk

from .helpers.workflow import REPO

RULES_DIR = REPO / "workflow" / "rules"
# conda-forge names that differ from the PyPI distribution's.
CONDA_NAMES = {"torch": "pytorch"}
# Imported by the scripts but provided by whoever runs them, not by the env: Snakemake puts its
# own import path into every script's preamble to unpickle the `snakemake` object.
PROVIDED = {"snakemake"}


def smk_rules(text: str) -> dict[str, dict[str, str]]:
    """{rule: {"conda": path, "script": path}} from one .smk file (snakefmt's layout)."""
    rules = {}
    blocks = re.split(r"^(?:local)?rule (\w+):\n", text, flags=re.M)
    for name, body in zip(blocks[1::2], blocks[2::2], strict=True):
        body = re.split(r"^\S", body, maxsplit=1, flags=re.M)[0]  # up to the next statement
        entry = {}
        for key in ("conda", "script"):
            match = re.search(rf"^    {key}:\n\s+\"([^\"]+)\"", body, flags=re.M)
            if match:
                entry[key] = match.group(1)
        rules[name] = entry
    return rules


@cache
def workflow_rules() -> dict[str, dict[str, Path]]:
    """Every rule with its env file and script, resolved like Snakemake does (relative to the
    .smk file that names them)."""
    rules = {}
    for smk in sorted(RULES_DIR.glob("*.smk")):
        for name, entry in smk_rules(smk.read_text()).items():
            rules[name] = {key: (smk.parent / path).resolve() for key, path in entry.items()}
    return rules


def env_dependencies(env_file: Path) -> dict[str, str]:
    """{conda package: pinned version} of an env file (a pip section's packages count, under
    their conda names; test_env_files_pin_the_tested_versions refuses such sections)."""
    spec = yaml.safe_load(env_file.read_text())
    deps = {}
    for dep in spec["dependencies"]:
        if isinstance(dep, dict):
            for requirement in map(Requirement, dep.get("pip", [])):
                name = canonicalize_name(requirement.name)
                deps[CONDA_NAMES.get(name, name)] = str(requirement.specifier).lstrip("=")
            continue
        name, _, version = dep.partition("=")
        deps[canonicalize_name(name)] = version
    return deps


def third_party_imports(script: Path) -> set[str]:
    """Top-level third-party modules a script imports, through hullgen's own modules.
    pandas reads and writes Parquet through pyarrow without an import statement: code that
    names Parquet needs it too."""
    return import_walk(script)[1]


@cache
def distribution(module: str) -> str:
    """The conda package that provides top-level ``module`` (from the installed metadata)."""
    dists = packages_distributions().get(module)
    assert dists, f"no installed distribution provides {module!r}"
    name = canonicalize_name(dists[0])
    return CONDA_NAMES.get(name, name)


def constraints() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_every_rule_is_found_with_its_env_and_script():
    listed = subprocess.run(
        [str(Path(sys.executable).with_name("snakemake")), "--list-rules"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    rules = workflow_rules()
    assert set(listed) - {"all"} == set(rules)
    for name, entry in rules.items():
        assert entry.keys() == {"conda", "script"}, name
        assert entry["conda"].is_file() and entry["script"].is_file(), name


def missing_packages(script: Path, env_file: Path) -> list[str]:
    """Packages the script's code path imports that ``env_file`` does not install."""
    provided = env_dependencies(env_file)
    needed = {distribution(m) for m in third_party_imports(script) - PROVIDED}
    return sorted(needed - set(provided))


@pytest.mark.parametrize("rule", sorted(workflow_rules()))
def test_the_env_of_each_rule_provides_every_module_its_code_imports(rule):
    entry = workflow_rules()[rule]
    missing = missing_packages(entry["script"], entry["conda"])
    assert not missing, (
        f"rule {rule}: {entry['conda'].relative_to(REPO)} lacks {missing}, imported by "
        f"{entry['script'].relative_to(REPO)} or the hullgen modules it reaches"
    )


# envs/train.yaml as it was (torch and lightning from pip, no threadpoolctl): the check must
# find what hullgen.runtime needs.
OLD_TRAIN_ENV = """
channels: [conda-forge, nodefaults]
dependencies: [python=3.11, numpy=2.4, pandas=3.1, pyarrow=26, pyyaml=6.0, jsonschema=4.26,
               pip=25, setuptools=80, {pip: [torch==2.13.0, lightning==2.6.6]}]
"""


def test_the_import_walk_sees_through_hullgen_modules(tmp_path):
    """The check above can fail: hull_shard's script imports only hullgen, yet reaches HiGHS,
    and the old train env, without threadpoolctl, is caught."""
    scripts = REPO / "workflow" / "scripts"
    hull = third_party_imports(scripts / "hull_shard.py")
    assert {"highspy", "numpy", "threadpoolctl", "pandas"} <= hull
    # HullDistance comes through hullgen.hull's lazy table, not an import statement.
    assert "highspy" in third_party_imports(scripts / "class_hulls.py")
    old = tmp_path / "train.yaml"
    old.write_text(OLD_TRAIN_ENV)
    assert missing_packages(scripts / "train_model.py", old) == ["threadpoolctl"]
    assert missing_packages(scripts / "embed_space.py", old) == ["threadpoolctl"]


@pytest.mark.parametrize("env_file", sorted((REPO / "envs").glob("*.yaml")), ids=lambda p: p.name)
def test_env_files_pin_the_tested_versions(env_file):
    pins = constraints()
    pins["pytorch"] = pins["torch"]
    spec = yaml.safe_load(env_file.read_text())
    assert spec["channels"] == ["conda-forge", "nodefaults"]
    # One package manager per env: pip's torch wheel beside conda's packages was the CUDA build
    # with its own libraries, whatever the machine.
    assert all(isinstance(dep, str) for dep in spec["dependencies"]), f"{env_file.name}: pip"
    for name, version in env_dependencies(env_file).items():
        if name in ("python", "pip"):
            continue
        assert name in pins, f"{env_file.name}: {name} is not in constraints.txt"
        assert version == pins[name], f"{env_file.name}: {name}={version}, tested {pins[name]}"
    python = env_dependencies(env_file)["python"]
    assert Version(f"{python}.0") in Requirement(f"x{_requires_python()}").specifier


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _requires_python() -> str:
    return _pyproject()["project"]["requires-python"]


def test_every_env_file_is_used_by_a_rule():
    used = {entry["conda"] for entry in workflow_rules().values()}
    assert set((REPO / "envs").glob("*")) == used


def test_requirements_accept_the_pinned_set_and_later_minor_releases():
    """Installing hullgen must not downgrade anything: each range holds the tested version and
    later minor releases of the same major one (torch and lightning above all)."""
    pins = constraints()
    requirements = [Requirement(r) for r in _pyproject()["project"]["dependencies"]]
    assert {canonicalize_name(r.name) for r in requirements} >= {"torch", "lightning"}
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        tested = Version(pins[name])
        assert requirement.specifier.contains(tested), (requirement, tested)
        later = Version(f"{tested.major}.{tested.minor + 9}")
        assert requirement.specifier.contains(later), f"{requirement} refuses {later}"


def test_make_installs_the_pinned_set():
    makefile = (REPO / "Makefile").read_text()
    assert (
        "--constraint $(CONSTRAINTS)" in makefile and "CONSTRAINTS := constraints.txt" in makefile
    )
    pins = constraints()
    for requirement in _pyproject()["project"]["dependencies"]:
        assert canonicalize_name(Requirement(requirement).name) in pins, requirement
