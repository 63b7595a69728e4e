"""Training in tests: a one-epoch ResNet-8 recipe on 400 digits, and the files it writes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from hullgen.data.prepare import load_digits
from hullgen.model.train import train
from hullgen.options import TrainOptions

# The training options of a test: one epoch of a ResNet-8, deterministic, on the CPU.
TRAIN_OPTIONS = TrainOptions.from_mapping(
    {
        "depth": 8,
        "epochs": 1,
        "batch_size": 64,
        "eval_batch_size": 256,
        "optimizer": "sgd",
        "lr": 0.1,
        "momentum": 0.9,
        "nesterov": False,
        "weight_decay": 1e-4,
        "schedule": "multistep",
        "milestones": [0.5, 0.75],
        "gamma": 0.1,
        "warmup_epochs": 0,
        "augment": "auto",
        "crop_padding": 4,
        "seed": 0,
        "deterministic": True,
        "device": "cpu",
        "precision": "auto",
        "compile": "auto",
        "eval_every": 1,
    }
)


def model_outputs(folder: Path) -> dict:
    return {
        "model": folder / "model.pt",
        "metrics_csv": folder / "metrics.csv",
        "metrics_json": folder / "metrics.json",
        "predictions": folder / "predictions.parquet",
    }


def digits_subset():
    d = load_digits(0.25, 0)
    return d.x_train[:400], d.y_train[:400], d.x_test[:100], d.y_test[:100]


def train_digits(folder: Path, **changes) -> dict:
    options = dataclasses.replace(TRAIN_OPTIONS, **changes)
    train(
        *digits_subset(),
        options=options,
        dataset="digits",
        num_classes=10,
        outputs=model_outputs(folder),
        resume_dir=folder / "resume",
        threads=1,
    )
    return torch.load(folder / "model.pt", weights_only=True)["state_dict"]
