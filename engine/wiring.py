"""What the trace needs that depends on the graph alone, derived once per Graph (in graph.memo).

Edges are numbered in the order of their ids, e0, e1, …: by consumer, then by input slot. Per
node, the edges it feeds (its outgoing edges) are listed in that order too; the backward step of
a node computes their downstream gradients and, where there are several, an accumulate step
lists them in that order (engine.columns says in which order they are added).

`wiring` is what the passes need; `names` — ids, the step plan, labels and formulas — is what
the records and the JSON document need, derived when they are first built.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple, TypeVar

from engine.graph import Graph, gather
from engine.nodes import CONSTANT, OP

FORWARD, BACKWARD, ACCUMULATE = "forward", "backward", "accumulate"


class FloatPlan(NamedTuple):
    """The all-scalar graph's passes on Python floats (every op declares Op.floats)."""

    output: int
    constants: list[tuple[int, float]]
    # per op node, in order: (node, gather its inputs, forward kernel, local kernel per slot,
    # its inputs, its first edge)
    ops: list[tuple[int, Callable[[list], tuple], Callable[..., float], tuple, tuple[int, ...], int]]
    leaves: list[int]  # the inputs and constants


class Wiring(NamedTuple):
    """The array path's (and the records') per-edge tables."""

    output: int
    edge_target: list[int]
    edge_slot: list[int]
    edge_flows: list[bool]  # differentiable (not a class index), and the output depends on the consumer
    outgoing: list[list[int]]  # per node, the edges it feeds


T = TypeVar("T")
_MISSING = object()


def _memoised(graph: Graph, key: str, derive: Callable[[Graph], T]) -> T:
    """derive(graph), worked out once per graph and kept in graph.memo (None included)."""
    found = graph.memo.get(key, _MISSING)
    if found is _MISSING:
        found = graph.memo[key] = derive(graph)
    return found


def wiring(graph: Graph) -> Wiring:
    return _memoised(graph, "wiring", _derive)


def _reaches(graph: Graph) -> list[bool]:
    """Per node: does the output's gradient reach it? Not through an input that is not
    differentiable (a class index): what only computes a class index gets none, as in run."""
    sources, vjps = graph.sources, graph.vjps
    output = graph.index[graph.output]
    reaches = [False] * len(sources)
    reaches[output] = True
    for i in range(output, -1, -1):
        if reaches[i]:
            for source, vjp in zip(sources[i], vjps[i], strict=True):
                if vjp is not None:
                    reaches[source] = True
    return reaches


def _derive(graph: Graph) -> Wiring:
    sources = graph.sources
    reaches = _reaches(graph)
    edge_target = [t for t, inputs in enumerate(sources) for _ in inputs]
    edge_slot = [slot for inputs in sources for slot in range(len(inputs))]
    differentiable = [vjp is not None for vjps in graph.vjps for vjp in vjps]
    flows = [d and reaches[t] for d, t in zip(differentiable, edge_target, strict=True)]
    outgoing: list[list[int]] = [[] for _ in sources]
    e = 0
    for inputs in sources:
        for source in inputs:
            outgoing[source].append(e)
            e += 1
    return Wiring(graph.index[graph.output], edge_target, edge_slot, flows, outgoing)


def edge_locals(graph: Graph, wired: Wiring) -> list[Callable[..., object] | None]:
    """The array path's local gradient per edge: ∂target/∂input(*inputs, out), attrs bound, for
    elementwise ops; None where a VJP gives the Jacobian."""

    def derive(graph: Graph) -> list[Callable[..., object] | None]:
        nodes, attrs = graph.nodes, graph.attrs
        return [
            _bound(nodes[t].op.local[slot], attrs[t]) if nodes[t].op.local is not None else None
            for t, slot in zip(wired.edge_target, wired.edge_slot, strict=True)
        ]

    return _memoised(graph, "edge_locals", derive)


def _bound(function: Callable[..., object], attrs: dict) -> Callable[..., object]:
    return partial(function, **attrs) if attrs else function


def float_plan(graph: Graph) -> FloatPlan | None:
    """None when some op has no float kernels (a user gate, matmul, …) or a constant is a tensor."""
    return _memoised(graph, "floats", _float_plan)


