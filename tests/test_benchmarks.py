"""The benchmark tools run and measure what they say (on tiny inputs; no timing asserted)."""

import json
import os
import subprocess
import sys

import numpy as np

from hullgen.data.idx import write_idx

from .helpers.workflow import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import cifar_size_set


def test_cifar_size_rows_are_the_padded_image_its_blur_and_its_edges(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    images[5] = 77  # constant: blur is constant inside, edges are zero inside
    rows = cifar_size_set.channels(images)
    assert rows.shape == (6, 3072) and rows.dtype == np.float32
    planes = rows.reshape(6, 3, 32, 32)
    np.testing.assert_array_equal(planes[:, 0, 2:30, 2:30], images)
    assert (planes[:, 0, :2] == 0).all() and (planes[:, 0, :, 30:] == 0).all()
    assert np.allclose(planes[5, 1, 8:24, 8:24], 77) and np.allclose(planes[5, 2, 8:24, 8:24], 0)
    # The blur is smoother than the image; the edge channel is not a copy of either.
    assert (
        np.abs(np.diff(planes[:5, 1], axis=-1)).mean()
        < np.abs(np.diff(planes[:5, 0], axis=-1)).mean()
    )
    assert not np.allclose(planes[:5, 2], planes[:5, 0])
    # Each image is filtered alone: scipy's 2-D filters on one image give the same planes.
    from scipy import ndimage

    one = np.pad(images[2].astype(np.float32), 2)
    edges = np.hypot(ndimage.sobel(one, axis=0), ndimage.sobel(one, axis=1)) / 4
    np.testing.assert_allclose(planes[2, 2], edges, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(planes[2, 1], ndimage.gaussian_filter(one, 1), atol=1e-3)
    # The command writes CIFAR-10-sized files from the IDX files (here: small ones).
    for name, n in (("train-images-idx3-ubyte.gz", 7), ("t10k-images-idx3-ubyte.gz", 3)):
        write_idx(tmp_path / name, images[:1].repeat(n, axis=0), compress=True)
    cifar_size_set.main(["--fashion-mnist", str(tmp_path), "--out", str(tmp_path / "out")])
    assert np.load(tmp_path / "out" / "train.npy").shape == (7, 3072)
    assert np.load(tmp_path / "out" / "test.npy").shape == (3, 3072)


def test_hull_benchmark_reports_the_floor_the_profile_and_memory(tmp_path):
    rng = np.random.default_rng(1)
    np.save(tmp_path / "train.npy", rng.normal(size=(400, 20)))
    np.save(tmp_path / "test.npy", rng.normal(size=(30, 20)) * 3)
    out = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "hull_distance.py"),
         "--train", str(tmp_path / "train.npy"), "--test", str(tmp_path / "test.npy"),
         "--threads", "1", "--baseline-points", "1", "--profile", "20",
         "--json", str(tmp_path / "hull.json")],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    raw = json.loads((tmp_path / "hull.json").read_text())
    assert raw["hullgen"]["status"] == {"certified": 30}
    profile = raw["profile"]
    assert profile["points"] == 20 and profile["passes_per_point"] >= 2
    assert profile["restricted_solves_per_point"] >= 1
    assert abs(sum(profile["shares"].values()) - 1) < 1e-9
    assert all(0 <= v <= 1 for v in profile["shares"].values())
    # The naive QP agrees with hullgen, and the table says so.
    assert raw["naive"]["qp"][0]["status"] == "Optimal"
    assert "hullgen / floor" in out.stdout and "relative difference" in out.stdout


