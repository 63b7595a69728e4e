"""Training throughput of the CIFAR ResNet through hullgen's own Lightning path.

    python benchmarks/train_throughput.py [--depths 20 56] [--batch-sizes 128 512]
        [--device auto|cpu|cuda] [--steps 20] [--warmup 5] [--threads N]
        [--fashion-mnist DIR [--epochs E]] [--json OUT.json]

Throughput: training images per second over ``--steps`` optimizer steps after ``--warmup``
steps (compilation, cuDNN autotuning, allocator warm-up), on 50,000 synthetic 32 x 32 RGB
images resident on the device, with random crop + flip, exactly as ``hullgen.model.train``
runs (same LightningModule, DataModule, precision, channels_last and torch.compile choices).

``--fashion-mnist DIR`` then trains the shipped config/fashion-mnist.yaml recipe on the four
IDX files in DIR (e.g. Debian's /usr/share/datasets/fashion-mnist) and reports the final test
accuracy, the wall time and the images per second of that run.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import lightning.pytorch as L
import numpy as np
import torch

from hullgen import config as hullgen_config
from hullgen.data.prepare import load_idx_dataset
from hullgen.model.data import ImageDataModule
from hullgen.model.inputs import channel_stats
from hullgen.model.module import ResNetClassifier
from hullgen.model.train import resolve_runtime, single_device_trainer, train

REPO = Path(__file__).resolve().parents[1]
FASHION_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


class StepTimer(L.Callback):
    """Wall time from the start of step ``warmup`` to the end of the last step."""

    def __init__(self, warmup: int, cuda: bool):
        self.warmup, self.cuda = warmup, cuda
        self.start = self.stop = None

    def _sync(self):
        if self.cuda:
            torch.cuda.synchronize()

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.global_step == self.warmup and self.start is None:
            self._sync()
            self.start = time.perf_counter()

    def on_train_end(self, trainer, pl_module):
        self._sync()
        self.stop = time.perf_counter()


def throughput(depth: int, batch_size: int, args) -> dict:
    options = {"device": args.device, "precision": args.precision, "compile": args.compile}
    runtime = resolve_runtime({**options, "augment": True}, "cifar10")
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    n = 50_000
    x = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, n)
    mean, std = channel_stats(x[:5000])
    network = {"depth": depth, "image_shape": [32, 32, 3], "num_classes": 10, "mean": mean}
    network["std"] = std
    L.seed_everything(0, verbose=False)
    module = ResNetClassifier(
        network,
        epochs=1,
        channels_last=runtime.channels_last,
        compile=runtime.compile,
    )
    data = ImageDataModule(x, y, x[:1000], y[:1000], batch_size=batch_size, crop_padding=4)
    timer = StepTimer(args.warmup, runtime.device == "cuda")
    steps = args.warmup + args.steps
    trainer = single_device_trainer(
        runtime,
        deterministic=args.deterministic,
        max_steps=steps,
        max_epochs=-1,
        limit_val_batches=0,
        callbacks=[timer],
    )
    trainer.fit(module, datamodule=data)
    seconds = timer.stop - timer.start
    row = {
        "depth": depth,
        "batch_size": batch_size,
        "images_per_second": args.steps * batch_size / seconds,
        "timed_steps": args.steps,
        "seconds": seconds,
        "device": runtime.device,
        "precision": runtime.precision,
        "compile": runtime.compile,
        "channels_last": runtime.channels_last,
        "deterministic": args.deterministic,
    }
    print(
        f"ResNet-{depth} batch {batch_size}: {row['images_per_second']:,.0f} images/s "
        f"({runtime.device}, {runtime.precision}, compile {runtime.compile})",
        flush=True,
    )
    return row


def fashion_accuracy(args) -> dict:
    folder = Path(args.fashion_mnist)
    splits = load_idx_dataset({name: folder / name for name in FASHION_FILES})
    cfg = hullgen_config.load(REPO / "config" / "fashion-mnist.yaml")
    options = {k: v for k, v in cfg["train"].items() if k not in ("enabled", "threads")}
    options["device"] = args.device
    if args.epochs:
        options["epochs"] = args.epochs
    with tempfile.TemporaryDirectory() as tmp:
        outputs = {
            key: Path(tmp) / name
            for key, name in (
                ("model", "model.pt"),
                ("metrics_csv", "metrics.csv"),
                ("metrics_json", "metrics.json"),
                ("predictions", "predictions.parquet"),
            )
        }
        started = time.perf_counter()
        metrics = train(
            splits.x_train,
            splits.y_train,
            splits.x_test,
            splits.y_test,
            options=options,
            dataset="fashion-mnist",
            num_classes=10,
            outputs=outputs,
            resume_dir=Path(tmp) / "resume",
            threads=args.threads,
        )
        seconds = time.perf_counter() - started
    result = {
        "test_accuracy": metrics["test_accuracy"],
        "train_accuracy": metrics["train_accuracy"],
        "epochs": options["epochs"],
        "seconds": seconds,
        "images_per_second": options["epochs"] * len(splits.x_train) / seconds,
        "device": metrics["device"],
        "precision": metrics["precision"],
        "compile": metrics["compile"],
    }
    print(
        f"Fashion-MNIST, ResNet-{options['depth']}, {options['epochs']} epochs: test accuracy "
        f"{result['test_accuracy']:.4f} in {seconds:.0f} s",
        flush=True,
    )
    return result


def _auto_or_bool(text: str):
    choices = {"auto": "auto", "true": True, "false": False}
    if text not in choices:
        raise argparse.ArgumentTypeError(f"expected auto, true or false, got {text!r}")
    return choices[text]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[20, 56])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[128, 512])
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--precision", default="auto", choices=["auto", "32-true", "bf16-mixed"])
    parser.add_argument(
        "--compile", default="auto", type=lambda s: {"true": True, "false": False}.get(s, s)
    )
    parser.add_argument("--deterministic", action="store_true")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--fashion-mnist", metavar="DIR")
    parser.add_argument("--epochs", type=int, help="override the config's epochs (accuracy run)")
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args(argv)
    report = {
        "machine": {
            "platform": platform.platform(),
            "cpu_threads": args.threads,
            "torch": torch.__version__,
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        },
        "throughput": [
            throughput(depth, batch, args) for depth in args.depths for batch in args.batch_sizes
        ],
    }
    if args.fashion_mnist:
        report["fashion_mnist"] = fashion_accuracy(args)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
