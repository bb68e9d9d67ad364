"""Networks built from graph ops: every layer/loss pair passes gradcheck, losses match their formulas."""

from __future__ import annotations

import numpy as np
import pytest

from engine import EngineError, Var, build_graph, gradcheck, parse
from engine.nn import (
    ACTIVATIONS,
    LOSSES,
    MLP,
    Linear,
    loss_and_gradients,
    minibatch_source,
    predict,
    source,
    targets,
)

RNG = np.random.default_rng(7)
X = RNG.normal(size=(5, 2))
LABELS = np.array([0.0, 1.0, 1.0, 0.0, 1.0])


def batch(loss: str, outputs: int) -> dict:
    return {"X": X, "y": targets(loss, LABELS, outputs)}


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss", LOSSES)
def test_every_layer_and_loss_passes_gradcheck(activation, loss):
    outputs = 2 if loss == "cross_entropy" else 1
    model = MLP((2, 3, 2, outputs), activation)
    params = model.init("xavier_uniform", seed=11)
    graph = model.graph(loss, l2=0.1, l1=0.05, biases=True)
    result = gradcheck(graph, {**params, **batch(loss, outputs)}, wrt=model.parameter_names, tolerance=1e-5)
    assert result.passed, (activation, loss, result.max_relative_error)


def test_linear_uses_pytorchs_layout_and_init_bounds():
    model = MLP((3, 5, 2), "relu")
    assert model.shapes() == {"W1": (5, 3), "b1": (5,), "W2": (2, 5), "b2": (2,)}
    assert repr(model.layers[0]) == "Linear(3 → 5)" and repr(model) == "MLP(3 → 5 → 2, relu)"
    xavier = model.init("xavier_uniform", seed=0)
    assert np.abs(xavier["W1"]).max() <= np.sqrt(6 / 8) and np.abs(xavier["W1"]).max() > 0.5 * np.sqrt(6 / 8)
    he = model.init("he_uniform", seed=0)
    assert np.abs(he["W1"]).max() <= np.sqrt(6 / 3)
    assert all(not v.any() for v in model.init("zeros").values())
    uniform = model.init("uniform", seed=0)
    assert np.abs(uniform["W2"]).max() <= 0.5 and np.all(uniform["b2"] == 0.1)
    np.testing.assert_array_equal(model.init("he_uniform", seed=0)["W2"], he["W2"])
    with pytest.raises(EngineError):
        model.init("orthogonal")


def test_forward_is_z_equals_Wx_plus_b():
    layer = Linear(2, 3)
    W, b = np.arange(6.0).reshape(3, 2), np.array([1.0, -1.0, 0.5])
    z = layer(Var("X")).named("z1")
    values, _ = build_graph(z).run({"X": X, "W1": W, "b1": b})
    np.testing.assert_allclose(values["z1"], X @ W.T + b)
    assert source(z) == "z1 = X @ transpose(W1) + b1"


def closed_form(loss: str, s: np.ndarray) -> float:
    if loss == "mse":
        return float(np.mean((s[:, 0] - LABELS) ** 2))
    if loss == "logistic":  # −y log σ(s) − (1 − y) log(1 − σ(s)) = log(1 + eˢ) − y·s
        return float(np.mean(np.log1p(np.exp(s[:, 0])) - LABELS * s[:, 0]))
    if loss == "hinge":
        return float(np.mean(np.maximum(0, 1 - (2 * LABELS - 1) * s[:, 0])))
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(5), LABELS.astype(int)]))


@pytest.mark.parametrize("loss", LOSSES)
def test_losses_equal_their_formulas_and_l2_adds_half_lambda_w_squared(loss):
    outputs = 2 if loss == "cross_entropy" else 1
    model = MLP((2, 4, outputs), "tanh")
    params = model.init("xavier_uniform", seed=3)
    s = np.tanh(X @ params["W1"].T + params["b1"]) @ params["W2"].T + params["b2"]
    value, _ = loss_and_gradients(model, params, X, targets(loss, LABELS, outputs), loss)
    assert value == pytest.approx(closed_form(loss, s), rel=1e-12)
    penalised, grads = loss_and_gradients(model, params, X, targets(loss, LABELS, outputs), loss, l2=0.2)
    penalty = 0.1 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    assert penalised == pytest.approx(value + penalty, rel=1e-12)
    _, plain = loss_and_gradients(model, params, X, targets(loss, LABELS, outputs), loss)
    np.testing.assert_allclose(grads["W1"] - plain["W1"], 0.2 * params["W1"], atol=1e-12)
    np.testing.assert_allclose(grads["b1"], plain["b1"])  # biases are not penalised unless asked
    with_l1, l1_grads = loss_and_gradients(model, params, X, targets(loss, LABELS, outputs), loss, l1=0.3)
    l1_penalty = 0.3 * (np.abs(params["W1"]).sum() + np.abs(params["W2"]).sum())
    assert with_l1 == pytest.approx(value + l1_penalty, rel=1e-12)
    np.testing.assert_allclose(l1_grads["W2"] - plain["W2"], 0.3 * np.sign(params["W2"]), atol=1e-12)
    shifted = {**params, "b2": params["b2"] - 0.25}  # non-zero biases: sign(b) = −1
    _, unbiased = loss_and_gradients(model, shifted, X, targets(loss, LABELS, outputs), loss)
    _, biased = loss_and_gradients(
        model, shifted, X, targets(loss, LABELS, outputs), loss, l2_biases=True, l1=0.3
    )
    np.testing.assert_allclose(biased["b2"] - unbiased["b2"], -0.3, atol=1e-12)


