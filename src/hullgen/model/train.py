"""Training as a pipeline stage: fixed output paths, resumable from an epoch checkpoint.

Outputs: the final model (:mod:`hullgen.model.store`), one CSV row per epoch, a JSON with
the final train and test accuracy (a clean pass over each set, not the running training
average), and per-image predictions. The resume checkpoint lives in its own folder, is
keyed by a fingerprint of the options and the data, and is removed once training finishes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import lightning.pytorch as L
import numpy as np
import pandas as pd
import torch
from lightning.pytorch.plugins.environments import LightningEnvironment

from hullgen.io import atomic_path, save_json
from hullgen.model.data import ImageDataModule
from hullgen.model.device import resolve_device
from hullgen.model.embed import predictions, representations
from hullgen.model.inputs import channel_stats
from hullgen.model.module import ResNetClassifier
from hullgen.model.store import save_model
from hullgen.options import TrainOptions

log = logging.getLogger("hullgen")

RESUME_FILE = "last.ckpt"
FINGERPRINT_FILE = "fingerprint.txt"
METRIC_COLUMNS = ("train_loss", "train_acc", "test_loss", "test_acc")
# Knobs that change how fast training runs, not what it computes.
RUNTIME_ONLY = ("threads", "eval_batch_size")


@dataclass(frozen=True)
class Runtime:
    """Concrete device settings resolved from the config's ``auto`` values."""

    device: str
    precision: str
    compile: bool
    channels_last: bool
    augment: bool


def resolve_runtime(options: TrainOptions, dataset: str) -> Runtime:
    """Turn ``auto`` into concrete choices: GPU-first, CPU fallback."""
    device = resolve_device(options.device)
    cuda = device == "cuda"
    precision = options.precision
    if precision == "auto":
        precision = "bf16-mixed" if cuda else "32-true"
    compile_ = options.compile
    augment = options.augment
    return Runtime(
        device=device,
        precision=precision,
        compile=cuda if compile_ == "auto" else bool(compile_),
        channels_last=cuda,
        augment=(dataset == "cifar10") if augment == "auto" else bool(augment),
    )


def fingerprint(options: TrainOptions, runtime: Runtime, arrays) -> str:
    """Identity of a training run: what it computes from which data."""
    digest = hashlib.sha256()
    kept = {k: v for k, v in options.as_dict().items() if k not in RUNTIME_ONLY}
    digest.update(json.dumps([kept, runtime.__dict__], sort_keys=True).encode())
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.data)
    return digest.hexdigest()


class EpochLog(L.Callback):
    """One row per epoch (kept in the checkpoint, so a resumed run has the whole history)."""

    def __init__(self, n_train: int):
        self.rows: list[dict] = []
        self.n_train = n_train
        self._start = 0.0
        self._lr = float("nan")

    def on_train_epoch_start(self, trainer, pl_module):
        self._lr = float(trainer.optimizers[0].param_groups[0]["lr"])
        self._start = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module):
        seconds = time.perf_counter() - self._start
        metrics = trainer.callback_metrics
        row = {"epoch": trainer.current_epoch + 1}
        for name in METRIC_COLUMNS:
            row[name] = float(metrics[name]) if name in metrics else float("nan")
        row["lr"] = self._lr
        row["seconds"] = seconds
        row["images_per_second"] = self.n_train / seconds if seconds > 0 else float("nan")
        # A re-run epoch (resumed after a crash) replaces its row.
        self.rows = [r for r in self.rows if r["epoch"] < row["epoch"]] + [row]
        log.info(
            "epoch %d/%d: train loss %.4f acc %.4f, test loss %.4f acc %.4f, lr %.3g, %.1f s",
            row["epoch"],
            trainer.max_epochs,
            row["train_loss"],
            row["train_acc"],
            row["test_loss"],
            row["test_acc"],
            row["lr"],
            seconds,
        )

    def state_dict(self):
        return {"rows": self.rows}

    def load_state_dict(self, state_dict):
        self.rows = list(state_dict["rows"])


class EpochCheckpoint(L.Callback):
    """Saves the full training state after every epoch under one name, atomically."""

    def __init__(self, path: Path):
        self.path = path

    def on_train_epoch_end(self, trainer, pl_module):
        with atomic_path(self.path) as tmp:
            trainer.save_checkpoint(tmp, weights_only=False)


def _resume_checkpoint(resume_dir: Path, key: str) -> Path | None:
    """The checkpoint to resume from, if one of this exact run is there; else a clean folder."""
    checkpoint = resume_dir / RESUME_FILE
    stamp = resume_dir / FINGERPRINT_FILE
    if checkpoint.is_file() and stamp.is_file() and stamp.read_text().strip() == key:
        return checkpoint
    if resume_dir.exists():
        log.info("discarding %s: it belongs to another configuration or data", resume_dir)
        shutil.rmtree(resume_dir)
    resume_dir.mkdir(parents=True)
    stamp.write_text(key + "\n")
    return None


