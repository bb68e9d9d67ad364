"""Every op, declared once: its name, drawn symbol, forward, local gradient and the formula text.

An op gives only its *local* derivative. The chain rule — upstream × local = downstream,
summing at fan-out, un-broadcasting — is applied by engine.autograd, never here.

Two kinds of op, as in the notes:

- **Elementwise** ops declare `local`: one function per input giving ∂out/∂input element by
  element — the diagonal of the Jacobian diag(f′(z)). The downstream gradient is then
  upstream ⊙ local.
- The others declare `vjp`: one function per input mapping the upstream gradient to the
  downstream one (a vector-Jacobian product, e.g. ∂s/∂W = δ xᵀ for z = W x), because their
  Jacobian is not diagonal and is usually too large to build.

An op states its derivative once: `local` or `vjp`, never both. The functions use only Python's
operators and numpy's ufuncs, so they work on arrays and on plain floats alike (engine.fast runs
all-scalar graphs on floats with these very functions). Conventions at kinks are PyTorch's,
stated in each formula: relu′(0) = 0, abs′(0) = 0, hardtanh′(±1) = 0, leaky_relu′(0) = slope,
max/min split a tie ½ each, ∂(a^b)/∂a = 0 where b = 0, ∂(a^b)/∂b = 0 where a = 0 ≤ b.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.errors import EngineError

Array = np.ndarray
LocalFn = Callable[..., object]  # (*inputs, out, **attrs) -> ∂out/∂input, elementwise
VjpFn = Callable[..., Array]  # (upstream, *inputs, out, **attrs) -> downstream


@dataclass(frozen=True)
class Op:
    """One computation the graph can draw as a gate."""

    name: str
    symbol: str
    arity: int
    forward: Callable[..., object]
    formulas: tuple[str, ...]  # local gradient per input; {a}, {b} name the inputs, {slope} an attr
    description: str
    local: tuple[LocalFn, ...] | None = None  # elementwise ops
    vjp: tuple[VjpFn, ...] | None = None  # the others
    operator: str | None = None  # how the source writes it as an operator: "+", "@", "neg"
    function: str | None = None  # how the source writes it as a call: "max", "sigmoid"
    attrs: tuple[tuple[str, float], ...] = ()  # literal-only extra arguments, with defaults
    differentiable: tuple[bool, ...] = field(default=())  # empty: every input is

    def __post_init__(self) -> None:
        if (self.local is None) == (self.vjp is None):
            raise ValueError(f"op {self.name}: declare either `local` or `vjp`, once")

    @property
    def elementwise(self) -> bool:
        """downstream = upstream ⊙ local, and the output has the broadcast shape of the inputs."""
        return self.local is not None

    @property
    def keeps_shape(self) -> bool:
        """The output has the input's shape (one-input elementwise ops): no un-broadcasting."""
        return self.elementwise and self.arity == 1

    def passes_upstream(self, slot: int) -> bool:
        """The local gradient is 1: the downstream gradient is the upstream (add's inputs)."""
        return self.local is not None and self.local[slot] is one

    def is_differentiable(self, slot: int) -> bool:
        return not self.differentiable or self.differentiable[slot]

    def downstream(self, slot: int, upstream: Array, inputs: tuple, out: Array, attrs: dict) -> Array:
        """upstream × local through one input, before un-broadcasting to the input's shape."""
        if self.vjp is not None:
            return self.vjp[slot](upstream, *inputs, out, **attrs)
        return upstream * self.local[slot](*inputs, out, **attrs)

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


# Local gradients shared by several ops. Comparisons give booleans (or boolean arrays), and
# 1.0 * (a > 0) is "1 where a > 0, else 0" on floats and arrays alike.
def one(*_: object, **__: float) -> float:
    """The local gradient 1: the upstream passes on unchanged ("add distributes")."""
    return 1.0


def minus_one(*_: object, **__: float) -> float:
    return -1.0


def _max_local_a(a: Array, b: Array, out: Array) -> Array:
    # 1 where a wins, 0 where it loses, ½ on a tie (torch.maximum); a NaN routes to both, as torch.
    return 1.0 - 1.0 * (a < b) - 0.5 * (a == b)


def _max_local_b(a: Array, b: Array, out: Array) -> Array:
    return 1.0 - 1.0 * (b < a) - 0.5 * (a == b)


