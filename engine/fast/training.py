"""The reference training loop (`engine.training.run_steps`) made fast, with the same bits.

Speed only; `engine.seam.fast("training")` hands this module to `engine.training.train`. Three
tricks, each exact:
- every parameter of a small network is a slice of one vector θ, and the optimiser's
  (elementwise) rule updates θ in one call per step instead of one per array (`engine.fast.flat`);
- the minibatch graph of a configuration is built once per process, not once per call;
- the loss curve is worked out a chunk of steps at a time: the network runs once over a stack
  of θs (X @ Wᵀ over the stack is numpy's matmul slice by slice, the very products of one pass).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from engine import nn, optim
from engine.builder import Var, build_graph, fn
from engine.fast.flat import FlatLayout, flat_slots, split_slots
from engine.graph import Graph
from engine.training import Job, Steps, TrainState, layer_norms, next_batch

Array = np.ndarray
FLAT_MAX = 1 << 14  # parameters up to which θ is flat (every /train network within the default limits)


@lru_cache(maxsize=64)
def _model(sizes: tuple[int, ...], activation: str) -> nn.MLP:
    return nn.MLP(sizes, activation)


@lru_cache(maxsize=64)
def _graph(sizes: tuple[int, ...], activation: str, loss: str, l2: float, l1: float, biases: bool) -> Graph:
    return _model(sizes, activation).graph(loss, l2, l1, biases)


@lru_cache(maxsize=64)
def _scores_graph(sizes: tuple[int, ...], activation: str) -> Graph:
    """The scores with each Wᵀ handed in as the input `W1_T` (a stack of them: (S, in, out))."""
    h = Var("X")
    layers = len(sizes) - 1
    for k in range(1, layers + 1):
        z = h @ Var(f"W{k}_T") + Var(f"b{k}")
        h = z if k == layers or activation == "linear" else getattr(fn, activation)(z)
    return build_graph(h.named("s"))


@lru_cache(maxsize=8)
def _loss_graph(loss: str) -> Graph:
    return build_graph(nn.data_loss(loss, Var("s"), Var("y")).named("loss"))


def stacked_losses(job: Job, layout: FlatLayout, thetas: list[Array], X: Array, Y: Array) -> list[float]:
    """The data loss over (X, Y) for each θ, the network run once over their stack."""
    model = job.model
    inputs: dict[str, Array] = {"X": X}
    for name, stack in layout.split(np.stack(thetas)).items():
        inputs[f"{name}_T" if name.startswith("W") else name] = (
            stack.mT if name.startswith("W") else stack[:, None, :]
        )
    scores = _scores_graph(model.sizes, model.activation).forward(inputs)[-1]
    graph = _loss_graph(job.config.loss)
    return [float(graph.forward({"s": s, "y": Y})[-1]) for s in scores]


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
    """`engine.training.run_steps` with the graph cached, the curve stacked and, for a small
    network, θ flat (a large one gains nothing from it: gathering a big ∂L/∂W into θ is one
    more pass over it than updating W where it lies)."""
    c, model = job.config, job.model
    graph = _graph(model.sizes, model.activation, c.loss, float(c.l2), float(c.l1), bool(c.l2_biases))
    wrt = model.parameter_names
    layout = FlatLayout.of(model)
    flat = flat_slots(c.optimizer, state.optimizer, layout) if layout.size <= FLAT_MAX else None
    theta = layout.flatten(state.params) if flat is not None else None
    params, slots = state.params, state.optimizer
    rule = optim.optimizer(c.optimizer).rule
    curves = _Curve(job, layout) if curve else None
    n = len(job.Y_train)
    norms = []
    epoch, lr = None, job.base_lr
    for _ in range(steps):
        batch, state = next_batch(c, state, n)
        if state.epoch != epoch:  # the schedule moves once per epoch
            epoch, lr = state.epoch, job.lr(state.epoch)
        inputs = layout.split(theta) if flat is not None else dict(params)
        inputs["X"], inputs["y"] = job.X_train[batch], job.Y_train[batch]
        _, grads = graph.value_and_gradients(inputs, wrt=wrt)
        if flat is not None:  # one update of θ
            flat = dict(flat)
            with np.errstate(all="ignore"):
                theta = rule(theta, layout.flatten(grads), flat, job.hyper, lr)
        else:
            params, slots = optim.step(c.optimizer, params, grads, slots, job.hyper, lr)
        state = TrainState(
            state.params, state.optimizer, state.order, state.position, state.epoch, state.step + 1
        )
        norms.append(layer_norms(model, grads))
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
