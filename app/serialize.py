"""Engine objects → the JSON document of docs/api.md, strict RFC 8259 JSON throughout.

Arrays become numbers (0-d) or nested lists; non-finite numbers become the strings "NaN",
"Infinity" and "-Infinity", so `json.dumps(..., allow_nan=False)` never fails.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from fastapi.responses import JSONResponse

from engine import Evaluation
from engine.trace import ACCUMULATE, BACKWARD, FORWARD, Snapshot

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
NON_FINITE_TEXT = {"nan": '"NaN"', "inf": '"Infinity"', "-inf": '"-Infinity"'}  # by str(float)

ARRAY, TERMS, SHAPE, TEXT, LAYOUT = "array", "terms", "shape", "text", "layout"  # kinds of cell
PLACEHOLDER = re.compile(r'"\\u0000(\d+)\\u0000"')  # a cell of the template, as dumps writes it
SHAPE_TEXT = {(): "[]"}
KIND_TEXT = {kind: f'"{kind}"' for kind in ("scalar", "elementwise", "jacobian", "omitted")}


def number(value: float) -> float | str:
    """One float as JSON: itself when finite, else its name."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _replace_non_finite(item: Any) -> Any:
    if isinstance(item, list):
        return [_replace_non_finite(x) for x in item]
    return number(item)


def array(value: np.ndarray | float | None) -> Any:
    """A numpy array (or float) as a JSON number, nested list, or None."""
    if value is None:
        return None
    value = np.asarray(value, dtype=np.float64)
    if value.ndim == 0:
        return number(float(value))
    listed = value.tolist()
    if np.isfinite(value).all():
        return listed
    return _replace_non_finite(listed)


def sanitize(content: Any) -> Any:
    """Any JSON-ish structure with numpy values and non-finite floats made strict."""
    if isinstance(content, dict):
        return {str(k): sanitize(v) for k, v in content.items()}
    if isinstance(content, (list, tuple)):
        return [sanitize(v) for v in content]
    if isinstance(content, np.ndarray | np.floating | np.integer):
        return array(content) if not isinstance(content, np.integer) else int(content)
    if isinstance(content, float):
        return number(content)
    return content


def dumps(content: Any) -> str:
    """Strict JSON text; falls back to sanitising when something non-finite slipped through."""
    try:
        return json.dumps(content, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (ValueError, TypeError):
        return json.dumps(sanitize(content), allow_nan=False, ensure_ascii=False, separators=(",", ":"))


class StrictJSONResponse(JSONResponse):
    """The response class of every route: RFC 8259 JSON, never NaN or Infinity literals."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


def _skeleton(evaluation: Evaluation, layout: Any, cell: Callable[[str, Any], Any]) -> dict[str, Any]:
    """The document, every field that depends on the input values passed through `cell`.

    The graph fixes everything else (ids, formulas, which steps carry a value or a grad), so
    `document_text` dumps this skeleton once per graph with placeholders for the cells. Read
    from the graph's names and the evaluation's arrays: the records are not needed."""
    names, outgoing = evaluation.names, evaluation.wiring.outgoing
    values, grads, local, downstream = evaluation.arrays
    kinds = evaluation.columns.kind or ["scalar"] * len(local)
    nodes = [
        {
            "id": node_id,
            "kind": kind,
            "op": op,
            "symbol": symbol,
            "label": label,
            "inputs": list(inputs),
            "shape": cell(SHAPE, value),
            "value": cell(ARRAY, value),
            "grad": cell(ARRAY, grad),
            "formula": formula,
            "line": line,
            "column": column,
        }
        for node_id, kind, op, symbol, label, inputs, value, grad, formula, line, column in zip(
            names.node_ids, names.node_kind, names.node_op, names.node_symbol, names.node_label,
            names.node_inputs, values, grads, names.node_formula, names.node_line, names.node_column,
            strict=True,
        )
    ]  # fmt: skip
    edges = [
        {
            "id": edge_id,
            "source": source_id,
            "target": target_id,
            "slot": slot,
            "value": cell(ARRAY, values[source]),
            "local": cell(ARRAY, edge_local),
            "local_kind": cell(TEXT, kind),
            "upstream": cell(ARRAY, grads[target]),
            "downstream": cell(ARRAY, down),
            "formula": formula,
        }
        for edge_id, source_id, target_id, slot, source, target, edge_local, kind, down, formula in zip(
            names.edge_ids, names.edge_source_id, names.edge_target_id, evaluation.wiring.edge_slot,
            names.edge_source, evaluation.wiring.edge_target, local, kinds, downstream, names.edge_formula,
            strict=True,
        )
    ]  # fmt: skip
    steps: list[dict[str, Any]] = [
        {"index": i, "phase": FORWARD, "node": node_id, "edges": list(incoming), "value": cell(ARRAY, value)}
        for i, (node_id, incoming, value) in enumerate(
            zip(names.node_ids, names.incoming_ids, values, strict=True)
        )
    ]
    for i, fan_out in names.backward:
        node_id, edge_ids = names.node_ids[i], list(names.outgoing_ids[i])
        step: dict[str, Any] = {"index": len(steps), "phase": BACKWARD, "node": node_id, "edges": edge_ids}
        if fan_out:  # the sum gets a step of its own, which fixes the gradient
            steps.append(step)
            terms = [downstream[e] for e in outgoing[i]]
            step = {"index": len(steps), "phase": ACCUMULATE, "node": node_id, "edges": list(edge_ids),
                    "terms": cell(TERMS, terms)}  # fmt: skip
        step["grad"] = cell(ARRAY, grads[i])
        steps.append(step)
    return {
        "output": evaluation.output,
        "nodes": nodes,
        "edges": edges,
        "order": list(evaluation.order),
        "steps": steps,
        "layout": cell(LAYOUT, layout),
    }


def _plain(kind: str, value: Any) -> Any:
    if kind == ARRAY:
        return array(value)
    if kind == TERMS:
        return [array(t) for t in value]
    if kind == SHAPE:  # of the value
        return list(value.shape)
    if kind == LAYOUT and value is None:
        return {"nodes": {}, "width": 0, "height": 0}
    return value


def document(evaluation: Evaluation, layout: dict[str, Any] | None = None) -> dict[str, Any]:
    """The complete evaluation document: nodes, edges, order, steps and layout."""
    return _skeleton(evaluation, layout, _plain)


class _Placeholders:
    """A numbered, JSON-safe stand-in for each cell; the graph's own strings never hold NUL
    (the template is checked: every placeholder must appear exactly once, in order)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, kind: str, value: Any) -> str:
        self.count += 1
        return f"\0{self.count - 1}\0"


