"""The network's input: uint8 image arrays as NCHW tensors, and the per-channel statistics
that normalise them.

Apart from the LightningDataModule (hullgen.model.data) so that inference (the embedding
spaces) imports torch alone: importing Lightning costs about 10 s of CPU per job.
"""

from __future__ import annotations

import numpy as np
import torch


def to_nchw(images: np.ndarray) -> torch.Tensor:
    """uint8 images (n, h, w) or (n, h, w, c) as a uint8 tensor (n, c, h, w)."""
    array = np.ascontiguousarray(images)
    if not array.flags.writeable:
        # A read-only array (a memory-mapped space file) would share memory with a tensor
        # torch may write to (it warns into every job's log); the uint8 images are copied.
        array = array.copy()
    tensor = torch.from_numpy(array)
    if tensor.ndim == 3:
        return tensor.unsqueeze(1)
    if tensor.ndim == 4:
        return tensor.permute(0, 3, 1, 2).contiguous()
    raise ValueError(f"images must have shape (n, h, w) or (n, h, w, c), got {tuple(images.shape)}")


def channel_stats(images: np.ndarray) -> tuple[list[float], list[float]]:
    """Per-channel mean and standard deviation of raw pixels (0..255) over a training set."""
    x = to_nchw(images).double()
    mean = x.mean(dim=(0, 2, 3))
    std = x.std(dim=(0, 2, 3)).clamp_min(1e-3)
    return mean.tolist(), std.tolist()