def _pow_local_base(a: Array, b: Array, out: Array) -> Array:
    # b·a^(b−1), but 0 where b = 0 (a⁰ = 1 is constant): at a = 0 the product would be 0·∞.
    return np.where(b == 0, 0.0, b * np.power(a, b - 1.0))


def _pow_local_exponent(a: Array, b: Array, out: Array) -> Array:
    # a^b · ln a, but 0 where a = 0 and b ≥ 0 (PyTorch's convention): 0 · (−∞) otherwise.
    return np.where((a == 0) & (b >= 0), 0.0, out * np.log(a))


def _sigmoid(a: Array) -> Array:
    # PyTorch's 1/(1 + e⁻ᵃ): for a < −709, e⁻ᵃ overflows to inf and the quotient is 0, the limit.
    return 1.0 / (1.0 + np.exp(-a))


def _matmul_vjp_a(g: Array, a: Array, b: Array, out: Array) -> Array:
    """∂s/∂a = upstream · bᵀ (for z = W x: ∂s/∂W = δ xᵀ, the outer product)."""
    if a.ndim == 1 and b.ndim == 1:  # a dot product: the upstream is a number
        return g * b
    if b.ndim == 1:  # (…, m, n) @ (n,): each row of a met b once
        return g[..., :, None] * b
    if a.ndim == 1:  # (n,) @ (…, n, k): a acts as a row, summed over b's leading axes below
        return np.matmul(b, g[..., :, None])[..., 0]
    return np.matmul(g, np.swapaxes(b, -1, -2))


def _matmul_vjp_b(g: Array, a: Array, b: Array, out: Array) -> Array:
    """∂s/∂b = aᵀ · upstream (for z = W x: ∂s/∂x = Wᵀ δ)."""
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if b.ndim == 1:  # (…, m, n) @ (n,): sum over every leading axis
        return np.tensordot(g, a, axes=(tuple(range(g.ndim)), tuple(range(a.ndim - 1))))
    if a.ndim == 1:
        return a[:, None] * g[..., None, :]
    return np.matmul(np.swapaxes(a, -1, -2), g)


def _softmax(v: Array) -> Array:
    if v.ndim == 0:
        e = np.exp(v - v)  # 1, or NaN for a non-finite v
        return e / e
    e = np.exp(v - v.max(axis=-1, keepdims=True))  # shifted: no overflow
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_vjp(g: Array, v: Array, out: Array) -> Array:
    # (diag(p) − p pᵀ) g, without building the Jacobian: p ⊙ (g − ⟨g, p⟩)
    if out.ndim == 0:
        return np.zeros_like(g)
    return out * (g - np.sum(g * out, axis=-1, keepdims=True))


def _dot(a: Array, b: Array) -> Array:
    if np.shape(a) != np.shape(b):
        raise EngineError(
            "shape_mismatch",
            f"dot needs two arrays of one shape, got {_shape(a)} and {_shape(b)}",
            params={"op": "dot", "rule": "same_shape", "shapes": [list(np.shape(a)), list(np.shape(b))]},
        )
    return np.sum(a * b)


def _mse(pred: Array, target: Array) -> Array:
    diff = pred - target
    return np.mean(diff * diff)


def _mse_vjp(sign: float) -> VjpFn:
    def vjp(g: Array, pred: Array, target: Array, out: Array) -> Array:
        diff = pred - target  # already of the broadcast shape
        return sign * 2.0 / max(np.size(diff), 1) * g * diff

    return vjp


def _shape(value: object) -> str:
    shape = np.shape(value)
    return "×".join(map(str, shape)) if shape else "a scalar"


def _class_rows(logits: Array, index: Array) -> tuple[Array, Array]:
    """Logits as (batch, classes) and class indices as integers (batch,), checked."""
    if np.ndim(logits) not in (1, 2):
        raise EngineError(
            "shape_mismatch",
            f"cross_entropy takes logits of shape C or N×C, got {_shape(logits)}",
            params={"op": "cross_entropy", "rule": "logits", "shapes": [list(np.shape(logits))]},
        )
    batch = np.reshape(logits, (1, -1)) if np.ndim(logits) == 1 else logits
    given = np.reshape(index, -1)
    if given.size != batch.shape[0]:
        raise EngineError(
            "shape_mismatch",
            f"cross_entropy: {batch.shape[0]} rows of logits but {given.size} class indices",
            params={
                "op": "cross_entropy",
                "rule": "rows",
                "rows": int(batch.shape[0]),
                "count": int(given.size),
            },
        )
    whole = given.astype(np.intp)  # NaN or ±inf become some integer, told apart just below
    if (whole != given).any():
        raise EngineError(
            "invalid_value", "class indices must be whole numbers", params={"field": "class_index"}
        )
    if whole.size and (whole.min() < 0 or whole.max() >= batch.shape[1]):
        raise EngineError(
            "invalid_value",
            f"class index out of range 0…{batch.shape[1] - 1}",
            params={"field": "class_index", "max": int(batch.shape[1] - 1)},
        )
    return batch, whole


