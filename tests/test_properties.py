"""Property-based tests (Hypothesis) of everything that reads what a user gives: config files
and values, feature arrays, image folders, and the CLI's arrays.

Each feeds generated input, most of it bad, and asserts that the reader either returns a
result that meets its contract or raises a :class:`HullgenError` with a message (the CLI:
exit status 2 with one line); never another exception, never a result that breaks the
contract (a NaN row, a wrong width, a class missing).
"""

from __future__ import annotations

import contextlib
import copy
import io
import shutil
import string
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from hullgen import cli, config, preflight
from hullgen.config_files import read_yaml
from hullgen.data import arrays, folder
from hullgen.data.matrix import LARGEST_VALUE, SMALLEST_SCALE, load_rows
from hullgen.errors import HullgenError

SCHEMA = config.load_schema()
# Each example makes its files in a folder of its own. The examples are drawn from a fixed
# seed (derandomize), so that CI and a developer's machine try the same inputs, and no example
# database is written into the checkout.
PROPERTY = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextlib.contextmanager
def scratch():
    folder_ = Path(tempfile.mkdtemp(prefix="hullgen-property-"))
    try:
        yield folder_
    finally:
        shutil.rmtree(folder_, ignore_errors=True)


def refused_or_kept(call, *args, **kwargs):
    """``call``'s result, or None when it raised a HullgenError with a message; any other
    exception fails the test."""
    try:
        result = call(*args, **kwargs)
    except HullgenError as err:
        assert str(err).strip(), f"{type(err).__name__} without a message"
        event(f"{call.__name__}: refused")
        return None
    event(f"{call.__name__}: kept")
    return result


# ---- config -----------------------------------------------------------------------------
def _schema_paths(node: dict, prefix: tuple = ()) -> list[tuple[tuple, dict]]:
    """Every key path of the schema (a list item's keys under index 0), with its schema."""
    paths = []
    for key, sub in node.get("properties", {}).items():
        path = (*prefix, key)
        paths.append((path, sub))
        paths += _schema_paths(sub, path)
        if "items" in sub:
            paths += _schema_paths(sub["items"], (*path, 0))
    return paths


KEY_PATHS = _schema_paths(SCHEMA)


def _typed(sub: dict):
    """Values of the key's own type, in and around its range (most bad input is a value
    slightly wrong, not a value of another kind)."""
    types = sub.get("type", [])
    types = [types] if isinstance(types, str) else types
    options = [st.sampled_from(sub["enum"])] if "enum" in sub else []
    low = sub.get("minimum", sub.get("exclusiveMinimum", 0))
    high = sub.get("maximum", sub.get("exclusiveMaximum", low + 100))
    if "integer" in types:
        options.append(st.integers(int(low) - 2, int(high) + 2))
    if "number" in types:
        options.append(st.floats(low - 1, high + 1) | st.sampled_from([low, high]))
    if "boolean" in types:
        options.append(st.booleans())
    if "null" in types:
        options.append(st.none())
    if "default" in sub:
        # A copy: a later key set inside it must not change the schema.
        options.append(st.builds(copy.deepcopy, st.just(sub["default"])))
    return st.one_of(options) if options else st.nothing()


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["1e-6", "2.0", "auto", "all", "haar", "db4", "pixel", "cuda", "digits"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=3),
    ),
    max_leaves=6,
)


def _set(cfg: dict, path: tuple, value) -> None:
    node = cfg
    for key in path[:-1]:
        if isinstance(key, int):
            if not isinstance(node, list) or not node:
                return
            node = node[0]
            continue
        if not isinstance(node, dict):
            return
        node = node.setdefault(key, [{}] if key == "spaces" else {})
    if isinstance(node, dict) and not isinstance(path[-1], int):
        node[path[-1]] = value


@st.composite
def configs(draw) -> dict:
    """The default config with a few keys (any in the schema, or unknown ones) set to values
    of any type, well-formed or not."""
    cfg: dict = {}
    for _ in range(draw(st.integers(1, 4))):
        path, sub = draw(st.sampled_from(KEY_PATHS))
        kind = draw(st.sampled_from(["typed", "typed", "typed", "any", "unknown key"]))
        if kind == "unknown key":
            path = (*path[:-1], draw(st.text(max_size=6)))
        typed = _typed(sub)
        value = draw(typed if kind == "typed" and not typed.is_empty else VALUES)
        _set(cfg, path, value)
    return cfg


