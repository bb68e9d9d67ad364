"""Review of the trace/serialisation rewrite through POST /api/v1/evaluate: defects (fixed;
these tests keep them fixed) and behaviour verified that no other test pins down."""

from __future__ import annotations

import pytest

from tests.api.conftest import strict

CLASS_INDEX = {"source": "i = sqrt(k)\nf = cross_entropy(z, i)", "inputs": {"z": [1.0, 2.0], "k": [0.0]}}


def test_an_input_feeding_only_a_class_index_has_gradient_zero(client):
    doc = strict(client.post("/api/v1/evaluate", json=CLASS_INDEX))
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert nodes["k"]["grad"] == [0.0]
    edge = next(e for e in doc["edges"] if e["source"] == "k")
    assert edge["downstream"] == [0.0]


CASES = [
    {
        "source": "a = x * y\nb = a + x\nc = leaky_relu(b, 0.2)\nd = c * c",
        "inputs": {"x": 1.5, "y": -2.0},
        "output": "b",
    },  # fmt: skip
    {"source": "a = x / y\nb = a * a\nc = log(b)", "inputs": {"x": 1, "y": 0}, "seed_gradient": -0.0},
    {
        "source": "h = tanh(W @ x + b)\nf = sum(h * h)\ng = f * 2",
        "inputs": {"W": [[0.5, -1.0], [2.0, 0.25]], "x": [1.0, -2.0], "b": 0.5},
        "output": "f",
    },  # fmt: skip
    {"source": "p = softmax(z)\nf = cross_entropy(z, 1) + mse(p, [0, 1])", "inputs": {"z": [1.0, 2.0]}},
]


@pytest.mark.parametrize("body", CASES, ids=["output-not-last", "div0-seed", "tensors", "jacobians"])
def test_the_last_steps_snapshot_is_the_full_document(client, body):
    """The full document (served from the per-graph template) and the snapshot after the last
    step (built as a dict) agree on every field; earlier snapshots only null fields out."""
    full = strict(client.post("/api/v1/evaluate", json=body))
    last = len(full["steps"]) - 1
    snapshot = strict(client.post(f"/api/v1/evaluate?step={last}", json=body))
    assert snapshot.pop("step") == last
    assert snapshot == full
    first = strict(client.post("/api/v1/evaluate?step=0", json=body))
    for node, whole in zip(first["nodes"], full["nodes"], strict=True):
        assert node["grad"] is None and (node["value"] is None or node["value"] == whole["value"])
    assert all(e["local"] is None and e["downstream"] is None for e in first["edges"])
    out_of_range = client.post(f"/api/v1/evaluate?step={last + 1}", json=body)
    assert out_of_range.status_code == 400 and out_of_range.json()["error"]["code"] == "step_out_of_range"


def test_an_unknown_input_named_with_a_lone_surrogate_is_reported_as_such():
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings())  # its own app: the shared one counts unexpected errors for other tests
    body = b'{"source": "f = x * 2", "inputs": {"x": 1, "\\ud800": 2}}'
    with TestClient(app, raise_server_exceptions=False) as quiet:
        response = quiet.post("/api/v1/evaluate", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_input"
