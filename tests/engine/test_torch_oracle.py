"""Optional oracle: a few graphs through torch.autograd give the engine's values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

from engine import evaluate, parse

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(7)
GRAPHS = [
    (
        "f = (x + y) * max(y, z)",
        {"x": 1.0, "y": 2.0, "z": 0.0},
        lambda t: (t["x"] + t["y"]) * torch.maximum(t["y"], t["z"]),
    ),
    (
        "z = W @ x + b; h = sigmoid(z); s = dot(u, h)",
        {
            "W": RNG.normal(size=(3, 4)),
            "x": RNG.normal(size=4),
            "b": RNG.normal(size=3),
            "u": RNG.normal(size=3),
        },
        lambda t: torch.dot(t["u"], torch.sigmoid(t["W"] @ t["x"] + t["b"])),
    ),
    (
        "h = tanh(X @ W1 + b1); p = h @ W2 + b2; loss = mse(p, Y)",
        {
            "X": RNG.normal(size=(5, 2)),
            "W1": RNG.normal(size=(2, 4)),
            "b1": RNG.normal(size=4),
            "W2": RNG.normal(size=(4, 1)),
            "b2": RNG.normal(size=1),
            "Y": RNG.normal(size=(5, 1)),
        },
        lambda t: F.mse_loss(torch.tanh(t["X"] @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"], t["Y"]),
    ),
    (
        "h = relu(X @ W + b); loss = cross_entropy(h, k)",
        {
            "X": RNG.normal(size=(4, 3)),
            "W": RNG.normal(size=(3, 5)),
            "b": RNG.normal(size=5),
            "k": np.array([0.0, 4.0, 2.0, 1.0]),
        },
        lambda t: F.cross_entropy(F.relu(t["X"] @ t["W"] + t["b"]), t["k"].long()),
    ),
    (
        "p = softmax(V); f = sum(p * C) + mean(log(abs(V) + 1)) + sum(leaky_relu(V, 0.2)) + sum(hardtanh(V))",
        {"V": RNG.normal(size=(2, 4)) * 1.5, "C": RNG.normal(size=(2, 4))},
        lambda t: (
            torch.sum(torch.softmax(t["V"], -1) * t["C"])
            + torch.mean(torch.log(torch.abs(t["V"]) + 1))
            + torch.sum(F.leaky_relu(t["V"], 0.2))
            + torch.sum(F.hardtanh(t["V"]))
        ),
    ),
    (
        "f = hinge(s, c) + min(s, c) ** 2 / exp(c) - sqrt(s * s + 1)",
        {"s": 0.3, "c": 0.9},
        lambda t: (
            torch.clamp(1 - t["s"] + t["c"], min=0)
            + torch.minimum(t["s"], t["c"]) ** 2 / torch.exp(t["c"])
            - torch.sqrt(t["s"] * t["s"] + 1)
        ),
    ),
]


@pytest.mark.parametrize(("source", "inputs", "reference"), GRAPHS, ids=[g[0][:30] for g in GRAPHS])
def test_engine_matches_torch_autograd(source, inputs, reference):
    tensors = {
        k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=k != "k") for k, v in inputs.items()
    }
    expected = reference(tensors)
    expected.backward()
    result = evaluate(parse(source), inputs)
    np.testing.assert_allclose(result.node(result.output).value, expected.detach().numpy(), rtol=1e-12)
    for name, tensor in tensors.items():
        if tensor.requires_grad:
            np.testing.assert_allclose(result.node(name).grad, tensor.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_a_fan_out_adds_its_terms_in_autograds_order():
    """x feeds three products: 1 + 1e16 − 1e16 is 0 or 1 by the order of the additions; the
    trace adds in the order autograd's backward pass does (last consumer first)."""
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    ((x * 1) + (x * 1e16) + (x * -1e16)).backward()
    result = evaluate(parse("a = x * 1\nb = x * 1e16\nc = x * -1e16\nf = a + b + c"), {"x": 1.0})
    assert float(result.node("x").grad) == x.grad.item() == 1.0
