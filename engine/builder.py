"""Build graphs in Python, micrograd-style: `f = (x + y) * maximum(y, z)`; and plug in user gates.

x, y, z = Var("x", 1.0), Var("y", 2.0), Var("z", 0.0)
a = (x + y).named("a"); b = maximum(y, z).named("b"); f = (a * b).named("f")
result = f.evaluate()          # engine.trace.Evaluation, every step recorded
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np

from engine.errors import EngineError
from engine.graph import Graph
from engine.nodes import CONSTANT, INPUT, OP, Node, as_value
from engine.ops import OPS_BY_FUNCTION, OPS_BY_OPERATOR, Array, Op, attr_text

_serial = itertools.count()  # creation order is a topological order
LABEL_MAX = 32


class Expr:
    """A node under construction: an input, a constant or an op applied to other Exprs."""

    __slots__ = ("kind", "op", "args", "name", "value", "attrs", "serial")

    def __init__(
        self,
        kind: str,
        op: Op | None = None,
        args: Sequence[Expr] = (),
        name: str | None = None,
        value: object = None,
        attrs: tuple[tuple[str, float], ...] = (),
    ) -> None:
        self.kind, self.op, self.args, self.name = kind, op, tuple(args), name
        self.value, self.attrs, self.serial = value, attrs, next(_serial)

    def named(self, name: str) -> Expr:
        self.name = name
        return self

    def __repr__(self) -> str:
        return f"Expr({self.name or self.kind}, op={self.op.name if self.op else None})"

    def __add__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["+"], self, other)

    def __radd__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["+"], other, self)

    def __sub__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["-"], self, other)

    def __rsub__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["-"], other, self)

    def __mul__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["*"], self, other)

    def __rmul__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["*"], other, self)

    def __truediv__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["/"], self, other)

    def __rtruediv__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["/"], other, self)

    def __pow__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["**"], self, other)

    def __rpow__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["**"], other, self)

    def __matmul__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["@"], self, other)

    def __rmatmul__(self, other: object) -> Expr:
        return apply(OPS_BY_OPERATOR["@"], other, self)

    def __neg__(self) -> Expr:
        return apply(OPS_BY_OPERATOR["neg"], self)

    def graph(self) -> Graph:
        return build_graph(self)

    def evaluate(self, inputs: Mapping[str, object] | None = None, seed: object = None):
        from engine.autograd import evaluate

        return evaluate(self.graph(), inputs, seed)


def Var(name: str, value: object = None) -> Expr:
    """A free input; its value may be given now or at evaluation."""
    return Expr(INPUT, name=name, value=value)


def Const(value: object) -> Expr:
    return Expr(CONSTANT, value=as_value(value, "constant"))


def lift(value: object) -> Expr:
    return value if isinstance(value, Expr) else Const(value)


def _attr_value(value: object) -> object:
    """A literal attribute: a number as a float, an index as integers, None (every axis) as is."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return tuple(int(i) for i in value)
    return float(value)


def apply(op: Op, *args: object, **attrs: object) -> Expr:
    if len(args) != op.arity:
        raise EngineError("wrong_arity", f"{op.name} takes {op.arity} inputs, got {len(args)}")
    unknown = set(attrs) - {name for name, _ in op.attrs}
    if unknown:
        raise EngineError("unknown_argument", f"{op.name} has no argument '{sorted(unknown)[0]}'")
    values = tuple((name, _attr_value(attrs.get(name, default))) for name, default in op.attrs)
    return Expr(OP, op, [lift(a) for a in args], attrs=values)


class _Functions:
    """`fn.max(y, z)`, `fn.sigmoid(z)`, … — every op the expression language calls by name."""

    def __getattr__(self, function: str):
        op = OPS_BY_FUNCTION.get(function)
        if op is None:
            raise AttributeError(function)
        return lambda *args, **attrs: apply(op, *args, **attrs)


fn = _Functions()


def maximum(a: object, b: object) -> Expr:
    return apply(OPS_BY_FUNCTION["max"], a, b)


def minimum(a: object, b: object) -> Expr:
    return apply(OPS_BY_FUNCTION["min"], a, b)


class Gate:
    """A user-defined gate, like the notes' MultiplyGate:

        class MultiplyGate(Gate):
            symbol = "×"
            def forward(self, x, y):
                self.x, self.y = x, y
                return x * y
            def backward(self, upstream):
                return [upstream * self.y, upstream * self.x]

    `MultiplyGate()(x, y)` is then a node like any built-in op. Any object with these two
    methods works; `backward` may rely on what `forward` stored, since the engine calls
    forward again right before each backward.
    """

    name = "gate"
    symbol = "g"

    def __call__(self, *args: object) -> Expr:
        return apply(gate_op(self, len(args)), *args)


