"""Backpropagation, one node at a time — the reference every faster path must equal.

Forward: in topological order, each node's value is its op applied to its inputs' values.

Backward: in reverse order, each node learns ∂f/∂node from the edges it feeds, then passes it
on along the edges into it (as micrograd's `_backward`). Through one edge input → consumer the
chain rule reads

    downstream = VJP(upstream)         ∂f/∂input through this edge
               = upstream ⊙ local      for an elementwise op (local = ∂consumer/∂input)

where the upstream gradient is the consumer's own ∂f/∂consumer, already known because the
consumer comes later in the order. A node that feeds several consumers (a fan-out) sums what
comes back along each edge — the lecture's ∂f/∂x = Σᵢ ∂f/∂yᵢ · ∂yᵢ/∂x — and the trace shows
that sum as a step of its own (`accumulate`). Where numpy broadcast an input (a bias added to
every row), the downstream gradient is summed back over the broadcast axes: sum is expand in
reverse (`unbroadcast`).

Every number is recorded as it is computed: `evaluate` returns the trace (engine.trace), the
slide the page draws. `run` is the same pass, returning just the values and gradients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from engine import seam
from engine.errors import EngineError
from engine.nodes import CONSTANT, INPUT, Node
from engine.ops import Array
from engine.trace import ACCUMULATE, BACKWARD, FORWARD, EdgeRecord, NodeRecord, Step, Trace

if TYPE_CHECKING:
    from engine.graph import Graph

LOCAL_JACOBIAN_MAX = 64  # the trace shows a local Jacobian with at most this many entries
Check = Callable[[Node, "list[Array] | None"], None]


def evaluate(
    graph: Graph,
    inputs: dict[str, object] | None = None,
    seed: object | None = None,
    check: Check | None = None,
) -> Trace:
    """Forward and backward over every node, recording values, gradients, edges and steps.

    `check(node, inputs)` runs before each op's forward, and `check(node, None)` at each node's
    backward step; it may raise to stop the work (the app's size and time limits)."""
    given = graph.input_values(inputs)
    fast = seam.fast("scalar_trace")  # an all-scalar graph on Python floats: the same numbers
    trace = fast.evaluate(graph, given, seed) if fast is not None else None
    if trace is not None:
        return trace
    with np.errstate(all="ignore"):  # inf and NaN are values here (log 0, 0/0), not errors
        return _evaluate(graph, {name: value.copy() for name, value in given.items()}, seed, check)


def _evaluate(graph: Graph, given: dict[str, Array], seed: object | None, check: Check | None) -> Trace:
    values = forward(graph, given, check)
    ids = [node.id for node in graph.nodes]
    steps = [Step(i, FORWARD, ids[i], graph.incoming[i], values[i]) for i in range(len(ids))]

    grads: list[Array | None] = [None] * len(ids)
    edges: list[EdgeRecord | None] = [None] * len(graph.edge_ids)
    output = graph.index[graph.output]
    for i in range(len(ids) - 1, -1, -1):
        # Backward step of node i. Its consumers come later in the order, so the edges it feeds
        # already carry their downstream gradients: ∂f/∂node is their sum (or the seed, at f).
        node = graph.nodes[i]
        if check is not None:
            check(node, None)
        outgoing = graph.outgoing[i]
        carrying = [(e, target) for e, target, _ in outgoing if graph.carries_gradient[e]]
        if i == output:
            grads[i] = graph.seed_for(values[i], seed)
        elif not carrying:  # the output does not depend on this node (or only through a class index)
            grads[i] = np.zeros(values[i].shape)
        elif len(carrying) == 1:
            grads[i] = edges[carrying[0][0]].downstream
        else:
            grads[i] = accumulate([edges[e].downstream for e, _ in carrying], [t for _, t in carrying])
        fan_out = i != output and len(outgoing) > 1
        out_ids = graph.outgoing_ids[i]
        steps.append(Step(len(steps), BACKWARD, ids[i], out_ids, None, None if fan_out else grads[i]))
        if fan_out:  # the sum gets a step of its own, which fixes the gradient
            summed = tuple(edges[e].downstream for e, _, _ in outgoing)
            steps.append(Step(len(steps), ACCUMULATE, ids[i], out_ids, grad=grads[i], terms=summed))
        # With ∂f/∂node known, the chain rule runs through the node: along each edge into it,
        # downstream = VJP(upstream), the upstream being ∂f/∂node (micrograd's `_backward`).
        if node.op is not None:
            inputs, first = [values[s] for s in graph.sources[i]], graph.first_edge[i]
            for slot in range(len(inputs)):
                edges[first + slot] = backprop_edge(graph, first + slot, i, slot, inputs, values[i], grads[i])

    nodes = tuple(_node_record(node, values[i], grads[i]) for i, node in enumerate(graph.nodes))
    return Trace(graph.output, nodes, tuple(edges), tuple(steps))


def forward(graph: Graph, given: dict[str, Array], check: Check | None = None) -> list[Array]:
    """Every node's value, in topological order. `check(node, inputs)`, if given, runs before each
    op (the app bounds the size and time of a request with it)."""
    values: list[Array] = []
    for node, sources in zip(graph.nodes, graph.sources, strict=True):
        if node.kind == INPUT:
            value = given[node.id]
        elif node.kind == CONSTANT:
            value = node.value
        else:
            inputs = [values[s] for s in sources]
            if check is not None:
                check(node, inputs)
            value = apply(node, inputs)
        values.append(value)
    return values


def apply(node: Node, inputs: list[Array]) -> Array:
    """One op's forward, as a float64 array; a failure names the node and the shapes in words."""
    try:
        value = node.op.forward(*inputs, **dict(node.attrs))
    except EngineError as error:
        raise EngineError(
            error.code,
            f"'{node.text or node.label}': {error.message}",
            node.line,
            node.column,
            params={**error.params, "text": node.text or node.label},
        ) from None
    except (ValueError, IndexError, TypeError):
        raise shape_error(node, inputs) from None
    return np.asarray(value, dtype=np.float64)


def backprop_edge(
    graph: Graph, e: int, target: int, slot: int, inputs: list[Array], out: Array, upstream: Array
) -> EdgeRecord:
    """Edge e, input → target (whose inputs and value are given): its value, local gradient,
    upstream and downstream = VJP(upstream)."""
    node, attrs, value = graph.nodes[target], graph.attrs[target], inputs[slot]
    local, kind, factor = local_gradient(node, slot, inputs, out, attrs)
    if not graph.carries_gradient[e]:  # a class index, or off the output's path
        downstream = np.zeros(value.shape)
    elif node.op.passes_upstream(slot):  # local 1 (add distributes): the upstream passes on
        downstream = unbroadcast(upstream, value.shape, node)
    elif node.op.elementwise:  # upstream ⊙ local (out=... keeps a 0-d product an array)
        downstream = unbroadcast(np.multiply(upstream, factor, out=...), value.shape, node)
    else:
        vjp = node.op.vjp[slot](upstream, *inputs, out, **attrs)
        downstream = unbroadcast(np.asarray(vjp, dtype=np.float64), value.shape, node)
    return EdgeRecord(
        graph.edge_ids[e], graph.nodes[graph.sources[target][slot]].id, node.id, slot,
        value, local, kind, upstream, downstream, graph.edge_formulas[e],
    )  # fmt: skip


def local_gradient(
    node: Node, slot: int, inputs: list[Array], out: Array, attrs: dict[str, object]
) -> tuple[Array | None, str, object]:
    """∂node/∂input as the trace shows it, and its kind: a number (scalars), the elementwise
    derivative (the diagonal of diag(f′(z))), the full Jacobian when it is small, or omitted.
    The third item is the elementwise local gradient as the op gave it (to multiply by).
    `attrs`: the node's literal arguments as keywords (Graph.attrs)."""
    op = node.op
    if not op.is_differentiable(slot):
        return None, "omitted", None
    if op.local is not None:  # elementwise
        factor = op.local[slot](*inputs, out, **attrs)
        local = np.asarray(factor, dtype=np.float64)
        if not out.shape:  # a scalar: the number itself
            return local, "scalar", factor
        if local.shape != out.shape:  # a constant local gradient (1 for add), spread over the output
            local = np.array(np.broadcast_to(local, out.shape))
        return local, "elementwise", factor
    if out.size * inputs[slot].size > LOCAL_JACOBIAN_MAX:
        return None, "omitted", None
    rows = []  # one VJP per output element: row k of the Jacobian is VJP(e_k)
    for k in range(out.size):
        basis = np.zeros(out.size)
        basis[k] = 1.0
        row = op.vjp[slot](basis.reshape(out.shape), *inputs, out, **attrs)
        rows.append(unbroadcast(np.asarray(row, dtype=np.float64), inputs[slot].shape, node))
    jacobian = np.array(rows, dtype=np.float64).reshape(out.shape + inputs[slot].shape)
    return jacobian, "scalar" if jacobian.ndim == 0 else "jacobian", None


def accumulate(terms: list[Array], consumers: list[int]) -> Array:
    """The fan-out sum ∂f/∂x = Σᵢ ∂f/∂yᵢ · ∂yᵢ/∂x, added in the order a backward pass produces
    the terms — last consumer first — as PyTorch's autograd adds them (floating-point addition
    is not associative, so the order is part of the answer)."""
    order = sorted(range(len(terms)), key=lambda k: -consumers[k])  # stable: one consumer's slots in order
    total = terms[order[0]]
    for k in order[1:]:
        total = total + terms[k]
    return np.asarray(total, dtype=np.float64)


def unbroadcast(gradient: Array, shape: tuple[int, ...], node: Node | None = None) -> Array:
    """Sum a gradient over the axes numpy broadcast, back to `shape` (sum is expand in reverse)."""
    if gradient.shape == shape:
        return gradient
    extra = gradient.ndim - len(shape)
    if extra > 0:  # axes numpy prepended
        gradient = np.sum(gradient, axis=tuple(range(extra)))
    stretched = tuple(
        i for i, n in enumerate(shape) if n == 1 and i < gradient.ndim and gradient.shape[i] != 1
    )
    if extra >= 0 and stretched:  # axes of length 1 numpy stretched
        gradient = np.sum(gradient, axis=stretched, keepdims=True)
    if gradient.shape != shape:
        where = f"'{node.text or node.label}': " if node is not None else ""
        raise EngineError(
            "invalid_gradient",
            f"{where}a gradient of shape {_shape(gradient.shape)} does not fit a value of shape {_shape(shape)}",
            node.line if node is not None else None, node.column if node is not None else None,
            params={"shapes": [list(gradient.shape), list(shape)]},
        )  # fmt: skip
    return np.asarray(gradient)


def run(
    graph: Graph, given: dict[str, Array], seed: object | None, wrt: Iterable[str] | None
) -> tuple[list[Array], dict[str, Array]]:
    """The values of every node and the gradients of `wrt` (default: every input), from the
    same pass `evaluate` records. Each gradient is an array of its own."""
    names = graph.input_names if wrt is None else tuple(wrt)
    unknown = [name for name in names if name not in graph.index]
    if unknown:
        raise EngineError(
            "unknown_name",
            f"cannot differentiate with respect to '{unknown[0]}'",
            params={"name": unknown[0]},
        )
    trace = evaluate(graph, given, seed)
    values = [node.value for node in trace.nodes]
    return values, {name: np.array(trace.nodes[graph.index[name]].grad) for name in names}


def _node_record(node: Node, value: Array, grad: Array) -> NodeRecord:
    return NodeRecord(
        node.id, node.kind, node.op.name if node.op else None, node.op.symbol if node.op else "", node.label,
        node.inputs, value, grad, node.formula, node.line, node.column, node.aliases,
    )  # fmt: skip


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) if shape else "a scalar"


