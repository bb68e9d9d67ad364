"""POST /api/v1/evaluate: the lecture document number by number, snapshots, tensors, non-finite."""

from __future__ import annotations

import json

import pytest

from app.examples import EXAMPLES
from tests.api.conftest import LECTURE, strict


@pytest.fixture(scope="module")
def lecture(client):
    response = client.post("/api/v1/evaluate", json=LECTURE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return strict(response)


def test_lecture_nodes_number_by_number(lecture):
    nodes = {n["id"]: n for n in lecture["nodes"]}
    assert lecture["output"] == "f"
    assert lecture["order"] == ["x", "y", "z", "a", "b", "f"]
    expected = {"x": (1, 2), "y": (2, 5), "z": (0, 0), "a": (3, 2), "b": (2, 3), "f": (6, 1)}
    for node_id, (value, grad) in expected.items():
        assert nodes[node_id]["value"] == value
        assert nodes[node_id]["grad"] == grad
        assert nodes[node_id]["shape"] == []
    assert nodes["x"] == {
        "id": "x",
        "kind": "input",
        "op": None,
        "symbol": "",
        "label": "x",
        "aliases": [],
        "inputs": [],
        "shape": [],
        "value": 1.0,
        "grad": 2.0,
        "formula": "",
        "line": 1,
        "column": 5,
    }
    assert (nodes["a"]["op"], nodes["a"]["symbol"], nodes["a"]["inputs"]) == ("add", "+", ["x", "y"])
    assert (nodes["b"]["op"], nodes["b"]["symbol"], nodes["b"]["inputs"]) == ("max", "max", ["y", "z"])
    assert (nodes["f"]["op"], nodes["f"]["symbol"], nodes["f"]["inputs"]) == ("mul", "×", ["a", "b"])
    assert nodes["a"]["formula"] == "a = x + y"
    assert nodes["b"]["formula"] == "b = max(y, z)"
    assert (nodes["b"]["line"], nodes["f"]["line"]) == (2, 3)


def test_lecture_edges_upstream_times_local_is_downstream(lecture):
    edges = {(e["source"], e["target"]): e for e in lecture["edges"]}
    expected = {  # value, local, upstream, downstream
        ("x", "a"): (1, 1, 2, 2),
        ("y", "a"): (2, 1, 2, 2),
        ("y", "b"): (2, 1, 3, 3),
        ("z", "b"): (0, 0, 3, 0),
        ("a", "f"): (3, 2, 1, 2),
        ("b", "f"): (2, 3, 1, 3),
    }
    assert set(edges) == set(expected)
    for key, (value, local, upstream, downstream) in expected.items():
        edge = edges[key]
        assert (edge["value"], edge["local"], edge["upstream"], edge["downstream"]) == (
            value,
            local,
            upstream,
            downstream,
        )
        assert edge["local_kind"] == "scalar"
        assert edge["upstream"] * edge["local"] == edge["downstream"]
    assert [e["id"] for e in lecture["edges"]] == [f"e{i}" for i in range(6)]
    assert edges[("a", "f")]["formula"] == "∂f/∂a = b"
    assert edges[("y", "b")]["slot"] == 0 and edges[("z", "b")]["slot"] == 1


def test_lecture_steps(lecture):
    steps = lecture["steps"]
    assert [s["index"] for s in steps] == list(range(len(steps)))
    assert len(steps) == 13  # 6 forward, 6 backward, 1 accumulate (y feeds a and b)
    assert [(s["phase"], s["node"]) for s in steps[:6]] == [("forward", n) for n in "xyzabf"]
    assert steps[3] == {"index": 3, "phase": "forward", "node": "a", "edges": ["e0", "e1"], "value": 3.0}
    assert steps[6] == {"index": 6, "phase": "backward", "node": "f", "edges": [], "grad": 1.0}
    assert steps[7] == {"index": 7, "phase": "backward", "node": "b", "edges": ["e5"], "grad": 3.0}
    assert steps[10] == {"index": 10, "phase": "backward", "node": "y", "edges": ["e1", "e2"]}
    assert steps[11] == {
        "index": 11,
        "phase": "accumulate",
        "node": "y",
        "edges": ["e1", "e2"],
        "terms": [2.0, 3.0],
        "grad": 5.0,
    }


def test_lecture_layout_inputs_left_output_right_with_label_room(lecture):
    layout = lecture["layout"]
    boxes = layout["nodes"]
    assert set(boxes) == {"x", "y", "z", "a", "b", "f"}
    assert {boxes[n]["layer"] for n in "xyz"} == {0}
    assert boxes["f"]["layer"] == max(b["layer"] for b in boxes.values())
    assert boxes["x"]["x"] < boxes["a"]["x"] < boxes["f"]["x"]
    # Each node reserves room above its wire (the value) and below it (the gradient): app/label_boxes.py.
    assert all(
        b["above"] >= 20 and b["below"] >= 20 and b["width"] > 44 for b in boxes.values()
    )  # a 14 px line
    column = sorted((b["y"], b["above"], b["below"]) for b in boxes.values() if b["layer"] == 0)
    for (y0, _, below0), (y1, above1, _) in zip(column, column[1:], strict=False):
        assert y1 - above1 - (y0 + below0) >= 10  # the reserved boxes never touch
    for b in boxes.values():
        assert b["y"] - b["above"] >= 0 and b["y"] + b["below"] <= layout["height"]
        assert 0 < b["x"] < layout["width"]


@pytest.mark.parametrize("where", ["query", "body"])
def test_snapshot_after_step_k(client, where):
    k = 7  # after b's backward step: f and b have gradients, edge b→f its local/upstream/downstream
    if where == "query":
        response = client.post(f"/api/v1/evaluate?step={k}", json=LECTURE)
    else:
        response = client.post("/api/v1/evaluate", json={**LECTURE, "step": k})
    doc = strict(response)
    assert response.status_code == 200 and doc["step"] == k
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert {n: nodes[n]["value"] for n in nodes} == {"x": 1, "y": 2, "z": 0, "a": 3, "b": 2, "f": 6}
    assert {n: nodes[n]["grad"] for n in nodes} == {
        "x": None,
        "y": None,
        "z": None,
        "a": None,
        "b": 3,
        "f": 1,
    }
    edges = {e["id"]: e for e in doc["edges"]}
    assert (edges["e5"]["local"], edges["e5"]["upstream"], edges["e5"]["downstream"]) == (3, 1, 3)
    assert (edges["e4"]["local"], edges["e4"]["upstream"], edges["e4"]["downstream"]) == (None, None, None)
    assert edges["e4"]["value"] == 3
    assert len(doc["steps"]) == 13


def test_snapshot_during_forward_hides_later_values(client):
    doc = strict(client.post("/api/v1/evaluate?step=3", json=LECTURE))
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert [nodes[n]["value"] for n in "xyzabf"] == [1, 2, 0, 3, None, None]
    assert all(n["grad"] is None for n in nodes.values())
    edges = {e["id"]: e for e in doc["edges"]}
    assert edges["e4"]["value"] == 3 and edges["e5"]["value"] is None


def test_last_snapshot_is_the_full_document(client):
    full = strict(client.post("/api/v1/evaluate", json=LECTURE))
    last = strict(client.post("/api/v1/evaluate?step=12", json=LECTURE))
    assert last.pop("step") == 12
    assert last == full


@pytest.mark.parametrize("step", [13, 1000])
def test_step_out_of_range_is_4xx(client, step):
    response = client.post(f"/api/v1/evaluate?step={step}", json=LECTURE)
    assert response.status_code == 400
    assert strict(response)["error"]["code"] == "step_out_of_range"


def test_negative_step_is_rejected(client):
    assert client.post("/api/v1/evaluate?step=-1", json=LECTURE).status_code == 422


def test_tensor_score_gradient_is_delta_x_transposed(client):
    body = {
        "source": "z = W @ x + b\nh = sigmoid(z)\ns = dot(u, h)",
        "inputs": {"W": [[0.5, -0.2], [0.3, 0.8]], "x": [1.0, 2.0], "b": [0.1, -0.1], "u": [1.0, -2.0]},
    }
    doc = strict(client.post("/api/v1/evaluate", json=body))
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert nodes["W"]["shape"] == [2, 2] and nodes["s"]["shape"] == []
    h = nodes["h"]["value"]
    delta = [u * hi * (1 - hi) for u, hi in zip([1.0, -2.0], h, strict=True)]
    assert nodes["z"]["grad"] == pytest.approx(delta)
    assert nodes["b"]["grad"] == pytest.approx(delta)
    for row, d in zip(nodes["W"]["grad"], delta, strict=True):  # the outer product δ xᵀ, W's shape
        assert row == pytest.approx([d * 1.0, d * 2.0])
    kinds = {(e["source"], e["target"]): e["local_kind"] for e in doc["edges"]}
    assert kinds[("z", "h")] == "elementwise" and kinds[("u", "s")] == "jacobian"
    box = doc["layout"]["nodes"]["W"]
    assert box["width"] > 44 and box["height"] > 44  # a small matrix, not a gate circle


def test_seed_gradient_and_output(client):
    body = {**LECTURE, "seed_gradient": 2.0}
    nodes = {n["id"]: n for n in strict(client.post("/api/v1/evaluate", json=body))["nodes"]}
    assert nodes["y"]["grad"] == 10 and nodes["x"]["grad"] == 4
    doc = strict(client.post("/api/v1/evaluate", json={**LECTURE, "output": "a"}))
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert doc["output"] == "a" and nodes["x"]["grad"] == 1 and nodes["z"]["grad"] == 0


def test_non_finite_values_are_strings(client):
    body = {"source": "a = log(x)\nb = y / x\nf = a * b", "inputs": {"x": 0, "y": 0}}
    response = client.post("/api/v1/evaluate", json=body)
    assert response.status_code == 200
    assert "NaN" not in response.text.replace('"NaN"', "")
    nodes = {n["id"]: n for n in strict(response)["nodes"]}
    assert nodes["a"]["value"] == "-Infinity"
    assert nodes["b"]["value"] == "NaN"
    doc = strict(client.post("/api/v1/evaluate", json={"source": "f = exp(x)", "inputs": {"x": [1, 1000]}}))
    assert doc["nodes"][1]["value"] == [2.718281828459045, "Infinity"]


def test_repeated_requests_give_the_same_bytes_and_limits_still_apply(client):
    from tests.api.conftest import make_client

    first = client.post("/api/v1/evaluate", json=LECTURE)
    second = client.post("/api/v1/evaluate", json=LECTURE)
    assert first.content == second.content
    assert strict(client.post("/api/v1/evaluate?step=3", json=LECTURE))["step"] == 3  # the step is in the key
    body = {"source": "f = sum(x)", "inputs": {"x": [1, 2, 3, 4, 5]}}
    assert client.post("/api/v1/evaluate", json=body).status_code == 200
    assert make_client(max_elements_per_value=4).post("/api/v1/evaluate", json=body).status_code == 413


FAST_PATH_CASES = [(example["id"], example["source"], example["inputs"], None) for example in EXAMPLES] + [
    ("non-finite", "a = log(x)\nb = y / x\nf = a * b", {"x": 0, "y": 0}, None),
    ("tensor non-finite", "f = exp(x)", {"x": [1, 1000]}, None),
    ("seeded tensor", "h = tanh(x)\nf = h * h", {"x": [[0.5, -1.0], [2.0, 0.0]]}, [[1, 2], [3, 4]]),
    ("negative zero, fan-out", "a = x * y\nb = x * 2\nf = a + b", {"x": -0.0, "y": 3}, None),
    (
        "scalar ties, fan-out, seed",
        "a = max(x, y)\nb = a * x\nc = relu(-0.0 * x)\nd = min(b, a) / y\nf = b + a + c + d",
        {"x": 2, "y": 2},
        -1.5,
    ),
    ("scalar division by zero", "q = x / y\nf = q * x + log(y)", {"x": 1, "y": 0}, None),
]


@pytest.mark.parametrize(
    ("name", "source", "inputs", "seed"), FAST_PATH_CASES, ids=[c[0] for c in FAST_PATH_CASES]
)
def test_document_text_is_the_dumped_document_byte_for_byte(name, source, inputs, seed):
    """The served bytes (static text per graph + the values' text) equal dumping the document."""
    from app.serialize import dumps
    from app.service import document_bytes, document_for, prepare
    from app.settings import Settings

    prepared = prepare(source, inputs, Settings(), seed_gradient=seed)
    expected = dumps(document_for(prepared)).encode("utf-8")
    assert document_bytes(prepared) == expected
    assert document_bytes(prepared) == expected  # the second time from the graph's cached template


def test_body_errors_match_a_declared_body_parameter(client):
    """The body is a declared model: FastAPI reads it (any application/*+json type), and its
    errors come out in the error shape, naming the field."""
    assert client.post("/api/v1/evaluate").json()["error"]["code"] == "invalid_body"
    wrong_type = client.post(
        "/api/v1/evaluate", content=b'{"source": "f = x"}', headers={"content-type": "text/plain"}
    )
    assert wrong_type.status_code == 422 and wrong_type.json()["error"]["code"] == "invalid_body"
    broken = client.post(
        "/api/v1/evaluate", content=b'{"source": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_json"
    typed = client.post("/api/v1/evaluate", json={"source": 3, "inputs": {}})
    assert typed.status_code == 422 and typed.json()["error"]["message"].startswith("source:")
    plus_json = client.post(
        "/api/v1/evaluate", content=json.dumps(LECTURE), headers={"content-type": "application/vnd.api+json"}
    )
    assert plus_json.status_code == 200 and strict(plus_json)["nodes"][-1]["value"] == 6


def test_any_label_and_formula_make_strict_json():
    """A gate's name, symbol and a node's label may hold quotes, braces, backslashes, NUL or any
    Unicode: the document is still strict JSON that reads back the same."""
    from app.serialize import document, dumps
    from app.service import graph_layout
    from engine import Gate, Var, build_graph, evaluate

    class Odd(Gate):
        name = 'odd"{0}\\\0gate'
        symbol = "∂\0{}"

        def forward(self, x):
            return x * 3.0

        def backward(self, upstream):
            return [upstream * 3.0]

    x = Var('x "{}"\0ünï', 2.0)
    graph = build_graph(Odd()(x) * x)
    trace = evaluate(graph)
    text = dumps(document(trace, graph_layout(trace)))
    assert "\\u0000" in text
    doc = json.loads(text)
    assert doc["nodes"][0]["id"] == 'x "{}"\0ünï' and doc["nodes"][1]["symbol"] == "∂\0{}"
    assert [n["grad"] for n in doc["nodes"]] == [12.0, 2.0, 1.0]
