"""The CIFAR ResNet, its Lightning training (seeded, resumable) and the embedding export."""

import ast
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from hullgen.errors import HullgenError
from hullgen.model.data import ResidentBatches, crop_flip
from hullgen.model.embed import embedding_space, predictions, representations
from hullgen.model.inputs import channel_stats, to_nchw
from hullgen.model.module import lr_factor
from hullgen.model.resnet import CifarResNet, blocks_per_stage
from hullgen.model.store import load_model, save_model
from hullgen.model.train import resolve_runtime

from .helpers.model import TRAIN_OPTIONS, digits_subset, train_digits

REPO = Path(__file__).resolve().parents[1]


# -- the network -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("image_shape", "prepool"),
    [
        ((32, 32, 3), (64, 8, 8)),
        ((28, 28), (64, 8, 8)),
        ((8, 8), (64, 2, 2)),
        ((32, 32), (64, 8, 8)),
    ],
)
def test_layer_shapes_per_input_shape(image_shape, prepool):
    net = CifarResNet(depth=20, image_shape=image_shape, num_classes=10).eval()
    images = np.random.default_rng(0).integers(0, 256, (5, *image_shape), dtype=np.uint8)
    out = representations(net, images, batch_size=2)
    assert net.prepool_shape == prepool
    assert out["prepool"].shape == (5, int(np.prod(prepool)))
    assert out["pooled"].shape == (5, 64)
    assert out["logits"].shape == (5, 10)
    assert all(v.dtype == np.float32 for v in out.values())
    if image_shape == (28, 28):
        assert out["prepool"].shape == (5, 4096)


def test_28x28_is_padded_with_black_to_32x32():
    # The padded network must see exactly what a 32 x 32 network sees on the black-bordered
    # image: same weights, the image padded by hand.
    torch.manual_seed(0)
    small = CifarResNet(depth=8, image_shape=(28, 28), mean=[30.0], std=[70.0]).eval()
    big = CifarResNet(depth=8, image_shape=(32, 32), mean=[30.0], std=[70.0]).eval()
    big.load_state_dict(small.state_dict())
    images = np.random.default_rng(1).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    bordered = np.zeros((3, 32, 32), dtype=np.uint8)
    bordered[:, 2:30, 2:30] = images
    a = representations(small, images)["prepool"]
    b = representations(big, bordered)["prepool"]
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("depth", "millions"), [(20, 0.27), (56, 0.85), (110, 1.7)])
def test_parameter_counts_match_he_et_al_table_6(depth, millions):
    net = CifarResNet(depth=depth, image_shape=(32, 32, 3), num_classes=10)
    count = sum(p.numel() for p in net.parameters())
    assert round(count / 1e6, 2 if millions < 1 else 1) == millions


@pytest.mark.parametrize("depth", [0, 7, 19, 21, 33])
def test_depth_must_be_6n_plus_2(depth):
    with pytest.raises(ValueError, match="6n\\+2"):
        blocks_per_stage(depth)


