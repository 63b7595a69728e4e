"""The CIFAR ResNet family of He et al. 2016, section 4.2: depth 6n+2, 16/32/64 channels.

The network takes raw pixels (0..255, shape (n, c, h, w)) and normalises them itself with the
training set's per-channel mean and standard deviation, so a saved model is self-contained.
28 x 28 inputs are zero-padded (black) to 32 x 32 so the pre-pool map is 64 x 8 x 8 as for
CIFAR-10; any other size runs as it comes (8 x 8 digits give a 64 x 2 x 2 map).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hullgen.model.shapes import STAGE_CHANNELS, padding, prepool_shape


def blocks_per_stage(depth: int) -> int:
    """n for depth 6n + 2 (20, 32, 44, 56, 110, ...)."""
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"ResNet depth must be 6n+2 with n >= 1 (20, 32, 56, 110), got {depth}")
    return (depth - 2) // 6


class BasicBlock(nn.Module):
    """Two 3x3 convolutions; the shortcut is option A (identity, zero-padded channels)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.stride = stride
        self.extra_channels = out_channels - in_channels

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride != 1:
            x = x[:, :, :: self.stride, :: self.stride]
        if self.extra_channels:
            half = self.extra_channels // 2
            x = F.pad(x, (0, 0, 0, 0, half, self.extra_channels - half))
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """ResNet-(6n+2) for images of shape ``image_shape`` = (h, w) or (h, w, c)."""

    def __init__(
        self,
        depth: int = 20,
        image_shape: tuple[int, ...] = (32, 32, 3),
        num_classes: int = 10,
        mean: list[float] | None = None,
        std: list[float] | None = None,
    ):
        super().__init__()
        n = blocks_per_stage(depth)
        self.depth = depth
        self.image_shape = tuple(image_shape)
        height, width = self.image_shape[:2]
        channels = self.image_shape[2] if len(self.image_shape) == 3 else 1
        self.in_channels = channels
        mean = torch.as_tensor(mean if mean is not None else [0.0] * channels, dtype=torch.float32)
        std = torch.as_tensor(std if std is not None else [1.0] * channels, dtype=torch.float32)
        if mean.shape != (channels,) or std.shape != (channels,) or not (std > 0).all():
            raise ValueError(f"mean and std need {channels} entries each, std > 0")
        self.register_buffer("mean", mean.view(1, channels, 1, 1))
        self.register_buffer("std", std.view(1, channels, 1, 1))
        self.pad = padding(height, width)
        self.conv = nn.Conv2d(channels, STAGE_CHANNELS[0], 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(STAGE_CHANNELS[0])
        stages, in_ch = [], STAGE_CHANNELS[0]
        for i, out_ch in enumerate(STAGE_CHANNELS):
            for j in range(n):
                stages.append(BasicBlock(in_ch, out_ch, 2 if (i > 0 and j == 0) else 1))
                in_ch = out_ch
        self.blocks = nn.Sequential(*stages)
        self.fc = nn.Linear(STAGE_CHANNELS[-1], num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        self.prepool_shape = prepool_shape(height + 2 * self.pad, width + 2 * self.pad)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The map before global pooling, shape (n, 64, h/4, w/4) after padding."""
        if self.pad:
            # Raw pixel 0 is black: pad before normalising.
            x = F.pad(x, (self.pad,) * 4)
        x = (x - self.mean) / self.std
        x = F.relu(self.bn(self.conv(x)))
        return self.blocks(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).mean(dim=(2, 3)))

    def layers(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """All three exported representations: prepool (flattened), pooled and logits."""
        prepool = self.features(x)
        pooled = prepool.mean(dim=(2, 3))
        return {"prepool": prepool.flatten(1), "pooled": pooled, "logits": self.fc(pooled)}
