"""Which of hullgen's source files a script runs, from the package's own import graph.

The workflow lists them as each rule's code inputs (``rerun-triggers: code``), so editing a
module reruns the rules whose scripts import it, directly or through other modules, and no
others. Read from the source (:mod:`ast`), never by importing it: the workflow asks when it
is parsed, and importing would run every module's imports (torch among them).
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def module_file(name: str) -> Path | None:
    """The source file of hullgen module ``name`` (dotted), or None if it is not one."""
    if name != "hullgen" and not name.startswith("hullgen."):
        return None
    base = PACKAGE_DIR.joinpath(*name.split(".")[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@cache
def lazy_homes(package: str) -> dict[str, str]:
    """A hullgen package's lazily imported names: its ``_HOMES`` table {name: module}."""
    init = module_file(package)
    if init is None or init.name != "__init__.py":
        return {}
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_HOMES":
            return ast.literal_eval(node.value)
    return {}


def imported_names(path: Path, package: str) -> set[str]:
    """Absolute names of every module ``path`` imports, at any depth of its code (relative
    imports resolved against ``package``; ``from a import b`` counts as ``a`` and ``a.b``,
    since b may be a submodule, and as b's home module where a package imports b lazily)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
            homes = lazy_homes(module) if module.startswith("hullgen") else {}
            names.update(homes[alias.name] for alias in node.names if alias.name in homes)
    return names


def import_walk(script: str | Path) -> tuple[set[Path], set[str]]:
    """The files ``script`` runs: itself and the hullgen source files it imports, through
    hullgen's own modules (and the packages above each, whose ``__init__`` runs on import);
    and the top-level third-party modules they import. Code that names Parquet counts
    pyarrow, which pandas imports without an import statement."""
    found, seen = set(), set()
    todo = [(Path(script), "")]
    while todo:
        path, package = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        if "parquet" in path.read_text():
            found.add("pyarrow")
        for name in imported_names(path, package):
            top = name.split(".")[0]
            if top == "hullgen":
                parts = name.split(".")
                for i in range(1, len(parts) + 1):
                    sub = ".".join(parts[:i])
                    source = module_file(sub)
                    if source is not None:
                        home = sub if source.name == "__init__.py" else sub.rpartition(".")[0]
                        todo.append((source, home))
            elif top not in sys.stdlib_module_names and top != "__future__":
                found.add(top)
    return seen, found


def hullgen_files(script: str | Path) -> list[Path]:
    """The hullgen source files ``script`` runs, sorted (the script itself not included).

    Examples
    --------
    >>> from pathlib import Path
    >>> files = hullgen_files(PACKAGE_DIR / "hull" / "run.py")
    >>> PACKAGE_DIR / "hull" / "solver.py" in files, PACKAGE_DIR / "findings" / "claims.py" in files
    (True, False)
    """
    script = Path(script).resolve()
    return sorted(path for path in import_walk(script)[0] if path != script)
