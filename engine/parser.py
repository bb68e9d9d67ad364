"""The expression language: a whitelist over Python's `ast`, never `eval`/`exec`.

    a = x + y; b = max(y, z); f = a * b

Statements `name = expression`, one per line or separated by `;`; the last one is the output
(a bare expression last is named `out`; `t = x` makes t another name of x). Free names are
inputs; literals are constants; `p[1]`, `W[0, -1]` index with literal integers. Everything else —
attributes, slices, lambdas, comprehensions, imports, conditionals, strings — is rejected with
its line, column and text. Source length, bracket depth, node count
and constant exponents are bounded before anything is computed.
"""

from __future__ import annotations

import ast
import io
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine.builder import gate_op
from engine.errors import EngineError
from engine.graph import Graph
from engine.nodes import CONSTANT, INPUT, OP, Node
from engine.ops import OPS_BY_FUNCTION, OPS_BY_NAME, OPS_BY_OPERATOR, Op
from engine.source import char_column, check_brackets, expression_depth

LABEL_MAX = 32
TEXT_MAX = 200  # an error's `text` parameter: the offending source text, at most this long
INDEX = OPS_BY_NAME["index"]
_AST_LOCK = threading.Lock()


@dataclass(frozen=True)
class Limits:
    max_source_chars: int = 20_000
    max_depth: int = 64  # brackets and operator nesting
    max_nodes: int = 2_000
    max_exponent: float = 1_024.0  # |b| of a ** b when b is a constant expression
    max_constant_elements: int = 10_000


BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}

FORBIDDEN = {  # what each construct is called in the rejection
    ast.Attribute: "attribute access is",
    ast.Lambda: "lambdas are",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "comprehensions are",
    ast.IfExp: "conditionals are",
    ast.Compare: "comparisons are",
    ast.BoolOp: "boolean operators are",
    ast.Starred: "starred arguments are",
    ast.JoinedStr: "strings are",
    ast.Dict: "dictionaries are",
    ast.Set: "sets are",
    ast.Tuple: "tuples are",
    ast.NamedExpr: "assignment expressions are",
    ast.Await: "await is",
    ast.Yield: "yield is",
    ast.YieldFrom: "yield is",
}


