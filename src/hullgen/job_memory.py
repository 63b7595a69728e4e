"""The memory each job asks for, from the sizes of the matrices it reads.

Every size is known when the workflow is parsed: the rows each split keeps, each space's
width and how its rows are stored. So a dry run shows every job's request, and a SLURM job
asks for what it will use, at any scale: a fixed multiple of its input files would
over-ask (40 x a 3.9 GB matrix is more than a node has) or, for small inputs, be killed.

A job's peak is modelled as what it holds of the matrices, in bytes, plus a constant per
process (:data:`PROCESS_MB`: Python, numpy, pandas, pyarrow, matplotlib). A memory-mapped
file counts once, whole: its pages are charged to the job that reads them, as cgroups charge
the page cache, and shared by every process of the job. The model is checked against the
peaks measured at five scales up to ImageNet's (``benchmarks/README.md``, "The pipeline at
ImageNet scale"); requests add :data:`HEADROOM` and grow with the attempt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hullgen.hull.memory import auto_budget
from hullgen.spaces.build import space_width

MB = 10**6  # Snakemake's mem_mb counts megabytes
# One process's own memory with hullgen's imports (matplotlib's and scikit-learn's for the
# findings): the largest measured, 450 MiB, and some to spare.
PROCESS_MB = 500
# A hull worker's own memory (its buffers are in the budget), measured.
WORKER_MB = 150
# Requests over the model: the measured peaks stay below the model, this is for the rest.
HEADROOM = 1.25
# The least any job asks for.
FLOOR_MB = 1000


@dataclass(frozen=True)
class SpaceSize:
    """The matrices of one space, as the workflow writes them.

    Parameters
    ----------
    n_train, n_test : int
        Rows of the training and test matrices (the random baseline's test matrix holds its
        points).
    width : int
        Coordinates per row.
    train_itemsize, test_itemsize : int
        Bytes per stored value: 1 for uint8 pixels, 4 for float32, 8 for float64.
    kind : str
        The space's kind (``pixel``, ``features``, ``wavelet``, ``random``, ``embedding``).

    Examples
    --------
    >>> size = SpaceSize(1_281_167, 50_000, 768, 4, 4, "features")
    >>> round(size.train_bytes / 2**30, 2)
    3.67
    """

    n_train: int
    n_test: int
    width: int
    train_itemsize: int
    test_itemsize: int
    kind: str

    @property
    def train_bytes(self) -> int:
        """The training matrix as stored."""
        return self.n_train * self.width * self.train_itemsize

    @property
    def train_float32_bytes(self) -> int:
        """The training matrix in float32 (the measure of the memory goal)."""
        return self.n_train * self.width * 4

    @property
    def test_bytes(self) -> int:
        """The test matrix as stored."""
        return self.n_test * self.width * self.test_itemsize


def _stored_itemsize(kind: str, images: bool, source_itemsize: int, source_float: bool) -> int:
    """Bytes per value of a space's training rows as written (``hullgen.spaces.build``)."""
    if kind in ("wavelet",):
        return 8
    if kind == "embedding":
        return 4
    if images:  # pixels and the random baseline's training side: the uint8 pixels
        return 1
    # Feature rows: floats keep their precision (at least float32), integers become float64.
    return max(4, source_itemsize) if source_float else 8


def space_sizes(config: dict, source) -> dict[str, SpaceSize]:
    """:class:`SpaceSize` of each space of the checked ``config`` (name -> size), for the
    data ``source`` (:class:`hullgen.data.source.Source`), before any job runs."""
    from hullgen.preflight import kept_counts

    kept = kept_counts(config, source)
    n_train, n_test = int(kept["train"].sum()), int(kept["test"].sum())
    shape, n_classes = source.spec.image_shape, source.spec.n_classes
    dtype = getattr(source.scan, "dtype", None)
    source_itemsize = 4 if dtype is None else dtype.itemsize
    source_float = dtype is None or dtype.kind == "f"
    sizes = {}
    for space in config["spaces"]:
        kind = space["kind"]
        width = space_width(space, shape, n_classes)
        train_itemsize = _stored_itemsize(kind, source.images, source_itemsize, source_float)
        test_rows, test_itemsize = n_test, train_itemsize
        if kind == "random":
            points = space.get("points")
            test_rows = n_test if points is None else min(int(points), n_test)
            test_itemsize = 8  # uniform draws in float64
        sizes[space["name"]] = SpaceSize(
            n_train, test_rows, width, train_itemsize, test_itemsize, kind
        )
    return sizes


