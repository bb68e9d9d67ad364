"""POST /api/v1/train and /api/v1/optimize through TestClient: contract, exactness, limits."""

from __future__ import annotations

import json

import pytest

from engine.surfaces import SURFACES
from tests.api.conftest import make_client, strict

TRAIN_KEYS = {"state", "step", "epoch", "lr", "kind", "loss_curve", "metrics", "gradient_norms", "grid"}


def test_train_response_has_the_documented_fields(client):
    response = client.post(
        "/api/v1/train",
        json={
            "steps": 3,
            "points": True,
            "neurons": True,
            "graph": True,
            "grid_size": 5,
            "neuron_grid_size": 3,
        },
    )
    assert response.status_code == 200
    body = strict(response)
    assert TRAIN_KEYS | {"points", "graph"} == set(body)
    assert (
        body["step"] == 3 and body["epoch"] == 0 and body["lr"] == 0.03 and body["kind"] == "classification"
    )
    assert len(body["loss_curve"]["train"]) == len(body["loss_curve"]["test"]) == 3
    assert set(body["metrics"]) == {"train_loss", "test_loss", "train_accuracy", "test_accuracy"}
    assert len(body["gradient_norms"]) == 3 and len(body["gradient_norms"][0]) == 3  # 2-8-4-1: three layers
    grid = body["grid"]
    assert grid["size"] == 5 and grid["extent"] == [-6.0, 6.0] and len(grid["values"]) == 5
    assert grid["neuron_size"] == 3 and [len(layer) for layer in grid["neurons"]] == [8, 4, 1]
    assert len(grid["neurons"][0][0]) == 3 and len(grid["neurons"][2][0][2]) == 3
    assert len(body["points"]["train"]) == 100 and len(body["points"]["test"][0]) == 3
    state = body["state"]
    assert set(state) == {"params", "optimizer", "order", "position", "epoch", "step"}
    assert set(state["params"]) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    assert len(state["params"]["W1"]) == 8 and len(state["params"]["W1"][0]) == 2  # (out, in)
    assert state["optimizer"]["W1"]["step"] == 3


def test_the_minibatch_graph_is_a_valid_evaluate_body(client):
    body = strict(client.post("/api/v1/train", json={"steps": 0, "graph": True, "grid": False}))
    assert "grid" not in body
    document = client.post("/api/v1/evaluate", json=body["graph"])
    assert document.status_code == 200
    assert strict(document)["output"] == "loss"


def test_split_runs_equal_one_run_bit_for_bit(client):
    config = {
        "dataset": {"name": "spiral", "noise": 0.1},
        "batch_size": 16,
        "optimizer": {"name": "rmsprop", "lr": 0.01, "momentum": 0.5, "centered": True},
        "schedule": {"name": "exponential", "gamma": 0.9},
        "l2": 0.001,
        "grid": False,
    }
    whole = strict(client.post("/api/v1/train", json={**config, "steps": 20}))
    state, train_curve = None, []
    for steps in (5, 5, 3, 7):
        part = strict(client.post("/api/v1/train", json={**config, "steps": steps, "state": state}))
        state, train_curve = part["state"], train_curve + part["loss_curve"]["train"]
    assert json.dumps(state) == json.dumps(whole["state"])
    assert train_curve == whole["loss_curve"]["train"]
    assert part["metrics"] == whole["metrics"] and part["lr"] == whole["lr"]


@pytest.mark.parametrize("dataset", ["xor", "circle"])
def test_default_network_reaches_95_percent_on_xor_and_circle(client, dataset):
    body = strict(
        client.post(
            "/api/v1/train", json={"dataset": {"name": dataset}, "steps": 200, "grid": False, "curve": False}
        )
    )
    assert body["metrics"]["test_accuracy"] >= 0.95
    assert body["epoch"] == 20  # 100 training points in batches of 10


def test_regression_reports_losses_only(client):
    body = strict(
        client.post(
            "/api/v1/train",
            json={
                "dataset": {"name": "plane"},
                "loss": "mse",
                "steps": 50,
                "optimizer": {"name": "sgd", "lr": 0.01},
                "grid_size": 4,
            },
        )
    )
    assert body["kind"] == "regression" and set(body["metrics"]) == {"train_loss", "test_loss"}
    assert body["loss_curve"]["train"][-1] < body["loss_curve"]["train"][0]


