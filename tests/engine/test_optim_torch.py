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
    "adamw": "AdamW",
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
    ("adamw", {"lr": 0.05}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True, "betas": (0.8, 0.99)}),
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


SCHEDULERS = [
    ("step", {"step_size": 2, "gamma": 0.5}, "StepLR"),
    ("multistep", {"milestones": [1, 4, 5], "gamma": 0.3}, "MultiStepLR"),
    ("exponential", {"gamma": 0.9}, "ExponentialLR"),
    ("cosine", {"T_max": 5, "eta_min": 0.001}, "CosineAnnealingLR"),
]


@pytest.mark.parametrize(("name", "params", "torch_name"), SCHEDULERS, ids=[s[0] for s in SCHEDULERS])
def test_learning_rates_are_torch_schedulers(name, params, torch_name):
    """Each epoch's rate equals the scheduler's closed form exactly and its chained form to rounding."""
    from engine import optim

    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=0.1)
    scheduler = getattr(torch.optim.lr_scheduler, torch_name)(opt, **params)
    for epoch in range(12):
        ours = optim.learning_rate(0.1, name, epoch, params)
        assert ours == scheduler._get_closed_form_lr()[0]
        assert ours == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12, abs=1e-15)
        opt.step()
        scheduler.step()


def test_a_changed_learning_rate_continues_as_torch_does():
    """Adam on the bowl, lr 0.1 for 5 steps, then 0.02 with the state carried: torch changes the
    param group's lr in place."""
    from engine import optim

    hyper = {"lr": 0.1, "betas": (0.8, 0.99)}
    params = {"xy": np.array([1.5, -1.0])}
    state = optim.init_state("adamw", params, hyper)
    p = torch.nn.Parameter(torch.tensor([1.5, -1.0], dtype=torch.float64))
    opt = torch.optim.AdamW([p], **hyper)
    for k in range(10):
        if k == 5:
            hyper = {**hyper, "lr": 0.02}
            opt.param_groups[0]["lr"] = 0.02
        params, state = optim.step("adamw", params, {"xy": 2 * params["xy"]}, state, hyper)
        opt.zero_grad()
        (p**2).sum().backward()
        opt.step()
        np.testing.assert_allclose(params["xy"], p.detach().numpy(), rtol=1e-13, atol=1e-15)


def test_a_training_run_equals_torch_step_for_step():
    """train() against a torch.nn loop over the same batches: 3-class spiral, cross-entropy, L2
    and L1 on weights and biases, AdamW with a cosine schedule (torch's closed form per epoch)."""
    from engine import optim
    from engine.data import features
    from engine.training import TrainConfig, epoch_order, initial_state, train

    config = TrainConfig(
        dataset="spiral",
        classes=3,
        samples=60,
        loss="cross_entropy",
        layers=(5,),
        activation="tanh",
        optimizer="adamw",
        hyper={"lr": 0.02, "weight_decay": 0.05},
        schedule="cosine",
        schedule_params={"T_max": 4, "eta_min": 0.001},
        l2=0.01,
        l1=0.002,
        l2_biases=True,
        batch_size=8,
    )
    steps = 17  # 30 training points: batches of 8, 8, 8, 6 — an epoch ends mid-run
    ours = train(config, steps=steps, grid_size=None).state.params

    data, start = config.data(), initial_state(config).params
    X = torch.tensor(features(data.train_x, config.features))
    y = torch.tensor(data.train_y, dtype=torch.long)
    names = ["W1", "b1", "W2", "b2"]
    tensors = {n: torch.nn.Parameter(torch.tensor(start[n])) for n in names}
    opt = torch.optim.AdamW(list(tensors.values()), lr=0.02, weight_decay=0.05)
    epoch, position, order = 0, 0, epoch_order(config.seed, 0, len(y))
    for _ in range(steps):
        if position >= len(y):
            epoch, position, order = epoch + 1, 0, epoch_order(config.seed, epoch + 1, len(y))
        batch = torch.tensor(order[position : position + 8])
        position += len(batch)
        opt.param_groups[0]["lr"] = optim.learning_rate(0.02, "cosine", epoch, config.schedule_params)
        opt.zero_grad()
        h = torch.tanh(torch.nn.functional.linear(X[batch], tensors["W1"], tensors["b1"]))
        s = torch.nn.functional.linear(h, tensors["W2"], tensors["b2"])
        loss = torch.nn.functional.cross_entropy(s, y[batch])
        loss = loss + 0.005 * sum((t * t).sum() for t in tensors.values())
        loss = loss + 0.002 * sum(t.abs().sum() for t in tensors.values())
        loss.backward()
        opt.step()
    for name in names:
        np.testing.assert_allclose(ours[name], tensors[name].detach().numpy(), rtol=1e-11, atol=1e-13)
