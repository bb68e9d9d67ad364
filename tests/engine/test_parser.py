"""The parser is a whitelist: every rejection has a code, a message naming the text, a line and column."""

from __future__ import annotations

import ast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import EngineError, Limits, evaluate, parse
from engine.source import expression_depth

DEEP = "f = " + "(" * 5000 + "x" + ")" * 5000


@pytest.mark.parametrize(
    ("source", "code", "text", "line", "column"),
    [
        ("f = __import__('os')", "forbidden", "__import__", 1, 5),
        ("a = x + 1\nf = x.y", "forbidden", "'x.y'", 2, 5),
        ("f = x.__class__", "forbidden", "x.__class__", 1, 5),
        ("a = 2 * x\nf = a[1:] + 1", "forbidden", "'a[1:]'", 2, 7),
        ("f = a[i]", "invalid_index", "'i'", 1, 7),
        ("f = a[0.5]", "invalid_index", "'0.5'", 1, 7),
        ("f = lambda: 1", "forbidden", "lambda: 1", 1, 5),
        ("f = 2 * [x for x in y]", "forbidden", "[x for x in y]", 1, 9),
        ("f = sum(v for v in x)", "forbidden", "v for v in x", 1, 8),
        ("import os", "forbidden", "import os", 1, 1),
        ("a = x + 1\nfrom os import path", "forbidden", "from os import path", 2, 1),
        ("f = x if y else z", "forbidden", "x if y else z", 1, 5),
        ("if x:\n    f = 1", "forbidden", "if x:", 1, 1),
        ("f = x == y", "forbidden", "x == y", 1, 5),
        ("f = x + 'a'", "forbidden", "'a'", 1, 9),
        (DEEP, "too_deep", "(", 1, 4 + 65),
        ("f = 9**9**9", "exponent_too_large", "9**9", 1, 8),
        ("f = x ** (2 ** 20)", "exponent_too_large", "2 ** 20", 1, 11),
        ("f = 1" + "0" * 400 + " * x", "too_large", "1000", 1, 5),
        ("a = x + 1\nb = 2 * a\na = x * 2", "duplicate_name", "'a'", 3, 1),
        ("a = x + 1\nf = foo(a)", "unknown_function", "'foo'", 2, 5),
        ("f = exp(x) +  softmx(y)", "unknown_function", "'softmx'", 1, 15),
        ("f = max(x)", "wrong_arity", "max", 1, 5),
        ("f = leaky_relu(x, slope=y)", "not_a_number", "'y'", 1, 25),
        ("f = x +", "syntax_error", "f = x +", 1, 8),
        ("t = t", "alias", "t = t", 1, 5),
        ("f = x * 2\nf + 1\ng = 3 * x", "bare_expression", "f + 1", 2, 1),
        ("out = x * 2\nout + 1", "duplicate_name", "out + 1", 2, 1),
        ("f = é * 2\ng = é.real", "forbidden", "é.real", 2, 5),
        ("f = 2 * é; g = é.real", "forbidden", "é.real", 1, 16),
        ("f = _x * 2", "forbidden", "_x", 1, 5),
        ("a = 2 * x; max = a + 1", "reserved_name", "max", 1, 12),
        ("f = y * 2; y = x + 1", "assigned_after_use", "'y'", 1, 12),
    ],
)
def test_rejections_name_code_text_line_column(source: str, code: str, text: str, line: int, column: int):
    with pytest.raises(EngineError) as caught:
        parse(source)
    error = caught.value
    assert error.code == code, error
    assert text in error.message, error
    assert (error.line, error.column) == (line, column), error


def test_source_length_and_node_limits():
    with pytest.raises(EngineError) as caught:
        parse("f = x + 1" + " " * 30_000)
    assert caught.value.code == "source_too_long" and "30009" in caught.value.message
    many = "; ".join(f"a{i} = x * {i}" for i in range(30))
    with pytest.raises(EngineError) as caught:
        parse(many, limits=Limits(max_nodes=20))
    assert caught.value.code == "too_many_nodes"


def test_deep_operator_chains_without_brackets_are_bounded():
    with pytest.raises(EngineError) as caught:
        parse("f = " + "-" * 19_000 + "x")
    assert caught.value.code in {"too_deep", "syntax_error"}
    assert caught.value.line == 1


def test_empty_source():
    with pytest.raises(EngineError) as caught:
        parse("  \n ")
    assert caught.value.code == "empty_source" and (caught.value.line, caught.value.column) == (1, 1)


def test_missing_input_names_the_input_and_where_it_is_first_used():
    with pytest.raises(EngineError) as caught:
        parse("a = x + y\nf = a * z").run({"x": 1, "y": 2})
    assert caught.value.code == "missing_input"
    assert "'z'" in caught.value.message
    assert (caught.value.line, caught.value.column) == (2, 9)


