"""The computational graph: named nodes in definition (topological) order, with one output.

A Graph is structure only — which node feeds which — plus the checks of the values a caller
gives it. The passes over it live in engine.autograd (the reference, which records the trace);
`run`, `forward` and `value_and_gradients` call them, or the fast path where one is installed
(engine.seam), which gives the same results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from itertools import accumulate

import numpy as np

from engine import autograd, seam
from engine.errors import EngineError
from engine.nodes import FLOAT64, INPUT, Node, as_value
from engine.ops import Array, attr_text


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
        self.index: dict[str, int] = {}  # every node's id, and every alias of it, to its position
        for i, node in enumerate(self.nodes):
            for name in (node.id, *node.aliases):
                if name in self.index:
                    raise EngineError("duplicate_name", f"'{name}' is defined twice", params={"name": name})
            missing = [src for src in node.inputs if src not in self.index]
            if missing:
                raise EngineError("unknown_name", f"'{node.id}' uses '{missing[0]}' before it exists")
            self.index[node.id] = i
            self.index.update(dict.fromkeys(node.aliases, i))
        output = output if output is not None else self.nodes[-1].id
        if output not in self.index:
            raise EngineError(
                "unknown_output", f"output '{output}' is not a node of the graph", params={"name": output}
            )
        self.output = self.nodes[self.index[output]].id  # an alias names its node
        self.input_names: tuple[str, ...] = tuple(n.id for n in self.nodes if n.kind == INPUT)
        self.defaults = dict(defaults or {})
        self.sources: list[tuple[int, ...]] = [tuple(self.index[s] for s in n.inputs) for n in self.nodes]
        # Edges are numbered by consumer, then by slot (e0, e1, …): node i's first input edge.
        self.first_edge: list[int] = list(accumulate(map(len, self.sources), initial=0))[:-1]

    @cached_property
    def consumers(self) -> list[list[tuple[int, int]]]:
        """Per node, the (consumer, slot) of every edge it feeds, in edge order."""
        consumers: list[list[tuple[int, int]]] = [[] for _ in self.nodes]
        for target, sources in enumerate(self.sources):
            for slot, source in enumerate(sources):
                consumers[source].append((target, slot))
        return consumers

    @cached_property
    def attrs(self) -> list[dict[str, object]]:
        """Per node, its op's literal arguments as keywords (`slope`, `axis`): {} for most."""
        return [dict(node.attrs) for node in self.nodes]

    @cached_property
    def edge_ids(self) -> tuple[str, ...]:
        """e0, e1, …: edges numbered by consumer, then by slot."""
        return tuple(f"e{k}" for k in range(sum(map(len, self.sources))))

    @cached_property
    def incoming(self) -> list[tuple[str, ...]]:
        """Per node, the ids of the edges into it, slot by slot."""
        return [
            self.edge_ids[first : first + len(s)]
            for first, s in zip(self.first_edge, self.sources, strict=True)
        ]

    @cached_property
    def outgoing(self) -> list[list[tuple[int, int, int]]]:
        """Per node, (edge number, consumer, slot) of every edge it feeds, in edge order."""
        return [[(self.first_edge[t] + slot, t, slot) for t, slot in feeds] for feeds in self.consumers]

    @cached_property
    def outgoing_ids(self) -> list[tuple[str, ...]]:
        """Per node, the ids of the edges it feeds, in edge order."""
        return [tuple(self.edge_ids[e] for e, _, _ in feeds) for feeds in self.outgoing]

    @cached_property
    def carries_gradient(self) -> list[bool]:
        """Per edge: does the output's gradient flow back through it? Not through a class index,
        nor from a node the output does not depend on."""
        return [
            self.reaches_output[t] and self.nodes[t].op.is_differentiable(slot)
            for t, sources in enumerate(self.sources)
            for slot in range(len(sources))
        ]

    @cached_property
    def reaches_output(self) -> list[bool]:
        """Per node: does the output's gradient reach it? Only through differentiable inputs: what
        only computes a class index gets a gradient of 0, as in PyTorch."""
        reaches = [False] * len(self.nodes)
        reaches[self.index[self.output]] = True
        for i in range(len(self.nodes) - 1, -1, -1):
            if reaches[i]:
                for slot, source in enumerate(self.sources[i]):
                    if self.nodes[i].op.is_differentiable(slot):
                        reaches[source] = True
        return reaches

    @cached_property
    def edge_formulas(self) -> list[str]:
        """Per edge (e0, e1, …), the local gradient ∂target/∂input in the inputs' labels: `∂f/∂a = b`."""
        formulas = []
        for node, sources in zip(self.nodes, self.sources, strict=True):
            labels = [self.nodes[s].label for s in sources]
            names = {"a": labels[0] if labels else "", "b": labels[1] if len(labels) > 1 else "", "slope": ""}
            names.update((key, attr_text(value)) for key, value in node.attrs)
            for slot in range(len(sources)):
                formulas.append(
                    f"∂{_wrapped(node.label)}/∂{_wrapped(labels[slot])} = {node.op.formula(slot, names)}"
                )
        return formulas

    def __len__(self) -> int:
        return len(self.nodes)

    def with_output(self, output: str) -> Graph:
        return Graph(self.nodes, output, self.defaults)

    def input_values(self, inputs: Mapping[str, object] | None) -> dict[str, Array]:
        """Checked input arrays: every free name given (or defaulted), nothing extra."""
        given = {**self.defaults, **(inputs or {})}
        if given.keys() != set(self.input_names):
            extra = sorted(set(given) - set(self.input_names))
            if extra:
                raise EngineError(
                    "unknown_input", f"'{extra[0]}' is not an input of the graph", input_name=extra[0]
                )
            name = next(name for name in self.input_names if name not in given)
            node = self.nodes[self.index[name]]
            raise EngineError(
                "missing_input", f"no value given for input '{name}'", node.line, node.column, input_name=name
            )
        for name, raw in given.items():
            if type(raw) is not np.ndarray or raw.dtype is not FLOAT64:
                given[name] = as_value(raw, name)
        return given

    def seed_for(self, out: Array, seed: object | None) -> Array:
        """The output's seed gradient: ones of its shape unless given (then checked)."""
        if seed is None:
            return np.ones(np.shape(out))
        array = as_value(seed, "seed_gradient")
        if array.shape != np.shape(out):
            raise EngineError(
                "shape_mismatch",
                f"seed_gradient has shape {array.shape}, the output '{self.output}' {np.shape(out)}",
                params={"name": "seed_gradient", "shapes": [list(array.shape), list(np.shape(out))]},
            )
        return array.copy()  # the trace keeps it: never the caller's own array

    def forward(self, inputs: Mapping[str, object] | None = None) -> list[Array]:
        """Every node's value, in order."""
        fast = seam.fast("run")
        if fast is not None:
            return fast.forward(self, inputs)
        with np.errstate(all="ignore"):  # inf and NaN are values, not warnings
            return autograd.forward(self, self.input_values(inputs))

    def run(
        self,
        inputs: Mapping[str, object] | None = None,
        seed: object | None = None,
        wrt: Iterable[str] | None = None,
    ) -> tuple[dict[str, Array], dict[str, Array]]:
        """Forward and backward: (every node's value by id, the gradients of the nodes in `wrt`,
        by the names given; default: every input)."""
        fast = seam.fast("run")
        if fast is not None:
            values, gradients = fast.run(self, inputs, seed, wrt)
        else:
            values, gradients = autograd.run(self, self.input_values(inputs), seed, wrt)
        return dict(zip((n.id for n in self.nodes), values, strict=True)), gradients

    def value_and_gradients(
        self,
        inputs: Mapping[str, object] | None = None,
        wrt: Iterable[str] | None = None,
        seed: object | None = None,
    ) -> tuple[Array, dict[str, Array]]:
        """`run` for a training step: only the output's value, and the gradients of `wrt`."""
        fast = seam.fast("run")
        if fast is not None:
            values, gradients = fast.run(self, inputs, seed, wrt)
        else:
            values, gradients = autograd.run(self, self.input_values(inputs), seed, wrt)
        return values[self.index[self.output]], gradients


def _wrapped(label: str) -> str:
    return f"({label})" if " " in label else label
