"""Neurons as layers, layers as a network — written as expression source and parsed into a Graph.

A network for a minibatch is one engine Graph: the data (`X`, `y`) and every parameter (`W1`,
`b1`, …) are its inputs, and ∂loss/∂W comes from `Graph.run(..., wrt=parameters)` — the same
chain rule the graph playground steps through, not a second backprop. The source text is the
single definition: `MLP.source()` is what trains, and what the playground opens.

    z1 = X @ transpose(W1) + b1        # Linear: z = Wx + b, W as (out, in) like PyTorch
    h1 = tanh(z1)
    s = h1 @ transpose(W2) + b2        # scores (linear output)
    loss = mse(s, y) + 0.0005 * (sum(W1 * W1) + sum(W2 * W2))    # + (λ/2)·Σ‖W‖²

Training runs the same statements with Wᵀ handed in as an input (`X @ W1_T`, W1_T = W1.T, a
view): the transpose node's value without the node, so a step skips its forward and backward.
X @ W1.T sees the very array `transpose(W1)` gives, so values and gradients are the same bits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from engine.errors import EngineError
from engine.graph import Graph
from engine.parser import parse

Array = np.ndarray
ACTIVATIONS = ("sigmoid", "tanh", "hardtanh", "relu", "leaky_relu", "linear")
INITS = ("xavier_uniform", "he_uniform", "zeros", "uniform")
LOSSES = ("mse", "cross_entropy", "logistic", "hinge")

# What each loss reads from y, and how a score becomes the class-1 output drawn on the heatmap
# (always with the decision boundary at 0.5 for classification):
#   mse            y (B, k) targets;        output s itself
#   cross_entropy  y (B,) class indices;    output softmax(S)₁
#   logistic       y (B,) labels 0/1;       output σ(s); the loss is softmax cross-entropy over
#                                           the logits (0, s) = log(1 + eˢ) − y·s, computed stably
#   hinge          y (B, 1) targets ±1;     output (s + 1)/2; the loss is mean(max(0, 1 − y·s))
_LOSS_SOURCE = {
    "mse": "mse(s, y)",
    "cross_entropy": "cross_entropy(s, y)",
    "logistic": "cross_entropy(s @ [[0, 1]], y)",
    "hinge": "mean(hinge(y * s, 0))",
}
_OUTPUT_SOURCE = {
    "mse": "s @ [1]",
    "cross_entropy": "softmax(s) @ [0, 1]",
    "logistic": "sigmoid(s @ [1])",
    "hinge": "(s @ [1] + 1) / 2",
}


def check_choice(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise EngineError(f"unknown_{what}", f"unknown {what} '{value}' (known: {', '.join(allowed)})")


def targets(loss: str, y: Array, outputs: int = 1) -> Array:
    """Data-set labels (0/1, or a regression target) in the form `loss` reads as `y`."""
    if loss == "mse":
        return y.reshape(-1, 1) if outputs == 1 else np.eye(outputs)[y.astype(np.intp)]
    if loss == "hinge":
        return (2.0 * y - 1.0).reshape(-1, 1)
    return y.astype(np.float64)


@dataclass(frozen=True)
class Linear:
    """z = Wx + b for a batch of rows: Z = X Wᵀ + b, W of shape (out, in), b of shape (out,)."""

    n_in: int
    n_out: int
    index: int

    @property
    def weight(self) -> str:
        return f"W{self.index}"

    @property
    def bias(self) -> str:
        return f"b{self.index}"

    @property
    def weight_transposed(self) -> str:
        """The name training gives Wᵀ when it hands it in (W1_T)."""
        return f"{self.weight}_T"

    def source(self, x: str, z: str, transposed: bool = False) -> str:
        """Z = X Wᵀ + b; with `transposed` the graph reads Wᵀ as the input W1_T."""
        weight = self.weight_transposed if transposed else f"transpose({self.weight})"
        return f"{z} = {x} @ {weight} + {self.bias}"

    def init(self, scheme: str, rng: np.random.Generator) -> dict[str, Array]:
        """PyTorch's init formulas: xavier_uniform_ (gain 1), kaiming_uniform_ (ReLU gain, fan_in)."""
        shape = (self.n_out, self.n_in)
        bias = np.zeros(self.n_out)
        if scheme == "xavier_uniform":
            bound = np.sqrt(6.0 / (self.n_in + self.n_out))
        elif scheme == "he_uniform":
            bound = np.sqrt(6.0 / self.n_in)
        elif scheme == "uniform":  # the TensorFlow Playground's: U(−0.5, 0.5), biases 0.1
            bound, bias = 0.5, np.full(self.n_out, 0.1)
        else:
            return {self.weight: np.zeros(shape), self.bias: bias}
        return {self.weight: rng.uniform(-bound, bound, size=shape), self.bias: bias}

    def __repr__(self) -> str:
        return f"Linear({self.n_in} → {self.n_out})"


