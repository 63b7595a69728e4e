import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from hullgen import config_files
from hullgen.cli import main

from .helpers.workflow import REPO


def test_check_config_accepts_the_shipped_configs(capsys):
    configs = sorted(str(p) for p in (REPO / "config").glob("*.yaml"))
    for path in configs:
        assert main(["check-config", path]) == 0
    assert capsys.readouterr().out.count(": ok") == len(configs)


def test_check_config_merges_its_files_as_snakemake_does(tmp_path, capsys):
    """The README's Fashion-MNIST overlay is checked on top of its config, as snakemake
    --configfile merges them; alone it is not a config (an overlay names no spaces to keep)."""
    from snakemake.utils import update_config

    overlay = tmp_path / "fashion-offline.yaml"
    overlay.write_text(
        "dataset: {data_dir: /usr/share/datasets/fashion-mnist}\n"
        "subset: {n_train: 500, n_test: 100}\nhull: {shards: 1}\n"
    )
    fashion = str(REPO / "config" / "fashion-mnist.yaml")
    dataset = config_files.read_yaml(fashion)["dataset"]
    if not Path(dataset["data_dir"] or "/usr/share/datasets/fashion-mnist").is_dir():
        pytest.skip("needs Debian's dataset-fashion-mnist (the overlay's data_dir)")
    assert main(["check-config", fashion, str(overlay)]) == 0
    assert f"{fashion} + {overlay}: ok" in capsys.readouterr().out
    # The merge is Snakemake's own.
    expected = config_files.read_yaml(fashion)
    update_config(expected, config_files.read_yaml(overlay))
    assert config_files.read_merged([fashion, overlay]) == expected
    # An invalid overlay is named with the files it was merged onto.
    (tmp_path / "bad.yaml").write_text("hull: {shards: 0}\n")
    assert main(["check-config", fashion, str(tmp_path / "bad.yaml")]) == 1
    assert f"{fashion} + {tmp_path / 'bad.yaml'}: invalid" in capsys.readouterr().err


def test_check_config_refuses_an_empty_file_as_snakemake_does(tmp_path, capsys):
    (tmp_path / "empty.yaml").write_text("# only a comment\n")
    assert main(["check-config", str(tmp_path / "empty.yaml")]) == 1
    assert "empty.yaml: the config file is empty; write {} for every default" in (
        capsys.readouterr().err
    )
    (tmp_path / "braces.yaml").write_text("{}\n")
    assert main(["check-config", str(tmp_path / "braces.yaml")]) == 0


def test_check_config_names_the_bad_key(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"spaces": [{"name": "w", "kind": "wavelt"}]}))
    assert main(["check-config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "spaces[0].kind" in err and "wavelt" in err


def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("hullgen")
    proc = subprocess.run([str(exe), "datasets"], capture_output=True, text=True, check=True)
    assert "cifar-10-binary.tar.gz" in proc.stdout
    assert "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd" in proc.stdout


HULLGEN = Path(sys.executable).with_name("hullgen")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(HULLGEN), *args], capture_output=True, text=True, cwd=cwd)


def _fails_cleanly(proc: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("hullgen: error: "), proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


def test_check_config_finds_the_packaged_schema_from_any_folder(tmp_path):
    (tmp_path / "c.yaml").write_text("dataset: {name: digits}\n")
    proc = _run("check-config", "c.yaml", cwd=tmp_path)
    assert proc.returncode == 0 and "c.yaml: ok" in proc.stdout, proc.stderr
    proc = _run("config-table", cwd=tmp_path)
    assert proc.returncode == 0 and "| `spaces` |" in proc.stdout, proc.stderr


def test_check_config_input_errors_are_one_line_naming_the_file(tmp_path):
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "syntax.yaml").write_text("dataset:\n  name: mnist\n  cache_dir: a: b\n")
    (tmp_path / "list.yaml").write_text("- dataset\n- spaces\n")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00\x01garbage")
    cases = [
        ("missing.yaml", 2, "No such file"),
        ("folder.yaml", 2, "directory"),
        ("syntax.yaml", 1, "line 3"),
        ("list.yaml", 1, "mapping"),
        ("binary.yaml", 1, "UTF-8"),
    ]
    for name, code, needle in cases:
        proc = _run("check-config", name, cwd=tmp_path)
        _fails_cleanly(proc, code, name, needle)
        assert len(proc.stderr.splitlines()) == 1, proc.stderr
    # The files make one config: the first that cannot be read stops the check.
    proc = _run("check-config", "syntax.yaml", "missing.yaml", cwd=tmp_path)
    _fails_cleanly(proc, 1, "syntax.yaml", "line 3")


def test_check_config_reads_own_data_as_the_workflow_does(tmp_path):
    """An arrays config checks the arrays too: a pickled file is a data error (2)."""
    np.save(tmp_path / "train.npy", np.zeros((4, 3)))
    np.save(tmp_path / "test.npy", np.array([[1, None]], dtype=object), allow_pickle=True)
    (tmp_path / "c.yaml").write_text(
        "dataset: {kind: arrays, name: mine, train: train.npy, test: test.npy}\n"
    )
    proc = _run("check-config", "c.yaml", cwd=tmp_path)
    _fails_cleanly(proc, 2, "c.yaml: dataset: test.npy", "pickled array")
    np.save(tmp_path / "test.npy", np.zeros((2, 3)))
    proc = _run("check-config", "c.yaml", cwd=tmp_path)
    assert proc.returncode == 0 and "c.yaml: ok" in proc.stdout, proc.stderr


