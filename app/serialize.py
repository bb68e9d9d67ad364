"""Engine objects → the JSON document of docs/api.md, strict RFC 8259 JSON throughout.

Arrays become numbers (0-d) or nested lists; non-finite numbers become the strings "NaN",
"Infinity" and "-Infinity", so `json.dumps(..., allow_nan=False)` never fails.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from itertools import chain, repeat
from json.encoder import encode_basestring as encode_json_string  # what dumps writes for a str
from typing import Any, NamedTuple

import numpy as np
from fastapi.responses import JSONResponse

from engine import Evaluation
from engine.trace import ACCUMULATE, BACKWARD, FORWARD, Snapshot

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
NON_FINITE_TEXT = {"nan": '"NaN"', "inf": '"Infinity"', "-inf": '"-Infinity"'}  # by str(float)

ARRAY, TERMS, SHAPE, TEXT, LAYOUT = "array", "terms", "shape", "text", "layout"  # kinds of cell
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


def utf8(text: str) -> bytes:
    """JSON text as UTF-8. A string holding a lone surrogate (JSON allows "\\ud800"; UTF-8 cannot
    carry it), say a name quoted in an error, is written with \\u escapes instead."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(
            json.loads(text), allow_nan=False, ensure_ascii=True, separators=(",", ":")
        ).encode()


class StrictJSONResponse(JSONResponse):
    """The response class of every route: RFC 8259 JSON, never NaN or Infinity literals."""

    def render(self, content: Any) -> bytes:
        return utf8(dumps(content))


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


CELL = "\0"  # marks a cell in the template's text: json's string encoder escapes every NUL it meets


def _int(value: int | None) -> str:
    return "null" if value is None else repr(value)


def _template(evaluation: Evaluation) -> list[str]:
    """The document's JSON text split around its cells, in `_skeleton`'s order (the static parts,
    one more than the cells): written directly from the graph's names, each string through the
    very encoder `dumps` uses, so that interleaved with the cells it is `dumps(document(...))`."""
    names, wired = evaluation.names, evaluation.wiring
    q = encode_json_string
    ids = list(map(q, names.node_ids))
    edge_ids = list(map(q, names.edge_ids))
    nodes = ",".join(
        [
            f'{{"id":{node_id},"kind":{q(kind)},"op":{"null" if op is None else q(op)},"symbol":{q(symbol)},'
            f'"label":{q(label)},"inputs":[{",".join(map(q, inputs))}],"shape":{CELL},"value":{CELL},'
            f'"grad":{CELL},"formula":{q(formula)},"line":{_int(line)},"column":{_int(column)}}}'
            for node_id, kind, op, symbol, label, inputs, formula, line, column in zip(
                ids, names.node_kind, names.node_op, names.node_symbol, names.node_label, names.node_inputs,
                names.node_formula, names.node_line, names.node_column, strict=True,
            )
        ]
    )  # fmt: skip
    edges = ",".join(
        [
            f'{{"id":{edge_id},"source":{ids[source]},"target":{ids[target]},"slot":{slot},"value":{CELL},'
            f'"local":{CELL},"local_kind":{CELL},"upstream":{CELL},"downstream":{CELL},"formula":{q(formula)}}}'
            for edge_id, source, target, slot, formula in zip(
                edge_ids, names.edge_source, wired.edge_target, wired.edge_slot, names.edge_formula, strict=True
            )
        ]
    )  # fmt: skip
    incoming = [",".join(map(q, into)) for into in names.incoming_ids]
    steps = [
        f'{{"index":{i},"phase":"{FORWARD}","node":{ids[i]},"edges":[{incoming[i]}],"value":{CELL}}}'
        for i in range(len(ids))
    ]
    for i, fan_out in names.backward:
        head = f'"node":{ids[i]},"edges":[{",".join([edge_ids[e] for e in wired.outgoing[i]])}]'
        if fan_out:
            steps.append(f'{{"index":{len(steps)},"phase":"{BACKWARD}",{head}}}')
            steps.append(
                f'{{"index":{len(steps)},"phase":"{ACCUMULATE}",{head},"terms":{CELL},"grad":{CELL}}}'
            )
        else:
            steps.append(f'{{"index":{len(steps)},"phase":"{BACKWARD}",{head},"grad":{CELL}}}')
    text = (
        f'{{"output":{q(evaluation.output)},"nodes":[{nodes}],"edges":[{edges}],"order":[{",".join(ids)}],'
        f'"steps":[{",".join(steps)}],"layout":{CELL}}}'
    )
    return text.split(CELL)


