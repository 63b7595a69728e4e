"""The MLPs of the section 4 study and their training: many models of one width as one
stacked model, trained full batch under per-regime optimizers and penalties.

All models of one width train together as one stacked model (batched matmuls): the same
arithmetic as training them one by one, up to float32 rounding, only several times faster.

A regime's loss is the mean binary cross-entropy on the training set, plus two optional
penalties that act outside the training data:

- ``outside_penalty`` times the mean cross-entropy on points sampled outside the training
  hull toward a target labelling of them (the regime aims its boundary at the target there);
- ``gradient_penalty`` times the mean squared norm of the logit's input gradient at those
  points (a smoothness prior: the logit should change slowly away from the data).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hullgen.experiments.mlp.options import MlpRegime

OPTIMIZERS = ("sgd", "adam")
SGD_MOMENTUM = 0.9
# Grid points per forward pass when classifying the grid: bounds memory at large grid sizes.
EVAL_CHUNK = 65536


def make_mlp(width: int, hidden_layers: int) -> nn.Sequential:
    """A ReLU MLP from 2 inputs through ``hidden_layers`` layers of ``width`` to one logit."""
    layers: list[nn.Module] = []
    fan_in = 2
    for _ in range(hidden_layers):
        layers += [nn.Linear(fan_in, width), nn.ReLU()]
        fan_in = width
    layers.append(nn.Linear(fan_in, 1))
    return nn.Sequential(*layers)


def parameter_count(width: int, hidden_layers: int) -> int:
    """Weights and biases of :func:`make_mlp` (``width``, ``hidden_layers``)."""
    first = 2 * width + width
    middle = (hidden_layers - 1) * (width * width + width)
    return first + middle + width + 1


def init_seed(seed: int, width: int) -> int:
    """Torch seed for model ``seed`` of ``width``: independent of which other models are trained.

    The regime is left out on purpose: all regimes of one (seed, width) start from the same
    weights (times their ``init_scale``), so the regime is the only thing that differs.
    """
    return int(np.random.SeedSequence([seed, width]).generate_state(1)[0])


class MlpBlock(nn.Module):
    """``k`` MLPs of one shape as stacked tensors: layer l holds weights (k, fan_in, fan_out)
    and biases (k, 1, fan_out), copied from ``k`` :func:`make_mlp` modules."""

    def __init__(self, mlps: list[nn.Sequential]):
        super().__init__()
        linears = [[m for m in mlp if isinstance(m, nn.Linear)] for mlp in mlps]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for layer in zip(*linears, strict=True):
            self.weights.append(nn.Parameter(torch.stack([lin.weight.T for lin in layer])))
            self.biases.append(nn.Parameter(torch.stack([lin.bias[None, :] for lin in layer])))


class StackedMlp(nn.Module):
    """Independent MLPs of one shape, evaluated together with batched matmuls.

    Each block is one regime's models, a parameter set of its own so that each regime gets its
    own optimizer settings; the forward pass runs all blocks' models as one batch.
    """

    def __init__(self, blocks: list[MlpBlock]):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)

    def layers(self, blocks: list[int] | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per layer, the weights (k, fan_in, fan_out) and biases (k, 1, fan_out) of the
        models of ``blocks`` (indices; all blocks by default), block by block."""
        chosen = self.blocks if blocks is None else [self.blocks[i] for i in blocks]
        depth = len(chosen[0].weights)
        return [
            (
                torch.cat([block.weights[layer] for block in chosen]),
                torch.cat([block.biases[layer] for block in chosen]),
            )
            for layer in range(depth)
        ]

    def forward(self, x: torch.Tensor, blocks: list[int] | None = None) -> torch.Tensor:
        """Logits (k, n) of the k models of ``blocks`` (all by default) for inputs ``x``:
        (n, 2) shared by every model, or (k, n, 2), one set per model."""
        *hidden, (last_weight, last_bias) = self.layers(blocks)
        h = x if x.dim() == 3 else x.expand(len(last_weight), *x.shape)
        for weight, bias in hidden:
            h = torch.relu(torch.baddbmm(bias, h, weight))
        return torch.baddbmm(last_bias, h, last_weight)[:, :, 0]


def initial_block(seeds: list[int], width: int, hidden_layers: int, init_scale: float) -> MlpBlock:
    """PyTorch's default initialisation per seed, every weight and bias times ``init_scale``."""
    mlps = []
    # A forked RNG leaves the caller's global torch RNG state as it was.
    with torch.random.fork_rng(devices=[]):
        for seed in seeds:
            torch.manual_seed(init_seed(seed, width))
            mlps.append(make_mlp(width, hidden_layers))
    block = MlpBlock(mlps)
    with torch.no_grad():
        for parameter in block.parameters():
            parameter.mul_(init_scale)
    return block


