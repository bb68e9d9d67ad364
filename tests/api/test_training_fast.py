"""/train answers byte for byte what the reference path (CHAINRULE_FAST=0) answers.

The page's frame (train-run.js: one epoch or several, the heatmap and every neuron's picture, the
state passed back), and bodies that reach every loss, activation, penalty and optimiser, each run
for a few frames with the fast path on and off: the responses must be the same bytes.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import seam

pytest.importorskip("engine.fast.training", reason="engine/fast/ removed: nothing fast to compare")

from benchmarks.frame_cpu import PAGE  # noqa: E402 - the page's frame body, as the benchmark sends it

BODIES = {
    "the page's frame": PAGE,
    "the page's frame, 16 epochs": {**PAGE, "steps": 160},
    "the page's frame, the loss after every step": {**PAGE, "curve_every": 1},
    "the page's frame, an epoch not a multiple of the curve's": {**PAGE, "steps": 7, "curve_every": 3},
    "three spirals, relu, l1 and l2 on the biases too": {
        **PAGE,
        "dataset": {"name": "spiral", "classes": 3, "samples": 120, "noise": 0.2, "seed": 4},
        "features": ["x1", "x2", "x1_squared", "sin_x1"],
        "model": {"layers": [6, 5, 3], "activation": "relu", "init": "he_uniform", "seed": 2},
        "loss": "cross_entropy",
        "l2": 0.01,
        "l1": 0.003,
        "l2_biases": True,
        "batch_size": 7,
        "steps": 23,
    },  # fmt: skip
    "regression, linear, sgd with Nesterov": {
        **PAGE,
        "dataset": {"name": "multi_gauss", "samples": 90, "noise": 0.1, "seed": 3},
        "model": {"layers": [3], "activation": "linear", "seed": 5},
        "loss": "mse",
        "optimizer": {"name": "sgd", "lr": 0.01, "momentum": 0.9, "nesterov": True},
        "schedule": {"name": "step", "step_size": 1, "gamma": 0.5},
        "l2": 0.002,
        "steps": 11,
    },  # fmt: skip
    "hinge on xor, sigmoid, rmsprop": {
        **PAGE,
        "dataset": {"name": "xor", "samples": 80, "seed": 7},
        "model": {"layers": [5], "activation": "sigmoid", "init": "uniform", "seed": 3},
        "loss": "hinge",
        "optimizer": {"name": "rmsprop", "lr": 0.01, "centered": True, "momentum": 0.5},
        "l1": 0.01,
        "batch_size": 3,
        "steps": 9,
    },  # fmt: skip
    "custom points, leaky relu, mse on classes, sparse adam": {
        **PAGE,
        "dataset": {
            "name": "custom",
            "points": [
                [-2, -1, 0],
                [1, 2, 1],
                [3, -1, 2],
                [0.5, 0.5, 0],
                [-3, 3, 1],
                [2, 2, 2],
                [-1, -2, 0],
                [4, 0, 1],
            ],
            "seed": 2,
        },
        "model": {"layers": [4, 4], "activation": "leaky_relu", "seed": 8},
        "loss": "cross_entropy",
        "optimizer": {"name": "sparse_adam", "lr": 0.05},
        "batch_size": 2,
        "steps": 5,
        "grid_size": 17,
        "neuron_grid_size": 9,
    },  # fmt: skip
    "hardtanh, adagrad, no test split, no curve": {
        **PAGE,
        "dataset": {"name": "gauss", "samples": 40, "test_fraction": 0, "seed": 9},
        "model": {"layers": [2, 2, 2], "activation": "hardtanh", "init": "zeros", "seed": 0},
        "optimizer": {"name": "adagrad", "lr": 0.1, "lr_decay": 0.01},
        "curve": False,
        "steps": 8,
    },  # fmt: skip
}


def frames(client, body: dict, count: int = 3) -> list[bytes]:
    """`count` requests, each passing the state of the one before back (the page's loop)."""
    answers, state = [], None
    for _ in range(count):
        response = client.post("/api/v1/train", json={**body, **({"state": state} if state else {})})
        assert response.status_code == 200, response.text
        answers.append(response.content)
        state = json.loads(response.content)["state"]
    return answers


def both_paths(client, body: dict, count: int = 3) -> tuple[list[bytes], list[bytes]]:
    previous = seam.use_fast(True)
    try:
        fast = frames(client, body, count)
        seam.use_fast(False)
        reference = frames(client, body, count)
    finally:
        seam.use_fast(previous)
    return fast, reference


@pytest.mark.parametrize("name", list(BODIES))
def test_a_run_of_frames_is_the_same_bytes_with_the_fast_path_off(client, name):
    fast, reference = both_paths(client, BODIES[name])
    assert fast == reference
    last = json.loads(fast[-1])
    assert last["step"] == 3 * BODIES[name]["steps"]
    assert ("neurons" in last["grid"]) == BODIES[name]["neurons"]


def test_a_diverging_run_is_the_same_bytes_with_the_fast_path_off(client):
    body = {**PAGE, "optimizer": {"name": "sgd", "lr": 1e30}, "model": {"layers": [4], "activation": "relu"}}
    fast, reference = both_paths(client, body)
    assert fast == reference and b'"NaN"' in fast[-1] + fast[-2]


@st.composite
def bodies(draw):
    loss = draw(st.sampled_from(["logistic", "cross_entropy", "mse", "hinge"]))
    dataset = draw(st.sampled_from(["circle", "xor", "gauss", "spiral"]))
    classes = draw(st.integers(2, 4)) if loss == "cross_entropy" and dataset in ("gauss", "spiral") else 2
    if draw(st.booleans()) and loss == "mse":
        dataset, classes = draw(st.sampled_from(["plane", "multi_gauss"])), 2
    return {
        "dataset": {"name": dataset, "samples": draw(st.integers(10, 80)), "classes": classes,
                    "noise": draw(st.sampled_from([0.0, 0.3])), "seed": draw(st.integers(0, 5)),
                    "test_fraction": draw(st.sampled_from([0.0, 0.3, 0.5]))},
        "features": draw(st.lists(st.sampled_from(["x1", "x2", "x1_x2", "sin_x2"]), min_size=1, max_size=3,
                                  unique=True)),
        "model": {"layers": draw(st.lists(st.integers(1, 5), max_size=3)),
                  "activation": draw(st.sampled_from(["tanh", "relu", "sigmoid", "leaky_relu", "hardtanh",
                                                      "linear"])),
                  "seed": draw(st.integers(0, 5))},
        "loss": loss,
        "optimizer": draw(st.sampled_from([{"name": "adam", "lr": 0.03}, {"name": "sgd", "lr": 0.1},
                                           {"name": "adamw", "lr": 0.01, "amsgrad": True},
                                           {"name": "sgd", "lr": 0.05, "momentum": 0.9}])),
        "l2": draw(st.sampled_from([0.0, 0.01])),
        "l1": draw(st.sampled_from([0.0, 0.004])),
        "l2_biases": draw(st.booleans()),
        "batch_size": draw(st.integers(1, 30)),
        "steps": draw(st.integers(0, 25)),
        "curve": draw(st.booleans()),
        "curve_every": draw(st.sampled_from([1, 1, 3, 10])),
        "neurons": draw(st.booleans()),
        "grid_size": draw(st.integers(2, 12)),
        "neuron_grid_size": draw(st.integers(2, 8)),
    }  # fmt: skip


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=bodies())
def test_any_body_is_the_same_bytes_with_the_fast_path_off(client, body):
    fast, reference = both_paths(client, body, count=2)
    assert fast == reference
