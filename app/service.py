"""Requests to engine calls and back, shared by the HTTP routes and the CLI.

Everything the user sends is checked here before the engine sees it: input arrays (numbers
only, rectangular, finite, bounded), and — in a guarded forward pass that runs before the
recorded one — the size of every value the graph would compute and the wall time it takes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import Any

import numpy as np

from app.errors import ApiError
from app.layout import LayoutNode, layout
from app.serialize import apply_snapshot, array, document, document_text, dumps, number, utf8
from app.settings import Settings
from engine import EngineError, Evaluation, Graph, Limits, evaluate, gradcheck, parse

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
        )
    return checked


@lru_cache(maxsize=512)
def _parse(source: str, output: str | None, limits: Limits) -> Graph:
    return parse(source, output, limits)


@lru_cache(maxsize=64)
def _parser_limits(settings: Settings) -> Limits:
    return settings.parser_limits()  # settings are frozen: derive the engine's limits once


def build(source: str, output: str | None, settings: Settings) -> Graph:
    """The parsed graph (cached: parsing is a pure function of the text and the limits)."""
    if not isinstance(source, str):
        raise ApiError(422, "invalid_body", "source must be text")
    if len(source) > settings.max_source_chars:
        raise EngineError(
            "source_too_long",
            f"source has {len(source)} characters; the limit is {settings.max_source_chars} (CHAINRULE_MAX_SOURCE_CHARS)",
        )
    return _parse(source, output, _parser_limits(settings))


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


def guarded_forward(graph: Graph, inputs: Mapping[str, object], settings: Settings) -> int:
    """Run the forward pass once, refusing before any op whose result would be too large and
    stopping at the wall-time limit. Returns the elements computed (the cost of one forward)."""
    given = graph.input_values(inputs)
    deadline = time.monotonic() + settings.request_timeout_seconds
    values: list[np.ndarray] = []
    total = 0
    with np.errstate(all="ignore"):
        for i, node in enumerate(graph.nodes):
            if node.op is None:
                value = given[node.id] if node.id in given else np.asarray(node.value, dtype=np.float64)
            else:
                args = [values[s] for s in graph.sources[i]]
                size = _predicted_size(node.op.elementwise, node.op.operator == "@", [a.shape for a in args])
                if size > settings.max_elements_per_value or total + size > settings.max_total_elements:
                    limit = (
                        "CHAINRULE_MAX_ELEMENTS_PER_VALUE"
                        if size > settings.max_elements_per_value
                        else ("CHAINRULE_MAX_TOTAL_ELEMENTS")
                    )
                    raise EngineError(
                        "too_many_elements",
                        f"'{node.text or node.label}' would compute {size} elements, over the limit ({limit})",
                        node.line,
                        node.column,
                    )
                try:
                    value = np.asarray(node.op.forward(*args, **dict(node.attrs)), dtype=np.float64)
                except (EngineError, ValueError, IndexError, TypeError):
                    graph.forward(inputs)  # the engine's own forward names the problem precisely
                    raise
            total += value.size
            values.append(value)
            if time.monotonic() > deadline:
                raise ApiError(
                    422,
                    "timeout",
                    f"evaluation took longer than {settings.request_timeout_seconds:g} s (CHAINRULE_REQUEST_TIMEOUT_SECONDS)",
                )
    return total


@lru_cache(maxsize=256)
def _layout(key: tuple, output: str) -> tuple[dict[str, Any], str]:
    placed = layout([LayoutNode(*item) for item in key], output)
    return placed, dumps(placed)


def _layout_key(evaluation: Evaluation) -> tuple:
    """(id, inputs, shape, kind) per node, from the graph's names and the values (no records)."""
    names, columns = evaluation.names, evaluation.columns
    shapes = repeat(()) if columns.floats else (value.shape for value in columns.values)
    return tuple(zip(names.node_ids, names.node_inputs, shapes, names.node_kind, strict=False))


def graph_layout(evaluation: Evaluation) -> dict[str, Any]:
    """The layout of the evaluated graph (cached: it depends on the ids, wires and shapes only)."""
    return _layout(_layout_key(evaluation), evaluation.output)[0]


@dataclass(frozen=True)
class Prepared:
    """A request checked and its forward pass dry-run: `cost` is the elements it computes."""

    graph: Graph
    inputs: dict[str, np.ndarray]
    seed: np.ndarray | None
    cost: int


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
) -> Prepared:
    graph, checked, seed = _checked(source, inputs, settings, output, seed_gradient)
    scalars = all(v.ndim == 0 for v in checked.values()) and all(
        node.value is None or np.ndim(node.value) == 0 for node in graph.nodes
    )
    # Ops on scalars give scalars: such a graph cannot grow, so its dry run can be skipped.
    cost = len(graph) if scalars else guarded_forward(graph, checked, settings)
    return Prepared(graph, checked, seed, cost)


def document_for(prepared: Prepared, step: int | None = None) -> dict[str, Any]:
    """The evaluation document; with `step`, the snapshot after that step."""
    with np.errstate(all="ignore"):
        evaluation = evaluate(prepared.graph, prepared.inputs, prepared.seed)
    doc = document(evaluation, graph_layout(evaluation))
    if step is not None:
        if not 0 <= step < len(evaluation.steps):
            raise ApiError(400, "step_out_of_range", f"step {step} is outside 0…{len(evaluation.steps) - 1}")
        doc = apply_snapshot(doc, evaluation.snapshot(step))
    return doc


def document_bytes(prepared: Prepared, step: int | None = None) -> bytes:
    """The document's JSON bytes; the full document (no step) skips building the dict."""
    if step is not None:
        return utf8(dumps(document_for(prepared, step)))
    evaluation = evaluate(prepared.graph, prepared.inputs, prepared.seed)  # its arithmetic is guarded
    layout_text = _layout(_layout_key(evaluation), evaluation.output)[1]
    return utf8(document_text(evaluation, layout_text, prepared.graph.memo))


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
    forward_cost = guarded_forward(graph, checked, settings)
    given = graph.input_values(checked)
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
