"""Issue 13's probes of the graph routes and the HTTP layer, kept as regression tests: everything
the schema admits is handled or refused, quickly, in the error shape; nothing is a 500.

(The /train probes — negative seeds, deep `state`, huge `step`/`epoch` — are in test_training.py.)
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from app.settings import Settings, get_settings
from tests.api.conftest import LECTURE, TestClient, make_client, strict

EVALUATE = "/api/v1/evaluate"


def _refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text[:300]
    body = strict(response)
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert "Traceback" not in response.text and "internal_error" not in response.text
    return body["error"]


def _nested(depth: int, leaf: str = "1") -> bytes:
    return ("[" * depth + leaf + "]" * depth).encode()


def _raw(client, body: bytes, path: str = EVALUATE):
    return client.post(path, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("where", ["query", "body"])
@pytest.mark.parametrize("step", [-1, 2**31, 2**1100, -(2**1100)])
def test_a_step_outside_the_schema_is_a_422_naming_it(client, app, where, step):
    if where == "query":
        error = _refused(client.post(f"{EVALUATE}?step={step}", json=LECTURE), 422, "invalid_parameter")
        assert error["message"].startswith("query parameter 'step': ")
    else:
        error = _refused(client.post(EVALUATE, json={**LECTURE, "step": step}), 422, "invalid_body")
        assert error["message"].startswith("step: ")
    assert app.state.unexpected_errors == 0


@pytest.mark.parametrize("step", ["abc", "1.5", "%ff", "", "1e3"])
def test_a_step_that_is_not_an_integer_is_a_422(client, step):
    _refused(client.post(f"{EVALUATE}?step={step}", json=LECTURE), 422, "invalid_parameter")


def test_a_step_in_the_schema_but_past_the_last_step_is_a_400(client):
    error = _refused(client.post(f"{EVALUATE}?step={2**31 - 1}", json=LECTURE), 400, "step_out_of_range")
    assert "0…" in error["message"]


@pytest.mark.parametrize("depth", [33, 500, 900])
@pytest.mark.parametrize("field", ["inputs", "seed_gradient"])
def test_inputs_nested_deep_are_refused_without_recursion(client, app, depth, field):
    """JSON the parser accepts, nested far deeper than any tensor: read level by level, refused."""
    value = _nested(depth)
    if field == "inputs":
        body = b'{"source": "f = sum(x)", "inputs": {"x": ' + value + b"}}"
    else:
        body = b'{"source": "f = x * 2", "inputs": {"x": 1}, "seed_gradient": ' + value + b"}"
    started = time.perf_counter()
    error = _refused(_raw(client, body), 422, "invalid_input")
    assert "nested deeper" in error["message"] and time.perf_counter() - started < 2.0
    assert app.state.unexpected_errors == 0


@pytest.mark.parametrize("path", [EVALUATE, "/api/v1/gradcheck"])
def test_json_nested_past_the_parser_is_a_400_not_a_recursion_error(client, app, path):
    _refused(_raw(client, _nested(200_000), path), 400, "invalid_json")
    _refused(
        _raw(client, b'{"source": "f = x", "inputs": {"x": ' + _nested(200_000) + b"}}", path),
        400,
        "invalid_json",
    )
    assert app.state.unexpected_errors == 0


def test_every_text_field_is_bounded_by_the_schema():
    roomy = make_client(max_body_bytes=4_000_000)  # past the body limit, the schema still holds
    error = _refused(roomy.post(EVALUATE, json={"source": "f = x" + " " * 1_000_000}), 422, "invalid_body")
    assert error["message"].startswith("source: String should have at most 1000000 characters")
    error = _refused(roomy.post(EVALUATE, json={**LECTURE, "output": "f" * 1_001}), 422, "invalid_body")
    assert error["message"].startswith("output: ")
    many = {f"x{i}": 1 for i in range(10_001)}
    error = _refused(roomy.post(EVALUATE, json={"source": "f = x0", "inputs": many}), 422, "invalid_input")
    assert error["message"].startswith("inputs: ")


def test_text_that_is_not_unicode_is_refused_cleanly(client, app):
    """JSON may escape a lone surrogate; no UTF-8 text holds one."""
    response = _raw(client, b'{"source": "f = x\\ud800", "inputs": {"x": 1}}')
    assert 400 <= response.status_code < 500 and strict(response)["error"]["message"]
    response = _raw(client, b'{"source": "f = x", "inputs": {"x": 1}, "output": "\\udfff"}')
    assert 400 <= response.status_code < 500
    _refused(_raw(client, b'{"source": "f = \xff\xfe"}'), 400, "invalid_json")
    assert app.state.unexpected_errors == 0


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("seed=-1", 422, "invalid_parameter"),
        (f"seed={2**32}", 422, "invalid_parameter"),
        ("seed=x", 422, "invalid_parameter"),
    ],
)
def test_an_example_seed_outside_the_schema_is_refused(client, query, status, code):
    error = _refused(client.get(f"/api/v1/examples/lecture?{query}"), status, code)
    assert error["message"].startswith("query parameter 'seed': ")


def test_an_example_id_is_bounded_and_unknown_ids_are_404(client):
    _refused(client.get("/api/v1/examples/" + "a" * 101), 422, "invalid_parameter")
    error = _refused(client.get("/api/v1/examples/%3Cscript%3E"), 404, "unknown_example")
    assert "lecture" in error["message"]


def test_content_length_that_is_not_a_number_is_a_400(client):
    response = client.post(
        EVALUATE, content=b"{}", headers={"content-type": "application/json", "content-length": "12abc"}
    )
    _refused(response, 400, "bad_request")


@pytest.mark.parametrize(
    "path", ["/static/../app/settings.py", "/static/%2e%2e/app/settings.py", "/static/..%2fapp%2fsettings.py"]
)
def test_static_paths_do_not_traverse(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "max_source_chars" not in response.text


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "PATCH", "PROPFIND"])
def test_other_methods_are_405_in_the_error_shape(client, method):
    _refused(client.request(method, EVALUATE), 405, "method_not_allowed")


def test_settings_come_from_the_dependency_and_can_be_overridden():
    """Routes read `Depends(get_settings)`: a test may swap it like any FastAPI dependency."""
    from app.main import create_app

    application = create_app(Settings())
    client = TestClient(application)
    body = {"source": "f = sum(x)", "inputs": {"x": [1, 2, 3]}}
    assert client.post(EVALUATE, json=body).status_code == 200
    application.dependency_overrides[get_settings] = lambda: Settings(max_elements_per_value=2)
    assert _refused(client.post(EVALUATE, json=body), 413, "too_many_elements")["input"] == "x"
    assert _refused(client.post("/api/v1/gradcheck", json=body), 413, "too_many_elements")


HEAVY = [
    {"source": "f = " + "(" * 60 + "x" + ")" * 60 + " * 2", "inputs": {"x": 1}},
    {
        "source": "a0 = x * 2\n" + "\n".join(f"a{i} = sigmoid(x * {i} + a{i - 1})" for i in range(1, 300)),
        "inputs": {"x": 0.5},
    },
    {"source": "f = " + " + ".join(f"x ** {i % 7}" for i in range(500)), "inputs": {"x": 1.5}},
    {"source": "f = " + "-" * 3000 + "x", "inputs": {"x": 1}},
    {"source": "f = sum(W @ x)", "inputs": {"W": [[0.5] * 60] * 60, "x": [1.0] * 60}},
]


def test_concurrent_heavy_requests_get_answers_not_internal_errors():
    """Issue 13 saw `ast.parse` raise SystemError under four concurrent heavy requests (CPython's
    AST recursion counter is not thread-safe): 8 threads here, deep parses among them."""
    application_client = make_client()
    results: list[int] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        for round_ in range(4):
            body = HEAVY[(index + round_) % len(HEAVY)]
            response = application_client.post(EVALUATE, json=body)
            with lock:
                results.append(response.status_code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 32 and all(status < 500 for status in results), results
    assert application_client.app.state.unexpected_errors == 0
    assert 200 in results  # not all refused: the heavy-but-legal ones were answered


def test_a_body_that_is_valid_json_but_not_an_object_names_the_problem(client):
    for body in (b"[1, 2]", b'"f = x"', b"null", b"42"):
        error = _refused(_raw(client, body), 422, "invalid_body")
        assert "JSON object" in error["message"]
    error = _refused(
        client.post(EVALUATE, content=json.dumps(LECTURE), headers={"content-type": "text/plain"}),
        422,
        "invalid_body",
    )
    assert "application/json" in error["message"]


def test_the_test_client_runs_without_a_deprecation_warning():
    """Starlette's TestClient on plain httpx warns that it is deprecated; the test extra has httpx2."""
    import importlib
    import warnings

    import starlette.testclient

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        importlib.reload(starlette.testclient)
    assert [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)] == []


