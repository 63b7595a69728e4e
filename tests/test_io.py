"""Atomic writers: complete files under their final names, nothing on failure."""

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from hullgen.figures import save_figure
from hullgen.io import load_space, save_link, save_npy, save_npy_or_link, save_table


def test_save_figure_writes_png_and_pdf(tmp_path):
    figure = Figure()
    figure.subplots().plot([0, 1], [1, 0])
    save_figure(figure, tmp_path / "f.png", tmp_path / "f.pdf")
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "f.pdf").read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.pdf", "f.png"]


def test_a_laid_out_figure_is_laid_out_once_for_both_files(tmp_path):
    """The PDF keeps the layout the PNG's draw made, and the figure keeps its engine."""

    class Counting(ConstrainedLayoutEngine):
        calls = 0

        def execute(self, fig):
            self.calls += 1
            return super().execute(fig)

    engine = Counting()
    figure = Figure(layout=engine)
    axes = figure.subplots(1, 2)
    axes[0].set_title("a title the layout must make room for")
    axes[1].plot([0, 1], [1, 0])
    save_figure(figure, tmp_path / "f.png", tmp_path / "f.pdf")
    assert engine.calls == 1
    assert figure.get_layout_engine() is engine
    assert (tmp_path / "f.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_failed_figure_leaves_no_file(tmp_path):
    class Broken(Figure):
        def savefig(self, *args, **kwargs):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_figure(Broken(), tmp_path / "f.png", tmp_path / "f.pdf")
    assert list(tmp_path.iterdir()) == []


def test_save_table_round_trips(tmp_path):
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    save_table(frame, tmp_path / "t.parquet", tmp_path / "t.csv")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), frame)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t.csv"), frame)


def test_a_space_loads_for_computing_without_wrapping_around(tmp_path):
    pixels = np.array([[0, 255, 7], [255, 0, 9]], dtype=np.uint8)
    save_npy(tmp_path / "pixel.npy", pixels)
    rows = load_space(tmp_path / "pixel.npy")
    assert rows.dtype == np.float64
    np.testing.assert_array_equal(rows, pixels)
    assert (rows[0] - rows[1]).tolist() == [-255, 255, -2]  # uint8 would give [1, 255, 254]
    assert float(rows[0] @ rows[0]) == 255**2 + 49  # uint8 would wrap to 114
    embedding = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    save_npy(tmp_path / "embedding.npy", embedding)
    as_stored = load_space(tmp_path / "embedding.npy")
    assert as_stored.dtype == np.float32 and isinstance(as_stored, np.memmap)


def test_workflow_scripts_read_spaces_with_load_space():
    """Pixel spaces are uint8: a script that computed on them as loaded would wrap around.
    Only the hull stage reads them raw (its solver converts rows to float64 itself)."""
    scripts = Path(__file__).resolve().parents[1] / "workflow" / "scripts"
    raw = re.compile(r"load_npy\((?:snakemake\.)?(?:inp|input)\.(?:train|test)\)")
    found = {p.name for p in scripts.glob("*.py") if raw.search(p.read_text())}
    assert found == {"hull_shard.py"}, found


def test_save_link_links_relative_inside_the_working_folder_and_absolute_outside(
    tmp_path, monkeypatch
):
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    (work / "data").mkdir(parents=True)
    elsewhere.mkdir()
    monkeypatch.chdir(work)
    rows = np.arange(6, dtype=np.float32).reshape(3, 2)
    np.save(elsewhere / "rows.npy", rows)
    save_link("data/x.npy", elsewhere / "rows.npy")
    assert Path("data/x.npy").is_symlink()
    assert Path(os.readlink("data/x.npy")).is_absolute()
    save_link("space/train.npy", "data/x.npy")
    assert os.readlink("space/train.npy") == "../data/x.npy"  # a results folder moves whole
    np.testing.assert_array_equal(np.load("space/train.npy"), rows)
    # Linking again replaces the link; nothing temporary stays behind.
    save_link("data/x.npy", elsewhere / "rows.npy")
    assert sorted(p.name for p in Path("data").iterdir()) == ["x.npy"]
    with pytest.raises(FileNotFoundError, match="no such file"):
        save_link("data/y.npy", elsewhere / "missing.npy")
    assert not Path("data/y.npy").exists()


def test_save_npy_or_link_links_only_the_file_as_it_is(tmp_path):
    source = tmp_path / "source.npy"
    np.save(source, np.arange(12, dtype=np.float32).reshape(4, 3))
    mapped = np.load(source, mmap_mode="r")
    save_npy_or_link(tmp_path / "same.npy", mapped, source, mapped)
    assert (tmp_path / "same.npy").is_symlink()
    # Anything else is written: another dtype, a part of the rows, a copy.
    for name, array in (
        ("float64.npy", mapped.astype(np.float64)),
        ("part.npy", mapped[1:]),
        ("copy.npy", np.array(mapped)),
    ):
        save_npy_or_link(tmp_path / name, array, source, mapped)
        assert not (tmp_path / name).is_symlink()
        np.testing.assert_array_equal(np.load(tmp_path / name), array)
    save_npy_or_link(tmp_path / "none.npy", mapped, None, mapped)
    assert not (tmp_path / "none.npy").is_symlink()