class _Builder:
    def __init__(self, source: str, limits: Limits, gates: Mapping[str, object]) -> None:
        self.source, self.limits, self.gates = source, limits, gates
        # Split once, as the tokenizer does (\n, \r\n, \r; endings kept), in UTF-8 like ast's
        # offsets: ast.get_source_segment would re-split the whole source for every node.
        self.lines = [line.encode("utf-8") for line in io.StringIO(source, newline="")]
        self.ascii = [line.isascii() for line in self.lines]
        self.nodes: list[Node] = []
        self.inputs: list[Node] = []
        self.defined: dict[str, str] = {}  # name -> node id
        self.used_as_input: set[str] = set()
        self.aliases: dict[str, list[str]] = {}  # node id -> the other names given to it

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

    def add(self, node: Node) -> str:
        if len(self.nodes) + len(self.inputs) >= self.limits.max_nodes:
            raise EngineError(
                "too_many_nodes",
                f"the graph has more than {self.limits.max_nodes} nodes",
                params={"limit": self.limits.max_nodes},
            )
        self.nodes.append(node)
        return node.id

    def position(self, where: ast.AST) -> dict:
        line = where.lineno
        if 1 <= line <= len(self.lines) and self.ascii[line - 1]:  # a byte is a character
            return {"line": line, "column": where.col_offset + 1}
        return {"line": line, "column": char_column(self.lines, line, where.col_offset)}

    def statement(self, stmt: ast.stmt, last: bool) -> str:
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                raise self.error(
                    "invalid_assignment",
                    f"assign to one plain name, not '{self.text(stmt.targets[0])}'",
                    stmt,
                    text=self.text(stmt.targets[0]),
                )
            target = stmt.targets[0]
            name = target.id
            self.check_name(name, target)
            if name in self.defined:
                raise self.error("duplicate_name", f"'{name}' is assigned twice", target, name=name)
            if name in self.used_as_input:
                raise self.error(
                    "assigned_after_use",
                    f"'{name}' is used as an input before this assignment",
                    target,
                    name=name,
                )
            return self.bind(name, stmt.value)
        if isinstance(stmt, ast.Expr) and last:
            if "out" in self.defined or "out" in self.used_as_input:
                raise self.error(
                    "duplicate_name",
                    f"the last line '{self.text(stmt)}' would be named 'out', which is taken",
                    stmt,
                    name="out",
                )
            return self.bind("out", stmt.value)
        if isinstance(stmt, ast.Expr):
            raise self.error(
                "bare_expression",
                f"only the last statement may be a bare expression: '{self.text(stmt)}'",
                stmt,
            )
        kind = type(stmt).__name__.lower()
        first = self.text(stmt).splitlines()[0]
        raise self.error(
            "forbidden",
            f"'{kind}' statements are not allowed: '{first}'",
            stmt,
            reason="statement",
            construct=kind,
            text=first,
        )

    def check_name(self, name: str, where: ast.AST) -> None:
        if name.startswith("_"):
            raise self.error(
                "forbidden", f"names may not start with '_': '{name}'", where, reason="underscore", name=name
            )
        if name in OPS_BY_FUNCTION or name in self.gates:
            raise self.error(
                "reserved_name", f"'{name}' is a function and cannot be a variable", where, name=name
            )

    def bind(self, name: str, value: ast.expr) -> str:
        if expression_depth(value) > self.limits.max_depth:
            raise self.error(
                "too_deep",
                f"expression nested deeper than {self.limits.max_depth} levels",
                value,
                limit=self.limits.max_depth,
            )
        if isinstance(value, ast.Name):  # `t = x`: an alias, another name for the same value
            if value.id == name:
                raise self.error("alias", f"'{name} = {name}' names a value by itself", value, name=name)
            node_id = self.reference(value)
            self.aliases.setdefault(node_id, []).append(name)
            self.defined[name] = node_id
            return node_id
        node_id = self.expression(value, name)
        self.defined[name] = node_id
        return node_id

    def expression(self, expr: ast.expr, name: str | None = None) -> str:
        """Add the nodes of `expr`; return the id of its value. `name` names the top node."""
        forbidden = FORBIDDEN.get(type(expr))
        if forbidden:
            raise self.error(
                "forbidden",
                f"{forbidden} not allowed: '{self.text(expr)}'",
                expr,
                reason="construct",
                construct=type(expr).__name__,
            )
        if isinstance(expr, ast.Name):
            return self.reference(expr)
        constant = self.constant(expr)
        if constant is not None:
            label = f"{float(constant):g}" if constant.ndim == 0 else f"const{list(constant.shape)}"
            node_id = name or f"#{len(self.nodes)}"
            return self.add(
                Node(
                    node_id,
                    CONSTANT,
                    name or label,
                    value=constant,
                    text=self.text(expr),
                    **self.position(expr),
                )
            )
        if isinstance(expr, ast.BinOp) and type(expr.op) in BINARY:
            if isinstance(expr.op, ast.Pow):
                self.check_exponent(expr.right)
            op = OPS_BY_OPERATOR[BINARY[type(expr.op)]]
            return self.op_node(op, [expr.left, expr.right], (), expr, name)
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            if isinstance(expr.op, ast.UAdd):
                return self.expression(expr.operand, name)
            return self.op_node(OPS_BY_OPERATOR["neg"], [expr.operand], (), expr, name)
        if isinstance(expr, ast.Call):
            return self.call(expr, name)
        if isinstance(expr, ast.Subscript):
            return self.op_node(INDEX, [expr.value], (("index", self.index(expr)),), expr, name)
        if isinstance(expr, ast.Constant):
            raise self.error(
                "forbidden",
                f"only numbers are allowed as literals, not '{self.text(expr)}'",
                expr,
                reason="literal",
            )
        raise self.error(
            "forbidden",
            f"this is not part of the expression language: '{self.text(expr)}'",
            expr,
            reason="expression",
        )

    def reference(self, expr: ast.Name) -> str:
        name = expr.id
        if name in self.defined:
            return self.defined[name]
        self.check_name(name, expr)
        if name not in self.used_as_input:
            self.used_as_input.add(name)
            if len(self.nodes) + len(self.inputs) >= self.limits.max_nodes:
                raise EngineError(
                    "too_many_nodes",
                    f"the graph has more than {self.limits.max_nodes} nodes",
                    params={"limit": self.limits.max_nodes},
                )
            self.inputs.append(Node(name, INPUT, name, **self.position(expr)))
        return name

    def call(self, expr: ast.Call, name: str | None) -> str:
        if not isinstance(expr.func, ast.Name):
            raise self.error(
                "forbidden",
                f"only named functions can be called, not '{self.text(expr.func)}'",
                expr.func,
                reason="call",
            )
        function = expr.func.id
        if function.startswith("_"):
            raise self.error(
                "forbidden",
                f"names may not start with '_': '{function}'",
                expr.func,
                reason="underscore",
                name=function,
            )
        if function in self.gates:
            op = gate_op(self.gates[function], len(expr.args))
        elif function in OPS_BY_FUNCTION:
            op = OPS_BY_FUNCTION[function]
        else:
            known = ", ".join(sorted(OPS_BY_FUNCTION))
            raise self.error(
                "unknown_function",
                f"unknown function '{function}' (known: {known})",
                expr.func,
                name=function,
                known=sorted(OPS_BY_FUNCTION),
            )
        operands, extra = expr.args[: op.arity], expr.args[op.arity :]
        if len(operands) < op.arity or len(extra) > len(op.attrs):
            expected = f"{op.arity}" + (f" to {op.arity + len(op.attrs)}" if op.attrs else "")
            raise self.error(
                "wrong_arity",
                f"{function} takes {expected} arguments, got {len(expr.args)}",
                expr,
                name=function,
                min=op.arity,
                max=op.arity + len(op.attrs),
                got=len(expr.args),
            )
        attrs = dict(op.attrs)
        for (attr, _), argument in zip(op.attrs, extra, strict=False):
            attrs[attr] = self.literal(argument, f"{function}'s {attr}")
        for keyword in expr.keywords:
            if keyword.arg not in attrs:
                raise self.error(
                    "unknown_argument",
                    f"{function} has no argument '{keyword.arg}'",
                    keyword.value,
                    name=function,
                    argument=keyword.arg,
                )
            attrs[keyword.arg] = self.literal(keyword.value, f"{function}'s {keyword.arg}")
        return self.op_node(op, operands, tuple(attrs.items()), expr, name)

    def op_node(
        self, op: Op, operands: list[ast.expr], attrs: tuple, expr: ast.expr, name: str | None
    ) -> str:
        inputs = tuple(self.expression(operand) for operand in operands)
        text = self.text(expr)
        label = name or (text if len(text) <= LABEL_MAX else op.symbol)
        node_id = name or f"#{len(self.nodes)}"
        return self.add(Node(node_id, OP, label, op, inputs, attrs, text=text, **self.position(expr)))

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
            value = _fold(part)
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
        value = _fold(exponent)
        if value is not None and not abs(value) <= self.limits.max_exponent:
            raise self.error(
                "exponent_too_large",
                f"exponent '{self.text(exponent)}' exceeds the limit {self.limits.max_exponent:g}",
                exponent,
                limit=self.limits.max_exponent,
            )


