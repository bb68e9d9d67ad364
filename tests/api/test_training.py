"""POST /api/v1/train and /api/v1/optimize through TestClient: contract, exactness, limits."""

from __future__ import annotations

import json
import math

import pytest

from engine.surfaces import SURFACES
from tests.api.conftest import make_client, strict

TRAIN_KEYS = {
    "state",
    "step",
    "epoch",
    "lr",
    "kind",
    "classes",
    "loss_curve",
    "metrics",
    "gradient_norms",
    "grid",
}


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


def test_curve_every_records_the_steps_it_names_and_says_which(client):
    """One entry per epoch, as the page asks: the every-step run's values at those steps."""
    base = {"batch_size": 25, "grid": False, "steps": 10}
    every_step = strict(client.post("/api/v1/train", json=base))
    assert "curve_steps" not in every_step  # the default answer is unchanged
    body = strict(client.post("/api/v1/train", json={**base, "curve_every": 4}))
    assert body["curve_steps"] == [4, 8]
    for split in ("train", "test"):
        assert body["loss_curve"][split] == [every_step["loss_curve"][split][k - 1] for k in (4, 8)]
    assert body["gradient_norms"] == [every_step["gradient_norms"][k - 1] for k in (4, 8)]
    assert body["metrics"] == every_step["metrics"] and body["state"] == every_step["state"]
    bad = client.post("/api/v1/train", json={**base, "curve_every": 0})
    assert bad.status_code == 422 and "curve_every" in bad.text


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
        ({"optimizer": {"name": "lion"}}, 422, "invalid_body"),
        ({"model": {"seed": -1}}, 422, "invalid_body"),
        ({"dataset": {"seed": -1}}, 422, "invalid_body"),
        ({"dataset": {"name": "custom"}}, 422, "invalid_body"),
        ({"dataset": {"name": "custom", "points": [[0, 0, 0]] * 2001}}, 422, "too_many_samples"),
        ({"dataset": {"name": "custom", "points": [[0, 0, 0], [1, 1, 7]]}}, 400, "invalid_value"),
        ({"dataset": {"name": "custom", "points": [[0, 0, 0], [1, 1, 1.5]]}}, 400, "invalid_value"),
        ({"dataset": {"name": "circle", "classes": 3}, "loss": "cross_entropy"}, 400, "invalid_value"),
        ({"dataset": {"name": "gauss", "classes": 6}}, 422, "invalid_body"),
        ({"dataset": {"name": "gauss", "classes": 3}}, 400, "invalid_loss"),
        ({"schedule": {"name": "multistep", "milestones": [4, 2]}}, 400, "invalid_value"),
        ({"schedule": {"name": "cosine", "T_max": 0}}, 422, "invalid_body"),
        ({"l1": -0.1}, 422, "invalid_body"),
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
        ({"function": "himmelblau"}, 400, "unknown_function"),
        ({"function": "x ** 2 + z"}, 400, "unknown_name"),
        ({"function": "x +"}, 400, "syntax_error"),
        ({"function": "x * [1, 2]"}, 400, "invalid_function"),
        ({"function": "__import__('os')"}, 400, None),
        ({"function": "x" * 2001}, 422, "invalid_body"),
        ({"function": "x + y", "x_range": [1, -1]}, 400, "invalid_value"),
        ({"start": [1.0]}, 422, "invalid_body"),
        ({"optimizer": {"name": "sgd", "nesterov": True}}, 400, "invalid_value"),
    ],
)
def test_bad_optimize_requests_are_4xx(client, body, status, code):
    response = client.post("/api/v1/optimize", json=body)
    assert response.status_code == status and strict(response)["error"]["code"] == (
        code or strict(response)["error"]["code"]
    )


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