@settings(PROPERTY, max_examples=300)
@given(cfg=configs())
# Found by this test: a key YAML reads as a number was a TypeError.
@example(cfg={"dataset": {"": None, 0: None}})
def test_the_config_check_refuses_with_a_message_or_passes_a_valid_config(cfg):
    given_ = copy.deepcopy(cfg)
    checked = refused_or_kept(preflight.check, cfg, SCHEMA)
    assert cfg == given_, "the check changed the config it was given"
    if checked is not None:
        # What passed is valid, and checking it again changes nothing.
        assert preflight.check(checked.config, SCHEMA).config == checked.config


@st.composite
def edited_yaml(draw) -> str:
    """A config written as YAML, then edited by hand: a stretch cut out, text put in."""
    text = yaml.safe_dump(draw(configs()), allow_unicode=True)
    start = draw(st.integers(0, len(text)))
    stop = draw(st.integers(start, min(len(text), start + 6)))
    inserted = draw(st.text(alphabet=":-{}[]#'\" \n\t0123456789.eE!&*|>%@", max_size=4))
    return text[:start] + inserted + text[stop:]


@settings(PROPERTY, max_examples=200)
@given(text=st.one_of(edited_yaml(), edited_yaml(), st.text(max_size=80), st.binary(max_size=80)))
def test_config_files_of_any_text_are_read_or_refused_with_a_message(text):
    with scratch() as folder_:
        path = folder_ / "c.yaml"
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
        raw = refused_or_kept(read_yaml, path)
        assert raw is None or isinstance(raw, dict)
        if raw is not None:
            refused_or_kept(preflight.check, raw, SCHEMA)


@settings(PROPERTY, max_examples=100)
@given(cfg=configs())
def test_yaml_written_configs_check_as_the_mapping_does(cfg):
    """A config written to YAML and read back is judged as the mapping itself."""
    with scratch() as folder_:
        path = folder_ / "c.yaml"
        try:
            path.write_text(yaml.safe_dump(cfg))
        except yaml.YAMLError:
            assume(False)
        read = read_yaml(path) if cfg else None
        assume(read == cfg)
        direct = refused_or_kept(preflight.check, cfg, SCHEMA)
        from_file = refused_or_kept(preflight.check_files, [path])
        assert (direct is None) == (from_file is None)


# ---- arrays -----------------------------------------------------------------------------
DTYPES = st.one_of(
    hnp.floating_dtypes(),
    hnp.integer_dtypes(),
    hnp.unsigned_integer_dtypes(),
    hnp.complex_number_dtypes(),
    hnp.boolean_dtypes(),
    hnp.unicode_string_dtypes(max_len=3),
    hnp.datetime64_dtypes(),
)
ANY_ARRAYS = DTYPES.flatmap(
    lambda dtype: hnp.arrays(
        dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)
    )
)


# Rows as a user saves them: a real matrix, now and then holding NaN or infinity.
def matrices(width=None):
    width = st.integers(1, 4) if width is None else width

    def of(dtype):
        floats = np.dtype(dtype).kind == "f"
        return hnp.arrays(
            dtype,
            st.tuples(st.integers(1, 6), width),
            elements=hnp.from_dtype(np.dtype(dtype), allow_nan=True, allow_infinity=True)
            if floats
            else None,
        )

    return st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.uint8]).flatmap(of)


MATRICES = matrices()
ARRAYS = st.one_of(MATRICES, MATRICES, ANY_ARRAYS)


def _contract(rows: np.ndarray, source: np.ndarray, scaled: bool = True) -> None:
    """What a reader that returned rows promises: 2-d, real, finite, the values as stored,
    none beyond LARGEST_VALUE and (training rows: ``scaled``) not all below SMALLEST_SCALE."""
    assert rows.ndim == 2 and rows.shape[0] >= 1 and rows.shape[1] >= 1
    assert rows.dtype.kind in "biuf"
    magnitude = np.abs(rows.astype(np.float64))
    assert np.isfinite(magnitude).all() and magnitude.max() <= LARGEST_VALUE
    assert not scaled or magnitude.max() == 0 or magnitude.max() >= SMALLEST_SCALE
    np.testing.assert_array_equal(rows, source)


