"""The `chainrule` console script: `chainrule serve` and `chainrule eval`.

chainrule eval "a = x + y; b = max(y, z); f = a * b" x=1 y=2 z=0
chainrule eval "z = W @ x" W='[[1,2],[3,4]]' x='[1,-1]' --precision 6
chainrule eval "z = W @ x" W='[[1,2],[3,4]]' x='[1,-1]' --server http://127.0.0.1:8000
chainrule serve --workers 2 --limit-max-requests 1000 --lessons ./my-lessons
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from app import serving
from app.errors import ApiError
from app.serialize import NON_FINITE, dumps
from app.settings import Settings, environment_settings
from engine import EngineError

MAX_SHOWN = 64  # elements of a value printed in full; a larger one is its shape and a summary
INDENT = "  "
RESIDUE = 1e-12  # relative to a tensor's largest element: smaller is rounding noise, shown as 0


class Note(str):
    """Text in a value's place (an omitted Jacobian), printed as it is."""


Cell = Callable[[Any, int], str]  # a value and the width it may take → its text (may span lines)


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


def _floats(value: Any) -> Any:
    """The document's strict-JSON numbers back to floats ("NaN" → nan, "-Infinity" → -inf)."""
    if isinstance(value, list):
        return [_floats(item) for item in value]
    return NON_FINITE[value] if isinstance(value, str) else value


