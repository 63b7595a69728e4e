"""Benchmark of the hull stage against the GEMM floor and two naive baselines.

    python benchmarks/hull_distance.py --train T.npy --test X.npy [--threads N] [--device D]
        [--precision auto|float32|bfloat16]

Times, on the same machine and threads (and, with --device cuda, the same GPU):
  * hullgen: HullDistance(T, device=D).query(X) on all of X (certified distances);
  * the GEMM floor: one float32 product X . T^T (numpy's BLAS, or torch on the GPU), and,
    when the passes run in bfloat16, the same product in bfloat16 (torch) beside it;
  * on --baseline-points points: the naive full HiGHS QP per point (n + d variables) and the
    per-point membership LP (scipy.optimize.linprog(method="highs"), as Balestriero et al.
    2021 did).
Prints hullgen's time as a multiple of the floor, the speed-up per point over each baseline,
the agreement with the naive QP's distances, and peak memory (each measurement runs in its
own process, so its peak resident set size is its own).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from processes import in_process, limit_threads, peak_children_mib, peak_mib


def _hullgen(args, queue):
    limit_threads(args.threads)
    import numpy as np

    from hullgen.hull import HullDistance

    train = np.load(args.train, mmap_mode="r")
    test = np.load(args.test, mmap_mode="r")[: args.limit]
    start = time.perf_counter()
    tree = HullDistance(
        train, threads=args.threads, gap=args.gap, device=args.device, precision=args.precision
    )
    result = tree.query(test)
    seconds = time.perf_counter() - start
    np.save(args.scratch, result.distance)
    status = {s: int((result.status == s).sum()) for s in sorted(set(result.status))}
    queue.put({
        "seconds": seconds, "peak_mib": peak_mib(), "worker_peak_mib": peak_children_mib(),
        "train_mib": train.nbytes / 2**20, "train_dtype": str(train.dtype), "status": status,
        "max_gap": float(result.relative_gap().max()),
        "precision": "bfloat16" if tree.products.bf16 is not None else "float32",
        "support_median": float(np.median(result.support_size)),
        "support_quartiles": np.percentile(result.support_size, [25, 50, 75]).tolist(),
        "support_max": int(result.support_size.max()),
        "rounds_mean": float(result.rounds.mean()),
    })  # fmt: skip


def _profile(args, queue):
    """``--profile`` points in one process, one thread, under cProfile: where the time goes."""
    limit_threads(1)
    import cProfile
    import pstats

    import numpy as np

    from hullgen.hull import HullDistance, qp
    from hullgen.hull.products import TrainingProducts

    train = np.load(args.train, mmap_mode="r")
    test = np.load(args.test, mmap_mode="r")[: args.profile]
    tree = HullDistance(
        train, threads=1, gap=args.gap, device=args.device, precision=args.precision
    )
    tree.query(test[:2])  # compiled code loaded, HiGHS started: not part of the profile
    try:  # the compiled pool loop makes most restricted solves, out of cProfile's sight
        from hullgen.hull import pool
    except ImportError:  # the solver before it
        pool = None
    pool_solves = [0]
    if pool is not None:
        pool_rounds = pool.pool_rounds

        def counted(*args):
            out = pool_rounds(*args)
            pool_solves[0] += out[1]
            return out

        pool.pool_rounds = counted
    # Pass equivalents: each pass's queries times the share of the training rows it reads
    # (a subset pass reads every stride-th row).
    pass_rows = [0.0]
    top_prices, top_nearest = TrainingProducts.top_prices, TrainingProducts.top_nearest

    def counted_prices(self, w, k, offsets, rows=(0, 1)):
        pass_rows[0] += len(w) * len(range(rows[0], self.n, rows[1])) / self.n
        return top_prices(self, w, k, offsets, rows)

    def counted_nearest(self, x, k):
        pass_rows[0] += len(x)
        return top_nearest(self, x, k)

    TrainingProducts.top_prices, TrainingProducts.top_nearest = counted_prices, counted_nearest
    # Queries a pass could not settle at its precision, priced (or searched) in float64.
    from hullgen.hull.rows import TrainingRows

    exact_passes = [0]
    rows_dot = TrainingRows.dot

    def counted_dot(self, w):
        exact_passes[0] += 1
        return rows_dot(self, w)

    TrainingRows.dot = counted_dot
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    result = tree.query(test)
    profiler.disable()
    seconds = time.perf_counter() - start
    stats = pstats.Stats(profiler).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}

    def cumulative(function):
        code = getattr(function, "py_func", function).__code__  # numba: its Python source
        _, calls, _, seconds = stats.get(
            (code.co_filename, code.co_firstlineno, code.co_name), (0, 0, 0.0, 0.0)
        )[:4]
        return seconds, calls

    TrainingProducts.top_prices, TrainingProducts.top_nearest = top_prices, top_nearest
    TrainingRows.dot = rows_dot
    passes = cumulative(top_prices)[0] + cumulative(top_nearest)[0]
    parts = {"passes (products, top-k)": passes}
    if pool is not None:
        parts["compiled pool loop (restricted solves, pool pricing, growth)"] = (
            cumulative(pool_rounds)[0] + cumulative(pool.grow)[0]
        )
    solves, calls = cumulative(qp.solve_restricted)
    parts["restricted solves in Python" if pool is not None else "restricted solves"] = solves
    # The candidates are gathered with their products (take), the working sets plainly.
    parts["float64 row gathers"] = (
        cumulative(TrainingRows.__getitem__)[0] + cumulative(TrainingRows.take)[0]
    )
    parts["the rest (Python per query and round)"] = seconds - sum(parts.values())
    calls += pool_solves[0]
    queue.put({
        "points": len(test), "seconds": seconds,
        "passes_per_point": pass_rows[0] / len(test),
        "full_passes_per_point": 1 + float(result.rounds.mean()),
        "restricted_solves_per_point": calls / len(test),
        "exact_passes": exact_passes[0],
        "shares": {k: v / seconds for k, v in parts.items()},
    })  # fmt: skip


def _floor(args, queue):
    limit_threads(args.threads)
    import numpy as np

    train = np.ascontiguousarray(np.load(args.train), dtype=np.float32)
    test = np.ascontiguousarray(np.load(args.test)[: args.limit], dtype=np.float32)
    product, sync = (lambda: test @ train.T), (lambda: None)
    if args.device != "cpu":
        import torch

        torch.set_float32_matmul_precision("highest")  # IEEE float32, as the passes run
        train, test = (torch.from_numpy(a).to(args.device) for a in (train, test))
        product = lambda: test @ train.T  # noqa: E731
        sync = lambda: torch.cuda.synchronize(args.device)  # noqa: E731
        product()  # the first product on a GPU pays for cuBLAS's start
        sync()
    best = _best_of_two(product, sync)
    bf16 = None
    if args.device == "cpu" and args.bfloat16_floor:
        import torch

        torch.set_num_threads(args.threads)
        train16, test16 = (torch.from_numpy(a).bfloat16() for a in (train, test))
        bf16 = _best_of_two(lambda: test16 @ train16.T, lambda: None)
    queue.put({"seconds": best, "bfloat16_seconds": bf16, "peak_mib": peak_mib()})


def _best_of_two(product, sync) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        product()
        sync()
        best = min(best, time.perf_counter() - start)
    return best


def _naive(args, queue):
    limit_threads(args.threads)
    import numpy as np

    from hullgen.hull.naive import full_qp_distance, membership_lp

    train = np.load(args.train).astype(np.float64)
    test = np.load(args.test)[: args.limit].astype(np.float64)
    picks = np.linspace(0, len(test) - 1, args.baseline_points).round().astype(int)
    qp, lp = [], []
    for i in picks:
        start = time.perf_counter()
        distance, _, status = full_qp_distance(train, test[i], time_limit=args.qp_time_limit)
        qp.append({"point": int(i), "seconds": time.perf_counter() - start,
                   "distance": distance, "status": status})  # fmt: skip
        start = time.perf_counter()
        inside, _ = membership_lp(train, test[i])
        lp.append({"point": int(i), "seconds": time.perf_counter() - start, "inside": inside})
    queue.put({"qp": qp, "lp": lp, "peak_mib": peak_mib()})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--gap", type=float, default=1e-6)
    parser.add_argument(
        "--device", default="cpu",
        help="hull.device: cpu, or a CUDA device (cuda, cuda:1) for the passes and the floor",
    )  # fmt: skip
    parser.add_argument("--limit", type=int, default=None, help="use the first N test points")
    parser.add_argument(
        "--precision", default="auto", choices=["auto", "float32", "bfloat16"],
        help="hull.precision: the passes' precision",
    )  # fmt: skip
    parser.add_argument("--baseline-points", type=int, default=2)
    parser.add_argument("--qp-time-limit", type=float, default=1800.0)
    parser.add_argument("--json", help="also write the raw numbers here")
    parser.add_argument("--reuse", help="a previous run's --json: time only the baselines")
    parser.add_argument(
        "--profile", type=int, default=0,
        help="also profile this many test points in one process with one thread",
    )  # fmt: skip
    args = parser.parse_args(argv)
    args.scratch = os.path.abspath((args.json or "hull_benchmark.json") + ".distances.npy")

    import numpy as np

    n, d = np.load(args.train, mmap_mode="r").shape
    m = len(np.load(args.test, mmap_mode="r")[: args.limit])
    print(f"train {n} x {d}, test {m}, threads {args.threads}, device {args.device}", flush=True)
    if args.reuse:
        with open(args.reuse) as handle:
            previous = json.load(handle)
        hull, floor = previous["hullgen"], previous["floor"]
        distances = np.load(args.reuse + ".distances.npy")
    else:
        hull = in_process(_hullgen, args)
        print(f"hullgen: {hull['seconds']:.1f} s", flush=True)
        args.bfloat16_floor = hull.get("precision") == "bfloat16"
        floor = in_process(_floor, args)
        print(f"float32 GEMM floor: {floor['seconds']:.2f} s", flush=True)
        distances = np.load(args.scratch)
        if not args.json:
            os.unlink(args.scratch)
    naive = in_process(_naive, args) if args.baseline_points else {"qp": [], "lp": []}
    profile = in_process(_profile, args) if args.profile else None
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {"hullgen": hull, "floor": floor, "naive": naive, "profile": profile},
                handle, indent=2,
            )  # fmt: skip

    per_point = hull["seconds"] / m
    rows = [
        ("machine", f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                    f"{args.threads} threads, device {args.device}"),
        ("problem", f"{m} test x {n} train x {d} dims"),
        ("hullgen, all test points", f"{hull['seconds']:.1f} s ({1e3 * per_point:.1f} ms/point)"),
        ("hullgen peak memory",
         f"{hull['peak_mib']:.0f} MiB (main process), "
         f"{hull.get('worker_peak_mib', float('nan')):.0f} MiB (largest worker, shared pages "
         f"included); training matrix {hull.get('train_mib', n * d / 2**17):.0f} MiB "
         f"({hull.get('train_dtype', 'float64')})"),
        ("status", ", ".join(f"{v} {k}" for k, v in hull["status"].items())),
        ("largest relative gap", f"{hull['max_gap']:.1e}"),
        ("support of p: quartiles, largest, and pricing rounds per point",
         " / ".join(f"{q:g}" for q in hull.get("support_quartiles", [])) +
         f", {hull.get('support_max', '?')}; {hull.get('rounds_mean', float('nan')):.2f} rounds"),
        ("float32 GEMM floor (X T^T)",
         f"{floor['seconds']:.2f} s, peak {floor['peak_mib']:.0f} MiB"),
        ("hullgen / floor", f"{hull['seconds'] / floor['seconds']:.1f}x"),
        ("precision of the passes", hull.get("precision", "float32")),
    ]  # fmt: skip
    if floor.get("bfloat16_seconds"):
        rows.append(("bfloat16 GEMM floor (torch), and hullgen / it",
                     f"{floor['bfloat16_seconds']:.2f} s, "
                     f"{hull['seconds'] / floor['bfloat16_seconds']:.1f}x"))  # fmt: skip
    if profile:
        per = profile["points"]
        shares = ", ".join(f"{k} {100 * v:.0f}%" for k, v in profile["shares"].items())
        rows += [
            ("passes per point (k-NN, subset and full pricing passes, each by its share of "
             "the training rows)", f"{profile['passes_per_point']:.2f}"),
            ("full passes per point (k-NN + full pricing)",
             f"{profile.get('full_passes_per_point', profile['passes_per_point']):.2f}"),
            ("restricted solves per point", f"{profile['restricted_solves_per_point']:.1f}"),
            ("queries priced or searched again in float64 (the pass could not settle them)",
             f"{profile.get('exact_passes', 0)} of {per}"),
            (f"time shares ({per} points, 1 process, 1 thread, "
             f"{1e3 * profile['seconds'] / per:.1f} ms/point)", shares),
        ]  # fmt: skip
    for run in naive["qp"]:
        agree = abs(distances[run["point"]] - run["distance"]) / run["distance"]
        rows.append((f"naive HiGHS QP, point {run['point']}",
                     f"{run['seconds']:.1f} s ({run['status']}); speed-up "
                     f"{run['seconds'] / per_point:,.0f}x; "
                     f"relative difference {agree:.1e}"))  # fmt: skip
    for run in naive["lp"]:
        rows.append((f"membership LP, point {run['point']}",
                     f"{run['seconds']:.1f} s (inside: {run['inside']}); speed-up "
                     f"{run['seconds'] / per_point:,.0f}x"))  # fmt: skip
    print("\n| measure | value |\n| --- | --- |")
    for key, value in rows:
        print(f"| {key} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
