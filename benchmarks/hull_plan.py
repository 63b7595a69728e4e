"""What a round should read: candidates per pass and subset passes, against the set's size.

    python benchmarks/hull_plan.py --set DIR [DIR ...] [--points 1000] [--json F]

Each DIR holds ``train.npy`` and ``test.npy`` (or ``train_x.npy`` and ``test_x.npy``). For
each set and each precision of the passes (``--precision``), the first ``--points`` test
points are solved in one process with one thread, four ways: 64 or 128 candidates, with no
subset pass or with both of :data:`hullgen.hull.plan.SUBSET_PASSES`, whatever
:mod:`hullgen.hull.plan` would choose; and once with the defaults (the plan's choice). It
prints the time per point and the full rounds per point of each, and which the plan picks.
These are the measurements behind :mod:`hullgen.hull.plan`'s constants.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from processes import in_process, limit_threads

# (candidates, subset passes: none, both, or None for the plan's choice)
WAYS = {
    "64, none": (64, "none"),
    "64, both": (64, "both"),
    "128, none": (128, "none"),
    "128, both": (128, "both"),
    "plan": (None, None),
}


def _files(folder: Path) -> tuple[Path, Path]:
    for train, test in (("train.npy", "test.npy"), ("train_x.npy", "test_x.npy")):
        if (folder / train).exists() and (folder / test).exists():
            return folder / train, folder / test
    raise SystemExit(f"{folder}: no train.npy and test.npy (or train_x.npy and test_x.npy)")


def _solve(train_path, test_path, points, precision, way, queue):
    limit_threads(1)
    import numpy as np

    from hullgen.hull import HullDistance, plan

    train = np.load(train_path, mmap_mode="r")
    test = np.load(test_path, mmap_mode="r")[:points]
    candidates, subsets = way
    options = {"candidates": candidates}
    if subsets == "none":
        options["subset_passes"] = ()
    elif subsets == "both":  # made whatever the plan would say (this process is the run's own)
        plan.subset_passes = lambda n, cost, candidates, passes: list(passes)
    tree = HullDistance(train, threads=1, precision=precision, **options)
    tree.query(test[:2])  # compiled code loaded: not part of the time
    start = time.perf_counter()
    result = tree.query(test)
    seconds = time.perf_counter() - start
    queue.put({
        "ms_per_point": 1e3 * seconds / len(test),
        "rounds": float(result.rounds.mean()),
        "statuses": {s: int((result.status == s).sum()) for s in sorted(set(result.status))},
        "candidates": tree.candidates,
        "subset_passes": [list(s) for s in tree.subset_passes],
        "precision": "bfloat16" if tree.products.bf16 is not None else "float32",
        "rows": int(train.shape[0]),
    })  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", nargs="+", required=True, help="folders of train and test")
    parser.add_argument("--points", type=int, default=1000, help="test points per run")
    parser.add_argument(
        "--precision", nargs="+", default=["auto"], choices=["auto", "float32", "bfloat16"]
    )
    parser.add_argument("--json", help="also write the raw numbers here")
    args = parser.parse_args(argv)
    runs = []
    print("| set | rows | passes in | " + " | ".join(WAYS) + " | the plan picks |")
    print("| --- | ---: | --- |" + " ---: |" * len(WAYS) + " --- |")
    for folder in map(Path, args.set):
        train, test = _files(folder)
        for precision in args.precision:
            got = {
                name: in_process(_solve, str(train), str(test), args.points, precision, way)
                for name, way in WAYS.items()
            }
            picked = got["plan"]
            cells = [f"{r['ms_per_point']:.1f} ms ({r['rounds']:.2f})" for r in got.values()]
            choice = f"{picked['candidates']}, subsets {picked['subset_passes'] or 'none'}"
            print(f"| {folder.name} | {picked['rows']:,} | {picked['precision']} | "
                  + " | ".join(cells) + f" | {choice} |", flush=True)  # fmt: skip
            runs.append({"set": str(folder), "precision": precision, "points": args.points,
                         "ways": got})  # fmt: skip
    print("\nEach cell: time per point, one thread (full rounds per point).")
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
