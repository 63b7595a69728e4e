"""The LightningDataModule: the whole dataset resident on the training device.

Images stay uint8 on the device (CIFAR-10's 50,000 training images are 150 MB); each batch is
indexed, augmented and converted to float there, so no batch touches the host. The order and
the augmentation of epoch ``e`` come from a generator seeded with (seed, e) alone, which makes
a run resumed from an epoch checkpoint identical to one that was never interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import lightning.pytorch as L
import numpy as np
import torch
import torch.nn.functional as F

from hullgen.model.inputs import to_nchw


def epoch_generator(seed: int, epoch: int, device: torch.device) -> torch.Generator:
    generator = torch.Generator(device=device)
    generator.manual_seed(seed * 1_000_003 + epoch)
    return generator


def crop_flip(batch: torch.Tensor, padding: int, generator: torch.Generator) -> torch.Tensor:
    """Random crop from the zero-padded (black) image and random horizontal flip, per image."""
    n, _, height, width = batch.shape
    device = batch.device
    padded = F.pad(batch, (padding,) * 4)
    offsets = torch.randint(0, 2 * padding + 1, (2, n), device=device, generator=generator)
    rows = (offsets[0, :, None] + torch.arange(height, device=device))[:, None, :, None]
    cols = (offsets[1, :, None] + torch.arange(width, device=device))[:, None, None, :]
    channels = torch.arange(batch.shape[1], device=device)[None, :, None, None]
    out = padded[torch.arange(n, device=device)[:, None, None, None], channels, rows, cols]
    flip = torch.rand(n, device=device, generator=generator) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(3), out)


class ResidentBatches:
    """Batches of (float images 0..255, labels) from tensors already on the device."""

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        *,
        shuffle: bool = False,
        crop_padding: int = 0,
        seed: int = 0,
        epoch: Callable[[], int] = lambda: 0,
    ):
        self.x, self.y, self.batch_size = x, y, batch_size
        self.shuffle, self.crop_padding, self.seed, self.epoch = shuffle, crop_padding, seed, epoch
        # Training drops a ragged last batch: batch norm cannot train on a batch of one, and
        # one batch shape keeps a compiled graph from recompiling.
        self.drop_last = shuffle and len(x) > batch_size

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        device = self.x.device
        generator = epoch_generator(self.seed, self.epoch(), device)
        n = len(self.x)
        order = (
            torch.randperm(n, device=device, generator=generator)
            if self.shuffle
            else torch.arange(n, device=device)
        )
        for i in range(len(self)):
            idx = order[i * self.batch_size : (i + 1) * self.batch_size]
            x = self.x[idx]
            if self.crop_padding:
                x = crop_flip(x, self.crop_padding, generator)
            yield x.float(), self.y[idx]


class ImageDataModule(L.LightningDataModule):
    """Train and test images (uint8, 0..255) held on the trainer's device."""

    def __init__(
        self,
        x_train: np.ndarray,
        y_train: np.ndarray,
        x_test: np.ndarray,
        y_test: np.ndarray,
        *,
        batch_size: int = 128,
        eval_batch_size: int = 1024,
        crop_padding: int = 0,
        seed: int = 0,
    ):
        super().__init__()
        self.arrays = (x_train, y_train, x_test, y_test)
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.crop_padding, self.seed = crop_padding, seed
        self.tensors: tuple[torch.Tensor, ...] | None = None

    def setup(self, stage: str) -> None:
        if self.tensors is not None:
            return
        device = self.trainer.strategy.root_device if self.trainer else torch.device("cpu")
        x_train, y_train, x_test, y_test = self.arrays
        self.tensors = (
            to_nchw(x_train).to(device),
            torch.as_tensor(np.asarray(y_train), dtype=torch.long).to(device),
            to_nchw(x_test).to(device),
            torch.as_tensor(np.asarray(y_test), dtype=torch.long).to(device),
        )

    def _current_epoch(self) -> int:
        return self.trainer.current_epoch if self.trainer else 0

    def train_dataloader(self) -> ResidentBatches:
        x, y = self.tensors[:2]
        return ResidentBatches(
            x,
            y,
            self.batch_size,
            shuffle=True,
            crop_padding=self.crop_padding,
            seed=self.seed,
            epoch=self._current_epoch,
        )

    def val_dataloader(self) -> ResidentBatches:
        # The held-out set is the test set, as in the paper; it is reported, never selected on.
        x, y = self.tensors[2:]
        return ResidentBatches(x, y, self.eval_batch_size)
