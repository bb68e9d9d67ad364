"""The reference training loop (`engine.training.run_steps`) and its pictures made fast, with the same bits.

Speed only; `engine.seam.fast("training")` hands this module to `engine.training`. The tricks,
each exact (tests/engine/test_training*.py check them against the reference, bit for bit):
- the minibatch graph of `nn.MLP.loss` runs as straight-line numpy (`engine.fast.flat.Network`):
  the ops' own forward, local and VJP functions called in the order the graph's backward pass
  calls them, without the graph's per-node bookkeeping;
- every parameter of a small network is a slice of one vector θ, and the optimiser's
  (elementwise) rule updates θ in one call per step instead of one per array;
- the loss curve is worked out a chunk of steps at a time: the network runs once over a stack
  of θs (X @ Wᵀ over the stack is numpy's matmul slice by slice, the very products of one pass);
- the heatmap, the neuron pictures and the accuracy run the prediction graph the same way
  (`predict`, `over_grid`), the grid's points made once per size and features;
- a generated data set is kept (`make_dataset`, bounded in bytes): every call of a run asks for
  the same one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np

from engine import data, optim
from engine.fast.flat import FlatLayout, Network, flat_slots, split_slots
from engine.training import Job, Steps, TrainState, layer_norms, next_batch

Array = np.ndarray
FLAT_MAX = 1 << 14  # parameters up to which θ is flat (every /train network within the default limits)


def _network(job: Job) -> Network:
    c = job.config
    return Network.of(
        job.model.sizes, job.model.activation, c.loss, float(c.l2), float(c.l1), bool(c.l2_biases)
    )


def stacked_losses(job: Job, layout: FlatLayout, thetas: list[Array], X: Array, Y: Array) -> list[float]:
    """The data loss over (X, Y) for each θ, the network run once over their stack."""
    return _network(job).stacked_losses(layout.split(np.stack(thetas)), X, Y)


def predict(job: Job, params: Mapping[str, Array], X: Array) -> dict[str, Array]:
    """nn.predict's values that the pages read: `out` and each layer's activations (h1, …, s)."""
    return _network(job).predict(params, X)


def over_grid(job: Job, params: Mapping[str, Array], size: int) -> tuple[Array, Array, list[Array]]:
    """engine.training._over_grid: axis, the output over the grid, every neuron's own grid."""
    axis, X = _grid(size, tuple(job.config.features))
    values = predict(job, params, X)
    neurons = [values[name].T.reshape(-1, size, size) for name in job.model.activations()]
    out = values["out"]
    return axis, out.reshape(size, size, *out.shape[1:]), neurons


@lru_cache(maxsize=32)
def _grid(size: int, names: tuple[str, ...]) -> tuple[Array, Array]:
    """The axis and the feature rows of a size × size grid of the data square (read-only: shared)."""
    axis, points = data.grid_points(size, data.SQUARE)
    X = data.features(points, names)
    axis.flags.writeable = X.flags.writeable = False
    return axis, X


DATA_BYTES = 8 << 20  # generated data sets kept: a class's few configurations, many times over
_datasets: OrderedDict[tuple, data.Dataset] = OrderedDict()
_data_lock = threading.Lock()


def make_dataset(
    name: str, samples: int, noise: float, test_fraction: float, seed: int, classes: int
) -> data.Dataset:
    """engine.data.make_dataset, kept by its arguments (least recently used out past DATA_BYTES);
    its arrays are read-only, as they are shared."""
    key = (name, samples, noise, test_fraction, seed, classes)
    with _data_lock:
        found = _datasets.get(key)
        if found is not None:
            _datasets.move_to_end(key)
            return found
    made = data.make_dataset(name, samples, noise, test_fraction, seed, classes)
    for array in (made.train_x, made.train_y, made.test_x, made.test_y):
        array.flags.writeable = False
    with _data_lock:
        _datasets[key] = made
        while sum(_bytes(d) for d in _datasets.values()) > DATA_BYTES and len(_datasets) > 1:
            _datasets.popitem(last=False)
    return made


def _bytes(made: data.Dataset) -> int:
    return sum(a.nbytes for a in (made.train_x, made.train_y, made.test_x, made.test_y))


class _Curve:
    """Train and test loss after each step, a chunk of steps at a time."""

    ELEMENTS = 1 << 18  # values of one layer over a chunk: bounds the memory of a long call

    def __init__(self, job: Job, layout: FlatLayout):
        self.job, self.layout = job, layout
        self.splits = [(job.X_train, job.Y_train), (job.X_test, job.Y_test)]
        rows = max(len(X) for X, _ in self.splits)
        self.chunk = max(1, self.ELEMENTS // max(1, rows * max(job.model.sizes)))
        self.pending: list[Array] = []
        self.values: list[list[float | None]] = [[], []]

    def add(self, theta: Array) -> None:
        self.pending.append(theta)
        if len(self.pending) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        for values, (X, Y) in zip(self.values, self.splits, strict=True):
            if len(X):
                values.extend(stacked_losses(self.job, self.layout, self.pending, X, Y))
            else:
                values.extend([None] * len(self.pending))
        self.pending = []


def run_steps(
    job: Job, state: TrainState, steps: int, curve: bool, on_step: Callable[[int], None] | None
) -> Steps:
    """`engine.training.run_steps` with the network as straight-line numpy, the curve stacked and,
    for a small network, θ flat (a large one gains nothing from it: gathering a big ∂L/∂W into θ
    is one more pass over it than updating W where it lies)."""
    c, model = job.config, job.model
    step_gradients = _network(job).gradients
    layout = FlatLayout.of(model)
    flat = flat_slots(c.optimizer, state.optimizer, layout) if layout.size <= FLAT_MAX else None
    theta = layout.flatten(state.params) if flat is not None else None
    params, slots = state.params, state.optimizer
    rule = optim.optimizer(c.optimizer).rule
    curves = _Curve(job, layout) if curve else None
    n = len(job.Y_train)
    norms = []
    epoch, lr = None, job.base_lr
    # A diverging run yields inf/NaN, carried like any value: errstate set once for the whole
    # loop (entering it costs more than a small network's update).
    with np.errstate(all="ignore"):
        for _ in range(steps):
            batch, state = next_batch(c, state, n)
            if state.epoch != epoch:  # the schedule moves once per epoch
                epoch, lr = state.epoch, job.lr(state.epoch)
            current = layout.split(theta) if flat is not None else params
            grads = step_gradients(current, job.X_train[batch], job.Y_train[batch])
            if flat is not None:  # one update of θ
                flat, gradient = dict(flat), layout.flatten(grads)
                theta = rule(theta, gradient, flat, job.hyper, lr)
            else:
                params, slots = optim.step(c.optimizer, params, grads, slots, job.hyper, lr)
            state = TrainState(
                state.params, state.optimizer, state.order, state.position, state.epoch, state.step + 1
            )
            norms.append(layer_norms(model, grads) if flat is None else layout.norms(gradient))
            if curves is not None:
                curves.add(theta if flat is not None else layout.flatten(params))
            if on_step is not None:
                on_step(state.step)
    loss_curve: dict[str, list[float | None]] = {"train": [], "test": []}
    if curves is not None:
        curves.flush()
        loss_curve = {"train": curves.values[0], "test": curves.values[1]}
    if flat is not None:
        params, slots = layout.split(theta), split_slots(flat, layout)
    return Steps(
        TrainState(params, slots, state.order, state.position, state.epoch, state.step), loss_curve, norms
    )
