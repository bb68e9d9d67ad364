"""The recorded evaluation: every node, every edge's upstream × local = downstream, every step.

Steps: one `forward` per node in order; then, in reverse order, one `backward` per node — the
step at which the downstream gradients on the node's outgoing edges are computed — and, where a
node feeds several consumers, an `accumulate` step that sums them (the lecture's
∂f/∂y = ∂f/∂a·∂a/∂y + ∂f/∂b·∂b/∂y). The output's backward step sets the seed gradient.

A Trace is the contract between the engine and the app: the app reads these records and
nothing else. engine.autograd builds one; engine.fast may build an equal one faster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

Array = np.ndarray
FORWARD, BACKWARD, ACCUMULATE = "forward", "backward", "accumulate"


class NodeRecord(NamedTuple):
    id: str
    kind: str  # input | constant | op
    op: str | None
    symbol: str
    label: str
    inputs: tuple[str, ...]
    value: Array
    grad: Array  # ∂output/∂node, of the node's shape
    formula: str  # the forward, as written: "f = a * b"
    line: int | None
    column: int | None
    aliases: tuple[str, ...] = ()

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
    local: Array | None  # ∂target/∂source: a number, elementwise, the Jacobian, or None (omitted)
    local_kind: str  # scalar | elementwise | jacobian | omitted
    upstream: Array  # ∂output/∂target
    downstream: Array  # ∂output/∂source through this edge, of the source's shape
    formula: str  # the local gradient ∂target/∂source, in the inputs' names


class Step(NamedTuple):
    index: int
    phase: str  # forward | backward | accumulate
    node: str
    edges: tuple[str, ...] = ()  # forward: incoming edges; backward, accumulate: outgoing edges
    value: Array | None = None  # forward: the node's value
    grad: Array | None = None  # set when this step fixes the node's gradient
    terms: tuple[Array, ...] = ()  # accumulate: the downstream gradients summed


@dataclass(frozen=True)
class Snapshot:
    """What is known after step k: None where the pass has not got there yet."""

    step: int
    values: dict[str, Array | None]
    grads: dict[str, Array | None]
    edges: dict[str, dict[str, Array | None]]


class Trace:
    """One evaluation, recorded: nodes in topological order, edges by id, steps by index."""

    def __init__(
        self,
        output: str,
        nodes: tuple[NodeRecord, ...],
        edges: tuple[EdgeRecord, ...],
        steps: tuple[Step, ...],
    ) -> None:
        self.output = output
        self.nodes = nodes
        self.edges = edges
        self.steps = steps

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(node.id for node in self.nodes)

    def node(self, name: str) -> NodeRecord:
        """A node by its id or one of its aliases."""
        return next(n for n in self.nodes if n.id == name or name in n.aliases)

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
        state = {
            e.id: {"value": None, "local": None, "upstream": None, "downstream": None} for e in self.edges
        }
        outgoing: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for e in self.edges:
            outgoing[e.source].append(e.id)
        for step in self.steps[: k + 1]:
            if step.phase == FORWARD:
                values[step.node] = step.value
                for edge_id in outgoing[step.node]:
                    state[edge_id]["value"] = step.value
            elif step.phase == BACKWARD:
                for edge_id in step.edges:
                    edge = edges_by_id[edge_id]
                    state[edge_id].update(
                        local=edge.local, upstream=edge.upstream, downstream=edge.downstream
                    )
            if step.grad is not None:
                grads[step.node] = step.grad
        return Snapshot(k, values, grads, state)


Evaluation = Trace  # the name earlier versions used