@settings(PROPERTY, max_examples=300)
@given(array=ARRAYS, as_npz=st.booleans(), width=st.none() | st.integers(1, 5))
# Found by this test and its CLI twin: a float16 inf passed (1e15 is inf in float16); 1e200
# overflowed the float32 passes (the diameter was inf); 1e-320 vanished in them (it was 0).
@example(array=np.array([[np.inf]], np.float16), as_npz=False, width=None)
@example(array=np.array([[1e200, 0.0], [0.0, 1.0]]), as_npz=True, width=2)
@example(array=np.array([[1e-320, 0.0], [0.0, 0.0]]), as_npz=False, width=None)
def test_the_checked_reader_returns_finite_real_rows_or_names_the_file(array, as_npz, width):
    with scratch() as folder_:
        path = folder_ / ("rows.npz" if as_npz else "rows.npy")
        if as_npz:
            np.savez(path, x=array)
        else:
            np.save(path, array)
        rows = refused_or_kept(load_rows, path, "test", width=width)
        if rows is not None:
            _contract(rows, array)
            assert width is None or rows.shape[1] == width


@settings(PROPERTY, max_examples=150)
@given(data=st.binary(max_size=200), suffix=st.sampled_from([".npy", ".npz"]))
def test_files_that_are_not_arrays_are_refused_naming_the_file(data, suffix):
    with scratch() as folder_:
        path = folder_ / f"rows{suffix}"
        path.write_bytes(data)
        try:
            load_rows(path, "test")
        except HullgenError as err:
            assert str(path) in str(err)


ODD_LABELS = st.one_of(
    hnp.arrays(hnp.integer_dtypes(), st.integers(0, 8), elements=st.integers(0, 3)),
    hnp.arrays(np.int64, st.integers(1, 6), elements=st.integers(0, 2)),
    hnp.arrays(hnp.unicode_string_dtypes(max_len=2), st.integers(0, 8)),
    hnp.arrays(np.float64, st.integers(0, 8)),
)


@st.composite
def array_files(draw) -> dict:
    """A training and a test matrix, mostly of one width, with labels now and then (mostly
    one per row), and now and then anything at all."""
    width = draw(st.integers(1, 4))

    def rows():
        same = matrices(st.just(width))
        return draw(st.one_of(same, same, same, ANY_ARRAYS))

    train, test = rows(), rows()
    labelled = draw(st.booleans())
    labels = {}
    for split, matrix in (("train", train), ("test", test)):
        if labelled or draw(st.integers(0, 9)) == 0:
            n = matrix.shape[0] if matrix.ndim else 1
            right = hnp.arrays(np.int64, n, elements=st.integers(0, 2))
            labels[split] = draw(st.one_of(right, right, right, ODD_LABELS))
    return {"train": train, "test": test, "labels": labels}


@settings(PROPERTY, max_examples=200)
@given(given_=array_files())
def test_arrays_are_scanned_and_read_or_refused_naming_the_file(given_):
    with scratch() as folder_:
        files = {}
        for split in ("train", "test"):
            np.save(folder_ / f"{split}.npy", given_[split])
            files[split] = folder_ / f"{split}.npy"
            if split in given_["labels"]:
                np.save(folder_ / f"{split}_y.npy", given_["labels"][split])
                files[f"{split}_labels"] = folder_ / f"{split}_y.npy"
        scan = refused_or_kept(arrays.scan, files)
        if scan is None:
            return
        assert scan.n_rows == {split: len(given_[split]) for split in ("train", "test")}
        # Every test class is a training class (the labels index the training classes).
        assert scan.labels["test"].max(initial=0) < len(scan.classes)
        for split in ("train", "test"):
            read = refused_or_kept(arrays.read_rows, scan, split)
            if read is not None:
                _contract(read, given_[split], scaled=split == "train")


# ---- image folders ----------------------------------------------------------------------
NAMES = st.text(alphabet=string.ascii_letters + "é猫 .-_$<>", min_size=1, max_size=6)
FAULTS = [
    "other mode", "other size", "random bytes", "zero bytes", "text file", "no test split",
    "nested folder", "loose file", "empty class", "test class not in train", "RGBA",
    "control character",
]  # fmt: skip


