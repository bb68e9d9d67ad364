"""The recorded evaluation: every node, every edge's upstream × local = downstream, every step.

Steps: one `forward` per node in order; then, in reverse order, one `backward` per node —
the step at which the downstream gradients on the node's outgoing edges are computed — and,
where a node feeds several consumers, an `accumulate` step that sums them (the lecture's
∂f/∂y = ∂f/∂a·∂a/∂y + ∂f/∂b·∂b/∂y). The output's backward step sets the seed gradient.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from engine.graph import FLOAT64, OP, Graph, unbroadcast
from engine.ops import Array

LOCAL_JACOBIAN_MAX = 64
PAUSE_COLLECTION_NODES = 64  # from this many nodes on, the cycle collector is paused while tracing
FORWARD, BACKWARD, ACCUMULATE = "forward", "backward", "accumulate"


@dataclass(frozen=True)
class NodeRecord:
    id: str
    kind: str
    op: str | None
    symbol: str
    label: str
    inputs: tuple[str, ...]
    value: Array
    grad: Array
    formula: str
    line: int | None
    column: int | None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape


@dataclass(frozen=True)
class EdgeRecord:
    """input → consumer: the value carried and upstream × local = downstream."""

    id: str
    source: str
    target: str
    slot: int
    value: Array
    local: Array | None
    local_kind: str  # scalar | elementwise | jacobian | omitted
    upstream: Array
    downstream: Array
    formula: str  # the local gradient ∂target/∂source, in the inputs' names


@dataclass(frozen=True)
class Step:
    index: int
    phase: str
    node: str
    edges: tuple[str, ...] = ()  # forward: incoming edges; backward: outgoing edges
    value: Array | None = None
    grad: Array | None = None  # set when this step fixes the node's gradient
    terms: tuple[Array, ...] = ()  # accumulate: the downstream gradients summed


@dataclass(frozen=True)
class Snapshot:
    """What is known after step k: None where the pass has not got there yet."""

    step: int
    values: dict[str, Array | None]
    grads: dict[str, Array | None]
    edges: dict[str, dict[str, Array | None]]


@dataclass(frozen=True)
class Evaluation:
    output: str
    nodes: tuple[NodeRecord, ...]
    edges: tuple[EdgeRecord, ...]
    order: tuple[str, ...]
    steps: tuple[Step, ...]

    def node(self, node_id: str) -> NodeRecord:
        return next(n for n in self.nodes if n.id == node_id)

    def edge(self, source: str, target: str, slot: int | None = None) -> EdgeRecord:
        return next(
            e
            for e in self.edges
            if e.source == source and e.target == target and (slot is None or e.slot == slot)
        )

    def snapshot(self, k: int) -> Snapshot:
        """The state after steps 0…k, replayed from the steps themselves."""
        if not 0 <= k < len(self.steps):
            raise IndexError(f"step {k} is outside 0…{len(self.steps) - 1}")
        values: dict[str, Array | None] = {n.id: None for n in self.nodes}
        grads: dict[str, Array | None] = {n.id: None for n in self.nodes}
        edges_by_id = {e.id: e for e in self.edges}
        edge_state = {
            e.id: {"value": None, "local": None, "upstream": None, "downstream": None} for e in self.edges
        }
        outgoing: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for e in self.edges:
            outgoing[e.source].append(e.id)
        for step in self.steps[: k + 1]:
            if step.phase == FORWARD:
                values[step.node] = step.value
                for edge_id in outgoing[step.node]:
                    edge_state[edge_id]["value"] = step.value
            elif step.phase == BACKWARD:
                for edge_id in step.edges:
                    edge = edges_by_id[edge_id]
                    edge_state[edge_id].update(
                        local=edge.local, upstream=edge.upstream, downstream=edge.downstream
                    )
            if step.grad is not None:
                grads[step.node] = step.grad
        return Snapshot(k, values, grads, edge_state)


def _record(cls: type, fields: dict, _new=object.__new__, _set=object.__setattr__):
    """A frozen record made by handing it its __dict__: the dataclass stays frozen for every
    reader, but the trace, which makes several per node, skips the per-field object.__setattr__
    calls of a frozen __init__ (on a scalar graph they cost more than the arithmetic)."""
    record = _new(cls)
    _set(record, "__dict__", fields)
    return record


class _Edge(NamedTuple):
    """One edge as the backward pass meets it, everything that does not depend on values bound."""

    id: str
    target: int
    slot: int
    source_id: str
    target_id: str
    local: Callable[..., Array] | None  # elementwise ops: ∂target/∂input(*inputs, out, **attrs)
    attrs: dict
    differentiable: bool
    reaches_output: bool  # False: the output does not depend on the target, so nothing flows
    formula: str


@dataclass(frozen=True)
class _Static:
    """What the trace needs that depends on the graph alone, derived once per Graph."""

    incoming: tuple[tuple[str, ...], ...]  # per node, the ids of its incoming edges by slot
    outgoing: tuple[tuple[_Edge, ...], ...]  # per node, its edges to its consumers
    outgoing_ids: tuple[tuple[str, ...], ...]
    node_formulas: tuple[str, ...]
    order: tuple[str, ...]


def _static(graph: Graph) -> _Static:
    static = graph.memo.get("trace")
    if static is None:
        static = graph.memo["trace"] = _derive(graph)
    return static


def _derive(graph: Graph) -> _Static:
    nodes = graph.nodes
    reaches = [False] * len(nodes)
    reaches[graph.index[graph.output]] = True
    for i in range(len(nodes) - 1, -1, -1):
        for source in graph.sources[i] if reaches[i] else ():
            reaches[source] = True
    incoming, outgoing, count = [], [[] for _ in nodes], 0
    for target, sources in enumerate(graph.sources):
        incoming.append(tuple(f"e{count + slot}" for slot in range(len(sources))))
        count += len(sources)
        formulas = _formulas(graph, target) if sources else ()
        op, attrs, target_id = nodes[target].op, graph.attrs[target], nodes[target].id
        for slot, source in enumerate(sources):
            edge = _Edge(
                incoming[target][slot],
                target,
                slot,
                nodes[source].id,
                target_id,
                op.local[slot] if op.local is not None else None,
                attrs,
                graph.vjps[target][slot] is not None,
                reaches[target],
                formulas[slot],
            )
            outgoing[source].append(edge)
    return _Static(
        incoming=tuple(incoming),
        outgoing=tuple(tuple(edges) for edges in outgoing),
        outgoing_ids=tuple(tuple(edge.id for edge in edges) for edges in outgoing),
        node_formulas=tuple(_node_formula(n) for n in nodes),
        order=tuple(n.id for n in nodes),
    )


def _formulas(graph: Graph, target: int) -> tuple[str, ...]:
    """∂target/∂input per slot, in the inputs' labels: `∂f/∂a = b`."""
    node = graph.nodes[target]
    labels = [graph.nodes[s].label for s in graph.sources[target]]
    names = {"a": labels[0], "b": labels[1] if len(labels) > 1 else "", "slope": ""}
    for key, value in node.attrs:
        names[key] = f"{value:g}"
    head = f"∂{_wrap(node.label)}/∂"
    return tuple(
        [f"{head}{_wrap(label)} = {node.op.formula(slot, names)}" for slot, label in enumerate(labels)]
    )