def test_pooled_is_the_average_of_the_exported_prepool_map(tmp_path):
    rng = np.random.default_rng(2)
    x_train = rng.integers(0, 256, (70, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
    mean, std = channel_stats(x_train)
    network = {"depth": 8, "image_shape": [28, 28], "num_classes": 10, "mean": mean, "std": std}
    torch.manual_seed(3)
    save_model(tmp_path / "model.pt", CifarResNet(**network), network)
    spaces = {
        layer: embedding_space(tmp_path / "model.pt", x_train, x_test, layer=layer, batch_size=16)
        for layer in ("prepool", "pooled", "logits")
    }
    for split in (0, 1):
        prepool = spaces["prepool"][split].reshape(-1, 64, 8, 8)
        pooled = spaces["pooled"][split]
        np.testing.assert_allclose(prepool.mean(axis=(2, 3)), pooled, rtol=0, atol=1e-5)
        assert np.abs(pooled).max() > 1e-3  # not trivially zero
    assert spaces["prepool"][2]["map_shape"] == [64, 8, 8]
    assert spaces["logits"][2]["dim"] == 10


# -- data on the device ------------------------------------------------------------------
def test_crop_flip_yields_crops_of_the_black_padded_image():
    rng = np.random.default_rng(4)
    images = torch.from_numpy(rng.integers(1, 256, (16, 3, 6, 6), dtype=np.uint8))
    generator = torch.Generator().manual_seed(5)
    out = crop_flip(images, 2, generator)
    padded = np.pad(images.numpy(), ((0, 0), (0, 0), (2, 2), (2, 2)))
    shifted = set()
    for i in range(16):
        matches = [
            (dy, dx, flip)
            for dy in range(5)
            for dx in range(5)
            for flip in (False, True)
            if np.array_equal(
                out[i].numpy(),
                (padded[i, :, dy : dy + 6, dx : dx + 6])[..., :: -1 if flip else 1],
            )
        ]
        assert matches, f"image {i} is not a crop of its padded original"
        shifted.update((dy, dx) for dy, dx, _ in matches)
    assert len(shifted) > 1  # the offsets vary


def test_batches_depend_on_seed_and_epoch_only():
    x = torch.arange(10 * 4, dtype=torch.uint8).reshape(10, 1, 2, 2)
    y = torch.arange(10)

    def labels(seed, epoch):
        batches = ResidentBatches(x, y, 4, shuffle=True, seed=seed, epoch=lambda: epoch)
        return torch.cat([b[1] for b in batches]).tolist()

    assert labels(0, 3) == labels(0, 3)
    assert labels(0, 3) != labels(0, 4)
    assert labels(0, 3) != labels(1, 3)
    assert len(labels(0, 3)) == 8  # the ragged last batch is dropped in training
    ordered = ResidentBatches(x, y, 4)
    assert len(ordered) == 3
    assert torch.cat([b[1] for b in ordered]).tolist() == list(range(10))


def test_to_nchw_and_channel_stats_against_numpy():
    rng = np.random.default_rng(6)
    images = rng.integers(0, 256, (9, 5, 4, 3), dtype=np.uint8)
    np.testing.assert_array_equal(to_nchw(images).numpy(), images.transpose(0, 3, 1, 2))
    mean, std = channel_stats(images)
    np.testing.assert_allclose(mean, images.mean(axis=(0, 1, 2)))
    np.testing.assert_allclose(std, images.reshape(-1, 3).std(axis=0, ddof=1))


def test_the_embedding_job_imports_torch_without_lightning():
    """The embedding jobs run the network alone: importing Lightning would cost each about
    10 s of CPU. The modules the script imports are read from it."""
    script = REPO / "workflow" / "scripts" / "embed_space.py"
    modules = [
        node.module
        for node in ast.parse(script.read_text()).body
        if isinstance(node, ast.ImportFrom) and node.module
    ]
    assert "hullgen.model.embed" in modules
    code = (
        f"import sys\nfor m in {modules!r}: __import__(m)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0].endswith('lightning')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("epoch", "schedule", "expected"),
    [(0, "multistep", 1.0), (4, "multistep", 1.0), (5, "multistep", 0.1), (8, "multistep", 0.01),
     (0, "cosine", 1.0), (5, "cosine", 0.5), (7, "constant", 1.0)],
)  # fmt: skip
def test_learning_rate_schedule(epoch, schedule, expected):
    assert lr_factor(epoch, 10, schedule, (0.5, 0.75), 0.1, 0) == pytest.approx(expected)


def test_warmup_rises_linearly_to_the_base_rate():
    factors = [lr_factor(e, 10, "constant", (), 0.1, 3) for e in range(5)]
    assert factors == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0])


# -- training ----------------------------------------------------------------------------
def test_same_seed_gives_identical_weights_after_one_cpu_epoch(tmp_path):
    a = train_digits(tmp_path / "a")
    b = train_digits(tmp_path / "b")
    c = train_digits(tmp_path / "c", seed=1)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)
    assert not (tmp_path / "a" / "resume").exists()  # removed once training finished


def test_training_outputs_agree_with_each_other(tmp_path):
    train_digits(tmp_path, epochs=2, augment=True)
    metrics = json.loads((tmp_path / "metrics.json").read_text())

    history = pd.read_csv(tmp_path / "metrics.csv")
    pred = pd.read_parquet(tmp_path / "predictions.parquet")
    assert history["epoch"].tolist() == [1, 2]
    assert metrics["augment"] is True and metrics["device"] == "cpu"
    test = pred[pred["split"] == "test"]
    assert len(test) == 100 and len(pred) == 500
    assert metrics["test_accuracy"] == pytest.approx(test["correct"].mean())
    # The last epoch's test accuracy is the same network on the same images.
    assert history["test_acc"].iloc[-1] == pytest.approx(metrics["test_accuracy"], abs=1e-6)
    net = load_model(tmp_path / "model.pt")
    logits = representations(net, digits_subset()[2])["logits"]
    np.testing.assert_array_equal(
        predictions(logits, digits_subset()[3])["predicted"], test["predicted"]
    )


