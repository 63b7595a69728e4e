"""Benchmark of the exact diameter (hullgen.hull.diameter) against the all-pairs search.

    python benchmarks/diameter.py --train benchmarks/out/clip-0.1/train_x.npy \
        --train benchmarks/out/resnet-0.1/train_x.npy [--threads N] [--json OUT.json]

For each training file, on the same machine and threads, each in its own process (so that its
peak resident set size is its own; the memory-mapped file's pages count in it once read):
  * hullgen: ``diameter_search(T)``: rows by radius, block pairs best first, the radius and
    projection bounds, float32 products of what is left, float64 decisions;
  * all pairs: every pair's float32 product in blocks, and every pair within the products'
    a-priori error of the best decided in float64 (the algorithm hullgen used before #36,
    with its float64 and float32 copies of the rows).
Prints seconds, their ratio, peak memory, the block pairs multiplied out of all (and the row
pairs), and whether both found the same diameter and pair.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from processes import in_process, limit_threads, peak_mib


def all_pairs_diameter(points, block: int = 4096) -> tuple[float, int, int]:
    """(diameter, i, j) from every pair's float32 product: the exact all-pairs baseline.

    Each block pair's float32 squared distances are screened, and every pair within their
    a-priori error of the best is re-evaluated in float64 from the input rows (as hullgen
    decides them, so that both give the same float64 diameter).
    """
    import numpy as np

    from hullgen.hull.rounding import F32_EPS, float32_dot_error

    n, d = points.shape
    x = np.array(points, dtype=np.float64)
    x -= x.mean(axis=0)  # smaller norms, smaller float32 error
    sq = np.einsum("ij,ij->i", x, x)
    x32 = x.astype(np.float32)
    sq32 = sq.astype(np.float32)
    max_sq = float(sq.max())
    # |fl32(D2) - D2| <= 2 |fl32(a.b) - a.b| + rounding of the norms and of the 3 additions.
    error = 2 * float32_dot_error(d) * max_sq + 16 * F32_EPS * max_sq
    best = (-np.inf, 0, 1)  # float64-verified: (squared distance, i, j)
    for a in range(0, n, block):
        xa = x32[a : a + block]
        for b in range(a, n, block):
            d2 = (
                sq32[a : a + block, None]
                + sq32[None, b : b + block]
                - 2 * (xa @ x32[b : b + block].T)
            )
            top = float(d2.max())
            if top + error < best[0]:
                continue
            # Every pair that could still beat the best is decided in float64.
            ii, jj = np.nonzero(d2 >= max(best[0], top - 2 * error) - error)
            ii, jj = ii + a, jj + b
            keep = jj > ii
            ii, jj = ii[keep], jj[keep]
            if len(ii):
                diff = np.asarray(points[ii], dtype=np.float64) - points[jj]
                exact = np.einsum("ij,ij->i", diff, diff)
                k = int(np.argmax(exact))
                if exact[k] > best[0]:
                    best = (float(exact[k]), int(ii[k]), int(jj[k]))
    return float(np.sqrt(best[0])), best[1], best[2]


def _hullgen(path, threads, queue):
    limit_threads(threads)
    import numpy as np

    from hullgen.hull.diameter import diameter_search

    train = np.load(path, mmap_mode="r")
    diameter_search(np.ones((3, 2)))  # compiled code loaded: not part of the time
    start = time.perf_counter()
    found = diameter_search(train)
    seconds = time.perf_counter() - start
    queue.put({
        "seconds": seconds, "peak_mib": peak_mib(), "diameter": found.diameter,
        "i": found.i, "j": found.j, "block": found.block,
        "projection_dims": found.projection_dims, "block_pairs": found.block_pairs,
        "block_pairs_multiplied": found.block_pairs_multiplied,
        "row_pairs_multiplied": found.row_pairs_multiplied,
        "row_pair_share": found.row_pair_share, "pairs_decided": found.pairs_decided,
    })  # fmt: skip


def _all_pairs(path, threads, queue):
    limit_threads(threads)
    import numpy as np

    train = np.load(path, mmap_mode="r")
    start = time.perf_counter()
    diameter, i, j = all_pairs_diameter(train)
    seconds = time.perf_counter() - start
    queue.put({"seconds": seconds, "peak_mib": peak_mib(), "diameter": diameter, "i": i, "j": j})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--train", action="append", required=True, help="an (n, d) .npy file; repeatable"
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json", help="also write the raw numbers here")
    args = parser.parse_args(argv)

    import numpy as np

    results = {}
    for path in args.train:
        n, d = np.load(path, mmap_mode="r").shape
        print(f"{path}: {n} x {d}, threads {args.threads}", flush=True)
        hull = in_process(_hullgen, path, args.threads)
        print(f"  hullgen: {hull['seconds']:.1f} s", flush=True)
        pairs = in_process(_all_pairs, path, args.threads)
        print(f"  all pairs: {pairs['seconds']:.1f} s", flush=True)
        same = (hull["diameter"], hull["i"], hull["j"]) == (
            pairs["diameter"], pairs["i"], pairs["j"],
        )  # fmt: skip
        results[path] = {"n": n, "d": d, "hullgen": hull, "all_pairs": pairs, "same": same}
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {"machine": _machine(args.threads), "threads": args.threads, "files": results},
                handle, indent=2,
            )  # fmt: skip

    print(f"\n{_machine(args.threads)}\n")
    print(
        "| file | n x d | hullgen | all pairs | ratio | peak memory (hullgen, all pairs) "
        "| block pairs multiplied | row pairs multiplied | same diameter and pair |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for path, r in results.items():
        hull, pairs = r["hullgen"], r["all_pairs"]
        found = f"{hull['diameter']!r} ({hull['i']}, {hull['j']})"
        print(f"| {path} | {r['n']:,} x {r['d']} | {hull['seconds']:.1f} s "
              f"| {pairs['seconds']:.1f} s | {pairs['seconds'] / hull['seconds']:.0f}x "
              f"| {hull['peak_mib']:,.0f} MiB, {pairs['peak_mib']:,.0f} MiB "
              f"| {hull['block_pairs_multiplied']} of {hull['block_pairs']} "
              f"| {hull['row_pair_share']:.1e} of all "
              f"| {'yes' if r['same'] else 'NO'}: {found} |")  # fmt: skip
    return 0 if all(r["same"] for r in results.values()) else 1


def _machine(threads: int) -> str:
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"{threads} threads")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
