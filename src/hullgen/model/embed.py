"""Batched inference: internal representations and predictions of a trained network."""

from __future__ import annotations

import numpy as np
import torch

from hullgen.model.device import resolve_device
from hullgen.model.inputs import to_nchw
from hullgen.model.resnet import CifarResNet
from hullgen.model.shapes import LAYERS
from hullgen.model.store import load_model


@torch.inference_mode()
def representations(
    net: CifarResNet,
    images: np.ndarray,
    layers: tuple[str, ...] = LAYERS,
    batch_size: int = 1024,
) -> dict[str, np.ndarray]:
    """float32 arrays (n, dim) of the requested layers for uint8 images (n, h, w[, c]).

    Runs in float32 on the network's device (no autocast: the hull stage measures these
    vectors exactly), one batch on the device at a time.
    """
    unknown = sorted(set(layers) - set(LAYERS))
    if unknown:
        raise ValueError(f"unknown layer(s) {unknown} (choose from {', '.join(LAYERS)})")
    device = next(net.parameters()).device
    net.eval()
    x = to_nchw(images)
    out: dict[str, np.ndarray] = {}
    for start in range(0, len(x), batch_size):
        batch = x[start : start + batch_size].to(device).float()
        values = net.layers(batch)
        for layer in layers:
            value = values[layer].float().cpu().numpy()
            if layer not in out:
                out[layer] = np.empty((len(x), value.shape[1]), dtype=np.float32)
            out[layer][start : start + len(batch)] = value
    return out


def predictions(logits: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """Predicted class, its softmax probability, and correctness, from logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    prob = np.exp(shifted)
    prob /= prob.sum(axis=1, keepdims=True)
    predicted = logits.argmax(axis=1)
    return {
        "label": np.asarray(labels, dtype=np.int64),
        "predicted": predicted.astype(np.int64),
        "probability": prob[np.arange(len(prob)), predicted],
        "correct": predicted == np.asarray(labels),
    }


def embedding_space(
    model_path,
    x_train: np.ndarray,
    x_test: np.ndarray,
    *,
    layer: str,
    device: str = "auto",
    batch_size: int = 1024,
    threads: int = 1,
):
    """``(train, test, meta)`` of one layer of the saved network, like the other spaces."""
    torch.set_num_threads(max(1, threads))
    device = resolve_device(device)
    net = load_model(model_path, device)
    train = representations(net, x_train, (layer,), batch_size)[layer]
    test = representations(net, x_test, (layer,), batch_size)[layer]
    meta = {
        "kind": "embedding",
        "layer": layer,
        "model": str(model_path),
        "depth": net.depth,
        "device": device,
        "dim": int(train.shape[1]),
        "n_train": int(train.shape[0]),
        "n_test": int(test.shape[0]),
    }
    if layer == "prepool":
        meta["map_shape"] = list(net.prepool_shape)
    return train, test, meta
