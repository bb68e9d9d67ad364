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
import threading
from collections.abc import Mapping

from engine.builder import gate_op
from engine.errors import EngineError
from engine.graph import Graph
from engine.literals import BINARY, Limits, SourceReader
from engine.nodes import CONSTANT, INPUT, OP, Node
from engine.ops import OPS_BY_FUNCTION, OPS_BY_NAME, OPS_BY_OPERATOR, Op
from engine.source import check_brackets, expression_depth

LABEL_MAX = 32
INDEX = OPS_BY_NAME["index"]
_AST_LOCK = threading.Lock()
DEFAULT_LIMITS = Limits()


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


class _Builder(SourceReader):
    def __init__(self, source: str, limits: Limits, gates: Mapping[str, object]) -> None:
        super().__init__(source, limits)
        self.gates = gates
        self.nodes: list[Node] = []
        self.inputs: list[Node] = []
        self.defined: dict[str, str] = {}  # name -> node id
        self.used_as_input: set[str] = set()
        self.aliases: dict[str, list[str]] = {}  # node id -> the other names given to it

    def add(self, node: Node) -> str:
        if len(self.nodes) + len(self.inputs) >= self.limits.max_nodes:
            raise EngineError(
                "too_many_nodes",
                f"the graph has more than {self.limits.max_nodes} nodes",
                params={"limit": self.limits.max_nodes},
            )
        self.nodes.append(node)
        return node.id

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


def parse(
    source: str,
    output: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
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