def shape_error(node: Node, inputs: list[Array]) -> EngineError:
    """Why an op cannot combine these shapes, in words (never numpy's gufunc signature)."""
    where, shapes = node.text or node.label, [np.shape(value) for value in inputs]
    described = " and ".join(_shape(shape) for shape in shapes)
    # what a page needs to say it in its own language: the text, the shapes and which rule
    params: dict[str, object] = {"text": where, "op": node.op.name, "shapes": [list(s) for s in shapes]}
    if node.op.name == "matmul" and len(shapes) == 2:
        a, b = shapes
        if not a or not b:
            rule, params["rule"] = (
                "@ needs a vector or a matrix on each side, not a scalar (use * to scale)",
                "matmul_scalar",
            )
        else:
            inner_a, inner_b = a[-1], b[0] if len(b) == 1 else b[-2]
            params.update(
                rule="matmul_inner" if inner_a != inner_b else "matmul_batch", columns=inner_a, rows=inner_b
            )
            rule = (
                f"in A @ B the columns of A must match the rows of B: {inner_a} ≠ {inner_b}"
                if inner_a != inner_b
                else "their leading (batch) axes cannot be broadcast together"
            )
    elif node.op.elementwise:
        rule, params["rule"] = (
            "elementwise ops need equal shapes, or shapes numpy can broadcast (compared from the last axis, each size equal or 1)",
            "broadcast",
        )
    else:
        rule, params["rule"] = f"{node.op.name} cannot take these shapes", "op"
    return EngineError(
        "shape_mismatch",
        f"'{where}': cannot combine shapes {described}: {rule}",
        node.line,
        node.column,
        params=params,
    )