def _node_formula(node) -> str:
    if node.kind != OP:
        return ""
    return f"{node.label} = {node.text}" if node.text != node.label else node.text


def _wrap(label: str) -> str:
    return f"({label})" if " " in label else label


def _jacobian(graph: Graph, target: int, slot: int, args: list[Array], out: Array) -> Array | None:
    """∂target/∂input in full, one VJP per output element (one Jacobian row each), if small enough."""
    source_value = args[slot]
    if out.size * source_value.size > LOCAL_JACOBIAN_MAX:
        return None
    rows = []
    for position in range(out.size):
        basis = np.zeros(out.size)
        basis[position] = 1.0
        rows.append(graph.downstream(target, slot, basis.reshape(out.shape), args, out))
    return np.array(rows, dtype=np.float64).reshape(out.shape + source_value.shape)


def _edge(graph: Graph, edge: _Edge, args: list[Array], out: Array, upstream: Array) -> EdgeRecord:
    """The record of one edge input → target: the value carried and upstream × local = downstream."""
    source_value = args[edge.slot]
    if edge.local is not None:  # elementwise: local = the diagonal of diag(f′)
        local = edge.local(*args, out, **edge.attrs)
        if type(local) is not np.ndarray or local.dtype is not FLOAT64:
            local = np.asarray(local, dtype=np.float64)
        if local.shape != out.shape:
            local = np.array(np.broadcast_to(local, out.shape))
        kind = "scalar" if out.ndim == 0 and source_value.ndim == 0 else "elementwise"
    else:
        local = _jacobian(graph, edge.target, edge.slot, args, out) if edge.differentiable else None
        kind = "omitted" if local is None else "scalar" if local.ndim == 0 else "jacobian"
    if not edge.differentiable or not edge.reaches_output:
        downstream = np.zeros_like(source_value)  # a class index; or off the output's path, as in run
    elif edge.local is not None:  # downstream = upstream × local
        downstream = upstream * local
        if downstream.shape != source_value.shape:
            downstream = unbroadcast(downstream, source_value.shape)
        if type(downstream) is not np.ndarray:
            downstream = np.asarray(downstream)
    else:
        downstream = np.asarray(
            graph.downstream(edge.target, edge.slot, upstream, args, out), dtype=np.float64
        )
    return _record(
        EdgeRecord,
        {
            "id": edge.id,
            "source": edge.source_id,
            "target": edge.target_id,
            "slot": edge.slot,
            "value": source_value,
            "local": local,
            "local_kind": kind,
            "upstream": upstream,
            "downstream": downstream,
            "formula": edge.formula,
        },
    )