def _float_plan(graph: Graph) -> FloatPlan | None:
    ops: list[tuple] = []
    leaves: list[int] = []
    constants: list[tuple[int, float]] = []
    first = 0
    for i, (node, inputs) in enumerate(zip(graph.nodes, graph.sources, strict=True)):
        op = node.op
        if op is None:
            leaves.append(i)
            if node.kind == CONSTANT:
                if node.value.ndim:
                    return None
                constants.append((i, float(node.value)))
            continue
        kernels = op.floats
        if kernels is None:
            return None
        if node.attrs:  # as Python floats: a numpy scalar would spread through the float path
            attrs = {name: float(value) for name, value in node.attrs}
            kernels = tuple(partial(kernel, **attrs) for kernel in kernels)
        ops.append((i, gather(inputs), kernels[0], kernels[1:], inputs, first))
        first += len(inputs)
    return FloatPlan(graph.index[graph.output], constants, ops, leaves)


class Names(NamedTuple):
    """The records' fields that do not depend on the values: ids, the step plan, the texts."""

    node_ids: tuple[str, ...]
    node_kind: list[str]
    node_op: list[str | None]
    node_symbol: list[str]
    node_label: list[str]
    node_inputs: list[tuple[str, ...]]
    node_formula: list[str]
    node_line: list[int | None]
    node_column: list[int | None]
    incoming_ids: list[tuple[str, ...]]  # per node, the ids of the edges into it, by slot
    outgoing_ids: list[tuple[str, ...]]  # per node, the ids of the edges it feeds
    backward: list[tuple[int, bool]]  # the backward steps' nodes, last first; True: fan-out (accumulate)
    edge_ids: list[str]
    edge_source: list[int]
    edge_source_id: list[str]
    edge_target_id: list[str]
    edge_formula: list[str]


def names(graph: Graph) -> Names:
    return _memoised(graph, "names", lambda graph: _names(graph, wiring(graph)))


def _names(graph: Graph, wired: Wiring) -> Names:
    nodes, sources = graph.nodes, graph.sources
    ids = tuple(graph.index)
    edge_count = len(wired.edge_target)
    edge_ids = [f"e{e}" for e in range(edge_count)]
    incoming, first = [], 0
    for inputs in sources:
        incoming.append(tuple(edge_ids[first : first + len(inputs)]))
        first += len(inputs)
    edge_source = [s for inputs in sources for s in inputs]
    outgoing, output = wired.outgoing, wired.output
    return Names(
        node_ids=ids,
        node_kind=[n.kind for n in nodes],
        node_op=[n.op.name if n.op else None for n in nodes],
        node_symbol=[n.op.symbol if n.op else "" for n in nodes],
        node_label=[n.label for n in nodes],
        node_inputs=[n.inputs for n in nodes],
        node_formula=[_node_formula(n) for n in nodes],
        node_line=[n.line for n in nodes],
        node_column=[n.column for n in nodes],
        incoming_ids=incoming,
        outgoing_ids=[tuple(map(edge_ids.__getitem__, edges)) for edges in outgoing],
        backward=[(i, i != output and len(outgoing[i]) > 1) for i in range(len(nodes) - 1, -1, -1)],
        edge_ids=edge_ids,
        edge_source=edge_source,
        edge_source_id=[ids[s] for s in edge_source],
        edge_target_id=[ids[t] for t in wired.edge_target],
        edge_formula=_edge_formulas(graph),
    )


def _edge_formulas(graph: Graph) -> list[str]:
    """∂target/∂input per edge, in the inputs' labels: `∂f/∂a = b`."""
    labels = [node.label for node in graph.nodes]
    wrapped = [f"({label})" if " " in label else label for label in labels]
    formulas: list[str] = []
    for target, (node, inputs) in enumerate(zip(graph.nodes, graph.sources, strict=True)):
        if not inputs:
            continue
        names = {"a": labels[inputs[0]], "b": labels[inputs[1]] if len(inputs) > 1 else "", "slope": ""}
        for key, value in node.attrs:
            names[key] = f"{value:g}"
        head, formula = f"∂{wrapped[target]}/∂", node.op.formula
        formulas.extend(
            [f"{head}{wrapped[source]} = {formula(slot, names)}" for slot, source in enumerate(inputs)]
        )
    return formulas


def _node_formula(node) -> str:
    if node.kind != OP:
        return ""
    return f"{node.label} = {node.text}" if node.text != node.label else node.text
