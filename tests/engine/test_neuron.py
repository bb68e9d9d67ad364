"""The notes' neuron and score, z = Wx + b, h = f(z), s = uᵀh, against the hand formulas; kinks."""

from __future__ import annotations

import numpy as np
import pytest

from engine import evaluate, gradcheck, parse

NEURON = "Wx = W @ x; z = Wx + b; h = {f}(z); s = dot(u, h)"
W = np.array([[0.5, -1.0, 0.25, 2.0], [1.5, 0.5, -0.75, -0.5], [-1.0, 0.25, 0.5, 1.0]])
x = np.array([0.4, -0.3, 0.8, 0.1])
b = np.array([0.1, -0.2, 0.3])
u = np.array([1.0, -2.0, 0.5])
INPUTS = {"W": W, "x": x, "b": b, "u": u}
z = W @ x + b  # [0.175, -1.0, 0.9]: away from relu's kink

DERIVATIVES = {
    "sigmoid": lambda z: (1 / (1 + np.exp(-z))) * (1 - 1 / (1 + np.exp(-z))),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
}
ACTIVATIONS = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}


@pytest.fixture(params=sorted(DERIVATIVES))
def activation(request: pytest.FixtureRequest) -> str:
    return request.param


def test_score_gradients_match_the_hand_formulas(activation: str):
    result = evaluate(parse(NEURON.format(f=activation)), INPUTS)
    f_prime = DERIVATIVES[activation](z)
    delta = u * f_prime  # δ = uᵀ diag(f′(z)), a row vector
    grads = {n.id: n.grad for n in result.nodes}
    np.testing.assert_allclose(grads["b"], delta, rtol=1e-14)  # ∂s/∂b = δ
    np.testing.assert_allclose(grads["z"], delta, rtol=1e-14)
    np.testing.assert_allclose(grads["W"], np.outer(delta, x), rtol=1e-14)  # ∂s/∂W = δᵀxᵀ
    np.testing.assert_allclose(grads["x"], W.T @ delta, rtol=1e-14)  # ∂s/∂x = Wᵀδᵀ
    np.testing.assert_allclose(grads["u"], ACTIVATIONS[activation](z), rtol=1e-14)  # ∂s/∂u = h
    assert grads["W"].shape == W.shape  # the shape convention
    assert float(result.node("s").value) == pytest.approx(u @ ACTIVATIONS[activation](z), rel=1e-14)


def test_neuron_passes_gradcheck(activation: str):
    assert gradcheck(parse(NEURON.format(f=activation)), INPUTS).passed


def test_edge_records_on_the_neuron(activation: str):
    result = evaluate(parse(NEURON.format(f=activation)), INPUTS)
    f_prime = DERIVATIVES[activation](z)
    delta = u * f_prime

    activation_edge = result.edge("z", "h")  # elementwise: the diagonal of diag(f′(z))
    assert activation_edge.local_kind == "elementwise"
    np.testing.assert_allclose(activation_edge.local, f_prime, rtol=1e-14)
    np.testing.assert_allclose(activation_edge.upstream, u, rtol=1e-14)
    np.testing.assert_allclose(activation_edge.downstream, delta, rtol=1e-14)
    np.testing.assert_allclose(activation_edge.value, z, rtol=1e-14)

    bias_edge = result.edge("b", "z")
    assert bias_edge.local_kind == "elementwise"
    np.testing.assert_array_equal(bias_edge.local, np.ones(3))
    np.testing.assert_allclose(bias_edge.downstream, delta, rtol=1e-14)

    score_edge = result.edge("h", "s")  # dot: a (3,) Jacobian of a scalar, which is u
    assert score_edge.local_kind == "jacobian"
    np.testing.assert_allclose(score_edge.local, u)
    assert float(score_edge.upstream) == 1.0

    weight_edge = result.edge("W", "Wx")  # 3 × 12 = 36 ≤ 64 entries: the full Jacobian
    assert weight_edge.local_kind == "jacobian"
    expected = np.einsum("ij,k->ijk", np.eye(3), x)  # ∂(Wx)ᵢ/∂W_jk = δᵢⱼ x_k
    np.testing.assert_allclose(weight_edge.local, expected)
    np.testing.assert_allclose(weight_edge.downstream, np.outer(delta, x), rtol=1e-14)
    np.testing.assert_allclose(result.edge("x", "Wx").local, W)
    assert "ᵀ" in weight_edge.formula and weight_edge.formula.startswith("∂Wx/∂W")


