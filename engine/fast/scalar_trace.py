"""The trace of an all-scalar graph, computed on Python floats.

A numpy call on a 0-d array costs some twenty float operations. When every value is a number
and every op is elementwise, this pass runs the ops' own forward and local functions (engine.ops
writes them with operators and ufuncs that work on floats too) on plain floats, in the order
engine.autograd uses, so every number equals the reference's bit for bit
(tests/engine/test_fast_equals_reference.py). Where a float operation raises instead of giving
inf or NaN (x / 0 in Python), it returns None and the reference takes over.

The records (0-d arrays, as the reference's) are built from the float columns when first read.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property, partial
from itertools import repeat

import numpy as np

from engine.fast.errstate import IGNORE, ignore_all
from engine.fast.plans import PerGraph
from engine.graph import Graph
from engine.nodes import CONSTANT
from engine.ops import Array
from engine.trace import ACCUMULATE, BACKWARD, FORWARD, EdgeRecord, NodeRecord, Step, Trace

PAUSE_COLLECTION_NODES = 64  # from this many nodes on, the cycle collector is paused while building


class _Plan:
    """Per graph: per op node, (node, its inputs, forward, local per slot, its first edge); None
    when some op is not elementwise or a constant is a tensor (the reference handles those)."""

    def __init__(self, graph: Graph) -> None:
        self.ops: list[tuple] = []
        self.leaves: list[int] = []
        self.constants: list[tuple[int, float]] = []
        self.ok = True
        for i, node in enumerate(graph.nodes):
            if node.op is None:
                self.leaves.append(i)
                if node.kind == CONSTANT:
                    if node.value.ndim:
                        self.ok = False
                    else:
                        self.constants.append((i, float(node.value)))
                continue
            if not node.op.elementwise:
                self.ok = False
                continue
            attrs = {name: float(value) for name, value in node.attrs}  # floats, never numpy scalars
            forward = partial(node.op.forward, **attrs) if attrs else node.op.forward
            locals_ = tuple(partial(f, **attrs) if attrs else f for f in node.op.local)
            self.ops.append((i, graph.sources[i], forward, locals_, graph.first_edge[i]))
        self.edges = sum(len(s) for s in graph.sources)
        self.ids = [n.id for n in graph.nodes]
        self._graph = weakref.ref(graph)

    @cached_property
    def records(self) -> tuple[list, list, list, list]:
        """What the records hold that depends on the graph alone, made once per graph: per node its
        fields around value and grad; per edge its fields and which values it reads; the steps."""
        graph = self._graph()
        edge_ids = [f"e{e}" for e in range(self.edges)]
        nodes = []
        for node in graph.nodes:
            head = (node.id, node.kind, node.op.name if node.op else None, node.op.symbol if node.op else "",
                    node.label, node.inputs)  # fmt: skip
            nodes.append((head, (node.formula, node.line, node.column, node.aliases)))
        edges = [
            (edge_ids[graph.first_edge[t] + slot], self.ids[source], self.ids[t], slot, source, t,
             graph.edge_formulas[graph.first_edge[t] + slot])
            for t, sources in enumerate(graph.sources) for slot, source in enumerate(sources)
        ]  # fmt: skip
        incoming = [
            tuple(edge_ids[graph.first_edge[i] + s] for s in range(len(src)))
            for i, src in enumerate(graph.sources)
        ]
        out, backward = graph.index[graph.output], []
        for i in range(len(self.ids) - 1, -1, -1):
            outgoing = [graph.first_edge[t] + slot for t, slot in graph.consumers[i]]
            fan_out = i != out and len(outgoing) > 1
            backward.append((i, tuple(edge_ids[e] for e in outgoing), fan_out, outgoing))
        return nodes, edges, incoming, backward


_plan = PerGraph(_Plan)


def _float(x: object) -> float:
    return x if type(x) is float else float(x)


def evaluate(graph: Graph, given: dict[str, Array], seed: object | None) -> Trace | None:
    """The trace on floats, or None where this path does not apply."""
    plan = _plan(graph)
    if not plan.ok or any(value.ndim for value in given.values()):
        return None
    n = len(graph.nodes)
    values: list = [0.0] * n
    for name, value in given.items():
        values[graph.index[name]] = float(value)
    for i, value in plan.constants:
        values[i] = value
    out = graph.index[graph.output]
    seed_value = 1.0 if seed is None else float(graph.seed_for(np.zeros(()), seed))
    reaches = graph.reaches_output
    kept: list = [()] * n
    local, downstream = [0.0] * plan.edges, [0.0] * plan.edges
    grads: list = [None] * n  # None: no downstream gradient has arrived yet
    token = IGNORE.set(ignore_all())
    try:
        for i, sources, forward, _, _ in plan.ops:
            args = kept[i] = tuple([values[s] for s in sources])
            values[i] = _float(forward(*args))
        for i, sources, _, locals_, first in reversed(plan.ops):
            upstream = seed_value if i == out else grads[i]
            flows = reaches[i]
            grads[i] = upstream = upstream if upstream is not None else 0.0
            args, value = kept[i], values[i]
            for slot, source in enumerate(sources):
                local[first + slot] = factor = _float(locals_[slot](*args, value))
                if flows:  # upstream × local = downstream, summed at a fan-out in order of arrival
                    downstream[first + slot] = term = upstream * factor
                    received = grads[source]
                    grads[source] = term if received is None else received + term
    except ArithmeticError:  # Python raises on x / 0 where numpy gives inf: the reference decides
        return None
    finally:
        IGNORE.reset(token)
    for i in plan.leaves:
        grads[i] = seed_value if i == out else 0.0 if grads[i] is None else grads[i]
    return _ScalarTrace(graph, values, grads, local, downstream)


class _ScalarTrace(Trace):
    """A Trace whose records are made from float columns when first read."""

    def __init__(self, graph: Graph, values: list, grads: list, local: list, downstream: list) -> None:
        self.output = graph.output
        self._graph, self._columns = graph, (values, grads, local, downstream)

    @cached_property
    def _arrays(self) -> tuple[list[Array], ...]:
        with _collection_paused(len(self._graph.nodes)):
            return tuple(map(_zero_d, self._columns))

    @cached_property
    def nodes(self) -> tuple[NodeRecord, ...]:
        values, grads, _, _ = self._arrays
        rows = _plan(self._graph).records[0]
        with _collection_paused(len(rows)):
            return tuple(
                NodeRecord(*head, value, grad, *tail)
                for (head, tail), value, grad in zip(rows, values, grads, strict=True)
            )

    @cached_property
    def edges(self) -> tuple[EdgeRecord, ...]:
        values, grads, local, downstream = self._arrays
        rows = _plan(self._graph).records[1]
        with _collection_paused(len(rows)):
            return tuple(
                EdgeRecord(
                    e_id,
                    source_id,
                    target_id,
                    slot,
                    values[source],
                    loc,
                    "scalar",
                    grads[target],
                    down,
                    formula,
                )
                for (e_id, source_id, target_id, slot, source, target, formula), loc, down in zip(
                    rows, local, downstream, strict=True
                )
            )

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        values, grads, _, downstream = self._arrays
        plan = _plan(self._graph)
        _, _, incoming, backward = plan.records
        with _collection_paused(len(values)):
            steps = [Step(i, FORWARD, plan.ids[i], incoming[i], values[i]) for i in range(len(values))]
            for i, edge_ids, fan_out, outgoing in backward:
                steps.append(
                    Step(len(steps), BACKWARD, plan.ids[i], edge_ids, None, None if fan_out else grads[i])
                )
                if fan_out:
                    terms = tuple([downstream[e] for e in outgoing])
                    steps.append(Step(len(steps), ACCUMULATE, plan.ids[i], edge_ids, None, grads[i], terms))
        return tuple(steps)


_ELLIPSES = repeat(...)


def _zero_d(column: list[float]) -> list[Array]:
    """Floats as read-only 0-d arrays: one array holds them all, each a 0-d view of it."""
    flat = np.array(column, dtype=np.float64)
    flat.flags.writeable = False
    return list(map(flat.__getitem__, zip(range(len(column)), _ELLIPSES, strict=False)))


_PAUSE_LOCK = threading.Lock()
_pauses = 0  # how many threads are inside a pause now
_was_enabled = False  # the collector's state when the first of them came in


@contextmanager
def _collection_paused(nodes: int) -> Iterator[None]:
    """Records are many small tuples and no reference cycles; on a large graph Python's cycle
    collector would rescan them again and again. The first thread in records whether the
    collector was on, the last one out restores that (no interleaving can leave it off)."""
    global _pauses, _was_enabled
    if nodes < PAUSE_COLLECTION_NODES:
        yield
        return
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
