"""GET /api/v1/ops, /examples, /examples/{id}, POST /gradcheck, /healthz, pages and the OpenAPI schema."""

from __future__ import annotations

import pytest

from engine import OPS
from tests.api.conftest import LECTURE, strict


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and strict(response) == {"status": "ok"}


def test_ops_mirror_the_engine_declarations(client):
    ops = strict(client.get("/api/v1/ops"))
    assert [o["name"] for o in ops] == [op.name for op in OPS]
    by_name = {o["name"]: o for o in ops}
    assert by_name["mul"] == {
        "name": "mul",
        "symbol": "×",
        "arity": 2,
        "formulas": ["{b}", "{a}"],
        "description": by_name["mul"]["description"],
        "function": None,
        "operator": "*",
        "attrs": {},
        "elementwise": True,
    }
    assert by_name["max"]["function"] == "max" and by_name["max"]["arity"] == 2
    assert by_name["leaky_relu"]["attrs"] == {"slope": 0.01}
    assert by_name["matmul"]["elementwise"] is False and by_name["matmul"]["operator"] == "@"
    assert all(len(o["formulas"]) == o["arity"] and o["description"] for o in ops)


REQUIRED_EXAMPLES = [
    "lecture",
    "sigmoid_neuron",
    "fan_out",
    "window_score",
    "mlp_mse",
    "softmax_cross_entropy",
    "max_margin",
    "activations",
]


def test_examples_list_lecture_first_in_both_languages(client):
    examples = strict(client.get("/api/v1/examples"))
    assert [e["id"] for e in examples][: len(REQUIRED_EXAMPLES)] == REQUIRED_EXAMPLES
    lecture = examples[0]
    assert lecture["inputs"] == {"x": 1, "y": 2, "z": 0}
    for example in examples:
        assert set(example) == {"id", "title", "explanation", "source", "inputs"}
        for field in ("title", "explanation"):
            assert set(example[field]) == {"en", "pt-BR"}
            assert example[field]["en"] and example[field]["pt-BR"]
            assert example[field]["en"] != example[field]["pt-BR"]


@pytest.mark.parametrize("example_id", REQUIRED_EXAMPLES)
def test_every_example_evaluates_and_passes_gradcheck_as_it_stands(client, example_id):
    example = strict(client.get(f"/api/v1/examples/{example_id}"))
    assert example["id"] == example_id
    body = {"source": example["source"], "inputs": example["inputs"]}
    response = client.post("/api/v1/evaluate", json=body)
    assert response.status_code == 200, response.text
    doc = strict(response)
    assert doc["nodes"] and doc["layout"]["nodes"].keys() == {n["id"] for n in doc["nodes"]}
    check = strict(client.post("/api/v1/gradcheck", json=body))
    assert check["passed"] is True and check["max_relative_error"] < 1e-5


def test_example_numbers(client):
    def output(example_id):
        example = strict(client.get(f"/api/v1/examples/{example_id}"))
        doc = strict(
            client.post("/api/v1/evaluate", json={"source": example["source"], "inputs": example["inputs"]})
        )
        return {n["id"]: n for n in doc["nodes"]}

    neuron = output("sigmoid_neuron")
    assert neuron["f"]["value"] == pytest.approx(0.7310585786)
    assert neuron["w0"]["grad"] == pytest.approx(-0.1966119332)  # x0 · σ(1)(1 − σ(1))
    fan = output("fan_out")
    assert fan["x"]["grad"] == 7.0  # 3 + 2x at x = 2


def test_unknown_example_is_404_in_the_error_shape(client):
    response = client.get("/api/v1/examples/nope")
    assert response.status_code == 404
    assert strict(response)["error"]["code"] == "unknown_example"


def test_gradcheck_lecture(client):
    result = strict(client.post("/api/v1/gradcheck", json=LECTURE))
    assert result["passed"] is True
    assert set(result["inputs"]) == {"x", "y", "z"}
    assert result["inputs"]["y"]["analytic"] == 5.0
    assert result["inputs"]["y"]["numeric"] == pytest.approx(5.0, rel=1e-8)
    assert result["max_relative_error"] == max(v["relative_error"] for v in result["inputs"].values())


def test_gradcheck_reports_a_failure_with_non_finite_numbers_as_strings(client):
    result = strict(client.post("/api/v1/gradcheck", json={"source": "f = log(x)", "inputs": {"x": 0}}))
    assert result["passed"] is False
    assert result["max_relative_error"] == "Infinity"
    assert result["inputs"]["x"]["analytic"] == "Infinity"


def test_gradcheck_kink_follows_pytorch_convention(client):
    # relu′(0) = 0 analytically while the central difference sees 0.5: gradcheck must say so.
    result = strict(client.post("/api/v1/gradcheck", json={"source": "f = relu(x)", "inputs": {"x": 0}}))
    assert result["passed"] is False
    assert result["inputs"]["x"]["analytic"] == 0 and result["inputs"]["x"]["numeric"] == pytest.approx(0.5)


@pytest.mark.parametrize("path", ["/", "/train", "/optimizers"])
def test_pages_are_html(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()


def test_openapi_documents_every_endpoint_with_error_shapes(client):
    schema = strict(client.get("/openapi.json"))
    paths = schema["paths"]
    for path in [
        "/api/v1/evaluate",
        "/api/v1/gradcheck",
        "/api/v1/ops",
        "/api/v1/examples",
        "/api/v1/examples/{example_id}",
        "/healthz",
    ]:
        assert path in paths
    evaluate = paths["/api/v1/evaluate"]["post"]
    assert {"200", "400", "413", "422"} <= set(evaluate["responses"])
    ref = evaluate["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/ErrorResponse")
    assert "examples" in schema["components"]["schemas"]["EvaluateRequest"]


def test_docs_page_is_offline(client):
    response = client.get("/docs")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text
    assert "http://" not in response.text and "https://" not in response.text  # no CDN
    assert client.get("/redoc").status_code == 404


def test_responses_match_their_documented_models(client):
    from app.schemas.graph import EvaluationDocument, Example, GradcheckOut, OpOut

    for example in strict(client.get("/api/v1/examples")):
        Example.model_validate(example)
        body = {"source": example["source"], "inputs": example["inputs"]}
        document = strict(client.post("/api/v1/evaluate", json=body))
        EvaluationDocument.model_validate(document)
        EvaluationDocument.model_validate(strict(client.post("/api/v1/evaluate?step=2", json=body)))
        GradcheckOut.model_validate(strict(client.post("/api/v1/gradcheck", json=body)))
    for op in strict(client.get("/api/v1/ops")):
        OpOut.model_validate(op)


def test_a_seeded_example_gives_each_student_their_own_numbers(client):
    """GET /examples/{id}?seed=K: the same K the same numbers, another K others; still a valid body."""
    built_in = strict(client.get("/api/v1/examples/lecture"))
    first = strict(client.get("/api/v1/examples/lecture?seed=7"))
    assert strict(client.get("/api/v1/examples/lecture?seed=7")) == first
    other = strict(client.get("/api/v1/examples/lecture?seed=8"))
    assert first["source"] == other["source"] == built_in["source"]
    assert first["inputs"] != other["inputs"] and first["inputs"] != built_in["inputs"]
    assert first["inputs"].keys() == built_in["inputs"].keys()
    body = {"source": first["source"], "inputs": first["inputs"]}
    assert client.post("/api/v1/evaluate", json=body).status_code == 200
    assert strict(client.post("/api/v1/gradcheck", json=body))["passed"] is True
    assert strict(client.get(f"/api/v1/examples/lecture?seed={2**32 - 1}"))["id"] == "lecture"
