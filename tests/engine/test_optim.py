"""Each optimiser against its update rule worked by hand on f(x) = x² (∂f/∂x = 2x), from x₀ = 1."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from engine import EngineError, optim


def run(name: str, hyper: dict, steps: int, x0: float = 1.0) -> list[float]:
    """Positions x₀, x₁, … of `name` on f(x) = x²."""
    params = {"x": np.array([x0])}
    state = optim.init_state(name, params, hyper)
    path = [x0]
    for _ in range(steps):
        params, state = optim.step(name, params, {"x": 2 * params["x"]}, state, hyper)
        path.append(float(params["x"][0]))
    return path


def test_sgd_plain_two_steps():
    assert run("sgd", {"lr": 0.1}, 2) == pytest.approx([1.0, 0.8, 0.64], rel=1e-15)


def test_sgd_momentum_buffer_starts_at_the_first_gradient():
    # b₁ = g₀ = 2, x₁ = 0.8; g₁ = 1.6, b₂ = 0.9·2 + 1.6 = 3.4, x₂ = 0.8 − 0.34
    assert run("sgd", {"lr": 0.1, "momentum": 0.9}, 2) == pytest.approx([1.0, 0.8, 0.46], rel=1e-14)


def test_sgd_nesterov():
    # b₁ = 2, step 2 + 0.9·2 = 3.8 → x₁ = 0.62; g₁ = 1.24, b₂ = 1.8 + 1.24 = 3.04, step 1.24 + 2.736
    assert run("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, 2) == pytest.approx(
        [1.0, 0.62, 0.2224], rel=1e-14
    )


def test_sgd_dampening_skips_the_first_step():
    # b₁ = 2 (no dampening yet); b₂ = 0.9·2 + 0.5·1.6 = 2.6
    assert run("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}, 2) == pytest.approx(
        [1.0, 0.8, 0.54], rel=1e-14
    )


def test_sgd_weight_decay_adds_lambda_x():
    assert run("sgd", {"lr": 0.1, "weight_decay": 0.5}, 2) == pytest.approx([1.0, 0.75, 0.5625], rel=1e-15)


def test_adagrad_two_steps_with_decay_and_accumulator():
    eps = 1e-10
    x1 = 1 - 0.1 * 2 / (math.sqrt(4) + eps)
    x2 = x1 - 0.1 * (2 * x1) / (math.sqrt(4 + (2 * x1) ** 2) + eps)
    assert run("adagrad", {"lr": 0.1}, 2) == pytest.approx([1.0, x1, x2], rel=1e-14)
    # lr_decay: clr = lr / (1 + (t − 1)·lr_decay); initial_accumulator_value starts the sum
    y1 = 1 - 0.1 * 2 / (math.sqrt(1 + 4) + eps)
    y2 = y1 - 0.1 / 1.5 * (2 * y1) / (math.sqrt(5 + (2 * y1) ** 2) + eps)
    hyper = {"lr": 0.1, "lr_decay": 0.5, "initial_accumulator_value": 1.0}
    assert run("adagrad", hyper, 2) == pytest.approx([1.0, y1, y2], rel=1e-14)


def test_rmsprop_plain_centered_and_momentum():
    eps, a = 1e-8, 0.99
    v1 = (1 - a) * 4
    x1 = 1 - 0.01 * 2 / (math.sqrt(v1) + eps)
    v2 = a * v1 + (1 - a) * (2 * x1) ** 2
    x2 = x1 - 0.01 * 2 * x1 / (math.sqrt(v2) + eps)
    assert run("rmsprop", {}, 2) == pytest.approx([1.0, x1, x2], rel=1e-13)
    # centered: divide by the square root of the variance v − ḡ²
    c1 = 1 - 0.01 * 2 / (math.sqrt(v1 - ((1 - a) * 2) ** 2) + eps)
    assert run("rmsprop", {"centered": True}, 1) == pytest.approx([1.0, c1], rel=1e-13)
    # momentum: b ← μb + g/(√v + ε), x ← x − lr·b
    b1 = 2 / (math.sqrt(v1) + eps)
    m1 = 1 - 0.01 * b1
    w2 = a * v1 + (1 - a) * (2 * m1) ** 2
    m2 = m1 - 0.01 * (0.9 * b1 + 2 * m1 / (math.sqrt(w2) + eps))
    assert run("rmsprop", {"momentum": 0.9}, 2) == pytest.approx([1.0, m1, m2], rel=1e-13)


def adam_reference(grads: list[float], x0: float, lr: float, amsgrad: bool = False) -> list[float]:
    """Kingma & Ba with bias correction, ε outside the square root, as torch.optim.Adam documents."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    m = v = vmax = 0.0
    x, path = x0, [x0]
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        v_hat = (vmax if amsgrad else v) / (1 - b2**t)
        x = x - lr * (m / (1 - b1**t)) / (math.sqrt(v_hat) + eps)
        path.append(x)
    return path


