"""The whole pipeline on ImageNet-size feature arrays: each stage's time and peak memory at
a few scales, the growth fitted per stage, and the projection to full size.

    python benchmarks/pipeline_scale.py run --scale 0.025 --out benchmarks/out/pipeline \
        --json pipeline.0.025.json
    python benchmarks/pipeline_scale.py fit pipeline.0.025.json pipeline.0.05.json \
        pipeline.0.1.json --cores 32

``run`` generates the feature set (``feature_set.py``: CLIP-like rows, 1,000 classes) at
``--scale`` of ImageNet's sizes, writes an arrays config for it and runs the workflow on it
with ``--cores``, every stage (the model studies aside: they do not depend on the data),
then Snakemake's report. Each job's wall and CPU time come from its Snakemake benchmark
file, and its peak memory is the larger of two: the proportional set size Snakemake samples
(``max_pss``: a memory-mapped file's pages counted once, as cgroups charge them, where
``max_rss`` would count them once per process), and the high-water mark of the job's own
process that its log ends with (the samples, once a second, miss short peaks).

``fit`` fits each stage's CPU time as ``a + c * scale ** b`` over the runs (a fixed cost and
a growing one; :func:`fit_growth`), and projects it to ImageNet's 1,281,167 x 50,000 rows.
The projected wall time on ``--cores`` spreads each stage's CPU time over the cores its jobs
use there (:data:`FULL_SIZE_WIDTHS`), the stages one after another.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy import optimize

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from feature_set import IMAGENET_TEST, IMAGENET_TRAIN, arrays_config  # noqa: E402
from full_size_dry_run import job_blocks  # noqa: E402

# Benchmark files (results/<name>/benchmarks/...) -> the stage they measure.
STAGES = (
    ("prepare_", "data"),
    ("dataset_info", "data"),
    ("spaces/", "spaces"),
    ("hull/random/", "hull random"),
    ("hull/", "hull"),
    ("findings/pca_sweep", "pca sweep"),
    ("findings/class_hulls", "class hulls"),
    ("findings/random_vs_real", "findings"),
    ("/diameter", "diameter"),
    ("/stats", "findings"),
    ("/figures", "figures"),
    ("/gather", "hull"),
    ("claims", "claims"),
)


# The cores each stage's jobs use together on a 32-core node with the shipped settings
# (`snakemake --cores 32`, hull.shards 8): each hull space's 8 shards x 4 threads
# (HULL_THREADS); the PCA sweep and the class hulls 2 threads each (FINDINGS_HULL_THREADS);
# the diameter one job of one thread (the random baseline shares the rows of the features);
# the rest one thread per job: a job per space (spaces, findings, figures) or split (data).
FULL_SIZE_WIDTHS = {
    "hull": 32, "hull random": 32, "pca sweep": 2, "class hulls": 2, "diameter": 1,
    "spaces": 4, "data": 2, "findings": 2, "figures": 2,
}  # fmt: skip


def stage_of(name: str) -> str:
    """The stage a benchmark file (its path under benchmarks/, no suffix) belongs to."""
    for prefix, stage in STAGES:
        if prefix in name:
            if stage.startswith("hull") and name.endswith("/gather"):
                return "hull gather"
            return stage
    return "other"


def write_config(folder: Path, data: Path, name: str, shards: int) -> Path:
    """An arrays config for the feature set in ``data`` (its labels as classes)."""
    config = folder / "config.yaml"
    units = "synthetic CLIP-like embedding"
    config.write_text(arrays_config(data, name, units, shards, studies=False))
    return config


PEAK = re.compile(r"peak resident memory: (\d+) MiB \(this process\), (\d+) MiB")


def logged_peak(log: Path) -> tuple[float, float] | None:
    """The peaks a job's log ends with (``hullgen.log``): the kernel's high-water marks of
    the job's process and its largest child, which Snakemake's samples (every second, then
    every 30 s) can miss."""
    if not log.is_file():
        return None
    found = PEAK.findall(log.read_text())
    return (float(found[-1][0]), float(found[-1][1])) if found else None


def requests(work: Path) -> dict[str, int]:
    """Each job's memory request (``mem_mb``) in the run's Snakemake log, by its log file's
    name under ``logs/`` (no suffix), as its benchmark file is named."""
    logs = sorted(
        (work / ".snakemake" / "log").glob("*.snakemake.log"), key=lambda p: p.stat().st_size
    )
    asked = {}
    text = logs[-1].read_text() if logs else ""
    for block in job_blocks(text):
        log = re.search(r"^\s+log: results/[^/]+/logs/(\S+)\.log", block, re.M)
        mem = re.search(r"^\s+resources: .*\bmem_mb=(\d+)", block, re.M)
        if log and mem:
            asked[log.group(1)] = int(mem.group(1))
    return asked


def read_benchmarks(results: Path) -> list[dict]:
    """Every job's benchmark: its name, stage, seconds, CPU seconds and peaks (MiB): the
    sampled proportional set size of its processes, and its process's high-water mark."""
    jobs = []
    for path in sorted((results / "benchmarks").rglob("*.tsv")):
        with path.open() as handle:
            row = list(csv.DictReader(handle, delimiter="\t"))[-1]
        name = str(path.relative_to(results / "benchmarks").with_suffix(""))
        peak = logged_peak(results / "logs" / f"{name}.log")
        pss = float(row["max_pss"]) if row["max_pss"] not in ("", "NA", "-") else 0.0
        jobs.append({
            "job": name, "stage": stage_of(name), "seconds": float(row["s"]),
            "cpu_seconds": float(row["cpu_time"]), "sampled_pss_mib": pss,
            "process_peak_mib": peak[0] if peak else None,
            "child_peak_mib": peak[1] if peak else None,
            "peak_mib": max(pss, peak[0] if peak else 0.0),
        })  # fmt: skip
    return jobs