def _save(path: Path, mode: str, size: tuple[int, int], seed: int) -> None:
    values = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], *MODES[mode]))
    Image.fromarray(values.astype(np.uint8), mode).save(path)


MODES = {"L": (), "RGB": (3,), "RGBA": (4,)}


@st.composite
def image_folders(draw) -> tuple[dict, list[str]]:
    """A layout (split -> class -> images, each (mode, size)) that is mostly right, and the
    faults it is given (none to two of :data:`FAULTS`)."""
    classes = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    mode = draw(st.sampled_from(["L", "RGB"]))
    size = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    layout = {
        split: {name: [(mode, size)] * draw(st.integers(1, 3)) for name in classes}
        for split in ("train", "test")
    }
    return layout, draw(st.lists(st.sampled_from(FAULTS), max_size=2, unique=True))


def _write_folder(root: Path, layout: dict, faults: list[str], seed: int) -> None:
    for split, classes in layout.items():
        for name, images in classes.items():
            (root / split / name).mkdir(parents=True)
            for i, (mode, size) in enumerate(images):
                _save(root / split / name / f"{i}.png", mode, size, seed + i)
    a_class = root / "test" / next(iter(layout["test"]))
    mode, size = layout["train"][next(iter(layout["train"]))][0]
    for fault in faults:
        target = a_class / "fault.png"
        if fault == "other mode":
            _save(target, "RGB" if mode == "L" else "L", size, seed)
        elif fault == "other size":
            _save(target, mode, (size[0] + 1, size[1]), seed)
        elif fault == "RGBA":
            _save(root / "train" / next(iter(layout["train"])) / "0.png", "RGBA", size, seed)
        elif fault == "random bytes":
            target.write_bytes(np.random.default_rng(seed).bytes(16))
        elif fault == "zero bytes":
            target.write_bytes(b"")
        elif fault == "text file":
            (a_class / "notes.txt").write_text("x")
        elif fault == "no test split":
            shutil.rmtree(root / "test")
            return
        elif fault == "nested folder":
            (a_class / "more").mkdir()
        elif fault == "loose file":
            (root / "train" / "loose.png").write_bytes(b"")
        elif fault == "empty class":
            (root / "train" / "empty").mkdir(exist_ok=True)
        elif fault == "test class not in train":
            (root / "test" / "unknown").mkdir(exist_ok=True)
            _save(root / "test" / "unknown" / "0.png", mode, size, seed)
        elif fault == "control character":
            (root / "train" / "tab\tname").mkdir()
            _save(root / "train" / "tab\tname" / "0.png", mode, size, seed)


@settings(PROPERTY, max_examples=120)
@given(folder_=image_folders(), seed=st.integers(0, 2**16))
def test_image_folders_are_scanned_and_read_or_refused_naming_the_file(folder_, seed):
    layout, faults = folder_
    with scratch() as root:
        _write_folder(root, layout, faults, seed)
        scan = refused_or_kept(folder.scan, root)
        if scan is None:
            assert faults, "a folder with nothing wrong was refused"
            return
        assert scan.classes == tuple(sorted(scan.classes)) and scan.mode in ("L", "RGB")
        for split in ("train", "test"):
            images = refused_or_kept(folder.read_split, scan, split)
            if images is not None:
                assert images.dtype == np.uint8 and images.shape[1:] == scan.image_shape
                assert len(images) == len(scan.files[split])
        if not faults:
            # A folder with nothing wrong is read whole.
            assert images is not None
            assert set(scan.classes) == set(layout["train"])
            assert sum(map(len, layout["test"].values())) == len(scan.files["test"])


# ---- the CLI ----------------------------------------------------------------------------
@settings(PROPERTY, max_examples=100)
@given(array=ARRAYS)
def test_hull_diameter_answers_or_exits_2_with_one_line(array):
    with scratch() as folder_:
        path = folder_ / "train.npy"
        np.save(path, array)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as out:
            code = cli.main(["hull-diameter", "--train", str(path)])
        if code == 0:
            _contract(load_rows(path, "training"), array)
            said = out.getvalue()
            assert said.startswith("diameter ") and "nan" not in said and "inf" not in said
        else:
            assert code == 2, err.getvalue()
            message = err.getvalue()
            assert message.startswith("hullgen: error: ") and message.count("\n") == 1
            assert str(path) in message


pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
