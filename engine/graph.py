"""The computational graph: named nodes in definition order, forward and backward passes.

This is where the chain rule lives: each op gives its local derivative, and here
downstream = upstream × local is un-broadcast to the input's shape and summed at fan-out.
`Graph.run` is the fast path (training, gradcheck); `engine.trace.evaluate` records every step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from engine.errors import EngineError
from engine.ops import Array, Op

INPUT, CONSTANT, OP = "input", "constant", "op"


@dataclass(frozen=True)
class Node:
    """One node: a free input, a literal constant, or an op applied to earlier nodes."""

    id: str
    kind: str
    label: str
    op: Op | None = None
    inputs: tuple[str, ...] = ()
    attrs: tuple[tuple[str, float], ...] = ()
    value: Array | None = None  # constants only
    text: str = ""  # the forward expression as written, e.g. "x + y"
    line: int | None = None
    column: int | None = None


def as_value(raw: object, name: str) -> Array:
    """A number or nested list as a float64 array; anything else is the caller's error."""
    if isinstance(raw, np.ndarray):
        array = raw
    else:
        if isinstance(raw, bool) or isinstance(raw, str):
            raise EngineError("invalid_input", f"input '{name}' must be a number or nested list")
        try:
            array = np.array(raw, dtype=np.float64)
        except (TypeError, ValueError):
            raise EngineError(
                "invalid_input",
                f"input '{name}' must be a number or a rectangular nested list of numbers",
            ) from None
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise EngineError("invalid_input", f"input '{name}' must hold numbers only")
    return np.asarray(array, dtype=np.float64)


def unbroadcast(gradient: Array, shape: tuple[int, ...]) -> Array:
    """Sum a gradient over the axes numpy broadcast, back to `shape` (sum is expand in reverse)."""
    if gradient.shape == shape:
        return gradient
    extra = gradient.ndim - len(shape)
    if extra > 0:
        gradient = gradient.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and gradient.shape[i] != 1)
    if stretched:
        gradient = gradient.sum(axis=stretched, keepdims=True)
    return gradient.reshape(shape)


