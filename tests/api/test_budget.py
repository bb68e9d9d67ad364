"""A request's whole cost is bounded before it is paid (issue 13's probes, as regression tests)."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from app.errors import ApiError
from app.service import Budget, ByteBudgetCache, build, caches, document_bytes, prepare
from app.settings import Settings
from tests.api.conftest import strict

# A legal 80 KB body: an input of 10,000 numbers used by 1,600 dot statements. Each would copy
# the whole input onto its edge in the document: some 400 MB of JSON.
WIDE = {
    "source": ";".join(f"d{i}=dot(v,v)" for i in range(1_400)) + ";f=d0",  # 19,600 characters
    "inputs": {"v": [0.5] * 10_000},
}


def test_issue_13s_wide_probe_is_refused_quickly_and_cheaply(client):
    tracemalloc.start()
    start = time.monotonic()
    for url in ("/api/v1/evaluate", "/api/v1/evaluate?step=3"):
        response = client.post(url, json=WIDE)
        assert response.status_code in (400, 413), response.text
        assert strict(response)["error"]["code"] in ("too_many_elements", "document_too_large")
    elapsed = time.monotonic() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 10 and peak < 200 * 2**20  # was 7 s (21 s with a step) and 1.5 GiB (4.6 GiB)


def test_a_document_over_the_limit_is_refused_before_the_backward_pass():
    from fastapi.testclient import TestClient

    from app.main import create_app

    client = TestClient(create_app(Settings(max_document_bytes=1_000_000)))
    body = {"source": "a = x * 2\nb = a + x\nc = b * b\nf = sum(c)", "inputs": {"x": [0.5] * 5_000}}
    response = client.post("/api/v1/evaluate", json=body)
    assert response.status_code == 413, response.text
    error = strict(response)["error"]
    assert error["code"] == "document_too_large" and "CHAINRULE_MAX_DOCUMENT_BYTES" in error["message"]
    small = client.post("/api/v1/evaluate", json={**body, "inputs": {"x": [0.5] * 500}})
    assert small.status_code == 200 and len(small.content) < 1_000_000


def test_the_estimate_bounds_the_real_document():
    """Whatever is accepted produces a document no larger than the estimate said."""
    settings = Settings()
    for source, inputs in [
        (
            "z = W @ x + b\nh = tanh(z)\nf = sum(h * h)",
            {"W": np.ones((30, 40)).tolist(), "x": [0.1] * 40, "b": [0.0] * 30},
        ),
        ("a = x * x\nb = a + x\nf = sum(b)", {"x": [0.5] * 500}),
        ("a = x + y\nb = max(y, z)\nf = a * b", {"x": 1, "y": 2, "z": 0}),
    ]:
        prepared = prepare(source, inputs, settings)
        budget = Budget(prepared.graph, settings)
        from engine import evaluate

        evaluate(prepared.graph, prepared.inputs, check=budget)
        assert len(document_bytes(prepared)) <= budget.document, source


def test_the_deadline_stops_evaluation_and_serialisation():
    settings = Settings(request_timeout_seconds=0.0)
    prepared = prepare(
        "z = W @ x\nf = sum(tanh(z))", {"W": np.ones((50, 50)).tolist(), "x": [1.0] * 50}, settings
    )
    with pytest.raises(ApiError) as caught:
        document_bytes(prepared)
    assert caught.value.code == "timeout"


def test_a_disconnected_client_stops_the_work():
    prepared = prepare(
        "z = W @ x\nf = sum(tanh(z))", {"W": np.ones((20, 20)).tolist(), "x": [1.0] * 20}, Settings()
    )
    with pytest.raises(ApiError) as caught:
        document_bytes(prepared, cancelled=lambda: True)
    assert caught.value.code == "client_disconnected"


def test_caches_are_bounded_in_bytes():
    cache = ByteBudgetCache(10_000)
    for k in range(100):
        cache.put(k, "x", 1_000)
    assert cache.size <= 10_000 and cache.get(99) == "x" and cache.get(0) is None
    cache.put("big", "y", 5_000)  # more than an eighth of the budget: never kept
    assert cache.get("big") is None


def test_many_distinct_graphs_keep_the_parse_cache_within_its_budget():
    settings = Settings(cache_bytes=4_000_000)
    graphs, _ = caches(settings)
    for k in range(300):
        build(
            "\n".join(f"a{i} = tanh(a{i - 1}) * {k}" if i else "a0 = x * 2" for i in range(40)),
            None,
            settings,
        )
    assert graphs.size <= settings.cache_bytes * 3 // 8


def test_the_document_written_record_by_record_is_dumps_byte_for_byte():
    from app.serialize import document, dumps, dumps_document
    from app.service import graph_layout
    from engine import evaluate, parse

    for source, inputs in [
        ("a = x + y\nb = max(y, z)\nf = a * b", {"x": 1, "y": 2, "z": 0}),
        ("z = W @ x\nf = sum(log(z))", {"W": [[1.0, -2.0], [0.5, 0.5]], "x": [1.0, 1.0]}),  # NaN, -inf
    ]:
        trace = evaluate(parse(source), inputs)
        doc = document(trace, graph_layout(trace))
        assert dumps_document(doc) == dumps(doc).encode()


def test_a_large_document_streamed_record_by_record_is_the_document_byte_for_byte():
    """Over SPLIT_ABOVE_BYTES, document_bytes builds each record just before writing it
    (serialize.stream_document): the same bytes as the whole document written at once."""
    from app.serialize import document, stream_document, to_bytes
    from app.service import SPLIT_ABOVE_BYTES, document_bytes, document_for, graph_layout, prepare
    from app.settings import Settings
    from engine import evaluate, parse

    x = [0.001 * k - 1.0 for k in range(3000)]
    source = "\n".join(["s0 = dot(x, x)"] + [f"s{k} = s{k - 1} + dot(x, log(x))" for k in range(1, 8)])
    prepared = prepare(source, {"x": x}, Settings())
    content = document_bytes(prepared)
    assert len(content) > SPLIT_ABOVE_BYTES
    assert content == to_bytes(document_for(prepared))  # NaN from log of negatives included
    assert b'"NaN"' in content
    trace = evaluate(parse("z = W @ x\nf = sum(log(z))"), {"W": [[1.0, -2.0], [0.5, 0.5]], "x": [1.0, 1.0]})
    assert stream_document(trace, graph_layout(trace)) == to_bytes(document(trace, graph_layout(trace)))
    assert stream_document(trace) == to_bytes(document(trace))
