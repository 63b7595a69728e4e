import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import pdist

from hullgen.cli import main
from hullgen.hull.diameter import hull_diameter
from hullgen.hull.run import shard_rows


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, size=(300, 16)).astype(np.uint8)
    test = rng.integers(0, 256, size=(25, 16)).astype(np.float32)
    np.save(tmp_path / "train.npy", train)
    np.save(tmp_path / "test.npy", test)
    return tmp_path, train, test


def test_hull_distance_cli_writes_tables(files, capsys):
    tmp, train, test = files
    out, support, proj = tmp / "out.parquet", tmp / "s.parquet", tmp / "p.npy"
    code = main(
        [
            "hull-distance",
            "--train",
            str(tmp / "train.npy"),
            "--test",
            str(tmp / "test.npy"),
            "--out",
            str(out),
            "--support-out",
            str(support),
            "--projections-out",
            str(proj),
            "--threads",
            "2",
            "--quiet",
        ]
    )
    assert code == 0
    table = pd.read_parquet(out)
    assert len(table) == 25 and table["query"].tolist() == list(range(25))
    for column in ("distance", "lower_bound", "status", "nn_distance", "nn_index", "support_size"):
        assert column in table
    sup = pd.read_parquet(support)
    assert len(sup) == table["support_size"].sum()
    p = np.load(proj)
    for q in (0, 7):
        rows = sup[sup["query"] == q]
        np.testing.assert_allclose(rows["weight"] @ train[rows["train_index"]], p[q], atol=1e-9)
        assert np.linalg.norm(test[q] - p[q]) == pytest.approx(table["distance"][q], rel=1e-12)
    d_nn = np.linalg.norm(train.astype(float) - test[3].astype(float), axis=1)
    assert table["nn_index"][3] == np.argmin(d_nn)
    assert table["nn_distance"][3] == pytest.approx(d_nn.min(), rel=1e-12)
    assert "25 test points" in capsys.readouterr().out


def test_hull_distance_cli_errors_name_the_file_and_row(files, capsys):
    tmp, _train, test = files
    bad = test.copy()
    bad[11, 2] = np.nan
    np.save(tmp / "bad.npy", bad)
    args = ["hull-distance", "--train", str(tmp / "train.npy"), "--out", str(tmp / "o.parquet")]
    assert main([*args, "--test", str(tmp / "bad.npy")]) == 2
    err = capsys.readouterr().err
    assert "bad.npy" in err and "row 11" in err and "NaN" in err
    np.save(tmp / "narrow.npy", test[:, :5])
    assert main([*args, "--test", str(tmp / "narrow.npy")]) == 2
    err = capsys.readouterr().err
    assert "narrow.npy" in err and "5 columns" in err and "16" in err
    np.save(tmp / "empty.npy", np.zeros((0, 16)))
    assert (
        main(
            [
                "hull-distance",
                "--train",
                str(tmp / "empty.npy"),
                "--test",
                str(tmp / "test.npy"),
                "--out",
                str(tmp / "o.parquet"),
            ]
        )
        == 2
    )
    assert "empty.npy" in capsys.readouterr().err
    assert main([*args, "--test", str(tmp / "missing.npy")]) == 2
    assert "missing.npy" in capsys.readouterr().err
    assert not (tmp / "o.parquet").exists()


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_hull_diameter_refuses_non_finite_rows_naming_the_file_and_row(files, capsys, value):
    """A NaN or Inf row would make the diameter NaN: an error, never a printed answer."""
    tmp, train, _ = files
    bad = train.astype(np.float64)
    bad[1, 3] = value
    np.save(tmp / "bad.npy", bad)
    assert main(["hull-diameter", "--train", str(tmp / "bad.npy")]) == 2
    captured = capsys.readouterr()
    assert "diameter" not in captured.out
    assert "bad.npy" in captured.err and "row 1" in captured.err and "column 3" in captured.err