def test_optimizers_serves_every_declaration_with_pytorchs_names_and_defaults(client):
    from engine import optim

    response = client.get("/api/v1/optimizers")
    assert response.status_code == 200
    body = strict(response)
    by_name = {o["name"]: o for o in body["optimizers"]}
    assert list(by_name) == list(optim.OPTIMIZERS)
    assert by_name["adamw"]["torch"] == "torch.optim.AdamW"
    assert by_name["adamw"]["defaults"] == {
        "lr": 0.001,
        "betas": [0.9, 0.999],
        "eps": 1e-08,
        "weight_decay": 0.01,
        "amsgrad": False,
    }
    assert by_name["sgd"]["state"] == ["momentum_buffer"] and by_name["rmsprop"]["description"]["pt-BR"]
    schedules = {s["name"]: s for s in body["schedules"]}
    assert schedules["cosine"]["defaults"] == {"T_max": 10, "eta_min": 0.0}
    assert schedules["multistep"]["torch"] == "torch.optim.lr_scheduler.MultiStepLR"


def test_a_changed_lr_mid_run_continues_as_the_schedule_would(client):
    base = {
        "dataset": {"name": "xor", "samples": 40},
        "batch_size": 20,
        "grid": False,
    }  # 20 train: 1 step/epoch
    whole = strict(
        client.post(
            "/api/v1/train",
            json={
                **base,
                "optimizer": {"name": "sgd", "lr": 0.2, "momentum": 0.9},
                "schedule": {"name": "multistep", "milestones": [3], "gamma": 0.5},
                "steps": 7,
            },
        )
    )
    first = strict(
        client.post(
            "/api/v1/train",
            json={**base, "optimizer": {"name": "sgd", "lr": 0.2, "momentum": 0.9}, "steps": 3},
        )
    )
    second = strict(
        client.post(
            "/api/v1/train",
            json={
                **base,
                "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
                "steps": 4,
                "state": first["state"],
            },
        )
    )
    assert second["state"] == whole["state"] and second["lr"] == whole["lr"] == 0.1
    assert first["loss_curve"]["train"] + second["loss_curve"]["train"] == whole["loss_curve"]["train"]


def test_custom_points_with_three_classes_give_class_and_confidence_grids(client):
    points = [[-3 + 0.1 * k, -2, 0] for k in range(10)] + [[3, -2 + 0.1 * k, 1] for k in range(10)]
    points += [[0.1 * k, 3, 2] for k in range(10)]
    body = {
        "dataset": {"name": "custom", "points": points, "test_fraction": 0.2, "seed": 4},
        "loss": "cross_entropy",
        "model": {"layers": [4]},
        "steps": 60,
        "grid_size": 4,
        "points": True,
    }
    result = strict(client.post("/api/v1/train", json=body))
    assert result["classes"] == 3 and len(result["state"]["params"]["b2"]) == 3
    grid = result["grid"]
    assert len(grid["classes"]) == 4 and {c for row in grid["classes"] for c in row} <= {0, 1, 2}
    assert all(1 / 3 <= p <= 1 for row in grid["confidence"] for p in row)
    assert len(result["points"]["train"]) == 24 and result["metrics"]["train_accuracy"] >= 0.9


def test_custom_regression_points(client):
    points = [[x, 0.5 * x, x / 6] for x in range(-5, 6)]
    body = {"dataset": {"name": "custom", "points": points, "task": "regression"}, "loss": "mse", "steps": 5}
    result = strict(client.post("/api/v1/train", json=body))
    assert (
        result["kind"] == "regression"
        and result["classes"] == 0
        and "train_accuracy" not in result["metrics"]
    )