def run(args) -> dict:
    from feature_set import split_sizes

    n_train, n_test = split_sizes(args.scale)
    data = Path(args.out) / f"clip-{args.scale}"
    if not (data / "feature_set.json").is_file():
        subprocess.run(
            [sys.executable, str(HERE / "feature_set.py"), "--scale", str(args.scale),
             "--kind", "clip", "--out", str(data)], check=True,
        )  # fmt: skip
    work = Path(args.out) / f"run-{args.scale}"
    work.mkdir(parents=True, exist_ok=True)
    name = f"imagenet-clip-{args.scale}"
    config = write_config(work, data.resolve(), name, args.shards)
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    base = [snakemake, "--snakefile", str(REPO / "Snakefile"), "--directory", str(work),
            "--configfile", str(config), "--cores", str(args.cores)]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run([*base, "--forceall"], capture_output=True, text=True)
    workflow_seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        raise SystemExit(f"the workflow failed at scale {args.scale}")
    start = time.perf_counter()
    report = work / "report.zip"
    subprocess.run([*base, "--report", str(report)], check=True, capture_output=True)
    report_seconds = time.perf_counter() - start
    jobs = read_benchmarks(work / "results" / name)
    asked = requests(work)
    for job in jobs:
        job["requested_mb"] = asked.get(job["job"])
    train_mib = n_train * 768 * 4 / 2**20
    record = {
        "scale": args.scale, "n_train": n_train, "n_test": n_test, "width": 768,
        "cores": args.cores, "shards": args.shards, "train_float32_mib": train_mib,
        "workflow_seconds": workflow_seconds, "report_seconds": report_seconds, "jobs": jobs,
        "largest_peak_over_train": max(j["peak_mib"] for j in jobs) / train_mib,
    }  # fmt: skip
    return record


def stage_totals(record: dict) -> dict[str, dict]:
    """Per stage: wall seconds of its jobs added up, CPU seconds, the largest peak."""
    totals: dict[str, dict] = {}
    for job in record["jobs"]:
        t = totals.setdefault(job["stage"], {"seconds": 0.0, "cpu_seconds": 0.0, "peak_mib": 0})
        t["seconds"] += job["seconds"]
        # A job's CPU time, or its wall time where the samples (one a second) missed it.
        t["cpu_seconds"] += max(job["cpu_seconds"], job["seconds"])
        t["peak_mib"] = max(t["peak_mib"], job["peak_mib"])
    totals["report"] = {"seconds": record["report_seconds"],
                        "cpu_seconds": record["report_seconds"], "peak_mib": None}  # fmt: skip
    return totals


