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
from dataclasses import dataclass

import numpy as np

from engine import nn, optim, seam
from engine.data import SQUARE, features, grid_points
from engine.train_config import (  # the configuration and the state, re-exported for callers
    Job,
    TrainConfig,
    TrainState,
    check_state,
    completed_epochs,
    epoch_order,
    initial_state,
)

__all__ = [
    "Job", "TrainConfig", "TrainResult", "TrainState", "check_state", "completed_epochs", "epoch_order",
    "initial_state", "metrics", "minibatch_graph", "predict", "run_steps", "train",
]  # fmt: skip

Array = np.ndarray


@dataclass
class TrainResult:
    state: TrainState
    epochs: int  # completed passes; the next step runs in epoch `epochs` (0-based)
    lr: float  # the rate the next step will use: the schedule at epoch `epochs`
    loss_curve: dict[str, list[float | None]]  # per recorded step of this call, after the step
    gradient_norms: list[list[float]]  # per recorded step, per layer: ‖(∂L/∂W, ∂L/∂b)‖ of the minibatch
    curve_steps: list[int]  # the recorded steps: those of this call whose count is a multiple of curve_every
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
    scores: Mapping[str, Array] | None = None  # the fast path's: each split's scores at the curve's last θ


def run_steps(
    job: Job,
    state: TrainState,
    steps: int,
    curve: bool,
    on_step: Callable[[int], None] | None,
    every: int = 1,
) -> Steps:
    """The reference loop: minibatch, forward and backward through the graph, each parameter
    updated by the optimiser's rule; after each step whose count is a multiple of `every`, its
    gradient norms and (with `curve`) the data loss on each split are recorded."""
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
        if state.step % every == 0:
            norms.append(layer_norms(model, grads))
            for split, X, Y in (("train", job.X_train, job.Y_train), ("test", job.X_test, job.Y_test)):
                if curve:
                    loss = nn.evaluate_loss(model, params, X, Y, c.loss, loss_graph) if len(X) else None
                    curves[split].append(loss)
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
    curve_every: int = 1,
) -> TrainResult:
    """`steps` minibatch updates from `state` (a fresh seeded start when None).

    The loss curve and the gradient norms are recorded after the steps whose count is a multiple
    of `curve_every` (every step by default; the page asks once per epoch, as the Playground's
    chart). `on_step(k)` runs after step k of this call; it may raise to abandon the call (a
    deadline). A diverging run's inf and NaN are carried like any value, without a warning."""
    with np.errstate(all="ignore"):
        return _train(config, state, steps, grid_size, neuron_grid_size, curve, on_step, curve_every)


def _train(
    config: TrainConfig,
    state: TrainState | None = None,
    steps: int = 1,
    grid_size: int | None = 40,
    neuron_grid_size: int | None = None,
    curve: bool = True,
    on_step: Callable[[int], None] | None = None,
    curve_every: int = 1,
) -> TrainResult:
    job = Job.of(config)
    first = (
        initial_state(config, job.data) if state is None else check_state(config, state, job.data, job.model)
    )
    fast = seam.fast("training")
    done = (fast.run_steps if fast is not None else run_steps)(job, first, steps, curve, on_step, curve_every)
    state = done.state
    completed = completed_epochs(state, len(job.Y_train))
    recorded = [k for k in range(first.step + 1, state.step + 1) if k % curve_every == 0]
    ends = curve and recorded and recorded[-1] == state.step  # the curve's last entry is this state's
    last = {split: values[-1] for split, values in done.loss_curve.items()} if ends else None
    result = TrainResult(
        state=state,
        epochs=completed,
        lr=job.lr(completed),
        loss_curve=done.loss_curve,
        gradient_norms=done.gradient_norms,
        curve_steps=recorded,
        metrics=metrics(job, state.params, last, done.scores if ends else None),
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


def metrics(
    job: Job,
    params: Mapping[str, Array],
    losses: Mapping[str, float | None] | None = None,
    scores: Mapping[str, Array] | None = None,
) -> dict:
    """Data loss (no penalty) on each split and, for classification, the accuracy.

    `losses` are the split losses when already known (the loss curve's last entries: the same bits);
    `scores`, the fast path's scores behind them."""
    fast = seam.fast("training")
    if fast is not None:  # one forward pass per split for both numbers, or none
        return fast.metrics(job, params, losses, scores)
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
    state = (
        initial_state(config, job.data) if state is None else check_state(config, state, job.data, job.model)
    )
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
