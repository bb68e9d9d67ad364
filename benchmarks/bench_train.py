"""Training through engine.nn + engine.optim against hand-written numpy (and PyTorch eager), same run.

1. One training step — the minibatch graph forward and backward (Graph.value_and_gradients,
   wrt = parameters), then the SGD update — of 2-8-8-1 tanh + MSE (batch 10) and 784-128-10 relu +
   cross-entropy (batch 64), against the same step written out in numpy and in PyTorch eager when
   installed, on both paths: the reference (engine/training.py's loop: one optimiser update per
   parameter) and the fast one (engine/fast/training.py: θ flat, one update). Goals (issue 9):
   fast ≤ 2× numpy (2-8-8-1) and ≤ 1.15× (784-128-10); the reference within 4× of each. Where
   micrograd 0.1.0 is installed (the bench extra), a 2-8-8-1 ReLU + MSE step through its own MLP.
2. 100 /api/v1/train steps of the playground's default network (2-8-4-1 tanh, logistic loss,
   Adam, batch 10) through TestClient, with and without the per-step loss curve; and the call
   the training page makes while playing (one epoch, grid + neurons, state passed back); each
   with the fast path on and off, beside /healthz.
Medians of repeated runs; ratios against the baseline measured in the same process. On a busy
machine set CHAINRULE_BENCH_CLOCK=cpu: each block is timed by the process's CPU time (what it
computed, not how long it waited for a core); run with OPENBLAS_NUM_THREADS=1 so that the two
agree on an idle machine.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np

from engine import optim, seam
from engine.nn import MLP, loss_and_gradients, targets

LR = 0.05
CLOCK = time.process_time if os.environ.get("CHAINRULE_BENCH_CLOCK") == "cpu" else time.perf_counter
NETS = [
    ("2-8-8-1 tanh+MSE", (2, 8, 8, 1), "tanh", "mse", 10, 2.0),
    ("784-128-10 relu+CE", (784, 128, 10), "relu", "cross_entropy", 64, 1.15),
]


def median_seconds(step: Callable[[], object], repeats: int, inner: int) -> float:
    step()  # warm-up: caches, first allocations
    samples = []
    for _ in range(repeats):
        start = CLOCK()
        for _ in range(inner):
            step()
        samples.append((CLOCK() - start) / inner)
    return statistics.median(samples)


def interleaved_medians(
    steps: dict[str, Callable[[], None]], blocks: int, inner: int, warm: bool = False
) -> dict[str, float]:
    """Seconds per call: the candidates take turns block by block (fair under a changing load).

    With `warm`, each block starts after one untimed call, so that no candidate pays for the
    caches the one before it left (PyTorch's step, between the numpy and the engine blocks,
    leaves them cold for whichever comes next)."""
    for step in steps.values():
        step()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(blocks):
        for name, step in steps.items():
            if warm:
                step()
            start = CLOCK()
            for _ in range(inner):
                step()
            samples[name].append((CLOCK() - start) / inner)
    return {name: statistics.median(times) for name, times in samples.items()}


def engine_step(
    model: MLP, loss: str, params: dict, X: np.ndarray, y: np.ndarray
) -> Callable[[], None] | None:
    """The step as engine/fast/training.py takes it: for a small network the gradient written
    into θ's gradient vector in place and one optimiser update of θ (FlatRun, Network.bound), for
    a large one an update per parameter. None when engine/fast/ is absent."""
    fast = seam.fast("training")
    if fast is None:
        return None
    from engine.fast.flat import FlatLayout, FlatRun, Network  # the benchmark measures the fast path

    network = Network.of(model.sizes, model.activation, loss, 0.0, 0.0, False)
    step_gradients, layout = network.gradients, FlatLayout.of(model)
    hyper, rule = optim.hyperparameters("sgd", {"lr": LR}), optim.OPTIMIZERS["sgd"].rule
    state = {"params": params, "opt": optim.init_state("sgd", params)}
    run = FlatRun(layout, params)
    gradient_into = network.bound(run)

    def flat_step() -> None:
        gradient_into(X, y)  # (run_steps sets errstate once a call)
        run.theta[...] = rule(run.theta, run.gradient, {"momentum_buffer": None}, hyper, LR)

    def step() -> None:
        grads = step_gradients(state["params"], X, y)
        state["params"], state["opt"] = optim.step("sgd", state["params"], grads, state["opt"], hyper)

    return flat_step if layout.size <= fast.FLAT_MAX else step


def engine_step_per_parameter(
    model: MLP, loss: str, params: dict, X: np.ndarray, y: np.ndarray
) -> Callable[[], None]:
    """The reference step (engine/training.py's loop): the call's graph, one optimiser update per
    parameter array (optim.step on the dict)."""
    graph = model.graph(loss)
    state = {"params": params, "opt": optim.init_state("sgd", params)}

    def step() -> None:
        _, grads = loss_and_gradients(model, state["params"], X, y, graph=graph)
        state["params"], state["opt"] = optim.step("sgd", state["params"], grads, state["opt"], {"lr": LR})

    return step


def numpy_step(activation: str, loss: str, params: dict, X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    """The same step by hand: Z = X Wᵀ + b forward, δ backward, W ← W − lr·∂L/∂W."""
    p = {k: v.copy() for k, v in params.items()}
    layers = len(p) // 2
    act = np.tanh if activation == "tanh" else (lambda z: np.maximum(z, 0.0))

    def act_grad(z: np.ndarray, h: np.ndarray) -> np.ndarray:
        return 1.0 - h * h if activation == "tanh" else (z > 0).astype(float)

    def step() -> None:
        hs, zs = [X], []
        for k in range(1, layers + 1):
            z = hs[-1] @ p[f"W{k}"].T + p[f"b{k}"]
            zs.append(z)
            hs.append(act(z) if k < layers else z)
        s = hs[-1]
        if loss == "mse":
            delta = 2.0 * (s - y) / s.size
        else:
            e = np.exp(s - s.max(axis=1, keepdims=True))
            delta = e / e.sum(axis=1, keepdims=True)
            delta[np.arange(len(y)), y.astype(np.intp)] -= 1.0
            delta /= len(y)
        for k in range(layers, 0, -1):
            gW, gb = delta.T @ hs[k - 1], delta.sum(axis=0)
            if k > 1:
                delta = (delta @ p[f"W{k}"]) * act_grad(zs[k - 2], hs[k - 1])
            p[f"W{k}"] = p[f"W{k}"] - LR * gW
            p[f"b{k}"] = p[f"b{k}"] - LR * gb

    return step


def torch_step(
    activation: str, loss: str, params: dict, X: np.ndarray, y: np.ndarray
) -> Callable[[], None] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    tensors = [torch.tensor(v, requires_grad=True) for v in params.values()]
    Xt = torch.tensor(X)
    yt = torch.tensor(y) if loss == "mse" else torch.tensor(y, dtype=torch.long)
    opt = torch.optim.SGD(tensors, lr=LR)
    act = torch.tanh if activation == "tanh" else torch.relu

    def step() -> None:
        opt.zero_grad()
        h = Xt
        for k in range(0, len(tensors), 2):
            h = torch.nn.functional.linear(h, tensors[k], tensors[k + 1])
            if k + 2 < len(tensors):
                h = act(h)
        value = (
            torch.nn.functional.mse_loss(h, yt) if loss == "mse" else torch.nn.functional.cross_entropy(h, yt)
        )
        value.backward()
        opt.step()

    return step


def bench_steps() -> None:
    rng = np.random.default_rng(0)
    for name, sizes, activation, loss, batch, goal in NETS:
        model = MLP(sizes, activation)
        params = model.init("xavier_uniform", seed=0)
        X = rng.normal(size=(batch, sizes[0]))
        labels = (
            rng.integers(0, sizes[-1], size=batch).astype(float) if loss != "mse" else rng.normal(size=batch)
        )
        y = targets(loss, labels, sizes[-1])
        # Many short blocks for the small net: its median holds steady under another process's load.
        blocks, inner = (60, 10) if sizes[0] < 100 else (25, 2)
        steps = {
            "reference": engine_step_per_parameter(model, loss, params, X, y),
            "numpy": numpy_step(activation, loss, params, X, y),
        }
        fast = engine_step(model, loss, params, X, y)
        if fast is not None:
            steps["fast"] = fast
        eager = torch_step(activation, loss, params, X, y)
        if eager is not None:
            steps["torch"] = eager
        times = interleaved_medians(steps, blocks, inner, warm=True)
        base = times["numpy"]
        line = f"{name:22s} batch {batch:3d}: numpy {base * 1e6:8.1f} µs"
        if "torch" in times:
            line += f"   torch eager {times['torch'] * 1e6:8.1f} µs"
        print(line, flush=True)
        for path, path_goal in (("fast", goal), ("reference", 4 * goal)):
            if path in times:
                ratio = times[path] / base
                print(
                    f"{'':22s}   {path:9s} {times[path] * 1e6:8.1f} µs   ratio {ratio:5.2f}× numpy   "
                    f"goal ≤ {path_goal:g}×: {'met' if ratio <= path_goal else 'NOT met'}",
                    flush=True,
                )


def micrograd_step(X: np.ndarray, y: np.ndarray) -> Callable[[], None] | None:
    """The same step in micrograd 0.1.0: its own MLP (ReLU hidden layers, linear output), one
    scalar graph per sample, summed into the MSE, then SGD on every Value."""
    try:
        from micrograd.nn import MLP as MicroMLP
    except ImportError:
        return None
    import random

    random.seed(0)
    model = MicroMLP(X.shape[1], [8, 8, 1])
    rows, targets_ = [list(map(float, row)) for row in X], list(map(float, y.ravel()))

    def step() -> None:
        model.zero_grad()
        loss = sum(((model(row) - target) ** 2 for row, target in zip(rows, targets_, strict=True)), 0.0)
        loss = loss * (1.0 / len(rows))
        loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad

    return step


def bench_micrograd() -> None:
    """2-8-8-1 ReLU + MSE (micrograd's own MLP has ReLU hidden layers), batch 10."""
    rng = np.random.default_rng(1)
    X, labels = rng.normal(size=(10, 2)), rng.normal(size=10)
    micro = micrograd_step(X, labels)
    if micro is None:
        print("micrograd is not installed (pip install micrograd==0.1.0, in the bench extra): no column")
        return
    model = MLP((2, 8, 8, 1), "relu")
    params = model.init("xavier_uniform", seed=0)
    y = targets("mse", labels, 1)
    steps = {
        "engine": engine_step(model, "mse", params, X, y)
        or engine_step_per_parameter(model, "mse", params, X, y),
        "numpy": numpy_step("relu", "mse", params, X, y),
        "micrograd": micro,
    }
    times = interleaved_medians(steps, 15, 3, warm=True)
    ours = times["engine"]
    print(
        f"{'2-8-8-1 relu+MSE':22s} batch  10: engine {ours * 1e6:8.1f} µs   numpy {times['numpy'] * 1e6:8.1f} µs   "
        f"ratio {ours / times['numpy']:5.2f}×   micrograd {times['micrograd'] * 1e6:9.1f} µs "
        f"(engine/micrograd {ours / times['micrograd']:5.3f}×)",
        flush=True,
    )


def bench_api() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from app.main import create_app

    client = TestClient(create_app())

    def post(body: dict) -> dict:
        response = client.post("/api/v1/train", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def on_path(fast: bool, call: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            previous = seam.use_fast(fast)
            try:
                return call()
            finally:
                seam.use_fast(previous)

        return run

    # What static/js/train-run.js sends while playing: the page's default network (2-4-2-1), one
    # epoch (10 steps) per call, the heatmap and every neuron's grid, the state handed back.
    first = post({**PAGE_BODY, "steps": 0, "points": True})
    calls: dict[str, Callable[[], object]] = {}
    for fast in (True, False):
        path = "fast" if fast else "reference"
        calls[f"100 steps, loss curve + grid ({path})"] = on_path(fast, lambda: post({"steps": 100}))
        calls[f"100 steps, no curve, no grid ({path})"] = on_path(
            fast, lambda: post({"steps": 100, "curve": False, "grid": False})
        )
        calls[f"page: one epoch, grid + neurons ({path})"] = on_path(
            fast, lambda: post({**PAGE_BODY, "state": first["state"]})
        )
    calls["health check (the client's own cost)"] = lambda: client.get("/healthz")
    times = interleaved_medians(calls, 7, 1)
    health = times["health check (the client's own cost)"]
    for label, seconds in times.items():
        print(f"/train {label:50s}: {seconds * 1e3:7.1f} ms  ({seconds / health:5.1f}× /healthz)", flush=True)


PAGE_BODY = {
    "dataset": {"name": "circle", "samples": 200, "noise": 0, "test_fraction": 0.5, "seed": 1},
    "features": ["x1", "x2"],
    "model": {"layers": [4, 2], "activation": "tanh", "init": "xavier_uniform", "seed": 1},
    "loss": "logistic",
    "optimizer": {"name": "adam", "lr": 0.03},
    "schedule": {"name": "constant"},
    "l2": 0,
    "batch_size": 10,
    "steps": 10,
    "grid": True,
    "neurons": True,
    "points": False,
}


def main() -> None:
    bench_steps()
    bench_micrograd()
    bench_api()


if __name__ == "__main__":
    main()