def evaluate(
    graph: Graph, inputs: Mapping[str, object] | None = None, seed: object | None = None
) -> Evaluation:
    """Forward and backward over every node, recording values, gradients, edges and steps."""
    if len(graph.nodes) < PAUSE_COLLECTION_NODES:  # a few dozen records: nothing worth pausing for
        return _evaluate(graph, inputs, seed)
    with _cycle_collection_paused():
        return _evaluate(graph, inputs, seed)


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """The trace allocates several records per node and creates no reference cycles; on large
    graphs Python's cycle collector would otherwise rescan them all again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _evaluate(graph: Graph, inputs: Mapping[str, object] | None, seed: object | None) -> Evaluation:
    nodes = graph.nodes
    args: list = [None] * len(nodes)  # each op node's input values, kept by the forward pass
    values = graph.forward(inputs, args)
    out = graph.index[graph.output]
    seed_value = graph.seed_for(values[out], seed)
    static = _static(graph)

    # fmt: off
    steps: list[Step] = [
        _record(Step, {"index": i, "phase": FORWARD, "node": node.id, "edges": static.incoming[i],
                       "value": values[i], "grad": None, "terms": ()})
        for i, node in enumerate(nodes)
    ]
    grads: list = [None] * len(nodes)
    edge_records: dict[str, EdgeRecord] = {}
    with np.errstate(all="ignore"):
        for i in range(len(nodes) - 1, -1, -1):
            terms = []
            for edge in static.outgoing[i]:
                record = _edge(graph, edge, args[edge.target], values[edge.target], grads[edge.target])
                edge_records[edge.id] = record
                terms.append(record.downstream)
            fan_out = i != out and len(terms) > 1  # the sum gets a step of its own
            if i == out:
                grads[i] = seed_value
            elif len(terms) == 1:
                grads[i] = terms[0]
            elif not terms:  # feeds nothing: the output does not depend on it
                grads[i] = np.zeros_like(values[i])
            steps.append(_record(Step, {"index": len(steps), "phase": BACKWARD, "node": nodes[i].id,
                                        "edges": static.outgoing_ids[i], "value": None,
                                        "grad": None if fan_out else grads[i], "terms": ()}))
            if fan_out:
                total = terms[0]
                for term in terms[1:]:
                    total = total + term
                grads[i] = np.asarray(total)
                steps.append(_record(Step, {"index": len(steps), "phase": ACCUMULATE, "node": nodes[i].id,
                                            "edges": static.outgoing_ids[i], "value": None, "grad": grads[i],
                                            "terms": tuple(terms)}))

    node_records = [
        _record(NodeRecord, {"id": node.id, "kind": node.kind, "op": node.op.name if node.op else None,
                             "symbol": node.op.symbol if node.op else "", "label": node.label,
                             "inputs": node.inputs, "value": values[i], "grad": grads[i],
                             "formula": static.node_formulas[i], "line": node.line, "column": node.column})
        for i, node in enumerate(nodes)
    ]
    # fmt: on
    edges = [edge_records[edge_id] for ids in static.incoming for edge_id in ids]
    return _record(
        Evaluation,
        {"output": graph.output, "nodes": tuple(node_records), "edges": tuple(edges),
         "order": static.order, "steps": tuple(steps)},
    )  # fmt: skip