def _hull(size: SpaceSize, threads: int, budget: int) -> float:
    """The mapped training file, the budget (the passes' copy and the workers' batches) and
    the workers' own memory."""
    return size.train_bytes + budget + threads * WORKER_MB * MB


def _diameter(size: SpaceSize, threads: int, budget: int) -> float:
    """The mapped file and one float32 centred copy (``hullgen.hull.diameter``)."""
    return size.train_bytes + size.train_float32_bytes


def _reads_both(size: SpaceSize, threads: int, budget: int) -> float:
    """Both matrices mapped or read, and the directions' float64 arrays of the test points
    (the points, their hull points, differences, unit vectors: six such arrays at the peak,
    measured at 10,000 x 768)."""
    return size.train_bytes + size.test_bytes + 6 * size.n_test * size.width * 8


def _derived_hulls(size: SpaceSize, threads: int, budget: int) -> float:
    """The PCA sweep and the class hulls: the mapped file, a projected or gathered copy
    no larger than it in float32, and the solver's copy of that."""
    return size.train_bytes + 2 * size.train_float32_bytes + threads * WORKER_MB * MB


def _build(size: SpaceSize, threads: int, budget: int) -> float:
    """A space's training side from the prepared data, read (mapped). Feature rows, the
    random baseline's box and pixels as they are are linked or copied as stored; a wavelet
    transform holds its float64 coefficients and one intermediate."""
    if size.kind == "wavelet":
        return size.train_bytes + 2 * size.n_train * size.width * 8
    return 2 * size.train_bytes


def _build_test(size: SpaceSize, threads: int, budget: int) -> float:
    """A space's test side: the test rows read (mapped) and written in float64 at most."""
    return size.test_bytes + 2 * size.n_test * size.width * 8


def _tables(size: SpaceSize, threads: int, budget: int) -> float:
    """Jobs that read the hull tables, not the matrices: a row and its support per point."""
    return size.n_test * TABLE_BYTES_PER_POINT


# Bytes of the hull tables per test point in memory (pandas): its row, and up to 100
# support rows of a train index and a weight.
TABLE_BYTES_PER_POINT = 4096

# Every rule whose memory grows with the data, and its model (bytes beyond PROCESS_MB).
MODELS = {
    "build_space_test": _build_test,
    "hull_gather": _tables,
    "tables": _tables,
    "hull_shard": _hull,
    "space_diameter": _diameter,
    "space_stats": _reads_both,
    "space_figures": _reads_both,
    "pca_sweep": _derived_hulls,
    "class_hulls": _derived_hulls,
    "build_space_train": _build,
}


def request_for_mb(needed_mb: float, attempt: int = 1) -> int:
    """A request (MB) for a job that holds ``needed_mb`` of data besides its process: the
    first attempt's, times ``attempt`` (a job killed for memory is retried with more)."""
    return max(FLOOR_MB, math.ceil(HEADROOM * (needed_mb + PROCESS_MB))) * attempt


def hull_budget(size: SpaceSize, budget_gb: float | None, k_seed: int, threads: int) -> int:
    """The hull solver's budget (bytes) on a space of ``size``: ``hull.memory_budget_gb``, or
    when it is null what the solver sizes it to (the larger, float32, copy)."""
    if budget_gb is not None:
        return int(budget_gb * 2**30)
    return auto_budget(size.n_train, size.width, "auto", k_seed, threads)


def request_mb(
    rule: str, size: SpaceSize, threads: int = 1, budget: int = 0, attempt: int = 1
) -> int:
    """The memory (MB) a job of ``rule`` on a space of ``size`` asks for: the model, with
    :data:`HEADROOM`, times ``attempt``, at least :data:`FLOOR_MB`.

    Examples
    --------
    >>> size = SpaceSize(1_281_167, 6_250, 768, 4, 4, "features")
    >>> request_mb("space_diameter", size)
    10465
    """
    return request_for_mb(MODELS[rule](size, threads, budget) / MB, attempt)
