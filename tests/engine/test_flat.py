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


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_a_large_network_updates_each_parameter_where_it_lies_with_the_same_bits(monkeypatch, optimizer):
    """Past FLAT_MAX the fast path keeps the parameters apart (no θ): still the reference's bits."""
    from engine import seam
    from engine.training import train

    config = TrainConfig(optimizer=optimizer, hyper={"lr": 0.05, "weight_decay": 0.01}, batch_size=7, l2=0.01)
    previous = seam.use_fast(False)
    try:
        reference = train(config, steps=12, grid_size=3)
        seam.use_fast(True)
        monkeypatch.setattr(fast_training, "FLAT_MAX", 0)
        first = train(config, steps=5, grid_size=3)
        fast = train(config, first.state, steps=7, grid_size=3)
    finally:
        seam.use_fast(previous)
    for name, value in reference.state.params.items():
        assert value.tobytes() == fast.state.params[name].tobytes()
        for key, slot in reference.state.optimizer[name].items():
            assert np.asarray(slot).tobytes() == np.asarray(fast.state.optimizer[name][key]).tobytes()
    curve = first.loss_curve["test"] + fast.loss_curve["test"]
    assert repr(curve) == repr(reference.loss_curve["test"])
