"""What every job of a full-size ImageNet-features run asks SLURM for, without the data.

    python benchmarks/full_size_dry_run.py --out benchmarks/out/full-size

Writes the arrays of an ImageNet-size feature set as headers only: ``np.lib.format.
open_memmap`` makes a 1,281,167 x 768 float32 training file and a 50,000 x 768 test file
whose data is never written (sparse files: no disk is used), and real labels (1,000
classes, 10 MB), since the workflow reads the labels when it is parsed. Then it runs
``snakemake -n --workflow-profile profiles/slurm`` on an arrays config for them and prints
each rule's threads, memory and time limit: the requests a SLURM run of that size would make.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from feature_set import (  # noqa: E402
    IMAGENET_CLASSES,
    IMAGENET_TEST,
    IMAGENET_TRAIN,
    arrays_config,
    class_sizes,
)

WIDTH = 768  # CLIP ViT-B/16, DINOv2 ViT-B


def write_headers(
    folder: Path, n_train: int = IMAGENET_TRAIN, n_test: int = IMAGENET_TEST, width: int = WIDTH
) -> Path:
    """Header-only row files and real labels in ``folder``; returns the config's path."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        rows = np.lib.format.open_memmap(folder / f"{split}_x.npy", mode="w+",
                                         dtype=np.float32, shape=(n, width))  # fmt: skip
        del rows  # nothing written: the file stays sparse
        labels = np.repeat(np.arange(IMAGENET_CLASSES), class_sizes(n, IMAGENET_CLASSES))
        np.save(folder / f"{split}_y.npy", labels)
    config = folder / "config.yaml"
    config.write_text(arrays_config(folder, "imagenet-clip", "CLIP ViT-B/16 image embedding", 8))
    return config


def dry_run(workdir: Path, config: Path) -> str:
    """``snakemake -n`` with the SLURM profile: its output."""
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    proc = subprocess.run(
        [snakemake, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
         "--configfile", str(config), "--workflow-profile", str(REPO / "profiles" / "slurm"),
         "-n"], capture_output=True, text=True, check=True,
    )  # fmt: skip
    return proc.stdout


def job_blocks(text: str) -> list[str]:
    """Snakemake's output (or log) cut into one block per job, each from its ``rule`` line."""
    return re.split(r"\n(?=\[[^\n]*\]\n(?:local)?rule )", text)


def requests(stdout: str) -> dict[str, dict]:
    """Each rule's largest request in a dry run's output: threads, mem_mb, runtime."""
    rules: dict[str, dict] = {}
    for block in job_blocks(stdout):
        head = re.search(r"^(local)?rule (\w+):", block, re.M)
        if not head or head.group(2) == "all":
            continue
        threads = re.search(r"^\s+threads: (\d+)", block, re.M)
        found = re.search(r"^\s+resources: (.*)$", block, re.M)
        fields = dict(item.split("=", 1) for item in found.group(1).split(", ")) if found else {}
        job = {"threads": int(threads.group(1)) if threads else 1,
               "mem_mb": int(fields.get("mem_mb", 0)), "runtime": fields.get("runtime"),
               "local": bool(head.group(1))}  # fmt: skip
        seen = rules.setdefault(head.group(2), {**job, "jobs": 0})
        seen["jobs"] += 1
        seen["mem_mb"] = max(seen["mem_mb"], job["mem_mb"])
    return rules


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "out" / "full-size"))
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    config = write_headers(out / "data")
    table = requests(dry_run(out, config))
    print("| rule | jobs | threads | mem_mb | runtime (min) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for rule, job in sorted(table.items()):
        where = " (on the submit host)" if job["local"] else ""
        print(f"| `{rule}`{where} | {job['jobs']} | {job['threads']} | {job['mem_mb']:,} | "
              f"{job['runtime'] or ''} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
