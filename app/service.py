"""Requests to engine calls and back, shared by the HTTP routes and the CLI.

Everything the user sends is checked here before the engine sees it: input arrays (numbers
only, rectangular, finite, bounded); then, as the engine goes (its `check` hook, `Budget`),
the size of every value, of the document it will produce, the wall time and the client's
presence. The caches here are bounded in bytes.
"""

from __future__ import annotations

import ctypes
import math
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from cachetools import LRUCache

from app.errors import ApiError
from app.layout import LayoutNode, layout
from app.serialize import apply_snapshot, array, document, dumps_document, number, stream_document, to_bytes
from app.settings import Settings
from engine import EngineError, Graph, Node, Trace, evaluate, gradcheck, parse
from engine.autograd import forward
from engine.unroll import unroll as unrolled

MAX_NESTING = 32  # list nesting of one input value


def check_tensor(raw: object, name: str, settings: Settings) -> np.ndarray:
    """A JSON number or rectangular nested list of finite numbers, as a float64 array; an error
    names the input."""
    try:
        return _tensor(raw, name, settings)
    except ApiError as error:
        error.input_name = name
        raise


def _tensor(raw: object, name: str, settings: Settings) -> np.ndarray:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, list)):
        raise ApiError(422, "invalid_input", f"'{name}' must be a number or a nested list of numbers")
    if not isinstance(raw, list):
        try:
            number = float(raw)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ApiError(422, "invalid_input", f"'{name}' is not a finite float64 number")
        return np.asarray(number)
    shape: list[int] = []
    level: list[Any] = [raw]
    while level and isinstance(level[0], list):  # breadth-first, one nesting level at a time
        width = len(level[0])
        if any(not isinstance(item, list) or len(item) != width for item in level):
            raise ApiError(422, "invalid_input", f"'{name}' is ragged: its rows differ in length or depth")
        shape.append(width)
        if len(shape) > MAX_NESTING:
            raise ApiError(422, "invalid_input", f"'{name}' is nested deeper than {MAX_NESTING} levels")
        if math.prod(shape) > settings.max_elements_per_value:
            raise ApiError(
                413,
                "too_many_elements",
                f"'{name}' has more than {settings.max_elements_per_value} elements (CHAINRULE_MAX_ELEMENTS_PER_VALUE)",
                params={"limit": settings.max_elements_per_value},
            )
        level = [x for item in level for x in item]
    if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in level):
        raise ApiError(422, "invalid_input", f"'{name}' must hold numbers only, in a rectangular nested list")
    try:
        value = np.array(level, dtype=np.float64).reshape(shape)
    except (OverflowError, ValueError):
        raise ApiError(422, "invalid_input", f"'{name}' holds a number too large for float64") from None
    if not np.isfinite(value).all():
        raise ApiError(422, "invalid_input", f"'{name}' holds a non-finite number")
    return value


def check_inputs(inputs: Mapping[str, object], settings: Settings) -> dict[str, np.ndarray]:
    checked = {name: check_tensor(raw, name, settings) for name, raw in inputs.items()}
    total = sum(v.size for v in checked.values())
    if total > settings.max_total_elements:
        raise ApiError(
            413,
            "too_many_elements",
            f"the inputs hold {total} elements; the limit is {settings.max_total_elements} (CHAINRULE_MAX_TOTAL_ELEMENTS)",
            params={"size": total, "limit": settings.max_total_elements},
        )
    return checked


