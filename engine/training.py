"""Training as a pure function of (configuration, state).

    result = train(config, steps=100)                       # from a fresh, seeded start
    half = train(config, steps=50); rest = train(config, half.state, steps=50)
    # rest.state equals result.state bit for bit

A step takes the next minibatch of the current epoch's seeded permutation of the training
split (the last batch of an epoch may be smaller, as PyTorch's DataLoader gives it), runs the
minibatch graph forward and backward, and lets the optimiser update the parameters with the
schedule's rate for the epoch. The state holds everything that changes: parameters, optimiser
state, the epoch's data order and the position in it, the step count.

Within a call the parameters live in one vector θ (`engine.flat.FlatLayout`; W1, b1, … are views
of it), so the optimiser takes one elementwise update per step instead of one per array, with the
same bits.
The loss curve is worked out a chunk of steps at a time over a stack of θs (`nn.stacked_losses`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from engine import nn, optim
from engine.data import DATASETS, DEFAULT_FEATURES, SQUARE, Dataset, features, grid_points, make_dataset
from engine.errors import EngineError
from engine.flat import FlatLayout, flat_slots, layer_norms, split_slots

Array = np.ndarray


@dataclass(frozen=True)
class TrainConfig:
    """Everything that stays fixed during a run (DESIGN.md's /train body minus `steps`, `state`)."""

    dataset: str = "circle"
    samples: int = 200
    noise: float = 0.0
    test_fraction: float = 0.5
    data_seed: int = 0
    features: tuple[str, ...] = DEFAULT_FEATURES
    layers: tuple[int, ...] = (8, 4)
    activation: str = "tanh"
    init: str = "xavier_uniform"
    seed: int = 0  # initial parameters and the shuffling of every epoch
    loss: str = "logistic"
    optimizer: str = "adam"
    hyper: Mapping[str, object] = field(default_factory=lambda: {"lr": 0.03})
    schedule: str = "constant"
    schedule_params: Mapping[str, object] = field(default_factory=dict)
    l2: float = 0.0
    l2_biases: bool = False
    batch_size: int = 10

    def model(self) -> nn.MLP:
        outputs = 2 if self.loss == "cross_entropy" else 1
        return nn.MLP((len(self.features), *self.layers, outputs), self.activation)

    def data(self) -> Dataset:
        return _dataset(self.dataset, self.samples, self.noise, self.test_fraction, self.data_seed)

    def check(self) -> None:
        if self.dataset not in DATASETS:
            raise EngineError(
                "unknown_dataset", f"unknown data set '{self.dataset}' (known: {', '.join(DATASETS)})"
            )
        nn.check_choice(self.loss, nn.LOSSES, "loss")
        nn.check_choice(self.init, nn.INITS, "init")
        if not self.data().classification and self.loss != "mse":
            raise EngineError(
                "invalid_loss", f"'{self.dataset}' is a regression data set: use the loss 'mse'"
            )
        if self.batch_size < 1:
            raise EngineError("invalid_value", "batch_size must be at least 1")
        if not self.l2 >= 0:
            raise EngineError("invalid_value", "l2 must be ≥ 0")
        optim.hyperparameters(self.optimizer, self.hyper)
        optim.schedule_parameters(self.schedule, self.schedule_params)


@lru_cache(maxsize=16)
def _dataset(name: str, samples: int, noise: float, test_fraction: float, seed: int) -> Dataset:
    return make_dataset(name, samples, noise, test_fraction, seed)


@dataclass
class TrainState:
    """What one call hands to the next."""

    params: dict[str, Array]
    optimizer: optim.State
    order: Array  # the current epoch's permutation of the training split
    position: int  # how many of `order` this epoch has used
    epoch: int
    step: int


def completed_epochs(state: TrainState, n: int) -> int:
    """Full passes over the training split so far (the Playground's epoch counter)."""
    return state.epoch + (1 if state.position >= n else 0)


@dataclass
class TrainResult:
    state: TrainState
    epochs: int  # completed passes; the next step runs in epoch `epochs` (0-based)
    lr: float  # the rate the next step will use: the schedule at epoch `epochs`
    loss_curve: dict[str, list[float | None]]  # one entry per step of this call, after the step
    gradient_norms: list[list[float]]  # per step, per layer: ‖(∂L/∂W, ∂L/∂b)‖ of the minibatch
    metrics: dict[str, float | None]
    classification: bool
    grid: Array | None = None  # (size, size): grid[i][j] is the output at (axis[j], axis[i])
    axis: Array | None = None
    neurons: list[Array] | None = None  # per layer, (neurons, size, size), on the neuron grid


def epoch_order(seed: int, epoch: int, n: int) -> Array:
    """The seeded shuffle of epoch `epoch`: a pure function, so no generator state is carried."""
    return np.random.default_rng([seed, 2, epoch]).permutation(n)


def initial_state(config: TrainConfig) -> TrainState:
    model = config.model()
    params = model.init(config.init, config.seed)
    return TrainState(
        params=params,
        optimizer=optim.init_state(config.optimizer, params, config.hyper),
        order=epoch_order(config.seed, 0, len(config.data().train_y)),
        position=0,
        epoch=0,
        step=0,
    )


def check_state(config: TrainConfig, state: TrainState) -> TrainState:
    """A state handed back in must fit the configuration: shapes, names, order."""
    model = config.model()
    shapes = model.shapes()
    if set(state.params) != set(shapes):
        raise EngineError("invalid_state", "state parameters do not match the model's layers")
    params = {}
    for name, shape in shapes.items():
        value = np.asarray(state.params[name], dtype=np.float64)
        if value.shape != shape:
            raise EngineError(
                "invalid_state", f"state parameter {name} has shape {value.shape}, the model {shape}"
            )
        params[name] = value
    n = len(config.data().train_y)
    order = np.asarray(state.order)
    if order.shape != (n,) or not np.array_equal(np.sort(order), np.arange(n)):
        raise EngineError("invalid_state", f"state order must be a permutation of the {n} training points")
    if not 0 <= state.position <= n or state.epoch < 0 or state.step < 0:
        raise EngineError("invalid_state", "state position, epoch and step must be counts")
    fresh = optim.init_state(config.optimizer, params, config.hyper)
    slots = {}
    for name, expected in fresh.items():
        given = state.optimizer.get(name) if isinstance(state.optimizer, Mapping) else None
        if not isinstance(given, Mapping) or set(given) != set(expected):
            raise EngineError(
                "invalid_state", f"optimizer state for {name} does not match '{config.optimizer}'"
            )
        slots[name] = {
            key: _like(given[key], expected[key], shapes[name], f"{name}.{key}") for key in expected
        }
    return TrainState(
        params, slots, order.astype(np.intp), int(state.position), int(state.epoch), int(state.step)
    )


def _like(value: object, template: object, shape: tuple[int, ...], where: str) -> object:
    """One optimiser slot handed back in: a count, an array of the parameter's shape, or None."""
    if isinstance(template, int):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise EngineError("invalid_state", f"optimizer state {where} must be a count")
        return int(value)
    if value is None and template is None:
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise EngineError("invalid_state", f"optimizer state {where} must hold numbers") from None
    if array.shape != shape:
        raise EngineError("invalid_state", f"optimizer state {where} has shape {array.shape}, not {shape}")
    return array


def next_batch(config: TrainConfig, state: TrainState, n: int) -> tuple[Array, TrainState]:
    """Indices of the next minibatch, moving to a fresh permutation when the epoch is used up."""
    order, position, epoch = state.order, state.position, state.epoch
    if position >= n:
        epoch += 1
        order, position = epoch_order(config.seed, epoch, n), 0
    batch = order[position : position + config.batch_size]
    return batch, TrainState(state.params, state.optimizer, order, position + len(batch), epoch, state.step)


class _Curve:
    """Train and test loss after each step, worked out a chunk of steps at a time: the network
    runs once over a stack of parameter vectors (see nn.stacked_losses)."""

    ELEMENTS = 1 << 18  # values of one layer over a chunk: bounds the memory of a long call

    def __init__(self, model: nn.MLP, layout: FlatLayout, splits: list[tuple[Array, Array]], loss: str):
        self.model, self.layout, self.splits, self.loss = model, layout, splits, loss
        rows = max(len(X) for X, _ in splits)
        self.chunk = max(1, self.ELEMENTS // max(1, rows * max(model.sizes)))
        self.pending: list[Array] = []
        self.values: list[list[float | None]] = [[] for _ in splits]

    def add(self, theta: Array) -> None:
        self.pending.append(theta)
        if len(self.pending) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        stacks = self.layout.split(np.stack(self.pending))
        for values, (X, Y) in zip(self.values, self.splits, strict=True):
            if len(X):
                values.extend(nn.stacked_losses(self.model, stacks, X, Y, self.loss))
            else:
                values.extend([None] * len(self.pending))
        self.pending = []


def train(
    config: TrainConfig,
    state: TrainState | None = None,
    steps: int = 1,
    grid_size: int | None = 40,
    neuron_grid_size: int | None = None,
    curve: bool = True,
    on_step: Callable[[int], None] | None = None,
) -> TrainResult:
    """`steps` minibatch updates from `state` (a fresh seeded start when None).

    `on_step(k)` runs after step k of this call; it may raise to abandon the call (a deadline)."""
    config.check()
    model, data = config.model(), config.data()
    state = initial_state(config) if state is None else check_state(config, state)
    X_train = features(data.train_x, config.features)
    X_test = features(data.test_x, config.features)
    outputs = model.sizes[-1]
    Y_train = nn.targets(config.loss, data.train_y, outputs)
    Y_test = nn.targets(config.loss, data.test_y, outputs)
    n = len(Y_train)
    base_lr = float(optim.hyperparameters(config.optimizer, config.hyper)["lr"])
    layout = FlatLayout.of(model)
    theta = layout.flatten(state.params)
    flat = flat_slots(config.optimizer, state.optimizer, layout)
    slots = state.optimizer
    curves = _Curve(model, layout, [(X_train, Y_train), (X_test, Y_test)], config.loss) if curve else None
    norms: list[list[float]] = []
    step, epoch, lr = state.step, None, base_lr
    for _ in range(steps):
        batch, state = next_batch(config, state, n)
        if state.epoch != epoch:  # the schedule moves once per epoch
            epoch = state.epoch
            lr = optim.learning_rate(base_lr, config.schedule, epoch, config.schedule_params)
        _, grads = nn.loss_and_gradients(
            model,
            layout.split(theta),
            X_train[batch],
            Y_train[batch],
            config.loss,
            config.l2,
            config.l2_biases,
        )
        gradient = layout.flatten(grads)
        if flat is not None:  # one update of θ
            new, moved = optim.step(
                config.optimizer, {"θ": theta}, {"θ": gradient}, {"θ": flat}, config.hyper, lr
            )
            theta, flat = new["θ"], moved["θ"]
        else:
            params, slots = optim.step(config.optimizer, layout.split(theta), grads, slots, config.hyper, lr)
            theta = layout.flatten(params)
        step += 1
        norms.append(layer_norms(layout, gradient))
        if curves is not None:
            curves.add(theta)
        if on_step is not None:
            on_step(step)
    loss_curve: dict[str, list[float | None]] = {"train": [], "test": []}
    if curves is not None:
        curves.flush()
        loss_curve = {"train": curves.values[0], "test": curves.values[1]}
    last = {split: values[-1] for split, values in loss_curve.items()} if curve and steps else None
    params = layout.split(theta)
    slots = split_slots(flat, layout) if flat is not None else slots
    state = TrainState(params, slots, state.order, state.position, state.epoch, step)
    completed = completed_epochs(state, n)
    result = TrainResult(
        state=state,
        epochs=completed,
        lr=optim.learning_rate(base_lr, config.schedule, completed, config.schedule_params),
        loss_curve=loss_curve,
        gradient_norms=norms,
        metrics=metrics(config, model, state.params, data, last),
        classification=data.classification,
    )
    if grid_size:
        result.axis, result.grid = _over_grid(config, model, state.params, grid_size)[:2]
    if neuron_grid_size:
        result.neurons = _over_grid(config, model, state.params, neuron_grid_size)[2]
    return result


def _over_grid(
    config: TrainConfig, model: nn.MLP, params: Mapping[str, Array], size: int
) -> tuple[Array, Array, list[Array]]:
    """Axis, the output over a size × size grid of the data square, and every neuron's own grid."""
    axis, points = grid_points(size, SQUARE)
    values = nn.predict(model, params, features(points, config.features), config.loss)
    neurons = [values[name].T.reshape(-1, size, size) for name in model.activations()]
    return axis, values["out"].reshape(size, size), neurons


def _split_loss(model: nn.MLP, params: Mapping[str, Array], X: Array, Y: Array, loss: str) -> float | None:
    return nn.evaluate_loss(model, params, X, Y, loss) if len(X) else None


def metrics(
    config: TrainConfig,
    model: nn.MLP,
    params: Mapping[str, Array],
    data: Dataset,
    losses: Mapping[str, float | None] | None = None,
) -> dict:
    """Data loss (no L2 term) on each split and, for classification, accuracy at threshold 0.5.

    `losses` are the split losses when already known (the loss curve's last entries: the same bits)."""
    result: dict[str, float | None] = {}
    outputs = model.sizes[-1]
    for split, X, y in (("train", data.train_x, data.train_y), ("test", data.test_x, data.test_y)):
        Xf = features(X, config.features)
        result[f"{split}_loss"] = (
            losses[split]
            if losses is not None
            else _split_loss(model, params, Xf, nn.targets(config.loss, y, outputs), config.loss)
        )
        if data.classification:
            if len(X) == 0:
                result[f"{split}_accuracy"] = None
                continue
            out = nn.predict(model, params, Xf, config.loss)["out"]
            result[f"{split}_accuracy"] = float(np.mean((out >= 0.5) == (y == 1)))
    return result


def minibatch_graph(config: TrainConfig, state: TrainState | None = None, size: int = 4) -> tuple[str, dict]:
    """Source and inputs of the network's graph for the next `size` points (the graph playground's)."""
    config.check()
    state = initial_state(config) if state is None else check_state(config, state)
    data, model = config.data(), config.model()
    n = len(data.train_y)
    order = state.order if state.position < n else epoch_order(config.seed, state.epoch + 1, n)
    start = state.position if state.position < n else 0
    batch = order[start : start + size]
    if len(batch) < size:
        batch = np.concatenate([batch, order[: size - len(batch)]])
    X = features(data.train_x[batch], config.features)
    y = nn.targets(config.loss, data.train_y[batch], model.sizes[-1])
    return nn.minibatch_source(model, state.params, X, y, config.loss, config.l2, config.l2_biases)