def test_adam_two_steps():
    path = run("adam", {"lr": 0.1}, 2)
    expected = adam_reference([2.0, 2 * path[1]], 1.0, 0.1)
    assert path == pytest.approx(expected, rel=1e-14)
    assert path[1] == pytest.approx(0.9, rel=1e-8)  # the first step is lr·sign(g)


def test_adam_amsgrad_keeps_the_largest_second_moment():
    grads = [2.0, 0.0, 0.01]  # v falls after the first step; AMSGrad keeps v₁
    params, state = {"x": np.array([1.0])}, optim.init_state("adam", {"x": np.zeros(1)})
    path = [1.0]
    for g in grads:
        params, state = optim.step("adam", params, {"x": np.array([g])}, state, {"lr": 0.1, "amsgrad": True})
        path.append(float(params["x"][0]))
    assert path == pytest.approx(adam_reference(grads, 1.0, 0.1, amsgrad=True), rel=1e-13)
    assert path != pytest.approx(adam_reference(grads, 1.0, 0.1), rel=1e-6)
    assert state["x"]["max_exp_avg_sq"][0] == pytest.approx(0.001 * 4, rel=1e-12)


def test_adam_weight_decay_is_added_to_the_gradient():
    # g = 2x + 0.5x = 2.5 at x = 1: the first step is still lr·sign(g), the moments see 2.5
    params, state = {"x": np.array([1.0])}, optim.init_state("adam", {"x": np.zeros(1)})
    params, state = optim.step(
        "adam", params, {"x": np.array([2.0])}, state, {"lr": 0.1, "weight_decay": 0.5}
    )
    assert state["x"]["exp_avg"][0] == pytest.approx(0.25, rel=1e-14)
    assert state["x"]["exp_avg_sq"][0] == pytest.approx(0.001 * 6.25, rel=1e-14)


def test_sparse_adam_moves_only_rows_with_a_gradient():
    W = np.arange(6.0).reshape(3, 2)
    state = optim.init_state("sparse_adam", {"W": W})
    grad = np.array([[1.0, -2.0], [0.0, 0.0], [0.0, 3.0]])
    new, state = optim.step("sparse_adam", {"W": W}, {"W": grad}, state, {"lr": 0.1})
    np.testing.assert_array_equal(new["W"][1], W[1])
    np.testing.assert_array_equal(state["W"]["exp_avg"][1], [0.0, 0.0])
    np.testing.assert_array_equal(state["W"]["exp_avg_sq"][1], [0.0, 0.0])
    assert state["W"]["step"] == 1
    # Row 2 is present (it has a non-zero entry), so its zero entry's moments decay but stay 0.
    step_size = 0.1 * math.sqrt(1 - 0.999) / (1 - 0.9)
    expected = W - step_size * (0.1 * grad) / (np.sqrt(0.001 * grad**2) + 1e-8)
    expected[1] = W[1]
    np.testing.assert_allclose(new["W"], expected, rtol=1e-14)
    # Step 2: only row 1 has a gradient; its moments start from zero but the step count is 2.
    grad2 = np.array([[0.0, 0.0], [0.5, 0.0], [0.0, 0.0]])
    newer, state = optim.step("sparse_adam", new, {"W": grad2}, state, {"lr": 0.1})
    np.testing.assert_array_equal(newer["W"][[0, 2]], new["W"][[0, 2]])
    step_size2 = 0.1 * math.sqrt(1 - 0.999**2) / (1 - 0.9**2)
    assert newer["W"][1, 0] == pytest.approx(
        W[1, 0] - step_size2 * 0.05 / (math.sqrt(0.001 * 0.25) + 1e-8), rel=1e-14
    )
    assert newer["W"][1, 1] == W[1, 1]
    assert state["W"]["step"] == 2


def test_step_leaves_its_inputs_untouched_and_state_is_json_serialisable():
    params = {"W": np.ones((2, 2)), "b": np.zeros(2)}
    grads = {"W": np.full((2, 2), 0.5), "b": np.ones(2)}
    for name in optim.OPTIMIZERS:
        hyper = {"momentum": 0.9} if name in ("sgd", "rmsprop") else {}
        state = optim.init_state(name, params, hyper)
        before = json.dumps(
            {
                k: {s: np.asarray(v).tolist() if v is not None else None for s, v in d.items()}
                for k, d in state.items()
            }
        )
        new, new_state = optim.step(name, params, grads, state, hyper)
        np.testing.assert_array_equal(params["W"], np.ones((2, 2)))
        after = json.dumps(
            {
                k: {s: np.asarray(v).tolist() if v is not None else None for s, v in d.items()}
                for k, d in state.items()
            }
        )
        assert before == after
        assert not np.array_equal(new["W"], params["W"])
        json.dumps(
            {
                k: {s: np.asarray(v).tolist() for s, v in d.items() if v is not None}
                for k, d in new_state.items()
            }
        )


