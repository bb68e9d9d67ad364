"""The `chainrule` console script: `chainrule serve` and `chainrule eval`.

chainrule eval "a = x + y; b = max(y, z); f = a * b" x=1 y=2 z=0
chainrule eval "z = W @ x" W='[[1,2],[3,4]]' x='[1,-1]' --json
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.errors import ApiError
from app.serialize import dumps
from app.settings import Settings, get_settings
from engine import EngineError


def _parse_assignment(text: str) -> tuple[str, object]:
    """`name=value`, the value a number or a JSON nested list."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise ApiError(422, "invalid_input", f"inputs are written name=value, not '{text}'")
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError):
        raise ApiError(
            422, "invalid_input", f"'{name.strip()}': '{raw}' is not a number or a JSON list"
        ) from None
    return name.strip(), value


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a finite number")


def _cell(value: Any) -> str:
    if value is None:
        return "·"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return json.dumps(value, separators=(",", ":")) if len(json.dumps(value)) <= 40 else "[…]"
    return str(value)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join([line, "  ".join("─" * w for w in widths), *body])


def render(doc: dict[str, Any]) -> str:
    """The document as two readable tables: nodes, then edges (upstream × local = downstream)."""
    nodes = [
        [
            n["id"],
            n["kind"],
            n["symbol"] or "",
            n["formula"] or n["label"],
            _cell(n["value"]),
            _cell(n["grad"]),
        ]
        for n in doc["nodes"]
    ]
    edges = [
        [
            f"{e['source']} → {e['target']}",
            _cell(e["value"]),
            _cell(e["local"]),
            _cell(e["upstream"]),
            _cell(e["downstream"]),
            e["formula"],
        ]
        for e in doc["edges"]
    ]
    title = f"output {doc['output']}" + (f" — snapshot after step {doc['step']}" if "step" in doc else "")
    return "\n\n".join(
        [
            title,
            _table(["node", "kind", "gate", "formula", "value", "grad"], nodes),
            _table(["edge", "value", "local", "upstream", "downstream", "local gradient"], edges),
        ]
    )


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from app.service import evaluation_document

    inputs = dict(_parse_assignment(a) for a in args.inputs)
    doc = evaluation_document(args.source, inputs, settings, args.output, None, args.step)
    print(dumps(doc) if args.json else render(doc))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chainrule", description="Backpropagation made visible.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the web app and the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--reload", action="store_true")
    evaluate = commands.add_parser("eval", help="evaluate an expression and print its graph")
    evaluate.add_argument("source", help='e.g. "a = x + y; b = max(y, z); f = a * b"')
    evaluate.add_argument("inputs", nargs="*", help="name=value; tensors as JSON, e.g. W='[[1,2],[3,4]]'")
    evaluate.add_argument("--json", action="store_true", help="print the evaluation document as JSON")
    evaluate.add_argument("--step", type=int, default=None, help="the snapshot after step k")
    evaluate.add_argument("--output", default=None, help="the node to differentiate (default: the last)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        import uvicorn

        uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers, reload=args.reload)
        return 0
    try:
        return _eval(args, get_settings())
    except (EngineError, ApiError) as error:
        where = f" (line {error.line}, column {error.column})" if error.line is not None else ""
        print(f"chainrule: {error.code}: {error.message}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
