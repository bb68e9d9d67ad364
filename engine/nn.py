"""Neurons as layers, layers as a network — composed from the builder's expressions (micrograd's nn.py).

`Linear(n_in, n_out)` and `MLP(sizes)` are callables on expressions: `MLP(...)(X)` is the scores
expression, built from the same graph ops the playground draws. A network for a minibatch is one
engine Graph whose inputs are the data (`X`, `y`) and every parameter, each under ONE name (`W1`,
`b1`, …); ∂loss/∂W comes from `Graph.value_and_gradients(..., wrt=parameters)` — the chain rule
the playground steps through, not a second backprop. The playground's source text is printed
from that very expression (`source`), so there is one definition:

    z1 = X @ transpose(W1) + b1        # Linear: z = Wx + b, W as (out, in) like PyTorch
    h1 = tanh(z1)
    s = h1 @ transpose(W2) + b2        # scores (linear output)
    data_loss = mse(s, y)
    loss = data_loss + 0.0005 * (sum(W1 * W1) + sum(W2 * W2))     # + (λ/2)·Σ‖W‖²  (+ l1·Σ|W|)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from engine.builder import Const, Expr, Var, build_graph, fn
from engine.errors import EngineError
from engine.graph import Graph

Array = np.ndarray
ACTIVATIONS = ("sigmoid", "tanh", "hardtanh", "relu", "leaky_relu", "linear")
INITS = ("xavier_uniform", "he_uniform", "zeros", "uniform")
LOSSES = ("mse", "cross_entropy", "logistic", "hinge")


def check_choice(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise EngineError(
            f"unknown_{what}",
            f"unknown {what} '{value}' (known: {', '.join(allowed)})",
            params={"name": value, "known": list(allowed)},
        )


class Linear:
    """z = Wx + b for a batch of rows: Z = X Wᵀ + b, W of shape (out, in), b of shape (out,)."""

    def __init__(self, n_in: int, n_out: int, index: int = 1) -> None:
        self.n_in, self.n_out, self.index = int(n_in), int(n_out), index
        self.W, self.b = Var(f"W{index}"), Var(f"b{index}")

    def __call__(self, x: Expr) -> Expr:
        return x @ fn.transpose(self.W) + self.b

    def parameters(self) -> list[Expr]:
        return [self.W, self.b]

    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {self.W.name: (self.n_out, self.n_in), self.b.name: (self.n_out,)}

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
            return {self.W.name: np.zeros(shape), self.b.name: bias}
        return {self.W.name: rng.uniform(-bound, bound, size=shape), self.b.name: bias}

    def __repr__(self) -> str:
        return f"Linear({self.n_in} → {self.n_out})"


class MLP:
    """Linear layers with one activation between them and a linear output (the scores s)."""

    def __init__(self, sizes: Sequence[int], activation: str = "tanh") -> None:
        check_choice(activation, ACTIVATIONS, "activation")
        if len(sizes) < 2 or any(int(n) < 1 for n in sizes):
            raise EngineError("invalid_model", "every layer needs at least one neuron")
        self.sizes, self.activation = tuple(int(n) for n in sizes), activation
        self.layers = [
            Linear(a, b, k + 1) for k, (a, b) in enumerate(zip(self.sizes, self.sizes[1:], strict=False))
        ]

    def __call__(self, X: Expr) -> Expr:
        h = X
        for layer in self.layers[:-1]:
            z = layer(h).named(f"z{layer.index}")
            h = z if self.activation == "linear" else getattr(fn, self.activation)(z).named(f"h{layer.index}")
        return self.layers[-1](h).named("s")

    def parameters(self) -> list[Expr]:
        return [p for layer in self.layers for p in layer.parameters()]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters())

    @property
    def weight_names(self) -> tuple[str, ...]:
        return tuple(layer.W.name for layer in self.layers)

    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {name: shape for layer in self.layers for name, shape in layer.shapes().items()}

    def init(self, scheme: str = "xavier_uniform", seed: int = 0) -> dict[str, Array]:
        check_choice(scheme, INITS, "init")
        rng = np.random.default_rng(seed)
        params: dict[str, Array] = {}
        for layer in self.layers:
            params.update(layer.init(scheme, rng))
        return params

    def activations(self) -> list[str]:
        """The node holding each layer's output: h1, h2, …, then s (z when the activation is linear)."""
        hidden = "z" if self.activation == "linear" else "h"
        return [f"{hidden}{layer.index}" for layer in self.layers[:-1]] + ["s"]

    def __repr__(self) -> str:
        return f"MLP({' → '.join(map(str, self.sizes))}, {self.activation})"

    # The graphs training runs, each a composition of the expressions above.

    def loss(self, loss: str = "mse", l2: float = 0.0, l1: float = 0.0, biases: bool = False) -> Expr:
        """The minibatch loss: data loss + (λ₂/2)·Σ‖W‖² + λ₁·Σ|W| (biases too when `biases`)."""
        check_choice(loss, LOSSES, "loss")
        total = data = data_loss(loss, self(Var("X")), Var("y")).named("data_loss")
        penalised = self.parameters() if biases else [layer.W for layer in self.layers]
        if l2 > 0:
            total = total + float(l2) / 2 * add_all(fn.sum(w * w) for w in penalised).named("l2_penalty")
        if l1 > 0:
            total = total + float(l1) * add_all(fn.sum(fn.abs(w)) for w in penalised).named("l1_penalty")
        if total is data:
            return data.named("loss")
        return total.named("loss")

    def output(self, loss: str = "mse") -> Expr:
        """The prediction: `out` per point (class probabilities for cross-entropy, else one number)."""
        check_choice(loss, LOSSES, "loss")
        s = self(Var("X"))
        if loss == "cross_entropy":
            return fn.softmax(s).named("out")
        score = s @ Const([1.0])
        if loss == "logistic":
            return fn.sigmoid(score).named("out")
        if loss == "hinge":
            return ((score + 1) / 2).named("out")
        return score.named("out")

    def graph(self, loss: str = "mse", l2: float = 0.0, l1: float = 0.0, biases: bool = False) -> Graph:
        """The minibatch graph (inputs W1, b1, …, X, y), as training runs it and the playground draws it."""
        return build_graph(self.loss(loss, l2, l1, biases))

    def output_graph(self, loss: str = "mse") -> Graph:
        return build_graph(self.output(loss))


