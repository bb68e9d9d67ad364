"""The recorded evaluation: every node, every edge's upstream × local = downstream, every step.

Steps: one `forward` per node in order; then, in reverse order, one `backward` per node —
the step at which the downstream gradients on the node's outgoing edges are computed — and,
where a node feeds several consumers, an `accumulate` step that sums them (the lecture's
∂f/∂y = ∂f/∂a·∂a/∂y + ∂f/∂b·∂b/∂y). The output's backward step sets the seed gradient.

`evaluate` computes every number of the trace at once, into `Columns` (engine.columns): per node its value and
gradient, per edge its local and downstream gradient (an edge's value is its source's value, its
upstream its consumer's gradient). A graph of scalars whose ops all declare float kernels is
computed on Python floats, bit for bit what the arrays give, several times faster. The record
objects (`nodes`, `edges`, `steps`, with 0-d arrays) are built from the columns when first read.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, partial
from itertools import repeat
from typing import NamedTuple

import numpy as np

from engine.columns import LOCAL_JACOBIAN_MAX, Columns, array_columns, float_columns
from engine.fpstate import IGNORE, ignore_all
from engine.graph import Graph
from engine.ops import Array
from engine.wiring import (
    ACCUMULATE,
    BACKWARD,
    FORWARD,
    Names,
    Wiring,
    float_plan,
    names,
    wiring,
)

PAUSE_COLLECTION_NODES = 64  # from this many nodes on, the cycle collector is paused while tracing

__all__ = [
    "ACCUMULATE",
    "BACKWARD",
    "FORWARD",
    "LOCAL_JACOBIAN_MAX",
    "Columns",
    "EdgeRecord",
    "Evaluation",
    "NodeRecord",
    "Snapshot",
    "Step",
    "evaluate",
]


class NodeRecord(NamedTuple):
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


class EdgeRecord(NamedTuple):
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


class Step(NamedTuple):
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


# Records made from complete rows in one C call each (tuple.__new__ skips the defaults).
_new_node, _new_edge, _new_step = (partial(tuple.__new__, cls) for cls in (NodeRecord, EdgeRecord, Step))
_NONES, _EMPTIES, _ELLIPSES = repeat(None), repeat(()), repeat(...)  # endless, stateless: shared safely


def _zero_d(column: list[float]) -> list[Array]:
    """Floats as 0-d arrays: one array holds them all, each a read-only 0-d view of it."""
    flat = np.array(column, dtype=np.float64)
    flat.flags.writeable = False
    keys = zip(range(len(column)), _ELLIPSES, strict=False)  # (k, ...): flat[k, ...] is a 0-d view
    return list(map(flat.__getitem__, keys))


class Evaluation:
    """The trace of one evaluation: its numbers (`columns`) and, built from them, its records."""

    def __init__(self, graph: Graph, columns: Columns) -> None:
        self.output: str = graph.output
        self.columns = columns
        self._graph = graph

    @property
    def order(self) -> tuple[str, ...]:
        return self.names.node_ids

    @property
    def wiring(self) -> Wiring:
        """The graph's edges as the passes walk them (engine.wiring.Wiring)."""
        return wiring(self._graph)

    @property
    def names(self) -> Names:
        """The graph's ids, step plan, labels and formulas (engine.wiring.Names)."""
        return names(self._graph)

    @cached_property
    def arrays(self) -> tuple[list[Array], list[Array], list, list[Array]]:
        """The columns as arrays: per node value and gradient, per edge local and downstream."""
        c = self.columns
        if not c.floats:
            return c.values, c.grads, c.local, c.downstream
        with _cycle_collection_paused():
            return _zero_d(c.values), _zero_d(c.grads), _zero_d(c.local), _zero_d(c.downstream)

    @cached_property
    def nodes(self) -> tuple[NodeRecord, ...]:
        values, grads, _, _ = self.arrays
        t = self.names
        columns = (t.node_ids, t.node_kind, t.node_op, t.node_symbol, t.node_label, t.node_inputs)
        rest = (t.node_formula, t.node_line, t.node_column)
        with _cycle_collection_paused():
            return tuple(map(_new_node, zip(*columns, values, grads, *rest, strict=True)))

    @cached_property
    def edges(self) -> tuple[EdgeRecord, ...]:
        values, grads, local, downstream = self.arrays
        w, t = self.wiring, self.names
        kinds = self.columns.kind or repeat("scalar", len(t.edge_ids))
        with _cycle_collection_paused():
            return tuple(
                map(
                    _new_edge,
                    zip(
                        t.edge_ids, t.edge_source_id, t.edge_target_id, w.edge_slot,
                        map(values.__getitem__, t.edge_source), local, kinds,
                        map(grads.__getitem__, w.edge_target), downstream, t.edge_formula,
                        strict=True,
                    ),
                )
            )  # fmt: skip

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        values, grads, _, downstream = self.arrays
        w, t = self.wiring, self.names
        with _cycle_collection_paused():
            steps = list(
                map(
                    _new_step,
                    zip(
                        range(len(values)),
                        repeat(FORWARD),
                        t.node_ids,
                        t.incoming_ids,
                        values,
                        _NONES,
                        _EMPTIES,
                    ),
                )
            )
            for i, fan_out in t.backward:
                node, edges = t.node_ids[i], t.outgoing_ids[i]
                steps.append(
                    _new_step((len(steps), BACKWARD, node, edges, None, None if fan_out else grads[i], ()))
                )
                if fan_out:
                    terms = tuple([downstream[e] for e in w.outgoing[i]])
                    steps.append(_new_step((len(steps), ACCUMULATE, node, edges, None, grads[i], terms)))
            return tuple(steps)

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


def evaluate(
    graph: Graph, inputs: Mapping[str, object] | None = None, seed: object | None = None
) -> Evaluation:
    """Forward and backward over every node, recording values, gradients, edges and steps."""
    given = graph.input_values(inputs)
    if len(graph.nodes) < PAUSE_COLLECTION_NODES:  # a few dozen tuples: nothing worth pausing for
        return _evaluate(graph, given, seed)
    with _cycle_collection_paused():
        return _evaluate(graph, given, seed)


def _evaluate(graph: Graph, given: dict[str, Array], seed: object | None) -> Evaluation:
    token = IGNORE.set(ignore_all())  # np.errstate(all="ignore"): non-finite results are values
    try:
        plan = float_plan(graph)
        columns = plan and float_columns(graph, plan, given, seed)
        if columns is None:
            columns = array_columns(graph, wiring(graph), given, seed)
    finally:
        IGNORE.reset(token)
    return Evaluation(graph, columns)


_PAUSE_LOCK = threading.Lock()
_pauses = 0  # how many threads are inside a pause now
_was_enabled = False  # the collector's state when the first of them came in


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """The trace allocates several tuples per node and no reference cycles; on large
    graphs Python's cycle collector would otherwise rescan them all again and again.

    Request threads pause and resume in any interleaving: the first in records whether the
    collector was on, the last out restores that (so no thread can leave it off for good)."""
    global _pauses, _was_enabled
    with _PAUSE_LOCK:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