def test_defaults_are_pytorchs():
    assert optim.hyperparameters("sgd") == {
        "lr": 1e-3,
        "momentum": 0.0,
        "dampening": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
    }
    assert optim.hyperparameters("adam")["betas"] == (0.9, 0.999)
    assert optim.hyperparameters("adagrad")["eps"] == 1e-10
    assert optim.hyperparameters("rmsprop")["alpha"] == 0.99
    assert optim.hyperparameters("sparse_adam") == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}


@pytest.mark.parametrize(
    ("name", "hyper", "code"),
    [
        ("lion", {}, "unknown_optimizer"),
        ("adam", {"momentum": 0.9}, "unknown_argument"),
        ("sgd", {"nesterov": True}, "invalid_value"),
        ("adam", {"betas": [0.9, 1.5]}, "invalid_value"),
        ("sgd", {"lr": -1.0}, "invalid_value"),
    ],
)
def test_bad_hyperparameters_are_named(name, hyper, code):
    with pytest.raises(EngineError) as error:
        optim.hyperparameters(name, hyper)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("constant", {}, [1.0] * 7),
        ("step", {}, [1, 1, 1, 0.1, 0.1, 0.1, 0.01]),  # ÷10 every 3 epochs, the notes' example
        ("step", {"step_size": 2, "gamma": 0.5}, [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]),
        ("exponential", {"gamma": 0.5}, [1, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625]),
        ("inverse_time", {"decay_rate": 0.5}, [1, 1 / 1.5, 1 / 2, 1 / 2.5, 1 / 3, 1 / 3.5, 1 / 4]),
    ],
)
def test_schedules_give_the_documented_rate_per_epoch(name, params, expected):
    rates = [optim.learning_rate(1.0, name, epoch, params) for epoch in range(7)]
    assert rates == pytest.approx(expected, rel=1e-15)


def test_adamw_shrinks_the_weight_before_the_adam_step():
    """AdamW: p ← p·(1 − lr·λ), then Adam's step with the plain gradient (the moments never see λp)."""
    params, state = {"x": np.array([1.0])}, optim.init_state("adamw", {"x": np.zeros(1)})
    lr, decay = 0.1, 0.5
    path = [1.0]
    for _ in range(3):
        g = 2 * params["x"]
        params, state = optim.step("adamw", params, {"x": g}, state, {"lr": lr, "weight_decay": decay})
        path.append(float(params["x"][0]))
    m = v = 0.0
    x = 1.0
    for t in range(1, 4):
        g = 2 * x
        x = x * (1 - lr * decay)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        x = x - lr / (1 - 0.9**t) * m / (math.sqrt(v) / math.sqrt(1 - 0.999**t) + 1e-8)
        assert path[t] == pytest.approx(x, rel=1e-14)
    assert state["x"]["exp_avg"][0] == pytest.approx(m, rel=1e-14)
    assert optim.hyperparameters("adamw")["weight_decay"] == 0.01  # PyTorch's default, not Adam's 0


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("multistep", {"milestones": [2, 5], "gamma": 0.5}, [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]),
        ("multistep", {}, [1, 1, 1, 0.1, 0.1, 0.1, 0.01]),
        (
            "cosine",
            {"T_max": 4, "eta_min": 0.2},
            [0.2 + 0.8 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(7)],
        ),
    ],
)
def test_multistep_and_cosine_are_pytorchs_closed_forms(name, params, expected):
    rates = [optim.learning_rate(1.0, name, epoch, params) for epoch in range(7)]
    assert rates == pytest.approx(expected, rel=1e-15)
    assert optim.learning_rate(1.0, "cosine", 4, {"T_max": 4}) == pytest.approx(0.0, abs=1e-16)


@pytest.mark.parametrize("name", ["step", "multistep", "exponential", "inverse_time", "cosine"])
def test_a_huge_epoch_gives_a_rate_not_an_overflow(name):
    for epoch in (2**53, 2**1030):
        rate = optim.learning_rate(0.1, name, epoch, {"gamma": 1.5} if name == "exponential" else None)
        assert rate >= 0 or math.isnan(rate)
    assert optim.learning_rate(0.1, "step", 2**1030) == 0.0


def test_optimizers_are_declared_once_with_pytorchs_class_and_state():
    assert set(optim.OPTIMIZERS) == {"sgd", "adagrad", "rmsprop", "adam", "adamw", "sparse_adam"}
    for name, declared in optim.OPTIMIZERS.items():
        assert declared.torch.startswith("torch.optim.") and declared.description["pt-BR"]
        state = optim.init_state(name, {"w": np.zeros(3)})["w"]
        assert list(state) == list(declared.state)
        assert optim.hyperparameters(name) == {
            k: tuple(v) if isinstance(v, tuple) else v for k, v in declared.defaults.items()
        }
    assert optim.OPTIMIZERS["adamw"].defaults["amsgrad"] is False
