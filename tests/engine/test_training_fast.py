"""engine.fast.flat.Network (the minibatch graph as straight-line numpy) against nn's graphs, bit for bit.

Random networks, losses, penalties and parameters — large, tiny, ±0, ±inf and NaN among them —
through the graph (`nn.loss_and_gradients`, `nn.predict`, `nn.evaluate_loss`) and through the
fast path's Network: every array must be the same bytes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import nn

flat = pytest.importorskip("engine.fast.flat", reason="engine/fast/ removed: nothing fast to test")

ACTIVATIONS = ["tanh", "relu", "sigmoid", "leaky_relu", "hardtanh", "linear"]
SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e-300, 1e300, np.inf, -np.inf, np.nan]


def same(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


@st.composite
def cases(draw):
    loss = draw(st.sampled_from(["logistic", "cross_entropy", "mse", "hinge"]))
    classes = draw(st.integers(2, 4)) if loss == "cross_entropy" else 2
    outputs = classes if loss == "cross_entropy" else 1  # as engine.training builds the model
    sizes = (draw(st.integers(1, 4)), *draw(st.lists(st.integers(1, 5), max_size=3)), outputs)
    model = nn.MLP(sizes, draw(st.sampled_from(ACTIVATIONS)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([0.1, 1.0, 30.0]))
    params = {name: rng.normal(0, scale, shape) for name, shape in model.shapes().items()}
    if draw(st.booleans()):  # a special value somewhere
        name = draw(st.sampled_from(sorted(params)))
        params[name].flat[draw(st.integers(0, params[name].size - 1))] = draw(st.sampled_from(SPECIAL))
    rows = draw(st.integers(1, 12))
    X = rng.normal(0, 2, (rows, sizes[0]))
    labels = rng.integers(0, classes, rows).astype(np.float64)
    if loss == "mse":
        labels = rng.normal(0, 1, rows)
    y = nn.targets(loss, labels, outputs)
    penalties = {
        "l2": draw(st.sampled_from([0.0, 0.01, 0.3])),
        "l1": draw(st.sampled_from([0.0, 0.002])),
        "l2_biases": draw(st.booleans()),
    }
    return model, loss, penalties, params, X, y


def network(model, loss, penalties) -> flat.Network:
    return flat.Network.of(
        model.sizes, model.activation, loss, penalties["l2"], penalties["l1"], penalties["l2_biases"]
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_the_gradients_are_the_graphs_bit_for_bit(case):
    model, loss, penalties, params, X, y = case
    with np.errstate(all="ignore"):
        _, reference = nn.loss_and_gradients(model, params, X, y, loss, **penalties)
        fast = network(model, loss, penalties).gradients(params, X, y)
    assert list(fast) == list(reference) or set(fast) == set(reference)
    for name, value in reference.items():
        assert same(fast[name], value), name


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_the_prediction_and_each_neurons_picture_are_the_graphs(case):
    model, loss, penalties, params, X, _ = case
    with np.errstate(all="ignore"):
        reference = nn.predict(model, params, X, loss)
        fast = network(model, loss, penalties).predict(params, X)
    for name in [*model.activations(), "out"]:
        assert same(fast[name], reference[name]), name


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), count=st.integers(1, 5))
def test_stacked_losses_are_one_forward_per_parameter_set(case, count):
    model, loss, penalties, params, X, y = case
    sets = [{name: value * (1 + k / 3) for name, value in params.items()} for k in range(count)]
    stacks = {name: np.stack([s[name] for s in sets]) for name in params}
    with np.errstate(all="ignore"):
        reference = [nn.evaluate_loss(model, s, X, y, loss) for s in sets]
        fast = network(model, loss, penalties).stacked_losses(stacks, X, y)
    assert repr(fast) == repr(reference)  # repr: NaN and −0.0 compare as written


def test_a_wrong_kernel_is_caught():
    """The comparison can fail: a gradient one ulp off is not the same bytes."""
    model = nn.MLP((2, 3, 1), "tanh")
    params = model.init("xavier_uniform", 1)
    X, y = np.ones((4, 2)), np.array([0.0, 1.0, 1.0, 0.0])
    fast = network(model, "logistic", {"l2": 0.0, "l1": 0.0, "l2_biases": False}).gradients(params, X, y)
    _, reference = nn.loss_and_gradients(model, params, X, y, "logistic")
    assert same(fast["W1"], reference["W1"])
    assert not same(np.nextafter(fast["W1"], np.inf), reference["W1"])