def fit_growth(scales: np.ndarray, seconds: np.ndarray) -> tuple[float, float, float]:
    """``(a, c, b)`` of seconds = a + c * scale ** b, least squares with a, c >= 0 and b on a
    grid from 1 to 2: a stage's fixed cost (imports, process starts), which dominates small
    runs, apart from the work that grows (a plain power law fitted to small runs would take
    the fixed cost for slow growth). Every stage reads its rows at least once (b >= 1) and
    none does more than the hull's test x training products (b <= 2: both grow with the
    scale)."""
    best = None
    for b in np.arange(1.0, 2.001, 0.05):
        design = np.column_stack([np.ones_like(scales), scales**b])
        (a, c), _ = optimize.nnls(design, seconds)
        residual = float(np.sum((design @ [a, c] - seconds) ** 2))
        if best is None or residual < best[0]:
            best = (residual, a, c, b)
    return float(best[1]), float(best[2]), round(float(best[3]), 2)


def fit(records: list[dict], cores: int, widths: dict[str, int]) -> dict:
    """Per stage: the fixed cost a, the growing cost c and its exponent b of CPU seconds =
    a + c * scale ** b over the runs (``scale``: the share of ImageNet's rows, training and
    test alike), and the projected full-size (scale 1) wall seconds on ``cores``: the CPU
    seconds spread over as many cores as the stage's jobs use there (``widths``, at most
    ``cores``), the stages one after another (they overlap in a real run: an upper bound)."""
    records = sorted(records, key=lambda r: r["scale"])
    per_stage = [stage_totals(r) for r in records]
    scales = np.array([r["scale"] for r in records], dtype=float)
    out = {}
    for stage in per_stage[-1]:
        cpu = np.array([t.get(stage, {}).get("cpu_seconds", np.nan) for t in per_stage])
        ok = np.isfinite(cpu)
        if ok.sum() < 3:
            continue
        a, c, b = fit_growth(scales[ok], cpu[ok])
        width = min(cores, widths.get(stage, 1))
        out[stage] = {
            "seconds": [round(t.get(stage, {}).get("seconds", math.nan), 2) for t in per_stage],
            "cpu_seconds": cpu.round(2).tolist(),
            "peak_mib": [t.get(stage, {}).get("peak_mib") for t in per_stage],
            "fixed_seconds": round(a, 2), "growing_seconds_at_full": round(c, 1),
            "exponent": b, "full_cpu_seconds": round(a + c, 1), "cores_used": width,
            "full_seconds_on_cores": round((a + c) / width, 1),
        }  # fmt: skip
    return {
        "cores": cores, "scales": scales.tolist(), "full_n_train": IMAGENET_TRAIN,
        "full_n_test": IMAGENET_TEST, "stages": out,
        "full_seconds_on_cores": round(sum(s["full_seconds_on_cores"] for s in out.values()), 1),
    }  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="one scale")
    r.add_argument("--scale", type=float, required=True)
    r.add_argument("--out", default=str(HERE / "out" / "pipeline"))
    r.add_argument("--cores", type=int, default=os.cpu_count())
    r.add_argument("--shards", type=int, default=4)
    r.add_argument("--json", required=True)
    f = sub.add_parser("fit", help="fit the runs' growth and project to full size")
    f.add_argument("runs", nargs="+")
    f.add_argument("--cores", type=int, default=32)
    f.add_argument(
        "--widths", default=json.dumps(FULL_SIZE_WIDTHS),
        help="JSON: the cores each stage's jobs use together at full size",
    )  # fmt: skip
    f.add_argument("--json")
    args = parser.parse_args(argv)
    if args.command == "run":
        record = run(args)
        Path(args.json).write_text(json.dumps(record, indent=2) + "\n")
        for stage, t in stage_totals(record).items():
            print(f"{stage:12s} {t['seconds']:8.1f} s  peak {t['peak_mib'] or 0:8.0f} MiB")
        print(
            f"workflow {record['workflow_seconds']:.1f} s, report {record['report_seconds']:.1f} s"
        )
        return 0
    runs = [json.loads(Path(p).read_text()) for p in args.runs]
    result = fit(runs, args.cores, json.loads(args.widths))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
