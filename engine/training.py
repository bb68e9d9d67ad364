"""Training as a pure function of (configuration, state).

    result = train(config, steps=100)                       # from a fresh, seeded start
    half = train(config, steps=50); rest = train(config, half.state, steps=50)
    # rest.state equals result.state bit for bit

A step takes the next minibatch of the current epoch's seeded permutation of the training
split (the last batch of an epoch may be smaller, as PyTorch's DataLoader gives it), runs the
minibatch graph forward and backward, and lets the optimiser update each parameter with the
schedule's rate for the epoch. The state holds everything that changes: parameters, optimiser
state, the epoch's data order and the position in it, the step count. Nothing else carries over,
so a call may change the learning rate, L1/L2, the optimiser's hyper-parameters, the schedule or
the batch size, and the run goes on as one run with those settings from that step would.

`run_steps` below is the reference loop. `engine.fast.training`, when present, runs the same
steps faster (every parameter as a slice of one vector, one optimiser update per step) with the
same bits; `engine.seam` chooses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from engine import nn, optim, seam
from engine.data import (
    DATASETS,
    DEFAULT_FEATURES,
    SQUARE,
    Dataset,
    custom,
    features,
    grid_points,
    make_dataset,
)
from engine.errors import EngineError

Array = np.ndarray


@dataclass(frozen=True)
class TrainConfig:
    """Everything one call holds fixed (DESIGN.md's /train body minus `steps`, `state`)."""

    dataset: str = "circle"
    samples: int = 200
    noise: float = 0.0
    test_fraction: float = 0.5
    data_seed: int = 0
    classes: int = 2  # gauss and spiral: 2 … 5
    points: tuple[tuple[float, float, float], ...] = ()  # dataset "custom": [x1, x2, label]
    task: str = "classification"  # dataset "custom": or "regression" (the label is a target)
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
    l1: float = 0.0
    l2_biases: bool = False  # the penalties cover the biases too
    batch_size: int = 10

    def data(self) -> Dataset:
        if self.dataset == "custom":
            return custom(self.points, self.task, self.test_fraction, self.data_seed)
        fast = seam.fast("training")  # a cache of generated sets, when present
        return (fast.make_dataset if fast is not None else make_dataset)(
            self.dataset, self.samples, self.noise, self.test_fraction, self.data_seed, self.classes
        )

    def model(self, data: Dataset | None = None) -> nn.MLP:
        """The network: one output, or one per class with cross-entropy."""
        outputs = (data or self.data()).classes if self.loss == "cross_entropy" else 1
        return nn.MLP((len(self.features), *self.layers, outputs), self.activation)

    def check(self) -> Dataset:
        """Every choice known and every number possible; returns the data set."""
        if self.dataset not in DATASETS and self.dataset != "custom":
            raise EngineError(
                "unknown_dataset",
                f"unknown data set '{self.dataset}' (known: {', '.join(DATASETS)}, custom)",
                params={"name": self.dataset, "known": [*DATASETS, "custom"]},
            )
        nn.check_choice(self.loss, nn.LOSSES, "loss")
        nn.check_choice(self.init, nn.INITS, "init")
        data = self.data()
        if not data.classification and self.loss != "mse":
            raise EngineError(
                "invalid_loss",
                f"'{self.dataset}' is a regression data set: use the loss 'mse'",
                params={"reason": "regression", "name": self.dataset, "field": "mse"},
            )
        if data.classes > 2 and self.loss != "cross_entropy":
            raise EngineError(
                "invalid_loss",
                f"{data.classes} classes need one output per class: use the loss 'cross_entropy'",
                params={"reason": "classes", "count": data.classes, "field": "cross_entropy"},
            )
        if self.batch_size < 1:
            raise EngineError(
                "invalid_value", "batch_size must be at least 1", params={"field": "batch_size", "min": 1}
            )
        if not (self.l2 >= 0 and self.l1 >= 0):
            raise EngineError("invalid_value", "l2 and l1 must be ≥ 0", params={"field": "l2, l1", "min": 0})
        optim.hyperparameters(self.optimizer, self.hyper)
        optim.schedule_parameters(self.schedule, self.schedule_params)
        return data


@dataclass
class TrainState:
    """What one call hands to the next."""

    params: dict[str, Array]
    optimizer: optim.State
    order: Array  # the current epoch's permutation of the training split
    position: int  # how many of `order` this epoch has used
    epoch: int
    step: int


@dataclass
class TrainResult:
    state: TrainState
    epochs: int  # completed passes; the next step runs in epoch `epochs` (0-based)
    lr: float  # the rate the next step will use: the schedule at epoch `epochs`
    loss_curve: dict[str, list[float | None]]  # one entry per step of this call, after the step
    gradient_norms: list[list[float]]  # per step, per layer: ‖(∂L/∂W, ∂L/∂b)‖ of the minibatch
    metrics: dict[str, float | None]
    classes: int  # 0 for regression
    grid: Array | None = None  # (size, size): grid[i][j] is the output at (axis[j], axis[i])
    grid_class: Array | None = None  # cross-entropy: the predicted class per cell …
    grid_confidence: Array | None = None  # … and its probability
    axis: Array | None = None
    neurons: list[Array] | None = None  # per layer, (neurons, size, size), on the neuron grid

    @property
    def classification(self) -> bool:
        return self.classes > 0


@dataclass(frozen=True)
class Job:
    """One call's fixed inputs, worked out once: the model, the features of each split, the targets."""

    config: TrainConfig
    model: nn.MLP
    data: Dataset
    X_train: Array
    Y_train: Array
    X_test: Array
    Y_test: Array
    base_lr: float
    hyper: Mapping[str, object]

    @classmethod
    def of(cls, config: TrainConfig) -> Job:
        data = config.check()
        model = config.model(data)
        outputs = model.sizes[-1]
        hyper = optim.hyperparameters(config.optimizer, config.hyper)
        return cls(
            config,
            model,
            data,
            features(data.train_x, config.features),
            nn.targets(config.loss, data.train_y, outputs),
            features(data.test_x, config.features),
            nn.targets(config.loss, data.test_y, outputs),
            float(hyper["lr"]),
            hyper,
        )

    def lr(self, epoch: int) -> float:
        c = self.config
        return optim.learning_rate(self.base_lr, c.schedule, epoch, c.schedule_params)


def epoch_order(seed: int, epoch: int, n: int) -> Array:
    """The seeded shuffle of epoch `epoch`: a pure function, so no generator state is carried."""
    return np.random.default_rng([seed, 2, epoch]).permutation(n)


def completed_epochs(state: TrainState, n: int) -> int:
    """Full passes over the training split so far (the Playground's epoch counter)."""
    return state.epoch + (1 if state.position >= n else 0)


def initial_state(config: TrainConfig, data: Dataset | None = None) -> TrainState:
    data = data or config.data()
    params = config.model(data).init(config.init, config.seed)
    return TrainState(
        params=params,
        optimizer=optim.init_state(config.optimizer, params, config.hyper),
        order=epoch_order(config.seed, 0, len(data.train_y)),
        position=0,
        epoch=0,
        step=0,
    )


def check_state(config: TrainConfig, state: TrainState, data: Dataset | None = None) -> TrainState:
    """A state handed back in must fit the configuration: shapes, names, order, counts."""
    data = data or config.data()
    shapes = config.model(data).shapes()
    if not isinstance(state.params, Mapping) or set(state.params) != set(shapes):
        raise EngineError("invalid_state", "state parameters do not match the model's layers")
    params = {}
    for name, shape in shapes.items():
        value = _array(state.params[name], f"parameter {name}")
        if value.shape != shape:
            raise EngineError(
                "invalid_state", f"state parameter {name} has shape {value.shape}, the model {shape}"
            )
        params[name] = value
    n = len(data.train_y)
    order = np.asarray(state.order)
    if order.shape != (n,) or not np.array_equal(np.sort(order), np.arange(n)):
        raise EngineError("invalid_state", f"state order must be a permutation of the {n} training points")
    counts = (state.position, state.epoch, state.step)
    if not 0 <= state.position <= n or not all(0 <= c <= optim.MAX_COUNT for c in counts):
        raise EngineError(
            "invalid_state", f"state position, epoch and step must be counts up to {optim.MAX_COUNT}"
        )
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


def _array(value: object, where: str) -> Array:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise EngineError("invalid_state", f"state {where} must hold numbers") from None


def _like(value: object, template: object, shape: tuple[int, ...], where: str) -> object:
    """One optimiser slot handed back in: a count, an array of the parameter's shape, or None."""
    if isinstance(template, int):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= optim.MAX_COUNT:
            raise EngineError(
                "invalid_state", f"optimizer state {where} must be a count up to {optim.MAX_COUNT}"
            )
        return int(value)
    if value is None and template is None:
        return None
    array = _array(value, f"optimizer {where}")
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


def layer_norms(model: nn.MLP, grads: Mapping[str, Array]) -> list[float]:
    """‖(∂L/∂W, ∂L/∂b)‖ per layer: how strongly each layer is being pushed."""
    norms = []
    for layer in model.layers:  # (under train's errstate: a diverging run's norm is inf or NaN)
        w, b = grads[layer.W.name].ravel(), grads[layer.b.name].ravel()
        norms.append(math.sqrt(float(w.dot(w)) + float(b.dot(b))))
    return norms


@dataclass
class Steps:
    """What `run_steps` hands back: the new state, the curves, the gradient norms."""

    state: TrainState
    loss_curve: dict[str, list[float | None]]
    gradient_norms: list[list[float]]


def run_steps(
    job: Job, state: TrainState, steps: int, curve: bool, on_step: Callable[[int], None] | None
) -> Steps:
    """The reference loop: minibatch, forward and backward through the graph, each parameter
    updated by the optimiser's rule, then (with `curve`) the data loss on each split."""
    c, model = job.config, job.model
    graph = model.graph(c.loss, c.l2, c.l1, c.l2_biases)
    loss_graph = model.graph(c.loss)
    n = len(job.Y_train)
    curves: dict[str, list[float | None]] = {"train": [], "test": []}
    norms = []
    for _ in range(steps):
        batch, state = next_batch(c, state, n)
        _, grads = nn.loss_and_gradients(
            model, state.params, job.X_train[batch], job.Y_train[batch], graph=graph
        )
        params, slots = optim.step(
            c.optimizer, state.params, grads, state.optimizer, job.hyper, job.lr(state.epoch)
        )
        state = TrainState(params, slots, state.order, state.position, state.epoch, state.step + 1)
        norms.append(layer_norms(model, grads))
        if curve:
            for split, X, Y in (("train", job.X_train, job.Y_train), ("test", job.X_test, job.Y_test)):
                curves[split].append(
                    nn.evaluate_loss(model, params, X, Y, c.loss, loss_graph) if len(X) else None
                )
        if on_step is not None:
            on_step(state.step)
    return Steps(state, curves, norms)


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

    `on_step(k)` runs after step k of this call; it may raise to abandon the call (a deadline).
    A diverging run's inf and NaN are carried like any value, without a warning."""
    with np.errstate(all="ignore"):
        return _train(config, state, steps, grid_size, neuron_grid_size, curve, on_step)


def _train(
    config: TrainConfig,
    state: TrainState | None = None,
    steps: int = 1,
    grid_size: int | None = 40,
    neuron_grid_size: int | None = None,
    curve: bool = True,
    on_step: Callable[[int], None] | None = None,
) -> TrainResult:
    job = Job.of(config)
    state = initial_state(config, job.data) if state is None else check_state(config, state, job.data)
    fast = seam.fast("training")
    done = (fast.run_steps if fast is not None else run_steps)(job, state, steps, curve, on_step)
    state = done.state
    completed = completed_epochs(state, len(job.Y_train))
    last = {split: values[-1] for split, values in done.loss_curve.items()} if curve and steps else None
    result = TrainResult(
        state=state,
        epochs=completed,
        lr=job.lr(completed),
        loss_curve=done.loss_curve,
        gradient_norms=done.gradient_norms,
        metrics=metrics(job, state.params, last),
        classes=job.data.classes,
    )
    if grid_size:
        result.axis, out, _ = _over_grid(job, state.params, grid_size)
        if config.loss == "cross_entropy":
            result.grid_class, result.grid_confidence = out.argmax(axis=-1), out.max(axis=-1)
            out = out[..., 1] if out.shape[-1] == 2 else result.grid_confidence
        result.grid = out
    if neuron_grid_size:
        result.neurons = _over_grid(job, state.params, neuron_grid_size)[2]
    return result


def _over_grid(job: Job, params: Mapping[str, Array], size: int) -> tuple[Array, Array, list[Array]]:
    """Axis, the output over a size × size grid of the data square, and every neuron's own grid."""
    fast = seam.fast("training")
    if fast is not None:
        return fast.over_grid(job, params, size)
    axis, points = grid_points(size, SQUARE)
    values = predict(job, params, features(points, job.config.features))
    neurons = [values[name].T.reshape(-1, size, size) for name in job.model.activations()]
    out = values["out"]
    return axis, out.reshape(size, size, *out.shape[1:]), neurons


def predict(job: Job, params: Mapping[str, Array], X: Array) -> dict[str, Array]:
    """The prediction graph's values on X: `out`, and each layer's activations (nn.predict;
    engine.fast.training's when present, with the same bits)."""
    fast = seam.fast("training")
    if fast is not None:
        return fast.predict(job, params, X)
    return nn.predict(job.model, params, X, job.config.loss)


def predicted_class(job: Job, out: Array) -> Array:
    """The class each output stands for: argmax of the probabilities, or class 1 at ≥ 0.5."""
    return out.argmax(axis=1) if out.ndim == 2 else (out >= 0.5).astype(np.intp)


def metrics(job: Job, params: Mapping[str, Array], losses: Mapping[str, float | None] | None = None) -> dict:
    """Data loss (no penalty) on each split and, for classification, the accuracy.

    `losses` are the split losses when already known (the loss curve's last entries: the same bits)."""
    result: dict[str, float | None] = {}
    c, model = job.config, job.model
    for split, X, Y, y in (
        ("train", job.X_train, job.Y_train, job.data.train_y),
        ("test", job.X_test, job.Y_test, job.data.test_y),
    ):
        if losses is not None:
            result[f"{split}_loss"] = losses[split]
        else:
            result[f"{split}_loss"] = nn.evaluate_loss(model, params, X, Y, c.loss) if len(X) else None
        if job.data.classification:
            if len(X) == 0:
                result[f"{split}_accuracy"] = None
                continue
            out = predict(job, params, X)["out"]
            result[f"{split}_accuracy"] = float(np.mean(predicted_class(job, out) == y))
    return result


def minibatch_graph(config: TrainConfig, state: TrainState | None = None, size: int = 4) -> tuple[str, dict]:
    """Source and inputs of the network's graph for the next `size` points (the graph playground's)."""
    job = Job.of(config)
    state = initial_state(config, job.data) if state is None else check_state(config, state, job.data)
    n = len(job.Y_train)
    order = state.order if state.position < n else epoch_order(config.seed, state.epoch + 1, n)
    start = state.position if state.position < n else 0
    batch = order[start : start + size]
    if len(batch) < size:
        batch = np.concatenate([batch, order[: size - len(batch)]])
    return nn.minibatch_source(
        job.model,
        state.params,
        job.X_train[batch],
        job.Y_train[batch],
        config.loss,
        config.l2,
        config.l2_biases,
        config.l1,
    )