def test_large_jacobians_are_omitted():
    result = evaluate(parse("f = A @ B"), {"A": np.ones((4, 3)), "B": np.ones((3, 2))})
    edge = result.edge("A", "f")  # 8 outputs × 12 inputs = 96 > 64
    assert edge.local_kind == "omitted" and edge.local is None
    np.testing.assert_array_equal(edge.downstream, np.full((4, 3), 2.0))


def test_scalar_edges_are_scalar_kind():
    result = evaluate(parse("f = sigmoid(a) * b"), {"a": 0.0, "b": 3.0})
    assert {e.local_kind for e in result.edges} == {"scalar"}
    assert float(result.edge("a", "#0").local) == 0.25
    assert float(result.node("a").grad) == 0.75


@pytest.mark.parametrize(
    ("source", "inputs", "expected"),
    [
        ("f = relu(a)", {"a": 0.0}, {"a": 0.0}),
        ("f = abs(a)", {"a": 0.0}, {"a": 0.0}),
        ("f = hardtanh(a)", {"a": 1.0}, {"a": 0.0}),
        ("f = hardtanh(a)", {"a": -1.0}, {"a": 0.0}),
        ("f = hardtanh(a)", {"a": 0.999}, {"a": 1.0}),
        ("f = leaky_relu(a)", {"a": 0.0}, {"a": 0.01}),
        ("f = leaky_relu(a, 0.2)", {"a": 0.0}, {"a": 0.2}),
        ("f = leaky_relu(a, 0.2)", {"a": -3.0}, {"a": 0.2}),
        ("f = max(a, b)", {"a": 2.0, "b": 2.0}, {"a": 0.5, "b": 0.5}),
        ("f = min(a, b)", {"a": 2.0, "b": 2.0}, {"a": 0.5, "b": 0.5}),
        ("f = max(b, a)", {"a": 2.0, "b": 2.0}, {"a": 0.5, "b": 0.5}),
        ("f = max(a, b)", {"a": 3.0, "b": 2.0}, {"a": 1.0, "b": 0.0}),
        ("f = x ** 0", {"x": 0.0}, {"x": 0.0}),
        ("f = x ** y", {"x": 0.0, "y": 2.0}, {"x": 0.0, "y": 0.0}),
        ("f = a / b", {"a": 1e-200, "b": 1e-200}, {"a": 1e200, "b": -1e200}),
        ("f = min(a, b)", {"a": 1.0, "b": 2.0}, {"a": 1.0, "b": 0.0}),
        ("f = min(a, b)", {"a": 3.0, "b": 2.0}, {"a": 0.0, "b": 1.0}),
        ("f = hinge(t, c)", {"t": 1.0, "c": 0.0}, {"t": 0.0, "c": 0.0}),
        ("f = hinge(t, c)", {"t": 0.5, "c": 0.0}, {"t": -1.0, "c": 1.0}),
    ],
)
def test_kink_conventions(source: str, inputs: dict, expected: dict):
    _, grads = parse(source).run(inputs)
    assert {k: float(v) for k, v in grads.items()} == expected
    result = evaluate(parse(source), inputs)
    assert {k: float(result.node(k).grad) for k in expected} == expected


def test_kinks_elementwise_on_tensors():
    _, grads = parse("f = sum(max(a, b))").run({"a": [1.0, 2.0, 3.0], "b": [1.0, 5.0, 0.0]})
    np.testing.assert_array_equal(grads["a"], [0.5, 0.0, 1.0])  # a tie splits ½ each (torch.maximum)
    np.testing.assert_array_equal(grads["b"], [0.5, 1.0, 0.0])
    _, grads = parse("f = sum(relu(a))").run({"a": [-1.0, 0.0, 2.0]})
    np.testing.assert_array_equal(grads["a"], [0.0, 0.0, 1.0])
    result = evaluate(parse("f = max(a, b)"), {"a": [1.0, 2.0, 3.0], "b": 2.0})
    np.testing.assert_array_equal(result.edge("a", "f").local, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(result.edge("b", "f").local, [1.0, 0.5, 0.0])
    assert float(result.node("b").grad) == 1.5  # un-broadcast: summed over the three elements


def test_op_formulas_show_the_tie_rule():
    result = evaluate(parse("f = max(y, z)"), {"y": 2, "z": 0})
    assert result.edge("y", "f").formula == "∂f/∂y = 1 if y > z, ½ if equal, else 0"
    assert result.edge("z", "f").formula == "∂f/∂z = 1 if z > y, ½ if equal, else 0"