def _template(evaluation: Evaluation) -> list[str]:
    """The document's JSON text split around its cells: the static parts, one more than the
    cells; [] if the graph's own text could be mistaken for a placeholder."""
    placeholders = _Placeholders()
    text = dumps(_skeleton(evaluation, None, placeholders))
    parts = PLACEHOLDER.split(text)
    static, numbers = parts[0::2], parts[1::2]
    if numbers != [str(k) for k in range(placeholders.count)]:
        return []
    return static


def _number_text(value: float) -> str:
    return repr(value) if value - value == 0 else NON_FINITE_TEXT[str(value)]


def _texts(column: list, floats: bool) -> list[str]:
    """The JSON text of each number or array of a column (None: null)."""
    if floats:
        return list(map(_number_text, column))
    return [
        "null" if v is None else _number_text(float(v)) if v.ndim == 0 else dumps(array(v)) for v in column
    ]


def _cells(evaluation: Evaluation, layout_text: str) -> list[str]:
    """The JSON text of every cell, in `_skeleton`'s order, read from the evaluation's columns:
    each number is written once (an edge's value is its source's value text, its upstream its
    consumer's gradient text) and the records are never built."""
    columns, names, wired = evaluation.columns, evaluation.names, evaluation.wiring
    values, grads = _texts(columns.values, columns.floats), _texts(columns.grads, columns.floats)
    local, downstream = _texts(columns.local, columns.floats), _texts(columns.downstream, columns.floats)
    if columns.floats:
        shapes = ["[]"] * len(values)
        kinds = [KIND_TEXT["scalar"]] * len(local)
    else:
        shapes = [SHAPE_TEXT.get(v.shape) or dumps(list(v.shape)) for v in columns.values]
        kinds = [KIND_TEXT.get(kind) or dumps(kind) for kind in columns.kind]
    cells: list[str] = []
    add = cells.extend
    for cell in zip(shapes, values, grads, strict=True):
        add(cell)
    edge_values = map(values.__getitem__, names.edge_source)
    upstreams = map(grads.__getitem__, wired.edge_target)
    for cell in zip(edge_values, local, kinds, upstreams, downstream, strict=True):
        add(cell)
    add(values)  # the forward steps
    for i, fan_out in names.backward:
        if fan_out:  # the backward step fixes no gradient; the accumulate step sums the terms
            cells.append("[" + ",".join([downstream[e] for e in wired.outgoing[i]]) + "]")
        cells.append(grads[i])
    cells.append(layout_text)
    return cells


def document_text(evaluation: Evaluation, layout_text: str, memo: dict[str, object]) -> str:
    """`dumps(document(evaluation, layout))` without building the document: the graph's static
    text (a template kept in `memo`, the graph's own) interleaved with the JSON text of the values."""
    static = memo.get("document")
    if static is None:
        static = memo["document"] = _template(evaluation)
    cells = _cells(evaluation, layout_text)
    if len(static) != len(cells) + 1:  # no template for this graph: the general path
        return dumps(document(evaluation, json.loads(layout_text)))
    parts = [""] * (len(static) + len(cells))  # static parts at even positions, cells at odd ones
    parts[0::2] = static
    parts[1::2] = cells
    return "".join(parts)


def apply_snapshot(doc: dict[str, Any], snapshot: Snapshot) -> dict[str, Any]:
    """The document as it stands after step k: fields not reached yet are null."""
    for node in doc["nodes"]:
        node["value"] = array(snapshot.values[node["id"]])
        node["grad"] = array(snapshot.grads[node["id"]])
    for edge in doc["edges"]:
        state = snapshot.edges[edge["id"]]
        for field in ("value", "local", "upstream", "downstream"):
            edge[field] = array(state[field])
    doc["step"] = snapshot.step
    return doc
