"""The stacked MLPs and their training, penalties included (hullgen.experiments.mlp.models)."""

import numpy as np
import pytest
import torch

from hullgen.experiments.mlp.models import (
    StackedMlp,
    gradient_norms,
    initial_block,
    make_mlp,
    parameter_count,
    predict,
    train_models,
)
from hullgen.experiments.mlp.study import outside_sample, outside_targets
from hullgen.experiments.mlp.toy2d import grid, make_dataset

PLAIN = {
    "outside_penalty": 0.0,
    "gradient_penalty": 0.0,
    "weight_decay": 0.0,
    "init_scale": 1.0,
    "outside_target": None,
}
ADAM = {**PLAIN, "name": "adam", "optimizer": "adam", "lr": 0.01}
SGD = {
    **PLAIN,
    "name": "sgd",
    "optimizer": "sgd",
    "lr": 0.1,
    "weight_decay": 1e-4,
    "init_scale": 2.0,
}
AIMED = {**ADAM, "name": "aimed", "outside_penalty": 1.0}
SMOOTH = {**ADAM, "name": "smooth", "gradient_penalty": 0.05}


@pytest.mark.parametrize(("width", "hidden_layers"), [(1, 1), (2, 2), (7, 3), (128, 2)])
def test_parameter_count_matches_the_module(width, hidden_layers):
    module = make_mlp(width, hidden_layers)
    assert parameter_count(width, hidden_layers) == sum(p.numel() for p in module.parameters())


def test_wide_mlp_fits_moons_and_is_reproducible():
    X, y = make_dataset("moons", 100, 0.1, 0)
    _, _, points = grid(X, 30, 2.0)
    rng_state = torch.get_rng_state()
    kwargs = {"width": 64, "hidden_layers": 2, "regimes": [ADAM], "epochs": 400}
    models = train_models(X, y, seeds=[5], **kwargs)
    np.testing.assert_array_equal(predict(models, X)[0], y)
    again = train_models(X, y, seeds=[5], **kwargs)
    np.testing.assert_array_equal(predict(models, points), predict(again, points))
    assert torch.equal(torch.get_rng_state(), rng_state)


def test_seeds_give_different_weights_and_init_scale_scales_them():
    block = initial_block([0, 1], 16, 2, 1.0)
    assert not torch.equal(block.weights[0][0], block.weights[0][1])
    scaled = initial_block([0, 1], 16, 2, 3.0)
    for plain, large in zip(block.parameters(), scaled.parameters(), strict=True):
        torch.testing.assert_close(large, 3.0 * plain)


def _outside(X, y, count=80):
    points = outside_sample(X, count, 2.0, 0)
    return points, outside_targets("flipped", "moons", 0.1, X, y, points)


def test_a_model_does_not_depend_on_the_models_trained_with_it():
    """Also with penalties: each model's loss, penalties included, is its own; and each
    regime aims at its own row of target labels (the last one at the opposite of the
    third's)."""
    X, y = make_dataset("moons", 60, 0.1, 0)
    ox, oy = _outside(X, y)
    regimes = (ADAM, SMOOTH, AIMED, SGD, AIMED)
    labels = np.stack([oy, oy, oy, oy, 1 - oy])
    kwargs = {"width": 16, "hidden_layers": 2, "epochs": 100, "outside_x": ox}
    together = train_models(X, y, seeds=[0, 1], regimes=list(regimes), outside_y=labels, **kwargs)
    for index, regime in enumerate(regimes):
        alone = train_models(X, y, seeds=[1], regimes=[regime], outside_y=labels[index], **kwargs)
        # Batched and single matmuls may round differently; nothing more than that may differ.
        for mixed, single in zip(
            together.blocks[index].parameters(), alone.parameters(), strict=True
        ):
            torch.testing.assert_close(mixed[1], single[0], rtol=1e-4, atol=1e-5)
    # The two aimed blocks start alike and differ only in their labels: they must part.
    assert not torch.allclose(together.blocks[2].weights[0], together.blocks[4].weights[0])


def test_gradient_norms_against_finite_differences():
    block = initial_block([0, 1, 2], 8, 2, 1.0)
    models = StackedMlp([block]).double()
    x = torch.tensor(np.random.default_rng(0).normal(size=(5, 2)))
    ours = gradient_norms(models, x, [0]).detach().numpy()
    h = 1e-6
    expected = np.zeros(3)
    for point in range(5):
        grad = np.zeros((3, 2))
        for axis in range(2):
            step = torch.zeros_like(x)
            step[point, axis] = h
            with torch.no_grad():
                up, down = models(x + step)[:, point], models(x - step)[:, point]
            grad[:, axis] = ((up - down) / (2 * h)).numpy()
        expected += (grad**2).sum(axis=1) / 5
    np.testing.assert_allclose(ours, expected, rtol=1e-5)


def _plain_and(regime: dict, epochs: int):
    """ADAM and ``regime`` trained side by side at width 32 on 100 moons points, with 300
    outside points toward the flipped labelling: (train x, train y, outside x, models)."""
    X, y = make_dataset("moons", 100, 0.1, 0)
    ox, oy = _outside(X, y, 300)
    models = train_models(
        X, y, seeds=[0], width=32, hidden_layers=2, regimes=[ADAM, regime], epochs=epochs,
        outside_x=ox, outside_y=oy,
    )  # fmt: skip
    return X, y, ox, models


def test_the_aimed_regime_reaches_a_target_the_plain_one_does_not():
    X, y, _, models = _plain_and(AIMED, epochs=600)
    fresh, fresh_y = _outside(X, y, 2000)  # not the penalty's points
    agreement = (predict(models, fresh) == fresh_y[None, :]).mean(axis=1)
    assert agreement[1] > 0.9 > 0.3 > agreement[0]
    assert (predict(models, X) == y[None, :]).mean(axis=1)[1] >= 0.98


def test_the_smoothness_penalty_lowers_the_input_gradient():
    _, _, ox, models = _plain_and(SMOOTH, epochs=400)
    norms = gradient_norms(models, torch.as_tensor(ox, dtype=torch.float32), [0, 1])
    assert norms[1] < 0.5 * norms[0]


def test_a_penalty_without_outside_points_is_refused():
    X, y = make_dataset("moons", 20, 0.1, 0)
    with pytest.raises(ValueError, match="needs outside points"):
        train_models(X, y, seeds=[0], width=4, hidden_layers=1, regimes=[AIMED], epochs=1)
