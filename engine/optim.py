"""Optimisers and learning-rate schedules, each declared once, with PyTorch's rules, names and defaults.

    state = init_state("adam", params)
    params, state = step("adam", params, grads, state, {"lr": 0.01})

`params`/`grads` map names to float64 arrays; `state` maps each parameter to a dict of plain
arrays and numbers (serialisable), mirroring `torch.optim.Optimizer.state`. Each rule follows
the algorithm box of its torch.optim page and the order of operations of its implementation,
so paths agree with PyTorch's to the bit. Every rule is elementwise except SparseAdam's (it moves
whole rows). A schedule is a pure function of the epoch (its closed form), so a run can change
its rate between calls and go on. `OPTIMIZERS` and `SCHEDULES` are what GET /api/v1/optimizers
serves: the pages read them instead of keeping a copy.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from engine.errors import EngineError

Array = np.ndarray
State = dict[str, dict[str, object]]
Rule = Callable[[Array, Array, dict, Mapping, float], Array]
MAX_COUNT = 2**53  # a step or epoch count beyond this is no real run (and no longer exact as a float)


def _lerp(start: Array, end: Array, weight: float) -> Array:
    """torch.lerp's two branches, so m ← m + (1 − β)(g − m) rounds as PyTorch's does."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def _sgd(p: Array, g: Array, s: dict, h: Mapping, lr: float) -> Array:
    """g ← g + λp; b ← μb + (1 − τ)g (b₁ = g); g ← g + μb (Nesterov) or b; p ← p − lr·g."""
    if h["weight_decay"]:
        g = g + h["weight_decay"] * p
    if h["momentum"]:
        buf = s["momentum_buffer"]
        buf = g.copy() if buf is None else buf * h["momentum"] + (1.0 - h["dampening"]) * g
        s["momentum_buffer"] = buf
        g = g + h["momentum"] * buf if h["nesterov"] else buf
    return p - lr * g


def _adagrad(p: Array, g: Array, s: dict, h: Mapping, lr: float) -> Array:
    """Σ ← Σ + g²; p ← p − lr/(1 + (t − 1)·η) · g/(√Σ + ε)."""
    s["step"] += 1
    if h["weight_decay"]:
        g = g + h["weight_decay"] * p
    clr = lr / (1.0 + (s["step"] - 1) * h["lr_decay"])
    s["sum"] = s["sum"] + g * g
    return p - clr * (g / (np.sqrt(s["sum"]) + h["eps"]))


def _rmsprop(p: Array, g: Array, s: dict, h: Mapping, lr: float) -> Array:
    """v ← αv + (1 − α)g²; p ← p − lr·g/(√v + ε) (centred: √(v − ḡ²); with momentum via b)."""
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


def _adam(p: Array, g: Array, s: dict, h: Mapping, lr: float, decoupled: bool = False) -> Array:
    """m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p − lr/(1 − β₁ᵗ) · m/(√v/√(1 − β₂ᵗ) + ε).

    Weight decay adds λp to g (Adam), or first shrinks p ← p·(1 − lr·λ) (AdamW, decoupled)."""
    s["step"] += 1
    beta1, beta2 = h["betas"]
    if h["weight_decay"]:
        if decoupled:
            p = p * (1.0 - lr * h["weight_decay"])
        else:
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


def _adamw(p: Array, g: Array, s: dict, h: Mapping, lr: float) -> Array:
    return _adam(p, g, s, h, lr, decoupled=True)


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


@dataclass(frozen=True)
class Optimizer:
    """One optimiser: PyTorch's class and hyper-parameters (names, defaults), the state it keeps
    per parameter (slot → how it starts: "count" 0, "zeros", "none", or the hyper-parameter
    whose value fills it), and its update rule `rule(p, g, state, hyper, lr) -> new p`."""

    name: str
    torch: str
    description: Mapping[str, str]  # en, pt-BR
    defaults: Mapping[str, object]
    state: Mapping[str, str]
    rule: Rule
    elementwise: bool = True  # each element's update reads only that element (θ may be flattened)