@pytest.mark.parametrize("command", ["hull-diameter", "hull-distance"])
@pytest.mark.parametrize(
    ("scale", "says"),
    [(1e200, "training row 0 holds 2.17e+202, beyond ±1e+15 (column 0)"), (1e-300, "below 1e-15")],
)
def test_values_whose_products_overflow_or_vanish_are_refused(files, capsys, command, scale, says):
    """Rows at 1e200 overflow the float32 passes (the diameter was inf, the distance a
    traceback); rows at 1e-300 vanish in them (the diameter was 0): refused, naming the file,
    and what to do."""
    tmp, train, _ = files
    np.save(tmp / "scaled.npy", train.astype(np.float64) * scale)
    args = [command, "--train", str(tmp / "scaled.npy")]
    if command == "hull-distance":
        args += ["--test", str(tmp / "test.npy"), "--out", str(tmp / "o.parquet"), "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "scaled.npy" in err and says in err and "rescale the rows" in err, err


@pytest.mark.parametrize("scale", [1e14, 1e-14])
def test_values_within_the_bounds_give_the_exact_diameter(tmp_path, capsys, scale):
    """Near each bound, the diameter is the largest pairwise distance computed here in
    float64 from differences (not from squared norms)."""
    points = np.random.default_rng(4).normal(size=(40, 7)) * scale
    np.save(tmp_path / "p.npy", points)
    assert main(["hull-diameter", "--train", str(tmp_path / "p.npy")]) == 0
    said = capsys.readouterr().out.split()
    diffs = points[:, None, :] - points[None, :, :]
    exact = np.sqrt((diffs**2).sum(axis=2))
    assert float(said[1]) == pytest.approx(exact.max(), rel=1e-12)


def test_complex_rows_are_refused_by_both_commands(files, capsys):
    tmp, train, _ = files
    np.save(tmp / "complex.npy", train.astype(np.complex128))
    assert main(["hull-diameter", "--train", str(tmp / "complex.npy")]) == 2
    assert "complex.npy" in capsys.readouterr().err
    out = str(tmp / "o.parquet")
    args = ["hull-distance", "--train", str(tmp / "complex.npy"), "--test", str(tmp / "test.npy")]
    assert main([*args, "--out", out, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "complex.npy" in err and "real numbers" in err
    assert not (tmp / "o.parquet").exists()


def test_hull_diameter_matches_pdist(files, capsys):
    tmp, train, _ = files
    assert main(["hull-diameter", "--train", str(tmp / "train.npy")]) == 0
    out = capsys.readouterr().out
    assert repr(float(pdist(train.astype(float)).max())) in out


@pytest.mark.parametrize(("n", "d"), [(700, 50), (2, 3), (1000, 2)])
def test_diameter_is_exact(n, d):
    rng = np.random.default_rng(n)
    points = rng.normal(size=(n, d)) * 500 + 1e4  # far from the origin: centring matters
    diameter, i, j = hull_diameter(points, block=97)
    distances = pdist(points)
    assert diameter == pytest.approx(float(distances.max()), rel=1e-14)
    # The same pair as the brute force (pdist's condensed index of (i, j), i < j).
    k = np.argmax(distances)
    assert k == n * i - i * (i + 1) // 2 + (j - i - 1)
    assert np.linalg.norm(points[i] - points[j]) == pytest.approx(diameter, rel=1e-15)


def test_shard_rows_cover_in_order():
    bounds = [shard_rows(10, s, 3) for s in range(3)]
    assert bounds[0][0] == 0 and bounds[-1][1] == 10
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    with pytest.raises(ValueError):
        shard_rows(10, 3, 3)


def test_shard_errors_use_the_files_row_numbers(files):
    from hullgen.errors import HullgenError
    from hullgen.hull.run import hull_distance_files

    tmp, _, test = files
    bad = test.copy()
    bad[11, 2] = np.inf
    np.save(tmp / "bad.npy", bad)
    with pytest.raises(HullgenError, match=r"bad\.npy: test row 11 holds Inf \(column 2\)"):
        hull_distance_files(tmp / "train.npy", tmp / "bad.npy", rows=(5, 20))


@pytest.mark.parametrize(
    ("option", "needle"),
    [
        (["--threads", "0"], "--threads: 0 is out of range: must be >= 1"),
        (["--threads", "-3"], "--threads: -3 is out of range"),
        (["--k-seed", "-5"], "--k-seed: -5 is out of range: must be >= 1"),
        (["--memory-budget", "-1"], "--memory-budget: -1 is out of range: must be > 0"),
        (["--gap", "0"], "--gap: 0 is out of range: must be > 0"),
        (["--gap", "1"], "--gap: 1 is out of range: must be < 1"),
        (["--threads", "two"], "--threads: 'two' is not an integer"),
        (["--device", "gpu0"], "'gpu0' is not cpu, cuda or cuda:N"),
    ],
)
def test_hull_distance_options_out_of_range_are_usage_errors(files, capsys, option, needle):
    """A value out of the range the config schema gives it is refused (exit 2), naming the
    option and the value, before any file is read: never run as another value."""
    tmp, _, _ = files
    args = ["hull-distance", "--train", str(tmp / "train.npy"), "--test", str(tmp / "test.npy")]
    with pytest.raises(SystemExit) as stop:
        main([*args, "--out", str(tmp / "o.parquet"), *option])
    assert stop.value.code == 2
    assert needle in capsys.readouterr().err
    assert not (tmp / "o.parquet").exists()


def test_device_cuda_without_a_gpu_is_a_usage_error(files, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("torch sees a GPU here")
    tmp, _, _ = files
    with pytest.raises(SystemExit) as stop:
        main(["hull-distance", "--train", str(tmp / "train.npy"), "--test", "t", "--out", "o",
              "--device", "cuda"])  # fmt: skip
    assert stop.value.code == 2
    assert "torch sees 0 CUDA device(s)" in capsys.readouterr().err


def test_hull_distance_writes_all_outputs_or_none(files, capsys):
    """An unwritable --support-out (a folder that is a file) fails the command, and the
    table and the projections, which could be written, are not left behind."""
    tmp, _, _ = files
    (tmp / "plain-file").write_text("not a folder")
    out, projections = tmp / "o.parquet", tmp / "p.npy"
    code = main(
        ["hull-distance", "--train", str(tmp / "train.npy"), "--test", str(tmp / "test.npy"),
         "--out", str(out), "--projections-out", str(projections),
         "--support-out", str(tmp / "plain-file" / "s.parquet"), "--quiet"]
    )  # fmt: skip
    assert code == 2
    assert "plain-file" in capsys.readouterr().err
    assert not out.exists() and not projections.exists()
    assert not [p for p in tmp.iterdir() if p.name.endswith(".part")]


def test_both_commands_read_npz_rows_as_the_arrays_section_writes_them(files, capsys):
    """A .npz holds its rows as x (and labels as y), as dataset.kind arrays reads them."""
    tmp, train, test = files
    np.savez(tmp / "train.npz", x=train, y=np.zeros(len(train)))
    np.savez(tmp / "test.npz", x=test)
    assert main(["hull-diameter", "--train", str(tmp / "train.npz")]) == 0
    assert repr(float(pdist(train.astype(float)).max())) in capsys.readouterr().out
    out = tmp / "o.parquet"
    args = ["hull-distance", "--train", str(tmp / "train.npz"), "--test", str(tmp / "test.npz")]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    npy = tmp / "n.parquet"
    args = ["hull-distance", "--train", str(tmp / "train.npy"), "--test", str(tmp / "test.npy")]
    assert main([*args, "--out", str(npy), "--quiet"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(npy))


def test_unreadable_arrays_are_named_and_never_called_pickled(files, capsys):
    tmp, train, _ = files
    np.savez(tmp / "rows.npz", rows=train)
    assert main(["hull-diameter", "--train", str(tmp / "rows.npz")]) == 2
    assert "rows.npz: no array 'x' (it holds: rows)" in capsys.readouterr().err
    (tmp / "text.npy").write_text("1,2,3\n4,5,6\n")
    assert main(["hull-diameter", "--train", str(tmp / "text.npy")]) == 2
    err = capsys.readouterr().err
    assert "text.npy: not a .npy array" in err
    assert "pickle" not in err
