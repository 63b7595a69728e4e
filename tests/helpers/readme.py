"""The code blocks of the README and the docs pages (docs/), and the commands in their shell
blocks, for the tests that run them."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Command:
    text: str  # as written: continuation lines joined, a here-document included
    needs: str | None  # what a test machine lacks, from a trailing "# needs ..." comment


def doc_files() -> list[Path]:
    """The README, then every page of the docs site."""
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def page_text(path: Path) -> str:
    """A page as the site shows it: a snippet line (``--8<-- "file"``, the benchmarks page)
    replaced by the file it names."""
    return re.sub(
        r'^--8<-- "([^"]+)"$', lambda m: (REPO / m[1]).read_text(), path.read_text(), flags=re.M
    )


def blocks(language: str) -> list[str]:
    """Every fenced block of ``language`` in the README and the docs, in order; a block shown
    on two pages (the set-up) counts once."""
    found = []
    for path in doc_files():
        for block in re.findall(rf"^```{language}\n(.*?)^```$", page_text(path), re.M | re.S):
            if block not in found:
                found.append(block)
    return found


def commands(block: str) -> list[Command]:
    """The commands of a shell block: comment lines dropped, ``\\`` continuations joined, a
    here-document kept with its command; a trailing ``# needs ...`` says what it needs."""
    out = []
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.endswith("\\"):
            line = line[:-1] + lines[i].strip()
            i += 1
        heredoc = re.search(r"<<'(\w+)'", line)
        if heredoc:
            end = lines.index(heredoc.group(1), i)
            line = "\n".join([line, *lines[i : end + 1]])
            i = end + 1
        code, _, comment = line.partition("  #")
        needs = comment.strip() if comment.strip().startswith("needs ") else None
        out.append(Command(code.rstrip() if needs else line, needs))
    return out


def module_snakefile() -> str:
    """The README's example of a workflow that uses hullgen as a module."""
    (block,) = [b for b in blocks("python") if "module hullgen:" in b]
    return block


def run_captured(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def shell(command: str, cwd: Path, run=run_captured) -> subprocess.CompletedProcess:
    """``command`` in bash (stopping at the first error); ``run`` starts it
    (``run_captured``, or a background build's ``BackgroundRuns.run``)."""
    proc = run(["bash", "-euo", "pipefail", "-c", command], cwd)
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return proc


def all_commands() -> list[Command]:
    """Every command of the README's and the docs' shell blocks, each once."""
    found = []
    for block in blocks("sh"):
        found += [c for c in commands(block) if c not in found]
    return found


def readme_commands(*fragments: str) -> list[str]:
    """The commands (as written) of the README and the docs that contain every fragment; at
    least one."""
    found = [c.text for c in all_commands() if not c.needs and all(f in c.text for f in fragments)]
    assert found, f"no command in the README or the docs contains {fragments}"
    return found


# Each test of tests/test_readme.py runs the README commands that contain these fragments.
RUN_HERE = {
    "make run": ("make run",),
    "offline example": ("fashion-offline.yaml",),
    "slurm dry run": ("-n --workflow-profile profiles/slurm",),
    "report": ("report",),
    "hull command line": (".venv/bin/hullgen hull-",),
    "docs": ("make docs",),
}