def _grey_folder(root: Path) -> Path:
    for split, n in (("train", 3), ("test", 1)):
        for name in ("bag", "cat"):
            (root / split / name).mkdir(parents=True)
            for i in range(n):
                Image.fromarray(np.full((4, 5), 40 * i, np.uint8)).save(
                    root / split / name / f"{i}.png"
                )
    return root


def _rgba_first(root: Path) -> None:
    Image.fromarray(np.zeros((4, 5, 4), np.uint8), "RGBA").save(root / "train/bag/0.png")


@pytest.mark.parametrize(
    ("spoil", "needle"),
    [
        (lambda root: shutil.rmtree(root / "train"), "no 'train' folder"),
        (_rgba_first, "image mode 'RGBA'"),
        (lambda root: (root / "train/bag/0.png").write_bytes(b""), "cannot be read as an image"),
        (lambda root: (root / "train/notes.txt").write_text("x"), "a file directly in the train"),
        (lambda root: shutil.rmtree(root / "test/cat/"), None),  # fine: a class may have no test
        (lambda root: (root / "train/dog").mkdir(), "no images in this class folder"),
        (lambda root: (root / "test/cat/0.png").write_bytes(b"\x89PNG"), None),  # read in its job
    ],
    ids=["no train", "rgba", "zero bytes", "loose file", "no test class", "empty", "bad test"],
)
def test_check_config_exits_2_for_every_image_folder_fault(tmp_path, spoil, needle):
    """An image folder's faults are data errors, exit status 2 whatever the layout (the
    first image's faults were config errors, 1), each named in one line."""
    root = _grey_folder(tmp_path / "data")
    spoil(root)
    (tmp_path / "c.yaml").write_text(f"dataset: {{kind: image-folder, name: mine, path: {root}}}\n")
    proc = _run("check-config", "c.yaml", cwd=tmp_path)
    if needle is None:
        assert proc.returncode == 0, proc.stderr
        return
    _fails_cleanly(proc, 2, "c.yaml: dataset: ", str(root), needle)
    assert len(proc.stderr.splitlines()) == 1, proc.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_check_config_unreadable_file(tmp_path):
    path = tmp_path / "secret.yaml"
    path.write_text("dataset: {name: digits}\n")
    path.chmod(0)
    _fails_cleanly(_run("check-config", path.name, cwd=tmp_path), 2, "secret.yaml", "ermission")


def test_check_config_missing_schema(tmp_path):
    (tmp_path / "c.yaml").write_text("dataset: {name: digits}\n")
    proc = _run("check-config", "c.yaml", "--schema", "nope.yaml", cwd=tmp_path)
    _fails_cleanly(proc, 2, "nope.yaml")
    proc = _run("config-table", "--schema", str(tmp_path), cwd=tmp_path)
    _fails_cleanly(proc, 2, str(tmp_path))


@pytest.fixture
def matrices(tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "train.npy", rng.normal(size=(20, 3)))
    np.save(tmp_path / "test.npy", rng.normal(size=(4, 3)))
    (tmp_path / "empty.npy").write_bytes(b"")
    (tmp_path / "text.npy").write_text("not an array\n")
    np.save(tmp_path / "truncated.npy", np.zeros((100, 3)))
    (tmp_path / "truncated.npy").write_bytes((tmp_path / "truncated.npy").read_bytes()[:300])
    np.save(tmp_path / "vector.npy", np.zeros(5))
    (tmp_path / "folder.npy").mkdir()
    return tmp_path


BAD_NPY = ["missing.npy", "empty.npy", "text.npy", "truncated.npy", "vector.npy", "folder.npy"]
# Every bad file as the test set; a few as the training set and for hull-diameter (each run
# starts a process: a few seconds).
HULL_CASES = [
    *(("hull-distance", "--test", name) for name in BAD_NPY),
    *(("hull-distance", "--train", name) for name in ("missing.npy", "text.npy")),
    *(("hull-diameter", "--train", name) for name in ("folder.npy", "truncated.npy")),
]


@pytest.mark.parametrize(("command", "option", "name"), HULL_CASES)
def test_hull_commands_name_a_bad_npy_file(matrices, command, option, name):
    args = {"--train": "train.npy", "--test": "test.npy", option: name}
    if command == "hull-diameter":
        args = {"--train": name}
    else:
        args.update({"--out": "out.parquet"})
    proc = _run(command, *(x for pair in args.items() for x in pair), cwd=matrices)
    _fails_cleanly(proc, 2, name)
    assert not (matrices / "out.parquet").exists()


def test_hull_distance_names_an_unwritable_output(matrices):
    (matrices / "a-file").write_text("")
    inputs = ["--train", "train.npy", "--test", "test.npy", "--quiet"]
    proc = _run("hull-distance", *inputs, "--out", "a-file/out.parquet", cwd=matrices)
    _fails_cleanly(proc, 2, "a-file/out.parquet")
    if os.geteuid() != 0:  # root writes into read-only folders
        (matrices / "locked").mkdir(mode=0o500)
        proc = _run("hull-distance", *inputs, "--out", "locked/out.parquet", cwd=matrices)
        _fails_cleanly(proc, 2, "locked/out.parquet")


def test_usage_errors_exit_2_and_the_help_lists_exit_codes(tmp_path):
    proc = _run("hull-distance", "--train", "x.npy", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "hullgen hull-distance: error:" in proc.stderr
    help_text = _run("--help", cwd=tmp_path).stdout
    for line in ("0  success", "1  a config file is invalid", "2  usage or input error", "3  "):
        assert line in help_text