def _cross_entropy(logits: Array, index: Array) -> Array:
    batch, k = _class_rows(logits, index)
    shifted = batch - batch.max(axis=1, keepdims=True)  # log-sum-exp without overflow
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(len(k)), k])


def _cross_entropy_vjp(g: Array, logits: Array, index: Array, out: Array) -> Array:
    # (softmax(logits) − onehot(k)) / N, times the upstream
    batch, k = _class_rows(logits, index)
    probs = _softmax(batch)
    probs[np.arange(len(k)), k] -= 1.0
    return (g / len(k) * probs).reshape(np.shape(logits))


def _no_gradient(g: Array, *inputs: Array) -> Array:
    return np.zeros_like(inputs[1])


def attr_text(value: object) -> str:
    """An attribute as the formula shows it: 0.01, an axis, an index (1, 2), or "all"."""
    if value is None:
        return "all"
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return f"{value:g}"


def _axis(a: Array, axis: float | None) -> int | None:
    """A literal axis as an integer in range (negative counts from the end, as numpy)."""
    if axis is None:
        return None
    ndim = np.ndim(a)
    if axis != int(axis) or not -ndim <= int(axis) < ndim:
        raise EngineError(
            "invalid_axis",
            f"axis {attr_text(axis)} does not exist in a value of shape {_shape(a)}",
            params={"axis": attr_text(axis), "shapes": [list(np.shape(a))]},
        )
    return int(axis) % ndim


def _reduce_vjp(mean: bool) -> VjpFn:
    def vjp(g: Array, a: Array, out: Array, axis: float | None) -> Array:
        # sum is expand in reverse: the upstream copied back along the summed axis (÷ n for mean)
        k = _axis(a, axis)
        n = np.size(a) if k is None else np.shape(a)[k]
        spread = g if k is None else np.expand_dims(g, k)
        return np.broadcast_to(spread / max(n, 1) if mean else spread, np.shape(a))

    return vjp


