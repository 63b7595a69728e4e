"""Networks under and over their parameter count: where do seeds and training regimes agree?

Section 4 of the paper: only an over-parameterized model has room to choose how its decision
boundary extends outside the convex hull of its training data, and the training regime makes
that choice. The study trains binary ReLU MLPs of growing width on a 2-D data set under several
regimes and seeds, classifies every point of a grid around the data, and measures where the
models disagree with each other, and with the true labelling, inside and outside the hull.

All models of one width train together as one stacked model (batched matmuls): the same
arithmetic as training them one by one, up to float32 rounding, only several times faster.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from hullgen import criteria as C
from hullgen.experiments.toy2d import DATASETS, grid, hull_mask, make_dataset, true_labels
from hullgen.verdict import NOT_APPLICABLE, Verdict, outcome

OPTIMIZERS = ("sgd", "adam")
SGD_MOMENTUM = 0.9
OPTION_DEFAULTS = {"n_train": 200, "hidden_layers": 2}
REQUIRED_OPTIONS = (
    "dataset",
    "noise",
    "data_seed",
    "widths",
    "regimes",
    "seeds",
    "epochs",
    "grid_size",
    "box_factor",
)
REGIME_KEYS = ("name", "optimizer", "lr", "weight_decay", "init_scale")
# Grid points per forward pass when classifying the grid: bounds memory at large grid sizes.
EVAL_CHUNK = 65536
# The summary's size classes and criteria (hullgen.criteria says why).
OVER_FACTOR = C.MLP_OVER_FACTOR
AGREE_INSIDE_MAX = C.MLP_AGREE_INSIDE_MAX
OUTSIDE_OVER_INSIDE_MIN = C.MLP_OUTSIDE_OVER_INSIDE_MIN
REGIME_OVER_SEED_MIN = C.MLP_REGIME_OVER_SEED_MIN

logger = logging.getLogger("hullgen.experiments")


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

    def layers(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per layer, all models' weights (k, fan_in, fan_out) and biases (k, 1, fan_out)."""
        depth = len(self.blocks[0].weights)
        return [
            (
                torch.cat([block.weights[layer] for block in self.blocks]),
                torch.cat([block.biases[layer] for block in self.blocks]),
            )
            for layer in range(depth)
        ]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (k, n) of all k models, block by block, for inputs ``x`` (n, 2)."""
        *hidden, (last_weight, last_bias) = self.layers()
        h = x.expand(len(last_weight), *x.shape)
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


def make_optimizers(models: StackedMlp, regimes: list[dict]) -> list[torch.optim.Optimizer]:
    """One optimizer per optimizer kind, one parameter group per regime (block).

    ``sgd``: SGD with momentum 0.9; ``adam``: torch.optim.Adam, whose ``weight_decay`` is an L2
    penalty added to the gradient (not AdamW's decoupled decay). ``weight_decay`` is torch's
    argument of that name. Both act element-wise, so one optimizer over stacked models updates
    each model exactly as an optimizer of its own would. The fused implementations compute the
    same update as the default ones in a single kernel per step: about 1.5 x faster here.
    """
    groups: dict[str, list[dict]] = {}
    for block, regime in zip(models.blocks, regimes, strict=True):
        groups.setdefault(regime["optimizer"], []).append(
            {
                "params": list(block.parameters()),
                "lr": regime["lr"],
                "weight_decay": regime["weight_decay"],
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


def per_model_loss(models: StackedMlp, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of each stacked model on (x, y): shape (k,)."""
    logits = models(x)
    targets = y.expand_as(logits)
    return F.binary_cross_entropy_with_logits(logits, targets, reduction="none").mean(dim=1)


def train_models(
    train_x: np.ndarray,
    train_y: np.ndarray,
    *,
    seeds: list[int],
    width: int,
    hidden_layers: int,
    regimes: list[dict],
    epochs: int,
) -> StackedMlp:
    """Train one model per (regime, seed) with ``epochs`` full-batch steps; CPU, float32.

    Each regime has keys ``optimizer``, ``lr``, ``weight_decay`` and ``init_scale``. Models
    are ordered regime by regime, seeds in order within each. Summing the models' losses gives
    each model exactly the gradient of its own loss, so models do not influence each other.
    """
    x = torch.as_tensor(train_x, dtype=torch.float32)
    y = torch.as_tensor(train_y, dtype=torch.float32)
    blocks = [initial_block(seeds, width, hidden_layers, r["init_scale"]) for r in regimes]
    models = StackedMlp(blocks)
    optimizers = make_optimizers(models, regimes)
    for _ in range(epochs):
        models.zero_grad(set_to_none=True)
        per_model_loss(models, x, y).sum().backward()
        for optimizer in optimizers:
            optimizer.step()
    return models


@torch.no_grad()
def predict(models: StackedMlp, points: np.ndarray) -> np.ndarray:
    """Predicted class (k, m) uint8 of each stacked model at ``points`` (m, 2)."""
    x = torch.as_tensor(points, dtype=torch.float32)
    chunks = [models(chunk) > 0 for chunk in torch.split(x, EVAL_CHUNK)]
    return torch.cat(chunks, dim=1).numpy().astype(np.uint8)


def share(flags: np.ndarray) -> float:
    """Fraction of True in ``flags``; NaN for an empty selection (no grid point in that scope)."""
    return float(flags.mean()) if flags.size else float("nan")


def disagreement_shares(predictions: np.ndarray, inside: np.ndarray) -> tuple[float, float]:
    """Shares of grid points inside and outside the hull where models do not all agree.

    ``predictions`` (k, m): the class of each of k models at m grid points; ``inside`` (m,) bool.
    """
    differ = predictions.min(axis=0) != predictions.max(axis=0)
    return share(differ[inside]), share(differ[~inside])


def pairwise_disagreement(
    predictions: np.ndarray, pairs: list[tuple[int, int]], mask: np.ndarray
) -> float:
    """Mean over ``pairs`` of rows of ``predictions`` (k, m) of the share of ``mask``ed grid
    points where the two models differ; NaN without pairs. Unlike :func:`disagreement_shares`
    it does not grow with the number of models, so groups of different sizes compare."""
    if not pairs:
        return float("nan")
    return float(np.mean([share(predictions[a, mask] != predictions[b, mask]) for a, b in pairs]))


def error_shares(
    predictions: np.ndarray, truth: np.ndarray | None, inside: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per model (k,): share of grid points inside / outside the hull predicted against ``truth``.

    All NaN when the data set has no true labelling (``truth`` None).
    """
    if truth is None:
        missing = np.full(len(predictions), np.nan)
        return missing, missing.copy()
    wrong = predictions != truth[None, :]
    return _row_shares(wrong[:, inside]), _row_shares(wrong[:, ~inside])


def _row_shares(flags: np.ndarray) -> np.ndarray:
    return np.array([share(row) for row in flags])


def validate_options(options: dict) -> dict:
    """``options`` with defaults filled in; ValueError naming the first bad key and its value."""
    unknown = sorted(set(options) - set(REQUIRED_OPTIONS) - set(OPTION_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r}")
    missing = [key for key in REQUIRED_OPTIONS if key not in options]
    if missing:
        raise ValueError(f"missing option {missing[0]!r}")
    checked = {**OPTION_DEFAULTS, **options}
    checks = {
        "dataset": (lambda v: v in DATASETS, f"one of {', '.join(DATASETS)}"),
        "n_train": (lambda v: _is_int(v) and v >= 2, "an integer >= 2"),
        "noise": (lambda v: _is_number(v) and v >= 0, "a number >= 0"),
        "data_seed": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
        "hidden_layers": (lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
        "widths": (_valid_widths, "a non-empty list of distinct integers >= 1"),
        "regimes": (lambda v: isinstance(v, list) and len(v) > 0, "a non-empty list"),
        "seeds": (lambda v: _is_int(v) and v >= 1, "an integer >= 1 (the number of seeds)"),
        "epochs": (lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
        "grid_size": (lambda v: _is_int(v) and v >= 2, "an integer >= 2"),
        "box_factor": (lambda v: _is_number(v) and v > 0, "a number > 0"),
    }
    for key, (is_valid, expected) in checks.items():
        if not is_valid(checked[key]):
            raise ValueError(f"option {key!r} = {checked[key]!r}: expected {expected}")
    for index, regime in enumerate(checked["regimes"]):
        _validate_regime(index, regime)
    names = [regime["name"] for regime in checked["regimes"]]
    if len(set(names)) < len(names):
        raise ValueError(f"option 'regimes': names {names!r} are not distinct")
    return checked


def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (_is_int(value) or isinstance(value, float | np.floating)) and np.isfinite(value)


def _valid_widths(widths) -> bool:
    return (
        isinstance(widths, list)
        and len(widths) > 0
        and all(_is_int(w) and w >= 1 for w in widths)
        and len(set(widths)) == len(widths)
    )


def _validate_regime(index: int, regime) -> None:
    where = f"option 'regimes'[{index}]"
    if not isinstance(regime, dict) or set(regime) != set(REGIME_KEYS):
        raise ValueError(f"{where} = {regime!r}: expected a mapping with keys {REGIME_KEYS}")
    checks = {
        "name": (lambda v: isinstance(v, str) and v != "" and v != "all", "a name, not 'all'"),
        "optimizer": (lambda v: v in OPTIMIZERS, f"one of {', '.join(OPTIMIZERS)}"),
        "lr": (lambda v: _is_number(v) and v > 0, "a number > 0"),
        "weight_decay": (lambda v: _is_number(v) and v >= 0, "a number >= 0"),
        "init_scale": (lambda v: _is_number(v) and v > 0, "a number > 0"),
    }
    for key, (is_valid, expected) in checks.items():
        if not is_valid(regime[key]):
            raise ValueError(f"{where} {key!r} = {regime[key]!r}: expected {expected}")


@dataclass
class MlpStudy:
    """Everything the study measured; arrays are numpy, tables pandas.

    ``options``: the validated options, defaults filled in. ``train_x`` (n, 2) float64,
    ``train_y`` (n,) int64. ``xs`` (g,), ``ys`` (g,) and ``grid_points`` (g * g, 2): the grid of
    :func:`hullgen.experiments.toy2d.grid` (x varies fastest). ``inside`` (g * g,) bool: in or on
    the training hull. ``truth`` (g * g,) int64 true labels, or None where the data set has none.
    ``models``: one row per trained model, ordered by width, then regime (in option order), then
    seed. ``predictions`` (len(models), g * g) uint8: row i is the class model row i predicts at
    each grid point. ``disagreement``: one row per (width, scope, regime), see
    :func:`disagreement_table`. Shares are fractions in [0, 1].
    """

    options: dict
    train_x: np.ndarray
    train_y: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    grid_points: np.ndarray
    inside: np.ndarray
    truth: np.ndarray | None
    models: pd.DataFrame
    predictions: np.ndarray
    disagreement: pd.DataFrame


def run_study(options: dict, log: logging.Logger | None = None) -> MlpStudy:
    """Train every (width, regime, seed) of ``options`` and measure them on the grid.

    ``options``: ``dataset``, ``n_train`` (default 200), ``noise``, ``data_seed``,
    ``hidden_layers`` (default 2), ``widths``, ``regimes`` (each with ``name``, ``optimizer``,
    ``lr``, ``weight_decay``, ``init_scale``), ``seeds`` (a count: seeds 0 .. seeds - 1),
    ``epochs``, ``grid_size`` and ``box_factor``. Progress goes to ``log``, by default the
    ``hullgen.experiments`` logger, one line per width.
    """
    log = log or logger
    options = validate_options(options)
    train_x, train_y = make_dataset(
        options["dataset"], options["n_train"], options["noise"], options["data_seed"]
    )
    xs, ys, points = grid(train_x, options["grid_size"], options["box_factor"])
    inside = hull_mask(train_x, points)
    truth = true_labels(options["dataset"], points, options["noise"])
    seeds = list(range(options["seeds"]))
    rows, predictions = [], []
    for width in options["widths"]:
        started = time.perf_counter()
        models = train_models(
            train_x,
            train_y,
            seeds=seeds,
            width=width,
            hidden_layers=options["hidden_layers"],
            regimes=options["regimes"],
            epochs=options["epochs"],
        )
        rows += _model_rows(models, train_x, train_y, width, options, seeds)
        predictions.append(predict(models, points))
        log.info(
            "width %d (%d parameters): %d models trained in %.1f s",
            width,
            parameter_count(width, options["hidden_layers"]),
            len(options["regimes"]) * len(seeds),
            time.perf_counter() - started,
        )
    predictions = np.concatenate(predictions)
    table = pd.DataFrame(rows)
    table["error_inside"], table["error_outside"] = error_shares(predictions, truth, inside)
    return MlpStudy(
        options=options,
        train_x=train_x,
        train_y=train_y,
        xs=xs,
        ys=ys,
        grid_points=points,
        inside=inside,
        truth=truth,
        models=table,
        predictions=predictions,
        disagreement=disagreement_table(table, predictions, inside),
    )


@torch.no_grad()
def _model_rows(
    models: StackedMlp,
    train_x: np.ndarray,
    train_y: np.ndarray,
    width: int,
    options: dict,
    seeds: list[int],
) -> list[dict]:
    """One ``models`` table row per stacked model, without the grid errors."""
    x = torch.as_tensor(train_x, dtype=torch.float32)
    y = torch.as_tensor(train_y, dtype=torch.float32)
    losses = per_model_loss(models, x, y).numpy()
    accuracies = (predict(models, train_x) == train_y[None, :]).mean(axis=1)
    parameters = parameter_count(width, options["hidden_layers"])
    names = [regime["name"] for regime in options["regimes"]]
    labels = [(name, seed) for name in names for seed in seeds]
    return [
        {
            "width": width,
            "parameters": parameters,
            "regime": name,
            "seed": seed,
            "train_accuracy": float(accuracy),
            "final_loss": float(loss),
        }
        for (name, seed), accuracy, loss in zip(labels, accuracies, losses, strict=True)
    ]


def disagreement_table(
    models: pd.DataFrame, predictions: np.ndarray, inside: np.ndarray
) -> pd.DataFrame:
    """Disagreement per width: among each regime's seeds (scope ``seeds``) and among all models.

    ``models`` needs columns ``width``, ``parameters`` and ``regime``, its row i matching
    ``predictions`` row i. Columns: ``width``, ``parameters``, ``scope``, ``regime`` (the
    regime's name, or ``all``), ``disagreement_inside``, ``disagreement_outside``.
    """
    # Row positions index ``predictions``, whatever index the table was saved with.
    models = models.reset_index(drop=True)
    rows = []
    for width, of_width in models.groupby("width", sort=False):
        groups = [("seeds", name, rows_) for name, rows_ in of_width.groupby("regime", sort=False)]
        groups.append(("all", "all", of_width))
        for scope, regime, members in groups:
            disagree_in, disagree_out = disagreement_shares(predictions[members.index], inside)
            rows.append(
                {
                    "width": width,
                    "parameters": int(members["parameters"].iloc[0]),
                    "scope": scope,
                    "regime": regime,
                    "disagreement_inside": disagree_in,
                    "disagreement_outside": disagree_out,
                }
            )
    return pd.DataFrame(rows)


def size_classes(n_train: int) -> list[tuple[str, float, float]]:
    """(label, lowest, highest-exclusive) parameter counts of the summary's three size classes."""
    over = OVER_FACTOR * n_train
    return [
        (f"under-parameterized (< {n_train:,} parameters, the training set size)", 0, n_train),
        (f"in between ({n_train:,} to < {over:,} parameters)", n_train, over),
        (f"over-parameterized (>= {over:,} = {OVER_FACTOR} x n_train parameters)", over, np.inf),
    ]


def model_pairs(models: pd.DataFrame) -> tuple[list, list]:
    """Pairs of ``models``' index labels within one width: same regime and different seeds;
    same seed and different regimes.

    With a seed's initial weights shared by all regimes (see :func:`init_seed`), the first
    pairs differ only in their start, the second only in how they were trained.
    """
    same_regime, same_seed = [], []
    for _, of_width in models.groupby("width", sort=False):
        for a, b in combinations(of_width.index, 2):
            if models.at[a, "regime"] == models.at[b, "regime"]:
                same_regime.append((a, b))
            elif models.at[a, "seed"] == models.at[b, "seed"]:
                same_seed.append((a, b))
    return same_regime, same_seed


def summary_lines(study) -> list[str]:
    """Plain-English findings with their numbers, and whether the paper's claims hold on them.

    ``study``: an :class:`MlpStudy`, or any object with its attributes ``options``, ``inside``,
    ``models``, ``predictions`` and ``disagreement`` (for instance loaded back from files).
    """
    options = study.options
    # Index labels become row positions, so that they index ``predictions``.
    models = study.models.reset_index(drop=True)
    classes = size_classes(options["n_train"])
    lines = [_setup_line(options, study.inside)]
    for label, low, high in classes:
        rows = _rows_between(models, low, high)
        if len(rows):
            lines.append(f"{label}: {_class_findings(study, rows)}")
    return lines + [judgement["text"] for judgement in _judgements(study)]


MLP_QUOTE = (
    "4",
    "In the over-parameterized regime, decision boundaries perfectly separate the data inside"
    " the H^tr, but depending on the training regime, they can have very different shapes"
    " outside the H^tr, showing that over-parameterization gives us control over the"
    " behavior of model outside H^tr by using specific training regimes.",
)
# (id, measured quantity, criterion) of each judgement, in the order of _judgements.
MLP_CLAIMS = (
    (
        "mlp-agree",
        "share of grid points where all over-parameterized models of a width disagree, inside"
        " and outside the training hull (mean over widths)",
        f"at most {AGREE_INSIDE_MAX:.0%} inside, and outside at least"
        f" {OUTSIDE_OVER_INSIDE_MIN:g} x inside",
    ),
    (
        "mlp-regime",
        "outside the hull, the share of grid points where two over-parameterized models"
        " differ: same start and different regimes, against same regime and different starts",
        f"the first at least {REGIME_OVER_SEED_MIN:g} x the second",
    ),
)


def claims(study, figure: str = "") -> list[dict]:
    """The paper's section 4 claims judged on the over-parameterized models, as
    :class:`hullgen.verdict.Verdict` records (``figure``: the figure showing the evidence)."""
    verdicts = []
    for (claim_id, quantity, criterion), judgement in zip(
        MLP_CLAIMS, _judgements(study), strict=True
    ):
        holds = judgement["holds"]
        verdict = Verdict(
            claim_id,
            *MLP_QUOTE,
            quantity=quantity,
            criterion=criterion,
            value=judgement["text"],
            holds=NOT_APPLICABLE if holds is None else outcome(holds),
            figure=figure,
        )
        verdicts.append(verdict.to_dict())
    return verdicts


def _judgements(study) -> list[dict]:
    """The two claims on the over-parameterized models: dicts with ``claim`` (the paper's
    statement), ``holds`` (True, False, or None when it cannot be judged) and ``text`` (the
    verdict with its numbers and criterion)."""
    models = study.models.reset_index(drop=True)
    _, over_low, over_high = size_classes(study.options["n_train"])[-1]
    return _claim_lines(study, _rows_between(models, over_low, over_high), over_low)


def _rows_between(models: pd.DataFrame, low: float, high: float) -> pd.DataFrame:
    return models[(models["parameters"] >= low) & (models["parameters"] < high)]


def _setup_line(options: dict, inside: np.ndarray) -> str:
    widths = options["widths"]
    counts = [parameter_count(w, options["hidden_layers"]) for w in widths]
    size = options["grid_size"]
    return (
        f"{options['dataset']} (noise {options['noise']}), {options['n_train']} training points;"
        f" {options['hidden_layers']} hidden layers of width {', '.join(map(str, widths))}"
        f" ({min(counts):,} to {max(counts):,} parameters); {len(options['regimes'])} regimes"
        f" x {options['seeds']} seeds, {options['epochs']} full-batch epochs; {share(inside):.1%}"
        f" of the {size} x {size} grid (bounding box x {options['box_factor']}) lies inside the"
        " training hull"
    )


def _class_findings(study, rows: pd.DataFrame) -> str:
    """Accuracy, disagreement and error of the models in ``rows`` (one size class)."""
    table = study.disagreement
    of_class = table[table["width"].isin(rows["width"].unique())]
    everyone = of_class[of_class["scope"] == "all"]
    per_regime = of_class[of_class["scope"] == "seeds"]
    accuracy = rows["train_accuracy"]
    text = (
        f"train accuracy {accuracy.min():.3f} to {accuracy.max():.3f} (mean {accuracy.mean():.3f});"
        f" all models of a width disagree on {_percent(everyone['disagreement_inside'])} of grid"
        f" points inside the hull and {_percent(everyone['disagreement_outside'])} outside;"
        f" one regime's seeds on {_percent(per_regime['disagreement_inside'])} inside and"
        f" {_percent(per_regime['disagreement_outside'])} outside (means over widths)"
    )
    if rows["error_inside"].isna().all():
        return text + "; the data set has no true labelling to measure error against"
    return (
        text + f"; error against the true labelling {_percent(rows['error_inside'])} inside"
        f" and {_percent(rows['error_outside'])} outside (mean over models)"
    )


def _percent(values: pd.Series) -> str:
    mean = values.mean()
    return "n/a (no such grid points)" if np.isnan(mean) else f"{mean:.1%}"


AGREE_CLAIM = "over-parameterized models agree inside the hull but not outside"
REGIME_CLAIM = "the training regime decides the outside"


def _claim_lines(study, over_rows: pd.DataFrame, over: int) -> list[dict]:
    if over_rows.empty:
        text = f"the paper's claims cannot be judged: no width has >= {over:,} parameters"
        return [{"claim": c, "holds": None, "text": text} for c in (AGREE_CLAIM, REGIME_CLAIM)]
    table = study.disagreement
    everyone = table[(table["scope"] == "all") & (table["width"].isin(over_rows["width"]))]
    inside = everyone["disagreement_inside"].mean()
    outside = everyone["disagreement_outside"].mean()
    agrees = inside <= AGREE_INSIDE_MAX and outside >= OUTSIDE_OVER_INSIDE_MIN * inside
    first = (
        f"claim '{AGREE_CLAIM}'"
        f" {_verdict(agrees)}: all models of a width disagree on {inside:.1%} inside and"
        f" {outside:.1%} outside (criterion: at most {AGREE_INSIDE_MAX:.0%} inside, and outside"
        f" at least {OUTSIDE_OVER_INSIDE_MIN:g} x inside)"
    )
    same_regime, same_seed = model_pairs(over_rows)
    outside_mask = ~np.asarray(study.inside)
    by_seed = pairwise_disagreement(study.predictions, same_regime, outside_mask)
    by_regime = pairwise_disagreement(study.predictions, same_seed, outside_mask)
    if np.isnan(by_seed) or np.isnan(by_regime):
        return [
            {"claim": AGREE_CLAIM, "holds": bool(agrees), "text": first},
            {
                "claim": REGIME_CLAIM,
                "holds": None,
                "text": f"claim '{REGIME_CLAIM}' cannot be judged: it needs at least two"
                " regimes and two seeds",
            },
        ]
    decides = by_regime >= REGIME_OVER_SEED_MIN * by_seed
    second = (
        f"claim '{REGIME_CLAIM}' {_verdict(decides)}:"
        f" outside the hull two over-parameterized models from the same start but different"
        f" regimes differ on {by_regime:.1%} of grid points, two of the same regime from"
        f" different starts on {by_seed:.1%} (criterion: the first at least"
        f" {REGIME_OVER_SEED_MIN:g} x the second)"
    )
    return [
        {"claim": AGREE_CLAIM, "holds": bool(agrees), "text": first},
        {"claim": REGIME_CLAIM, "holds": bool(decides), "text": second},
    ]


def _verdict(holds: bool) -> str:
    return "holds" if holds else "does not hold"
