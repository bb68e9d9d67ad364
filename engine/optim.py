"""Optimisers as pure functions on arrays, with PyTorch's update rules, names and defaults.

    state = init_state("adam", params)
    params, state = step("adam", params, grads, state, {"lr": 0.01})

`params`/`grads` map names to float64 arrays; `state` maps each parameter to a dict of plain
arrays and numbers (serialisable), mirroring `torch.optim.Optimizer.state`. Each rule follows
the algorithm box of its torch.optim page and the order of operations of its implementation,
so paths agree with PyTorch's to rounding. Learning-rate schedules are pure functions of the
epoch (`learning_rate`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from engine.errors import EngineError
from engine.fpstate import IGNORE, ignore_all

Array = np.ndarray
_FLOAT64 = np.dtype(np.float64)
State = dict[str, dict[str, object]]

DEFAULTS: dict[str, dict[str, object]] = {
    "sgd": {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0},
    "adagrad": {
        "lr": 1e-2,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    },
    "rmsprop": {
        "lr": 1e-2,
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
    },
    "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
    "sparse_adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8},
}
OPTIMIZERS = tuple(DEFAULTS)


def hyperparameters(name: str, given: Mapping[str, object] | None = None) -> dict[str, object]:
    """PyTorch's defaults overridden by `given`; unknown names and impossible values are errors."""
    if name not in DEFAULTS:
        raise EngineError("unknown_optimizer", f"unknown optimizer '{name}' (known: {', '.join(OPTIMIZERS)})")
    hyper = dict(DEFAULTS[name])
    for key, value in (given or {}).items():
        if key not in hyper:
            raise EngineError(
                "unknown_argument", f"{name} has no hyper-parameter '{key}' (has: {', '.join(hyper)})"
            )
        hyper[key] = value
    for key, default in DEFAULTS[name].items():
        if isinstance(default, bool):
            hyper[key] = bool(hyper[key])
        elif isinstance(default, float):
            hyper[key] = float(hyper[key])
    if "betas" in hyper:
        betas = tuple(float(b) for b in hyper["betas"])
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise EngineError("invalid_value", "betas must be two numbers in [0, 1)")
        hyper["betas"] = betas
    if not float(hyper["lr"]) >= 0.0:
        raise EngineError("invalid_value", "lr must be ≥ 0")
    if name == "sgd" and hyper["nesterov"] and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
        raise EngineError("invalid_value", "Nesterov momentum requires a momentum and zero dampening")
    return hyper


def init_state(name: str, params: Mapping[str, Array], hyper: Mapping[str, object] | None = None) -> State:
    """Fresh per-parameter state, as torch.optim creates it lazily on the first step."""
    hyper = hyperparameters(name, hyper)
    state: State = {}
    for key, p in params.items():
        zeros = np.zeros_like(p)
        if name == "sgd":
            state[key] = {"momentum_buffer": None}
        elif name == "adagrad":
            state[key] = {"step": 0, "sum": np.full_like(p, float(hyper["initial_accumulator_value"]))}
        elif name == "rmsprop":
            state[key] = {
                "step": 0,
                "square_avg": zeros,
                "momentum_buffer": zeros.copy(),
                "grad_avg": zeros.copy(),
            }
        elif name == "adam":
            state[key] = {
                "step": 0,
                "exp_avg": zeros,
                "exp_avg_sq": zeros.copy(),
                "max_exp_avg_sq": zeros.copy(),
            }
        else:
            state[key] = {"step": 0, "exp_avg": zeros, "exp_avg_sq": zeros.copy()}
    return state


