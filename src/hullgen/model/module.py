"""The LightningModule: a CIFAR ResNet trained with SGD and an epoch-wise schedule."""

from __future__ import annotations

import math

import lightning.pytorch as L
import torch
import torch.nn.functional as F

from hullgen.model.resnet import CifarResNet


def lr_factor(
    epoch: int, epochs: int, schedule: str, milestones, gamma: float, warmup_epochs: int
) -> float:
    """Learning-rate multiplier for ``epoch`` (0-based); milestones are shares of ``epochs``."""
    if epoch < warmup_epochs:
        return (epoch + 1) / (warmup_epochs + 1)
    if schedule == "constant":
        return 1.0
    if schedule == "multistep":
        return gamma ** sum(epoch >= round(share * epochs) for share in milestones)
    if schedule == "cosine":
        span = max(1, epochs - warmup_epochs)
        return 0.5 * (1.0 + math.cos(math.pi * (epoch - warmup_epochs) / span))
    raise ValueError(f"unknown learning-rate schedule {schedule!r}")


class ResNetClassifier(L.LightningModule):
    """Cross-entropy training of :class:`CifarResNet`; logs train and test loss and accuracy."""

    def __init__(
        self,
        network: dict,
        *,
        epochs: int,
        optimizer: str = "sgd",
        lr: float = 0.1,
        momentum: float = 0.9,
        nesterov: bool = False,
        weight_decay: float = 1e-4,
        schedule: str = "multistep",
        milestones: tuple[float, ...] = (0.5, 0.75),
        gamma: float = 0.1,
        warmup_epochs: int = 0,
        channels_last: bool = False,
        compile: bool = False,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.net = CifarResNet(**network)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        if channels_last:
            self.net.to(memory_format=torch.channels_last)
        # A compiled function, not a module attribute: the checkpoint keeps the plain names.
        self._forward = torch.compile(self.net.forward) if compile else self.net.forward

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._forward(x.contiguous(memory_format=self.memory_format))

    def _step(self, batch, prefix: str) -> torch.Tensor:
        x, y = batch
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        accuracy = (logits.argmax(dim=1) == y).float().mean()
        self.log(f"{prefix}_loss", loss, on_step=False, on_epoch=True, batch_size=len(y))
        self.log(f"{prefix}_acc", accuracy, on_step=False, on_epoch=True, batch_size=len(y))
        return loss

    def training_step(self, batch, batch_idx):
        return self._step(batch, "train")

    def validation_step(self, batch, batch_idx):
        self._step(batch, "test")

    def configure_optimizers(self):
        hp = self.hparams
        if hp.optimizer == "sgd":
            optimizer = torch.optim.SGD(
                self.parameters(),
                lr=hp.lr,
                momentum=hp.momentum,
                nesterov=hp.nesterov,
                weight_decay=hp.weight_decay,
            )
        elif hp.optimizer == "adamw":
            optimizer = torch.optim.AdamW(self.parameters(), lr=hp.lr, weight_decay=hp.weight_decay)
        else:
            raise ValueError(f"unknown optimizer {hp.optimizer!r} (sgd or adamw)")
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda epoch: lr_factor(
                epoch, hp.epochs, hp.schedule, hp.milestones, hp.gamma, hp.warmup_epochs
            ),
        )
        schedule = {"scheduler": scheduler, "interval": "epoch"}
        return {"optimizer": optimizer, "lr_scheduler": schedule}
