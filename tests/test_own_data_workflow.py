"""The user's own data through the whole pipeline: arrays of the digits set and an image folder
of Debian's Fashion-MNIST files give the hull distances of the same images through the named
datasets; bad input stops the run with a message naming the file and leaves nothing behind;
replacing one test array reruns only what depends on it; class names with markup stay text
in the report."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from .helpers.own_data import FASHION_FOLDERS, match_rows, read_idx, write_image_folder
from .helpers.report import chromium, run_chromium
from .helpers.reruns import matching, result_mtimes, rewritten
from .helpers.workflow import (
    CROSS_SPACE_FINDINGS,
    DEBIAN_FASHION,
    job_counts,
    snakemake,
    write_config,
)

pytestmark = pytest.mark.workflow

NO_STUDIES = {"legendre": {"enabled": False}, "mlp": {"enabled": False}}
ARRAY_SPACES = [
    {"name": "features", "kind": "features", "units": "pixel values 0..255"},
    {"name": "random", "kind": "random", "seed": 0},
]
# Certified to a relative gap of 1e-6 in both runs: two certified distances of one point agree
# to about twice that.
SAME_DISTANCE = {"rtol": 1e-5, "atol": 1e-9}


def assert_same_distances(ours: pd.DataFrame, theirs: pd.DataFrame, order: np.ndarray) -> None:
    """Our test row i is their test row order[i]: same status, same distance."""
    theirs = theirs.set_index("query").loc[order]
    ours = ours.set_index("query").sort_index()
    assert len(ours) == len(order)
    assert ours["status"].tolist() == theirs["status"].tolist()
    np.testing.assert_allclose(ours["distance"], theirs["distance"], **SAME_DISTANCE)


# ---- arrays of the digits set --------------------------------------------------------------------
def digits_rows() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits as hullgen's named dataset scales them (0..16 -> 0..255)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    rows = np.rint(bunch.images.reshape(len(bunch.images), -1) * (255.0 / 16.0))
    return rows.astype(np.float32), bunch.target


@pytest.fixture(scope="module")
def arrays_run(default_run, tmp_path_factory) -> Path:
    """The default run's digits split as arrays (shuffled: training rows in a .npz with their
    labels, test rows in a .npy beside a labels file), run through every stage."""
    folder = tmp_path_factory.mktemp("digits-arrays")
    data = default_run / "results" / "digits" / "data"
    x, y = digits_rows()
    rng = np.random.default_rng(7)
    (folder / "arrays").mkdir()
    for split in ("train", "test"):
        rows = rng.permutation(np.load(data / f"{split}_index.npy"))
        if split == "train":
            np.savez(folder / "arrays" / "train.npz", x=x[rows], y=y[rows])
        else:
            np.save(folder / "arrays" / "test.npy", x[rows])
            np.save(folder / "arrays" / "test_labels.npy", y[rows])
    write_config(
        folder,
        {
            "dataset": {
                "kind": "arrays",
                "name": "digits-arrays",
                "train": "arrays/train.npz",
                "test": "arrays/test.npy",
                "test_labels": "arrays/test_labels.npy",
            },
            "spaces": ARRAY_SPACES,
            "experiments": NO_STUDIES,
        },
    )
    snakemake(folder, check=True)
    return folder


def test_digits_arrays_give_the_named_datasets_distances(arrays_run, default_run):
    results = arrays_run / "results" / "digits-arrays"
    named = default_run / "results" / "digits"
    ours = np.load(results / "data" / "test_x.npy")
    order = match_rows(np.load(named / "data" / "test_x.npy"), ours)
    assert_same_distances(
        pd.read_parquet(results / "hull" / "features.parquet"),
        pd.read_parquet(named / "hull" / "pixel.parquet"),
        order,
    )
    # Rows kept whole in a .npy file are linked, not copied, and so are the spaces whose
    # rows are the prepared rows as they are; a .npz member is copied.
    assert (results / "data" / "test_x.npy").resolve() == (arrays_run / "arrays" / "test.npy")
    assert not (results / "data" / "train_x.npy").is_symlink()
    for split in ("train", "test"):
        linked = results / "spaces" / "features" / f"{split}.npy"
        assert linked.resolve() == (results / "data" / f"{split}_x.npy").resolve()
    assert (results / "spaces" / "random" / "train.npy").is_symlink()
    # Every stage ran: the data's record, both spaces' findings, the claims.
    info = (results / "data" / "info.json").read_text()
    assert '"kind": "arrays"' in info and '"width": 64' in info
    for space in ("features", "random"):
        assert (results / "findings" / space / "examples.png").stat().st_size > 10_000
    assert (results / "findings" / "class_hulls.png").is_file()
    claims = pd.read_csv(results / "claims.csv", keep_default_na=False).set_index("id")
    # Claims about images do not apply to feature rows; the comparison with the random
    # baseline in their box is measured all the same.
    assert claims.loc["random-farther", "holds"] == "n/a"
    assert claims.loc["network", "holds"] == "n/a"
    assert (results / "findings" / "random_vs_real.png").is_file()
    # The random baseline lies in the training rows' box, as many points as test rows.
    random_test = np.load(results / "spaces" / "random" / "test.npy")
    train = np.load(results / "spaces" / "features" / "train.npy")
    assert random_test.shape == ours.shape
    assert np.all(random_test >= train.min(axis=0)) and np.all(random_test <= train.max(axis=0))


def test_replacing_one_test_array_reruns_that_space_and_what_follows(arrays_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(arrays_run, run, symlinks=True)
    test = np.load(run / "arrays" / "test.npy")
    test[0, 10] = 255.0 - test[0, 10]  # one pixel of one test row: a new test array
    np.save(run / "arrays" / "test.npy", test)
    dry = snakemake(run, "-n", check=True)
    shards = 2
    assert job_counts(dry.stdout) == {
        "prepare_split": 1,
        "dataset_info": 1,
        "build_space_test": 1,
        "hull_shard": shards,
        "hull_gather": 1,
        "space_stats": 2,
        "space_figures": 2,
        **CROSS_SPACE_FINDINGS,
    }
    assert "arrays/test.npy" in dry.stdout
    before = result_mtimes(run)
    snakemake(run, check=True)
    changed = rewritten(before, result_mtimes(run))
    prefix = "results/digits-arrays"
    assert matching(changed, [f"{prefix}/data/test_x.npy", f"{prefix}/hull/features.parquet"])
    # The training side, the random baseline's test points and hull, the diameter: untouched.
    untouched = [
        f"{prefix}/data/train_*",
        f"{prefix}/spaces/*/train.npy",
        f"{prefix}/spaces/*/meta.json",
        f"{prefix}/spaces/random/test.npy",
        f"{prefix}/hull/random*",
        f"{prefix}/findings/*/diameter.json",
    ]
    assert not matching(changed, untouched), matching(changed, untouched)
    assert job_counts(snakemake(run, "-n", check=True).stdout) == {}


# ---- an image folder of Debian's Fashion-MNIST ---------------------------------------------------
def test_an_image_folder_gives_the_named_datasets_distances(fashion_offline_run, tmp_path):
    """The README's Fashion-MNIST subset written as an image folder (read from Debian's files
    by a reader of the test's own), run through every stage, training included."""
    named = fashion_offline_run / "results" / "fashion-mnist"
    splits = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        rows = np.load(named / "data" / f"{split}_index.npy")
        x = read_idx(DEBIAN_FASHION / f"{prefix}-images-idx3-ubyte.gz")[rows]
        y = read_idx(DEBIAN_FASHION / f"{prefix}-labels-idx1-ubyte.gz")[rows]
        splits[split] = (x, y, rows)
    write_image_folder(tmp_path / "clothes", splits, FASHION_FOLDERS)
    wavelet = {"kind": "wavelet", "level": 2}
    spaces = [
        {"name": "pixel", "kind": "pixel"},
        {"name": "haar-approx", **wavelet, "wavelet": "haar", "select": "approx"},
        {"name": "db2-top50", **wavelet, "wavelet": "db2", "select": {"top": 50}},
        {"name": "random", "kind": "random", "seed": 0},
        {"name": "pooled", "kind": "embedding", "layer": "pooled"},
    ]
    cfg = {
        "dataset": {"kind": "image-folder", "name": "clothes", "path": "clothes"},
        "spaces": spaces,
        "hull": {"shards": 1},
        "train": {"depth": 8, "epochs": 1, "device": "cpu"},
        "experiments": NO_STUDIES,
    }
    write_config(tmp_path, cfg)
    snakemake(tmp_path, check=True)

    results = tmp_path / "results" / "clothes"
    ours = np.load(results / "data" / "test_x.npy")
    order = match_rows(np.load(named / "data" / "test_x.npy"), ours)
    for space in ("pixel", "haar-approx", "db2-top50"):
        assert_same_distances(
            pd.read_parquet(results / "hull" / f"{space}.parquet"),
            pd.read_parquet(named / "hull" / f"{space}.parquet"),
            order,
        )
    # The random points are the same (as many, one seed); the training set is the same set.
    np.testing.assert_array_equal(
        np.load(results / "spaces" / "random" / "test.npy"),
        np.load(named / "spaces" / "random" / "test.npy"),
    )
    assert_same_distances(
        pd.read_parquet(results / "hull" / "random.parquet"),
        pd.read_parquet(named / "hull" / "random.parquet"),
        np.arange(len(ours)),
    )
    # The network was trained on the folder's images and its pooled layer measured.
    assert (results / "model" / "metrics.json").is_file()
    assert len(pd.read_parquet(results / "hull" / "pooled.parquet")) == len(ours)
    info = (results / "data" / "info.json").read_text()
    assert "T-shirt or top" in info and "train/Ankle boot/" in info
    claims = pd.read_csv(results / "claims.csv", keep_default_na=False).set_index("id")
    assert claims.loc["pixel-outside", "holds"] == "yes"


