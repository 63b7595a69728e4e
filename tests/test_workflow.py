"""End-to-end runs of the Snakemake workflow, each in its own working directory."""

import json
import os

import numpy as np
import pandas as pd
import pytest
import yaml

from hullgen.claims.verdict import OUTCOMES
from hullgen.data.prepare import load_digits

from .helpers.workflow import (
    CROSS_SPACE_FINDINGS,
    DEBIAN_FASHION,
    REPO,
    job_counts,
    require_debian_fashion,
    snakemake,
)

pytestmark = pytest.mark.workflow


def test_default_pipeline_runs_and_is_then_up_to_date(default_run):
    workdir = default_run
    original = (workdir / "config" / "config.yaml").read_text()
    try:
        _check_default_run(workdir)
    finally:
        # Later tests share this run: leave its config as it was.
        (workdir / "config" / "config.yaml").write_text(original)


def _check_default_run(workdir):
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    digits = load_digits(cfg["dataset"]["test_fraction"], cfg["dataset"]["split_seed"])
    data = workdir / "results" / "digits" / "data"
    np.testing.assert_array_equal(np.load(data / "train_x.npy"), digits.x_train)
    np.testing.assert_array_equal(np.load(data / "test_y.npy"), digits.y_test)
    for space in cfg["spaces"]:
        folder = workdir / "results" / "digits" / "spaces" / space["name"]
        train, test = np.load(folder / "train.npy"), np.load(folder / "test.npy")
        meta = json.loads((folder / "meta.json").read_text())
        assert train.shape == (len(digits.y_train), meta["dim"])
        assert test.shape == (len(digits.y_test), meta["dim"])
        # Pixels (and the random baseline's training side, pixels too) are stored as uint8.
        dtype = {"embedding": np.float32, "pixel": np.uint8, "random": np.uint8}
        assert train.dtype == dtype.get(space["kind"], np.float64), space["name"]
        # haar (all coefficients, periodization) is orthonormal: it reads the pixel space's hull.
        solved = "pixel" if space["name"] == "haar" else space["name"]
        assert (workdir / "results/digits/hull" / f"{space['name']}.parquet").exists() is (
            solved == space["name"]
        )
        hull = pd.read_parquet(workdir / "results" / "digits" / "hull" / f"{solved}.parquet")
        assert len(hull) == len(digits.y_test)
        assert hull["query"].tolist() == list(range(len(hull)))
        assert set(hull["status"]) <= {"certified", "inside"}
        assert (hull["lower_bound"] <= hull["distance"]).all()
    pixel = np.load(workdir / "results/digits/spaces/pixel/train.npy", mmap_mode="r")
    np.testing.assert_array_equal(pixel, digits.x_train.reshape(len(digits.x_train), -1))
    model = workdir / "results" / "digits" / "model"
    metrics = json.loads((model / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.90
    assert len(pd.read_csv(model / "metrics.csv")) == cfg["train"]["epochs"]
    pred = pd.read_parquet(model / "predictions.parquet")
    assert (pred["split"] == "test").sum() == len(digits.y_test)
    np.testing.assert_array_equal(pred.loc[pred["split"] == "test", "label"], digits.y_test)
    assert not (model / "resume").exists()
    experiments = workdir / "results" / "experiments"
    fits = pd.read_parquet(experiments / "legendre" / "fits.parquet")
    assert set(fits.loc[fits["terms"] == 1, "status"]) == {"infeasible"}
    assert (fits.loc[fits["status"] == "optimal", "margin_violations"] == 0).all()
    models = pd.read_parquet(experiments / "mlp" / "models.parquet")
    assert models["train_accuracy"].max() == 1.0
    control = pd.read_parquet(experiments / "legendre" / "control.parquet")
    assert set(control.loc[control["terms"] == 1, "status"]) == {"infeasible"}
    assert control.loc[control["status"] == "optimal", "disagreement"].between(0, 1).all()
    names = ("legendre/control", "legendre/boundaries", "legendre/measures", "mlp/regions")
    for name in (*names, "mlp/control", "mlp/comparison"):
        for ext in ("png", "pdf"):
            assert (experiments / f"{name}.{ext}").stat().st_size > 1000
    summary = (experiments / "summary.md").read_text()
    assert "Legendre" in summary and "parameter count" in summary
    claims = pd.read_csv(workdir / "results" / "digits" / "claims.csv", keep_default_na=False)
    assert {"pixel-outside", "pixel-normal", "random-farther", "legendre-necessary"} <= set(
        claims["id"]
    )
    studies = {"legendre-regime", "mlp-under-fit", "mlp-over-fit", "mlp-regime", "mlp-control"}
    assert studies <= set(claims["id"])
    assert set(claims["holds"]) <= set(OUTCOMES)
    by_id = claims.set_index("id")
    assert by_id.loc["pixel-outside", "holds"] == "yes"
    # The random control must fail where the test images pass.
    assert by_id.loc["directions", "holds"] == "yes"
    assert by_id.loc["similar-training-images", "holds"] == "yes"
    # An investigation of the paper's, reported without a verdict.
    assert by_id.loc["hull-surface", "holds"] == "reported"
    for figure in "; ".join(claims["figure"]).split("; "):
        assert not figure or (workdir / figure).stat().st_size > 1000, figure
    # The wavelet space's statistics are the pixel space's: the same hull, rotated.
    findings = workdir / "results" / "digits" / "findings"
    pixel_stats = json.loads((findings / "pixel" / "stats.json").read_text())
    haar_stats = json.loads((findings / "haar" / "stats.json").read_text())
    assert haar_stats["distance"]["median"] == pytest.approx(
        pixel_stats["distance"]["median"], rel=1e-12
    )
    assert haar_stats["diameter"] == pixel_stats["diameter"]

    again = snakemake(workdir, check=True)
    assert "Nothing to be done" in again.stdout + again.stderr

    # A changed knob reruns what depends on it, and nothing else.
    next(space for space in cfg["spaces"] if space["kind"] == "random")["seed"] = 99
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
    dry = snakemake(workdir, "-n", check=True)
    shards = cfg.get("hull", {}).get("shards", 2)
    # The random space shares the pixel space's training set, hence its size (no diameter).
    random_space = {
        "build_space_test": 1,
        "hull_shard": shards,
        "hull_gather": 1,
        "space_stats": 1,
        "space_figures": 1,
        "shape_figure": 1,
        "random_vs_real": 1,
        "random_vs_real_figure": 1,
        "claims": 1,
        "all": 1,
    }
    assert job_counts(dry.stdout) == random_space
    # A study's knob reruns that study, its figures and the summary only.
    study = yaml.safe_load(yaml.safe_dump(cfg))
    study["experiments"] = {"legendre": {"seed": 1}}
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(study))
    dry = snakemake(workdir, "-n", check=True)
    assert job_counts(dry.stdout) == {
        **random_space,
        "legendre_study": 1,
        "legendre_figures": 1,
        "experiments_summary": 1,
    }
    n = len(cfg["spaces"])
    embedded = sum(space["kind"] == "embedding" for space in cfg["spaces"])
    assert embedded == 3
    # A smaller subset changes the data, so everything that reads it reruns.
    # (tests/test_incremental.py runs the other cases for real and checks mtimes.)
    cfg["subset"] = {"n_train": 200}
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
    dry = snakemake(workdir, "-n", check=True)
    assert job_counts(dry.stdout) == {
        "prepare_dataset": 1,
        "build_space_train": n - embedded,
        "build_space_test": n - embedded,
        "train": 1,
        "embed_space": embedded,
        # haar reads the pixel space's hull and size; random reads its size.
        "space_diameter": n - 2,
        "hull_shard": (n - 1) * shards,
        "hull_gather": n - 1,
        "space_stats": n,
        "space_figures": n,
        "training_figure": 1,
        **CROSS_SPACE_FINDINGS,
    }


def test_hull_tables_do_not_depend_on_the_shard_count(tmp_path):
    results = {}
    for count in (1, 3):
        work = tmp_path / f"shards-{count}"
        (work / "config").mkdir(parents=True)
        cfg = {
            "spaces": [{"name": "pixel", "kind": "pixel"}],
            "train": {"enabled": False},
            "experiments": {"legendre": {"enabled": False}, "mlp": {"enabled": False}},
            "findings": {"enabled": False},
            "hull": {"shards": count},
            "subset": {"n_train": 600, "n_test": 90},
        }
        (work / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
        snakemake(work, check=True)
        results[count] = pd.read_parquet(work / "results/digits/hull/pixel.parquet")
    a, b = results[1], results[3]
    np.testing.assert_allclose(a["distance"], b["distance"], rtol=1e-9, atol=0)
    assert (a["status"] == b["status"]).all()
    assert a["nn_index"].tolist() == b["nn_index"].tolist()


@pytest.mark.parametrize("path", sorted((REPO / "config").glob("*.yaml")), ids=lambda p: p.name)
def test_dry_run_of_every_shipped_config(workdir, path):
    dry = snakemake(workdir, "-n", "--configfile", str(path), check=True)
    train_job = dry.stdout[dry.stdout.index("rule train:") :].split("\n\n")[0]
    cfg = yaml.safe_load(path.read_text())
    gpu = 1 if cfg.get("train", {}).get("device") == "cuda" else 0
    assert f"gpu={gpu}" in train_job
    if path.name == "cifar10.yaml":
        assert gpu == 1  # the paper's ResNet trains on a GPU; SLURM is asked for one


@pytest.mark.parametrize(
    ("cfg", "needle"),
    [
        ({"dataset": {"name": "digits", "nmae": 1}}, "dataset.nmae"),
        ({"subset": {"n_train": "lots"}}, "subset.n_train"),
        ({"spaces": [{"name": "w", "kind": "wavelet", "wavelet": "daubechies9"}]}, "daubechies9"),
        ({"hull": {"gap": -1.0}}, "hull.gap"),
        ({"findings": {"pca_space": "no-such-space"}}, "findings.pca_space"),
        # Checked against the data when parsed (hullgen.preflight), not in a job.
        ({"subset": {"n_train": 5000}}, "'subset.n_train': 5000 exceeds the 1,348 train rows"),
        ({"hull": {"memory_budget_gb": 0.0001}}, "'hull.memory_budget_gb': 0.0001 GiB cannot"),
    ],
)
def test_bad_config_fails_before_any_job(workdir, cfg, needle):
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
    proc = snakemake(workdir)
    assert proc.returncode != 0
    assert needle in proc.stdout + proc.stderr
    assert not (workdir / "results").exists(), "a job ran before the config was checked"
    assert not (workdir / "results").exists()
    assert not (workdir / "resources").exists()


def test_a_replaced_staged_file_is_staged_again_and_a_missing_one_stops_the_run(workdir, tmp_path):
    """The cached copy of a data_dir file depends on the file: replacing it (verify: false,
    where no hash would notice) stages it again; a missing one is named before any job."""
    staged = tmp_path / "staged"
    staged.mkdir()
    name = "t10k-labels-idx1-ubyte.gz"
    (staged / name).write_bytes(b"first version")
    cfg = {
        "dataset": {"name": "mnist", "data_dir": str(staged), "verify": False},
        "spaces": [{"name": "pixel", "kind": "pixel"}],
        "train": {"enabled": False},
    }
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
    cached = workdir / "resources" / "mnist" / name
    snakemake(workdir, f"resources/mnist/{name}", check=True)
    assert cached.read_bytes() == b"first version"
    # The fixed file, copied in later than the cache was written.
    os.utime(cached, (cached.stat().st_mtime - 60,) * 2)
    (staged / name).write_bytes(b"second version")
    snakemake(workdir, f"resources/mnist/{name}", check=True)
    assert cached.read_bytes() == b"second version"
    (staged / name).unlink()
    proc = snakemake(workdir, f"resources/mnist/{name}", "--forcerun", "fetch_raw_file")
    assert proc.returncode != 0
    assert str(staged / name) in proc.stdout + proc.stderr
    assert cached.read_bytes() == b"second version"  # no job ran


def test_wrong_hash_stops_the_data_stage_and_leaves_no_file(workdir, tmp_path):
    staged = tmp_path / "staged"
    staged.mkdir()
    names = [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    for name in names:
        (staged / name).write_bytes(b"tampered " + name.encode())
    cfg = {
        "dataset": {"name": "fashion-mnist", "data_dir": str(staged)},
        "spaces": [{"name": "pixel", "kind": "pixel"}],
        "train": {"enabled": False},
        "experiments": {"legendre": {"enabled": False}, "mlp": {"enabled": False}},
        "findings": {"enabled": False},
    }
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
    proc = snakemake(workdir, "--keep-going")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84" in out
    import hashlib

    assert hashlib.sha256(b"tampered " + names[0].encode()).hexdigest() in out
    cache = workdir / "resources" / "fashion-mnist"
    assert not cache.exists() or list(cache.iterdir()) == []
    assert not (workdir / "results" / "fashion-mnist" / "data").exists()
    # Fixed (the real files staged), the same command succeeds.
    require_debian_fashion()
    cfg["dataset"]["data_dir"] = str(DEBIAN_FASHION)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
    snakemake(workdir, "results/fashion-mnist/data/info.json", check=True)
    info = json.loads((workdir / "results/fashion-mnist/data/info.json").read_text())
    assert info["class_counts_test"] == [1000] * 10
