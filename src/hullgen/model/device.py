"""The device a training or export job runs on: GPU first, CPU fallback."""

from __future__ import annotations

import torch

from hullgen.errors import HullgenError


def resolve_device(device: str) -> str:
    """``auto`` is cuda when torch sees a GPU, else cpu; ``cuda`` without a GPU is an error."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise HullgenError(
            "config key 'train.device' is 'cuda' but torch sees no CUDA device "
            f"(torch {torch.__version__}); use auto or cpu"
        )
    if device not in ("cpu", "cuda"):
        raise HullgenError(f"config key 'train.device': unknown device {device!r}")
    return device
