"""The user's own data for the tests: image folders and feature arrays written from real data,
read back without hullgen (an IDX reader of its own), and results matched by row."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
from PIL import Image

from hullgen.data import registry

# Fashion-MNIST's classes as folder names: "T-shirt/top" cannot be one ('/').
FASHION_FOLDERS = tuple(name.replace("/", " or ") for name in registry.get("fashion-mnist").classes)


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzip), read here with numpy alone: images (n, h, w) or labels (n,)."""
    with gzip.open(path) as handle:
        raw = handle.read()
    dims = raw[3]
    shape = np.frombuffer(raw[4 : 4 + 4 * dims], dtype=">u4").astype(int)
    return np.frombuffer(raw[4 + 4 * dims :], dtype=np.uint8).reshape(shape)


def write_image_folder(
    root: Path, splits: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], classes
) -> Path:
    """``root/<split>/<class>/<id>.png`` for each split's (images, labels, ids)."""
    for split, (images, labels, ids) in splits.items():
        for image, label, row in zip(images, labels, ids, strict=True):
            folder = root / split / classes[int(label)]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.asarray(image, dtype=np.uint8)).save(folder / f"{int(row):05d}.png")
    return root


def row_keys(rows: np.ndarray) -> list[bytes]:
    """A key per row: its values as float64 bytes (the same image or feature row, wherever)."""
    flat = np.asarray(rows, dtype=np.float64).reshape(len(rows), -1)
    return [row.tobytes() for row in flat]


def match_rows(rows_a: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
    """For each row of ``rows_b``, the position of an equal row of ``rows_a`` (equal rows have
    equal distances, so any of them will do); every row of ``rows_b`` must have one."""
    where = {key: i for i, key in enumerate(row_keys(rows_a))}
    keys = row_keys(rows_b)
    missing = sum(key not in where for key in keys)
    assert not missing, f"{missing} rows have no equal row to match"
    return np.array([where[key] for key in keys])
