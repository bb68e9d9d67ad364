"""A training run's configuration and state: what `engine.training`'s loop reads and hands back.

`TrainConfig` is everything one call holds fixed, `TrainState` everything that changes (so it
is passed from one call to the next), `Job` the configuration worked out once per call (model,
features of each split, targets). `initial_state` and `check_state` make and check a state;
`epoch_order` is the seeded shuffle of an epoch, a pure function of (seed, epoch).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from engine import nn, optim, seam
from engine.data import DATASETS, DEFAULT_FEATURES, Dataset, custom, features, make_dataset
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
        fast = seam.fast("training")  # a cache of jobs by configuration, when present
        return fast.job(config) if fast is not None else cls.made(config)

    @classmethod
    def made(cls, config: TrainConfig) -> Job:
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


def check_state(
    config: TrainConfig, state: TrainState, data: Dataset | None = None, model: nn.MLP | None = None
) -> TrainState:
    """A state handed back in must fit the configuration: shapes, names, order, counts."""
    data = data or config.data()
    shapes = (model or config.model(data)).shapes()
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
    starts = optim.optimizer(config.optimizer).state  # each slot's start: a count, none or an array
    slots = {}
    for name in params:
        given = state.optimizer.get(name) if isinstance(state.optimizer, Mapping) else None
        if not isinstance(given, Mapping) or set(given) != set(starts):
            raise EngineError(
                "invalid_state", f"optimizer state for {name} does not match '{config.optimizer}'"
            )
        slots[name] = {
            key: _like(given[key], start, shapes[name], f"{name}.{key}") for key, start in starts.items()
        }
    return TrainState(
        params, slots, order.astype(np.intp), int(state.position), int(state.epoch), int(state.step)
    )


def _array(value: object, where: str) -> Array:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise EngineError("invalid_state", f"state {where} must hold numbers") from None


def _like(value: object, start: str, shape: tuple[int, ...], where: str) -> object:
    """One optimiser slot handed back in, by how the optimiser declares its start (optim.init_state):
    a count; an array of the parameter's shape; or, for a slot that starts as None, None or that array."""
    if start == "count":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= optim.MAX_COUNT:
            raise EngineError(
                "invalid_state", f"optimizer state {where} must be a count up to {optim.MAX_COUNT}"
            )
        return int(value)
    if value is None and start == "none":
        return None
    array = _array(value, f"optimizer {where}")
    if array.shape != shape:
        raise EngineError("invalid_state", f"optimizer state {where} has shape {array.shape}, not {shape}")
    return array