def test_a_diverging_run_is_strict_json_and_continues(client):
    config = {
        "optimizer": {"name": "sgd", "lr": 1e30},
        "model": {"activation": "relu"},
        "loss": "mse",
        "grid_size": 3,
    }
    first = client.post("/api/v1/train", json={**config, "steps": 5})
    assert first.status_code == 200
    body = strict(first)
    assert "NaN" in first.text or "Infinity" in first.text
    again = client.post("/api/v1/train", json={**config, "steps": 1, "state": body["state"]})
    assert again.status_code == 200 and strict(again)["step"] == 6


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"steps": 10_001}, 422, "too_many_steps"),
        ({"dataset": {"samples": 5000}}, 422, "too_many_samples"),
        ({"model": {"layers": [2] * 7}}, 422, "too_many_layers"),
        ({"model": {"layers": [33]}}, 422, "too_many_neurons"),
        ({"model": {"layers": [0]}}, 422, "invalid_body"),
        ({"optimizer": {"name": "adam", "momentum": 0.9}}, 400, "unknown_argument"),
        ({"optimizer": {"name": "adamw"}}, 422, "invalid_body"),
        ({"dataset": {"name": "plane"}}, 400, "invalid_loss"),
        ({"loss": "huber"}, 422, "invalid_body"),
        (
            {"state": {"params": {}, "optimizer": {}, "order": [], "position": 0, "epoch": 0, "step": 0}},
            400,
            "invalid_state",
        ),
        ({"unknown": 1}, 422, "invalid_body"),
    ],
)
def test_bad_training_requests_are_4xx_with_an_error_body(client, body, status, code):
    response = client.post("/api/v1/train", json=body)
    assert response.status_code == status
    assert strict(response)["error"]["code"] == code


def test_a_malformed_state_is_rejected(client):
    state = strict(client.post("/api/v1/train", json={"steps": 1, "grid": False}))["state"]
    state["params"]["W1"] = [[1, 2], [3]]
    response = client.post("/api/v1/train", json={"steps": 1, "state": state})
    assert response.status_code == 422 and strict(response)["error"]["code"] == "invalid_state"


def test_training_stops_at_the_wall_time_limit():
    response = make_client(request_timeout_seconds=0.001).post("/api/v1/train", json={"steps": 5000})
    assert response.status_code == 422 and strict(response)["error"]["code"] == "timeout"


@pytest.mark.parametrize("function", sorted(SURFACES))
def test_optimize_path_starts_at_start_and_losses_match_the_path(client, function):
    body = strict(
        client.post(
            "/api/v1/optimize",
            json={
                "function": function,
                "start": [0.5, 0.25],
                "optimizer": {"name": "adam", "lr": 0.05},
                "steps": 12,
            },
        )
    )
    assert body["path"][0] == [0.5, 0.25] and len(body["path"]) == 13 and len(body["losses"]) == 13
    f = SURFACES[function]
    for (x, y), loss in zip(body["path"], body["losses"], strict=True):
        assert loss == pytest.approx(float(f.value(x, y)), rel=1e-12, abs=1e-12)
    assert "grid" not in body


def test_optimize_sgd_on_the_bowl_is_the_closed_form(client):
    body = strict(
        client.post(
            "/api/v1/optimize",
            json={
                "function": "bowl",
                "start": [1.0, -2.0],
                "optimizer": {"name": "sgd", "lr": 0.25},
                "steps": 2,
            },
        )
    )
    assert body["path"] == [[1.0, -2.0], [0.5, -1.0], [0.25, -0.5]]  # x ← x − 0.25·2x
    assert body["losses"] == [5.0, 1.25, 0.3125] and body["minimum"] == [0.0, 0.0]


def test_optimize_contour_grid_on_request(client):
    body = strict(
        client.post("/api/v1/optimize", json={"function": "saddle", "steps": 0, "grid": True, "grid_size": 3})
    )
    assert body["grid"] == {
        "x": [-2.0, 0.0, 2.0],
        "y": [-2.0, 0.0, 2.0],
        "values": [[0.0, -4.0, 0.0], [4.0, 0.0, 4.0], [0.0, -4.0, 0.0]],
    }
    assert body["minimum"] is None and body["path"] == [[1.5, 1.5]]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"steps": 5001}, 422, "too_many_steps"),
        ({"function": "himmelblau"}, 422, "invalid_body"),
        ({"start": [1.0]}, 422, "invalid_body"),
        ({"optimizer": {"name": "sgd", "nesterov": True}}, 400, "invalid_value"),
    ],
)
def test_bad_optimize_requests_are_4xx(client, body, status, code):
    response = client.post("/api/v1/optimize", json=body)
    assert response.status_code == status and strict(response)["error"]["code"] == code


def test_non_finite_numbers_in_a_body_are_rejected(client):
    response = client.post(
        "/api/v1/optimize", content='{"start": [NaN, 1]}', headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 422)


def test_a_diverging_path_is_strict_json(client):
    body = {"function": "rosenbrock", "start": [2, 2], "optimizer": {"name": "sgd", "lr": 1.0}, "steps": 6}
    response = client.post("/api/v1/optimize", json=body)
    assert response.status_code == 200
    result = strict(response)
    assert result["path"][1] == [-1600.0, 402.0]  # x − 1·∂f/∂x at (2, 2): ∂f/∂x = 1602, ∂f/∂y = −400
    assert result["path"][-1] == ["NaN", "Infinity"] and result["losses"][-1] == "NaN"
