"""Training as a pure function of (config, state): split runs agree bit for bit; epochs and shuffles."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine import EngineError, nn, optim
from engine.data import features
from engine.flat import FlatLayout
from engine.training import (
    TrainConfig,
    epoch_order,
    initial_state,
    minibatch_graph,
    next_batch,
    train,
)


def same_state(a, b) -> bool:
    if (
        a.step != b.step
        or a.epoch != b.epoch
        or a.position != b.position
        or not np.array_equal(a.order, b.order)
    ):
        return False
    for name in a.params:
        if a.params[name].tobytes() != b.params[name].tobytes():
            return False
        for key, value in a.optimizer[name].items():
            other = b.optimizer[name][key]
            if (value is None) != (other is None) or np.asarray(value).tobytes() != np.asarray(
                other
            ).tobytes():
                return False
    return True


@pytest.mark.parametrize(
    "config",
    [
        TrainConfig(),
        TrainConfig(
            dataset="spiral",
            optimizer="sgd",
            hyper={"lr": 0.1, "momentum": 0.9, "nesterov": True},
            schedule="step",
            schedule_params={"step_size": 1, "gamma": 0.5},
            batch_size=7,
            l2=0.01,
        ),
        TrainConfig(
            dataset="multi_gauss",
            loss="mse",
            optimizer="rmsprop",
            layers=(5,),
            activation="relu",
            features=("x1", "x2", "x1_x2", "sin_x1"),
            batch_size=13,
        ),
    ],
    ids=["default", "sgd-schedule", "regression"],
)
def test_n_steps_equal_k_calls_passing_the_state(config):
    whole = train(config, steps=30, grid_size=None)
    state, curve = None, []
    for chunk in (7, 1, 12, 10):
        part = train(config, state, steps=chunk, grid_size=None)
        state, curve = part.state, curve + part.loss_curve["train"]
    assert same_state(whole.state, state)
    assert curve == whole.loss_curve["train"]


def test_each_epoch_visits_every_training_point_once_in_a_seeded_order():
    config = TrainConfig(batch_size=30)  # 100 training points: batches of 30, 30, 30, 10
    state, n, seen = initial_state(config), 100, []
    for _ in range(8):
        batch, state = next_batch(config, state, n)
        seen.append(batch)
    assert [len(b) for b in seen] == [30, 30, 30, 10] * 2
    first, second = np.concatenate(seen[:4]), np.concatenate(seen[4:])
    np.testing.assert_array_equal(np.sort(first), np.arange(n))
    np.testing.assert_array_equal(first, epoch_order(0, 0, n))
    np.testing.assert_array_equal(second, epoch_order(0, 1, n))
    assert not np.array_equal(first, second)


def test_the_schedule_sets_the_rate_per_epoch():
    config = TrainConfig(
        batch_size=100,
        optimizer="sgd",
        hyper={"lr": 0.4},
        schedule="step",
        schedule_params={"step_size": 2, "gamma": 0.5},
    )
    result = train(config, steps=3, grid_size=None)  # one step per epoch: epochs 0, 1, 2 done
    assert result.epochs == 3 and result.state.step == 3
    assert result.lr == optim.learning_rate(0.4, "step", 3, {"step_size": 2, "gamma": 0.5}) == 0.2


def test_training_learns_xor_with_the_default_config():
    result = train(TrainConfig(dataset="xor"), steps=200, grid_size=None, curve=False)
    assert result.metrics["test_accuracy"] >= 0.95


def test_grid_and_neurons_have_the_documented_shapes():
    result = train(TrainConfig(layers=(3, 2)), steps=2, grid_size=7, neuron_grid_size=7)
    assert result.grid.shape == (7, 7) and np.all((result.grid >= 0) & (result.grid <= 1))
    assert [n.shape for n in result.neurons] == [(3, 7, 7), (2, 7, 7), (1, 7, 7)]
    np.testing.assert_allclose(
        1 / (1 + np.exp(-result.neurons[-1][0])), result.grid, rtol=1e-12
    )  # out = σ(s)
    assert len(result.gradient_norms) == 2 and len(result.gradient_norms[0]) == 3


def test_a_state_that_does_not_fit_the_config_is_rejected():
    state = train(TrainConfig(), steps=1, grid_size=None).state
    for changed in (TrainConfig(layers=(4, 3)), TrainConfig(optimizer="sgd"), TrainConfig(samples=100)):
        with pytest.raises(EngineError) as error:
            train(changed, state, steps=1)
        assert error.value.code == "invalid_state"
    broken = dataclasses.replace(state, order=np.zeros_like(state.order))
    with pytest.raises(EngineError):
        train(TrainConfig(), broken, steps=1)


def test_regression_sets_need_mse():
    with pytest.raises(EngineError) as error:
        train(TrainConfig(dataset="plane", loss="logistic"), steps=1)
    assert error.value.code == "invalid_loss"


def test_minibatch_graph_is_the_next_four_points():
    source, inputs = minibatch_graph(TrainConfig(), size=4)
    assert source.splitlines()[0] == "z1 = X @ transpose(W1) + b1"
    assert np.shape(inputs["X"]) == (4, 2) and np.shape(inputs["W1"]) == (8, 2)


def test_flat_layout_round_trips_and_splits_into_views():
    model = TrainConfig(layers=(3, 2)).model()
    layout = FlatLayout.of(model)
    params = model.init("xavier_uniform", seed=5)
    theta = layout.flatten(params)
    assert theta.shape == (sum(v.size for v in params.values()),)
    views = layout.split(theta)
    assert list(views) == list(model.parameter_names)
    for name, value in params.items():
        np.testing.assert_array_equal(views[name], value)
        assert views[name].base is theta and views[name].flags.c_contiguous
    stack = layout.split(np.stack([theta, 2 * theta]))
    np.testing.assert_array_equal(stack["W2"][1], 2 * params["W2"])


@pytest.mark.parametrize("loss", ["logistic", "cross_entropy", "mse", "hinge"])
def test_stacked_losses_are_the_bits_of_one_forward_per_parameter_set(loss):
    config = TrainConfig(loss=loss, layers=(5, 3))
    model, data = config.model(), config.data()
    layout = FlatLayout.of(model)
    thetas = [layout.flatten(model.init("xavier_uniform", seed=k)) for k in range(4)]
    X = features(data.test_x, config.features)
    y = nn.targets(loss, data.test_y, model.sizes[-1])
    stacked = nn.stacked_losses(model, layout.split(np.stack(thetas)), X, y, loss)
    assert stacked == [nn.evaluate_loss(model, layout.split(theta), X, y, loss) for theta in thetas]


@pytest.mark.parametrize("optimizer", ["sparse_adam", "adam"])
def test_a_per_parameter_update_gives_the_bits_of_the_flat_one(optimizer):
    """SparseAdam, and a handed-in state whose step counts differ, update each parameter alone."""
    config = TrainConfig(optimizer=optimizer, hyper={"lr": 0.01})
    state = train(config, steps=3, grid_size=None).state
    if optimizer == "adam":  # uneven counts: W1 as if it had moved once more
        state.optimizer["W1"]["step"] += 1
    whole = train(config, state, steps=4, grid_size=None)
    state, curve = state, []
    for chunk in (1, 3):
        part = train(config, state, steps=chunk, grid_size=None)
        state, curve = part.state, curve + part.loss_curve["test"]
    assert same_state(whole.state, state) and curve == whole.loss_curve["test"]
    assert whole.state.optimizer["W1"]["step"] == whole.state.optimizer["b1"]["step"] + (optimizer == "adam")


def test_the_curve_holds_the_loss_after_every_step():
    config = TrainConfig(batch_size=40)
    result = train(config, steps=3, grid_size=None)
    one = train(config, steps=1, grid_size=None)
    assert result.loss_curve["train"][0] == one.loss_curve["train"][0] == one.metrics["train_loss"]
    assert result.loss_curve["test"][-1] == result.metrics["test_loss"]
    assert train(config, steps=2, grid_size=None, curve=False).loss_curve == {"train": [], "test": []}
