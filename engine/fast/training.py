"""The reference training loop (`engine.training.run_steps`) made fast, with the same bits.

Speed only; `engine.seam.fast("training")` hands this module to `engine.training.train`. Four
tricks, each exact (tests/engine/test_training.py checks them against the reference, bit for bit):
- each Wᵀ is handed to the graph as the view W.T instead of computed by a transpose node;
- every parameter of a small network is a slice of one vector θ, and the optimiser's
  (elementwise) rule updates θ in one call per step instead of one per array (`engine.fast.flat`);
- the minibatch graph of a configuration is built once per process, not once per call;
- the loss curve is worked out a chunk of steps at a time: the network runs once over a stack
  of θs (X @ Wᵀ over the stack is numpy's matmul slice by slice, the very products of one pass).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np

from engine import nn, optim
from engine.builder import Expr, Var, build_graph, fn
from engine.fast.flat import FlatLayout, flat_slots, split_slots
from engine.graph import Graph
from engine.training import Job, Steps, TrainState, layer_norms, next_batch

Array = np.ndarray
FLAT_MAX = 1 << 14  # parameters up to which θ is flat (every /train network within the default limits)


def _scores(sizes: tuple[int, ...], activation: str) -> tuple[Expr, list[Expr]]:
    """MLP(sizes)(X) with each Wᵀ handed in as the input `W1_T` (the view W.T, or a stack of them
    (S, in, out)): X @ W.T is the very product X @ transpose(W) computes, without the transpose
    node's forward and backward. Returns the scores and the parameters W1_T, b1, …"""
    h, parameters = Var("X"), []
    layers = len(sizes) - 1
    for k in range(1, layers + 1):
        weight, bias = Var(f"W{k}_T"), Var(f"b{k}")
        parameters += [weight, bias]
        z = h @ weight + bias
        h = z if k == layers or activation == "linear" else getattr(fn, activation)(z)
    return h.named("s"), parameters


@lru_cache(maxsize=64)
def _graph(sizes: tuple[int, ...], activation: str, loss: str, l2: float, l1: float, biases: bool) -> Graph:
    """nn.MLP.loss with Wᵀ handed in: the same terms in the same order (so fan-outs sum alike)."""
    s, parameters = _scores(sizes, activation)
    total = nn.data_loss(loss, s, Var("y"))
    penalised = parameters if biases else parameters[::2]
    if l2 > 0:
        total = total + l2 / 2 * nn.add_all(fn.sum(w * w) for w in penalised)
    if l1 > 0:
        total = total + l1 * nn.add_all(fn.sum(fn.abs(w)) for w in penalised)
    return build_graph(total.named("loss"))


@lru_cache(maxsize=64)
def _scores_graph(sizes: tuple[int, ...], activation: str) -> Graph:
    return build_graph(_scores(sizes, activation)[0])


@lru_cache(maxsize=64)
def _given(sizes: tuple[int, ...]) -> tuple[tuple[str, str], ...]:
    """(parameter, the graph's input): W1 travels as W1_T, b1 as itself."""
    return tuple(
        (name, f"{name}_T" if name[0] == "W" else name)
        for k in range(1, len(sizes))
        for name in (f"W{k}", f"b{k}")
    )


@lru_cache(maxsize=8)
def _loss_graph(loss: str) -> Graph:
    return build_graph(nn.data_loss(loss, Var("s"), Var("y")).named("loss"))


def gradients(
    model: nn.MLP, loss: str, l2: float = 0.0, l1: float = 0.0, biases: bool = False
) -> Callable[[Mapping[str, Array], Array, Array], dict[str, Array]]:
    """`(params, X, y) -> ∂loss/∂parameter` through the cached Wᵀ graph: nn.loss_and_gradients'
    gradients, bit for bit."""
    graph = _graph(model.sizes, model.activation, loss, float(l2), float(l1), bool(biases))
    given = _given(model.sizes)
    wrt = tuple(name for _, name in given)

    def run(params: Mapping[str, Array], X: Array, y: Array) -> dict[str, Array]:
        inputs = {name: params[key].T if name != key else params[key] for key, name in given}
        inputs["X"], inputs["y"] = X, y
        _, by_input = graph.value_and_gradients(inputs, wrt=wrt)
        return {key: by_input[name].T if name != key else by_input[name] for key, name in given}

    return run


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
    step_gradients = gradients(model, c.loss, c.l2, c.l1, c.l2_biases)
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
                flat = dict(flat)
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
