"""The reference training loop (`engine.training.run_steps`) and its pictures made fast, with the same bits.

Speed only; `engine.seam.fast("training")` hands this module to `engine.training`. The tricks,
each exact (tests/engine/test_training*.py check them against the reference, bit for bit):
- the minibatch graph of `nn.MLP.loss` runs as straight-line numpy (`engine.fast.flat.Network`):
  the ops' own forward, local and VJP functions called in the order the graph's backward pass
  calls them, without the graph's per-node bookkeeping;
- every parameter of a small network is a view of one vector θ and its gradient a view of
  another (`FlatRun`): a step writes the gradient in place and the optimiser's (elementwise) rule
  updates θ in one call, with no dict, flatten or split per step;
- the loss curve is worked out a chunk of recorded steps at a time: the network runs once over
  a stack of θs (X @ Wᵀ over the stack is numpy's matmul slice by slice, the very products of
  one pass), and the metrics reuse the scores of its last entry;
- the heatmap, the neuron pictures and the accuracy run the prediction graph the same way
  (`predict`, `over_grid`), the grid's points made once per size and features;
- what every call of a run (and every student of a class) asks again is kept, bounded in bytes:
  the generated data set, the configuration's `Job`, each epoch's shuffle.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np

from engine import data, optim
from engine.fast.flat import FlatLayout, FlatRun, Network, flat_slots, split_slots
from engine.train_config import epoch_order as reference_order
from engine.training import Job, Steps, TrainConfig, TrainState, layer_norms, next_batch, predicted_class

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


class _Kept:
    """Values kept by key, least recently used out past `limit` bytes (the newest always stays);
    shared by every thread of a worker, so its arrays are made read-only."""

    def __init__(self, limit: int, size: Callable[[object], int]):
        self.limit, self.size, self.used = limit, size, 0
        self.values: OrderedDict[tuple, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], object]) -> object:
        with self.lock:
            found = self.values.get(key)
            if found is not None:
                self.values.move_to_end(key)
                return found
        made = make()
        with self.lock:
            if key not in self.values:
                self.values[key] = made
                self.used += self.size(made)
            while self.used > self.limit and len(self.values) > 1:
                self.used -= self.size(self.values.popitem(last=False)[1])
        return made


def _read_only(*arrays: Array) -> None:
    for array in arrays:
        array.flags.writeable = False


def _made(made: data.Dataset) -> data.Dataset:
    _read_only(made.train_x, made.train_y, made.test_x, made.test_y)
    return made


# A class's few configurations, many times over (a data set of the largest size is ~0.5 MB).
_datasets = _Kept(8 << 20, lambda d: sum(a.nbytes for a in (d.train_x, d.train_y, d.test_x, d.test_y)))
# Each epoch's shuffle, asked once per epoch by every student of a class with the same seed.
_orders = _Kept(4 << 20, lambda order: order.nbytes)


def make_dataset(
    name: str, samples: int, noise: float, test_fraction: float, seed: int, classes: int
) -> data.Dataset:
    """engine.data.make_dataset, kept by its arguments (its arrays read-only, as they are shared)."""
    key = (name, samples, noise, test_fraction, seed, classes)
    return _datasets.get(key, lambda: _made(data.make_dataset(*key)))


def _job_bytes(job: Job) -> int:
    return sum(a.nbytes for a in (job.X_train, job.Y_train, job.X_test, job.Y_test)) + 4096


# A configuration's job (its model, features and targets), asked by every frame of a run.
_jobs = _Kept(16 << 20, _job_bytes)


def job(config: TrainConfig) -> Job:
    """engine.train_config.Job.made, kept by the configuration's repr (which tells apart what
    == would not: −0.0 and 0.0, True and 1); a configuration that fails its checks is never kept."""

    def make() -> Job:
        made = Job.made(config)
        _read_only(made.X_train, made.Y_train, made.X_test, made.Y_test)
        return made

    return _jobs.get((repr(config),), make)


def epoch_order(seed: int, epoch: int, n: int) -> Array:
    """engine.train_config.epoch_order, kept (a seeded generator costs more than an epoch's steps)."""

    def make() -> Array:
        order = reference_order(seed, epoch, n)
        _read_only(order)
        return order

    return _orders.get((seed, epoch, n), make)


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
        self.scores: dict[str, Array] = {}  # each split's scores at the newest θ (for the metrics)

    def add(self, theta: Array) -> None:
        self.pending.append(theta)
        if len(self.pending) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        network, stacks = _network(self.job), self.layout.split(np.stack(self.pending))
        for split, values, (X, Y) in zip(("train", "test"), self.values, self.splits, strict=True):
            if len(X):
                s = network.stacked_scores(stacks, X)
                values.extend(network.losses(s, Y))
                self.scores[split] = s[-1]
            else:
                values.extend([None] * len(self.pending))
        self.pending = []


def run_steps(
    job: Job,
    state: TrainState,
    steps: int,
    curve: bool,
    on_step: Callable[[int], None] | None,
    every: int = 1,
) -> Steps:
    """`engine.training.run_steps` with the network as straight-line numpy and the curve stacked;
    for a small network θ is flat (`_run_flat`), a large one's parameters are updated where they
    lie (gathering a big ∂L/∂W into θ is one more pass over it than updating W in place)."""
    layout = FlatLayout.of(job.model)
    flat = flat_slots(job.config.optimizer, state.optimizer, layout) if layout.size <= FLAT_MAX else None
    # A diverging run yields inf/NaN, carried like any value: errstate set once for the whole
    # loop (entering it costs more than a small network's update).
    with np.errstate(all="ignore"):
        if flat is not None:
            return _run_flat(job, state, steps, curve, on_step, every, layout, flat)
        return _run_apart(job, state, steps, curve, on_step, every, layout)


def _run_flat(
    job: Job,
    state: TrainState,
    steps: int,
    curve: bool,
    on_step: Callable[[int], None] | None,
    every: int,
    layout: FlatLayout,
    flat: dict[str, object],
) -> Steps:
    """The loop with θ and its gradient one vector each (`FlatRun`): per step the minibatch's
    rows, the gradient written in place, one optimiser update of θ; the epoch's order, position
    and step count kept as plain numbers (engine.training.next_batch's rule, inline)."""
    c = job.config
    run = FlatRun(layout, state.params)
    gradients, theta, gradient = _network(job).bound(run), run.theta, run.gradient
    rule, hyper = optim.optimizer(c.optimizer).rule, job.hyper
    X, Y, n, size = job.X_train, job.Y_train, len(job.Y_train), c.batch_size
    order, position, epoch, count = state.order, state.position, state.epoch, state.step
    curves = _Curve(job, layout) if curve else None
    norms, rate_epoch, lr = [], None, job.base_lr
    for _ in range(steps):
        if position >= n:  # the epoch is used up: the next one's seeded shuffle
            epoch, position = epoch + 1, 0
            order = epoch_order(c.seed, epoch, n)
        if epoch != rate_epoch:  # the schedule moves once per epoch
            rate_epoch, lr = epoch, job.lr(epoch)
        batch = order[position : position + size]
        position += len(batch)
        gradients(X[batch], Y[batch])  # into θ's gradient
        theta[...] = rule(theta, gradient, flat, hyper, lr)  # θ's views (params) see the update
        count += 1
        if count % every == 0:
            norms.append(run.norms())
            if curves is not None:
                curves.add(theta.copy())
        if on_step is not None:
            on_step(count)
    params, slots = layout.split(theta), split_slots(flat, layout)
    state = TrainState(params, slots, order, position, epoch, count)
    return Steps(state, _curve(curves), norms, curves.scores if curves is not None else None)


def _run_apart(
    job: Job,
    state: TrainState,
    steps: int,
    curve: bool,
    on_step: Callable[[int], None] | None,
    every: int,
    layout: FlatLayout,
) -> Steps:
    """The loop with each parameter updated where it lies (a large network, or SparseAdam)."""
    c, model = job.config, job.model
    gradients, n = _network(job).gradients, len(job.Y_train)
    curves = _Curve(job, layout) if curve else None
    norms, rate_epoch, lr = [], None, job.base_lr
    for _ in range(steps):
        batch, state = next_batch(c, state, n)
        if state.epoch != rate_epoch:
            rate_epoch, lr = state.epoch, job.lr(state.epoch)
        grads = gradients(state.params, job.X_train[batch], job.Y_train[batch])
        params, slots = optim.step(c.optimizer, state.params, grads, state.optimizer, job.hyper, lr)
        state = TrainState(params, slots, state.order, state.position, state.epoch, state.step + 1)
        if state.step % every == 0:
            norms.append(layer_norms(model, grads))
            if curves is not None:
                curves.add(layout.flatten(params))
        if on_step is not None:
            on_step(state.step)
    return Steps(state, _curve(curves), norms, curves.scores if curves is not None else None)


def _curve(curves: _Curve | None) -> dict[str, list[float | None]]:
    if curves is None:
        return {"train": [], "test": []}
    curves.flush()
    return {"train": curves.values[0], "test": curves.values[1]}


def metrics(
    job: Job,
    params: Mapping[str, Array],
    losses: Mapping[str, float | None] | None,
    scores: Mapping[str, Array] | None = None,
) -> dict:
    """engine.training.metrics with one forward pass per split: its scores give the loss (as
    the stacked curve computes it, a stack of one) and its output the accuracy. `scores` are
    the splits' scores at `params` when the curve's last entry already has them (no pass then)."""
    result: dict[str, float | None] = {}
    network, classification = _network(job), job.data.classification
    for split, X, Y, y in (
        ("train", job.X_train, job.Y_train, job.data.train_y),
        ("test", job.X_test, job.Y_test, job.data.test_y),
    ):
        if len(X) == 0:
            result[f"{split}_loss"] = losses[split] if losses is not None else None
            if classification:
                result[f"{split}_accuracy"] = None
            continue
        s = scores.get(split) if scores is not None else None
        if s is None and (classification or losses is None):
            s = network.predict(params, X)["s"]
        if losses is not None:
            result[f"{split}_loss"] = losses[split]
        else:
            result[f"{split}_loss"] = network.losses(s[None], Y)[0]
        if classification:
            out = network.output(s)
            result[f"{split}_accuracy"] = float(np.mean(predicted_class(job, out) == y))
    return result