def _number_text(value: float) -> str:
    return repr(value) if value - value == 0 else NON_FINITE_TEXT[str(value)]


def _float_texts(column: list[float]) -> list[str]:
    """repr of each float (what json writes), the non-finite ones by name."""
    texts = list(map(repr, column))
    if all(map(math.isfinite, column)):
        return texts
    return [
        text if math.isfinite(value) else NON_FINITE_TEXT[text]
        for text, value in zip(texts, column, strict=True)
    ]


def _texts(column: list, floats: bool) -> list[str]:
    """The JSON text of each number or array of a column (None: null)."""
    if floats:
        return _float_texts(column)
    return [
        "null" if v is None else _number_text(float(v)) if v.ndim == 0 else dumps(array(v)) for v in column
    ]


class _CellPlan(NamedTuple):
    """Where each cell's text comes from, per graph: an edge's value is its source's value text,
    its upstream its consumer's gradient text; a backward step's cell is a node's gradient text
    or, at a fan-out, the accumulate step's terms then the gradient."""

    edge_source: list[int]
    edge_target: list[int]
    fan_out: list[list[int]]  # the outgoing edges of each fan-out node, in backward-step order
    backward: list[int]  # per backward-phase cell, an index into grads + the fan-outs' terms


def _cell_plan(evaluation: Evaluation) -> _CellPlan:
    names, wired = evaluation.names, evaluation.wiring
    nodes = len(names.node_ids)
    fan_out, backward = [], []
    for i, is_fan_out in names.backward:
        if is_fan_out:
            backward.append(nodes + len(fan_out))
            fan_out.append(wired.outgoing[i])
        backward.append(i)
    return _CellPlan(names.edge_source, wired.edge_target, fan_out, backward)


def _cells(evaluation: Evaluation, layout_text: str, memo: dict[str, object]) -> list[str]:
    """The JSON text of every cell, in `_skeleton`'s order, read from the evaluation's columns
    (the records are never built); each number is written once."""
    plan = memo.get("cells")
    if plan is None:
        plan = memo["cells"] = _cell_plan(evaluation)
    columns = evaluation.columns
    values, grads = _texts(columns.values, columns.floats), _texts(columns.grads, columns.floats)
    local, downstream = _texts(columns.local, columns.floats), _texts(columns.downstream, columns.floats)
    if columns.floats:
        shapes, kinds = repeat("[]"), repeat(KIND_TEXT["scalar"])
    else:
        shapes = [SHAPE_TEXT.get(v.shape) or dumps(list(v.shape)) for v in columns.values]
        kinds = [KIND_TEXT.get(kind) or dumps(kind) for kind in columns.kind]
    cells = list(chain.from_iterable(zip(shapes, values, grads)))  # noqa: B905 - shapes may repeat
    edge_values = map(values.__getitem__, plan.edge_source)
    upstreams = map(grads.__getitem__, plan.edge_target)
    cells.extend(chain.from_iterable(zip(edge_values, local, kinds, upstreams, downstream)))  # noqa: B905
    cells.extend(values)  # the forward steps
    terms = ["[" + ",".join([downstream[e] for e in edges]) + "]" for edges in plan.fan_out]
    cells.extend(map((grads + terms).__getitem__, plan.backward))
    cells.append(layout_text)
    return cells


def document_text(evaluation: Evaluation, layout_text: str, memo: dict[str, object]) -> str:
    """`dumps(document(evaluation, layout))` without building the document: the graph's static
    text (a template kept in `memo`, the graph's own) interleaved with the JSON text of the values."""
    static = memo.get("document")
    if static is None:
        static = memo["document"] = _template(evaluation)
    cells = _cells(evaluation, layout_text, memo)
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
