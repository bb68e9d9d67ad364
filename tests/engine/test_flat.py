"""θ, one vector holding every parameter: flatten and split are each other's inverse, in C order."""

from __future__ import annotations

import numpy as np
import pytest

from engine.nn import MLP
from engine.training import Job, TrainConfig

flat = pytest.importorskip("engine.fast.flat", reason="engine/fast/ removed: nothing fast to test")
fast_training = pytest.importorskip("engine.fast.training")
FlatLayout = flat.FlatLayout


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


def test_flat_layout_splits_into_c_ordered_views_and_stacks():
    model = MLP((2, 3, 2, 1))
    layout = FlatLayout.of(model)
    params = model.init("xavier_uniform", seed=5)
    theta = layout.flatten(params)
    views = layout.split(theta)
    assert list(views) == list(model.parameter_names)
    for name, value in params.items():
        assert views[name].base is theta and views[name].flags.c_contiguous
        np.testing.assert_array_equal(views[name], value)
    stack = layout.split(np.stack([theta, 2 * theta]))
    np.testing.assert_array_equal(stack["W2"][1], 2 * params["W2"])


@pytest.mark.parametrize("loss", ["logistic", "cross_entropy", "mse", "hinge"])
def test_stacked_losses_are_the_bits_of_one_forward_per_parameter_set(loss):
    from engine import nn

    job = Job.of(TrainConfig(loss=loss, layers=(5, 3)))
    layout = FlatLayout.of(job.model)
    thetas = [layout.flatten(job.model.init("xavier_uniform", seed=k)) for k in range(4)]
    stacked = fast_training.stacked_losses(job, layout, thetas, job.X_test, job.Y_test)
    one_by_one = [nn.evaluate_loss(job.model, layout.split(t), job.X_test, job.Y_test, loss) for t in thetas]
    assert stacked == one_by_one
