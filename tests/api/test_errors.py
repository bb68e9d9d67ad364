"""Errors and limits: every hostile input gets a clean 4xx in the error shape, quickly, and runs nothing."""

from __future__ import annotations

import os
import time

import pytest

from app.errors import FIELDS
from tests.api.conftest import LECTURE, make_client, strict

PWNED = "/tmp/chainrule-pwned"


def _error(response, status: int | None = None) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])
    if status is not None:
        assert response.status_code == status, response.text[:200]
    body = strict(response)
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message"} | FIELDS
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in response.text
    return body["error"]


INJECTIONS = [
    f"f = __import__('os').system('touch {PWNED}')",
    f"import os\nf = os.system('touch {PWNED}')",
    f"f = eval(\"__import__('os').system('touch {PWNED}')\")",
    f'f = exec(\'open("{PWNED}", "w")\')',
    "f = (lambda: x)()",
    "f = x.__class__.__bases__",
    "f = [c for c in ().__class__.__base__.__subclasses__()]",
    "f = x[::2]",
    "f = open('/etc/passwd')",
    "def f(): pass",
    "f = x if x else y",
    "f = 'text'",
    "f = {1: 2}",
    "f = (x := 3)",
]


@pytest.mark.parametrize("source", INJECTIONS)
def test_code_injection_is_rejected_and_nothing_runs(client, app, source):
    if os.path.exists(PWNED):
        os.remove(PWNED)
    error = _error(client.post("/api/v1/evaluate", json={"source": source, "inputs": {"x": 1, "y": 2}}), 400)
    assert "line" in error and "column" in error
    assert not os.path.exists(PWNED)
    assert app.state.unexpected_errors == 0


def _raw(client, body: bytes):
    return client.post("/api/v1/evaluate", content=body, headers={"content-type": "application/json"})


