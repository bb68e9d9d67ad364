"""Unrolled graphs: every tensor op as scalar gates, with the tensor graph's gradients element for element."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from engine import EngineError, evaluate, parse
from engine.unroll import index_name, unroll
from tests.engine.test_random_graphs import random_graphs


def assert_same_gradients(source: str, inputs: dict, rtol: float = 1e-9) -> None:
    graph = parse(source)
    tensor = evaluate(graph, inputs)
    scalar = evaluate(unroll(graph, inputs))
    assert all(node.value.shape == () for node in scalar.nodes)  # every node a scalar gate
    out = tensor.node(tensor.output).value
    np.testing.assert_allclose(float(scalar.node(scalar.output).value), float(np.sum(out)), rtol=rtol)
    ids = {node.id for node in scalar.nodes}
    for name, value in inputs.items():
        grad = tensor.node(name).grad
        for position in np.ndindex(*np.shape(value)):
            key = index_name(name, position)
            if key in ids:  # an element the output does not use is not drawn
                np.testing.assert_allclose(
                    float(scalar.node(key).grad), grad[position], rtol=rtol, atol=1e-12
                )
            else:
                assert grad[position] == 0.0, key


def test_the_notes_score_unrolled_shows_delta_times_x_cell_by_cell():
    """z = Wx + b, h = σ(z), s = uᵀh: ∂s/∂W[i,j] = δ[i]·x[j] with δ = u ⊙ σ′(z)."""
    W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]) / 10
    x, b, u = np.array([1.0, -2.0, 0.5]), np.array([0.1, -0.2]), np.array([1.0, -1.0])
    inputs = {"W": W, "x": x, "b": b, "u": u}
    scalar = evaluate(unroll(parse("z = W @ x + b\nh = sigmoid(z)\ns = dot(u, h)"), inputs))
    z = W @ x + b
    delta = u * (1 / (1 + np.exp(-z))) * (1 / (1 + np.exp(z)))
    for i in range(2):
        assert float(scalar.node(f"b[{i}]").grad) == pytest.approx(delta[i], rel=1e-12)  # ∂s/∂b = δ
        assert float(scalar.node(f"z[{i}]").grad) == pytest.approx(delta[i], rel=1e-12)
        for j in range(3):
            assert float(scalar.node(f"W[{i},{j}]").grad) == pytest.approx(delta[i] * x[j], rel=1e-12)
    assert {"h[0]", "h[1]", "z[0]", "z[1]"} <= {n.id for n in scalar.nodes}


@pytest.mark.parametrize(
    ("source", "inputs"),
    [
        ("f = sum(W @ x)", {"W": [[1.0, 2.0], [3.0, 4.0]], "x": [0.5, -1.0]}),
        ("f = x @ W", {"W": [[1.0, 2.0], [3.0, 4.0], [0.5, 0.25]], "x": [0.5, -1.0, 2.0]}),
        ("f = A @ B", {"A": [[1.0, 2.0], [3.0, 4.0]], "B": [[0.5, 1.0, -1.0], [2.0, 0.0, 1.0]]}),
        ("f = cross_entropy(z, k)", {"z": [[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]], "k": [2.0, 0.0]}),
        ("p = softmax(z)\nf = -log(p[2])", {"z": [0.5, -1.0, 2.0]}),
        ("f = sum(log_softmax(z), 0) + logsumexp(z)", {"z": [0.5, -1.0, 2.0]}),
        ("f = mean(sum(X, 0) * mean(X, 0))", {"X": [[1.0, 2.0], [3.0, 4.0], [5.0, -6.0]]}),
        (
            "f = mse(transpose(A), B) + clamp(A[1, 0], 0, 1)",
            {"A": [[1.0, 2.0], [0.5, 4.0]], "B": [[0.0, 1.0], [1.0, 0.0]]},
        ),
        (
            "z = X @ W + b\nf = mean(tanh(z))",
            {"X": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], "W": [[0.1], [0.2]], "b": [0.5]},
        ),
    ],
)
def test_unrolled_gradients_equal_the_tensor_graphs(source, inputs):
    assert_same_gradients(source, {k: np.asarray(v, dtype=float) for k, v in inputs.items()})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_unrolled_random_graphs_have_the_tensor_gradients(case):
    source, inputs = case
    assert_same_gradients(source, inputs, rtol=1e-8)


def test_too_large_to_unroll_names_the_limit():
    with pytest.raises(EngineError) as caught:
        unroll(parse("f = sum(x * 2)"), {"x": np.ones(65)})
    assert caught.value.code == "too_large_to_unroll" and "64" in caught.value.message
