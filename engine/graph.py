"""The computational graph: named nodes in definition order, forward and backward passes.

This is where the chain rule lives: each op gives its local derivative, and here
downstream = upstream × local is un-broadcast to the input's shape and summed at fan-out.
`Graph.run` is the fast path (training, gradcheck); `engine.trace.evaluate` records every step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property, partial
from operator import itemgetter

import numpy as np

from engine.errors import EngineError
from engine.fpstate import IGNORE, ignore_all
from engine.nodes import CONSTANT, FLOAT64, INPUT, OP, Node, as_value
from engine.ops import OPS_BY_NAME, Array

_SUM = np.add.reduce
# add's VJP hands the upstream on unchanged: the backward pass does so without the call.
_PASSTHROUGH = OPS_BY_NAME["add"].vjp[0]
# Built-in ops whose downstream gradients always have their inputs' shapes, so the backward pass
# skips the un-broadcast check: one-input elementwise ops (upstream and local both of the input's
# shape), and a product of two matrices (upstream · bᵀ and aᵀ · upstream), checked per pass.
# A node's upstream always has its value's shape: every downstream is fitted to its input.
_MATMUL = "matmul"
_UNARY = ("neg", "exp", "log", "sqrt", "abs", "sigmoid", "tanh", "hardtanh", "relu", "leaky_relu")
_FITS: dict[int, object] = {id(OPS_BY_NAME[name]): True for name in _UNARY}  # by id: never a user's gate
_FITS[id(OPS_BY_NAME["matmul"])] = _MATMUL


def unbroadcast(gradient: Array, shape: tuple[int, ...]) -> Array:
    """Sum a gradient over the axes numpy broadcast, back to `shape` (sum is expand in reverse)."""
    if gradient.shape == shape:
        return gradient
    if gradient.shape[1:] == shape and shape:  # a bias added to every row: the common case, one call
        return _SUM(gradient, axis=0)
    extra = gradient.ndim - len(shape)
    if extra > 0:
        gradient = np.add.reduce(gradient, axis=tuple(range(extra)))
    if extra >= 0 and gradient.shape != shape:
        stretched = tuple(i for i, n in enumerate(shape) if n == 1 and gradient.shape[i] != 1)
        if stretched:
            gradient = np.add.reduce(gradient, axis=stretched, keepdims=True)
    if gradient.shape != shape:
        raise ValueError(f"a gradient of shape {np.shape(gradient)} does not fit a value of shape {shape}")
    return np.asarray(gradient)


def gather(sources: tuple[int, ...]) -> Callable[[list], tuple]:
    """A function from the list of values to one node's input values, as a tuple (one C call)."""
    if len(sources) == 1:
        source = sources[0]
        return lambda values: (values[source],)
    if not sources:
        return lambda values: ()
    return itemgetter(*sources)


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
        index = self.index.__getitem__
        self.sources = [tuple(map(index, n.inputs)) for n in self.nodes]
        self._needs: dict[tuple[str, ...] | None, list[bool]] = {}
        self._plans: dict[tuple[str, ...], tuple] = {}
        self.memo: dict[str, object] = {}  # what other passes derive from the graph alone (the trace's)

    # What the passes need, derived on first use (a graph parsed for one trace needs no VJPs),
    # then plain attributes: cached_property stores the value on the instance.
    @cached_property
    def attrs(self) -> list[dict[str, float]]:
        return [dict(n.attrs) for n in self.nodes]

    @cached_property
    def consumers(self) -> list[list[tuple[int, int]]]:
        consumers: list[list[tuple[int, int]]] = [[] for _ in self.nodes]
        for target, sources in enumerate(self.sources):
            for slot, source in enumerate(sources):
                consumers[source].append((target, slot))
        return consumers

    @cached_property
    def _ops(self) -> list[tuple]:
        """Per op node: its index, its forward with attrs bound, and the gather of its inputs."""
        attrs = self.attrs
        return [
            (i, partial(n.op.forward, **attrs[i]) if n.attrs else n.op.forward, gather(self.sources[i]))
            for i, n in enumerate(self.nodes)
            if n.kind == OP
        ]

    @cached_property
    def vjps(self) -> list[tuple]:
        """Per node, per input slot, the VJP with attrs bound (None where the input is not
        differentiable, like a class index)."""
        attrs = self.attrs
        return [
            tuple(
                n.op.vjp_with(slot, attrs[i]) if n.op.is_differentiable(slot) else None
                for slot in range(len(n.inputs))
            )
            if n.kind == OP
            else ()
            for i, n in enumerate(self.nodes)
        ]

    @cached_property
    def _inputs(self) -> list[tuple[int, str]]:
        return [(i, n.id) for i, n in enumerate(self.nodes) if n.kind == INPUT]

    @cached_property
    def _input_set(self) -> frozenset[str]:
        return frozenset(self.input_names)

    @cached_property
    def _blank(self) -> list:
        """The values list a pass starts from: each constant in its place, None for the rest."""
        return [n.value if n.kind == CONSTANT else None for n in self.nodes]

    @cached_property
    def _ids(self) -> list[str]:
        return [n.id for n in self.nodes]

    def __len__(self) -> int:
        return len(self.nodes)

    def with_output(self, output: str) -> Graph:
        return Graph(self.nodes, output, self.defaults)

    def input_values(self, inputs: Mapping[str, object] | None) -> dict[str, Array]:
        """Checked input arrays: every free name given (or defaulted), nothing extra."""
        if inputs:
            given = {**self.defaults, **inputs} if self.defaults else dict(inputs)
        else:
            given = dict(self.defaults)
        if given.keys() != self._input_set:
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

    def forward(self, inputs: Mapping[str, object] | None, kept: list | None = None) -> list[Array]:
        """Every node's value, in order; `kept` (one slot per node) receives each op's input values."""
        values = self._start(inputs)
        token = IGNORE.set(ignore_all())  # np.errstate(all="ignore"): non-finite results are values
        try:
            return self._forward(values, kept)
        finally:
            IGNORE.reset(token)

    def _start(self, inputs: Mapping[str, object] | None) -> list:
        """The values before the forward pass: each input checked (as `input_values`) and each
        constant in its node's place; the other places None."""
        if not inputs:
            given: Mapping[str, object] = self.defaults
        else:
            given = {**self.defaults, **inputs} if self.defaults else inputs
        values = self._blank.copy()
        if given.keys() == self._input_set:
            for i, name in self._inputs:
                raw = given[name]
                if type(raw) is not np.ndarray or raw.dtype is not FLOAT64:
                    break  # a list, a number, another dtype: input_values converts (or names the error)
                values[i] = raw
            else:
                return values
        checked = self.input_values(inputs)
        for i, name in self._inputs:
            values[i] = checked[name]
        return values

    def _forward(self, values: list, kept: list | None = None) -> list[Array]:
        """The op nodes' values, in order, into `values` (the inputs and constants already there);
        `kept`, if given, receives each op node's input values (a tuple per node)."""
        for i, forward, gather in self._ops:
            args = gather(values)
            if kept is not None:
                kept[i] = args
            try:
                value = forward(*args)
            except (EngineError, ValueError, IndexError, TypeError) as error:
                raise self._forward_error(i, args, error) from None
            if type(value) is not np.ndarray or value.dtype is not FLOAT64:  # a numpy scalar, a gate's list
                value = np.asarray(value, dtype=np.float64)
            values[i] = value
        return values

    def _forward_error(self, i: int, args: tuple[Array, ...], error: Exception) -> EngineError:
        node = self.nodes[i]
        where = node.text or node.label
        if isinstance(error, EngineError):
            return EngineError(error.code, f"{where}: {error.message}", node.line, node.column)
        shapes = " and ".join(str(tuple(np.shape(a))) for a in args)
        return EngineError(
            "shape_mismatch",
            f"'{where}': {node.op.name} cannot combine shapes {shapes} ({error})",
            node.line,
            node.column,
        )

    def downstream(self, target: int, slot: int, upstream: Array, args: list[Array], out: Array) -> Array:
        """upstream × local through one edge, un-broadcast to the input's shape (the chain rule)."""
        down = self.vjps[target][slot](upstream, *args, out)
        shape = args[slot].shape
        return down if down.shape == shape else self._unbroadcast(target, down, shape)

    def _unbroadcast(self, target: int, down: Array, shape: tuple[int, ...]) -> Array:
        try:
            return unbroadcast(
                down if type(down) is np.ndarray else np.asarray(down, dtype=np.float64), shape
            )
        except ValueError as error:
            node = self.nodes[target]
            raise EngineError(
                "invalid_gradient", f"'{node.text or node.label}': {error}", node.line, node.column
            ) from None

    def seed_for(self, out: Array, seed: object | None) -> Array:
        if seed is None:
            return np.array(1.0) if out.ndim == 0 else np.ones(out.shape)
        array = as_value(seed, "seed_gradient")
        if array.shape != out.shape:
            raise EngineError(
                "shape_mismatch",
                f"seed_gradient has shape {array.shape}, the output '{self.output}' {out.shape}",
            )
        return array

    def requires_grad(self, wrt: Iterable[str] | None) -> list[bool]:
        """Which nodes lie on a path from the differentiated nodes (PyTorch's requires_grad)."""
        key = None if wrt is None else tuple(wrt)
        if key not in self._needs:
            wanted = set(self.input_names if key is None else key)
            unknown = sorted(wanted - set(self.index))
            if unknown:
                raise EngineError("unknown_name", f"cannot differentiate with respect to '{unknown[0]}'")
            needs: list[bool] = []
            for i, node in enumerate(self.nodes):
                needs.append(node.id in wanted or any(needs[s] for s in self.sources[i]))
            self._needs[key] = needs
        return self._needs[key]

    def run(
        self,
        inputs: Mapping[str, object] | None = None,
        seed: object | None = None,
        wrt: Iterable[str] | None = None,
    ) -> tuple[dict[str, Array], dict[str, Array]]:
        """Forward and backward without a trace: (values, gradients of the nodes in `wrt`)."""
        values, gradients = self._run(inputs, seed, wrt)
        return dict(zip(self._ids, values, strict=True)), gradients

    def value_and_gradients(
        self,
        inputs: Mapping[str, object] | None = None,
        wrt: Iterable[str] | None = None,
        seed: object | None = None,
    ) -> tuple[Array, dict[str, Array]]:
        """`run` for a training step: only the output's value, and the gradients of `wrt`."""
        values, gradients = self._run(inputs, seed, wrt)
        return values[self.index[self.output]], gradients

    def _run(
        self, inputs: Mapping[str, object] | None, seed: object | None, wrt: Iterable[str] | None
    ) -> tuple[list[Array], dict[str, Array]]:
        names = self.input_names if wrt is None else wrt if type(wrt) is tuple else tuple(wrt)
        plan = self._plans.get(names)
        if plan is None:
            plan = self._backward_plan(names, self.requires_grad(names))
        edges_of, gathered = plan
        values = self._start(inputs)
        out = self.index[self.output]
        grads: list = [None] * len(self.nodes)
        inputs_of: list = [None] * len(self.nodes)
        token = IGNORE.set(ignore_all())  # np.errstate(all="ignore"): non-finite results are values
        try:
            self._forward(values, inputs_of)
            if seed is None:
                value = values[out]
                grads[out] = np.array(1.0) if value.ndim == 0 else np.ones(value.shape)
            else:
                grads[out] = self.seed_for(values[out], seed)
            for i, edges, fits, arity in edges_of:
                upstream = grads[i]
                if upstream is None:
                    continue
                args, value = inputs_of[i], values[i]
                if arity == 2:  # called with positional arguments, not *args: a third of the cost
                    a, b = args
                    if fits is _MATMUL:
                        fits = a.ndim == 2 and b.ndim == 2
                elif arity == 1:
                    (a,) = args
                for slot, source, vjp, first in edges:
                    # upstream × local (add's passes the upstream on as it is)
                    if vjp is _PASSTHROUGH:
                        down = upstream
                    elif arity == 2:
                        down = vjp(upstream, a, b, value)
                    elif arity == 1:
                        down = vjp(upstream, a, value)
                    else:
                        down = vjp(upstream, *args, value)
                    if not fits:
                        shape, got = args[slot].shape, down.shape
                        if got != shape:  # a bias added to every row first, as unbroadcast does
                            if shape and got[1:] == shape and type(down) is np.ndarray:
                                down = _SUM(down, axis=0)
                            else:
                                down = self._unbroadcast(i, down, shape)
                    if first:
                        grads[source] = down
                    else:  # fan-out: the gradients of every use add up (None: no upstream reached it)
                        grads[source] = down if grads[source] is None else grads[source] + down
        finally:
            IGNORE.reset(token)
        # Each gradient an array of its own, so that an optimiser may update one in place without
        # touching another (add passes one array to both inputs; the seed may be the caller's).
        gradients: dict[str, Array] = {}
        for name, j in gathered:
            gradient = grads[j]
            if gradient is None:
                gradient = np.zeros(values[j].shape)
            elif not (type(gradient) is np.ndarray and gradient.base is None and gradient.flags.writeable):
                gradient = np.array(gradient, dtype=np.float64)
            gradients[name] = gradient
        distinct = set(map(id, gradients.values()))
        if len(distinct) < len(gradients) or id(grads[out]) in distinct:
            taken = {id(grads[out])}
            for name, gradient in gradients.items():
                if id(gradient) in taken:
                    gradients[name] = gradient = np.array(gradient, dtype=np.float64)
                taken.add(id(gradient))
        return values, gradients

    def _backward_plan(
        self, names: tuple[str, ...], needs: list[bool]
    ) -> tuple[list[tuple[int, tuple, object, int]], tuple[tuple[str, int], ...]]:
        """The backward pass's edges, output first: per op node, (slot, source, vjp, first) of each
        input that leads to a differentiated node and has a VJP (`first`: no edge before it reaches
        that source, so its gradient starts there), whether its downstream gradients fit
        their inputs without un-broadcasting (_FITS), and its number of inputs; and (name, node)
        of each gradient to hand back — worked out once per `wrt`."""
        plan = self._plans.get(names)
        if plan is None:
            edges_of = []
            reached: set[int] = set()
            for i in range(self.index[self.output], -1, -1):
                vjps = self.vjps[i]
                edges = []
                for slot, source in enumerate(self.sources[i]):
                    if vjps and needs[source] and vjps[slot] is not None:
                        edges.append((slot, source, vjps[slot], source not in reached))
                        reached.add(source)
                if edges:
                    edges_of.append((i, tuple(edges), _FITS.get(id(self.nodes[i].op)), len(self.sources[i])))
            plan = self._plans[names] = (edges_of, tuple((name, self.index[name]) for name in names))
        return plan
