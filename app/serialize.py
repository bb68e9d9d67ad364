"""Engine objects → the JSON document of docs/api.md, strict RFC 8259 JSON throughout.

Arrays become numbers (0-d) or nested lists; non-finite numbers become the strings "NaN",
"Infinity" and "-Infinity". The text is written by pydantic-core's JSON serializer (pydantic's
own, in Rust; about four times json's C encoder on a document), with json as the fallback for
what UTF-8 cannot carry.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from fastapi.responses import JSONResponse
from pydantic_core import PydanticSerializationError, to_json

from engine.trace import ACCUMULATE, FORWARD, EdgeRecord, NodeRecord, Snapshot, Step, Trace

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


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
        number_ = value.item()  # a Python float
        return number_ if number_ - number_ == 0 else number(number_)  # x − x is 0 exactly when finite
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


# One encoder for every call: json.dumps with options builds a new one each time (~5 µs).
_ENCODE_ASCII = json.JSONEncoder(allow_nan=False, ensure_ascii=True, separators=(",", ":")).encode


def to_bytes(content: Any) -> bytes:
    """Strict, compact JSON as UTF-8 bytes: non-finite floats as their names, numpy values as
    numbers or lists. A string holding a lone surrogate (JSON allows "\\ud800"; UTF-8 cannot
    carry it), say a name quoted in an error, is written with \\u escapes instead."""
    try:
        return to_json(content, inf_nan_mode="strings", fallback=sanitize)
    except PydanticSerializationError:
        return _ENCODE_ASCII(sanitize(content)).encode()


def dumps(content: Any) -> str:
    """Strict JSON text (`to_bytes`, as a str)."""
    return to_bytes(content).decode()


class StrictJSONResponse(JSONResponse):
    """The response class of every route: RFC 8259 JSON, never NaN or Infinity literals."""

    def render(self, content: Any) -> bytes:
        return to_bytes(content)


def _node(node: NodeRecord) -> dict[str, Any]:
    return {
        "id": node.id,
        "kind": node.kind,
        "op": node.op,
        "symbol": node.symbol,
        "label": node.label,
        "inputs": list(node.inputs),
        "aliases": list(node.aliases),
        "shape": list(node.value.shape),
        "value": array(node.value),
        "grad": array(node.grad),
        "formula": node.formula,
        "line": node.line,
        "column": node.column,
    }


def _edge(edge: EdgeRecord) -> dict[str, Any]:
    return {
        "id": edge.id,
        "source": edge.source,
        "target": edge.target,
        "slot": edge.slot,
        "value": array(edge.value),
        "local": array(edge.local),
        "local_kind": edge.local_kind,
        "upstream": array(edge.upstream),
        "downstream": array(edge.downstream),
        "formula": edge.formula,
    }


def _step(step: Step) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": step.index,
        "phase": step.phase,
        "node": step.node,
        "edges": list(step.edges),
    }
    if step.phase == FORWARD:
        out["value"] = array(step.value)
    if step.phase == ACCUMULATE:
        out["terms"] = [array(term) for term in step.terms]
    if step.grad is not None:
        out["grad"] = array(step.grad)
    return out


def document(trace: Trace, layout: dict[str, Any] | None = None) -> dict[str, Any]:
    """The evaluation document of docs/api.md, read from the trace's records (built once, in
    the engine): nodes, edges, order, steps and layout."""
    return {
        "output": trace.output,
        "nodes": [_node(node) for node in trace.nodes],
        "edges": [_edge(edge) for edge in trace.edges],
        "order": [node.id for node in trace.nodes],
        "steps": [_step(step) for step in trace.steps],
        "layout": layout if layout is not None else {"nodes": {}, "width": 0, "height": 0},
    }


RECORDS = ("nodes", "edges", "steps")  # a document's long lists, written one record at a time


def _write(fields: Iterable[tuple[str, Any]], check: Callable[[], None] | None = None) -> bytes:
    """`to_bytes` of the object with these (key, value) fields, a records list (a key of RECORDS
    whose value is a list or an iterator of records) written one record per call: the serializer
    holds the GIL for a whole call, and one call over a multi-megabyte document would stall every
    other thread — the event loop answering /healthz among them — for as long. `check()`, if given,
    runs between records (the request's deadline)."""
    parts = []
    for key, value in fields:
        if key in RECORDS and not isinstance(value, dict | str):
            written = []
            for k, record in enumerate(value):
                written.append(to_bytes(record))
                if check is not None and k % 256 == 255:
                    check()
            parts.append(to_bytes(key) + b":[" + b",".join(written) + b"]")
        else:
            parts.append(to_bytes(key) + b":" + to_bytes(value))
    return b"{" + b",".join(parts) + b"}"


def dumps_document(doc: dict[str, Any]) -> bytes:
    """`to_bytes(doc)`, its records written one at a time (`_write`)."""
    return _write(doc.items())


def stream_document(
    trace: Trace, layout: dict[str, Any] | None = None, check: Callable[[], None] | None = None
) -> bytes:
    """`to_bytes(document(trace, layout))`, each record built just before it is written: a large
    document's numbers never all exist as Python objects at once. `check()`, if given, runs
    between records (the request's deadline)."""
    empty = {"nodes": {}, "width": 0, "height": 0}
    return _write(
        (
            ("output", trace.output),
            ("nodes", map(_node, trace.nodes)),
            ("edges", map(_edge, trace.edges)),
            ("order", [node.id for node in trace.nodes]),
            ("steps", map(_step, trace.steps)),
            ("layout", layout if layout is not None else empty),
        ),
        check,
    )


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
