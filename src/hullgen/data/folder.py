"""An image folder: ``train/<class>/*`` and ``test/<class>/*``, the layout torchvision's
ImageFolder reads.

:func:`scan` lists the files and checks the layout without opening more than one image (it runs
when the workflow is parsed, before any job); :func:`read_split` reads one split's images with
Pillow and checks that every image has the first one's size and mode.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hullgen.data.names import check_class_name
from hullgen.errors import DataFormatError

SPLITS = ("train", "test")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
# Pillow mode -> the array's trailing shape: grey images are (h, w), colour ones (h, w, 3).
MODES = {"L": (), "RGB": (3,)}


@dataclass(frozen=True)
class FolderScan:
    """The files of an image folder, in a fixed order (class, then file name).

    ``files[split]`` holds paths relative to ``root``; ``labels[split]`` each file's class
    index into ``classes`` (the training folder's class folders, sorted).
    """

    root: Path
    classes: tuple[str, ...]
    files: dict[str, tuple[str, ...]]
    labels: dict[str, np.ndarray]
    image_shape: tuple[int, ...]
    mode: str

    def paths(self, split: str) -> list[Path]:
        return [self.root / rel for rel in self.files[split]]


# What file managers and notebooks leave in folders: not the data's. Any other name is data
# (a class may well be called ".. raw:: html").
IGNORED = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".ipynb_checkpoints"})


def _visible(entries):
    kept = (e for e in entries if e.name not in IGNORED and not e.name.startswith("._"))
    return sorted(kept, key=lambda e: e.name)


def _class_folders(root: Path, split: str) -> list[Path]:
    folder = root / split
    if not folder.is_dir():
        raise DataFormatError(
            f"image folder {root}: no '{split}' folder (expected {root}/{split}/<class>/<image>)"
        )
    entries = _visible(folder.iterdir())
    loose = [e for e in entries if not e.is_dir()]
    if loose:
        raise DataFormatError(
            f"{loose[0]}: a file directly in the {split} folder; images go in one folder per "
            f"class ({folder}/<class>/{loose[0].name})"
        )
    if not entries:
        raise DataFormatError(f"{folder}: no class folders (expected {folder}/<class>/<image>)")
    for entry in entries:
        check_class_name(entry.name, f"class folder {entry}")
    return entries


def _images(class_folder: Path) -> list[Path]:
    files = []
    for entry in _visible(class_folder.iterdir()):
        if entry.is_dir() or entry.suffix.lower() not in IMAGE_SUFFIXES:
            what = "a folder" if entry.is_dir() else "not an image file"
            raise DataFormatError(
                f"{entry}: {what}; a class folder holds only images ({', '.join(IMAGE_SUFFIXES)})"
            )
        files.append(entry)
    if not files:
        raise DataFormatError(f"{class_folder}: no images in this class folder")
    return files


def image_layout(path: Path) -> tuple[tuple[int, ...], str]:
    """The array shape and Pillow mode of the image at ``path`` (reads its header only)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            mode = image.mode
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise DataFormatError(f"{path}: cannot be read as an image ({err})") from None
    if mode not in MODES:
        raise DataFormatError(
            f"{path}: image mode {mode!r}; hullgen reads grey (L) or colour (RGB) images, "
            f"convert the folder to one of them"
        )
    return (height, width, *MODES[mode]), mode


def first_image(root: str | os.PathLike) -> Path | None:
    """The image :func:`scan` takes the size and mode from (the first image of the first
    training class), found without listing the whole folder; None if the layout is not
    that of an image folder (:func:`scan` says what is wrong)."""
    train = Path(root) / "train"
    try:
        classes = [e for e in _visible(train.iterdir()) if e.is_dir()]
        first = _visible(classes[0].iterdir())[0] if classes else None
    except (OSError, IndexError):
        return None
    return first if first is not None and first.suffix.lower() in IMAGE_SUFFIXES else None


def scan(root: str | os.PathLike) -> FolderScan:
    """List and check an image folder's layout; raise DataFormatError naming what is wrong.

    Classes are the training split's folders, sorted by name; a test class folder must be one
    of them. The size and mode are the first training image's; :func:`read_split` enforces
    them on every image.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataFormatError(f"image folder {root} does not exist or is not a folder")
    train_folders = _class_folders(root, "train")
    classes = tuple(folder.name for folder in train_folders)
    files, labels = {}, {}
    for split in SPLITS:
        folders = train_folders if split == "train" else _class_folders(root, split)
        paths, split_labels = [], []
        for folder in folders:
            if folder.name not in classes:
                raise DataFormatError(
                    f"{folder}: class {folder.name!r} has no training folder "
                    f"(training classes: {', '.join(classes)})"
                )
            images = _images(folder)
            paths += [str(p.relative_to(root)) for p in images]
            split_labels += [classes.index(folder.name)] * len(images)
        files[split] = tuple(paths)
        labels[split] = np.asarray(split_labels, dtype=np.int64)
    shape, mode = image_layout(root / files["train"][0])
    return FolderScan(root, classes, files, labels, shape, mode)


def read_split(scan_: FolderScan, split: str, rows: np.ndarray | None = None) -> np.ndarray:
    """One split's images (those at positions ``rows``, all by default) as uint8 (n, h, w[, 3]).

    Every image must have the first training image's size and mode: the first that does not
    is named in the error, beside the one that set them.
    """
    from PIL import Image, UnidentifiedImageError

    paths = scan_.paths(split)
    chosen = range(len(paths)) if rows is None else [int(r) for r in rows]
    reference = scan_.root / scan_.files["train"][0]
    out = np.empty((len(chosen), *scan_.image_shape), dtype=np.uint8)
    for i, row in enumerate(chosen):
        path = paths[row]
        try:
            with Image.open(path) as image:
                if image.mode != scan_.mode:
                    raise DataFormatError(
                        f"{path}: image mode {image.mode!r}, but {reference} (the first "
                        f"training image) is {scan_.mode!r}; every image must have one mode"
                    )
                array = np.asarray(image)
        except (UnidentifiedImageError, OSError, ValueError) as err:
            raise DataFormatError(f"{path}: cannot be read as an image ({err})") from None
        if array.shape != scan_.image_shape:
            raise DataFormatError(
                f"{path}: image of {_size(array.shape)}, but {reference} (the first training "
                f"image) is {_size(scan_.image_shape)}; every image must have one size"
            )
        out[i] = array
    return out


def _size(shape: tuple[int, ...]) -> str:
    return f"{shape[1]}x{shape[0]} pixels"
