"""Reading the source text: where an ast node is, its text, errors that point at it, and the
literals the language accepts — numbers, nested lists of them, integer indices, constant
exponents — checked against the parser's limits. engine.parser builds the graph on top of this.
"""

from __future__ import annotations

import ast
import io
from dataclasses import dataclass

import numpy as np

from engine.errors import EngineError
from engine.ops import OPS_BY_OPERATOR
from engine.source import char_column

TEXT_MAX = 200  # an error's `text` parameter: the offending source text, at most this long


@dataclass(frozen=True)
class Limits:
    max_source_chars: int = 20_000
    max_depth: int = 64  # brackets and operator nesting
    max_nodes: int = 2_000
    max_exponent: float = 1_024.0  # |b| of a ** b when b is a constant expression
    max_constant_elements: int = 10_000


BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}


class SourceReader:
    """One source text: positions, text and errors for its ast nodes, and its literals."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source, self.limits = source, limits
        # Split once, as the tokenizer does (\n, \r\n, \r; endings kept), in UTF-8 like ast's
        # offsets: ast.get_source_segment would re-split the whole source for every node.
        self.lines = [line.encode("utf-8") for line in io.StringIO(source, newline="")]
        self.ascii = [line.isascii() for line in self.lines]

    def error(self, code: str, message: str, where: ast.AST, **params: object) -> EngineError:
        """`params` are what a page needs to word the error itself (name, limit, …); `text`, the
        source text at `where`, unless given."""
        params.setdefault("text", self.text(where)[:TEXT_MAX])
        line = getattr(where, "lineno", None)
        column = getattr(where, "col_offset", None)
        if line is None:
            return EngineError(code, message, params=params)
        return EngineError(code, message, line, char_column(self.lines, line, column), params=params)

    def text(self, node: ast.AST) -> str:
        """The source text of a node, as ast.get_source_segment gives it."""
        first, last = getattr(node, "lineno", 0) - 1, (getattr(node, "end_lineno", None) or 0) - 1
        start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if start is None or end is None or not 0 <= first <= last < len(self.lines):
            return ast.dump(node)[:40]
        if first == last:
            segment = self.lines[first][start:end]
        else:
            segment = (
                self.lines[first][start:] + b"".join(self.lines[first + 1 : last]) + self.lines[last][:end]
            )
        return segment.decode("utf-8", errors="replace") or ast.dump(node)[:40]

    def position(self, where: ast.AST) -> dict:
        line = where.lineno
        if 1 <= line <= len(self.lines) and self.ascii[line - 1]:  # a byte is a character
            return {"line": line, "column": where.col_offset + 1}
        return {"line": line, "column": char_column(self.lines, line, where.col_offset)}

    def index(self, expr: ast.Subscript) -> tuple[int, ...]:
        """p[1], W[0, 2], v[-1]: literal integers only (numpy's meaning of negatives)."""
        parts = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        index = []
        for part in parts:
            if isinstance(part, ast.Slice):
                raise self.error(
                    "forbidden",
                    f"slices are not allowed: '{self.text(expr)}'; pick elements with integers, e.g. p[1]",
                    part,
                    reason="slice",
                    text=self.text(expr),
                )
            value = fold(part)
            if value is None or value != int(value) or isinstance(part, ast.BinOp):
                raise self.error(
                    "invalid_index",
                    f"an index must be a literal integer, not '{self.text(part)}'",
                    part,
                    reason="not_integer",
                )
            index.append(int(value))
        return tuple(index)

    def literal(self, expr: ast.expr, what: str) -> float:
        value = self.constant(expr)
        if value is None or value.ndim != 0:
            raise self.error("not_a_number", f"{what} must be a number, not '{self.text(expr)}'", expr)
        return float(value)

    def constant(self, expr: ast.expr) -> np.ndarray | None:
        """A literal number, a negated one, or a nested list of them; None otherwise."""
        if isinstance(expr, ast.Constant):
            if isinstance(expr.value, bool) or not isinstance(expr.value, (int, float)):
                return None
            return np.asarray(self.number(expr))
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            inner = self.constant(expr.operand)
            if inner is None or inner.ndim != 0:
                return None
            if isinstance(expr.op, ast.UAdd):
                return inner
            return np.negative(inner, out=np.empty(()))  # a 0-d array still (-inner is a numpy scalar)
        if isinstance(expr, ast.List):
            items = [self.constant(e) for e in expr.elts]
            if not items or any(item is None for item in items):
                raise self.error(
                    "invalid_constant",
                    f"a list must hold numbers or lists of numbers: '{self.text(expr)}'",
                    expr,
                )
            if len({item.shape for item in items}) != 1:
                raise self.error(
                    "ragged", f"the rows of this list differ in length: '{self.text(expr)}'", expr
                )
            array = np.stack(items)
            if array.size > self.limits.max_constant_elements:
                raise self.error(
                    "too_large",
                    f"constant has more than {self.limits.max_constant_elements} elements",
                    expr,
                    reason="constant",
                    limit=self.limits.max_constant_elements,
                )
            return array
        return None

    def number(self, literal: ast.Constant) -> float:
        try:
            return float(literal.value)
        except OverflowError:
            raise self.error(
                "too_large",
                f"the number '{self.text(literal)[:20]}…' is too large",
                literal,
                reason="number",
                text=self.text(literal)[:20],
            ) from None

    def check_exponent(self, exponent: ast.expr) -> None:
        value = fold(exponent)
        if value is not None and not abs(value) <= self.limits.max_exponent:
            raise self.error(
                "exponent_too_large",
                f"exponent '{self.text(exponent)}' exceeds the limit {self.limits.max_exponent:g}",
                exponent,
                limit=self.limits.max_exponent,
            )


def fold(expr: ast.expr) -> float | None:
    """The float value of an expression made only of number literals, else None."""
    with np.errstate(all="ignore"):
        if (
            isinstance(expr, ast.Constant)
            and isinstance(expr.value, (int, float))
            and not isinstance(expr.value, bool)
        ):
            try:
                return float(expr.value)
            except OverflowError:
                return float("inf")
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            inner = fold(expr.operand)
            return None if inner is None else (-inner if isinstance(expr.op, ast.USub) else inner)
        if isinstance(expr, ast.BinOp) and type(expr.op) in BINARY and not isinstance(expr.op, ast.MatMult):
            left, right = fold(expr.left), fold(expr.right)
            if left is None or right is None:
                return None
            op = OPS_BY_OPERATOR[BINARY[type(expr.op)]]
            return float(op.forward(np.float64(left), np.float64(right)))
    return None