class ByteBudgetCache:
    """A least-recently-used cache bounded in bytes (cachetools' LRUCache, sized per entry),
    shared by the request threads of one worker behind a lock."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._cache: LRUCache = LRUCache(maxsize=max(budget, 1), getsizeof=lambda entry: entry[1])
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            entry = self._cache.get(key)
        return None if entry is None else entry[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        if size > self.budget // 8:  # a big entry would push out many small ones: never kept
            return
        with self._lock:
            self._cache[key] = (value, size)

    @property
    def size(self) -> int:
        return int(self._cache.currsize)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


_caches: dict[int, tuple[ByteBudgetCache, ByteBudgetCache]] = {}


def caches(settings: Settings) -> tuple[ByteBudgetCache, ByteBudgetCache]:
    """This worker's parse and layout caches, each with 3/8 of CHAINRULE_CACHE_BYTES (the route's
    document cache has the last quarter)."""
    budget = settings.cache_bytes * 3 // 8
    found = _caches.get(budget)
    if found is None:
        found = _caches.setdefault(budget, (ByteBudgetCache(budget), ByteBudgetCache(budget)))
    return found


GRAPH_BYTES_PER_NODE = 1_500  # a parsed node with its label, text and derived tables, roughly


def build(source: str, output: str | None, settings: Settings) -> Graph:
    """The parsed graph (cached: parsing is a pure function of the text and the limits)."""
    if not isinstance(source, str):
        raise ApiError(422, "invalid_body", "source must be text")
    if len(source) > settings.max_source_chars:
        raise EngineError(
            "source_too_long",
            f"source has {len(source)} characters; the limit is {settings.max_source_chars} (CHAINRULE_MAX_SOURCE_CHARS)",
        )
    limits = settings.parser_limits()
    graphs, _ = caches(settings)
    key = (source, output, limits)
    graph = graphs.get(key)
    if graph is None:
        graph = parse(source, output, limits)
        graphs.put(key, graph, 2 * len(source) + GRAPH_BYTES_PER_NODE * len(graph))
    return graph


def _predicted_size(elementwise: bool, matmul: bool, shapes: list[tuple[int, ...]]) -> int:
    """An upper bound on the elements an op produces or holds while computing."""
    if not matmul and all(shape == shapes[0] for shape in shapes):
        return math.prod(shapes[0]) if shapes else 1  # no broadcasting: the common case
    try:
        if matmul and len(shapes) == 2 and shapes[0] and shapes[1]:
            a, b = shapes
            rows = a[-2:-1] if len(a) > 1 else ()
            cols = b[-1:] if len(b) > 1 else ()
            return math.prod(np.broadcast_shapes(a[:-2], b[:-2]) + rows + cols)
        broadcast = math.prod(np.broadcast_shapes(*shapes)) if shapes else 1
    except ValueError:
        return max((math.prod(s) for s in shapes), default=1)  # the engine will reject the shapes
    return broadcast if elementwise else max([broadcast] + [math.prod(s) for s in shapes])


NUMBER_BYTES = 24  # a float64 as JSON text, with its separator
RECORD_BYTES = 400  # a node, edge or step's ids, names and formula


class Budget:
    """One request's bounds, checked as the engine goes (engine.autograd's `check` hook): the size
    of every value and of all of them, the size of the document the evaluation will produce —
    counted from each value's size during the forward pass, before the backward pass and the
    serialisation are paid — one deadline over evaluation and serialisation, and the client's
    disconnection (`cancelled`)."""

    def __init__(self, graph: Graph, settings: Settings, cancelled: Callable[[], bool] | None = None) -> None:
        self.settings, self.cancelled = settings, cancelled
        self.deadline = time.monotonic() + settings.request_timeout_seconds
        self.elements = 0
        edges = sum(len(sources) for sources in graph.sources)
        self.document = 0
        self.add_numbers(0, RECORD_BYTES * (3 * len(graph) + 2 * edges))
        # the inputs' and constants' own numbers (value, grad, two steps, per edge out two more)
        self.add_numbers(sum(4 * np.size(n.value) for n in graph.nodes if n.value is not None))

    def __call__(self, node: Node, inputs: list[np.ndarray] | None) -> None:
        if inputs is not None:  # before an op's forward: refuse what would be too large
            settings = self.settings
            size = _predicted_size(node.op.elementwise, node.op.name == "matmul", [a.shape for a in inputs])
            if size > settings.max_elements_per_value or self.elements + size > settings.max_total_elements:
                per_value = size > settings.max_elements_per_value
                limit = "CHAINRULE_MAX_ELEMENTS_PER_VALUE" if per_value else "CHAINRULE_MAX_TOTAL_ELEMENTS"
                raise EngineError(
                    "too_many_elements",
                    f"'{node.text or node.label}' would compute {size} elements, over the limit ({limit})",
                    node.line,
                    node.column,
                    params={
                        "text": node.text or node.label,
                        "size": size,
                        "limit": settings.max_elements_per_value
                        if per_value
                        else settings.max_total_elements,
                    },
                )
            self.elements += size
            # in the document: this value and its gradient, its forward and backward steps; per
            # edge into it the input's value, the upstream, the local gradient and the downstream
            # (and the accumulate step's copy of it)
            self.add_numbers(4 * size + sum(2 * size + 3 * a.size for a in inputs))
        self.check_time()

    def add_numbers(self, count: int, text: int = 0) -> None:
        self.document += NUMBER_BYTES * count + text
        if self.document > self.settings.max_document_bytes:
            raise ApiError(
                413,
                "document_too_large",
                f"the evaluation document would exceed {self.settings.max_document_bytes} bytes "
                "(CHAINRULE_MAX_DOCUMENT_BYTES): use fewer or smaller values",
                params={"limit": self.settings.max_document_bytes},
            )

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise ApiError(
                422,
                "timeout",
                f"evaluation took longer than {self.settings.request_timeout_seconds:g} s (CHAINRULE_REQUEST_TIMEOUT_SECONDS)",
                params={"limit": self.settings.request_timeout_seconds},
            )
        if self.cancelled is not None and self.cancelled():
            raise ApiError(499, "client_disconnected", "the client went away; the work was stopped")


def _layout_key(trace: Trace) -> tuple:
    """(id, inputs, shape, kind) per node: what the layout depends on."""
    return tuple((node.id, node.inputs, node.value.shape, node.kind) for node in trace.nodes)


def graph_layout(trace: Trace, settings: Settings | None = None) -> dict[str, Any]:
    """The layout of the evaluated graph (cached by the ids, wires and shapes, bounded in bytes)."""
    _, layouts = caches(settings or Settings())
    key = (_layout_key(trace), trace.output)
    placed = layouts.get(key)
    if placed is None:
        placed = layout([LayoutNode(*item) for item in key[0]], trace.output)
        layouts.put(key, placed, 400 * len(trace.nodes))
    return placed


@dataclass(frozen=True)
class Prepared:
    """A request checked: its graph, inputs and seed; `cost`: the elements it brings, and nodes."""

    graph: Graph
    inputs: dict[str, np.ndarray]
    seed: np.ndarray | None
    cost: int
    settings: Settings


def _checked(
    source: str, inputs: Mapping[str, object], settings: Settings, output: str | None, seed_gradient: object
) -> tuple[Graph, dict[str, np.ndarray], np.ndarray | None]:
    """A request's graph, inputs and seed, each checked against the settings."""
    graph = build(source, output, settings)
    checked = check_inputs(inputs, settings)
    seed = None if seed_gradient is None else check_tensor(seed_gradient, "seed_gradient", settings)
    return graph, checked, seed


