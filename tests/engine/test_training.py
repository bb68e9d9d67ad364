"""Training as a pure function of (config, state): split runs agree bit for bit; epochs and shuffles."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine import EngineError, optim
from engine.training import TrainConfig, epoch_order, initial_state, minibatch_graph, next_batch, train


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
