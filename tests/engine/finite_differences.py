"""An independent central-difference gradient, written apart from engine.gradcheck on purpose.

The engine's gradients are checked twice: once by engine.gradcheck, once by this helper applied
to a plain-numpy reference of the same computation, so that a bug shared by the engine's forward
and its gradcheck cannot hide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np

EPS = 1e-6


def numeric_gradients(
    function: Callable[..., np.ndarray],
    inputs: Mapping[str, np.ndarray],
    seed: np.ndarray | None = None,
    wrt: Iterable[str] | None = None,
    eps: float = EPS,
) -> dict[str, np.ndarray]:
    """∂⟨seed, function(**inputs)⟩/∂input for every input in `wrt`, by (f(x+h) − f(x−h)) / 2h."""
    point = {k: np.array(v, dtype=np.float64) for k, v in inputs.items()}
    weights = np.ones_like(np.asarray(function(**point), dtype=np.float64)) if seed is None else seed

    def objective() -> float:
        return float(np.sum(weights * np.asarray(function(**point), dtype=np.float64)))

    gradients = {}
    for name in point if wrt is None else wrt:
        array = point[name]
        gradient = np.zeros_like(array)
        for position in np.ndindex(array.shape):
            original = array[position]
            array[position] = original + eps
            plus = objective()
            array[position] = original - eps
            minus = objective()
            array[position] = original
            gradient[position] = (plus - minus) / (2 * eps)
        gradients[name] = gradient
    return gradients
