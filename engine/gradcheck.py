"""Gradient check: analytic gradients against central finite differences, in float64.

The arbiter of every backward rule (PyTorch's torch.autograd.gradcheck does the same): for each
input element, (f(x + h) − f(x − h)) / 2h of the seeded output ⟨seed, f⟩ against the engine's
gradient; the worst relative error decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from engine.graph import Graph
from engine.ops import Array


@dataclass(frozen=True)
class InputCheck:
    analytic: Array
    numeric: Array
    relative_error: float
    worst_index: tuple[int, ...]


@dataclass(frozen=True)
class GradcheckResult:
    max_relative_error: float
    passed: bool
    inputs: dict[str, InputCheck]


def relative_error(analytic: Array, numeric: Array, floor: float = 1e-7) -> Array:
    """|a − n| / max(|a|, |n|, floor): the floor keeps two near-zero gradients from failing."""
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    with np.errstate(invalid="ignore"):
        error = np.abs(analytic - numeric) / scale
    return np.where(
        np.isnan(error) & ~(np.isnan(analytic) & np.isnan(numeric)), np.inf, np.nan_to_num(error, nan=0.0)
    )


def gradcheck(
    graph: Graph,
    inputs: Mapping[str, object] | None = None,
    seed: object | None = None,
    wrt: Iterable[str] | None = None,
    eps: float = 1e-6,
    tolerance: float = 1e-5,
) -> GradcheckResult:
    """Every element of every input in `wrt` (default: all), nudged by ±eps; non-finite values allowed."""
    with np.errstate(all="ignore"):
        return _gradcheck(graph, inputs, seed, wrt, eps, tolerance)


def _gradcheck(
    graph: Graph,
    inputs: Mapping[str, object] | None,
    seed: object | None,
    wrt: Iterable[str] | None,
    eps: float,
    tolerance: float,
) -> GradcheckResult:
    values = graph.input_values(inputs)
    names = tuple(graph.input_names if wrt is None else wrt)
    _, analytic = graph.run(values, seed, names)
    out_value = graph.forward(values)[graph.index[graph.output]]
    weights = graph.seed_for(out_value, seed)

    scale = [max(1.0, float(np.sum(np.abs(weights * out_value))))]

    def objective(point: dict[str, Array]) -> float:
        out = graph.forward(point)[graph.index[graph.output]]
        weighted = weights * out
        scale[0] = max(scale[0], float(np.sum(np.abs(weighted))))
        return float(np.sum(weighted))

    reached = graph.reaches_output
    checks: dict[str, InputCheck] = {}
    for name in names:
        base = values[name]
        numeric = np.zeros_like(base)
        # An input the output sees only through a non-differentiable slot (a class index) has no
        # gradient to check, and nudging it would make it invalid.
        for position in np.ndindex(base.shape) if reached[graph.index[name]] else ():
            shifted = {k: v.copy() for k, v in values.items()}
            shifted[name][position] = base[position] + eps
            plus = objective(shifted)
            shifted[name][position] = base[position] - eps
            minus = objective(shifted)
            numeric[position] = (plus - minus) / (2 * eps)
        # A central difference cannot resolve less than the output's round-off, ≈ ε·|f|/h; a
        # gradient that small is judged against that noise rather than against itself.
        noise = np.finfo(np.float64).eps * scale[0] / eps
        errors = relative_error(analytic[name], numeric, floor=max(1e-7, 100 * noise / tolerance))
        worst = np.unravel_index(int(np.argmax(errors)), errors.shape) if errors.size else ()
        worst_error = float(errors[worst]) if errors.size else 0.0
        checks[name] = InputCheck(analytic[name], numeric, worst_error, tuple(int(i) for i in worst))
    max_error = max((c.relative_error for c in checks.values()), default=0.0)
    return GradcheckResult(max_error, bool(max_error <= tolerance), checks)
