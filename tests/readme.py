"""The README's code blocks, and the commands in its shell blocks, for the tests that run them."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Command:
    text: str  # as written: continuation lines joined, a here-document included
    needs: str | None  # what a test machine lacks, from a trailing "# needs ..." comment


def blocks(language: str) -> list[str]:
    """Every fenced block of ``language`` in README.md, in order."""
    text = (REPO / "README.md").read_text()
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)


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


def readme_commands(*fragments: str) -> list[str]:
    """The README's commands (as written) that contain every fragment; at least one."""
    found = [
        c.text
        for block in blocks("sh")
        for c in commands(block)
        if not c.needs and all(f in c.text for f in fragments)
    ]
    assert found, f"no README command contains {fragments}"
    return found


# Each test of tests/test_readme.py runs the README commands that contain these fragments.
RUN_HERE = {
    "make run": ("make run",),
    "offline example": ("fashion-offline.yaml",),
    "slurm dry run": ("-n --workflow-profile profiles/slurm",),
    "report": ("report",),
    "hull command line": (".venv/bin/hullgen hull-",),
}
