"""Every op on scalars and tensors, with a plain-numpy reference and inputs away from kinks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

RNG = np.random.default_rng(20261128)


def values(*shape: int, low: float = -2.0, high: float = 2.0, margin: float = 0.0) -> np.ndarray:
    """Random values in [low, high], at least `margin` away from 0 (and so from the kinks)."""
    raw = RNG.uniform(low, high, size=shape)
    if margin:
        raw = np.where(np.abs(raw) < margin, np.sign(raw + 1e-300) * margin + raw, raw)
    return np.array(raw, dtype=np.float64)


def positive(*shape: int) -> np.ndarray:
    return np.array(RNG.uniform(0.5, 2.0, size=shape))


def _softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v)
    return e / e.sum(axis=-1, keepdims=True)


def _cross_entropy(logits: np.ndarray, k: np.ndarray) -> np.ndarray:
    rows = logits.reshape(-1, logits.shape[-1])
    index = np.asarray(k, dtype=int).reshape(-1)
    log_probs = rows - np.log(np.exp(rows).sum(axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(index)), index])


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    inputs: dict[str, np.ndarray]
    reference: Callable[..., np.ndarray]
    wrt: tuple[str, ...] | None = None  # None: every input
    kinks: tuple[str, ...] = field(default=())

    @property
    def differentiated(self) -> tuple[str, ...]:
        return tuple(self.inputs) if self.wrt is None else self.wrt


def _binary(
    name: str, symbol: str, reference: Callable, b_maker: Callable = values, a_maker: Callable | None = None
) -> list[Case]:
    shapes = [((), ()), ((3,), ()), ((), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((2, 3), (2, 3))]
    cases = []
    for a_shape, b_shape in shapes:
        source = f"f = a {symbol} b" if symbol else f"f = {name}(a, b)"
        cases.append(
            Case(
                f"{name}{a_shape}{b_shape}",
                source,
                {"a": (a_maker or _away_from_zero)(*a_shape), "b": b_maker(*b_shape)},
                reference,
            )
        )
    return cases


def _away_from_zero(*shape: int) -> np.ndarray:
    return values(*shape, margin=0.2)


def _unary(name: str, reference: Callable, maker: Callable = values, call: str | None = None) -> list[Case]:
    return [
        Case(f"{name}{shape}", f"f = {call or name}(a)", {"a": maker(*shape)}, lambda a: reference(a))
        for shape in [(), (3,), (2, 3)]
    ]


def _far_from_one(*shape: int) -> np.ndarray:
    """Values on both sides of ±1 but at least 0.2 from ±1 and from 0."""
    raw = values(*shape, low=0.2, high=1.8)
    raw = np.where(np.abs(raw - 1.0) < 0.2, raw + 0.4, raw)
    return raw * np.where(RNG.uniform(size=shape) < 0.5, -1.0, 1.0)


def _distinct_from(*shape: int) -> np.ndarray:
    """For max/min: b values are offset so no element ties with a (a has margin 0.2 from 0)."""
    return values(*shape, margin=0.0) * 0.05


CASES: list[Case] = [
    *_binary("add", "+", lambda a, b: a + b),
    *_binary("sub", "-", lambda a, b: a - b),
    *_binary("mul", "*", lambda a, b: a * b),
    *_binary("div", "/", lambda a, b: a / b, b_maker=lambda *s: values(*s, margin=0.5)),
    *_binary("max", "", lambda a, b: np.maximum(a, b), b_maker=_distinct_from),
    *_binary("min", "", lambda a, b: np.minimum(a, b), b_maker=_distinct_from),
    *_binary(
        "hinge", "", lambda a, b: np.maximum(0.0, 1.0 - a + b), b_maker=_distinct_from, a_maker=_far_from_one
    ),
    Case("pow()()", "f = a ** b", {"a": positive(), "b": values()}, lambda a, b: a**b),
    Case("pow(3,)()", "f = a ** b", {"a": positive(3), "b": values()}, lambda a, b: a**b),
    Case("pow(2,3)(3,)", "f = a ** b", {"a": positive(2, 3), "b": values(3)}, lambda a, b: a**b),
    # wrt a only: ∂(a³)/∂3 = a³·ln a is NaN for a < 0, as in PyTorch; the constant is not differentiated.
    Case("pow_const(3,)", "f = a ** 3", {"a": values(3)}, lambda a: a**3, wrt=("a",)),
    Case("matmul(2,3)(3,)", "f = A @ x", {"A": values(2, 3), "x": values(3)}, lambda A, x: A @ x),
    Case("matmul(3,)(3,2)", "f = x @ B", {"x": values(3), "B": values(3, 2)}, lambda x, B: x @ B),
    Case("matmul(4,3)(3,2)", "f = A @ B", {"A": values(4, 3), "B": values(3, 2)}, lambda A, B: A @ B),
    Case("matmul(3,)(3,)", "f = u @ v", {"u": values(3), "v": values(3)}, lambda u, v: u @ v),
    Case("matmul(2,4,3)(3,2)", "f = A @ B", {"A": values(2, 4, 3), "B": values(3, 2)}, lambda A, B: A @ B),
    Case("matmul(2,2,3)(3,)", "f = A @ x", {"A": values(2, 2, 3), "x": values(3)}, lambda A, x: A @ x),
    Case("matmul(3,)(2,3,2)", "f = x @ B", {"x": values(3), "B": values(2, 3, 2)}, lambda x, B: x @ B),
    Case("neg()", "f = -a", {"a": values()}, lambda a: -a),
    Case("neg(2,3)", "f = -a", {"a": values(2, 3)}, lambda a: -a),
    *_unary("exp", np.exp),
    *_unary("log", np.log, positive),
    *_unary("sin", np.sin),
    *_unary("cos", np.cos),
    *_unary("sqrt", np.sqrt, positive),
    *_unary("abs", np.abs, lambda *s: values(*s, margin=0.2)),
    *_unary("sigmoid", lambda a: 1.0 / (1.0 + np.exp(-a)), lambda *s: values(*s, low=-4, high=4)),
    *_unary("tanh", np.tanh),
    *_unary("hardtanh", lambda a: np.clip(a, -1, 1), _far_from_one),
    *_unary("relu", lambda a: np.maximum(a, 0), lambda *s: values(*s, margin=0.2)),
    *_unary("leaky_relu", lambda a: np.where(a > 0, a, 0.01 * a), lambda *s: values(*s, margin=0.2)),
    *_unary(
        "leaky_relu_0.2",
        lambda a: np.where(a > 0, a, 0.2 * a),
        lambda *s: values(*s, margin=0.2),
        call="leaky_relu_slope",
    ),
    Case("softmax(4,)", "f = softmax(v)", {"v": values(4)}, _softmax),
    Case("softmax(2,4)", "f = softmax(v)", {"v": values(2, 4)}, _softmax),
    Case("sum()", "f = sum(a)", {"a": values()}, lambda a: np.sum(a)),
    Case("sum(2,3)", "f = sum(a)", {"a": values(2, 3)}, lambda a: np.sum(a)),
    Case("mean(3,)", "f = mean(a)", {"a": values(3)}, lambda a: np.mean(a)),
    Case("mean(2,3)", "f = mean(a)", {"a": values(2, 3)}, lambda a: np.mean(a)),
    Case("sum(2,3)axis0", "f = sum(a, 0)", {"a": values(2, 3)}, lambda a: np.sum(a, axis=0)),
    Case("sum(2,3)axis-1", "f = sum(a, -1)", {"a": values(2, 3)}, lambda a: np.sum(a, axis=-1)),
    Case("mean(2,3)axis1", "f = mean(a, 1)", {"a": values(2, 3)}, lambda a: np.mean(a, axis=1)),
    Case("mean(2,3,4)axis0", "f = mean(a, 0)", {"a": values(2, 3, 4)}, lambda a: np.mean(a, axis=0)),
    Case("logsumexp(4,)", "f = logsumexp(v)", {"v": values(4)}, lambda v: np.log(np.sum(np.exp(v), axis=-1))),
    Case(
        "logsumexp(2,4)",
        "f = logsumexp(v)",
        {"v": values(2, 4)},
        lambda v: np.log(np.sum(np.exp(v), axis=-1)),
    ),
    Case("log_softmax(4,)", "f = log_softmax(v)", {"v": values(4)}, lambda v: np.log(_softmax(v))),
    Case("log_softmax(2,4)", "f = log_softmax(v)", {"v": values(2, 4)}, lambda v: np.log(_softmax(v))),
    Case("clamp()", "f = clamp(a, -0.5, 1)", {"a": np.array(0.3)}, lambda a: np.clip(a, -0.5, 1.0)),
    Case(
        "clamp(2,3)",
        "f = clamp(a, -0.5, 1)",
        {"a": _far_from_one(2, 3) * 0.8},
        lambda a: np.clip(a, -0.5, 1.0),
    ),
    Case("index(3,)[1]", "f = p[1]", {"p": values(3)}, lambda p: p[1]),
    Case("index(2,3)[0,-1]", "f = W[0, -1]", {"W": values(2, 3)}, lambda W: W[0, -1]),
    Case("index(2,3)[1]", "f = W[1]", {"W": values(2, 3)}, lambda W: W[1]),
    Case("dot()()", "f = dot(u, v)", {"u": values(), "v": values()}, lambda u, v: np.sum(u * v)),
    Case("dot(3,)", "f = dot(u, v)", {"u": values(3), "v": values(3)}, lambda u, v: np.sum(u * v)),
    Case("dot(2,3)", "f = dot(u, v)", {"u": values(2, 3), "v": values(2, 3)}, lambda u, v: np.sum(u * v)),
    Case("transpose(2,3)", "f = transpose(A)", {"A": values(2, 3)}, lambda A: A.T),
    Case("transpose(2,3,4)", "f = transpose(A)", {"A": values(2, 3, 4)}, lambda A: A.T),
    Case("mse(3,)", "f = mse(p, t)", {"p": values(3), "t": values(3)}, lambda p, t: np.mean((p - t) ** 2)),
    Case(
        "mse(2,3)(3,)",
        "f = mse(p, t)",
        {"p": values(2, 3), "t": values(3)},
        lambda p, t: np.mean((p - t) ** 2),
    ),
    Case(
        "cross_entropy(C,)",
        "f = cross_entropy(logits, k)",
        {"logits": values(5), "k": np.array(3.0)},
        _cross_entropy,
        wrt=("logits",),
    ),
    Case(
        "cross_entropy(N,C)",
        "f = cross_entropy(logits, k)",
        {"logits": values(4, 3), "k": np.array([0.0, 2.0, 1.0, 2.0])},
        _cross_entropy,
        wrt=("logits",),
    ),
]

# leaky_relu with an explicit slope is written `leaky_relu(a, 0.2)`.
CASES = [
    Case(c.id, c.source.replace("leaky_relu_slope(a)", "leaky_relu(a, 0.2)"), c.inputs, c.reference, c.wrt)
    for c in CASES
]
