"""Every error a page can meet carries the parameters it needs to word the error in its own
language (docs/api.md's error table): the page says it in Portuguese from `code` + parameters."""

from __future__ import annotations

import pytest

from app.errors import FIELDS
from tests.api.conftest import make_client, strict

BIG = "1" * 400

# (source, inputs, code, the parameters with their exact values)
CASES = [
    ("f = (x + ", {"x": 1}, "syntax_error", {"line": 1, "column": 5, "detail": "'(' was never closed", "text": "f = (x +"}),
    ("f = foo(x)", {"x": 1}, "unknown_function", {"line": 1, "column": 5, "name": "foo"}),
    ("f = max(x)", {"x": 1}, "wrong_arity", {"name": "max", "min": 2, "max": 2, "got": 1}),
    ("f = leaky_relu(x, bad=1)", {"x": 1}, "unknown_argument", {"name": "leaky_relu", "argument": "bad"}),
    ("f = x\nf = x + 1", {"x": 1}, "duplicate_name", {"name": "f", "line": 2}),
    ("f = x + y\ny = 2", {"x": 1}, "assigned_after_use", {"name": "y"}),
    ("x + 1\nf = x", {"x": 1}, "bare_expression", {"text": "x + 1"}),
    ("f = x.real", {"x": 1}, "forbidden", {"reason": "construct", "construct": "Attribute", "text": "x.real"}),
    ("import os", {}, "forbidden", {"reason": "statement", "construct": "import", "text": "import os"}),
    ("f = _x + 1", {"_x": 1}, "forbidden", {"reason": "underscore", "name": "_x"}),
    ("f = 'a'", {}, "forbidden", {"reason": "literal", "text": "'a'"}),
    ("f = x[0:1]", {"x": [1, 2]}, "forbidden", {"reason": "slice", "text": "x[0:1]"}),
    ("max = x", {"x": 1}, "reserved_name", {"name": "max"}),
    ("f = f", {}, "alias", {"name": "f"}),
    ("f = x[y]", {"x": [1, 2], "y": 0}, "invalid_index", {"reason": "not_integer", "text": "y"}),
    ("f = x[5]", {"x": [1, 2]}, "invalid_index", {"reason": "out_of_range", "index": 5, "axis": 0, "size": 2}),
    ("f = x[0, 0]", {"x": [1, 2]}, "invalid_index", {"reason": "too_many", "count": 2, "shapes": [[2]]}),
    ("f = sum(x, 3)", {"x": [1, 2]}, "invalid_axis", {"axis": "3", "shapes": [[2]], "text": "sum(x, 3)"}),
    ("f = leaky_relu(x, y)", {"x": 1, "y": 1}, "not_a_number", {"text": "y"}),
    ("f = x * [1, y]", {"x": 1, "y": 1}, "invalid_constant", {"text": "[1, y]"}),
    ("f = x * [[1], [1, 2]]", {"x": 1}, "ragged", {"text": "[[1], [1, 2]]"}),
    (f"f = x * {BIG}", {"x": 1}, "too_large", {"reason": "number", "text": BIG[:20]}),
    ("f = x ** 1e9", {"x": 1}, "exponent_too_large", {"text": "1e9", "limit": 1024.0}),
    ("f = W @ v", {"W": [[1, 2, 3], [4, 5, 6]], "v": [1, 2]}, "shape_mismatch",
     {"text": "W @ v", "op": "matmul", "shapes": [[2, 3], [2]], "rule": "matmul_inner", "columns": 3, "rows": 2}),
    ("f = x + y", {"x": [1, 2], "y": [1, 2, 3]}, "shape_mismatch",
     {"text": "x + y", "op": "add", "shapes": [[2], [3]], "rule": "broadcast"}),
    ("f = dot(x, y)", {"x": [1, 2], "y": [1, 2, 3]}, "shape_mismatch",
     {"text": "dot(x, y)", "rule": "same_shape", "shapes": [[2], [3]]}),
    ("f = x + y", {"x": 1}, "missing_input", {"input": "y", "line": 1, "column": 9}),
    ("f = x", {"x": 1, "q": 2}, "unknown_input", {"input": "q"}),
    ("   ", {}, "empty_source", {"line": 1, "column": 1}),
]  # fmt: skip


@pytest.fixture(scope="module")
def client():
    with make_client() as c:
        yield c


@pytest.mark.parametrize(
    ("source", "inputs", "code", "params"), CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)]
)
def test_error_carries_its_parameters(client, source, inputs, code, params):
    response = client.post("/api/v1/evaluate", json={"source": source, "inputs": inputs})
    assert 400 <= response.status_code < 500, response.text
    error = strict(response)["error"]
    assert error["code"] == code, error
    assert {k: error.get(k) for k in params} == params, error
    assert set(error) - {"code", "message"} <= FIELDS, error  # documented fields only
    assert isinstance(error["message"], str) and error["message"]  # the English sentence stays


def test_unknown_function_names_what_is_known(client):
    error = client.post("/api/v1/evaluate", json={"source": "f = foo(x)", "inputs": {"x": 1}}).json()["error"]
    assert (
        "max" in error["known"] and "sigmoid" in error["known"] and error["known"] == sorted(error["known"])
    )


def test_an_op_error_keeps_its_parameters_and_gains_the_node_text(client):
    body = {"source": "f = cross_entropy(x, c)", "inputs": {"x": [[1, 2], [3, 4]], "c": [0]}}
    error = client.post("/api/v1/evaluate", json=body).json()["error"]
    assert error["code"] == "shape_mismatch"
    assert {k: error[k] for k in ("rule", "rows", "count", "text", "line", "column")} == {
        "rule": "rows", "rows": 2, "count": 1, "text": "cross_entropy(x, c)", "line": 1, "column": 5,
    }  # fmt: skip