@dataclass(frozen=True)
class MLP:
    """Linear layers with one activation between them and a linear output (the scores s)."""

    sizes: tuple[int, ...]  # (inputs, hidden…, outputs)
    activation: str = "tanh"

    def __post_init__(self) -> None:
        check_choice(self.activation, ACTIVATIONS, "activation")
        if len(self.sizes) < 2 or any(int(n) < 1 for n in self.sizes):
            raise EngineError("invalid_model", "every layer needs at least one neuron")

    @cached_property
    def layers(self) -> list[Linear]:
        return [Linear(a, b, k + 1) for k, (a, b) in enumerate(zip(self.sizes, self.sizes[1:], strict=False))]

    @cached_property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(name for layer in self.layers for name in (layer.weight, layer.bias))

    @cached_property
    def weight_names(self) -> tuple[str, ...]:
        return tuple(layer.weight for layer in self.layers)

    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {
            name: shape
            for layer in self.layers
            for name, shape in ((layer.weight, (layer.n_out, layer.n_in)), (layer.bias, (layer.n_out,)))
        }

    def init(self, scheme: str = "xavier_uniform", seed: int = 0) -> dict[str, Array]:
        check_choice(scheme, INITS, "init")
        rng = np.random.default_rng(seed)
        params: dict[str, Array] = {}
        for layer in self.layers:
            params.update(layer.init(scheme, rng))
        return params

    def activations(self) -> list[str]:
        """The node holding each layer's output: h1, h2, …, then s (z when the activation is linear)."""
        names = []
        for layer in self.layers[:-1]:
            names.append(f"{'z' if self.activation == 'linear' else 'h'}{layer.index}")
        return names + ["s"]

    def body(self, transposed: bool = False) -> list[str]:
        """Statements from X to the scores s."""
        lines, x = [], "X"
        outputs = self.activations()
        for layer, out in zip(self.layers, outputs, strict=True):
            z = "s" if out == "s" else f"z{layer.index}"
            lines.append(layer.source(x, z, transposed))
            if out != "s" and self.activation != "linear":
                lines.append(f"{out} = {self.activation}({z})")
            x = out
        return lines

    def source(
        self, loss: str = "mse", l2: float = 0.0, l2_biases: bool = False, transposed: bool = False
    ) -> str:
        """The training graph's source: scores, data loss, and (λ/2)·Σ‖W‖² when λ > 0."""
        check_choice(loss, LOSSES, "loss")
        lines = self.body(transposed)
        if l2 > 0:
            names = self.parameter_names if l2_biases else self.weight_names
            if transposed:  # Σ over Wᵀ ⊙ Wᵀ walks the same memory as over W ⊙ W: the same sum
                names = tuple(self.given_names[n] for n in names)
            penalty = " + ".join(f"sum({n} * {n})" for n in names)
            lines.append(f"data_loss = {_LOSS_SOURCE[loss]}")
            lines.append(f"penalty = {penalty}")
            lines.append(f"loss = data_loss + {float(l2) / 2!r} * penalty")
        else:
            lines.append(f"loss = {_LOSS_SOURCE[loss]}")
        return "\n".join(lines)

    def output_source(self, loss: str = "mse", transposed: bool = False) -> str:
        """The prediction graph: every neuron, and `out`, the heatmap's value per point."""
        check_choice(loss, LOSSES, "loss")
        return "\n".join(self.body(transposed) + [f"out = {_OUTPUT_SOURCE[loss]}"])

    def graph(self, loss: str = "mse", l2: float = 0.0, l2_biases: bool = False) -> Graph:
        """The minibatch graph as the playground draws it (inputs W1, b1, …, X, y)."""
        return _training_graph(self, loss, float(l2), bool(l2_biases), False)

    def output_graph(self, loss: str = "mse") -> Graph:
        return _output_graph(self, loss, False)

    @cached_property
    def given_names(self) -> dict[str, str]:
        """Parameter name → the input that carries it in the training graphs (W1 → W1_T)."""
        names = {}
        for layer in self.layers:
            names[layer.weight], names[layer.bias] = layer.weight_transposed, layer.bias
        return names

    @cached_property
    def given_parameters(self) -> tuple[str, ...]:
        return tuple(self.given_names[name] for name in self.parameter_names)

    @cached_property
    def _step_graphs(self) -> dict[tuple, Graph]:
        """The training graphs (Wᵀ handed in) by (loss, l2, l2_biases), looked up on every step
        without hashing the model, as the shared cache would."""
        return {}

    @cached_property
    def _renames(self) -> tuple[tuple[str, str, bool], ...]:
        return tuple((name, given, given != name) for name, given in self.given_names.items())

    def given(self, params: Mapping[str, Array]) -> dict[str, Array]:
        """The parameters as the training graphs take them: each W as the view Wᵀ, named W1_T."""
        inputs = {}
        for name, given, transposed in self._renames:
            value = params[name]
            if transposed:
                value = value.T if type(value) is np.ndarray else _transposed(value)
            inputs[given] = value
        return inputs

    def gradients(self, grads: Mapping[str, Array]) -> dict[str, Array]:
        """∂loss/∂parameter from the training graph's gradients: ∂loss/∂W = (∂loss/∂Wᵀ)ᵀ."""
        return {
            name: grads[given].T if transposed else grads[given] for name, given, transposed in self._renames
        }

    def __repr__(self) -> str:
        return f"MLP({' → '.join(map(str, self.sizes))}, {self.activation})"


