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
from engine.trace import Snapshot, Step

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


def _step(step: Step, cell: Callable[[str, Any], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": step.index,
        "phase": step.phase,
        "node": step.node,
        "edges": list(step.edges),
    }
    if step.value is not None:
        out["value"] = cell(ARRAY, step.value)
    if step.terms:
        out["terms"] = cell(TERMS, step.terms)
    if step.grad is not None:
        out["grad"] = cell(ARRAY, step.grad)
    return out


def _skeleton(evaluation: Evaluation, layout: Any, cell: Callable[[str, Any], Any]) -> dict[str, Any]:
    """The document, every field that depends on the input values passed through `cell`.

    The graph fixes everything else (ids, formulas, which steps carry a value or a grad), so
    `document_text` dumps this skeleton once per graph with placeholders for the cells."""
    nodes = [
        {
            "id": n.id,
            "kind": n.kind,
            "op": n.op,
            "symbol": n.symbol,
            "label": n.label,
            "inputs": list(n.inputs),
            "shape": cell(SHAPE, n.shape),
            "value": cell(ARRAY, n.value),
            "grad": cell(ARRAY, n.grad),
            "formula": n.formula,
            "line": n.line,
            "column": n.column,
        }
        for n in evaluation.nodes
    ]
    edges = [
        {
            "id": e.id,
            "source": e.source,
            "target": e.target,
            "slot": e.slot,
            "value": cell(ARRAY, e.value),
            "local": cell(ARRAY, e.local),
            "local_kind": cell(TEXT, e.local_kind),
            "upstream": cell(ARRAY, e.upstream),
            "downstream": cell(ARRAY, e.downstream),
            "formula": e.formula,
        }
        for e in evaluation.edges
    ]
    return {
        "output": evaluation.output,
        "nodes": nodes,
        "edges": edges,
        "order": list(evaluation.order),
        "steps": [_step(s, cell) for s in evaluation.steps],
        "layout": cell(LAYOUT, layout),
    }


def _plain(kind: str, value: Any) -> Any:
    if kind == ARRAY:
        return array(value)
    if kind == TERMS:
        return [array(t) for t in value]
    if kind == SHAPE:
        return list(value)
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


def _template(evaluation: Evaluation) -> tuple[str, int] | None:
    """The document's JSON text with a `{}` for each cell (literal braces doubled), for
    `str.format`, and the number of cells; None if the graph's own text could be mistaken
    for a placeholder."""
    placeholders = _Placeholders()
    text = dumps(_skeleton(evaluation, None, placeholders))
    parts = PLACEHOLDER.split(text)
    static, numbers = parts[0::2], parts[1::2]
    if numbers != [str(k) for k in range(placeholders.count)]:
        return None
    return "{}".join(part.replace("{", "{{").replace("}", "}}") for part in static), len(numbers)


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
    text (a template kept in `memo`, the graph's own) filled with the JSON text of the values."""
    found = memo.get("document")
    if found is None:
        found = memo["document"] = _template(evaluation) or ("", -1)
    template, count = found
    cells = _cells(evaluation, layout_text)
    if len(cells) != count:  # no template for this graph: the general path
        return dumps(document(evaluation, json.loads(layout_text)))
    return template.format(*cells)


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
