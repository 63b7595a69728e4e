"""The full-size Fashion-MNIST pixel space as uint8 rows, for the hull benchmark.

    python benchmarks/pixel_set.py --fashion-mnist /usr/share/datasets/fashion-mnist \
        --out benchmarks/out/pixel

The same uint8 rows as the workflow's ``results/fashion-mnist/spaces/pixel`` files, read
straight from the IDX files, so that the benchmark (and ``gpu_check.sh``) needs no workflow
run. Writes ``train.npy`` (60,000 x 784) and ``test.npy`` (10,000 x 784) into ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hullgen.data.idx import read_idx_images
from hullgen.io import save_npy


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fashion-mnist", required=True, help="folder of the four IDX files")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    source, out = Path(args.fashion_mnist), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for split, name in (("train", "train"), ("t10k", "test")):
        images = read_idx_images(source / f"{split}-images-idx3-ubyte.gz")
        save_npy(out / f"{name}.npy", images.reshape(len(images), -1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