def add_all(terms) -> Expr:
    """t₁ + t₂ + … as one chain of + nodes, left to right."""
    terms = list(terms)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def data_loss(loss: str, s: Expr, y: Expr) -> Expr:
    """What each loss reads from y, and how it scores s:

    mse            y (B, k) targets          mean((s − y)²)
    cross_entropy  y (B,) class indices      softmax cross-entropy of the scores
    logistic       y (B,) labels 0/1         softmax cross-entropy over the logits (0, s)
                                             = log(1 + eˢ) − y·s, computed stably
    hinge          y (B, 1) targets ±1       mean(max(0, 1 − y·s))
    """
    if loss == "mse":
        return fn.mse(s, y)
    if loss == "cross_entropy":
        return fn.cross_entropy(s, y)
    if loss == "logistic":
        return fn.cross_entropy(s @ Const([[0.0, 1.0]]), y)
    return fn.mean(fn.hinge(y * s, 0.0))


def targets(loss: str, y: Array, outputs: int = 1) -> Array:
    """Data-set labels (class indices, or a regression target) in the form `loss` reads as `y`."""
    if loss == "mse":
        return y.reshape(-1, 1) if outputs == 1 else np.eye(outputs)[y.astype(np.intp)]
    if loss == "hinge":
        return (2.0 * y - 1.0).reshape(-1, 1)
    return y.astype(np.float64)


def loss_and_gradients(
    model: MLP,
    params: Mapping[str, Array],
    X: Array,
    y: Array,
    loss: str = "mse",
    l2: float = 0.0,
    l2_biases: bool = False,
    l1: float = 0.0,
    graph: Graph | None = None,
) -> tuple[float, dict[str, Array]]:
    """One forward and backward pass of the minibatch graph: (loss, ∂loss/∂parameter)."""
    graph = graph or model.graph(loss, l2, l1, l2_biases)
    value, grads = graph.value_and_gradients({**params, "X": X, "y": y}, wrt=model.parameter_names)
    return float(value), grads


def predict(
    model: MLP, params: Mapping[str, Array], X: Array, loss: str = "mse", graph: Graph | None = None
) -> dict[str, Array]:
    """Every node of the prediction graph on X: `out` per point, and h1, h2, … per neuron."""
    graph = graph or model.output_graph(loss)
    return dict(zip((node.id for node in graph.nodes), graph.forward({**params, "X": X}), strict=True))


def evaluate_loss(
    model: MLP, params: Mapping[str, Array], X: Array, y: Array, loss: str = "mse", graph: Graph | None = None
) -> float:
    """The data loss (no penalty) over a whole split, forward only."""
    if len(X) == 0:
        return float("nan")
    graph = graph or model.graph(loss)
    values = graph.forward({**params, "X": X, "y": y})
    return float(values[[node.id for node in graph.nodes].index(graph.output)])


# The source text of an expression, as the playground shows it: one statement per named node.

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "neg": 3, "**": 4}


def source(output: Expr) -> str:
    """Statements that `engine.parse` turns back into the same graph: every named op node in
    creation order (a topological order), unnamed ones written inline."""
    seen: dict[int, Expr] = {}
    stack = [output]
    while stack:
        expr = stack.pop()
        if id(expr) not in seen:
            seen[id(expr)] = expr
            stack.extend(expr.args)
    named = sorted((e for e in seen.values() if e.op is not None and e.name), key=lambda e: e.serial)
    return "\n".join(f"{e.name} = {_text(e, top=True)}" for e in named)