def test_adamw_l1_and_cosine_train(client):
    body = {
        "optimizer": {"name": "adamw", "lr": 0.02},
        "l1": 0.001,
        "l2_biases": True,
        "schedule": {"name": "cosine", "T_max": 4, "eta_min": 0.001},
        "batch_size": 50,
        "steps": 6,
        "grid": False,
    }
    result = strict(client.post("/api/v1/train", json=body))
    assert result["epoch"] == 3 and result["lr"] == pytest.approx(
        0.001 + 0.019 * (1 + math.cos(math.pi * 3 / 4)) / 2
    )
    assert result["state"]["optimizer"]["W1"]["step"] == 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["optimizer"]["W1"].update(step=2**1100), "W1.step"),
        (lambda s: s.update(epoch=2**1030), "epoch"),
        (lambda s: s.update(step=-1), "step"),
        (lambda s: s["params"].update(W1=nested(500)), "W1"),
        (lambda s: s["optimizer"]["W1"].update(exp_avg=nested(500)), "exp_avg"),
        (lambda s: s.update(order=[2**70] * 3), "order"),
    ],
    ids=[
        "optimizer-step-2**1100",
        "epoch-2**1030",
        "negative-step",
        "params-500-deep",
        "slot-500-deep",
        "order",
    ],
)
@pytest.mark.parametrize("schedule", ["step", "exponential", "inverse_time"])
def test_hostile_states_are_a_clean_4xx(client, change, message, schedule):
    body = {"schedule": {"name": schedule}, "grid": False}
    state = strict(client.post("/api/v1/train", json={**body, "steps": 1}))["state"]
    change(state)
    response = client.post("/api/v1/train", json={**body, "steps": 1, "state": state})
    assert 400 <= response.status_code < 500, response.text
    error = strict(response)["error"]
    assert error["code"] in ("invalid_state", "invalid_body") and message in error["message"]


def nested(depth: int) -> list:
    value: list = [1.0]
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("function", "named"),
    [
        ("(1 - x) ** 2 + 100 * (y - x ** 2) ** 2", "rosenbrock"),
        ("x ** 2 + 20 * y ** 2", "ravine"),
    ],
)
def test_an_expression_surface_gives_the_named_functions_path(client, function, named):
    body = {"start": [-1.0, 1.5], "optimizer": {"name": "adam", "lr": 0.05}, "steps": 30}
    typed = strict(client.post("/api/v1/optimize", json={**body, "function": function}))
    built_in = strict(client.post("/api/v1/optimize", json={**body, "function": named}))
    assert typed["path"] == built_in["path"] and typed["losses"] == built_in["losses"]
    assert typed["x_range"] == [-5.0, 5.0] and built_in["x_range"] == [-2.0, 2.0]


def test_himmelblau_and_rastrigin_as_expressions(client):
    himmelblau = "(x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2"
    body = {
        "function": himmelblau,
        "start": [1.0, 1.0],
        "optimizer": {"name": "sgd", "lr": 0.01},
        "steps": 300,
    }
    result = strict(client.post("/api/v1/optimize", json={**body, "grid": True, "grid_size": 5}))
    assert result["path"][-1] == pytest.approx([3.0, 2.0], abs=1e-6)  # one of its four minima
    assert result["grid"]["values"][2][2] == 170.0  # f(0, 0) = 121 + 49
    rastrigin = (
        "20 + x ** 2 - 10 * cos(2 * 3.141592653589793 * x) + y ** 2 - 10 * cos(2 * 3.141592653589793 * y)"
    )
    response = client.post("/api/v1/optimize", json={**body, "function": rastrigin})
    if response.status_code == 400:  # no cos in the language: the error names it
        assert "cos" in strict(response)["error"]["message"]
    else:
        assert strict(response)["losses"][0] == pytest.approx(20 + 2 - 20 * math.cos(2 * math.pi))


def test_train_gives_the_same_json_with_the_fast_path_off(client):
    """CHAINRULE_FAST=0 (or engine/fast/ deleted): the reference loop answers, byte for byte."""
    from engine import seam

    body = {
        "dataset": {"name": "spiral", "classes": 3, "samples": 60},
        "loss": "cross_entropy",
        "optimizer": {"name": "rmsprop", "lr": 0.01, "centered": True},
        "schedule": {"name": "exponential", "gamma": 0.9},
        "l2": 0.01,
        "l1": 0.001,
        "batch_size": 8,
        "steps": 12,
        "neurons": True,
        "grid_size": 6,
    }
    previous = seam.use_fast(True)
    try:
        fast = client.post("/api/v1/train", json=body).text
        seam.use_fast(False)
        reference = client.post("/api/v1/train", json=body).text
    finally:
        seam.use_fast(previous)
    assert fast == reference and '"classes":3' in fast.replace(" ", "")
