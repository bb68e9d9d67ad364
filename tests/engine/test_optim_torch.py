"""Optional oracle: every optimiser's path on every surface equals torch.optim's, step for step."""

from __future__ import annotations

import numpy as np
import pytest

from engine.surfaces import SURFACES, optimize

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

TORCH = {
    "sgd": "SGD",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "sparse_adam": "SparseAdam",
}
CONFIGS = [
    ("sgd", {"lr": 0.001}),
    ("sgd", {"lr": 0.001, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.001, "momentum": 0.5, "dampening": 0.3}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1}),
    ("rmsprop", {}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.01}),
    ("adam", {"lr": 0.05}),
    ("adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01, "betas": (0.8, 0.99)}),
    ("sparse_adam", {"lr": 0.05}),
]
START = {
    "bowl": (1.5, -1.0),
    "ravine": (1.5, 0.5),
    "rosenbrock": (-1.0, 1.5),
    "saddle": (1.0, 0.01),
    "beale": (1.0, 1.0),
}
STEPS = 25


def torch_function(name: str, p):
    x, y = p[0], p[1]
    return {
        "bowl": lambda: x**2 + y**2,
        "ravine": lambda: x**2 + 20 * y**2,
        "rosenbrock": lambda: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        "saddle": lambda: x**2 - y**2,
        "beale": lambda: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2,
    }[name]()


def torch_path(function: str, optimizer: str, hyper: dict) -> np.ndarray:
    p = torch.nn.Parameter(torch.tensor(START[function], dtype=torch.float64))
    opt = getattr(torch.optim, TORCH[optimizer])([p], **hyper)
    path = [p.detach().numpy().copy()]
    for _ in range(STEPS):
        opt.zero_grad()
        torch_function(function, p).backward()
        if optimizer == "sparse_adam":
            p.grad = p.grad.to_sparse()  # the rows (here: coordinates) whose gradient is non-zero
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


@pytest.mark.parametrize("function", sorted(SURFACES))
@pytest.mark.parametrize(
    ("optimizer", "hyper"), CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)]
)
def test_path_matches_torch_optim_step_for_step(function, optimizer, hyper):
    ours, _ = optimize(function, START[function], optimizer, hyper, STEPS)
    theirs = torch_path(function, optimizer, hyper)
    assert np.isfinite(theirs).all()
    # Same rule, same order of operations: agreement to a few units in the last place.
    np.testing.assert_allclose(np.array(ours), theirs, rtol=1e-12, atol=1e-12)