def prepare(
    source: str,
    inputs: Mapping[str, object],
    settings: Settings,
    output: str | None = None,
    seed_gradient: object = None,
    unroll: bool = False,
) -> Prepared:
    graph, checked, seed = _checked(source, inputs, settings, output, seed_gradient)
    given = graph.input_values(checked)  # names a missing or unknown input now
    if unroll:  # the scalar graph, its inputs' values baked in as defaults
        with np.errstate(all="ignore"):
            graph = unrolled(graph, given, seed, max_nodes=settings.max_nodes)
        given, seed = graph.input_values({}), None
    constants = sum(np.size(node.value) for node in graph.nodes if node.value is not None)
    cost = sum(value.size for value in given.values()) + constants + len(graph)
    return Prepared(graph, given, seed, cost, settings)


def evaluate_bounded(prepared: Prepared, cancelled: Callable[[], bool] | None = None) -> tuple[Trace, Budget]:
    """The trace, computed within the request's budget."""
    budget = Budget(prepared.graph, prepared.settings, cancelled)
    return evaluate(prepared.graph, prepared.inputs, prepared.seed, check=budget), budget


def _traced(
    prepared: Prepared, step: int | None, cancelled: Callable[[], bool] | None
) -> tuple[Trace, dict[str, Any], Budget]:
    """The trace within the request's budget, its layout, and the budget (its size estimate)."""
    trace, budget = evaluate_bounded(prepared, cancelled)
    if step is not None and not 0 <= step < len(trace.steps):
        last = len(trace.steps) - 1
        raise ApiError(
            400, "step_out_of_range", f"step {step} is outside 0…{last}", params={"step": step, "last": last}
        )
    return trace, graph_layout(trace, prepared.settings), budget