class Graph:
    """A DAG of nodes in topological (definition) order with one output."""

    def __init__(
        self,
        nodes: Iterable[Node],
        output: str | None = None,
        defaults: Mapping[str, object] | None = None,
    ) -> None:
        self.nodes: tuple[Node, ...] = tuple(nodes)
        if not self.nodes:
            raise EngineError("empty_graph", "the graph has no nodes")
        self.index: dict[str, int] = {}
        for i, node in enumerate(self.nodes):
            if node.id in self.index:
                raise EngineError("duplicate_name", f"'{node.id}' is defined twice")
            missing = [src for src in node.inputs if src not in self.index]
            if missing:
                raise EngineError("unknown_name", f"'{node.id}' uses '{missing[0]}' before it exists")
            self.index[node.id] = i
        self.output = output if output is not None else self.nodes[-1].id
        if self.output not in self.index:
            raise EngineError("unknown_output", f"output '{self.output}' is not a node of the graph")
        self.input_names: tuple[str, ...] = tuple(n.id for n in self.nodes if n.kind == INPUT)
        self.defaults = dict(defaults or {})
        self.sources = [tuple(self.index[s] for s in n.inputs) for n in self.nodes]
        self._attrs = [dict(n.attrs) for n in self.nodes]
        self.consumers: list[list[tuple[int, int]]] = [[] for _ in self.nodes]
        for target, sources in enumerate(self.sources):
            for slot, source in enumerate(sources):
                self.consumers[source].append((target, slot))

    def __len__(self) -> int:
        return len(self.nodes)

    def with_output(self, output: str) -> Graph:
        return Graph(self.nodes, output, self.defaults)

    def input_values(self, inputs: Mapping[str, object] | None) -> dict[str, Array]:
        """Checked input arrays: every free name given (or defaulted), nothing extra."""
        given = dict(self.defaults)
        given.update(inputs or {})
        extra = sorted(set(given) - set(self.input_names))
        if extra:
            raise EngineError("unknown_input", f"'{extra[0]}' is not an input of the graph")
        missing = [name for name in self.input_names if name not in given]
        if missing:
            raise EngineError("missing_input", f"no value given for input '{missing[0]}'")
        return {name: as_value(given[name], name) for name in self.input_names}

    def forward(self, inputs: Mapping[str, object] | None) -> list[Array]:
        """Every node's value, in order."""
        given = self.input_values(inputs)
        values: list[Array] = []
        with np.errstate(all="ignore"):  # non-finite results are values, not errors
            for i, node in enumerate(self.nodes):
                if node.kind == INPUT:
                    values.append(given[node.id])
                elif node.kind == CONSTANT:
                    values.append(node.value)
                else:
                    args = [values[s] for s in self.sources[i]]
                    values.append(self._apply(node, args, self._attrs[i]))
        return values

    def _apply(self, node: Node, args: list[Array], attrs: dict) -> Array:
        try:
            return np.asarray(node.op.forward(*args, **attrs), dtype=np.float64)
        except EngineError as error:
            raise EngineError(
                error.code, f"{node.text or node.label}: {error.message}", node.line, node.column
            ) from None
        except (ValueError, IndexError) as error:
            shapes = " and ".join(str(tuple(a.shape)) for a in args)
            raise EngineError(
                "shape_mismatch",
                f"'{node.text or node.label}': {node.op.name} cannot combine shapes {shapes} ({error})",
                node.line,
                node.column,
            ) from None

    def seed_for(self, out: Array, seed: object | None) -> Array:
        if seed is None:
            return np.ones_like(out)
        array = as_value(seed, "seed_gradient")
        if array.shape != out.shape:
            raise EngineError(
                "shape_mismatch",
                f"seed_gradient has shape {array.shape}, the output '{self.output}' {out.shape}",
            )
        return array

    def requires_grad(self, wrt: Iterable[str] | None) -> list[bool]:
        """Which nodes lie on a path from the differentiated inputs (PyTorch's requires_grad)."""
        wanted = set(self.input_names if wrt is None else wrt)
        needs = []
        for i, node in enumerate(self.nodes):
            if node.kind == OP:
                needs.append(any(needs[s] for s in self.sources[i]))
            else:
                needs.append(node.id in wanted)
        return needs

    def run(
        self,
        inputs: Mapping[str, object] | None = None,
        seed: object | None = None,
        wrt: Iterable[str] | None = None,
    ) -> tuple[dict[str, Array], dict[str, Array]]:
        """Forward and backward without a trace: (values, gradients of the inputs in `wrt`)."""
        values = self.forward(inputs)
        out = self.index[self.output]
        needs = self.requires_grad(wrt)
        grads: list[Array | None] = [None] * len(self.nodes)
        grads[out] = self.seed_for(values[out], seed)
        with np.errstate(all="ignore"):
            for i in range(out, -1, -1):
                upstream = grads[i]
                node = self.nodes[i]
                if upstream is None or node.kind != OP:
                    continue
                sources = self.sources[i]
                args = tuple(values[s] for s in sources)
                for slot, source in enumerate(sources):
                    if not needs[source] or not node.op.is_differentiable(slot):
                        continue
                    down = node.op.downstream(slot, upstream, args, values[i], self._attrs[i])
                    down = unbroadcast(np.asarray(down), values[source].shape)
                    grads[source] = down if grads[source] is None else np.asarray(grads[source] + down)
        names = self.input_names if wrt is None else tuple(wrt)
        gradients = {}
        for name in names:
            j = self.index[name]
            gradients[name] = grads[j] if grads[j] is not None else np.zeros_like(values[j])
        return {n.id: values[i] for i, n in enumerate(self.nodes)}, gradients