def _fold(expr: ast.expr) -> float | None:
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
            inner = _fold(expr.operand)
            return None if inner is None else (-inner if isinstance(expr.op, ast.USub) else inner)
        if isinstance(expr, ast.BinOp) and type(expr.op) in BINARY and not isinstance(expr.op, ast.MatMult):
            left, right = _fold(expr.left), _fold(expr.right)
            if left is None or right is None:
                return None
            op = OPS_BY_OPERATOR[BINARY[type(expr.op)]]
            return float(op.forward(np.float64(left), np.float64(right)))
    return None


def parse(
    source: str,
    output: str | None = None,
    limits: Limits = Limits(),
    gates: Mapping[str, object] | None = None,
) -> Graph:
    """Source text to a Graph; every rejection is an EngineError with line and column."""
    if not isinstance(source, str):
        raise EngineError("invalid_source", "source must be text")
    if len(source) > limits.max_source_chars:
        raise EngineError(
            "source_too_long",
            f"source has {len(source)} characters; the limit is {limits.max_source_chars}",
            params={"length": len(source), "limit": limits.max_source_chars},
        )
    if not source.strip():
        raise EngineError("empty_source", "source is empty: write e.g. 'f = (x + y) * max(y, z)'", 1, 1)
    check_brackets(source, limits.max_depth)
    try:
        with _AST_LOCK:  # CPython's AST recursion guard is not thread-safe: one parse at a time
            module = ast.parse(source, mode="exec")
    except SyntaxError as error:
        text = (error.text or "").strip()
        line = error.lineno or 1
        column = error.offset or 1
        detail = error.msg.replace("invalid syntax. ", "")
        raise EngineError(
            "syntax_error",
            f"{detail}" + (f": '{text}'" if text else ""),
            line,
            column,
            params={"detail": detail, "text": text},  # detail: CPython's own (English) words
        ) from None
    except (ValueError, MemoryError, RecursionError) as error:
        reason = str(error) or "it is nested too deeply"
        raise EngineError(
            "syntax_error", f"cannot read the source: {reason}", 1, 1, params={"detail": reason, "text": ""}
        ) from None
    if not module.body:
        raise EngineError("empty_source", "source has no statements", 1, 1)
    builder = _Builder(source, limits, gates or {})
    last = len(module.body) - 1
    output_id = None
    for i, stmt in enumerate(module.body):
        output_id = builder.statement(stmt, i == last)
    if output is not None:
        if output not in builder.defined and output not in builder.used_as_input:
            raise EngineError(
                "unknown_output", f"output '{output}' is not defined in the source", params={"name": output}
            )
        output_id = builder.defined.get(output, output)
    nodes = [
        node._replace(aliases=tuple(builder.aliases[node.id])) if node.id in builder.aliases else node
        for node in builder.inputs + builder.nodes
    ]
    return Graph(nodes, output_id)
