"""The user's own data in-process: image folders and arrays read, every bad input refused
with a message naming the file, the spaces built on them, and their class names as text."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest
from PIL import Image

from hullgen import config
from hullgen.claims.front_page import dataset_text
from hullgen.data import arrays, folder, source
from hullgen.errors import ConfigError, DataFormatError
from hullgen.spaces.build import fit_space, random_points, transform_test

from .helpers.own_data import write_image_folder

CLASSES = ("bag", "coat", "shoe")


def images(n: int, seed: int, shape=(6, 5)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, *shape), dtype=np.uint8)


@pytest.fixture
def image_folder(tmp_path):
    """3 classes: 4 training images each, 2 test images each (6 x 5 grey)."""
    train_y, test_y = np.repeat([0, 1, 2], 4), np.repeat([0, 1, 2], 2)
    splits = {
        "train": (images(12, 0), train_y, np.arange(12)),
        "test": (images(6, 1), test_y, np.arange(6)),
    }
    return write_image_folder(tmp_path / "data", splits, CLASSES), splits


def test_an_image_folder_reads_back_its_images_in_class_then_name_order(image_folder):
    root, splits = image_folder
    (root / "train" / "bag" / ".DS_Store").write_bytes(b"\0")  # hidden: a file manager's
    scan = folder.scan(root)
    assert scan.classes == CLASSES and scan.image_shape == (6, 5) and scan.mode == "L"
    assert scan.files["train"][:2] == ("train/bag/00000.png", "train/bag/00001.png")
    for split, (x, y, _) in splits.items():
        np.testing.assert_array_equal(scan.labels[split], y)
        np.testing.assert_array_equal(folder.read_split(scan, split), x)
    rows = np.array([5, 0])
    np.testing.assert_array_equal(folder.read_split(scan, "test", rows), splits["test"][0][rows])


def test_colour_images_read_as_rgb(tmp_path):
    x = np.random.default_rng(2).integers(0, 256, size=(2, 4, 3, 3), dtype=np.uint8)
    for split in ("train", "test"):
        write_image_folder(tmp_path, {split: (x, [0, 0], [0, 1])}, ["only"])
    scan = folder.scan(tmp_path)
    assert scan.image_shape == (4, 3, 3) and scan.mode == "RGB"
    np.testing.assert_array_equal(folder.read_split(scan, "test"), x)


def _error(call, *args) -> str:
    with pytest.raises(DataFormatError) as info:
        call(*args)
    return str(info.value)


def test_layout_errors_name_the_folder_or_file(image_folder):
    root, _ = image_folder
    (root / "test" / "README.txt").write_text("x")
    message = _error(folder.scan, root)
    assert f"{root}/test/README.txt" in message and "one folder per class" in message
    (root / "test" / "README.txt").unlink()

    (root / "train" / "coat" / "notes.txt").write_text("x")
    assert "notes.txt: not an image file" in _error(folder.scan, root)
    (root / "train" / "coat" / "notes.txt").unlink()

    for image in (root / "test" / "coat").iterdir():
        image.unlink()
    assert f"{root}/test/coat: no images in this class folder" in _error(folder.scan, root)
    (root / "test" / "coat").rmdir()
    (root / "test" / "hat").mkdir()
    (root / "test" / "hat" / "1.png").write_bytes((root / "train/bag/00000.png").read_bytes())
    message = _error(folder.scan, root)
    assert "class 'hat' has no training folder" in message and "bag, coat, shoe" in message

    for entry in (root / "test").rglob("*"):
        if entry.is_file():
            entry.unlink()
    for entry in sorted((root / "test").iterdir()):
        entry.rmdir()
    assert f"{root}/test: no class folders" in _error(folder.scan, root)
    (root / "test").rmdir()
    assert f"image folder {root}: no 'test' folder" in _error(folder.scan, root)
    assert "does not exist" in _error(folder.scan, root / "nowhere")


def test_a_different_size_mode_or_an_unreadable_file_is_named(image_folder):
    root, _ = image_folder
    first = root / "train" / "bag" / "00000.png"
    odd = root / "test" / "coat" / "00003.png"
    Image.fromarray(images(1, 9, (7, 5))[0]).save(odd)
    message = _error(folder.read_split, folder.scan(root), "test")
    assert message.startswith(f"{odd}: image of 5x7 pixels, but {first}") and "5x6" in message

    Image.fromarray(np.zeros((6, 5, 3), np.uint8)).save(odd)
    message = _error(folder.read_split, folder.scan(root), "test")
    assert message.startswith(f"{odd}: image mode 'RGB', but {first}") and "'L'" in message

    odd.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    assert _error(folder.read_split, folder.scan(root), "test").startswith(
        f"{odd}: cannot be read as an image"
    )

    Image.fromarray(np.zeros((6, 5, 4), np.uint8)).save(first)  # RGBA sets the mode: refused
    message = _error(folder.scan, root)
    assert (
        message.startswith(f"{first}: image mode 'RGBA'") and "grey (L) or colour (RGB)" in message
    )


@pytest.mark.parametrize("name", ["<script>alert(1)", ".. raw:: html", "a $x$ b", "ünï cödé"])
def test_markup_in_a_class_name_is_kept_as_data(tmp_path, name):
    x = images(2, 3)
    for split in ("train", "test"):
        write_image_folder(tmp_path, {split: (x, [0, 0], [0, 1])}, [name])
    assert folder.scan(tmp_path).classes == (name,)


@pytest.mark.parametrize(
    ("name", "problem"),
    [("line\nbreak", "control character '\\n'"), ("tab\there", "control character '\\t'")],
)
def test_a_class_name_that_cannot_be_a_path_component_is_refused(tmp_path, name, problem):
    x = images(2, 3)
    for split in ("train", "test"):
        write_image_folder(tmp_path, {split: (x, [0, 0], [0, 1])}, [name])
    message = _error(folder.scan, tmp_path)
    assert problem in message and "cannot be a path component" in message


# ---- arrays ------------------------------------------------------------------------------------
def rows(n: int, d: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


def array_files(tmp_path, **overrides) -> dict:
    """train.npz (x, y) and test.npz (x, y): 9 and 5 rows of 4 features, labels 0..2."""
    x_train = overrides.pop("x_train", rows(9))
    x_test = overrides.pop("x_test", rows(5, seed=1))
    y_train = overrides.pop("y_train", np.arange(9) % 3)
    y_test = overrides.pop("y_test", np.arange(5) % 3)
    np.savez(tmp_path / "train.npz", x=x_train, y=y_train)
    np.savez(tmp_path / "test.npz", x=x_test, y=y_test)
    files = {"train": tmp_path / "train.npz", "test": tmp_path / "test.npz"}
    return {"train_labels": None, "test_labels": None, **files, **overrides}


def test_npz_arrays_read_with_their_labels(tmp_path):
    files = array_files(
        tmp_path, y_train=np.array(list("abcabcabc")), y_test=np.array(list("cabca"))
    )
    scan = arrays.scan(files)
    assert scan.classes == ("a", "b", "c") and scan.labelled and scan.width == 4
    np.testing.assert_array_equal(scan.labels["test"], [2, 0, 1, 2, 0])
    np.testing.assert_array_equal(arrays.read_rows(scan, "train"), np.load(files["train"])["x"])


def test_npy_rows_with_and_without_label_files(tmp_path):
    np.save(tmp_path / "a.npy", rows(6))
    np.save(tmp_path / "b.npy", rows(3, seed=1))
    np.save(tmp_path / "ya.npy", np.array([5, 7, 5, 7, 5, 7]))
    np.save(tmp_path / "yb.npy", np.array([7, 7, 5]))
    files = {"train": tmp_path / "a.npy", "test": tmp_path / "b.npy"}
    labelled = arrays.scan(
        {**files, "train_labels": tmp_path / "ya.npy", "test_labels": tmp_path / "yb.npy"}
    )
    assert labelled.classes == ("5", "7")
    np.testing.assert_array_equal(labelled.labels["test"], [1, 1, 0])
    bare = arrays.scan(files)
    assert not bare.labelled and bare.classes == (arrays.UNLABELLED,)
    assert not bare.labels["train"].any() and len(bare.labels["test"]) == 3


def test_bad_arrays_are_refused_naming_the_file(tmp_path):
    def message(**overrides) -> str:
        return _error(arrays.scan, array_files(tmp_path, **overrides))

    assert re.search(r"test.npz \(array 'x'\): rows of width 3, but .*train.npz .* width 4",
                     message(x_test=rows(5, d=3)))  # fmt: skip
    assert "labels of shape (4,), but" in message(y_test=np.arange(4))
    assert "expected integers or strings" in message(y_train=np.linspace(0, 1, 9))
    assert "row 1 has label 7, which no training row has" in message(
        y_test=np.array([0, 7, 1, 2, 0])
    )
    assert "rows of shape (9,)" in message(x_train=np.arange(9.0))
    assert "rows must be real numbers" in message(x_train=rows(9) + 1j)
    assert "path separator" in message(y_train=np.array(["a/b"] * 9), y_test=np.array(["a/b"] * 5))

    files = array_files(tmp_path)
    np.save(tmp_path / "obj.npy", np.array([{"x": 1}, None], dtype=object), allow_pickle=True)
    assert "pickled array" in _error(arrays.scan, {**files, "train": tmp_path / "obj.npy"})
    (tmp_path / "pickle.npy").write_bytes(pickle.dumps(rows(3)))
    assert "not a .npy array" in _error(arrays.scan, {**files, "test": tmp_path / "pickle.npy"})
    assert "no such file" in _error(arrays.scan, {**files, "test": tmp_path / "none.npy"})
    np.savez(tmp_path / "other.npz", rows=rows(3))
    assert "no array 'x' (it holds: rows)" in _error(
        arrays.scan, {**files, "test": tmp_path / "other.npz"}
    )
    np.save(tmp_path / "a.npy", rows(9))
    np.save(tmp_path / "ya.npy", np.arange(9) % 3)
    one_side = {**files, "train": tmp_path / "a.npy", "train_labels": tmp_path / "ya.npy"}
    np.savez(tmp_path / "test.npz", x=rows(5, seed=1))
    assert "labels for the train rows but none for the test rows" in _error(arrays.scan, one_side)


def test_nan_and_infinity_are_refused_naming_the_row(tmp_path):
    x = rows(9)
    x[6, 2] = np.nan
    x[7, 0] = np.inf
    scan = arrays.scan(array_files(tmp_path, x_train=x))
    message = _error(arrays.read_rows, scan, "train")
    assert "train.npz (array 'x'): train row 6 holds NaN (column 2)" in message
    np.testing.assert_array_equal(arrays.read_rows(scan, "train", np.array([0, 1])), x[:2])
    # A subset is named in the file's numbering, not the subset's.
    assert "train row 7 holds Inf (column 0)" in _error(arrays.read_rows, scan, "train", [1, 7])


def test_subsets_of_own_data_are_stratified_and_keep_the_order(tmp_path):
    files = array_files(tmp_path, x_train=rows(30), y_train=np.arange(30) % 3)
    described = source.describe({"kind": "arrays", "name": "own", **files})
    x, y, index = source.load_split(described, "train", {"n_train": 6, "seed": 0})
    assert np.bincount(y).tolist() == [2, 2, 2] and np.all(np.diff(index) > 0)
    np.testing.assert_array_equal(x, np.load(files["train"])["x"][index])
    with pytest.raises(ConfigError, match=r"'subset\.n_test' = 9 exceeds the 5 test rows"):
        source.load_split(described, "test", {"n_test": 9, "seed": 0})


# ---- spaces --------------------------------------------------------------------------------------
def test_the_features_space_is_the_rows_as_given():
    x = rows(7)
    train, meta = fit_space({"name": "f", "kind": "features", "units": "logits"}, x)
    assert train.dtype == np.float32 and np.array_equal(train, x) and meta["units"] == "logits"
    ints = np.arange(12).reshape(3, 4)
    assert fit_space({"name": "f", "kind": "features", "units": "u"}, ints)[0].dtype == np.float64


def test_the_random_baseline_of_rows_fills_their_bounding_box():
    x = np.random.default_rng(4).uniform([-5, 0, 10], [-4, 100, 10.5], size=(50, 3))
    spec = {"name": "r", "kind": "random", "seed": 3}
    train, meta = fit_space({"name": "r", "kind": "random"}, x)
    test = transform_test(spec, meta, None, 2000)
    assert test.shape == (2000, 3) and np.array_equal(train, x)
    low, high = x.min(axis=0), x.max(axis=0)
    assert np.all(test >= low) and np.all(test <= high)
    # Uniform in the box: each coordinate's mean near its box's middle.
    np.testing.assert_allclose(test.mean(axis=0), (low + high) / 2, atol=0.05 * (high - low).max())
    other = transform_test({**spec, "seed": 4}, meta, None, 2000)
    assert not np.array_equal(other, test)


def test_the_random_baseline_of_images_is_as_before():
    """Pixel images keep the baseline the named datasets always had: uniform in [0, 255]."""
    x = images(10, 5, (4, 4))
    _, meta = fit_space({"name": "r", "kind": "random"}, x)
    test = transform_test({"name": "r", "kind": "random", "seed": 0}, meta, None, 3)
    expected = np.random.default_rng(0).uniform(0.0, 255.0, size=(3, 16))
    np.testing.assert_array_equal(test, expected)


def test_the_random_baseline_draws_at_most_points_the_first_of_its_stream():
    """min(points, test rows): at ImageNet size 2,000 of 50,000; a small test set (digits'
    450) keeps every point it had, the same numbers; null draws one per test row."""
    x = images(10, 5, (4, 4))
    spec = {"name": "r", "kind": "random", "seed": 0, "points": 2000}
    _, meta = fit_space(spec, x)
    every = np.random.default_rng(0).uniform(0.0, 255.0, size=(50_000, 16))
    assert random_points(spec, 50_000) == 2000 and random_points(spec, 450) == 450
    np.testing.assert_array_equal(transform_test(spec, meta, None, 50_000), every[:2000])
    np.testing.assert_array_equal(transform_test(spec, meta, None, 450), every[:450])
    whole = transform_test({**spec, "points": None}, meta, None, 50_000)
    np.testing.assert_array_equal(whole, every)
    assert random_points({"kind": "random"}, 7) == 7  # a spec from before the key


def test_the_random_baseline_points_key_in_the_config():
    cfg = config.validate({"spaces": [{"name": "r", "kind": "random"}]}, config.load_schema())
    assert cfg["spaces"] == [{"name": "r", "kind": "random", "seed": 0, "points": 2000}]
    spaces = [{"name": "r", "kind": "random", "points": None}]
    cfg = config.validate({"spaces": spaces}, config.load_schema())
    assert cfg["spaces"][0]["points"] is None
    assert "points" in _config_error({"spaces": [{"name": "r", "kind": "random", "points": 0}]})
    assert "does not apply to spaces of kind pixel" in _config_error(
        {"spaces": [{"name": "p", "kind": "pixel", "points": 10}]}
    )


# ---- config ------------------------------------------------------------------------------------
def _config_error(cfg: dict) -> str:
    with pytest.raises(ConfigError) as info:
        config.validate(cfg, config.load_schema())
    return str(info.value)


def test_config_of_own_data(tmp_path, image_folder):
    root, _ = image_folder
    files = {key: str(value) for key, value in array_files(tmp_path).items() if value}
    own = {"kind": "arrays", "name": "mine", **files}
    cfg = config.validate({"dataset": own}, config.load_schema())
    assert [s["kind"] for s in cfg["spaces"]] == ["features", "random"]
    assert cfg["train"]["enabled"] is False and cfg["findings"]["class_hull_space"] == "features"
    assert "use kind features" in _config_error(
        {"dataset": own, "spaces": [{"name": "p", "kind": "pixel"}]}
    )
    assert "no network to train" in _config_error({"dataset": own, "train": {"enabled": True}})
    assert "is a known dataset's name" in _config_error({"dataset": {**own, "name": "mnist"}})
    assert "'dataset.path': applies to the image-folder kind only" in _config_error(
        {"dataset": {**own, "path": str(root)}}
    )
    folder_cfg = {"kind": "image-folder", "name": "mine", "path": str(root)}
    cfg = config.validate({"dataset": folder_cfg}, config.load_schema())
    assert cfg["train"]["enabled"] is True and cfg["spaces"] == [{"name": "pixel", "kind": "pixel"}]
    message = _config_error(
        {"dataset": folder_cfg, "spaces": [{"name": "w", "kind": "wavelet", "level": 5}]}
    )
    assert f"level 5 is too deep for haar on the 5x6 images of {root}" in message
    assert "images have pixel spaces" in _config_error(
        {"dataset": folder_cfg, "spaces": [{"name": "f", "kind": "features"}]}
    )
    assert "'dataset.path' is required for dataset.kind image-folder" in _config_error(
        {"dataset": {"kind": "image-folder", "name": "mine"}}
    )
    # A folder of the wrong layout is the data's fault, not the config's (exit status 2).
    with pytest.raises(DataFormatError, match=f"image folder {root}/test: no 'train' folder"):
        config.validate(
            {"dataset": {**folder_cfg, "path": str(root / "test")}}, config.load_schema()
        )


def test_unlabelled_arrays_have_no_class_hulls(tmp_path):
    np.save(tmp_path / "a.npy", rows(6))
    np.save(tmp_path / "b.npy", rows(3))
    own = {
        "kind": "arrays",
        "name": "mine",
        "train": str(tmp_path / "a.npy"),
        "test": str(tmp_path / "b.npy"),
    }
    cfg = config.validate({"dataset": own}, config.load_schema())
    assert (
        cfg["findings"]["class_hull_space"] is None and cfg["findings"]["pca_space"] == "features"
    )
    message = _config_error({"dataset": own, "findings": {"class_hull_space": "features"}})
    assert "the arrays have no labels" in message


# ---- class names in the report -------------------------------------------------------------------
def test_class_names_with_markup_show_as_text_on_the_front_page():
    """The front page's rst, rendered by docutils as Snakemake's report does: each name is
    text in the HTML (escaped), never an element or a directive."""
    from docutils.core import publish_parts

    names = ["<script>alert(1)", '<img src=x onerror="alert(2)">', ".. raw:: html", "*bold* `x`_"]
    info = {
        "kind": "image-folder",
        "classes": names,
        "labelled": True,
        "n_train": 8,
        "n_test": 4,
        "image_shape": [6, 5],
        "class_counts_train": [2, 2, 2, 2],
        "class_counts_test": [1, 1, 1, 1],
    }
    rst = dataset_text("mine", info)
    body = publish_parts(rst, writer_name="html", settings_overrides={"report_level": 5})["body"]
    assert "<script" not in body and "<img" not in body and "<strong" not in body
    assert "&lt;script&gt;alert(1)" in body and "&lt;img src=x onerror=" in body
    assert ".. raw:: html" in body and "*bold* `x`_" in body
    assert "4 classes (training / test images)" in body


def test_the_readme_configs_of_own_data_hold(tmp_path, image_folder):
    """The README's two worked configs validate and describe their data, once their paths
    point at data of that kind."""
    import yaml

    from .helpers import readme

    root, _ = image_folder
    files = {key: str(value) for key, value in array_files(tmp_path).items() if value}
    blocks = [b for b in readme.blocks("yaml") if re.search(r"kind: (image-folder|arrays)", b)]
    assert len(blocks) == 2
    for block in blocks:
        cfg = yaml.safe_load(block)
        if cfg["dataset"]["kind"] == "image-folder":
            cfg["dataset"]["path"] = str(root)
        else:
            cfg["dataset"].update(files)
        cfg = config.validate(cfg, config.load_schema())
        described = source.describe(cfg["dataset"])
        assert described.spec.classes in (CLASSES, ("0", "1", "2"))