# ---- bad input -----------------------------------------------------------------------------------
def _folder(root: Path, size=(8, 8)) -> None:
    rng = np.random.default_rng(0)
    for split, n in (("train", 4), ("test", 2)):
        for name in ("a", "b"):
            (root / split / name).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                pixels = rng.integers(0, 256, size=size, dtype=np.uint8)
                Image.fromarray(pixels).save(root / split / name / f"{i}.png")


def _arrays(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    np.save(root / "train.npy", rng.normal(size=(12, 3)))
    np.save(root / "test.npy", rng.normal(size=(4, 3)))
    np.save(root / "train_labels.npy", np.arange(12) % 2)
    np.save(root / "test_labels.npy", np.arange(4) % 2)


def _no_test(root):
    _folder(root)
    shutil.rmtree(root / "test")


def _empty_class(root):
    _folder(root)
    for image in (root / "train" / "b").iterdir():
        image.unlink()


def _odd_size(root):
    _folder(root)
    Image.fromarray(np.zeros((9, 8), np.uint8)).save(root / "test" / "b" / "1.png")


def _unreadable(root):
    _folder(root)
    (root / "train" / "a" / "2.png").write_bytes(b"not a picture at all")


def _widths(root):
    _arrays(root)
    np.save(root / "test.npy", np.zeros((4, 5)))


def _pickled(root):
    _arrays(root)
    np.save(root / "train.npy", np.array([[1.0, None, 2.0]] * 12, dtype=object), allow_pickle=True)


def _label_count(root):
    _arrays(root)
    np.save(root / "test_labels.npy", np.arange(3) % 2)


def _nan(root):
    _arrays(root)
    rows = np.load(root / "train.npy")
    rows[5, 1] = np.nan
    np.save(root / "train.npy", rows)


# (name, writes the data, image folder?, the file the message names, what it says, which
# split's job fails: None when the workflow refuses it before any job)
BAD_INPUTS = [
    ("missing split", _no_test, True, "data", "no 'test' folder", None),
    ("no images", _empty_class, True, "data/train/b", "no images in this class folder", None),
    ("mixed sizes", _odd_size, True, "data/test/b/1.png", "every image must have one size", "test"),
    ("unreadable", _unreadable, True, "data/train/a/2.png", "cannot be read as an image", "train"),
    ("widths", _widths, False, "data/test.npy", "rows of width 5", None),
    ("pickled", _pickled, False, "data/train.npy", "pickled array", None),
    ("label count", _label_count, False, "data/test_labels.npy", "labels of shape (3,)", None),
    ("nan", _nan, False, "data/train.npy", "train row 5 holds NaN (column 1)", "train"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("write", "folder", "named", "says", "failing"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_names_the_file_and_leaves_nothing(tmp_path, write, folder, named, says, failing):
    write(tmp_path / "data")
    if folder:
        dataset = {"kind": "image-folder", "name": "mine", "path": "data"}
    else:
        names = ("train", "test", "train_labels", "test_labels")
        dataset = {"kind": "arrays", "name": "mine", **{k: f"data/{k}.npy" for k in names}}
    write_config(tmp_path, {"dataset": dataset, "experiments": NO_STUDIES})
    target = "results/mine/data/info.json"
    proc = snakemake(tmp_path, target)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert says in out and named in out, out[-3000:]
    results = tmp_path / "results"
    if failing is None:  # refused when the workflow was parsed: no job ran
        assert "Error in rule" not in out and not results.exists()
        return
    assert "Error in rule prepare_split" in out
    assert not list((results / "mine" / "data").glob(f"{failing}_*"))
    assert not [p for p in results.rglob("*") if p.name.endswith(".part")]


# ---- class names with markup in the report -------------------------------------------------------
MARKUP_CLASSES = (
    "<script>document.title='pwned'",
    "<img src=x onerror=document.body.setAttribute('data-pwned',1)>",
    ".. raw:: html",
)


def test_class_names_with_markup_show_as_text_in_the_report(tmp_path):
    rng = np.random.default_rng(1)
    splits = {
        split: (
            rng.integers(0, 256, size=(3 * n, 8, 8), dtype=np.uint8),
            np.repeat([0, 1, 2], n),
            np.arange(3 * n),
        )
        for split, n in (("train", 12), ("test", 4))
    }
    write_image_folder(tmp_path / "data", splits, MARKUP_CLASSES)
    cfg = {
        "dataset": {"kind": "image-folder", "name": "marked", "path": "data"},
        "spaces": [{"name": "pixel", "kind": "pixel"}],
        "hull": {"shards": 1},
        "train": {"enabled": False},
        "experiments": NO_STUDIES,
    }
    write_config(tmp_path, cfg)
    snakemake(tmp_path, check=True)
    report = tmp_path / "report.html"
    snakemake(tmp_path, "--report", str(report), check=True)

    browser = chromium()
    dom = run_chromium(browser, "--dump-dom", "--virtual-time-budget=15000", report.as_uri(),
               profile=tmp_path / "profile")  # fmt: skip
    assert "The dataset" in dom
    text = html.unescape(re.sub(r"<[^>]+>", " ", dom))
    for name in MARKUP_CLASSES:
        assert name in text, name
    # Nothing of the names ran or became markup: no element from them, no changed title.
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]
    assert '<img src="x"' not in dom and "<title>pwned" not in dom