def test_the_prepared_gpu_check_runs_its_steps_on_a_cpu(tmp_path):
    """benchmarks/gpu_check.sh, the one command for a lent GPU machine, run on a CPU
    (DEVICE=cpu) on small IDX files and a small feature set: it builds the three sets,
    writes each hull benchmark's numbers, all points certified, and leaves no data behind."""
    rng = np.random.default_rng(2)
    fashion = tmp_path / "fashion"
    fashion.mkdir()
    for name, n in (("train-images-idx3-ubyte.gz", 300), ("t10k-images-idx3-ubyte.gz", 12)):
        write_idx(fashion / name, rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), True)
    out = tmp_path / "out"
    env = {**os.environ, "DEVICE": "cpu", "THREADS": "1", "TRAIN": "0", "SCALE": "0.001",
           "PYTHON": sys.executable}  # fmt: skip
    subprocess.run(
        ["bash", str(REPO / "benchmarks" / "gpu_check.sh"), str(fashion), str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    for name, dims, dtype in (("pixel", 784, "uint8"), ("cifar-size", 3072, "float32")):
        raw = json.loads((out / f"hull-{name}-cpu.json").read_text())
        assert raw["hullgen"]["status"] == {"certified": 12}, name
        assert raw["hullgen"]["train_dtype"] == dtype
        assert raw["hullgen"]["train_mib"] * 2**20 == 300 * dims * np.dtype(dtype).itemsize
        assert raw["profile"]["points"] == 12 and raw["floor"]["seconds"] > 0
    # The feature set at 1/1000 of ImageNet: 1,281 x 768 training rows, 50 test rows.
    raw = json.loads((out / "hull-features-cpu.json").read_text())
    assert raw["hullgen"]["status"] == {"certified": 50}
    assert raw["hullgen"]["train_mib"] * 2**20 == 1281 * 768 * 4
    assert sorted(p.name for p in out.iterdir()) == [
        "hull-cifar-size-cpu.json",
        "hull-features-cpu.json",
        "hull-pixel-cpu.json",
    ]


def test_natural_scenes_keep_the_object_and_have_a_natural_spectrum():
    rng = np.random.default_rng(1)
    images = np.zeros((64, 28, 28), dtype=np.uint8)
    images[:, 8:20, 8:20] = 200  # an object in the middle, black around it
    rows = cifar_size_set.in_scenes(images, rng).reshape(64, 3, 32, 32)
    assert rows.dtype == np.float32 and rows.min() >= 0 and rows.max() <= 255
    # Inside the object: its pixels, tinted by one factor per channel in [0.5, 1].
    inside = rows[:, :, 12:20, 12:20] / 200
    assert inside.min() >= 0.5 - 1e-6 and inside.max() <= 1 + 1e-6
    assert np.allclose(inside.std(axis=(2, 3)), 0, atol=1e-3)  # the smoothed edge, far off
    # The scenes: 1/f noise, whose power falls with the frequency (white noise: flat).
    scenes = cifar_size_set.scenes(256, np.random.default_rng(2))[:, 0]
    power = np.abs(np.fft.rfft2(scenes - scenes.mean((1, 2), keepdims=True))) ** 2
    low, high = power[:, 1:3, 1:3].mean(), power[:, 12:16, 12:16].mean()
    assert low > 20 * high
    # Its three channels share the scene: strongly correlated, not equal.
    both = cifar_size_set.scenes(64, np.random.default_rng(3))
    r = np.corrcoef(both[:, 0].ravel(), both[:, 1].ravel())[0, 1]
    assert 0.5 < r < 0.999


def test_feature_sets_are_seeded_and_shaped_like_embeddings(tmp_path):
    """CLIP-like rows are unit vectors with a shared direction; ResNet-like rows are
    non-negative with the asked share of zeros; both put most variance in a few directions."""
    import feature_set

    out = {}
    for kind in ("clip", "resnet"):
        for run in ("a", "b"):
            folder = tmp_path / f"{kind}-{run}"
            feature_set.main(["--scale", "0.002", "--kind", kind, "--dim", "64",
                              "--classes", "20", "--out", str(folder)])  # fmt: skip
        a, b = (np.load(tmp_path / f"{kind}-{r}" / "train_x.npy") for r in "ab")
        np.testing.assert_array_equal(a, b)  # seeded
        assert a.shape == (2562, 64) and a.dtype == np.float32
        assert np.load(tmp_path / f"{kind}-a" / "train_y.npy").tolist().count(0) in (128, 129)
        out[kind] = a
    clip, resnet = out["clip"], out["resnet"]
    np.testing.assert_allclose(np.linalg.norm(clip, axis=1), 1, rtol=1e-5)
    cosine = (clip @ clip.T)[np.triu_indices(200, 1)]
    assert 0.35 < cosine.mean() < 0.65  # CLIP's embeddings: about 0.5
    assert resnet.min() == 0 and 0.3 < (resnet == 0).mean() < 0.5
    variance = np.linalg.eigvalsh(np.cov(resnet[:, :].T))[::-1]
    assert variance[:6].sum() > 0.4 * variance.sum()  # a power law, not isotropic (6/64)


def test_the_diameter_benchmark_agrees_with_all_pairs(tmp_path):
    rows = np.random.default_rng(4).normal(size=(600, 12)).astype(np.float32)
    np.save(tmp_path / "rows.npy", rows)
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "diameter.py"), "--train",
         str(tmp_path / "rows.npy"), "--threads", "1", "--json", str(tmp_path / "d.json")],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    from scipy.spatial.distance import pdist

    (raw,) = json.loads((tmp_path / "d.json").read_text())["files"].values()
    assert raw["same"] and raw["hullgen"]["diameter"] == pdist(rows).max()
    assert raw["hullgen"]["block_pairs_multiplied"] <= raw["hullgen"]["block_pairs"]


def test_the_plan_benchmark_runs_every_way_and_reports_the_plans_choice(tmp_path):
    rng = np.random.default_rng(5)
    folder = tmp_path / "set"
    folder.mkdir()
    np.save(folder / "train.npy", rng.normal(size=(2000, 10)).astype(np.float32))
    np.save(folder / "test.npy", rng.normal(size=(12, 10)).astype(np.float32) * 3)
    out = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "hull_plan.py"), "--set", str(folder),
         "--points", "8", "--precision", "float32", "--json", str(tmp_path / "plan.json")],
        check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    (run,) = json.loads((tmp_path / "plan.json").read_text())
    ways = run["ways"]
    assert set(ways) == {"64, none", "64, both", "128, none", "128, both", "plan"}
    assert all(w["statuses"] == {"certified": 8} for w in ways.values())
    assert ways["64, both"]["subset_passes"] == [[0, 10], [1, 5]]  # made though small
    assert ways["128, none"]["subset_passes"] == [] and ways["128, none"]["candidates"] == 128
    # 2,000 float32 rows: the plan keeps 64 candidates and makes no subset pass.
    assert ways["plan"]["candidates"] == 64 and ways["plan"]["subset_passes"] == []
    assert "64, subsets none" in out.stdout