def _logsumexp(v: Array) -> Array:
    if np.ndim(v) == 0:
        return v + 0.0
    m = np.max(v, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # shift by the max (no overflow); ±inf rows stay as they are
    return np.squeeze(m, -1) + np.log(np.sum(np.exp(v - m), axis=-1))


def _logsumexp_vjp(g: Array, v: Array, out: Array) -> Array:
    # ∂/∂vᵢ log Σⱼ e^vⱼ = softmax(v)ᵢ
    return g if np.ndim(v) == 0 else np.expand_dims(g, -1) * _softmax(v)


def _log_softmax(v: Array) -> Array:
    return v - np.expand_dims(_logsumexp(v), -1) if np.ndim(v) else v - v


def _log_softmax_vjp(g: Array, v: Array, out: Array) -> Array:
    # (I − 1 pᵀ)ᵀ g = g − p Σ g
    return g - _softmax(v) * np.sum(g, axis=-1, keepdims=True) if np.ndim(v) else g * 0.0


def _index(a: Array, index: tuple[int, ...]) -> Array:
    """a[i, j, …] with literal integers (negative from the end, as numpy)."""
    shape = np.shape(a)
    if len(index) > len(shape):
        raise EngineError(
            "invalid_index",
            f"{len(index)} indices for a value of shape {_shape(a)} ({len(shape)} axes)",
            params={"reason": "too_many", "count": len(index), "shapes": [list(shape)]},
        )
    for axis, (i, n) in enumerate(zip(index, shape, strict=False)):
        if not -n <= i < n:
            raise EngineError(
                "invalid_index",
                f"index {i} is out of range for axis {axis} of size {n}",
                params={"reason": "out_of_range", "index": i, "axis": axis, "size": n},
            )
    return a[index]


def _index_vjp(g: Array, a: Array, out: Array, index: tuple[int, ...]) -> Array:
    # the gradient scatters back: the upstream lands where the element came from, 0 elsewhere
    down = np.zeros(np.shape(a))
    down[index] = g
    return down


# The ops read as a table, one declaration per op, a few lines each: ruff leaves it as written.
# fmt: off
OPS: tuple[Op, ...] = (
    Op("add", "+", 2, operator.add, ("1", "1"), "Sum a + b; passes the gradient on to both.",
       local=(one, one), operator="+"),
    Op("sub", "−", 2, operator.sub, ("1", "−1"), "Difference a − b.",
       local=(one, minus_one), operator="-"),
    Op("mul", "×", 2, operator.mul, ("{b}", "{a}"), "Product a · b; swaps the inputs as local gradients.",
       local=(lambda a, b, out: b, lambda a, b, out: a), operator="*"),
    Op("div", "÷", 2, operator.truediv, ("1/{b}", "−({a}/{b})/{b}"), "Quotient a / b.",
       local=(lambda a, b, out: 1.0 / b, lambda a, b, out: -out / b), operator="/"),
    Op("pow", "^", 2, np.power, ("{b}·{a}^({b}−1) (0 where {b} = 0)", "{a}^{b}·ln {a} (0 where {a} = 0 ≤ {b})"),
       "Power a ** b.", local=(_pow_local_base, _pow_local_exponent), operator="**"),
    Op("matmul", "@", 2, np.matmul, ("{b}ᵀ in row i of ∂outᵢ/∂{a}, 0 elsewhere", "{a}: ∂outᵢ/∂{b}ⱼ = {a}ᵢⱼ"),
       "Matrix product; W @ x with a vector x gives a vector.", vjp=(_matmul_vjp_a, _matmul_vjp_b),
       operator="@"),
    Op("neg", "−", 1, operator.neg, ("−1",), "Negation −a.", local=(minus_one,), operator="neg"),
    Op("max", "max", 2, np.maximum, ("1 if {a} > {b}, ½ if equal, else 0", "1 if {b} > {a}, ½ if equal, else 0"),
       "Larger of a and b; the gradient goes to the larger one (split evenly on a tie).",
       local=(_max_local_a, _max_local_b), function="max"),
    Op("min", "min", 2, np.minimum, ("1 if {a} < {b}, ½ if equal, else 0", "1 if {b} < {a}, ½ if equal, else 0"),
       "Smaller of a and b; the gradient goes to the smaller one (split evenly on a tie).",
       local=(_max_local_b, _max_local_a), function="min"),
    Op("exp", "exp", 1, np.exp, ("exp({a})",), "Exponential eᵃ.", local=(lambda a, out: out,), function="exp"),
    Op("log", "log", 1, np.log, ("1/{a}",), "Natural logarithm.", local=(lambda a, out: 1.0 / a,), function="log"),
    Op("sin", "sin", 1, np.sin, ("cos({a})",), "Sine.", local=(lambda a, out: np.cos(a),), function="sin"),
    Op("cos", "cos", 1, np.cos, ("−sin({a})",), "Cosine.", local=(lambda a, out: -np.sin(a),), function="cos"),
    Op("sqrt", "√", 1, np.sqrt, ("1/(2√{a})",), "Square root.", local=(lambda a, out: 0.5 / out,), function="sqrt"),
    Op("abs", "|·|", 1, np.abs, ("sign({a}) (0 at 0)",), "Absolute value; derivative 0 at 0.",
       local=(lambda a, out: np.sign(a),), function="abs"),
    Op("sigmoid", "σ", 1, _sigmoid, ("σ({a})·(1 − σ({a}))",), "Logistic sigmoid 1/(1 + e⁻ᵃ).",
       local=(lambda a, out: out * (1.0 - out),), function="sigmoid"),
    Op("tanh", "tanh", 1, np.tanh, ("1 − tanh²({a})",), "Hyperbolic tangent.",
       local=(lambda a, out: 1.0 - out * out,), function="tanh"),
    Op("hardtanh", "hardtanh", 1, lambda a: np.clip(a, -1.0, 1.0), ("1 if −1 < {a} < 1 else 0",),
       "Clip to [−1, 1]; derivative 0 at ±1.", local=(lambda a, out: 1.0 * ((a > -1.0) & (a < 1.0)),),
       function="hardtanh"),
    Op("relu", "relu", 1, lambda a: np.maximum(a, 0.0), ("1 if {a} > 0 else 0",),
       "Rectifier max(0, a); derivative 0 at 0.", local=(lambda a, out: 1.0 * (a > 0),), function="relu"),
    Op("leaky_relu", "lrelu", 1, lambda a, slope: np.where(a > 0, a, slope * a), ("1 if {a} > 0 else {slope}",),
       "Leaky rectifier: a if a > 0 else slope·a (slope 0.01 unless given).",
       local=(lambda a, out, slope: np.where(a > 0, 1.0, slope),), function="leaky_relu", attrs=(("slope", 0.01),)),
    Op("softmax", "softmax", 1, _softmax, ("diag(p) − p pᵀ, p = softmax({a})",), "Softmax over the last axis.",
       vjp=(_softmax_vjp,), function="softmax"),
    Op("sum", "Σ", 1, lambda a, axis: np.sum(a, axis=_axis(a, axis)), ("1 for every element (summed over axis: {axis})",),
       "Sum of every element, or along one axis: sum(x, 0).", vjp=(_reduce_vjp(False),), function="sum",
       attrs=(("axis", None),)),
    Op("mean", "mean", 1, lambda a, axis: np.sum(a, axis=_axis(a, axis)) / (np.size(a) if axis is None else np.shape(a)[_axis(a, axis)]),
       ("1/n for every element (averaged over axis: {axis})",), "Mean of every element, or along one axis: mean(x, 1).",
       vjp=(_reduce_vjp(True),), function="mean", attrs=(("axis", None),)),
    Op("logsumexp", "LSE", 1, _logsumexp, ("softmax({a})",), "log Σ exp over the last axis, computed stably.",
       vjp=(_logsumexp_vjp,), function="logsumexp"),
    Op("log_softmax", "log p", 1, _log_softmax, ("I − 1·softmax({a})ᵀ",),
       "log softmax over the last axis: v − logsumexp(v), computed stably.", vjp=(_log_softmax_vjp,),
       function="log_softmax"),
    Op("clamp", "clamp", 1, lambda a, lo, hi: np.minimum(np.maximum(a, lo), hi), ("1 if {lo} ≤ {a} ≤ {hi} else 0",),
       "Clip to [lo, hi] (literal bounds); gradient 1 on the closed interval, as torch.clamp.",
       local=(lambda a, out, lo, hi: 1.0 * ((a >= lo) & (a <= hi)),), function="clamp",
       attrs=(("lo", -math.inf), ("hi", math.inf))),
    Op("index", "[·]", 1, _index, ("1 at [{index}], 0 elsewhere",),
       "One element (or row) picked with literal integers: p[1], W[0, 2]; its gradient scatters back.",
       vjp=(_index_vjp,), attrs=(("index", ()),)),
    Op("dot", "·", 2, _dot, ("{b}", "{a}"), "Dot product Σᵢ aᵢbᵢ of two arrays of one shape.",
       vjp=(lambda g, a, b, out: g * b, lambda g, a, b, out: g * a), function="dot"),
    Op("transpose", "ᵀ", 1, np.transpose, ("∂outⱼᵢ/∂{a}ᵢⱼ = 1 (0 elsewhere)",), "Transpose (reverses the axes).",
       vjp=(lambda g, a, out: np.transpose(g),), function="transpose"),
    Op("mse", "MSE", 2, _mse, ("2({a} − {b})/n", "−2({a} − {b})/n"), "Mean squared error mean((pred − target)²).",
       vjp=(_mse_vjp(1.0), _mse_vjp(-1.0)), function="mse"),
    Op("cross_entropy", "CE", 2, _cross_entropy,
       ("(softmax({a}) − onehot({b}))/N", "none: a class index is not differentiable"),
       "Softmax cross-entropy of logits against a class index (mean over rows).",
       vjp=(_cross_entropy_vjp, _no_gradient), function="cross_entropy", differentiable=(True, False)),
    Op("hinge", "hinge", 2, lambda t, c: np.maximum(0.0, 1.0 - t + c),
       ("−1 if 1 − {a} + {b} > 0 else 0", "1 if 1 − {a} + {b} > 0 else 0"),
       "Max-margin loss max(0, 1 − s_true + s_corrupt); derivative 0 where the margin is exactly met.",
       local=(lambda t, c, out: -1.0 * (out > 0), lambda t, c, out: 1.0 * (out > 0)), function="hinge"),
)
# fmt: on

OPS_BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
OPS_BY_OPERATOR: dict[str, Op] = {op.operator: op for op in OPS if op.operator}
OPS_BY_FUNCTION: dict[str, Op] = {op.function: op for op in OPS if op.function}