def test_logistic_loss_is_finite_for_huge_scores():
    model = MLP((2, 1), "linear")
    params = {"W1": np.array([[1e4, 0.0]]), "b1": np.zeros(1)}
    value, grads = loss_and_gradients(model, params, X, LABELS, "logistic")
    assert np.isfinite(value) and all(np.isfinite(g).all() for g in grads.values())


def test_predict_gives_every_neuron_and_a_class_one_output():
    model = MLP((2, 3, 2), "sigmoid")
    params = model.init("xavier_uniform", seed=1)
    values = predict(model, params, X, "cross_entropy")
    assert values["h1"].shape == (5, 3) and values["s"].shape == (5, 2)
    p = np.exp(values["s"]) / np.exp(values["s"]).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(values["out"], p)  # the class probabilities
    logistic = predict(
        model.__class__((2, 3, 1), "sigmoid"),
        {**params, "W2": params["W2"][:1], "b2": params["b2"][:1]},
        X,
        "logistic",
    )
    np.testing.assert_allclose(logistic["out"], 1 / (1 + np.exp(-logistic["s"][:, 0])))
    assert model.activations() == ["h1", "s"]
    assert MLP((2, 3, 1), "linear").activations() == ["z1", "s"]


def test_minibatch_source_is_the_training_graph_and_parses_alone():
    model = MLP((2, 4, 2, 1), "relu")
    params = model.init("he_uniform", seed=2)
    y = targets("hinge", LABELS[:4])
    source, inputs = minibatch_source(model, params, X[:4], y, "hinge", l2=0.01)
    graph = parse(source)
    values, _ = graph.run(inputs)
    expected, _ = loss_and_gradients(model, params, X[:4], y, "hinge", l2=0.01)
    assert float(values[graph.output]) == expected
    assert len(graph) < 40 and "W1" in inputs and np.shape(inputs["X"]) == (4, 2)


@pytest.mark.parametrize("loss", LOSSES)
def test_the_printed_source_is_the_graph_training_runs_bit_for_bit(loss):
    """One definition: the playground parses the text printed from the expression training runs."""
    outputs = 2 if loss == "cross_entropy" else 1
    model = MLP((2, 5, 3, outputs), "leaky_relu")
    params = model.init("xavier_uniform", seed=4)
    y = targets(loss, LABELS, outputs)
    expr = model.loss(loss, l2=0.05, l1=0.01, biases=True)
    built, printed = build_graph(expr), parse(source(expr))
    value, grads = built.value_and_gradients({**params, "X": X, "y": y}, wrt=model.parameter_names)
    same, same_grads = printed.value_and_gradients({**params, "X": X, "y": y}, wrt=model.parameter_names)
    assert value.tobytes() == same.tobytes()
    for name in model.parameter_names:
        assert grads[name].shape == params[name].shape
        assert grads[name].tobytes() == same_grads[name].tobytes(), name


def test_each_parameter_is_one_input_of_the_graph():
    model = MLP((2, 4, 1), "relu")
    graph = model.graph("mse", l2=0.1)
    assert sorted(graph.input_names) == ["W1", "W2", "X", "b1", "b2", "y"]
    text = source(model.loss("mse", l2=0.1))
    assert "_T" not in text and text.splitlines()[0] == "z1 = X @ transpose(W1) + b1"
    assert text.splitlines()[-1] == "loss = data_loss + 0.05 * l2_penalty"
    assert repr(model.layers[1]) == "Linear(4 → 1)" and len(model.parameters()) == 4


def test_one_model_steps_through_each_configuration_with_its_own_graph():
    model = MLP((2, 3, 1))
    params = model.init("xavier_uniform", seed=6)
    y = targets("mse", LABELS)
    plain, _ = loss_and_gradients(model, params, X, y, "mse")
    penalty = 0.5 * 0.2 * sum(float(np.sum(params[w] ** 2)) for w in ("W1", "W2"))
    for l2 in (0.2, 0.0, float("nan"), 0.2, 0):  # alternating, as a sweep would
        value, grads = loss_and_gradients(model, params, X, y, "mse", l2)
        expected = plain + penalty if l2 == 0.2 else plain  # a NaN λ is not > 0: no penalty
        assert value == pytest.approx(expected, rel=1e-14), l2
        assert grads["W1"].shape == (3, 2) and grads["b2"].shape == (1,)
    hinge, _ = loss_and_gradients(model, params, X, targets("hinge", LABELS), "hinge")
    assert hinge != plain
