"""Training as a pure function of (config, state): split runs agree bit for bit; epochs and shuffles."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import EngineError, optim, seam
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
    statements = [line for line in source.splitlines() if not line.startswith("#")]  # under their comments
    assert statements[0] == "z1 = X @ transpose(W1) + b1"
    assert source.startswith("# One minibatch: 4 training points")
    assert np.shape(inputs["X"]) == (4, 2) and np.shape(inputs["W1"]) == (8, 2)


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


@pytest.mark.parametrize("fast", [True, False])
def test_curve_every_keeps_the_entries_of_the_steps_it_names(fast):
    """curve_every = k: the every-step run's loss and norms at the steps that are multiples of k,
    those steps in curve_steps; the metrics are the run's own, whether or not its last step is one."""
    config = TrainConfig(batch_size=30, layers=(3,))
    previous = seam.use_fast(fast)
    try:
        every_step = train(config, steps=13, grid_size=None)
        first = train(config, steps=6, grid_size=None, curve_every=4)
        rest = train(config, first.state, steps=7, grid_size=None, curve_every=4)
    finally:
        seam.use_fast(previous)
    assert first.curve_steps == [4] and rest.curve_steps == [8, 12]
    for split in ("train", "test"):
        wanted = [every_step.loss_curve[split][k - 1] for k in (4, 8, 12)]
        assert first.loss_curve[split] + rest.loss_curve[split] == wanted
    assert first.gradient_norms + rest.gradient_norms == [
        every_step.gradient_norms[k - 1] for k in (4, 8, 12)
    ]
    assert rest.metrics == every_step.metrics and same_state(rest.state, every_step.state)
    assert train(config, steps=3, grid_size=None, curve_every=5).loss_curve == {"train": [], "test": []}


def test_a_changed_rate_between_calls_continues_as_one_run_with_that_schedule():
    """lr 0.1 for two epochs, then 0.05 from the state: MultiStepLR([2], 0.5) in one run."""
    base = dict(dataset="gauss", batch_size=25, optimizer="adam")  # 100 training points: 4 steps an epoch
    whole = train(
        TrainConfig(
            **base, hyper={"lr": 0.1}, schedule="multistep", schedule_params={"milestones": [2], "gamma": 0.5}
        ),
        steps=14,
        grid_size=None,
    )
    first = train(TrainConfig(**base, hyper={"lr": 0.1}), steps=8, grid_size=None)
    second = train(TrainConfig(**base, hyper={"lr": 0.05}), first.state, steps=6, grid_size=None)
    assert same_state(whole.state, second.state)
    assert first.loss_curve["train"] + second.loss_curve["train"] == whole.loss_curve["train"]
    assert second.lr == whole.lr == 0.05 and second.state.step == 14


def test_hyper_parameters_penalties_and_batch_size_change_without_a_reset():
    config = TrainConfig(optimizer="sgd", hyper={"lr": 0.05}, batch_size=10)
    state = train(config, steps=5, grid_size=None).state
    changed = dataclasses.replace(
        config,
        hyper={"lr": 0.01, "momentum": 0.9, "nesterov": True},
        l2=0.01,
        l1=0.001,
        batch_size=7,
        schedule="cosine",
        schedule_params={"T_max": 4},
    )
    result = train(changed, state, steps=3, grid_size=None)
    assert result.state.step == 8 and result.state.position == 50 + 3 * 7
    assert result.state.optimizer["W1"]["momentum_buffer"] is not None


def test_three_classes_of_custom_points_reach_90_percent():
    rng = np.random.default_rng(3)
    centres = np.array([[-3.0, -2.0], [3.0, -2.0], [0.0, 3.0]])
    points = [(*(centres[k] + rng.normal(0, 1.0, 2)), float(k)) for k in range(3) for _ in range(60)]
    config = TrainConfig(
        dataset="custom",
        points=tuple(points),
        test_fraction=0.3,
        loss="cross_entropy",
        layers=(6,),
        optimizer="adam",
        hyper={"lr": 0.03},
    )
    result = train(config, steps=300, grid_size=6, curve=False)
    assert result.classes == 3 and result.state.params["W2"].shape == (3, 6)
    assert result.metrics["test_accuracy"] >= 0.9
    assert result.grid_class.shape == (6, 6) and set(np.unique(result.grid_class)) <= {0, 1, 2}
    assert np.all((result.grid_confidence >= 1 / 3) & (result.grid_confidence <= 1))
    np.testing.assert_array_equal(result.grid, result.grid_confidence)


@pytest.mark.parametrize("dataset", ["gauss", "spiral"])
def test_many_classes_need_cross_entropy_and_get_one_output_each(dataset):
    config = TrainConfig(dataset=dataset, classes=4, loss="cross_entropy", layers=(5,))
    result = train(config, steps=2, grid_size=4)
    assert result.classes == 4 and result.state.params["b2"].shape == (4,)
    assert set(np.unique(config.data().train_y)) == {0.0, 1.0, 2.0, 3.0}
    with pytest.raises(EngineError) as error:
        train(dataclasses.replace(config, loss="logistic"), steps=1)
    assert error.value.code == "invalid_loss"


def test_custom_regression_points_fit_with_mse():
    xs = np.linspace(-5, 5, 40)
    points = tuple((x, -x, x / 10) for x in xs)
    config = TrainConfig(dataset="custom", points=points, task="regression", loss="mse", layers=(3,))
    result = train(config, steps=50, grid_size=None)
    assert result.classes == 0 and "train_accuracy" not in result.metrics
    assert result.metrics["train_loss"] < result.loss_curve["train"][0] or result.metrics["train_loss"] < 0.01


