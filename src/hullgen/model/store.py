"""Saved models: plain tensors and numbers, loaded with ``weights_only=True`` (no pickle code)."""

from __future__ import annotations

import os

import torch

from hullgen.errors import HullgenError
from hullgen.io import atomic_path
from hullgen.model.resnet import CifarResNet

FORMAT = "hullgen.cifar-resnet/1"


def save_model(path: str | os.PathLike, net: CifarResNet, network: dict) -> None:
    """Write the weights and the constructor arguments ``network`` of ``net``, atomically."""
    state = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    with atomic_path(path) as tmp:
        torch.save({"format": FORMAT, "network": network, "state_dict": state}, tmp)


def load_model(path: str | os.PathLike, device: str | torch.device = "cpu") -> CifarResNet:
    """The network saved at ``path``, in eval mode on ``device``."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise HullgenError(f"{path}: model file not found") from None
    except Exception as err:  # torch raises several types for a corrupt or unsafe file
        raise HullgenError(f"{path}: not a loadable hullgen model ({err})") from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise HullgenError(f"{path}: not a hullgen model file (expected format {FORMAT})")
    net = CifarResNet(**saved["network"])
    try:
        net.load_state_dict(saved["state_dict"])
    except RuntimeError as err:
        raise HullgenError(f"{path}: weights do not match the saved network ({err})") from None
    return net.to(device).eval()
