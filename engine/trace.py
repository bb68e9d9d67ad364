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
            e.id: {"value": None, "local": None, "upstream": None, "downstream": None}
            for e in self.edges
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


def _local(graph: Graph, target: int, slot: int, args: tuple, out: Array) -> tuple[Array | None, str]:
    """∂target/∂input as a number, an elementwise derivative, a small Jacobian, or omitted."""
    node = graph.nodes[target]
    op, attrs, source_value = node.op, dict(node.attrs), args[slot]
    if not op.is_differentiable(slot):
        return None, "omitted"
    if op.elementwise:
        local = np.broadcast_to(op.local[slot](*args, out, **attrs), out.shape)
        kind = "scalar" if out.ndim == 0 and source_value.ndim == 0 else "elementwise"
        return np.array(local, dtype=np.float64), kind
    if out.size * source_value.size > LOCAL_JACOBIAN_MAX:
        return None, "omitted"
    rows = []
    for position in range(out.size):  # one VJP per output element gives one Jacobian row
        basis = np.zeros(out.size)
        basis[position] = 1.0
        row = op.downstream(slot, basis.reshape(out.shape), args, out, attrs)
        rows.append(unbroadcast(np.asarray(row, dtype=np.float64), source_value.shape))
    jacobian = np.array(rows).reshape(out.shape + source_value.shape)
    kind = "scalar" if jacobian.ndim == 0 else "jacobian"
    return jacobian, kind


def evaluate(
    graph: Graph, inputs: Mapping[str, object] | None = None, seed: object | None = None
) -> Evaluation:
    """Forward and backward over every node, recording values, gradients, edges and steps."""
    values = graph.forward(inputs)
    nodes = graph.nodes
    out = graph.index[graph.output]
    seed_value = graph.seed_for(values[out], seed)

    edge_ids: dict[tuple[int, int], str] = {}
    for target, sources in enumerate(graph.sources):
        for slot in range(len(sources)):
            edge_ids[(target, slot)] = f"e{len(edge_ids)}"

    steps: list[Step] = []
    for i, node in enumerate(nodes):
        incoming = tuple(edge_ids[(i, s)] for s in range(len(node.inputs)))
        steps.append(Step(len(steps), FORWARD, node.id, incoming, value=values[i]))

    grads: list[Array | None] = [None] * len(nodes)
    edge_records: dict[str, EdgeRecord] = {}
    with np.errstate(all="ignore"):
        for i in range(len(nodes) - 1, -1, -1):
            outgoing = graph.consumers[i]
            terms = []
            for target, slot in outgoing:
                record = _edge_record(graph, edge_ids[(target, slot)], target, slot, values, grads)
                edge_records[record.id] = record
                terms.append(record.downstream)
            edge_list = tuple(edge_ids[c] for c in outgoing)
            if i == out:
                grads[i] = seed_value
                steps.append(Step(len(steps), BACKWARD, nodes[i].id, edge_list, grad=grads[i]))
            elif len(terms) == 1:
                grads[i] = terms[0]
                steps.append(Step(len(steps), BACKWARD, nodes[i].id, edge_list, grad=grads[i]))
            elif not terms:
                grads[i] = np.zeros_like(values[i])  # feeds nothing: the output does not depend on it
                steps.append(Step(len(steps), BACKWARD, nodes[i].id, grad=grads[i]))
            else:
                steps.append(Step(len(steps), BACKWARD, nodes[i].id, edge_list))
                grads[i] = np.asarray(sum(terms[1:], terms[0]))
                steps.append(
                    Step(len(steps), ACCUMULATE, nodes[i].id, edge_list, grad=grads[i], terms=tuple(terms))
                )

    node_records = tuple(_node_record(graph, i, values[i], grads[i]) for i in range(len(nodes)))
    edges = tuple(edge_records[edge_ids[key]] for key in edge_ids)
    return Evaluation(graph.output, node_records, edges, tuple(n.id for n in nodes), tuple(steps))


def _edge_record(
    graph: Graph, edge_id: str, target: int, slot: int, values: list[Array], grads: list
) -> EdgeRecord:
    node = graph.nodes[target]
    sources = graph.sources[target]
    args = tuple(values[s] for s in sources)
    source = sources[slot]
    upstream = grads[target]
    if node.op.is_differentiable(slot):
        down = node.op.downstream(slot, upstream, args, values[target], dict(node.attrs))
        downstream = unbroadcast(np.asarray(down, dtype=np.float64), values[source].shape)
    else:
        downstream = np.zeros_like(values[source])
    local, kind = _local(graph, target, slot, args, values[target])
    names = {"a": "", "b": "", "slope": ""}
    names.update(dict(zip("ab", (graph.nodes[s].label for s in sources))))
    names.update({k: f"{v:g}" for k, v in node.attrs})
    return EdgeRecord(
        id=edge_id,
        source=graph.nodes[source].id,
        target=node.id,
        slot=slot,
        value=values[source],
        local=local,
        local_kind=kind,
        upstream=upstream,
        downstream=downstream,
        formula=f"∂{_wrap(node.label)}/∂{_wrap(graph.nodes[source].label)} = {node.op.formula(slot, names)}",
    )


def _wrap(label: str) -> str:
    return f"({label})" if " " in label else label


def _node_record(graph: Graph, i: int, value: Array, grad: Array) -> NodeRecord:
    node = graph.nodes[i]
    formula = ""
    if node.kind == OP:
        formula = f"{node.label} = {node.text}" if node.text != node.label else node.text
    return NodeRecord(
        id=node.id,
        kind=node.kind,
        op=node.op.name if node.op else None,
        symbol=node.op.symbol if node.op else "",
        label=node.label,
        inputs=node.inputs,
        value=value,
        grad=grad,
        formula=formula,
        line=node.line,
        column=node.column,
    )
