"""Engine objects → the JSON document of docs/api.md, strict RFC 8259 JSON throughout.

Arrays become numbers (0-d) or nested lists; non-finite numbers become the strings "NaN",
"Infinity" and "-Infinity", so `json.dumps(..., allow_nan=False)` never fails.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from fastapi.responses import JSONResponse

from engine import Evaluation
from engine.trace import Snapshot, Step

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


def _step(step: Step) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": step.index,
        "phase": step.phase,
        "node": step.node,
        "edges": list(step.edges),
    }
    if step.value is not None:
        out["value"] = array(step.value)
    if step.terms:
        out["terms"] = [array(t) for t in step.terms]
    if step.grad is not None:
        out["grad"] = array(step.grad)
    return out


def document(evaluation: Evaluation, layout: dict[str, Any] | None = None) -> dict[str, Any]:
    """The complete evaluation document: nodes, edges, order, steps and layout."""
    nodes = [
        {
            "id": n.id,
            "kind": n.kind,
            "op": n.op,
            "symbol": n.symbol,
            "label": n.label,
            "inputs": list(n.inputs),
            "shape": list(n.shape),
            "value": array(n.value),
            "grad": array(n.grad),
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
            "value": array(e.value),
            "local": array(e.local),
            "local_kind": e.local_kind,
            "upstream": array(e.upstream),
            "downstream": array(e.downstream),
            "formula": e.formula,
        }
        for e in evaluation.edges
    ]
    return {
        "output": evaluation.output,
        "nodes": nodes,
        "edges": edges,
        "order": list(evaluation.order),
        "steps": [_step(s) for s in evaluation.steps],
        "layout": layout if layout is not None else {"nodes": {}, "width": 0, "height": 0},
    }


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
