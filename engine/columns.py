"""Every number of a trace, computed in one forward and one backward pass into `Columns`.

A node's gradient sums the downstream gradients of its outgoing edges on the output's path, in
the order the backward pass computes them — last consumer first, one consumer's slots in order —
as Graph.run adds them, so the trace's gradients are run's, bit for bit. (An edge off the
path carries a downstream gradient of 0, which no sum includes.)

Two paths: a graph of scalars whose ops all declare float kernels (Op.floats) is computed on
Python floats — a numpy call on a 0-d array costs some twenty float operations — and gives, bit
for bit, what the array path gives (tests/engine/test_trace_paths.py); anything else, or a
float kernel that raises (x / 0), takes the array path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from engine.graph import Graph, unbroadcast
from engine.nodes import FLOAT64
from engine.ops import Array
from engine.wiring import FloatPlan, Wiring, edge_locals

LOCAL_JACOBIAN_MAX = 64
_ZERO_D = np.zeros(())


class Columns(NamedTuple):
    """Every number of an evaluation. Floats (`floats`) on the scalar path, arrays otherwise."""

    floats: bool
    values: list  # per node
    grads: list  # per node
    local: list  # per edge, in id order; None where omitted
    kind: list[str] | None  # per edge: scalar | elementwise | jacobian | omitted; None: all scalar
    downstream: list  # per edge


def float_columns(
    graph: Graph, plan: FloatPlan, given: dict[str, Array], seed: object | None
) -> Columns | None:
    """The scalar path: None unless every value is a scalar, or where a float kernel raises
    (x / 0), so that the array path takes over. Bit for bit what the array path computes."""
    values: list = [0.0] * len(graph.nodes)
    for name, value in given.items():
        if value.ndim:
            return None
        values[graph.index[name]] = float(value)
    for i, value in plan.constants:
        values[i] = value
    out = plan.output
    seed_value = 1.0 if seed is None else float(graph.seed_for(_ZERO_D, seed))
    kept: list = [()] * len(values)  # each op node's input values
    edge_count = plan.ops[-1][5] + len(plan.ops[-1][4]) if plan.ops else 0
    local, downstream = [0.0] * edge_count, [0.0] * edge_count
    grads: list = [None] * len(values)  # None: no downstream gradient has arrived yet
    try:
        for i, gather, forward, _, _, _ in plan.ops:
            args = kept[i] = gather(values)
            values[i] = forward(*args)
        for i, _, _, local_kernels, inputs, first in reversed(plan.ops):
            # A node is on the output's path exactly when a consumer on it has sent it a gradient.
            upstream = seed_value if i == out else grads[i]
            flows = upstream is not None
            grads[i] = upstream = upstream if flows else 0.0  # off the path: 0, its edges carry 0
            args, value = kept[i], values[i]
            for slot, source in enumerate(inputs):
                local[first + slot] = factor = local_kernels[slot](*args, value)
                if flows:
                    downstream[first + slot] = term = upstream * factor
                    received = grads[source]
                    grads[source] = term if received is None else received + term  # in the order of arrival
    except ArithmeticError:
        return None
    for i in plan.leaves:
        grads[i] = seed_value if i == out else 0.0 if grads[i] is None else grads[i]
    return Columns(True, values, grads, local, None, downstream)


def array_columns(graph: Graph, wired: Wiring, given: dict[str, Array], seed: object | None) -> Columns:
    n = len(graph.nodes)
    args: list = [None] * n  # each op node's input values, kept by the forward pass
    # The record keeps copies: the caller may change its own arrays after the evaluation.
    values = graph.forward({name: value.copy() for name, value in given.items()}, args)
    out = wired.output
    seed_value = np.array(graph.seed_for(values[out], seed))
    local: list = [None] * len(wired.edge_target)
    kind: list = [""] * len(local)
    downstream: list = [None] * len(local)
    grads: list = [None] * n
    locals_ = edge_locals(graph, wired)
    for i in range(n - 1, -1, -1):
        terms = []  # (consumer, downstream) of the edges on the output's path
        for e in wired.outgoing[i]:
            target = wired.edge_target[e]
            local[e], kind[e], downstream[e] = _edge_numbers(
                graph, wired, e, locals_[e], args[target], values[target], grads[target]
            )
            if wired.edge_flows[e]:
                terms.append((target, downstream[e]))
        if i == out:
            grads[i] = seed_value
        elif len(terms) == 1:
            grads[i] = terms[0][1]
        elif not terms:  # off the output's path: the output does not depend on it
            grads[i] = np.zeros_like(values[i])
        else:  # summed as they arrive in the backward pass: last consumer first, slots in order
            terms.sort(key=lambda term: -term[0])  # stable: one consumer's slots stay in order
            total = terms[0][1]
            for _, term in terms[1:]:
                total = total + term
            grads[i] = np.asarray(total)
    return Columns(False, values, grads, local, kind, downstream)


def _edge_numbers(
    graph: Graph,
    wired: Wiring,
    e: int,
    local_fn: Callable[..., object] | None,
    args: tuple[Array, ...],
    out: Array,
    upstream: Array,
) -> tuple[Array | None, str, Array]:
    """(local, its kind, downstream) of one edge input → target: upstream × local = downstream.
    `local_fn`: the elementwise local gradient, or None where the op's VJP gives the Jacobian."""
    slot, target = wired.edge_slot[e], wired.edge_target[e]
    source_value = args[slot]
    if local_fn is not None:  # elementwise: local = the diagonal of diag(f′)
        local = local_fn(*args, out)
        if type(local) is not np.ndarray or local.dtype is not FLOAT64:
            local = np.asarray(local, dtype=np.float64)
        if local.shape != out.shape:
            local = np.array(np.broadcast_to(local, out.shape))
        kind = "scalar" if out.ndim == 0 and source_value.ndim == 0 else "elementwise"
    else:
        differentiable = graph.vjps[target][slot] is not None
        local = _jacobian(graph, target, slot, args, out) if differentiable else None
        kind = "omitted" if local is None else "scalar" if local.ndim == 0 else "jacobian"
    if not wired.edge_flows[e]:
        downstream = np.zeros_like(source_value)  # a class index; or off the output's path, as in run
    elif local_fn is not None:  # downstream = upstream × local
        downstream = upstream * local
        if downstream.shape != source_value.shape:
            downstream = unbroadcast(downstream, source_value.shape)
        if type(downstream) is not np.ndarray:
            downstream = np.asarray(downstream)
    else:
        downstream = np.asarray(graph.downstream(target, slot, upstream, args, out), dtype=np.float64)
    return local, kind, downstream


def _jacobian(graph: Graph, target: int, slot: int, args: tuple[Array, ...], out: Array) -> Array | None:
    """∂target/∂input in full, one VJP per output element (one Jacobian row each), if small enough."""
    source_value = args[slot]
    if out.size * source_value.size > LOCAL_JACOBIAN_MAX:
        return None
    rows = []
    for position in range(out.size):
        basis = np.zeros(out.size)
        basis[position] = 1.0
        rows.append(graph.downstream(target, slot, basis.reshape(out.shape), list(args), out))
    return np.array(rows, dtype=np.float64).reshape(out.shape + source_value.shape)
