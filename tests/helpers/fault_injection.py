"""Kill a pipeline run at random points, resume it each time, and check nothing was lost.

Usage (from the repository root, with the .venv of ``make test``)::

    python tests/helpers/fault_injection.py WORKDIR --kills 5 [--seed 0] [--reference DONE_RUN]

WORKDIR holds ``config/config.yaml``. Each round starts Snakemake there and SIGKILLs its whole
process group (Snakemake and every running job, as a lost shell or node would) after a random
number of finished jobs plus a random delay, so kills land inside jobs: mid-epoch in
training, mid-shard in the hull stage, between the writes of a multi-output rule. The next
round runs ``snakemake --unlock`` and starts again (the default profile sets
``rerun-incomplete``). After the kills the run is finished without interruption, must then be
up to date, and, with ``--reference``, every result must equal that finished run's.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from compare_results import differences
else:
    from .compare_results import differences

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
FINISHED = re.compile(r"^Finished job|^\d+ of \d+ steps")
STEPS = re.compile(r"^(\d+) of (\d+) steps")


def snakemake_cmd(workdir: Path, *args: str) -> list[str]:
    snakefile = str(REPO / "Snakefile")
    return [SNAKEMAKE, "--snakefile", snakefile, "--directory", str(workdir), "--cores", "2", *args]


def run_and_kill(workdir: Path, rng: random.Random, kills_left: int, log) -> bool:
    """One round; True if it was killed mid-run, False if the run finished first.

    The kill point is drawn from the first 1/(kills_left + 1) of the remaining steps, so
    that every later round still has work to interrupt.
    """
    proc = subprocess.Popen(
        snakemake_cmd(workdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the kill takes the jobs with it
    )
    state = {"done": 0, "total": None}
    lines: list[str] = []

    def read():
        for line in proc.stdout:
            lines.append(line)
            match = STEPS.match(line)
            if match:
                state["done"], state["total"] = int(match.group(1)), int(match.group(2))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while state["total"] is None and proc.poll() is None:
        time.sleep(0.1)
    if state["total"] is None or state["total"] - state["done"] <= 2:
        proc.wait()
        reader.join()
        return False
    # Leave at least the last real job and `all` to later rounds, and spread the kills.
    span = max(1, (state["total"] - state["done"] - 2) // (kills_left + 1))
    target = state["done"] + rng.randint(1, span)
    while state["done"] < target and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(rng.uniform(0.0, 1.0))
    if proc.poll() is not None or state["done"] >= state["total"]:
        proc.wait()
        reader.join()
        return False
    running = sorted(set(re.findall(r"^(?:local)?rule (\w+):", "".join(lines[-200:]), re.M)))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    reader.join()
    log(f"killed after {state['done']}/{state['total']} steps; recent rules: {', '.join(running)}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--kills", type=int, default=5, help="rounds that are killed (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill points")
    parser.add_argument("--reference", type=Path, help="a finished run of the same config")
    args = parser.parse_args(argv)
    config = args.workdir / "config" / "config.yaml"
    if not config.is_file():
        parser.error(f"{config} not found: WORKDIR must hold config/config.yaml")
    rng = random.Random(args.seed)

    def log(message: str) -> None:
        print(f"[fault-injection] {message}", flush=True)

    kills = 0
    while kills < args.kills:
        subprocess.run(snakemake_cmd(args.workdir, "--unlock"), capture_output=True, check=True)
        if not run_and_kill(args.workdir, rng, args.kills - kills, log):
            break
        kills += 1
    log(f"{kills} kills; finishing the run")
    subprocess.run(snakemake_cmd(args.workdir, "--unlock"), capture_output=True, check=True)
    final = subprocess.run(snakemake_cmd(args.workdir), capture_output=True, text=True)
    if final.returncode != 0:
        log(f"the resumed run failed:\n{final.stdout[-3000:]}\n{final.stderr[-6000:]}")
        return 1
    check = subprocess.run(snakemake_cmd(args.workdir, "-n"), capture_output=True, text=True)
    if "Nothing to be done" not in check.stdout + check.stderr:
        log(f"not up to date after the resumed run:\n{check.stdout[-3000:]}")
        return 1
    if kills < args.kills:
        log(f"only {kills} of {args.kills} kills happened: the run finished too soon")
        return 1
    if args.reference is not None:
        found = differences(args.workdir, args.reference)
        if found:
            log("results differ from the reference run:\n  " + "\n  ".join(found))
            return 1
        log(f"every result equals {args.reference}'s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