def document_for(
    prepared: Prepared, step: int | None = None, cancelled: Callable[[], bool] | None = None
) -> dict[str, Any]:
    """The evaluation document; with `step`, the snapshot after that step."""
    trace, layout, budget = _traced(prepared, step, cancelled)
    doc = document(trace, layout)
    budget.check_time()
    return doc if step is None else apply_snapshot(doc, trace.snapshot(step))


def document_bytes(
    prepared: Prepared, step: int | None = None, cancelled: Callable[[], bool] | None = None
) -> bytes:
    """The document's strict JSON as UTF-8 bytes, within the request's budget. A large one is
    written record by record, each record built just before it is written (serialize's
    `stream_document`): its numbers never all exist as Python objects at once, which bounds the
    peak and what the worker keeps afterwards; a small one (or a snapshot) in one call."""
    trace, layout, budget = _traced(prepared, step, cancelled)
    if step is None and budget.document > SPLIT_ABOVE_BYTES:
        content = stream_document(trace, layout, check=budget.check_time)
    else:
        doc = document(trace, layout)
        budget.check_time()
        if step is not None:
            doc = apply_snapshot(doc, trace.snapshot(step))
        content = dumps_document(doc) if budget.document > SPLIT_ABOVE_BYTES else to_bytes(doc)
        del doc  # its many small objects freed first: trimming while they live gives nothing back
    del trace
    if len(content) > RELEASE_AFTER_BYTES:
        release_memory()
    return content


SPLIT_ABOVE_BYTES = 256_000
RELEASE_AFTER_BYTES = 1_000_000


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc; elsewhere there is nothing to call
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release_memory() -> None:
    """Give the C heap's free pages back to the system after a large document: its many small
    objects are freed, but glibc keeps the pages, and a worker would stay at its peak."""
    if _TRIM is not None:
        _TRIM(0)


def evaluation_document(
    source: str,
    inputs: Mapping[str, object],
    settings: Settings,
    output: str | None = None,
    seed_gradient: object = None,
    step: int | None = None,
) -> dict[str, Any]:
    """The evaluation document of a request, in one call (the CLI's path)."""
    return document_for(prepare(source, inputs, settings, output, seed_gradient), step)


def gradcheck_document(
    source: str,
    inputs: Mapping[str, object],
    settings: Settings,
    output: str | None = None,
    seed_gradient: object = None,
) -> dict[str, Any]:
    graph, checked, seed = _checked(source, inputs, settings, output, seed_gradient)
    given = graph.input_values(checked)
    budget = Budget(graph, settings)
    with np.errstate(all="ignore"):
        forward(graph, given, check=budget)  # bounded like an evaluation; its cost sizes the check
    forward_cost = budget.elements + len(graph)
    perturbed = sum(v.size for v in given.values())
    if perturbed > settings.max_gradcheck_elements:
        raise ApiError(
            413,
            "too_many_elements",
            f"gradcheck perturbs {perturbed} input elements; the limit is {settings.max_gradcheck_elements} "
            "(CHAINRULE_MAX_GRADCHECK_ELEMENTS)",
        )
    if 2 * perturbed * forward_cost > 50 * settings.max_total_elements:
        raise ApiError(
            413, "too_expensive", "gradcheck of this graph would take too long; use fewer or smaller inputs"
        )
    with np.errstate(all="ignore"):  # non-finite values are results here, not warnings
        result = gradcheck(graph, given, seed)
    return {
        "max_relative_error": number(result.max_relative_error),
        "passed": result.passed,
        "inputs": {
            name: {
                "analytic": array(check.analytic),
                "numeric": array(check.numeric),
                "relative_error": number(check.relative_error),
                "worst_index": list(check.worst_index),
            }
            for name, check in result.inputs.items()
        },
    }
