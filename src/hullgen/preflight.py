"""Everything about a run that can be checked when the workflow is parsed, before any job.

:func:`check` runs it, for the Snakefile and for ``hullgen check-config`` alike:

- the config, against the schema and its semantics (:func:`hullgen.config.validate`);
- the data source: an image folder's layout, the arrays' headers and labels
  (:func:`hullgen.data.source.describe`);
- the subsets against the rows each split has, and the classes they keep: every test class
  kept must keep training rows, since the class hulls and the surface claim's class shares
  compare a test point with its own class;
- the hull's memory budget against each solved space's training matrix.

Known datasets are checked against their published class counts
(:attr:`hullgen.data.registry.DatasetSpec.class_counts`), the user's own data against what
the scan read. Errors are :class:`ConfigError` (a key's value) or :class:`DataFormatError`
(a file), each naming the key or the file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hullgen import config as hullgen_config
from hullgen.config_files import read_merged
from hullgen.data import source as data_source
from hullgen.data.source import SPLITS
from hullgen.data.split import subset_counts
from hullgen.errors import ConfigError, DataFormatError
from hullgen.hull.memory import least_memory
from hullgen.spaces.build import is_pixel_isometry, space_width


@dataclass(frozen=True)
class Checked:
    """A config that passed :func:`check` (validated, defaults filled in) and its data."""

    config: dict
    source: data_source.Source


def check(config: dict, schema: dict) -> Checked:
    """Validate ``config`` (a mapping, files already merged) against ``schema``, read its
    data source's layout, and check the subsets and the memory budget.

    Raises ConfigError naming the key, or DataFormatError naming the file.
    """
    validated = hullgen_config.validate(config, schema)
    source = data_source.describe(validated["dataset"])
    # The memory needed depends on the subset's size: checked once that fits.
    problems = subset_problems(validated, source) or memory_problems(validated, source)
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    return Checked(validated, source)


def check_files(
    paths: Sequence[str | os.PathLike], schema_path: str | os.PathLike | None = None
) -> Checked:
    """:func:`check` of the config files ``paths``, merged in order as ``snakemake
    --configfile A.yaml B.yaml`` merges them; errors are prefixed with the files' names.
    OSError (a missing file, ...) is left to the caller."""
    named = " + ".join(map(str, paths))
    schema = hullgen_config.load_schema(schema_path)
    try:
        return check(read_merged(paths), schema)
    except ConfigError as err:
        raise ConfigError(f"{named}: {err}") from None
    except DataFormatError as err:
        raise DataFormatError(f"{named}: dataset: {err}") from None


def class_counts(config: dict, source: data_source.Source) -> dict[str, np.ndarray]:
    """Rows per class of each split before the subset: the user's own data as scanned, a
    known dataset as published (digits split by ``dataset.test_fraction`` as it is
    prepared)."""
    n_classes = source.spec.n_classes
    if source.own:
        return {split: np.bincount(source.labels(split), minlength=n_classes) for split in SPLITS}
    counts = source.spec.class_counts
    if "all" not in counts:
        return {split: np.asarray(counts[split]) for split in SPLITS}
    everything = np.asarray(counts["all"])
    # As hullgen.data.split.stratified_split takes its test rows.
    n_test = max(1, round(config["dataset"]["test_fraction"] * int(everything.sum())))
    test = subset_counts(everything, n_test)
    return {"train": everything - test, "test": test}


def kept_counts(config: dict, source: data_source.Source) -> dict[str, np.ndarray]:
    """Rows per class of each split after ``subset`` (its sizes must fit the splits)."""
    counts = class_counts(config, source)
    subset = config["subset"]
    return {
        split: counts[split] if subset[f"n_{split}"] is None
        else subset_counts(counts[split], subset[f"n_{split}"])
        for split in SPLITS
    }  # fmt: skip


def subset_problems(config: dict, source: data_source.Source) -> list[str]:
    """What is wrong with ``subset``: a size larger than its split, or a training subset that
    keeps no row of a class the test subset keeps."""
    counts = class_counts(config, source)
    subset = config["subset"]
    name = config["dataset"]["name"]
    problems = []
    for split in SPLITS:
        n, available = subset[f"n_{split}"], int(counts[split].sum())
        if n is not None and n > available:
            problems.append(
                f"config key 'subset.n_{split}': {n} exceeds the {available:,} {split} rows "
                f"of {name}; at most {available}, or null for all"
            )
    if problems or not source.labelled:
        return problems
    kept = kept_counts(config, source)
    lost = np.flatnonzero((kept["test"] > 0) & (kept["train"] == 0))
    if len(lost) == 0:
        return []
    classes = source.spec.classes
    least = _least_subset(counts["train"], kept["test"] > 0)
    return [
        f"config key 'subset.n_train': {subset['n_train']} training rows keep no row of "
        f"class{'es' if len(lost) > 1 else ''} {', '.join(repr(classes[k]) for k in lost)}, "
        f"which the test subset has; the class hulls and the surface claim compare each test "
        f"point with its own class's training rows: take at least {least} (or fewer test rows)"
    ]


def _least_subset(train_counts: np.ndarray, needed: np.ndarray) -> int:
    """The smallest training subset that keeps a row of every ``needed`` class."""
    for n in range(int(needed.sum()), int(train_counts.sum()) + 1):
        if (subset_counts(train_counts, n)[needed] > 0).all():
            return n
    return int(train_counts.sum())  # pragma: no cover - the whole split keeps every class


def memory_problems(config: dict, source: data_source.Source) -> list[str]:
    """Spaces whose training matrix ``hull.memory_budget_gb`` cannot hold (with the least
    the solver needs to work, :func:`hullgen.hull.memory.least_memory`)."""
    hull = hullgen_config.options(config).hull
    if hull.memory_budget_gb is None:
        return []  # sized by the solver to hold the copy: nothing to refuse
    budget = hull.memory_budget_gb * 2**30
    precision = "float32" if hull.device == "cuda" else hull.precision
    n_train = int(kept_counts(config, source)["train"].sum())
    shape = source.spec.image_shape
    problems = []
    for space in config["spaces"]:
        if source.images and is_pixel_isometry(space, shape):
            continue  # solved in the pixel space, whose width it has
        d = space_width(space, shape, source.spec.n_classes)
        needed = least_memory(n_train, d, precision, hull.k_seed)
        if budget < needed:
            problems.append(
                f"config key 'hull.memory_budget_gb': {hull.memory_budget_gb} GiB cannot "
                f"hold the {n_train:,} x {d:,} training matrix of space {space['name']!r} "
                f"(the solver needs at least {needed / 2**30:.3g} GiB); raise it"
            )
    return problems