HOSTILE = {
    "nested_parentheses": lambda c: c.post(
        "/api/v1/evaluate", json={"source": "f = " + "(" * 5000 + "x" + ")" * 5000, "inputs": {"x": 1}}
    ),
    "nested_unary_minus": lambda c: c.post("/api/v1/evaluate", json={"source": "f = " + "-" * 5000 + "x"}),
    "long_chain": lambda c: c.post("/api/v1/evaluate", json={"source": "f = x" + " + x" * 4000}),
    "deep_power_tower": lambda c: c.post("/api/v1/evaluate", json={"source": "f = " + "x ** " * 3000 + "x"}),
    "one_megabyte_source": lambda c: c.post(
        "/api/v1/evaluate", json={"source": "f = x + 1 #" + "a" * 1_000_000}
    ),
    "source_over_limit": lambda c: c.post("/api/v1/evaluate", json={"source": "f = x" + " " * 30_000}),
    "three_million_elements": lambda c: _raw(
        c, b'{"source": "f = sum(x)", "inputs": {"x": [' + b"1," * 2_999_999 + b"1]}}"
    ),
    "malformed_json": lambda c: _raw(c, b'{"source": "f = x + 1", "inputs": {'),
    "not_json_at_all": lambda c: _raw(c, b"\x00\xff garbage"),
    "deeply_nested_json": lambda c: _raw(c, b"[" * 100_000 + b"]" * 100_000),
    "nan_literal": lambda c: _raw(c, b'{"source": "f = x + 1", "inputs": {"x": NaN}}'),
    "infinity_literal": lambda c: _raw(c, b'{"source": "f = x + 1", "inputs": {"x": -Infinity}}'),
    "huge_number": lambda c: _raw(c, b'{"source": "f = x + 1", "inputs": {"x": 1e999}}'),
    "huge_integer": lambda c: _raw(c, b'{"source": "f = x + 1", "inputs": {"x": 1' + b"0" * 400 + b"}}"),
    "huge_integer_in_list": lambda c: _raw(
        c, b'{"source": "f = x + 1", "inputs": {"x": [1' + b"0" * 400 + b"]}}"
    ),
    "too_many_digits": lambda c: _raw(c, b'{"source": "f = x + 1", "inputs": {"x": 1' + b"0" * 5000 + b"}}"),
    "huge_seed": lambda c: _raw(
        c, b'{"source": "f = x + 1", "inputs": {"x": 1}, "seed_gradient": 1' + b"0" * 400 + b"}"
    ),
    "nan_string": lambda c: c.post("/api/v1/evaluate", json={"source": "f = x + 1", "inputs": {"x": "NaN"}}),
    "nan_string_in_list": lambda c: c.post(
        "/api/v1/evaluate", json={"source": "f = x + 1", "inputs": {"x": [1, "NaN"]}}
    ),
    "ragged": lambda c: c.post(
        "/api/v1/evaluate", json={"source": "f = x + 1", "inputs": {"x": [[1, 2], [3]]}}
    ),
    "ragged_depth": lambda c: c.post(
        "/api/v1/evaluate", json={"source": "f = x + 1", "inputs": {"x": [[1], 2]}}
    ),
    "boolean_input": lambda c: c.post(
        "/api/v1/evaluate", json={"source": "f = x + 1", "inputs": {"x": True}}
    ),
    "object_input": lambda c: c.post(
        "/api/v1/evaluate", json={"source": "f = x + 1", "inputs": {"x": {"a": 1}}}
    ),
    "deeply_nested_input": lambda c: c.post(
        "/api/v1/evaluate",
        json={
            "source": "f = sum(x)",
            "inputs": {"x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},
        },
    ),
    "outer_product_blowup": lambda c: c.post(
        "/api/v1/evaluate",
        json={"source": "f = sum(x @ y)", "inputs": {"x": [[1.0]] * 5000, "y": [[1.0] * 5000]}},
    ),
    "broadcast_blowup": lambda c: c.post(
        "/api/v1/evaluate",
        json={"source": "f = sum(x + y)", "inputs": {"x": [[1.0]] * 5000, "y": [[1.0] * 5000]}},
    ),
    "repeated_broadcast": lambda c: c.post(
        "/api/v1/evaluate",
        json={
            "source": "\n".join(f"a{i} = x * y + {i}" for i in range(12)) + "\nf = sum(a0)",
            "inputs": {"x": [[1.0]] * 100, "y": [[1.0] * 100]},
        },
    ),
    "huge_exponent": lambda c: c.post(
        "/api/v1/evaluate", json={"source": "f = x ** 10 ** 10", "inputs": {"x": 2}}
    ),
    "big_constant": lambda c: c.post("/api/v1/evaluate", json={"source": "f = sum([" + "1," * 20000 + "1])"}),
    "too_many_nodes": lambda c: c.post(
        "/api/v1/evaluate", json={"source": "\n".join(f"a{i}=x*x" for i in range(2001)), "inputs": {"x": 1}}
    ),
    "gradcheck_too_many_elements": lambda c: c.post(
        "/api/v1/gradcheck", json={"source": "f = sum(x)", "inputs": {"x": [1.0] * 9000}}
    ),
    "missing_input": lambda c: c.post("/api/v1/evaluate", json={"source": "f = x + y", "inputs": {"x": 1}}),
    "extra_input": lambda c: c.post(
        "/api/v1/evaluate", json={**LECTURE, "inputs": {**LECTURE["inputs"], "w": 1}}
    ),
    "wrong_shapes": lambda c: c.post(
        "/api/v1/evaluate", json={"source": "f = W @ x", "inputs": {"W": [[1, 2], [3, 4]], "x": [1, 2, 3]}}
    ),
    "unknown_function": lambda c: c.post(
        "/api/v1/evaluate", json={"source": "f = foo(x)", "inputs": {"x": 1}}
    ),
    "empty_source": lambda c: c.post("/api/v1/evaluate", json={"source": "   "}),
    "source_not_text": lambda c: c.post("/api/v1/evaluate", json={"source": 42}),
    "body_is_a_list": lambda c: c.post("/api/v1/evaluate", json=[1, 2, 3]),
    "unknown_field": lambda c: c.post("/api/v1/evaluate", json={**LECTURE, "exec": "rm -rf /"}),
    "content_length_lies": lambda c: c.post(
        "/api/v1/evaluate",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": "99999999"},
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_a_clean_4xx_within_a_second(client, app, name):
    started = time.perf_counter()
    response = HOSTILE[name](client)
    elapsed = time.perf_counter() - started
    _error(response)
    assert elapsed < 5.0  # generous bound on a shared machine: these must never hang a worker
    assert app.state.unexpected_errors == 0


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("one_megabyte_source", 413, "body_too_large"),
        ("three_million_elements", 413, "body_too_large"),
        ("malformed_json", 400, "invalid_json"),
        ("nan_literal", 422, "invalid_input"),
        ("infinity_literal", 422, "invalid_input"),
        ("nan_string", 422, "invalid_input"),
        ("ragged", 422, "invalid_input"),
        ("outer_product_blowup", 400, "too_many_elements"),
        ("broadcast_blowup", 400, "too_many_elements"),
        ("repeated_broadcast", 400, "too_many_elements"),
        ("nested_parentheses", 400, "too_deep"),
        ("huge_exponent", 400, "exponent_too_large"),
        ("missing_input", 400, "missing_input"),
        ("extra_input", 400, "unknown_input"),
        ("wrong_shapes", 400, "shape_mismatch"),
        ("unknown_function", 400, "unknown_function"),
        ("too_many_nodes", 400, "too_many_nodes"),
        ("gradcheck_too_many_elements", 413, "too_many_elements"),
        ("unknown_field", 422, "invalid_body"),
    ],
)
def test_hostile_input_codes(client, name, status, code):
    assert _error(HOSTILE[name](client), status)["code"] == code


def test_syntax_error_names_line_and_column(client):
    error = _error(client.post("/api/v1/evaluate", json={"source": "a = x + y\nf = a *", "inputs": {}}), 400)
    assert error["code"] == "syntax_error" and error["line"] == 2


def test_not_found_and_method_not_allowed(client):
    assert _error(client.get("/api/v1/nope"), 404)["code"] == "not_found"
    assert _error(client.get("/api/v1/evaluate"), 405)["code"] == "method_not_allowed"
    assert _error(client.delete("/api/v1/ops"), 405)["code"] == "method_not_allowed"


def test_streamed_body_over_the_limit_is_413_without_content_length():
    client = make_client(max_body_bytes=1000)

    def chunks():
        yield b'{"source": "f = x + 1", "inputs": {"x": ['
        for _ in range(200):
            yield b"1.0,1.0,1.0,"
        yield b"1]}}"

    response = client.post("/api/v1/evaluate", content=chunks(), headers={"content-type": "application/json"})
    assert _error(response, 413)["code"] == "body_too_large"


def test_limits_come_from_the_settings():
    small = make_client(max_nodes=5, max_elements_per_value=4, max_source_chars=40)
    assert _error(small.post("/api/v1/evaluate", json={"source": "f = x + y + z + w + v", "inputs": {}}))[
        "code"
    ] == ("too_many_nodes")
    response = small.post("/api/v1/evaluate", json={"source": "f = sum(x)", "inputs": {"x": [1, 2, 3, 4, 5]}})
    assert _error(response, 413)["code"] == "too_many_elements"
    response = small.post("/api/v1/evaluate", json={"source": "f = x + 1" + " " * 40, "inputs": {"x": 1}})
    assert _error(response, 400)["code"] == "source_too_long"
    assert (
        small.post("/api/v1/evaluate", json={"source": "f = sum(x)", "inputs": {"x": [1, 2]}}).status_code
        == 200
    )


def test_settings_read_the_environment():
    from app.settings import Settings

    settings = Settings.from_env({"CHAINRULE_MAX_NODES": "7", "CHAINRULE_REQUEST_TIMEOUT_SECONDS": "0.5"})
    assert settings.max_nodes == 7 and settings.request_timeout_seconds == 0.5
    assert settings.parser_limits().max_nodes == 7
    with pytest.raises(ValueError, match="CHAINRULE_MAX_NODES"):
        Settings.from_env({"CHAINRULE_MAX_NODES": "many"})


def test_our_own_bug_is_a_500_internal_error_with_the_request_id_logged(caplog):
    """A bug is ours, not the client's: 500 (not a 4xx), no internals, and the id in the response
    is the one the log carries with the traceback."""
    from fastapi import APIRouter

    from app.main import create_app
    from app.settings import Settings
    from tests.api.conftest import TestClient

    app = create_app(Settings())
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    app.include_router(router)
    with caplog.at_level("ERROR", logger="chainrule"):
        response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    error = strict(response)["error"]
    assert set(error) == {"code", "message", "request_id"} and error["code"] == "internal_error"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert error["request_id"] == response.headers["x-request-id"] and error["request_id"] in error["message"]
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert app.state.unexpected_errors == 1
    [record] = [r for r in caplog.records if r.name == "chainrule"]
    assert error["request_id"] in record.getMessage() and "secret internals" in caplog.text
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


@pytest.mark.parametrize(
    ("inputs", "status", "code", "named"),
    [
        ({"x": 1}, 400, "missing_input", "y"),
        ({"x": 1, "y": 2, "w": 3}, 400, "unknown_input", "w"),
        ({"x": "one", "y": 2}, 422, "invalid_input", "x"),
        ({"x": 1, "y": [[1], [2, 3]]}, 422, "invalid_input", "y"),
        ({"x": [0.0] * 100_001, "y": 2}, 413, "too_many_elements", "x"),
    ],
)
def test_an_error_about_one_input_names_it(client, inputs, status, code, named):
    """A client supplies, drops or fixes the input the error names, without reading the message."""
    error = _error(client.post("/api/v1/evaluate", json={"source": "f = x * y", "inputs": inputs}), status)
    assert error["code"] == code and error["input"] == named


def test_an_error_about_no_one_input_names_none(client):
    error = _error(client.post("/api/v1/evaluate", json={"source": "f = x *", "inputs": {}}), 400)
    assert error["code"] == "syntax_error" and "input" not in error