def _lerp(start: Array, end: Array, weight: float) -> Array:
    """torch.lerp's two branches, so m ← m + (1 − β)(g − m) rounds as PyTorch's does."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def _sgd(p: Array, g: Array, s: dict, h: Mapping, lr: float) -> Array:
    if h["weight_decay"]:
        g = g + h["weight_decay"] * p
    if h["momentum"]:
        buf = s["momentum_buffer"]
        buf = g.copy() if buf is None else buf * h["momentum"] + (1.0 - h["dampening"]) * g
        s["momentum_buffer"] = buf
        g = g + h["momentum"] * buf if h["nesterov"] else buf
    return p - lr * g


def _adagrad(p: Array, g: Array, s: dict, h: Mapping, lr: float) -> Array:
    s["step"] += 1
    if h["weight_decay"]:
        g = g + h["weight_decay"] * p
    clr = lr / (1.0 + (s["step"] - 1) * h["lr_decay"])
    s["sum"] = s["sum"] + g * g
    return p - clr * (g / (np.sqrt(s["sum"]) + h["eps"]))


def _rmsprop(p: Array, g: Array, s: dict, h: Mapping, lr: float) -> Array:
    s["step"] += 1
    alpha = h["alpha"]
    if h["weight_decay"]:
        g = g + h["weight_decay"] * p
    s["square_avg"] = s["square_avg"] * alpha + (1.0 - alpha) * (g * g)
    if h["centered"]:
        s["grad_avg"] = _lerp(s["grad_avg"], g, 1.0 - alpha)
        avg = np.sqrt(s["square_avg"] - s["grad_avg"] * s["grad_avg"])
    else:
        avg = np.sqrt(s["square_avg"])
    avg = avg + h["eps"]
    if h["momentum"] > 0:
        s["momentum_buffer"] = s["momentum_buffer"] * h["momentum"] + g / avg
        return p - lr * s["momentum_buffer"]
    return p - lr * (g / avg)


def _adam(p: Array, g: Array, s: dict, h: Mapping, lr: float) -> Array:
    s["step"] += 1
    beta1, beta2 = h["betas"]
    if h["weight_decay"]:
        g = g + h["weight_decay"] * p
    s["exp_avg"] = _lerp(s["exp_avg"], g, 1.0 - beta1)
    s["exp_avg_sq"] = s["exp_avg_sq"] * beta2 + (1.0 - beta2) * (g * g)
    step_size = lr / (1.0 - beta1 ** s["step"])
    correction2_sqrt = math.sqrt(1.0 - beta2 ** s["step"])
    if h["amsgrad"]:
        s["max_exp_avg_sq"] = np.maximum(s["max_exp_avg_sq"], s["exp_avg_sq"])
        denom = np.sqrt(s["max_exp_avg_sq"]) / correction2_sqrt + h["eps"]
    else:
        denom = np.sqrt(s["exp_avg_sq"]) / correction2_sqrt + h["eps"]
    return p + (-step_size) * (s["exp_avg"] / denom)


def rows_with_gradient(g: Array) -> Array:
    """Indices along the first axis whose gradient has a non-zero entry (a sparse gradient's rows)."""
    if g.ndim == 0:
        return np.flatnonzero(g.reshape(1) != 0)
    return np.flatnonzero(np.any(g.reshape(len(g), -1) != 0, axis=1))


def _sparse_adam(p: Array, g: Array, s: dict, h: Mapping, lr: float) -> Array:
    """torch.optim.SparseAdam: one step count per parameter; only present rows' moments move."""
    s["step"] += 1
    beta1, beta2 = h["betas"]
    shaped = p.ndim == 0
    p, g = np.atleast_1d(p).copy(), np.atleast_1d(g)
    exp_avg, exp_avg_sq = np.atleast_1d(s["exp_avg"]).copy(), np.atleast_1d(s["exp_avg_sq"]).copy()
    rows = rows_with_gradient(g)
    values = g[rows]
    old_avg, old_sq = exp_avg[rows], exp_avg_sq[rows]
    avg_update = (values - old_avg) * (1.0 - beta1)
    sq_update = (values * values - old_sq) * (1.0 - beta2)
    exp_avg[rows] = old_avg + avg_update
    exp_avg_sq[rows] = old_sq + sq_update
    numer = avg_update + old_avg
    denom = np.sqrt(sq_update + old_sq) + h["eps"]
    step_size = lr * math.sqrt(1.0 - beta2 ** s["step"]) / (1.0 - beta1 ** s["step"])
    p[rows] = p[rows] + (-step_size) * (numer / denom)
    if shaped:
        p, exp_avg, exp_avg_sq = p.reshape(()), exp_avg.reshape(()), exp_avg_sq.reshape(())
    s["exp_avg"], s["exp_avg_sq"] = exp_avg, exp_avg_sq
    return p


RULES = {"sgd": _sgd, "adagrad": _adagrad, "rmsprop": _rmsprop, "adam": _adam, "sparse_adam": _sparse_adam}


_RESOLVED: dict[tuple, dict[str, object]] = {}


def _resolved(name: str, given: Mapping[str, object] | None) -> Mapping[str, object]:
    """hyperparameters(name, given), validated once per configuration: a training run asks for the
    same one on every step. Keyed by the given items (the caller's dict may change between calls);
    unhashable values (a list of betas) are resolved afresh. The result is shared: read it only."""
    try:
        key = (name, tuple(given.items()) if given else ())
        hyper = _RESOLVED.get(key)
    except TypeError:
        return hyperparameters(name, given)
    if hyper is None:
        hyper = hyperparameters(name, given)
        if len(_RESOLVED) >= 256:  # many distinct configurations: start over rather than grow
            _RESOLVED.clear()
        _RESOLVED[key] = hyper
    return hyper


def step(
    name: str,
    params: Mapping[str, Array],
    grads: Mapping[str, Array],
    state: State,
    hyper: Mapping[str, object] | None = None,
    lr: float | None = None,
) -> tuple[dict[str, Array], State]:
    """One update of every parameter: (new params, new state); the inputs are left untouched.

    `lr` overrides the hyper-parameter (a schedule's rate for this epoch)."""
    h = _resolved(name, hyper)
    rate = float(h["lr"] if lr is None else lr)
    new_params: dict[str, Array] = {}
    token = IGNORE.set(ignore_all())  # np.errstate(all="ignore"): a diverging run yields inf/NaN
    try:
        if name == "sgd" and not h["momentum"] and not h["weight_decay"]:
            # Plain SGD is _sgd's last line, p − lr·g, written inline (the same bits without a call
            # and two look-ups per parameter: a step on a small net feels them), with lr as a 0-d
            # float64 array, which multiplies a float64 g as the float does with less conversion.
            lr_array = np.array(rate)
            for key, p in params.items():
                g = grads[key]
                if type(p) is not np.ndarray or p.dtype is not _FLOAT64:  # else asarray is a no-op
                    p = np.asarray(p, dtype=np.float64)
                if type(g) is not np.ndarray:
                    g = np.asarray(g)
                new = p - (lr_array if g.dtype is _FLOAT64 else rate) * g  # another dtype: numpy's promotion
                new_params[key] = new if type(new) is np.ndarray else np.asarray(new)
            return new_params, {key: state[key].copy() for key in params}  # no buffer to move
        rule = RULES[name]
        new_state: State = {}
        for key, p in params.items():
            if type(p) is not np.ndarray or p.dtype is not _FLOAT64:
                p = np.asarray(p, dtype=np.float64)
            g = grads[key]
            s = state[key].copy()  # the rules replace entries, never write into the caller's arrays
            new = rule(p, g if type(g) is np.ndarray else np.asarray(g), s, h, rate)
            new_params[key] = new if type(new) is np.ndarray else np.asarray(new)
            new_state[key] = s
        return new_params, new_state
    finally:
        IGNORE.reset(token)


SCHEDULES: dict[str, dict[str, float]] = {
    "constant": {},
    "step": {"step_size": 3, "gamma": 0.1},
    "exponential": {"gamma": 0.95},
    "inverse_time": {"decay_rate": 0.5},
}


def schedule_parameters(name: str, given: Mapping[str, object] | None = None) -> dict[str, float]:
    if name not in SCHEDULES:
        raise EngineError("unknown_schedule", f"unknown schedule '{name}' (known: {', '.join(SCHEDULES)})")
    values = dict(SCHEDULES[name])
    for key, value in (given or {}).items():
        if value is None:
            continue
        if key not in values:
            raise EngineError("unknown_argument", f"schedule '{name}' has no parameter '{key}'")
        values[key] = value
    if name == "step" and int(values["step_size"]) < 1:
        raise EngineError("invalid_value", "step_size must be at least 1")
    return values


def learning_rate(base_lr: float, name: str, epoch: int, given: Mapping[str, object] | None = None) -> float:
    """The rate during `epoch` (0-based), as a pure function of the epoch:

    constant      lr
    step          lr · gamma^⌊epoch / step_size⌋     (torch StepLR)
    exponential   lr · gamma^epoch                    (torch ExponentialLR)
    inverse_time  lr / (1 + decay_rate · epoch)       (Keras InverseTimeDecay, decay_steps = 1 epoch)
    """
    p = schedule_parameters(name, given)
    if name == "step":
        return base_lr * p["gamma"] ** (epoch // int(p["step_size"]))
    if name == "exponential":
        return base_lr * p["gamma"] ** epoch
    if name == "inverse_time":
        return base_lr / (1.0 + p["decay_rate"] * epoch)
    return float(base_lr)
