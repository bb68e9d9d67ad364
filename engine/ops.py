"""Every op, declared once: its name, drawn symbol, forward, local gradient and the formula text.

An op gives only its *local* derivative. The chain rule — upstream × local = downstream,
summing at fan-out, un-broadcasting — is applied by the graph (engine.graph), never here.

Elementwise ops declare `local`: one function per input returning ∂out/∂input elementwise
(the diagonal of diag(f′(z))). Other ops declare `vjp`: one function per input mapping the
upstream gradient to the downstream one. Either may be given with the other as a shortcut
(add's vjp just passes the upstream on). Per-input functions let the graph skip inputs that
need no gradient, such as a batch of data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from engine.errors import EngineError

Array = np.ndarray
LocalFn = Callable[..., Array]  # (*inputs, out, **attrs) -> ∂out/∂input, elementwise
VjpFn = Callable[..., Array]  # (upstream, *inputs, out, **attrs) -> downstream


@dataclass(frozen=True)
class Op:
    """One computation the graph can draw as a gate."""

    name: str
    symbol: str
    arity: int
    forward: Callable[..., Array]
    formulas: tuple[str, ...]  # local gradient per input; {a}, {b} name the inputs, {out} the output
    description: str
    local: tuple[LocalFn, ...] | None = None
    vjp: tuple[VjpFn, ...] | None = None
    operator: str | None = None  # how the source writes it as an operator: "+", "@", "neg"
    function: str | None = None  # how the source writes it as a call: "max", "sigmoid"
    attrs: tuple[tuple[str, float], ...] = ()  # literal-only extra arguments, with defaults
    differentiable: tuple[bool, ...] = field(default=())  # empty: every input is
    # The same forward and local gradients on plain Python floats, for the trace of an all-scalar
    # graph (a numpy call on a 0-d array costs ~20 float operations). Each gives the array
    # functions' result bit for bit, or raises ArithmeticError (x / 0), and the trace then
    # takes the array path. None: the op has no float kernels (its graphs take the array path).
    floats: tuple[Callable[..., float], ...] | None = None

    @property
    def elementwise(self) -> bool:
        return self.local is not None

    def is_differentiable(self, slot: int) -> bool:
        return not self.differentiable or self.differentiable[slot]

    def downstream(
        self, slot: int, upstream: Array, inputs: tuple[Array, ...], out: Array, attrs: dict
    ) -> Array:
        """upstream × local for one input, before un-broadcasting to the input's shape."""
        if self.vjp is not None:
            return self.vjp[slot](upstream, *inputs, out, **attrs)
        return upstream * self.local[slot](*inputs, out, **attrs)

    def vjp_with(self, slot: int, attrs: dict) -> Callable[..., Array]:
        """downstream(upstream, *inputs, out) for one input, attrs bound once per graph node."""
        if self.vjp is not None:
            return partial(self.vjp[slot], **attrs) if attrs else self.vjp[slot]
        local = partial(self.local[slot], **attrs) if attrs else self.local[slot]
        return lambda g, *inputs_and_out: g * local(*inputs_and_out)

    def formula(self, slot: int, names: dict[str, str]) -> str:
        template = self.formulas[slot]
        try:
            return template.format_map(names)
        except (KeyError, IndexError, ValueError):  # a user gate's own {x}: keep it as written
            try:
                return template.format_map(_KeepUnknown(names))
            except (IndexError, ValueError):
                return template


