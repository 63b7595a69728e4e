"""Reader for the CIFAR-10 *binary* distribution (``cifar-10-binary.tar.gz``).

Each record is 3073 bytes: a label byte (0..9), then 1024 red, 1024 green and 1024 blue
pixel values of a 32x32 image in row-major order. Parsed with numpy; nothing is unpickled.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hullgen.errors import DataFormatError

SIDE = 32
RECORD_BYTES = 1 + 3 * SIDE * SIDE
N_CLASSES = 10
TRAIN_BATCHES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_BATCHES = ("test_batch.bin",)


def read_cifar_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x, y)`` from one binary batch: uint8 (n, 32, 32, 3) and int64 (n,)."""
    path = Path(path)
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % RECORD_BYTES:
        raise DataFormatError(
            f"{path}: {raw.size} bytes is not a whole number of {RECORD_BYTES}-byte CIFAR-10 "
            f"records (truncated or not a CIFAR-10 binary batch)"
        )
    records = raw.reshape(-1, RECORD_BYTES)
    y = records[:, 0].astype(np.int64)
    bad = np.flatnonzero(y >= N_CLASSES)
    if bad.size:
        raise DataFormatError(
            f"{path}: record {bad[0]} has label {y[bad[0]]}, CIFAR-10 labels are 0..9"
        )
    x = records[:, 1:].reshape(-1, 3, SIDE, SIDE).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(x), y


def read_cifar_batches(paths: Sequence[str | os.PathLike]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate several batches in the given order."""
    parts = [read_cifar_batch(p) for p in paths]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def write_cifar_batch(path: str | os.PathLike, x: np.ndarray, y: np.ndarray) -> None:
    """Write images (n, 32, 32, 3) and labels in the binary format (used by tests)."""
    x = np.asarray(x, dtype=np.uint8)
    records = np.empty((len(x), RECORD_BYTES), dtype=np.uint8)
    records[:, 0] = y
    records[:, 1:] = x.transpose(0, 3, 1, 2).reshape(len(x), -1)
    records.tofile(path)