def _transposed(value: object) -> Array:
    return value.T if type(value) is np.ndarray else np.asarray(value, dtype=np.float64).T


@lru_cache(maxsize=64)
def _training_graph(model: MLP, loss: str, l2: float, l2_biases: bool, transposed: bool) -> Graph:
    return parse(model.source(loss, l2, l2_biases, transposed))


@lru_cache(maxsize=64)
def _output_graph(model: MLP, loss: str, transposed: bool) -> Graph:
    return parse(model.output_source(loss, transposed))


def _graph_inputs(model: MLP, params: Mapping[str, Array], X: Array, y: Array | None = None) -> dict:
    """The training graphs' inputs: the parameters as the graph takes them, the data, the targets."""
    inputs = model.given(params)
    inputs["X"] = X
    if y is not None:
        inputs["y"] = y
    return inputs


def loss_and_gradients(
    model: MLP,
    params: Mapping[str, Array],
    X: Array,
    y: Array,
    loss: str = "mse",
    l2: float = 0.0,
    l2_biases: bool = False,
) -> tuple[float, dict[str, Array]]:
    """One forward and backward pass of the minibatch graph: (loss, ∂loss/∂parameter).

    Each ∂loss/∂W is the transpose of ∂loss/∂Wᵀ, the gradient the graph gives its input W1_T."""
    graphs, key = model._step_graphs, (loss, l2, l2_biases)
    graph = graphs.get(key)
    if graph is None:
        if len(graphs) >= 16:  # many configurations (or a NaN l2, never equal to itself): start over
            graphs.clear()
        graph = graphs[key] = _training_graph(model, loss, float(l2), bool(l2_biases), True)
    inputs = model.given(params)
    inputs["X"], inputs["y"] = X, y
    value, grads = graph.value_and_gradients(inputs, wrt=model.given_parameters)
    return float(value), model.gradients(grads)


def predict(model: MLP, params: Mapping[str, Array], X: Array, loss: str = "mse") -> dict[str, Array]:
    """Every node of the prediction graph on X: `out` per point, and h1, h2, … per neuron."""
    graph = _output_graph(model, loss, True)
    inputs = _graph_inputs(model, params, X)
    return dict(zip((node.id for node in graph.nodes), graph.forward(inputs), strict=True))


def evaluate_loss(model: MLP, params: Mapping[str, Array], X: Array, y: Array, loss: str = "mse") -> float:
    """The data loss (no penalty) over a whole split, forward only."""
    if len(X) == 0:
        return float("nan")
    graph = _training_graph(model, loss, 0.0, False, True)
    inputs = _graph_inputs(model, params, X, y)
    return float(graph.forward(inputs)[graph.index[graph.output]])


def stacked_losses(
    model: MLP, stacks: Mapping[str, Array], X: Array, y: Array, loss: str = "mse"
) -> list[float]:
    """The data loss over (X, y) of S parameter sets at once; `stacks` maps each parameter to
    an (S, *shape) stack of C-ordered arrays. X @ Wᵀ over the stack is numpy's matmul slice by
    slice, the very products of the 2-D pass, so each loss has the bits `evaluate_loss` gives."""
    inputs: dict[str, Array] = {"X": X}
    for name, stack in stacks.items():
        given = model.given_names[name]
        inputs[given] = stack.mT if given != name else stack[:, None, :]  # b broadcasts over rows
    scores = _scores_graph(model).forward(inputs)[-1]
    graph = _loss_graph(loss)
    where = graph.index[graph.output]
    return [float(graph.forward({"s": s, "y": y})[where]) for s in scores]


@lru_cache(maxsize=64)
def _scores_graph(model: MLP) -> Graph:
    return parse("\n".join(model.body(transposed=True)))


@lru_cache(maxsize=8)
def _loss_graph(loss: str) -> Graph:
    return parse(f"loss = {_LOSS_SOURCE[loss]}")


def minibatch_source(
    model: MLP,
    params: Mapping[str, Array],
    X: Array,
    y: Array,
    loss: str = "mse",
    l2: float = 0.0,
    l2_biases: bool = False,
) -> tuple[str, dict[str, object]]:
    """The network's graph for one (small) minibatch as /evaluate's body: source and inputs."""
    inputs = {name: np.asarray(value).tolist() for name, value in params.items()}
    inputs["X"] = np.asarray(X).tolist()
    inputs["y"] = np.asarray(y).tolist()
    return model.source(loss, l2, l2_biases), inputs
