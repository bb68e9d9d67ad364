"""`Graph.run` and `Graph.forward` without a trace, for training steps and gradcheck.

The reference (engine.autograd.run) records every edge; a training step needs only the
gradients of the parameters. This pass works them out from a plan made once per graph and
`wrt` — per op node its forward with attrs bound and a gather of its inputs; per backward edge
its VJP — and calls each VJP with positional
arguments. add's local gradient is 1, so its downstream is the upstream itself, without a call.

Fan-out terms are added as they arrive (last consumer first, one consumer's slots in order): the
order engine.autograd.accumulate uses, so gradients equal the reference's bit for bit
(tests/engine/test_fast_equals_reference.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from operator import itemgetter

import numpy as np

from engine.autograd import apply, unbroadcast
from engine.errors import EngineError
from engine.fast.errstate import IGNORE, ignore_all
from engine.fast.plans import PerGraph
from engine.graph import Graph
from engine.nodes import CONSTANT, FLOAT64, INPUT
from engine.ops import Array

_PASSTHROUGH = object()  # the downstream gradient is the upstream: add's local gradient is 1


def _gather(sources: tuple[int, ...]) -> Callable[[list], tuple]:
    """A function from the list of values to one node's input values, as a tuple (one C call)."""
    if len(sources) == 1:
        source = sources[0]
        return lambda values: (values[source],)
    return itemgetter(*sources) if sources else (lambda values: ())


def _vjp(op, slot: int, attrs: dict) -> object:
    """downstream(upstream, *inputs, out) for one input, attrs bound: the op's own VJP, or
    upstream × its local gradient."""
    if op.passes_upstream(slot):
        return _PASSTHROUGH
    if op.vjp is not None:
        return partial(op.vjp[slot], **attrs) if attrs else op.vjp[slot]
    local = partial(op.local[slot], **attrs) if attrs else op.local[slot]
    return lambda g, *inputs_and_out: g * local(*inputs_and_out)