def gate_op(gate: object, arity: int) -> Op:
    """Wrap an object with forward(*inputs) and backward(upstream) as an Op (a class is instantiated)."""
    if isinstance(gate, type):
        gate = gate()
    name = getattr(gate, "name", None)
    if not name or name == Gate.name:
        name = type(gate).__name__

    def forward(*inputs: Array) -> Array:
        try:
            return gate.forward(*inputs)
        except EngineError:
            raise
        except Exception as error:  # the user's code: report it, do not crash the caller
            raise EngineError("invalid_gate", f"gate {name}: forward failed: {error}") from None

    def vjp_for(slot: int):
        def vjp(upstream: Array, *inputs_and_out: Array) -> Array:
            try:
                gate.forward(*inputs_and_out[:-1])  # backward may rely on what forward stored
                downstream = list(gate.backward(upstream))
                gradient = (
                    np.asarray(downstream[slot], dtype=np.float64) if len(downstream) == arity else None
                )
            except EngineError:
                raise
            except Exception as error:
                raise EngineError("invalid_gate", f"gate {name}: backward failed: {error}") from None
            if gradient is None:
                raise EngineError(
                    "invalid_gate",
                    f"gate {name}: backward returned {len(downstream)} gradients for {arity} inputs",
                )
            return gradient

        return vjp

    formulas = tuple(getattr(gate, "formulas", ()))
    return Op(
        name=name,
        symbol=getattr(gate, "symbol", name),
        arity=arity,
        forward=forward,
        vjp=tuple(vjp_for(slot) for slot in range(arity)),
        formulas=formulas if len(formulas) == arity else ("user-defined",) * arity,
        description=getattr(gate, "description", f"user-defined gate {name}"),
    )


def _describe(expr: Expr, ids: dict[int, str], labels: dict[int, str]) -> str:
    """Forward text of an op node, from its inputs' labels."""
    parts = []
    for arg in expr.args:
        label = labels[id(arg)]
        simple = arg.kind != OP or arg.name is not None
        parts.append(label if simple else f"({label})" if len(label) <= LABEL_MAX else ids[id(arg)])
    op = expr.op
    if op.operator == "neg":
        return f"−{parts[0]}"
    if op.operator:
        return f" {op.operator} ".join(parts)
    if op.name == "index":
        return f"{parts[0]}[{attr_text(expr.attrs[0][1])}]"
    attrs = [attr_text(v) for k, v in expr.attrs if v != dict(op.attrs)[k]]
    return f"{op.function or op.name}({', '.join(parts + attrs)})"


def _format_constant(value: Array) -> str:
    return f"{float(value):g}" if value.ndim == 0 else f"const{list(value.shape)}"


def build_graph(output: Expr, output_name: str | None = None) -> Graph:
    """Collect every Expr the output depends on: inputs first, then in creation order."""
    seen: dict[int, Expr] = {}
    stack = [output]
    while stack:  # iterative: deep chains must not hit Python's recursion limit
        expr = stack.pop()
        if id(expr) not in seen:
            seen[id(expr)] = expr
            stack.extend(expr.args)
    exprs = sorted(seen.values(), key=lambda e: (e.kind != INPUT, e.serial))
    ids: dict[int, str] = {}
    labels: dict[int, str] = {}
    nodes: list[Node] = []
    defaults: dict[str, object] = {}
    names: dict[str, Expr] = {}
    for k, expr in enumerate(exprs):
        node_id = expr.name or f"#{k}"
        if expr.name is not None:
            if expr.name in names:
                raise EngineError("duplicate_name", f"two different nodes are named '{expr.name}'")
            names[expr.name] = expr
        elif expr.kind == INPUT:
            raise EngineError("unnamed_input", "every Var needs a name")
        ids[id(expr)] = node_id
        if expr.kind == INPUT:
            labels[id(expr)] = node_id
            if expr.value is not None:
                defaults[node_id] = expr.value
            nodes.append(Node(node_id, INPUT, node_id))
        elif expr.kind == CONSTANT:
            labels[id(expr)] = _format_constant(expr.value)
            nodes.append(Node(node_id, CONSTANT, labels[id(expr)], value=expr.value))
        else:
            text = _describe(expr, ids, labels)
            labels[id(expr)] = expr.name or text
            inputs = tuple(ids[id(a)] for a in expr.args)
            nodes.append(Node(node_id, OP, labels[id(expr)], expr.op, inputs, expr.attrs, text=text))
    output_id = output_name or ids[id(output)]
    return Graph(nodes, output_id, defaults)