def test_extra_input_is_rejected():
    with pytest.raises(EngineError) as caught:
        evaluate(parse("f = x * 2"), {"x": 1, "q": 3})
    assert caught.value.code == "unknown_input" and "'q'" in caught.value.message
    assert caught.value.line is None  # it is not in the source at all


@pytest.mark.parametrize(
    ("source", "inputs", "text", "line", "column"),
    [
        ("a = x + 1\nf = a + y", {"x": [1, 2, 3], "y": [1, 2]}, "a + y", 2, 5),
        ("f = W @ x", {"W": np.ones((2, 3)), "x": np.ones(2)}, "W @ x", 1, 5),
        ("f = 2 * dot(u, v)", {"u": [1, 2], "v": [1, 2, 3]}, "dot(u, v)", 1, 9),
        ("f = cross_entropy(z, k)", {"z": [1.0, 2.0], "k": [0.0, 1.0]}, "cross_entropy(z, k)", 1, 5),
    ],
)
def test_shape_mismatch_names_the_expression(source: str, inputs: dict, text: str, line: int, column: int):
    with pytest.raises(EngineError) as caught:
        parse(source).run(inputs)
    error = caught.value
    assert error.code == "shape_mismatch"
    assert text in error.message and (
        "shape" in error.message or "rows" in error.message
    )  # the shapes are named
    assert (error.line, error.column) == (line, column)


def test_bad_class_index_is_an_engine_error():
    with pytest.raises(EngineError) as caught:
        parse("f = cross_entropy(z, k)").run({"z": [1.0, 2.0], "k": 5})
    assert caught.value.code == "invalid_value" and "range" in caught.value.message


@pytest.mark.parametrize("raw", ["abc", True, [[1, 2], [3]], {"a": 1}, None])
def test_input_values_must_be_numbers(raw):
    with pytest.raises(EngineError) as caught:
        parse("f = x * 2").run({"x": raw})
    assert caught.value.code == "invalid_input" and "'x'" in caught.value.message


def test_unknown_wrt_is_rejected():
    with pytest.raises(EngineError) as caught:
        parse("f = x * 2").run({"x": 1}, wrt=["nope"])
    assert caught.value.code == "unknown_name"


def test_accepted_forms():
    graph = parse("# the lecture\na = x + y   # sum\nb = max(y, z); f = a * b\n")
    assert [n.id for n in graph.nodes] == ["x", "y", "z", "a", "b", "f"]
    assert parse("(x + 1) * 2").output == "out"
    assert float(parse("f = x ** -2").run({"x": 2})[0]["f"]) == 0.25
    assert float(parse("f = leaky_relu(x, slope=0.5)").run({"x": -2})[0]["f"]) == -1.0
    assert float(parse("f = leaky_relu(x, -0.5)").run({"x": -2})[0]["f"]) == 1.0
    np.testing.assert_array_equal(parse("f = [[1, 2], [3, 4]] @ x").run({"x": [1, 1]})[0]["f"], [3, 7])
    assert parse("a = x * 2; b = a + 1", output="a").output == "a"


def test_output_must_exist():
    with pytest.raises(EngineError) as caught:
        parse("f = x * 2", output="g")
    assert caught.value.code == "unknown_output" and "'g'" in caught.value.message


def test_parser_never_evaluates_python():
    calls = []
    __builtins__["_chainrule_probe"] = calls.append if isinstance(__builtins__, dict) else None
    for source in ["f = _chainrule_probe(1)", "f = exec('1')", "f = eval('1')", "f = open('x')"]:
        with pytest.raises(EngineError):
            parse(source).run({})
    assert calls == []


@pytest.mark.parametrize(
    ("source", "text", "line", "column"),
    [
        ("a = x + y\r\nb = max(y,\r z)\nf = a.b", "a.b", 4, 5),
        ("é = 2 * x; f = é * (y +\n  ü.real)", "ü.real", 2, 3),
        ("a = x\x0c + 1\nf = a[1:]", "a[1:]", 2, 7),
    ],
)
def test_positions_and_text_across_line_endings_and_unicode(source: str, text: str, line: int, column: int):
    """Lines end as Python's tokenizer ends them (\\n, \\r\\n, \\r); columns count characters."""
    with pytest.raises(EngineError) as caught:
        parse(source)
    assert f"'{text}'" in caught.value.message
    assert (caught.value.line, caught.value.column) == (line, column)


def _reference_depth(root: ast.AST) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["({}) + y", "-{}", "f({}, z)", "[{}, 1]", "g(k={})", "{} * 2", "tanh({})",
                                 "({}).T", "x[{}]", "({} if y else z)", "max({}, 2)"]), min_size=1, max_size=14))  # fmt: skip
def test_expression_depth_is_the_ast_walks_depth(wrappers):
    """The depth limit counts levels as ast.iter_child_nodes walks them, whatever the node types."""
    text = "x"
    for wrapper in wrappers:
        text = wrapper.format(text)
    tree = ast.parse(text, mode="eval").body
    assert expression_depth(tree) == _reference_depth(tree), text