@pytest.mark.parametrize(
    ("field", "value"), [("step", 2**1100), ("epoch", 2**1030), ("position", -1), ("step", -3)]
)
def test_counts_beyond_any_real_run_are_an_invalid_state(field, value):
    config = TrainConfig(schedule="step")
    state = dataclasses.replace(train(config, steps=1, grid_size=None).state, **{field: value})
    with pytest.raises(EngineError) as error:
        train(config, state, steps=1)
    assert error.value.code == "invalid_state"
    state = train(config, steps=1, grid_size=None).state
    state.optimizer["W1"]["step"] = 2**1100
    with pytest.raises(EngineError) as error:
        train(config, state, steps=1)
    assert error.value.code == "invalid_state"


# The fast path (engine/fast/training.py) against the reference loop, bit for bit.


HYPERS = {
    "sgd": st.fixed_dictionaries(
        {"lr": st.sampled_from([0.01, 0.1])},
        optional={"momentum": st.sampled_from([0.0, 0.9]), "weight_decay": st.just(0.01)},
    ),
    "adagrad": st.fixed_dictionaries(
        {"lr": st.just(0.05)}, optional={"lr_decay": st.just(0.01), "initial_accumulator_value": st.just(0.1)}
    ),
    "rmsprop": st.fixed_dictionaries(
        {"lr": st.just(0.01)}, optional={"centered": st.booleans(), "momentum": st.just(0.5)}
    ),
    "adam": st.fixed_dictionaries(
        {"lr": st.just(0.03)}, optional={"amsgrad": st.booleans(), "weight_decay": st.just(0.01)}
    ),
    "adamw": st.fixed_dictionaries(
        {"lr": st.just(0.03)}, optional={"amsgrad": st.booleans(), "weight_decay": st.just(0.1)}
    ),
    "sparse_adam": st.fixed_dictionaries({"lr": st.just(0.03)}),
}
SCHEDULE_PARAMS = {
    "constant": {},
    "step": {"step_size": 1, "gamma": 0.5},
    "multistep": {"milestones": [1, 2], "gamma": 0.3},
    "exponential": {"gamma": 0.9},
    "cosine": {"T_max": 3, "eta_min": 0.001},
    "inverse_time": {"decay_rate": 0.5},
}
DATA = [
    {"dataset": "circle", "loss": "logistic"},
    {"dataset": "xor", "loss": "hinge"},
    {"dataset": "gauss", "loss": "mse"},
    {"dataset": "spiral", "classes": 3, "loss": "cross_entropy"},
    {"dataset": "multi_gauss", "loss": "mse"},
]


@st.composite
def configurations(draw):
    optimizer = draw(st.sampled_from(sorted(HYPERS)))
    schedule = draw(st.sampled_from(sorted(SCHEDULE_PARAMS)))
    return TrainConfig(
        **draw(st.sampled_from(DATA)),
        samples=draw(st.integers(20, 60)),
        layers=tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))),
        activation=draw(st.sampled_from(["tanh", "relu", "sigmoid", "leaky_relu", "linear"])),
        optimizer=optimizer,
        hyper=draw(HYPERS[optimizer]),
        schedule=schedule,
        schedule_params=SCHEDULE_PARAMS[schedule],
        l2=draw(st.sampled_from([0.0, 0.01])),
        l1=draw(st.sampled_from([0.0, 0.005])),
        l2_biases=draw(st.booleans()),
        batch_size=draw(st.integers(1, 40)),
        seed=draw(st.integers(0, 3)),
    )


def run_in_calls(config, chunks, every=1):
    state, curves, norms = None, {"train": [], "test": []}, []
    for chunk in chunks:
        result = train(config, state, steps=chunk, grid_size=3, curve_every=every)
        state = result.state
        for split in curves:
            curves[split] += result.loss_curve[split]
        norms += result.gradient_norms
    return result, curves, norms


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    config=configurations(),
    chunks=st.lists(st.integers(0, 9), min_size=1, max_size=3),
    every=st.sampled_from([1, 1, 2, 5]),
)
def test_the_fast_path_equals_the_reference_bit_for_bit(config, chunks, every):
    pytest.importorskip("engine.fast.training")
    previous = seam.use_fast(True)
    try:
        fast = run_in_calls(config, chunks, every)
        seam.use_fast(False)
        reference = run_in_calls(config, chunks, every)
    finally:
        seam.use_fast(previous)
    assert same_state(fast[0].state, reference[0].state)
    assert repr(fast[1]) == repr(reference[1])  # repr: NaN and −0.0 compare as written
    assert repr(fast[2]) == repr(reference[2])
    assert repr(fast[0].metrics) == repr(reference[0].metrics)
    assert fast[0].grid.tobytes() == reference[0].grid.tobytes() and fast[0].lr == reference[0].lr


@pytest.mark.parametrize("fast", [True, False])
def test_a_diverging_run_carries_inf_and_nan_without_a_warning(fast):
    import warnings

    config = TrainConfig(optimizer="sgd", hyper={"lr": 1e30}, activation="relu", loss="mse", layers=(4,))
    previous = seam.use_fast(fast)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = train(config, steps=6, grid_size=3, neuron_grid_size=3)
    finally:
        seam.use_fast(previous)
    values = np.concatenate([p.ravel() for p in result.state.params.values()])
    assert not np.isfinite(values).all() and result.state.step == 6