def make_optimizers(models: StackedMlp, regimes: list[MlpRegime]) -> list[torch.optim.Optimizer]:
    """One optimizer per optimizer kind, one parameter group per regime (block).

    ``sgd``: SGD with momentum 0.9; ``adam``: torch.optim.Adam, whose ``weight_decay`` is an L2
    penalty added to the gradient (not AdamW's decoupled decay). ``weight_decay`` is torch's
    argument of that name. Both act element-wise, so one optimizer over stacked models updates
    each model exactly as an optimizer of its own would. The fused implementations compute the
    same update as the default ones in a single kernel per step: about 1.5 x faster here.
    """
    groups: dict[str, list[dict]] = {}
    for block, regime in zip(models.blocks, regimes, strict=True):
        groups.setdefault(regime.optimizer, []).append(
            {
                "params": list(block.parameters()),
                "lr": regime.lr,
                "weight_decay": regime.weight_decay,
            }
        )
    optimizers = []
    for kind, param_groups in groups.items():
        if kind == "sgd":
            optimizers.append(torch.optim.SGD(param_groups, momentum=SGD_MOMENTUM, fused=True))
        elif kind == "adam":
            optimizers.append(torch.optim.Adam(param_groups, fused=True))
        else:
            raise ValueError(f"unknown optimizer {kind!r}; choose one of {', '.join(OPTIMIZERS)}")
    return optimizers


def per_model_loss(
    models: StackedMlp, x: torch.Tensor, y: torch.Tensor, blocks: list[int] | None = None
) -> torch.Tensor:
    """Mean binary cross-entropy of each stacked model (of ``blocks``) on (x, y): shape (k,)."""
    logits = models(x, blocks)
    targets = y.expand_as(logits)
    return F.binary_cross_entropy_with_logits(logits, targets, reduction="none").mean(dim=1)


def gradient_norms(models: StackedMlp, x: torch.Tensor, blocks: list[int]) -> torch.Tensor:
    """Mean squared norm of each model's logit gradient with respect to its input, over the
    points ``x`` (n, 2): shape (k,) for the models of ``blocks``. Differentiable (the
    penalty's own gradient flows through it)."""
    k = sum(len(models.blocks[i].weights[0]) for i in blocks)
    inputs = x.expand(k, *x.shape).clone().requires_grad_(True)
    logits = models(inputs, blocks)
    # Model j's logits depend on its own inputs only, so one backward gives every gradient.
    (grad,) = torch.autograd.grad(logits.sum(), inputs, create_graph=True)
    return grad.pow(2).sum(dim=2).mean(dim=1)


def _weights(regimes: list[MlpRegime], key: str, seeds: int) -> tuple[list[int], torch.Tensor]:
    """The blocks (regimes) with a non-zero ``key`` penalty, and its weight per model."""
    blocks = [i for i, regime in enumerate(regimes) if getattr(regime, key) > 0]
    weights = [getattr(regimes[i], key) for i in blocks for _ in range(seeds)]
    return blocks, torch.tensor(weights, dtype=torch.float32)


def train_models(
    train_x: np.ndarray,
    train_y: np.ndarray,
    *,
    seeds: list[int],
    width: int,
    hidden_layers: int,
    regimes: list[MlpRegime | dict],
    epochs: int,
    outside_x: np.ndarray | None = None,
    outside_y: np.ndarray | None = None,
) -> StackedMlp:
    """Train one model per (regime, seed) with ``epochs`` full-batch steps; CPU, float32.

    Each regime is an :class:`hullgen.experiments.mlp.options.MlpRegime` (or its mapping):
    ``optimizer``, ``lr``, ``weight_decay``, ``init_scale``, ``outside_penalty`` and
    ``gradient_penalty``. The penalties act at ``outside_x`` (m, 2),
    points outside the training hull, the first toward the labels ``outside_y``: (m,) for
    every regime, or (len(regimes), m), row r for regime r; a regime with a penalty needs
    them. Models are ordered regime by regime, seeds in order
    within each. Summing the models' losses gives each model exactly the gradient of its own
    loss, so models do not influence each other.
    """
    regimes = [MlpRegime.of(regime) for regime in regimes]
    x = torch.as_tensor(train_x, dtype=torch.float32)
    y = torch.as_tensor(train_y, dtype=torch.float32)
    blocks = [initial_block(seeds, width, hidden_layers, r.init_scale) for r in regimes]
    models = StackedMlp(blocks)
    optimizers = make_optimizers(models, regimes)
    aimed, aim_weight = _weights(regimes, "outside_penalty", len(seeds))
    smooth, smooth_weight = _weights(regimes, "gradient_penalty", len(seeds))
    if (aimed or smooth) and outside_x is None:
        raise ValueError("a regime with an outside or gradient penalty needs outside points")
    if aimed:
        ox = torch.as_tensor(outside_x, dtype=torch.float32)
        labels = np.broadcast_to(outside_y, (len(regimes), len(outside_x)))
        # One row per aimed model (k_aimed, m): regime by regime, a row per seed.
        oy = torch.as_tensor(np.repeat(labels[aimed], len(seeds), axis=0), dtype=torch.float32)
    if smooth:
        gx = torch.as_tensor(outside_x, dtype=torch.float32)
    for _ in range(epochs):
        models.zero_grad(set_to_none=True)
        loss = per_model_loss(models, x, y).sum()
        if aimed:
            loss = loss + (aim_weight * per_model_loss(models, ox, oy, aimed)).sum()
        if smooth:
            loss = loss + (smooth_weight * gradient_norms(models, gx, smooth)).sum()
        loss.backward()
        for optimizer in optimizers:
            optimizer.step()
    return models


@torch.no_grad()
def predict(models: StackedMlp, points: np.ndarray) -> np.ndarray:
    """Predicted class (k, m) uint8 of each stacked model at ``points`` (m, 2)."""
    x = torch.as_tensor(points, dtype=torch.float32)
    chunks = [models(chunk) > 0 for chunk in torch.split(x, EVAL_CHUNK)]
    return torch.cat(chunks, dim=1).numpy().astype(np.uint8)
