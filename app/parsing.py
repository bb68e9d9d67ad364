"""`engine.parse` without its quadratic cost (a workaround until the engine's fix lands).

engine.parser._Builder.text called `ast.get_source_segment(source, node)` for every op, and
that re-splits the whole source with a pure-Python loop each time: a 2,000-line source
within the limits took ~25 s to parse. `_parse_linear` is engine.parser.parse step for step
with a builder that splits the source once. As soon as the engine's own builder no longer
calls get_source_segment, `parse` is simply `engine.parse` and this module can be deleted.
"""

from __future__ import annotations

import ast
import inspect

from engine import EngineError, Graph, Limits
from engine import parse as engine_parse
from engine import parser as engine_parser


class _Builder(engine_parser._Builder):
    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self._segments = [line.encode("utf-8") for line in ast._splitlines_no_ff(self.source)]

    def text(self, node: ast.AST) -> str:
        """ast.get_source_segment, on lines split once (byte offsets, as ast gives them)."""
        try:
            first, last = node.lineno - 1, node.end_lineno - 1
            start, end = node.col_offset, node.end_col_offset
        except AttributeError:
            return ast.dump(node)[:40]
        if first < 0 or last >= len(self._segments) or end is None or last is None:
            return ast.dump(node)[:40]
        if first == last:
            segment = self._segments[first][start:end]
        else:
            segment = (
                self._segments[first][start:]
                + b"".join(self._segments[first + 1 : last])
                + (self._segments[last][:end])
            )
        return segment.decode("utf-8", errors="replace") or ast.dump(node)[:40]


def _parse_linear(source: str, output: str | None = None, limits: Limits | None = None) -> Graph:
    """Source text to a Graph, exactly as engine.parse does (without user gates)."""
    limits = limits or Limits()
    if not isinstance(source, str):
        raise EngineError("invalid_source", "source must be text")
    if len(source) > limits.max_source_chars:
        raise EngineError(
            "source_too_long", f"source has {len(source)} characters; the limit is {limits.max_source_chars}"
        )
    if not source.strip():
        raise EngineError("empty_source", "source is empty: write e.g. 'f = (x + y) * max(y, z)'", 1, 1)
    engine_parser._check_brackets(source, limits.max_depth)
    try:
        module = ast.parse(source, mode="exec")
    except SyntaxError as error:
        text = (error.text or "").strip()
        detail = error.msg.replace("invalid syntax. ", "")
        raise EngineError(
            "syntax_error",
            f"{detail}" + (f": '{text}'" if text else ""),
            error.lineno or 1,
            error.offset or 1,
        ) from None
    except (ValueError, MemoryError, RecursionError) as error:
        raise EngineError("syntax_error", f"cannot read the source: {error}", 1, 1) from None
    if not module.body:
        raise EngineError("empty_source", "source has no statements", 1, 1)
    builder = _Builder(source, limits, {})
    last = len(module.body) - 1
    output_id = None
    for i, stmt in enumerate(module.body):
        output_id = builder.statement(stmt, i == last)
    if output is not None:
        if output not in builder.defined and output not in builder.used_as_input:
            raise EngineError("unknown_output", f"output '{output}' is not defined in the source")
        output_id = builder.defined.get(output, output)
    return Graph(builder.inputs + builder.nodes, output_id)


def _engine_is_linear() -> bool:
    try:
        return "ast.get_source_segment(" not in inspect.getsource(engine_parser._Builder.text)
    except (OSError, TypeError):
        return False


parse = engine_parse if _engine_is_linear() else _parse_linear