def single_device_trainer(runtime: Runtime, **settings) -> L.Trainer:
    """A Lightning Trainer on one device with the runtime's precision, quiet (hullgen logs
    and checkpoints itself); ``settings`` add the loop's own arguments."""
    return L.Trainer(
        accelerator="gpu" if runtime.device == "cuda" else "cpu",
        devices=1,
        num_nodes=1,
        # A plain environment: inside a SLURM allocation Lightning would otherwise try to
        # manage the allocation itself and can hang.
        plugins=[LightningEnvironment()],
        precision=runtime.precision,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        **settings,
    )


def network_options(options: TrainOptions, image_shape, num_classes: int, x_train) -> dict:
    mean, std = channel_stats(x_train)
    return {
        "depth": int(options.depth),
        "image_shape": [int(s) for s in image_shape],
        "num_classes": int(num_classes),
        "mean": mean,
        "std": std,
    }


def train(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    options: TrainOptions,
    dataset: str,
    num_classes: int,
    outputs: dict,
    resume_dir: str | os.PathLike,
    threads: int = 1,
) -> dict:
    """Train the configured ResNet and write ``outputs`` (model, metrics_csv, metrics_json,
    predictions); returns the final metrics."""
    runtime = resolve_runtime(options, dataset)
    torch.set_num_threads(max(1, threads))
    if options.deterministic and runtime.device == "cuda":
        # cuBLAS needs this before its first call to be deterministic.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    resume_dir = Path(resume_dir)
    key = fingerprint(options, runtime, (x_train, y_train, x_test, y_test))
    checkpoint = _resume_checkpoint(resume_dir, key)

    L.seed_everything(options.seed, workers=False, verbose=False)
    network = network_options(options, x_train.shape[1:], num_classes, x_train)
    module = ResNetClassifier(
        network,
        epochs=options.epochs,
        optimizer=options.optimizer,
        lr=options.lr,
        momentum=options.momentum,
        nesterov=options.nesterov,
        weight_decay=options.weight_decay,
        schedule=options.schedule,
        milestones=tuple(options.milestones),
        gamma=options.gamma,
        warmup_epochs=options.warmup_epochs,
        channels_last=runtime.channels_last,
        compile=runtime.compile,
    )
    datamodule = ImageDataModule(
        x_train,
        y_train,
        x_test,
        y_test,
        batch_size=options.batch_size,
        eval_batch_size=options.eval_batch_size,
        crop_padding=options.crop_padding if runtime.augment else 0,
        seed=options.seed,
    )
    epoch_log = EpochLog(len(x_train))
    trainer = single_device_trainer(
        runtime,
        deterministic=bool(options.deterministic),
        max_epochs=options.epochs,
        benchmark=False if options.deterministic else None,
        check_val_every_n_epoch=options.eval_every,
        num_sanity_val_steps=0,
        callbacks=[epoch_log, EpochCheckpoint(resume_dir / RESUME_FILE)],
        default_root_dir=resume_dir,
    )
    log.info(
        "ResNet-%d (%d parameters) on %s, precision %s, compile %s, augment %s, %d epochs of %d "
        "images%s",
        options.depth,
        sum(p.numel() for p in module.net.parameters()),
        runtime.device,
        runtime.precision,
        runtime.compile,
        runtime.augment,
        options.epochs,
        len(x_train),
        f"; resuming from {checkpoint}" if checkpoint else "",
    )
    started = time.perf_counter()
    trainer.fit(module, datamodule=datamodule, ckpt_path=checkpoint, weights_only=True)
    seconds = time.perf_counter() - started

    net = module.net.to(memory_format=torch.contiguous_format).eval()
    frames, metrics = [], {}
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        logits = representations(net, x, ("logits",), options.eval_batch_size)["logits"]
        pred = predictions(logits, y)
        loss = torch.nn.functional.cross_entropy(
            torch.from_numpy(logits).double(), torch.from_numpy(pred["label"])
        )
        metrics[f"{split}_accuracy"] = float(pred["correct"].mean())
        metrics[f"{split}_loss"] = float(loss)
        frames.append(pd.DataFrame({"split": split, "row": np.arange(len(y)), **pred}))
    metrics.update(
        epochs=int(options.epochs),
        depth=int(options.depth),
        parameters=int(sum(p.numel() for p in net.parameters())),
        device=runtime.device,
        precision=runtime.precision,
        compile=runtime.compile,
        augment=runtime.augment,
        seconds_this_run=seconds,
        resumed=checkpoint is not None,
    )
    save_model(outputs["model"], net, network)
    with atomic_path(outputs["predictions"]) as tmp:
        pd.concat(frames, ignore_index=True).to_parquet(tmp, index=False)
    with atomic_path(outputs["metrics_csv"]) as tmp:
        pd.DataFrame(epoch_log.rows).to_csv(tmp, index=False)
    save_json(outputs["metrics_json"], metrics)
    shutil.rmtree(resume_dir, ignore_errors=True)
    log.info(
        "final accuracy: train %.4f, test %.4f",
        metrics["train_accuracy"],
        metrics["test_accuracy"],
    )
    return metrics
