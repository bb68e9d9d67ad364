"""θ, one vector holding every parameter: flatten and split are each other's inverse, in C order."""

from __future__ import annotations

import numpy as np
import pytest

from engine.flat import FlatLayout
from engine.nn import MLP


def test_flatten_reads_each_parameter_in_c_order_and_split_gives_views_back() -> None:
    model = MLP((2, 3, 1))
    layout = FlatLayout.of(model)
    assert layout.names == ("W1", "b1", "W2", "b2") and layout.size == 6 + 3 + 3 + 1
    params = {
        name: np.arange(float(np.prod(s))).reshape(s) + 10 * k
        for k, (name, s) in enumerate(model.shapes().items())
    }
    params["W1"] = np.asfortranarray(params["W1"])  # a transposed layout reads the same
    theta = layout.flatten(params)
    np.testing.assert_array_equal(theta[:6], [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(theta[6:9], [10, 11, 12])
    views = layout.split(theta)
    for name, value in params.items():
        np.testing.assert_array_equal(views[name], value)
        assert np.shares_memory(views[name], theta)


def test_flatten_makes_float64_and_refuses_a_wrong_count() -> None:
    layout = FlatLayout.of(MLP((1, 1)))
    theta = layout.flatten({"W1": np.array([[3]]), "b1": np.array([-1])})
    assert theta.dtype == np.float64 and theta.tolist() == [3.0, -1.0]
    with pytest.raises(ValueError):
        layout.flatten({"W1": np.ones((1, 2)), "b1": np.zeros(1)})