def test_the_document_cache_is_bounded_in_bytes_and_skips_big_documents():
    """Issue 13: caches capped by entries grew a worker to GiBs; this one holds CHAINRULE_CACHE_BYTES / 4."""
    from app.routers.graph import DOCUMENT_SHARE, DOCUMENTS

    budget_client = make_client(cache_bytes=DOCUMENT_SHARE * 40_000)
    sizes = []
    for i in range(60):  # distinct bodies, ~3–6 KB documents each
        response = budget_client.post(EVALUATE, json={**LECTURE, "inputs": {"x": i, "y": 2, "z": 0}})
        sizes.append(len(response.content))
        assert DOCUMENTS.size <= 40_000
    assert sum(sizes) > 2 * 40_000  # more was served than the cache may keep
    assert DOCUMENTS.size == sum(len(d) + len(k[0]) for k, d in DOCUMENTS.documents.items())
    big = {"source": "h = tanh(W @ x)\nf = sum(h)", "inputs": {"W": [[0.1] * 40] * 40, "x": [1.0] * 40}}
    response = budget_client.post(EVALUATE, json=big)
    assert len(response.content) > DOCUMENTS.max_entry_bytes
    assert response.content not in DOCUMENTS.documents.values()


def test_every_setting_is_documented_and_read_from_its_variable(tmp_path):
    documented = {name: meaning for name, _, meaning in Settings.documentation()}
    assert {"CHAINRULE_MAX_DOCUMENT_BYTES", "CHAINRULE_CACHE_BYTES", "CHAINRULE_FRAME_ANCESTORS"} <= set(
        documented
    )
    assert all(meaning for meaning in documented.values())
    settings = Settings.from_env(
        {
            "CHAINRULE_MAX_DOCUMENT_BYTES": "1000",
            "CHAINRULE_CACHE_BYTES": "2048",
            "CHAINRULE_FRAME_ANCESTORS": "'self' https://course.example.org",
            "CHAINRULE_LESSONS_DIR": str(tmp_path),
        }
    )
    assert (settings.max_document_bytes, settings.cache_bytes) == (1000, 2048)
    assert settings.lessons_dir == tmp_path and Settings().lessons_dir is None
    with pytest.raises(ValueError, match="CHAINRULE_LESSONS_DIR"):
        Settings.from_env({"CHAINRULE_LESSONS_DIR": str(tmp_path / "missing")})
    with pytest.raises(ValueError, match="CHAINRULE_CACHE_BYTES"):
        Settings.from_env({"CHAINRULE_CACHE_BYTES": "-1"})