class _Plan:
    """What the passes need, derived once per graph."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.blank = [n.value if n.kind == CONSTANT else None for n in graph.nodes]
        self.inputs = [(i, n.id) for i, n in enumerate(graph.nodes) if n.kind == INPUT]
        self.input_set = frozenset(graph.input_names)
        self.ops = [
            (
                i,
                partial(n.op.forward, **dict(n.attrs)) if n.attrs else n.op.forward,
                _gather(graph.sources[i]),
            )
            for i, n in enumerate(graph.nodes)
            if n.op is not None
        ]
        self.backward: dict[tuple[str, ...], tuple] = {}

    def backward_plan(self, names: tuple[str, ...]) -> tuple:
        """Per op node from the output down, (node, its edges (slot, source, vjp), arity),
        keeping the edges that lead to a node in `names`; and (name, node) of each gradient."""
        plan = self.backward.get(names)
        if plan is not None:
            return plan
        graph = self.graph
        unknown = [name for name in names if name not in graph.index]
        if unknown:
            raise EngineError("unknown_name", f"cannot differentiate with respect to '{unknown[0]}'")
        wanted = {graph.index[name] for name in names}
        needs = []  # does a node lie on a path from a differentiated node (PyTorch's requires_grad)?
        for i in range(len(graph.nodes)):
            needs.append(i in wanted or any(needs[s] for s in graph.sources[i]))
        edges_of = []
        for i in range(graph.index[graph.output], -1, -1):
            node = graph.nodes[i]
            edges = []
            for slot, source in enumerate(graph.sources[i]):
                if needs[source] and node.op.is_differentiable(slot):
                    attrs = dict(node.attrs)
                    edges.append((slot, source, _vjp(node.op, slot, attrs)))
            if edges:
                edges_of.append((i, tuple(edges), len(graph.sources[i])))
        plan = self.backward[names] = (edges_of, tuple((name, graph.index[name]) for name in names))
        return plan

    def start(self, inputs: Mapping[str, object] | None) -> list:
        """The values before the forward pass: inputs checked (float64 arrays pass as they are)."""
        graph = self.graph
        given = {**graph.defaults, **inputs} if graph.defaults else (inputs or {})
        values = self.blank.copy()
        if given.keys() == self.input_set:
            for i, name in self.inputs:
                raw = given[name]
                if type(raw) is not np.ndarray or raw.dtype is not FLOAT64:
                    break  # a list, a number, another dtype: input_values converts it (or says why not)
                values[i] = raw
            else:
                return values
        checked = graph.input_values(inputs)
        for i, name in self.inputs:
            values[i] = checked[name]
        return values

    def forward(self, values: list, kept: list | None = None) -> list:
        for i, forward, gather in self.ops:
            args = gather(values)
            if kept is not None:
                kept[i] = args
            try:
                value = forward(*args)
            except (EngineError, ValueError, IndexError, TypeError):
                value = apply(self.graph.nodes[i], list(args))  # raises the reference's error
            if type(value) is not np.ndarray or value.dtype is not FLOAT64:
                value = np.asarray(value, dtype=np.float64)
            values[i] = value
        return values


_plan = PerGraph(_Plan)


def forward(graph: Graph, inputs: Mapping[str, object] | None) -> list[Array]:
    plan = _plan(graph)
    values = plan.start(inputs)
    token = IGNORE.set(ignore_all())  # np.errstate(all="ignore"), set in two C calls
    try:
        return plan.forward(values)
    finally:
        IGNORE.reset(token)


def run(
    graph: Graph, inputs: Mapping[str, object] | None, seed: object | None, wrt: Iterable[str] | None
) -> tuple[list[Array], dict[str, Array]]:
    plan = _plan(graph)
    names = graph.input_names if wrt is None else wrt if type(wrt) is tuple else tuple(wrt)
    edges_of, gathered = plan.backward_plan(names)
    values = plan.start(inputs)
    out = graph.index[graph.output]
    grads: list = [None] * len(values)
    inputs_of: list = [None] * len(values)
    token = IGNORE.set(ignore_all())
    try:
        plan.forward(values, inputs_of)
        value = values[out]
        grads[out] = (
            (np.ones(value.shape) if value.ndim else np.array(1.0))
            if seed is None
            else graph.seed_for(value, seed)
        )
        for i, edges, arity in edges_of:
            upstream = grads[i]
            if upstream is None:
                continue
            args, value = inputs_of[i], values[i]
            for slot, source, vjp in edges:
                if vjp is _PASSTHROUGH:
                    down = upstream
                elif arity == 2:  # positional arguments, not *args: a third of the call's cost
                    down = vjp(upstream, args[0], args[1], value)
                elif arity == 1:
                    down = vjp(upstream, args[0], value)
                else:
                    down = vjp(upstream, *args, value)
                if type(down) is not np.ndarray or down.dtype is not FLOAT64:
                    down = np.asarray(down, dtype=np.float64)
                shape = args[slot].shape
                if down.shape != shape:
                    if shape and down.shape[1:] == shape:  # a bias added to every row: one reduction
                        down = np.add.reduce(down, axis=0)
                    else:
                        down = unbroadcast(down, shape, graph.nodes[i])
                grads[source] = (
                    down if grads[source] is None else grads[source] + down
                )  # fan-out: in arrival order
    finally:
        IGNORE.reset(token)
    # Each gradient an array of its own, so that an optimiser may update one in place without
    # touching another (add hands one array to both inputs; the seed may be the caller's).
    gradients: dict[str, Array] = {}
    taken: set[int] = {id(grads[out])} if seed is not None else set()
    for name, j in gathered:
        gradient = grads[j]
        if gradient is None:
            gradient = np.zeros(values[j].shape)
        elif id(gradient) in taken or not (gradient.base is None and gradient.flags.writeable):
            gradient = np.array(gradient, dtype=np.float64)
        taken.add(id(gradient))
        gradients[name] = gradient
    return values, gradients