_ADAM = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}
_MOMENTS = {"step": "count", "exp_avg": "zeros", "exp_avg_sq": "zeros", "max_exp_avg_sq": "zeros"}
OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in (
        Optimizer(
            "sgd",
            "torch.optim.SGD",
            {
                "en": "Steps against the gradient; momentum keeps a velocity, Nesterov looks ahead.",
                "pt-BR": "Passos contra o gradiente; o momento guarda uma velocidade, Nesterov olha adiante.",
            },
            {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0},
            {"momentum_buffer": "none"},
            _sgd,
        ),
        Optimizer(
            "adagrad",
            "torch.optim.Adagrad",
            {
                "en": "Divides each coordinate's step by the root of its summed squared gradients.",
                "pt-BR": "Divide o passo de cada coordenada pela raiz da soma dos seus gradientes ao quadrado.",
            },
            {
                "lr": 1e-2,
                "lr_decay": 0.0,
                "weight_decay": 0.0,
                "initial_accumulator_value": 0.0,
                "eps": 1e-10,
            },
            {"step": "count", "sum": "initial_accumulator_value"},
            _adagrad,
        ),
        Optimizer(
            "rmsprop",
            "torch.optim.RMSprop",
            {
                "en": "Divides each coordinate's step by a running average of its squared gradients.",
                "pt-BR": "Divide o passo de cada coordenada por uma média móvel dos seus gradientes ao quadrado.",
            },
            {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False},
            {"step": "count", "square_avg": "zeros", "momentum_buffer": "zeros", "grad_avg": "zeros"},
            _rmsprop,
        ),
        Optimizer(
            "adam",
            "torch.optim.Adam",
            {
                "en": "Momentum and RMSProp together, with bias-corrected running averages.",
                "pt-BR": "Momento e RMSProp juntos, com médias móveis corrigidas de viés.",
            },
            _ADAM,
            _MOMENTS,
            _adam,
        ),
        Optimizer(
            "adamw",
            "torch.optim.AdamW",
            {
                "en": "Adam with decoupled weight decay: the weights shrink apart from the gradient.",
                "pt-BR": "Adam com decaimento de pesos desacoplado: os pesos encolhem à parte do gradiente.",
            },
            {**_ADAM, "weight_decay": 1e-2},
            _MOMENTS,
            _adamw,
        ),
        Optimizer(
            "sparse_adam",
            "torch.optim.SparseAdam",
            {
                "en": "Adam that moves only the rows whose gradient is non-zero (embeddings).",
                "pt-BR": "Adam que move só as linhas cujo gradiente não é zero (embeddings).",
            },
            {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8},
            {"step": "count", "exp_avg": "zeros", "exp_avg_sq": "zeros"},
            _sparse_adam,
            elementwise=False,
        ),
    )
}
DEFAULTS = {name: dict(o.defaults) for name, o in OPTIMIZERS.items()}


def optimizer(name: str) -> Optimizer:
    if name not in OPTIMIZERS:
        raise EngineError(
            "unknown_optimizer",
            f"unknown optimizer '{name}' (known: {', '.join(OPTIMIZERS)})",
            params={"name": name, "known": list(OPTIMIZERS)},
        )
    return OPTIMIZERS[name]


def hyperparameters(name: str, given: Mapping[str, object] | None = None) -> dict[str, object]:
    """PyTorch's defaults overridden by `given`; unknown names and impossible values are errors."""
    defaults = optimizer(name).defaults
    hyper = dict(defaults)
    for key, value in (given or {}).items():
        if key not in hyper:
            raise EngineError(
                "unknown_argument",
                f"{name} has no hyper-parameter '{key}' (has: {', '.join(hyper)})",
                params={"name": name, "argument": key, "known": list(hyper)},
            )
        hyper[key] = value
    for key, default in defaults.items():
        if isinstance(default, bool):
            hyper[key] = bool(hyper[key])
        elif isinstance(default, float):
            hyper[key] = float(hyper[key])
    if "betas" in hyper:
        betas = tuple(float(b) for b in hyper["betas"])
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise EngineError(
                "invalid_value", "betas must be two numbers in [0, 1)", params={"field": "betas"}
            )
        hyper["betas"] = betas
    if not float(hyper["lr"]) >= 0.0:
        raise EngineError("invalid_value", "lr must be ≥ 0", params={"field": "lr"})
    if name == "sgd" and hyper["nesterov"] and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
        raise EngineError(
            "invalid_value",
            "Nesterov momentum requires a momentum and zero dampening",
            params={"field": "nesterov", "reason": "nesterov"},
        )
    return hyper