def number_text(value: float, precision: int | None) -> str:
    """One number: `precision` significant digits (None: repr, exact); −0 as 0, nan, inf."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if precision is None:
        return repr(float(value))  # round-trips: the exact float64
    if value == 0:
        return "0"  # also −0: its sign says nothing a student should puzzle over
    return f"{value:.{precision}g}"


def _aligned(texts: list[str], tails: bool = True) -> list[str]:
    """Numbers padded so that their decimal points (or exponents) line up in a column.

    Without `tails`, only the integer parts are padded: enough for a vector on one line.
    """

    def split(text: str) -> tuple[str, str]:
        cut = next((i for i, c in enumerate(text) if c in ".e"), len(text))
        return text[:cut], text[cut:]

    parts = [split(t) for t in texts]
    head = max(len(h) for h, _ in parts)
    tail = max(len(t) for _, t in parts)
    return [h.rjust(head) + (t.ljust(tail) if tails else t) for h, t in parts]


def value_text(value: Any, precision: int | None, width: int) -> str:
    """A value as the terminal shows it: a number, an aligned matrix, or (> 64 elements) a summary."""
    if value is None:
        return "·"  # not computed yet (a snapshot) or omitted (a large Jacobian)
    array = np.asarray(_floats(value), dtype=np.float64)
    if array.ndim == 0:
        return number_text(float(array), precision)
    if array.size > MAX_SHOWN:
        return _summary(array, precision)
    if array.size == 0:
        return f"[] (shape {'×'.join(map(str, array.shape))})"
    if precision is not None:  # float residue (0.5 − 0.4 − 0.1 = −2.8e-17) beside real values reads as 0
        scale = np.abs(array[np.isfinite(array)]).max(initial=0.0)
        array = np.where(np.abs(array) < scale * RESIDUE, 0.0, array)
    texts = [number_text(v, precision) for v in array.flat]
    if array.ndim == 1:  # a vector on one line has no columns to line up
        line = "[" + " ".join(_aligned(texts, tails=False)) + "]"
        if len(line) <= width:
            return line
    cells = np.array(_aligned(texts), dtype=object).reshape(array.shape)
    # numpy lays out the brackets, the nesting and the wrapping of rows wider than the terminal.
    return np.array2string(
        cells, max_line_width=max(width, 20), separator=" ", formatter={"all": str}, threshold=MAX_SHOWN + 1
    )


def _summary(array: np.ndarray, precision: int | None) -> str:
    """A large value in one line: its shape, and min / mean / max of its finite elements."""
    shape = "×".join(map(str, array.shape))
    finite = array[np.isfinite(array)]
    words = [f"shape {shape}"]
    if finite.size:
        stats = (("min", finite.min()), ("mean", finite.mean()), ("max", finite.max()))
        words += [f"{name} {number_text(float(v), precision or 4)}" for name, v in stats]
    nans, infs = int(np.isnan(array).sum()), int(np.isinf(array).sum())
    words += [f"{count} {name}" for name, count in (("nan", nans), ("inf", infs)) if count]
    return ", ".join(words)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns side by side; a cell of several lines (a matrix) makes its row that tall."""
    split = [[cell.split("\n") for cell in row] for row in rows]
    widths = [max([len(h)] + [len(line) for row in split for line in row[i]]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("─" * w for w in widths))
    for row in split:
        for k in range(max(len(cell) for cell in row)):
            parts = [(cell[k] if k < len(cell) else "").ljust(w) for cell, w in zip(row, widths, strict=True)]
            lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _records(titles: list[str], labels: list[str], rows: list[list[str]]) -> str:
    """One block per row — its title, then `label  value` lines — for tables wider than the terminal."""
    pad = max(len(label) for label in labels)
    blocks = []
    for title, row in zip(titles, rows, strict=True):
        lines = [title]
        for label, cell in zip(labels, row, strict=True):
            first, *rest = cell.split("\n")
            lines.append(f"{INDENT}{label.ljust(pad)}  {first}")
            lines += [f"{INDENT}{' ' * pad}  {line}" for line in rest]
        blocks.append("\n".join(line.rstrip() for line in lines))
    return "\n\n".join(blocks)


def _wrap_widest_text(
    headers: list[str], shown: list[list[str]], is_value: list[bool], width: int
) -> str | None:
    """The table with its widest text column (a formula) wrapped to fit, if it stays readable."""
    widths = [
        max(len(line) for cell in [h, *(r[i] for r in shown)] for line in cell.split("\n"))
        for i, h in enumerate(headers)
    ]
    texts = [i for i, v in enumerate(is_value) if not v]
    widest = max(texts, key=lambda i: widths[i])
    room = width - sum(w for i, w in enumerate(widths) if i != widest) - 2 * (len(headers) - 1)
    if room < max(16, widths[widest] // 2):  # a formula cut into scraps reads worse than blocks
        return None
    rows = [[textwrap.fill(c, room) if i == widest else c for i, c in enumerate(row)] for row in shown]
    return _table(headers, rows)


def _fitted(headers: list[str], rows: list[list[Any]], is_value: list[bool], show: Cell, width: int) -> str:
    """A table when it fits in `width` columns; otherwise one block per row, values wrapped to fit.

    In a block, the text columns make the title and each value column a labelled line.
    """
    shown = [[show(c, 10**6) if v else c for c, v in zip(row, is_value, strict=True)] for row in rows]
    table = _table(headers, shown)
    if max(len(line) for line in table.split("\n")) <= width:
        return table
    wrapped = _wrap_widest_text(headers, shown, is_value, width)
    if wrapped is not None:
        return wrapped
    labels = [h for h, v in zip(headers, is_value, strict=True) if v]
    room = width - len(INDENT) - max(map(len, labels)) - 2
    titles = []
    for row in rows:
        texts = [c for c, v in zip(row, is_value, strict=True) if not v and c]
        title = "  ".join(t for i, t in enumerate(texts) if i == 0 or t != texts[0])
        titles.append(textwrap.fill(title, max(width, 20), subsequent_indent=INDENT))
    cells = [[show(c, room) for c, v in zip(row, is_value, strict=True) if v] for row in rows]
    return _records(titles, labels, cells)


def render(doc: dict[str, Any], precision: int | None = 4, width: int | None = None) -> str:
    """The document as two readable parts: nodes, then edges (upstream × local = downstream).

    Values are rounded to `precision` significant digits (None: exact); each part is a table
    when it fits the terminal's width (default: the terminal's), else one block per node or edge.
    """
    width = width or shutil.get_terminal_size().columns

    def show(value: Any, room: int) -> str:
        return value if isinstance(value, Note) else value_text(value, precision, room)

    shapes = {n["id"]: n["shape"] for n in doc["nodes"]}

    def local(edge: dict[str, Any]) -> Any:
        if edge.get("local_kind") != "omitted" or edge["local"] is not None:
            return edge["local"]
        entries = math.prod(shapes[edge["target"]] + shapes[edge["source"]])
        return Note(
            f"omitted: {entries} entries (> {MAX_SHOWN})"
        )  # the API leaves it out; the formula says it

    nodes = _fitted(
        ["node", "kind", "gate", "formula", "value", "grad"],
        [
            [n["id"], n["kind"], n["symbol"] or "", n["formula"] or n["label"], n["value"], n["grad"]]
            for n in doc["nodes"]
        ],
        [False, False, False, False, True, True],
        show,
        width,
    )
    edges = _fitted(
        ["edge", "value", "local", "upstream", "downstream", "local gradient"],
        [
            [
                f"{e['source']} → {e['target']}",
                e["value"],
                local(e),
                e["upstream"],
                e["downstream"],
                e["formula"],
            ]
            for e in doc["edges"]
        ],
        [False, True, True, True, True, False],
        show,
        width,
    )
    title = f"output {doc['output']}" + (f" — snapshot after step {doc['step']}" if "step" in doc else "")
    return "\n\n".join([title, nodes, edges])


def _document(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """The evaluation document: computed here, or asked of a server with --server."""
    inputs = dict(_parse_assignment(a) for a in args.inputs)
    if args.server:
        from app.client import Client

        with Client(args.server, timeout=args.timeout) as client:
            return client.evaluate(args.source, inputs, output=args.output, step=args.step)
    from app.service import evaluation_document

    return evaluation_document(args.source, inputs, settings, args.output, None, args.step)


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    doc = _document(args, settings)
    precision = None if args.full else args.precision
    print(dumps(doc) if args.json else render(doc, precision))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if args.lessons is not None:
        lessons = Path(args.lessons).expanduser().resolve()
        if not lessons.is_dir():
            print(f"chainrule: --lessons {args.lessons}: not a directory", file=sys.stderr)
            return 2
        os.environ["CHAINRULE_LESSONS_DIR"] = str(lessons)  # read by app.settings in every worker
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "reload": args.reload,
        "limit_max_requests": args.limit_max_requests,
        "http": serving.HTTP,  # Nagle off on every connection, also with several workers
    }
    if args.limit_max_requests is not None and args.workers == 1 and not args.reload:
        # uvicorn.run would serve a lone worker in this process, which would then stop for good
        # after N requests; under the supervisor it is replaced, as each of several workers is.
        config = uvicorn.Config("app.main:app", **options)
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.run("app.main:app", **options)
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chainrule", description="Backpropagation made visible.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the web app and the API (Ctrl+C stops it)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--limit-max-requests",
        type=_positive,
        default=None,
        metavar="N",
        help="replace a worker by a fresh one after it has answered N requests (frees its memory)",
    )
    serve.add_argument(
        "--lessons", default=None, metavar="DIR", help="a directory of lesson files (CHAINRULE_LESSONS_DIR)"
    )
    serve.add_argument("--reload", action="store_true", help="restart when the code changes (development)")
    evaluate = commands.add_parser("eval", help="evaluate an expression and print its graph")
    evaluate.add_argument("source", help='e.g. "a = x + y; b = max(y, z); f = a * b"')
    evaluate.add_argument("inputs", nargs="*", help="name=value; tensors as JSON, e.g. W='[[1,2],[3,4]]'")
    evaluate.add_argument("--json", action="store_true", help="print the evaluation document as JSON")
    evaluate.add_argument("--step", type=int, default=None, help="the snapshot after step k")
    evaluate.add_argument("--output", default=None, help="the node to differentiate (default: the last)")
    digits = evaluate.add_mutually_exclusive_group()
    digits.add_argument(
        "--precision",
        type=int,
        choices=range(1, 18),
        default=4,
        metavar="N",
        help="significant digits shown, 1 … 17 (default 4; 17 is every digit a float64 has)",
    )
    digits.add_argument("--full", action="store_true", help="every number exactly (Python's repr)")
    evaluate.add_argument("--server", default=None, metavar="URL", help="evaluate on a chainrule server")
    evaluate.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS", help="with --server (default 30)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    from app.client import ChainruleError

    try:
        return _eval(args, environment_settings())
    except (EngineError, ApiError, ChainruleError) as error:
        line = getattr(error, "line", None)
        where = f" (line {line}, column {error.column})" if line is not None else ""
        print(f"chainrule: {error.code}: {error.message}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