RUN = """
import sys
from pathlib import Path
from hullgen.log import setup
from tests.helpers.model import train_digits
setup()
train_digits(Path(sys.argv[1]), epochs=int(sys.argv[2]))
"""


def _run_training(folder: Path, epochs: int, kill_after_epoch: int | None = None):
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN, str(folder), str(epochs)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if kill_after_epoch is None:
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, out
        return out
    checkpoint = folder / "resume" / "last.ckpt"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if checkpoint.exists():
            epoch = torch.load(checkpoint, weights_only=True)["epoch"]
            if epoch + 1 >= kill_after_epoch:
                proc.send_signal(signal.SIGKILL)
                break
        time.sleep(0.02)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"training was not killed mid-run:\n{out}"
    return out


def test_killed_training_resumes_from_its_last_checkpoint(tmp_path):
    epochs = 4
    _run_training(tmp_path / "killed", epochs, kill_after_epoch=2)
    assert not (tmp_path / "killed" / "model.pt").exists()
    out = _run_training(tmp_path / "killed", epochs)
    assert "resuming from" in out
    resumed_epochs = [line for line in out.splitlines() if f"/{epochs}: train loss" in line]
    assert 1 <= len(resumed_epochs) < epochs  # it did not start over
    metrics = json.loads((tmp_path / "killed" / "metrics.json").read_text())
    assert metrics["resumed"] is True

    _run_training(tmp_path / "whole", epochs)
    a = torch.load(tmp_path / "killed" / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(tmp_path / "whole" / "model.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)  # deterministic on CPU: identical
    history = pd.read_csv(tmp_path / "killed" / "metrics.csv")
    assert history["epoch"].tolist() == list(range(1, epochs + 1))
    pd.testing.assert_frame_equal(
        history.drop(columns=["seconds", "images_per_second"]),
        pd.read_csv(tmp_path / "whole" / "metrics.csv").drop(
            columns=["seconds", "images_per_second"]
        ),
    )


def test_a_checkpoint_of_other_options_is_not_resumed(tmp_path):
    _run_training(tmp_path, 3, kill_after_epoch=1)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            RUN.replace("epochs=int", "lr=0.05, epochs=int"),
            str(tmp_path),
            "3",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
    )
    assert "discarding" in out.stderr and "resuming" not in out.stderr


# -- devices and files -------------------------------------------------------------------
def test_cuda_without_a_gpu_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(HullgenError, match=r"train\.device"):
        resolve_runtime(dataclasses.replace(TRAIN_OPTIONS, device="cuda"), "cifar10")
    auto = resolve_runtime(dataclasses.replace(TRAIN_OPTIONS, device="auto"), "cifar10")
    assert (auto.device, auto.precision, auto.compile, auto.augment) == (
        "cpu",
        "32-true",
        False,
        True,
    )
    assert resolve_runtime(TRAIN_OPTIONS, "digits").augment is False


def test_gpu_defaults_when_cuda_is_there(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    runtime = resolve_runtime(dataclasses.replace(TRAIN_OPTIONS, device="auto"), "fashion-mnist")
    assert (runtime.device, runtime.precision, runtime.compile, runtime.channels_last) == (
        "cuda",
        "bf16-mixed",
        True,
        True,
    )


class _Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_model_files_load_without_running_code(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": "hullgen.cifar-resnet/1", "x": _Payload()}, path)
    with pytest.raises(HullgenError, match=r"evil\.pt"):
        load_model(path)
    (tmp_path / "other.pt").write_bytes(b"not a model")
    with pytest.raises(HullgenError, match=r"other\.pt"):
        load_model(tmp_path / "other.pt")
    with pytest.raises(HullgenError, match=r"missing\.pt"):
        load_model(tmp_path / "missing.pt")


def test_to_nchw_takes_read_only_arrays_without_a_warning(tmp_path):
    """Space files are memory-mapped read-only; the tensor must not share their memory."""
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    np.save(tmp_path / "x.npy", images)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tensor = to_nchw(mapped)
    np.testing.assert_array_equal(tensor.numpy()[:, 0], images)