def _text(expr: Expr, top: bool = False) -> str:
    if expr.op is None:
        return expr.name if expr.name else _number(expr.value)
    if expr.name and not top:
        return expr.name
    op = expr.op
    if op.operator:
        rank = _PRECEDENCE[op.operator]
        parts = []
        for slot, arg in enumerate(expr.args):
            text = _text(arg)
            inner = _PRECEDENCE.get(arg.op.operator, 9) if arg.op and not arg.name else 9
            if inner < rank or (inner == rank and (slot == 1 or op.operator == "**")):
                text = f"({text})"
            parts.append(text)
        return f"-{parts[0]}" if op.operator == "neg" else f" {op.operator} ".join(parts)
    defaults = dict(op.attrs)
    extra = [_number(np.float64(v)) for k, v in expr.attrs if v != defaults[k]]
    return f"{op.function or op.name}({', '.join([_text(a) for a in expr.args] + extra)})"


def _number(value: object) -> str:
    """A constant as the language writes it: 2, 0.0005, [[0, 1]] (repr round-trips every float)."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim:
        return "[" + ", ".join(_number(item) for item in array) + "]"
    x = float(array)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def minibatch_source(
    model: MLP,
    params: Mapping[str, Array],
    X: Array,
    y: Array,
    loss: str = "mse",
    l2: float = 0.0,
    l2_biases: bool = False,
    l1: float = 0.0,
    batch_size: int | None = None,
) -> tuple[str, dict[str, object]]:
    """The network's graph for one (small) minibatch as /evaluate's body: source and inputs.

    The source is the training graph's own text (`source`), each statement under a `#` comment
    saying what the notes call it; the logistic loss's logit pair (0, s) is named `logits`, so its
    line reads `cross_entropy(logits, y)`. Naming a node changes no value and no gradient.
    `batch_size`: the run's, when X holds only the first points of a larger minibatch."""
    expr = model.loss(loss, l2, l1, l2_biases)
    if loss == "logistic":
        _name_logits(expr)
    inputs = {name: np.asarray(value).tolist() for name, value in params.items()}
    inputs["X"] = np.asarray(X).tolist()
    inputs["y"] = np.asarray(y).tolist()
    header = _header(np.shape(X), batch_size)
    return _commented(header, source(expr), model, loss, l2 > 0 or l1 > 0, l2_biases), inputs


def _name_logits(expr: Expr) -> None:
    """Call data_loss's `s @ [[0, 1]]` (see `data_loss`) `logits`."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if node.op is not None and node.op.name == "cross_entropy":
            node.args[0].named("logits")
            return
        stack.extend(node.args)


_LOSS_NOTES = {
    "mse": ["mean squared error over the batch: mean((s − y)²)"],
    "cross_entropy": ["softmax cross-entropy: the mean over the batch of −log softmax(s)[true class]"],
    "logistic": [
        "logistic loss: P(y = 1) = σ(s) and loss = mean(log(1 + eˢ) − y·s) over the batch,",
        "the two-class softmax cross-entropy over the logits (0, s), which computes it stably",
    ],
    "hinge": ["hinge (max-margin) loss with targets y = ±1: mean(max(0, 1 − y·s))"],
}


def _notes(name: str, model: MLP, loss: str, penalised: bool, biases: bool) -> list[str]:
    """What the notes call the statement that defines `name`."""
    weights = "weights and biases" if biases else "weights"
    if re.fullmatch(r"z\d+", name):
        return [f"layer {name[1:]}: z = Wx + b for every row (point) at once"]
    if re.fullmatch(r"h\d+", name):
        return [f"h = {model.activation}(z), element by element"]
    if name == "s":
        return [f"layer {len(model.layers)}: the score s of each point (no activation)"]
    if name == "logits":
        return ["each point's two logits (0, s): softmax gives P(y = 1) = eˢ/(e⁰ + eˢ) = σ(s)"]
    if name == "data_loss" or (name == "loss" and not penalised):
        return _LOSS_NOTES[loss]
    if name == "l2_penalty":
        return [f"L2: the sum of the squared {weights}; the loss adds (λ/2)·ΣW²"]
    if name == "l1_penalty":
        return [f"L1: the sum of the absolute {weights}; the loss adds λ₁·Σ|W|"]
    if name == "loss":
        return ["what training minimises: the data loss plus the penalties"]
    return []


def _header(x_shape: tuple, batch_size: int | None) -> list[str]:
    """What the graph holds: the minibatch's points (or the first of them), the current weights."""
    rows, columns = (*x_shape, 1, 1)[:2]
    shape = f"(the rows of X, {rows}×{columns})"
    if batch_size is not None and batch_size > rows:
        first = f"# The first {rows} of the {batch_size} training points of one minibatch {shape} and their labels y,"
    else:
        points = f"{rows} training point{'' if rows == 1 else 's'}"
        first = f"# One minibatch: {points} {shape} and {'its label' if rows == 1 else 'their labels'} y,"
    return [
        first,
        "# with the network's current weights. Backward gives ∂loss/∂W1, ∂loss/∂b1, …:",
        "# the gradients of the next training step.",
    ]


def _commented(header: list[str], text: str, model: MLP, loss: str, penalised: bool, biases: bool) -> str:
    """`text` under its header, each statement under its comment."""
    lines = list(header)
    for statement in text.splitlines():
        name = statement.split(" = ", 1)[0]
        lines += [f"# {note}" for note in _notes(name, model, loss, penalised, biases)]
        lines.append(statement)
    return "\n".join(lines)
