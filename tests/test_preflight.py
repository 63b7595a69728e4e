"""What is checked when the workflow is parsed (hullgen.preflight): the subsets against the
rows and classes they can keep, and the memory budget against each space's training matrix,
each compared with what the data stage and the solver then do."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from hullgen import config, preflight
from hullgen.data import prepare, registry, source
from hullgen.data.split import subset_counts
from hullgen.errors import ConfigError
from hullgen.hull.memory import (
    AUTO_BATCH,
    BLOCK_ROWS,
    MemoryBudgetError,
    auto_budget,
    least_memory,
    query_bytes,
)
from hullgen.hull.run import hull_distance_files
from hullgen.hull.solver import HullDistance
from hullgen.spaces.build import build_space, space_width

from .helpers.workflow import DEBIAN_FASHION, require_debian_fashion, snakemake

SCHEMA = config.load_schema()
HULLGEN = str(Path(sys.executable).with_name("hullgen"))


def _problem(cfg: dict) -> str:
    with pytest.raises(ConfigError) as info:
        preflight.check(cfg, SCHEMA)
    return str(info.value)


def test_digits_class_counts_are_those_the_data_stage_prepares():
    cfg = config.validate({"dataset": {"test_fraction": 0.3, "split_seed": 4}}, SCHEMA)
    splits = prepare.load_digits(0.3, 4)
    counts = preflight.class_counts(cfg, source.describe(cfg["dataset"]))
    assert counts["train"].tolist() == np.bincount(splits.y_train).tolist()
    assert counts["test"].tolist() == np.bincount(splits.y_test).tolist()


def test_fashion_mnist_class_counts_are_the_published_files():
    require_debian_fashion()
    counts = registry.get("fashion-mnist").class_counts
    for split, prefix in (("train", "train"), ("test", "t10k")):
        with gzip.open(DEBIAN_FASHION / f"{prefix}-labels-idx1-ubyte.gz") as handle:
            labels = np.frombuffer(handle.read()[8:], dtype=np.uint8)
        assert tuple(np.bincount(labels).tolist()) == counts[split]


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "cifar10"])
def test_published_counts_add_up_to_the_published_sizes(name):
    counts = registry.get(name).class_counts
    sizes = {"mnist": 60000, "fashion-mnist": 60000, "cifar10": 50000}
    assert (sum(counts["train"]), sum(counts["test"])) == (sizes[name], 10000)
    assert len(counts["train"]) == len(counts["test"]) == registry.get(name).n_classes


def test_kept_counts_are_what_the_subset_keeps(tmp_path):
    rng = np.random.default_rng(3)
    labels = {"train": rng.integers(0, 4, 90), "test": rng.integers(1, 4, 40)}
    dataset = {"kind": "arrays", "name": "mine"}
    for split in ("train", "test"):
        np.save(tmp_path / f"{split}.npy", rng.normal(size=(len(labels[split]), 3)))
        np.save(tmp_path / f"{split}_y.npy", labels[split])
        dataset[split] = str(tmp_path / f"{split}.npy")
        dataset[f"{split}_labels"] = str(tmp_path / f"{split}_y.npy")
    subset = {"n_train": 13, "n_test": 7, "seed": 5}
    checked = preflight.check({"dataset": dataset, "subset": subset}, SCHEMA)
    kept = preflight.kept_counts(checked.config, checked.source)
    for split in ("train", "test"):
        _, y, _ = source.load_split(checked.source, split, subset)
        assert kept[split].tolist() == np.bincount(y, minlength=4).tolist()


@pytest.mark.parametrize(
    ("cfg", "needle"),
    [
        ({"subset": {"n_train": 1349}}, "'subset.n_train': 1349 exceeds the 1,348 train rows"),
        ({"subset": {"n_test": 450}}, "'subset.n_test': 450 exceeds the 449 test rows"),
        (
            {"dataset": {"name": "mnist"}, "subset": {"n_train": 60001}},
            "exceeds the 60,000 train rows of mnist",
        ),
        ({"subset": {"n_train": 3, "n_test": 2}}, "keep no row of class '0'"),
    ],
)
def test_subsets_that_do_not_fit_are_refused_naming_the_key(cfg, needle):
    assert needle in _problem(cfg)


def test_a_subset_that_loses_a_test_class_names_the_least_that_keeps_them():
    message = _problem({"dataset": {"name": "mnist"}, "subset": {"n_train": 9}})
    least = int(message.split("take at least ")[1].split()[0])
    train = np.asarray(registry.get("mnist").class_counts["train"])
    assert (subset_counts(train, least) > 0).all()
    assert not (subset_counts(train, least - 1) > 0).all()
    preflight.check({"dataset": {"name": "mnist"}, "subset": {"n_train": least}}, SCHEMA)
    # Fewer test rows need fewer classes: 3 test rows keep 3 classes, 3 training rows them.
    preflight.check({"subset": {"n_train": 30, "n_test": 3}}, SCHEMA)


SPACES = [
    {"name": "pixel", "kind": "pixel"},
    {"name": "random", "kind": "random", "seed": 0},
    {"name": "w", "kind": "wavelet", "wavelet": "db2", "level": 1, "mode": "symmetric",
     "select": "all"},
    {"name": "a", "kind": "wavelet", "wavelet": "haar", "level": 1, "mode": "periodization",
     "select": "approx"},
    {"name": "t", "kind": "wavelet", "wavelet": "haar", "level": 2, "mode": "periodization",
     "select": {"top": 7}},
]  # fmt: skip


@pytest.mark.parametrize("spec", SPACES, ids=lambda s: s["name"])
@pytest.mark.parametrize("shape", [(8, 8), (28, 28), (9, 7, 3)])
def test_space_width_is_the_built_space_width(spec, shape):
    images = np.random.default_rng(0).integers(0, 256, size=(12, *shape), dtype=np.uint8)
    train, test, meta = build_space(spec, images, images[:3])
    assert space_width(spec, shape, 10) == train.shape[1] == test.shape[1] == meta["dim"]


@pytest.mark.parametrize("shape", [(8, 8), (28, 28), (32, 32, 3), (9, 7)])
def test_embedding_widths_are_the_networks(shape):
    torch = pytest.importorskip("torch")
    from hullgen.model.resnet import CifarResNet

    net = CifarResNet(depth=8, image_shape=shape, num_classes=7).eval()
    channels = shape[2] if len(shape) == 3 else 1
    with torch.no_grad():
        layers = net.layers(torch.zeros(2, channels, *shape[:2]))
    for layer, values in layers.items():
        assert space_width({"kind": "embedding", "layer": layer}, shape, 7) == values.shape[1]


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_the_least_memory_is_the_solvers(precision):
    """The budget the workflow asks for when parsed is the one the solver needs: one byte
    less is refused, exactly that much works (and gives the same distances)."""
    if precision == "bfloat16":
        pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    train, test = rng.normal(size=(300, 20)), rng.normal(size=(6, 20)) * 3
    least = least_memory(300, 20, precision, 32)
    with pytest.raises(MemoryBudgetError) as info:
        HullDistance(train, memory_budget=least - 1, precision=precision)
    assert info.value.needed == least
    small = HullDistance(train, memory_budget=least, precision=precision, threads=4)
    assert small.threads == 1 and small.batch_size == 1
    reference = HullDistance(train, precision=precision).query(test)
    assert np.allclose(small.query(test).distance, reference.distance, rtol=0, atol=1e-9)


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_no_budget_holds_the_copy_and_every_threads_batch(precision):
    """hull.memory_budget_gb null: the solver sizes the budget to its copy and a full batch
    per worker, so it never runs fewer workers or smaller batches than asked."""
    if precision == "bfloat16":
        pytest.importorskip("torch")
    train = np.random.default_rng(2).normal(size=(300, 20))
    solver = HullDistance(train, precision=precision, threads=3)
    assert solver.memory_budget == auto_budget(300, 20, precision, 32, 3)
    assert solver.memory_budget - least_memory(300, 20, precision, 32) >= 2 * 1024 * (
        query_bytes(300, 20, 32, BLOCK_ROWS)
    )
    assert solver.threads == 3 and solver.batch_size == AUTO_BATCH
    # The workflow's request counts the larger copy, whichever the passes use.
    assert auto_budget(300, 20, "auto", 32, 3) == auto_budget(300, 20, "float32", 32, 3)
    # Nothing to refuse when parsed, even for MNIST's largest space.
    preflight.check({"dataset": {"name": "mnist"}, "hull": {"memory_budget_gb": None}}, SCHEMA)


def test_a_budget_that_cannot_hold_a_space_is_refused_naming_the_key_and_space():
    cfg = {"dataset": {"name": "mnist"}, "hull": {"memory_budget_gb": 0.01}}
    message = _problem(cfg)
    assert "config key 'hull.memory_budget_gb': 0.01 GiB cannot hold the 60,000 x 784" in message
    assert "space 'pixel'" in message
    # A subset small enough fits.
    preflight.check({**cfg, "subset": {"n_train": 1000}}, SCHEMA)


def test_a_budget_too_small_in_a_job_names_the_key(tmp_path):
    """Should a job meet a budget the parse-time check let through, its error names the key
    (or the CLI's option), not only the training file."""
    np.save(tmp_path / "train.npy", np.random.default_rng(0).normal(size=(50, 4)))
    np.save(tmp_path / "test.npy", np.zeros((2, 4)))
    with pytest.raises(Exception, match=r"^hull\.memory_budget_gb: memory budget of .* GiB"):
        hull_distance_files(
            tmp_path / "train.npy", tmp_path / "test.npy", memory_budget=100,
            budget_name="hull.memory_budget_gb",
        )  # fmt: skip


def test_arrays_subsets_larger_than_the_rows_stop_the_run_before_any_job(workdir, tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "train.npz", x=rng.normal(size=(40, 3)), y=rng.integers(0, 2, 40))
    np.savez(tmp_path / "test.npz", x=rng.normal(size=(12, 3)), y=rng.integers(0, 2, 12))
    dataset = {
        "kind": "arrays", "name": "mine",
        "train": str(tmp_path / "train.npz"), "test": str(tmp_path / "test.npz"),
    }  # fmt: skip
    cfg = {"dataset": dataset, "subset": {"n_test": 13}}
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
    proc = snakemake(workdir, "-n")
    assert proc.returncode != 0
    assert "'subset.n_test': 13 exceeds the 12 test rows of mine" in proc.stdout + proc.stderr
    assert not (workdir / "results").exists()
    # hullgen check-config says the same, exit status 1 (an invalid config).
    check = subprocess.run(
        [HULLGEN, "check-config", str(workdir / "config" / "config.yaml")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 1
    assert "'subset.n_test': 13 exceeds the 12 test rows of mine" in check.stderr
