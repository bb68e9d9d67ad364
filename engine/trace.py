"""The recorded evaluation: every node, every edge's upstream × local = downstream, every step.

Steps: one `forward` per node in order; then, in reverse order, one `backward` per node —
the step at which the downstream gradients on the node's outgoing edges are computed — and,
where a node feeds several consumers, an `accumulate` step that sums them (the lecture's
∂f/∂y = ∂f/∂a·∂a/∂y + ∂f/∂b·∂b/∂y). The output's backward step sets the seed gradient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine.graph import OP, Graph, unbroadcast
from engine.ops import Array

LOCAL_JACOBIAN_MAX = 64
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


def _record(cls: type, **fields: object):
    """A frozen record built by filling its __dict__: the dataclass stays frozen for every reader,
    but the trace, which makes several per node, skips the per-field object.__setattr__ calls of a
    frozen __init__ (they cost more than the arithmetic on a scalar graph)."""
    record = object.__new__(cls)
    record.__dict__.update(fields)
    return record


@dataclass(frozen=True)
class _Static:
    """What the trace needs that depends on the graph alone, derived once per Graph."""

    edge_ids: tuple[tuple[str, ...], ...]  # per target, the id of its incoming edge in each slot
    reaches_output: tuple[bool, ...]  # False: the output does not depend on the node (gradient 0)
    formulas: tuple[tuple[str, ...], ...]  # per target, ∂target/∂input per slot
    node_formulas: tuple[str, ...]


def _static(graph: Graph) -> _Static:
    static = graph.memo.get("trace")
    if static is None:
        edge_ids, count = [], 0
        for sources in graph.sources:
            edge_ids.append(tuple(f"e{count + slot}" for slot in range(len(sources))))
            count += len(sources)
        reaches = [False] * len(graph.nodes)
        reaches[graph.index[graph.output]] = True
        for i in range(len(graph.nodes) - 1, -1, -1):
            for source in graph.sources[i] if reaches[i] else ():
                reaches[source] = True
        static = _Static(
            tuple(edge_ids),
            tuple(reaches),
            tuple(_formulas(graph, i) for i in range(len(graph.nodes))),
            tuple(_node_formula(node) for node in graph.nodes),
        )
        graph.memo["trace"] = static
    return static


def _formulas(graph: Graph, target: int) -> tuple[str, ...]:
    node = graph.nodes[target]
    labels = [graph.nodes[s].label for s in graph.sources[target]]
    names = {"a": "", "b": "", "slope": ""}
    names.update(zip("ab", labels, strict=False))
    names.update({k: f"{v:g}" for k, v in node.attrs})
    return tuple(
        f"∂{_wrap(node.label)}/∂{_wrap(label)} = {node.op.formula(slot, names)}"
        for slot, label in enumerate(labels)
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


def _local(graph: Graph, target: int, slot: int, args: list[Array], out: Array) -> tuple[Array | None, str]:
    """∂target/∂input: a number, an elementwise derivative, a small Jacobian, or omitted."""
    op = graph.nodes[target].op
    if op.elementwise:
        local = np.asarray(op.local[slot](*args, out, **graph.attrs[target]), dtype=np.float64)
        if local.shape != out.shape:
            local = np.array(np.broadcast_to(local, out.shape))
        return local, "scalar" if out.ndim == 0 and args[slot].ndim == 0 else "elementwise"
    local = _jacobian(graph, target, slot, args, out)
    return local, "omitted" if local is None else "scalar" if local.ndim == 0 else "jacobian"


def _edge(graph: Graph, static: _Static, target: int, slot: int, args: list, values: list, upstream: Array):
    """The record of one edge input → target: the value carried and upstream × local = downstream."""
    node = graph.nodes[target]
    source_value, out = args[slot], values[target]
    if graph.vjps[target][slot] is None:  # e.g. a class index: not differentiable
        local, kind, downstream = None, "omitted", np.zeros_like(source_value)
    elif not static.reaches_output[target]:  # not on the way to the output, as in Graph.run
        local, kind = _local(graph, target, slot, args, out)
        downstream = np.zeros_like(source_value)
    elif node.op.elementwise:  # local = the diagonal of diag(f′), downstream = upstream × local
        local, kind = _local(graph, target, slot, args, out)
        downstream = upstream * local
        if downstream.shape != source_value.shape:
            downstream = unbroadcast(downstream, source_value.shape)
        downstream = np.asarray(downstream)
    else:
        downstream = np.asarray(graph.downstream(target, slot, upstream, args, out), dtype=np.float64)
        local, kind = _local(graph, target, slot, args, out)
    return _record(
        EdgeRecord,
        id=static.edge_ids[target][slot],
        source=graph.nodes[graph.sources[target][slot]].id,
        target=node.id,
        slot=slot,
        value=source_value,
        local=local,
        local_kind=kind,
        upstream=upstream,
        downstream=downstream,
        formula=static.formulas[target][slot],
    )


def evaluate(
    graph: Graph, inputs: Mapping[str, object] | None = None, seed: object | None = None
) -> Evaluation:
    """Forward and backward over every node, recording values, gradients, edges and steps."""
    values = graph.forward(inputs)
    nodes = graph.nodes
    out = graph.index[graph.output]
    seed_value = graph.seed_for(values[out], seed)
    static = _static(graph)
    args = [[values[s] for s in sources] for sources in graph.sources]

    steps: list[Step] = [
        _record(
            Step,
            index=i,
            phase=FORWARD,
            node=node.id,
            edges=static.edge_ids[i],
            value=values[i],
            grad=None,
            terms=(),
        )
        for i, node in enumerate(nodes)
    ]
    grads: list = [None] * len(nodes)
    edge_records: list = [None] * len(nodes)  # per target, its incoming edges' records by slot
    for i, sources in enumerate(graph.sources):
        edge_records[i] = [None] * len(sources)
    with np.errstate(all="ignore"):
        for i in range(len(nodes) - 1, -1, -1):
            outgoing = graph.consumers[i]
            terms = []
            for target, slot in outgoing:
                record = _edge(graph, static, target, slot, args[target], values, grads[target])
                edge_records[target][slot] = record
                terms.append(record.downstream)
            edge_list = tuple(static.edge_ids[target][slot] for target, slot in outgoing)
            node_id = nodes[i].id
            if i == out or len(terms) <= 1:
                if i == out:
                    grads[i] = seed_value
                elif terms:
                    grads[i] = terms[0]
                else:  # feeds nothing: the output does not depend on it
                    grads[i] = np.zeros_like(values[i])
                steps.append(
                    _record(
                        Step,
                        index=len(steps),
                        phase=BACKWARD,
                        node=node_id,
                        edges=edge_list,
                        value=None,
                        grad=grads[i],
                        terms=(),
                    )
                )
            else:
                steps.append(
                    _record(
                        Step,
                        index=len(steps),
                        phase=BACKWARD,
                        node=node_id,
                        edges=edge_list,
                        value=None,
                        grad=None,
                        terms=(),
                    )
                )
                total = terms[0]
                for term in terms[1:]:
                    total = total + term
                grads[i] = np.asarray(total)
                steps.append(
                    _record(
                        Step,
                        index=len(steps),
                        phase=ACCUMULATE,
                        node=node_id,
                        edges=edge_list,
                        value=None,
                        grad=grads[i],
                        terms=tuple(terms),
                    )
                )

    node_records = tuple(
        _record(
            NodeRecord,
            id=node.id,
            kind=node.kind,
            op=node.op.name if node.op else None,
            symbol=node.op.symbol if node.op else "",
            label=node.label,
            inputs=node.inputs,
            value=values[i],
            grad=grads[i],
            formula=static.node_formulas[i],
            line=node.line,
            column=node.column,
        )
        for i, node in enumerate(nodes)
    )
    edges = tuple(record for records in edge_records for record in records)
    return Evaluation(graph.output, node_records, edges, tuple(n.id for n in nodes), tuple(steps))