class _KeepUnknown(dict):
    """str.format_map that leaves a placeholder it cannot fill (a user gate's {x}) as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _read_only(value: float) -> Array:
    array = np.array(value)
    array.flags.writeable = False
    return array


_ONE, _MINUS_ONE = _read_only(1.0), _read_only(-1.0)
_FLOAT64 = np.dtype(np.float64)


def _ones(*_: Array, **__: float) -> Array:
    """The local gradient 1 (a shared 0-d array; the trace spreads it over the output's shape)."""
    return _ONE


def _minus_ones(*_: Array, **__: float) -> Array:
    return _MINUS_ONE


def _step(x: Array, at_zero: float) -> Array:
    """1 where x > 0, 0 where x < 0 (and where x is NaN, as PyTorch's masks), `at_zero` at 0:
    the kink conventions in one place."""
    return np.asarray(x >= 0 if at_zero else x > 0, dtype=np.float64)  # 0-d stays a 0-d array


def _passthrough(g: Array, *_: object, **__: float) -> Array:
    return g


def _masked_log_base(a: Array, b: Array, out: Array) -> Array:
    # ∂(a^b)/∂b = a^b · ln a; PyTorch's convention sets it to 0 where a = 0 and b ≥ 0.
    with np.errstate(all="ignore"):
        result = out * np.log(a)
    return np.where((a == 0) & (b >= 0), 0.0, result)


# Float kernels (see Op.floats). Transcendental functions call numpy's own ufunc on the float,
# which runs the loop the 0-d array would: the same bits on every platform. Ties of max/min
# (±0 against ∓0) go to numpy too, whose choice between signed zeros is its own.
def _float_one(*_: float, **__: float) -> float:
    return 1.0


def _float_minus_one(*_: float, **__: float) -> float:
    return -1.0


def _float_max(a: float, b: float) -> float:
    if a > b or a != a:  # NaN propagates, as np.maximum's
        return a
    return b if a < b or b != b else float(np.maximum(a, b))


def _float_min(a: float, b: float) -> float:
    if a < b or a != a:
        return a
    return b if a > b or b != b else float(np.minimum(a, b))


def _float_step(x: float, at_zero: float) -> float:
    """_step on a float: 1 where x > 0, 0 where x < 0 or NaN, `at_zero` at 0."""
    return 1.0 if x > 0 else at_zero if x == 0 else 0.0


def _float_masked_log_base(a: float, b: float, out: float) -> float:
    return 0.0 if a == 0 and b >= 0 else out * float(np.log(a))


def _matmul_vjp_a(g: Array, a: Array, b: Array, out: Array) -> Array:
    if a.ndim > 1 and b.ndim > 1:  # the usual case first: a layer's batch times its weights
        return np.matmul(g, b.mT)  # upstream · bᵀ (mT: the transpose of the last two axes)
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if a.ndim == 1:  # (n,) @ (..., n, k): a broadcasts as a row
        return np.sum(np.matmul(b, g[..., :, None])[..., 0], axis=tuple(range(b.ndim - 2)))
    return g[..., :, None] * b  # (..., m, n) @ (n,)


def _matmul_vjp_b(g: Array, a: Array, b: Array, out: Array) -> Array:
    if a.ndim > 1 and b.ndim > 1:
        return np.matmul(a.mT, g)  # aᵀ · upstream
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if b.ndim == 1:  # (..., m, n) @ (n,): sum over every leading axis
        return np.tensordot(g, a, axes=(tuple(range(g.ndim)), tuple(range(a.ndim - 1))))
    return a[:, None] * g[..., None, :]  # (n,) @ (..., n, k)


def _softmax(v: Array) -> Array:
    if v.ndim == 0:
        e = np.exp(v - v)  # 1, or NaN for a non-finite v
        return e / e
    e = np.exp(v - v.max(axis=-1, keepdims=True))  # shifted: no overflow
    e /= e.sum(axis=-1, keepdims=True)
    return e


def _softmax_vjp(g: Array, v: Array, out: Array) -> Array:
    if out.ndim == 0:
        return np.zeros_like(g)
    return out * (g - np.sum(g * out, axis=-1, keepdims=True))


def _dot(a: Array, b: Array) -> Array:
    if a.shape != b.shape:
        raise ValueError(f"dot needs two arrays of one shape, got {a.shape} and {b.shape}")
    return np.asarray(np.sum(a * b))


def _mse(pred: Array, target: Array) -> Array:
    diff = pred - target
    return np.asarray(np.vdot(diff, diff) / diff.size)  # vdot: Σ diff², flattened


def _mse_vjp(sign: float) -> VjpFn:
    def vjp(g: Array, pred: Array, target: Array, out: Array) -> Array:
        diff = pred - target  # already of the broadcast shape
        scale = sign * 2.0 / max(diff.size, 1)
        if type(g) is np.ndarray and g.ndim == 0 and g.dtype is _FLOAT64:  # a loss's upstream:
            return (scale * float(g)) * diff  # the same product as a float, one numpy call less
        return scale * g * diff

    return vjp


def _rows(logits: Array, index: Array) -> tuple[Array, Array]:
    """Logits as (batch, classes), class indices as integers (batch,)."""
    batch = logits.reshape(1, -1) if logits.ndim == 1 else logits
    return batch, index.reshape(-1).astype(np.intp)  # NaN, ±inf: some integer (the graph mutes the warning)


def _class_indices(logits: Array, index: Array) -> tuple[Array, Array]:
    """_rows, checked (by the forward pass, so that the backward pass need not check again)."""
    if logits.ndim not in (1, 2):
        raise ValueError(f"cross_entropy takes logits of shape (C,) or (N, C), got {logits.shape}")
    batch, whole = _rows(logits, index)
    if whole.size != batch.shape[0]:
        raise ValueError(f"cross_entropy: {batch.shape[0]} rows of logits but {whole.size} indices")
    classes = batch.shape[1]
    # The usual case in two reductions: as unsigned integers, negative indices are huge, so one
    # max bounds 0 ≤ k < C; and the integers equal the given numbers. Anything else is diagnosed below.
    if whole.size and _MAX(whole.view(np.uintp)) < classes and _ALL(whole == index.reshape(-1)):
        return batch, whole
    if (whole != index.reshape(-1)).any():
        raise EngineError("invalid_value", "class indices must be whole numbers")
    if whole.min() < 0 or whole.max() >= classes:
        raise EngineError("invalid_value", f"class index out of range 0…{classes - 1}")
    return batch, whole


# ufunc reductions called directly: the same results as .max()/.all()/.sum(), without the
# method wrappers' per-call cost (which dominates on a batch of ten).
_MAX, _ALL, _SUM = np.maximum.reduce, np.logical_and.reduce, np.add.reduce


def _cross_entropy(logits: Array, index: Array) -> Array:
    batch, idx = _class_indices(logits, index)
    shifted = batch - _MAX(batch, axis=1, keepdims=True)  # log-sum-exp without overflow
    log_normaliser = np.log(_SUM(np.exp(shifted), axis=1))
    picked = shifted[np.arange(len(idx)), idx] - log_normaliser  # log p(true class) per row
    return np.asarray(-_SUM(picked) / len(idx))


def _cross_entropy_vjp(g: Array, logits: Array, index: Array, out: Array) -> Array:
    batch, idx = _rows(logits, index)
    probs = np.exp(batch - _MAX(batch, axis=1, keepdims=True))  # softmax, as _softmax computes it
    probs /= _SUM(probs, axis=1, keepdims=True)
    probs[np.arange(len(idx)), idx] -= 1.0  # softmax − onehot
    probs *= g / len(idx)
    return probs.reshape(logits.shape)


def _zero_vjp(g: Array, *inputs: Array) -> Array:
    return np.zeros_like(inputs[1])


def _sigmoid(a: Array) -> Array:
    # For a < −709, e⁻ᵃ overflows to inf and 1/(1 + inf) = 0, the right limit (the graph
    # silences the overflow warning); elsewhere the quotient is accurate to the last bits.
    return 1.0 / (1.0 + np.exp(-a))


def _elementwise(
    name: str,
    symbol: str,
    forward: Callable[..., Array],
    local: tuple[LocalFn, ...],
    formulas: tuple[str, ...],
    description: str,
    **extra: object,
) -> Op:
    return Op(
        name=name,
        symbol=symbol,
        arity=len(local),
        forward=forward,
        local=local,
        formulas=formulas,
        description=description,
        **extra,
    )


# The ops read as a table, one declaration per op, a few lines each: ruff leaves it as written.
# fmt: off
OPS: tuple[Op, ...] = (
    _elementwise(
        "add", "+", np.add, (_ones, _ones), ("1", "1"), "Sum a + b; passes the gradient on.",
        operator="+", vjp=(_passthrough, _passthrough),
        floats=(lambda a, b: a + b, _float_one, _float_one),
    ),
    _elementwise(
        "sub", "−", np.subtract, (_ones, _minus_ones), ("1", "−1"),
        "Difference a − b.", operator="-",
        vjp=(_passthrough, lambda g, a, b, out: -g),
        floats=(lambda a, b: a - b, _float_one, _float_minus_one),
    ),
    _elementwise(
        "mul", "×", np.multiply, (lambda a, b, out: b, lambda a, b, out: a), ("{b}", "{a}"),
        "Product a · b; swaps the inputs as local gradients.", operator="*",
        floats=(lambda a, b: a * b, lambda a, b, out: b, lambda a, b, out: a),
    ),
    _elementwise(
        "div", "÷", np.divide,
        (lambda a, b, out: 1.0 / b, lambda a, b, out: -a / (b * b)),
        ("1/{b}", "−{a}/{b}²"), "Quotient a / b.", operator="/",
        floats=(lambda a, b: a / b, lambda a, b, out: 1.0 / b, lambda a, b, out: -a / (b * b)),
    ),
    _elementwise(
        "pow", "^", np.power,
        (lambda a, b, out: b * np.power(a, b - 1.0), _masked_log_base),
        ("{b}·{a}^({b}−1)", "{a}^{b}·ln {a}"), "Power a ** b.", operator="**",
        floats=(
            lambda a, b: float(np.power(a, b)),
            lambda a, b, out: b * float(np.power(a, b - 1.0)), _float_masked_log_base,
        ),
    ),
    Op(
        name="matmul", symbol="@", arity=2, forward=np.matmul,
        vjp=(_matmul_vjp_a, _matmul_vjp_b), formulas=("upstream · {b}ᵀ", "{a}ᵀ · upstream"),
        description="Matrix product; W @ x with a vector x gives a vector.", operator="@",
    ),
    _elementwise(
        "neg", "−", np.negative, (_minus_ones,), ("−1",),
        "Negation −a.", operator="neg", vjp=(lambda g, a, out: -g,),
        floats=(lambda a: -a, _float_minus_one),
    ),
    _elementwise(
        "max", "max", np.maximum,
        (lambda a, b, out: _step(a - b, 1.0), lambda a, b, out: _step(b - a, 0.0)),
        ("1 if {a} ≥ {b} else 0", "1 if {b} > {a} else 0"),
        "Larger of a and b; the gradient goes to the larger one, to a on a tie.", function="max",
        floats=(
            _float_max, lambda a, b, out: _float_step(a - b, 1.0), lambda a, b, out: _float_step(b - a, 0.0)
        ),
    ),
    _elementwise(
        "min", "min", np.minimum,
        (lambda a, b, out: _step(b - a, 1.0), lambda a, b, out: _step(a - b, 0.0)),
        ("1 if {a} ≤ {b} else 0", "1 if {b} < {a} else 0"),
        "Smaller of a and b; the gradient goes to the smaller one, to a on a tie.", function="min",
        floats=(
            _float_min, lambda a, b, out: _float_step(b - a, 1.0), lambda a, b, out: _float_step(a - b, 0.0)
        ),
    ),
    _elementwise(
        "exp", "exp", np.exp, (lambda a, out: out,), ("exp({a})",), "Exponential eᵃ.",
        function="exp", floats=(lambda a: float(np.exp(a)), lambda a, out: out),
    ),
    _elementwise(
        "log", "log", np.log, (lambda a, out: 1.0 / a,), ("1/{a}",), "Natural logarithm.",
        function="log", floats=(lambda a: float(np.log(a)), lambda a, out: 1.0 / a),
    ),
    _elementwise(
        "sqrt", "√", np.sqrt, (lambda a, out: 0.5 / out,), ("1/(2√{a})",), "Square root.",
        function="sqrt", floats=(lambda a: float(np.sqrt(a)), lambda a, out: 0.5 / out),
    ),
    _elementwise(
        "abs", "|·|", np.abs, (lambda a, out: np.sign(a),), ("sign({a}) (0 at 0)",),
        "Absolute value; derivative 0 at 0.", function="abs",
        floats=(lambda a: float(np.abs(a)), lambda a, out: float(np.sign(a))),
    ),
    _elementwise(
        "sigmoid", "σ", _sigmoid, (lambda a, out: out * (1.0 - out),), ("σ({a})·(1 − σ({a}))",),
        "Logistic sigmoid 1/(1 + e⁻ᵃ).", function="sigmoid",
        vjp=(lambda g, a, out: g * (out * (1.0 - out)),),  # upstream × local, one call fewer
        floats=(lambda a: 1.0 / (1.0 + float(np.exp(-a))), lambda a, out: out * (1.0 - out)),
    ),
    _elementwise(
        "tanh", "tanh", np.tanh, (lambda a, out: 1.0 - out * out,), ("1 − tanh²({a})",),
        "Hyperbolic tangent.", function="tanh",
        vjp=(lambda g, a, out: g * (1.0 - out * out),),  # upstream × local, one call fewer
        floats=(lambda a: float(np.tanh(a)), lambda a, out: 1.0 - out * out),
    ),
    _elementwise(
        "hardtanh", "hardtanh", lambda a: np.minimum(np.maximum(a, -1.0), 1.0),
        (lambda a, out: _step(1.0 - np.abs(a), 0.0),),
        ("1 if −1 < {a} < 1 else 0",), "Clip to [−1, 1]; derivative 0 at ±1.",
        function="hardtanh",
        floats=(lambda a: _float_min(_float_max(a, -1.0), 1.0), lambda a, out: _float_step(1.0 - abs(a), 0.0)),
    ),
    _elementwise(
        "relu", "relu", lambda a: np.maximum(a, 0.0), (lambda a, out: _step(a, 0.0),),
        ("1 if {a} > 0 else 0",), "Rectifier max(0, a); derivative 0 at 0.", function="relu",
        vjp=(lambda g, a, out: g * (a > 0),),  # the same mask, without making it float first
        floats=(lambda a: _float_max(a, 0.0), lambda a, out: _float_step(a, 0.0)),
    ),
    _elementwise(
        "leaky_relu", "lrelu", lambda a, slope: np.maximum(a, 0.0) + slope * np.minimum(a, 0.0),
        (lambda a, out, slope: np.where(a > 0, 1.0, slope),),
        ("1 if {a} > 0 else {slope}",),
        "Leaky rectifier: a if a > 0 else slope·a (slope 0.01 unless given).",
        function="leaky_relu", attrs=(("slope", 0.01),),
        floats=(
            lambda a, slope: _float_max(a, 0.0) + slope * _float_min(a, 0.0),
            lambda a, out, slope: 1.0 if a > 0 else float(slope),
        ),
    ),
    Op(
        name="softmax", symbol="softmax", arity=1, forward=_softmax, vjp=(_softmax_vjp,),
        formulas=("diag(p) − p pᵀ, p = softmax({a})",),
        description="Softmax over the last axis.", function="softmax",
    ),
    Op(
        name="sum", symbol="Σ", arity=1, forward=lambda a: np.asarray(np.sum(a)),
        vjp=(lambda g, a, out: np.broadcast_to(g, a.shape),), formulas=("1 for every element",),
        description="Sum of every element.", function="sum",
    ),
    Op(
        name="mean", symbol="mean", arity=1, forward=lambda a: np.asarray(np.mean(a)),
        vjp=(lambda g, a, out: np.broadcast_to(g / max(a.size, 1), a.shape),),
        formulas=("1/n for every element",), description="Mean of every element.",
        function="mean",
    ),
    Op(
        name="dot", symbol="·", arity=2, forward=_dot,
        vjp=(lambda g, a, b, out: g * b, lambda g, a, b, out: g * a), formulas=("{b}", "{a}"),
        description="Dot product Σᵢ aᵢbᵢ of two arrays of one shape.", function="dot",
    ),
    Op(
        name="transpose", symbol="ᵀ", arity=1, forward=np.transpose,
        vjp=(lambda g, a, out: np.transpose(g),), formulas=("transpose of the upstream",),
        description="Transpose (reverses the axes).", function="transpose",
    ),
    Op(
        name="mse", symbol="MSE", arity=2, forward=_mse, vjp=(_mse_vjp(1.0), _mse_vjp(-1.0)),
        formulas=("2({a} − {b})/n", "−2({a} − {b})/n"),
        description="Mean squared error mean((pred − target)²).", function="mse",
    ),
    Op(
        name="cross_entropy", symbol="CE", arity=2, forward=_cross_entropy,
        vjp=(_cross_entropy_vjp, _zero_vjp),
        formulas=("(softmax({a}) − onehot({b}))/N", "none: a class index is not differentiable"),
        description="Softmax cross-entropy of logits against a class index (mean over rows).",
        function="cross_entropy", differentiable=(True, False),
    ),
    _elementwise(
        "hinge", "hinge", lambda t, c: np.maximum(0.0, 1.0 - t + c),
        (lambda t, c, out: -_step(out, 0.0), lambda t, c, out: _step(out, 0.0)),  # out > 0: margin violated
        ("−1 if 1 − {a} + {b} > 0 else 0", "1 if 1 − {a} + {b} > 0 else 0"),
        "Max-margin loss max(0, 1 − s_true + s_corrupt).", function="hinge",
        floats=(
            lambda t, c: _float_max(0.0, 1.0 - t + c),
            lambda t, c, out: -_float_step(out, 0.0), lambda t, c, out: _float_step(out, 0.0),
        ),
    ),
)
# fmt: on

OPS_BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
OPS_BY_OPERATOR: dict[str, Op] = {op.operator: op for op in OPS if op.operator}
OPS_BY_FUNCTION: dict[str, Op] = {op.function: op for op in OPS if op.function}