def init_state(name: str, params: Mapping[str, Array], hyper: Mapping[str, object] | None = None) -> State:
    """Fresh per-parameter state, as torch.optim creates it lazily on the first step."""
    hyper = hyperparameters(name, hyper)
    state: State = {}
    for key, p in params.items():
        slots: dict[str, object] = {}
        for slot, start in optimizer(name).state.items():
            if start == "count":
                slots[slot] = 0
            elif start == "none":
                slots[slot] = None
            elif start == "zeros":
                slots[slot] = np.zeros_like(p, dtype=np.float64)
            else:
                slots[slot] = np.full_like(p, float(hyper[start]), dtype=np.float64)
        state[key] = slots
    return state


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
    h = hyperparameters(name, hyper)
    rule = optimizer(name).rule
    rate = float(h["lr"] if lr is None else lr)
    new_params: dict[str, Array] = {}
    new_state: State = {}
    with np.errstate(all="ignore"):  # a diverging run yields inf/NaN, carried like any value
        for key, p in params.items():
            s = dict(state[key])  # the rules replace entries, never write into the caller's arrays
            new_params[key] = np.asarray(
                rule(np.asarray(p, dtype=np.float64), np.asarray(grads[key], dtype=np.float64), s, h, rate)
            )
            new_state[key] = s
    return new_params, new_state


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule: PyTorch's scheduler, its parameters' defaults, its closed form."""

    name: str
    torch: str | None
    formula: str
    defaults: Mapping[str, object]


SCHEDULES: dict[str, Schedule] = {
    s.name: s
    for s in (
        Schedule("constant", None, "lr", {}),
        Schedule(
            "step",
            "torch.optim.lr_scheduler.StepLR",
            "lr · gamma^⌊epoch / step_size⌋",
            {"step_size": 3, "gamma": 0.1},
        ),
        Schedule(
            "multistep",
            "torch.optim.lr_scheduler.MultiStepLR",
            "lr · gamma^(number of milestones ≤ epoch)",
            {"milestones": (3, 6), "gamma": 0.1},
        ),
        Schedule(
            "exponential", "torch.optim.lr_scheduler.ExponentialLR", "lr · gamma^epoch", {"gamma": 0.95}
        ),
        Schedule(
            "cosine",
            "torch.optim.lr_scheduler.CosineAnnealingLR",
            "eta_min + (lr − eta_min) · (1 + cos(π · epoch / T_max)) / 2",
            {"T_max": 10, "eta_min": 0.0},
        ),
        Schedule("inverse_time", None, "lr / (1 + decay_rate · epoch)", {"decay_rate": 0.5}),
    )
}


def schedule_parameters(name: str, given: Mapping[str, object] | None = None) -> dict[str, object]:
    if name not in SCHEDULES:
        raise EngineError(
            "unknown_schedule",
            f"unknown schedule '{name}' (known: {', '.join(SCHEDULES)})",
            params={"name": name, "known": list(SCHEDULES)},
        )
    values = dict(SCHEDULES[name].defaults)
    for key, value in (given or {}).items():
        if value is None:
            continue
        if key not in values:
            raise EngineError(
                "unknown_argument",
                f"schedule '{name}' has no parameter '{key}'",
                params={"name": name, "argument": key, "known": list(values)},
            )
        values[key] = value
    if name == "step" and int(values["step_size"]) < 1:
        raise EngineError(
            "invalid_value", "step_size must be at least 1", params={"field": "step_size", "min": 1}
        )
    if name == "cosine" and int(values["T_max"]) < 1:
        raise EngineError("invalid_value", "T_max must be at least 1", params={"field": "T_max", "min": 1})
    if name == "multistep":
        milestones = tuple(int(m) for m in values["milestones"])
        if list(milestones) != sorted(milestones) or any(m < 0 for m in milestones):
            raise EngineError(
                "invalid_value",
                "milestones must be epochs ≥ 0 in increasing order",
                params={"field": "milestones"},
            )
        values["milestones"] = milestones
    return values


def _power(gamma: float, n: int) -> float:
    """gamma ** n for any count n: it under- or overflows to 0 or ∞ instead of raising."""
    try:
        return float(gamma) ** n
    except OverflowError:
        return math.inf


def learning_rate(base_lr: float, name: str, epoch: int, given: Mapping[str, object] | None = None) -> float:
    """The rate during `epoch` (0-based), PyTorch's schedulers in closed form (their
    `_get_closed_form_lr`), so a rate depends on the epoch alone:

    constant      lr
    step          lr · gamma^⌊epoch / step_size⌋                  (StepLR)
    multistep     lr · gamma^(milestones ≤ epoch)                 (MultiStepLR)
    exponential   lr · gamma^epoch                                (ExponentialLR)
    cosine        eta_min + (lr − eta_min)(1 + cos(π·epoch/T_max))/2   (CosineAnnealingLR)
    inverse_time  lr / (1 + decay_rate · epoch)   (Keras InverseTimeDecay, decay_steps = 1 epoch)
    """
    p = schedule_parameters(name, given)
    epoch = min(int(epoch), MAX_COUNT)
    base_lr = float(base_lr)
    if name == "step":
        return base_lr * _power(p["gamma"], epoch // int(p["step_size"]))
    if name == "multistep":
        return base_lr * _power(p["gamma"], bisect.bisect_right(p["milestones"], epoch))
    if name == "exponential":
        return base_lr * _power(p["gamma"], epoch)
    if name == "cosine":
        eta_min = float(p["eta_min"])
        return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * epoch / int(p["T_max"]))) / 2
    if name == "inverse_time":
        return base_lr / (1.0 + float(p["decay_rate"]) * epoch)
    return base_lr
