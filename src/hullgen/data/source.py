"""Where a dataset's rows come from: a known dataset (raw files, one loader each), an image
folder, or feature arrays.

For the user's own data (an image folder or arrays), :func:`describe` scans the input when the
workflow is parsed: the layout, the shapes, the labels. Each split is then prepared by a job of
its own (:func:`load_split`) that depends on that split's files only (its arrays as inputs, an
image folder's images through :meth:`Source.fingerprint`), so that replacing the test data
reruns what depends on the test data and nothing else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from hullgen.data import arrays, folder, prepare, registry
from hullgen.data.registry import DatasetSpec
from hullgen.data.split import subset_positions

KNOWN, IMAGE_FOLDER, ARRAYS = "known", "image-folder", "arrays"
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Source:
    """A dataset as the workflow sees it when parsed.

    ``spec`` gives the name, classes and image shape (for arrays, ``(width,)``: their rows
    are not images). For the user's own data, ``scan`` is the image folder's or the arrays'
    scan, and :meth:`inputs` the files each split's job reads.
    """

    kind: str
    spec: DatasetSpec
    scan: folder.FolderScan | arrays.ArraysScan | None = None
    # Each split's fingerprint, computed once (Snakemake asks for it job by job).
    _fingerprints: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def own(self) -> bool:
        """Whether the data is the user's own (an image folder or arrays)."""
        return self.kind != KNOWN

    @property
    def images(self) -> bool:
        return self.kind != ARRAYS

    @property
    def labelled(self) -> bool:
        return not isinstance(self.scan, arrays.ArraysScan) or self.scan.labelled

    def labels(self, split: str) -> np.ndarray:
        """Class index of every row of ``split``, in the source's order (own data only)."""
        return self.scan.labels[split]

    def inputs(self, split: str) -> list[str]:
        """The files a split's job reads that Snakemake tracks as its inputs: the split's row
        and label arrays. An image folder's images are tracked by :meth:`fingerprint`."""
        if isinstance(self.scan, folder.FolderScan):
            return []
        refs = (self.scan.rows[split], self.scan.label_refs[split])
        return sorted({str(ref.path) for ref in refs if ref is not None})

    def fingerprint(self, split: str) -> str | None:
        """An image folder split's files as one hash of each file's path, size and
        modification time (None for other sources): a params entry, so that adding,
        removing or replacing an image reruns the split's job. Not inputs: Snakemake reads
        ``<name>`` in a path as a path variable, and a class folder may be called that."""
        if not isinstance(self.scan, folder.FolderScan):
            return None
        if split not in self._fingerprints:
            self._fingerprints[split] = self._fingerprint(split)
        return self._fingerprints[split]

    def _fingerprint(self, split: str) -> str:
        digest = hashlib.sha256()
        for rel, path in zip(self.scan.files[split], self.scan.paths(split), strict=True):
            stat = path.stat()
            digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return f"{len(self.scan.files[split])} files, sha256 {digest.hexdigest()}"


def describe(dataset: dict) -> Source:
    """The source of the config's ``dataset`` section (validated); DataFormatError names the
    file at fault in the user's own data."""
    kind, name = dataset["kind"], dataset["name"]
    if kind == KNOWN:
        return Source(kind, registry.get(name))
    if kind == IMAGE_FOLDER:
        scan = folder.scan(dataset["path"])
        spec = DatasetSpec(name, scan.image_shape, len(scan.classes), scan.classes)
        return Source(kind, spec, scan)
    files = {key: dataset[key] for key in ("train", "test", "train_labels", "test_labels")}
    scan = arrays.scan(files)
    spec = DatasetSpec(name, (scan.width,), len(scan.classes), scan.classes)
    return Source(kind, spec, scan)


def n_rows(source: Source, subset: dict, split: str) -> int:
    """Rows of a split after the subset (own data only: known when the workflow is parsed)."""
    n = subset[f"n_{split}"]
    return len(source.labels(split)) if n is None else int(n)


def load_split(source: Source, split: str, subset: dict):
    """``(x, y, index)`` of one split of the user's own data: images (uint8, n x h x w[x 3])
    or rows as stored, class indices, and each row's position in the source's order.

    A split kept whole from a ``.npy`` file is that file memory-mapped (an ``np.memmap``,
    checked block by block): the data stage links to it rather than copy it.
    """
    labels = source.labels(split)
    whole = subset[f"n_{split}"] is None
    rows = subset_positions(labels, subset[f"n_{split}"], subset["seed"], split)
    if isinstance(source.scan, folder.FolderScan):
        x = folder.read_split(source.scan, split, rows)
    else:
        x = arrays.read_rows(source.scan, split, None if whole else rows)
    return x, labels[rows], rows.astype(np.int64)


def summary(source: Source, y: dict[str, np.ndarray], index: dict[str, np.ndarray]) -> dict:
    """What the data stage prepared, for the dataset's info.json."""
    spec = source.spec
    out = {"dataset": spec.name, "kind": source.kind, "labelled": source.labelled}
    if source.images:
        out["image_shape"] = list(spec.image_shape)
    else:
        out["width"] = int(spec.image_shape[0])
    out.update(prepare.class_summary(spec, y))
    for split in SPLITS:
        if isinstance(source.scan, folder.FolderScan):
            out[f"files_{split}"] = [source.scan.files[split][int(i)] for i in index[split]]
        elif source.scan is not None:
            out[f"file_{split}"] = str(source.scan.rows[split])
    return out
