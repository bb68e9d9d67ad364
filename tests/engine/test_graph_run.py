"""Graph.run (fast or reference path): gradients of their inputs' shapes, arrays of their own, inf/NaN as values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from engine import EngineError, parse


def test_each_gradient_is_an_array_of_its_own_never_the_callers_seed() -> None:
    graph = parse("out = a + b")  # add hands the one upstream (the seed) to both inputs
    seed = np.array([1.0, 2.0])
    _, grads = graph.run({"a": [0.0, 0.0], "b": [5.0, 6.0]}, seed=seed)
    assert grads["a"] is not grads["b"] and grads["a"] is not seed and grads["b"] is not seed
    assert grads["a"].flags.writeable and grads["b"].flags.writeable
    grads["a"][0] = 99.0
    np.testing.assert_array_equal(grads["b"], [1.0, 2.0])
    np.testing.assert_array_equal(seed, [1.0, 2.0])


def test_an_input_named_twice_in_wrt_gets_its_gradient_once() -> None:
    graph = parse("out = sum(x * x)")
    _, grads = graph.run({"x": [1.0, -2.0]}, wrt=["x", "x"])
    assert list(grads) == ["x"]
    np.testing.assert_array_equal(grads["x"], [2.0, -4.0])


def test_a_bias_row_and_a_column_are_summed_back_to_their_shapes() -> None:
    graph = parse("z = X @ W + b\nout = sum(tanh(z) * c)")
    X = np.arange(6.0).reshape(3, 2) / 10
    W = np.array([[0.5, -1.0, 0.25], [2.0, 0.0, -0.5]])
    b, c = np.array([0.1, -0.2, 0.3]), np.array([[1.0], [2.0], [-1.0]])
    _, grads = graph.run({"X": X, "W": W, "b": b, "c": c})
    h = np.tanh(X @ W + b)
    upstream = c * (1.0 - h * h)  # ∂out/∂z, (3, 3); 1 − h² cancels a few bits the engine's sech² keeps
    np.testing.assert_allclose(grads["b"], upstream.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(grads["W"], X.T @ upstream, rtol=1e-13)
    np.testing.assert_allclose(grads["c"], h.sum(axis=1, keepdims=True), rtol=1e-15)
    assert grads["X"].shape == (3, 2) and grads["W"].shape == (2, 3)


def test_a_matrix_times_a_vector_takes_the_general_path() -> None:
    graph = parse("out = sum(tanh(W @ v))")
    W, v = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([0.3, 0.2])
    _, grads = graph.run({"W": W, "v": v})
    local = 1.0 - np.tanh(W @ v) ** 2
    np.testing.assert_allclose(grads["v"], W.T @ local, rtol=1e-15)
    np.testing.assert_allclose(grads["W"], np.outer(local, v), rtol=1e-15)


def test_overflow_is_a_value_and_the_callers_error_state_is_restored() -> None:
    graph = parse("out = exp(x) * 0")
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        values, grads = graph.run({"x": 1000.0})
        assert np.isnan(values["out"]) and np.isnan(grads["x"])
        assert np.geterr()["over"] == "raise"
        with pytest.raises(EngineError):  # an error inside the pass leaves the state as it was
            parse("out = a @ b").run({"a": np.ones((2, 3)), "b": np.ones((2, 3))})
        assert np.geterr() == {"divide": "raise", "over": "raise", "under": "raise", "invalid": "raise"}
    assert np.geterr()["over"] != "raise"


def test_lists_numbers_and_other_dtypes_are_taken_as_float64_inputs() -> None:
    graph = parse("out = sum(a * b) + c")
    values, grads = graph.run({"a": [1, 2], "b": np.array([3, 4]), "c": 2.5})
    assert float(values["out"]) == 13.5 and values["b"].dtype == np.float64
    np.testing.assert_array_equal(grads["a"], [3.0, 4.0])
    assert grads["a"].dtype == np.float64 and float(grads["c"]) == 1.0


def test_a_bad_or_missing_input_is_named_beside_float64_arrays() -> None:
    graph = parse("out = sum(a * b) + c")
    with pytest.raises(EngineError) as caught:
        graph.run({"a": np.ones(2), "b": "x", "c": np.array(1.0)})
    assert caught.value.code == "invalid_input" and "'b'" in caught.value.message
    with pytest.raises(EngineError) as caught:
        graph.value_and_gradients({"a": np.ones(2), "c": np.array(1.0)})
    assert caught.value.code == "missing_input" and "'b'" in caught.value.message
    with pytest.raises(EngineError) as caught:
        graph.forward({"a": np.ones(2), "b": np.ones(2), "c": np.array(1.0), "d": np.ones(1)})
    assert caught.value.code == "unknown_input" and "'d'" in caught.value.message
