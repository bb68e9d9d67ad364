"""Two-dimensional loss surfaces for the optimiser race, differentiated by the engine itself.

Each surface is expression source; its gradient at (x, y) comes from `Graph.run`, so the race
uses the same chain rule as everything else. The point is one parameter `[x, y]` of shape (2,),
as a `torch.nn.Parameter(torch.tensor([x, y]))` would be, so every optimiser (SparseAdam's
rows included) sees exactly what PyTorch would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from engine import optim
from engine.errors import EngineError
from engine.graph import Graph
from engine.parser import parse

Array = np.ndarray


@dataclass(frozen=True)
class Surface:
    name: str
    source: str
    x_range: tuple[float, float]  # the square the contour plot shows
    y_range: tuple[float, float]
    minimum: tuple[float, float] | None  # None: unbounded below (the saddle)

    @cached_property
    def graph(self) -> Graph:
        return parse(self.source)

    def value_and_gradient(self, point: Array) -> tuple[float, Array]:
        values, grads = self.graph.run({"x": point[0], "y": point[1]}, wrt=("x", "y"))
        return float(values[self.graph.output]), np.array([grads["x"], grads["y"]], dtype=np.float64)

    def value(self, x: Array, y: Array) -> Array:
        return self.graph.forward({"x": x, "y": y})[self.graph.index[self.graph.output]]


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in (
        Surface("bowl", "f = x ** 2 + y ** 2", (-2.0, 2.0), (-2.0, 2.0), (0.0, 0.0)),
        Surface("ravine", "f = x ** 2 + 20 * y ** 2", (-2.0, 2.0), (-2.0, 2.0), (0.0, 0.0)),
        Surface(
            "rosenbrock", "f = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2", (-2.0, 2.0), (-1.0, 3.0), (1.0, 1.0)
        ),
        Surface("saddle", "f = x ** 2 - y ** 2", (-2.0, 2.0), (-2.0, 2.0), None),
        Surface(
            "beale",
            "f = (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2",
            (-4.5, 4.5),
            (-4.5, 4.5),
            (3.0, 0.5),
        ),
    )
}


def surface(name: str) -> Surface:
    if name not in SURFACES:
        raise EngineError("unknown_function", f"unknown function '{name}' (known: {', '.join(SURFACES)})")
    return SURFACES[name]


def optimize(
    function: str,
    start: Sequence[float],
    optimizer: str = "sgd",
    hyper: Mapping[str, object] | None = None,
    steps: int = 100,
) -> tuple[list[Array], list[float]]:
    """The optimiser's path from `start`: path[0] is the start; losses[i] = f(path[i])."""
    s = surface(function)
    hyper = optim.hyperparameters(optimizer, hyper)
    params = {"xy": np.array([float(start[0]), float(start[1])])}
    state = optim.init_state(optimizer, params, hyper)
    path, losses = [params["xy"]], []
    for _ in range(steps):
        value, grad = s.value_and_gradient(params["xy"])
        losses.append(value)
        params, state = optim.step(optimizer, params, {"xy": grad}, state, hyper)
        path.append(params["xy"])
    losses.append(s.value_and_gradient(params["xy"])[0])
    return path, losses


def contour_grid(function: str, size: int = 60) -> dict[str, object]:
    """f over a size × size grid of the surface's square: values[i][j] = f(xs[j], ys[i])."""
    s = surface(function)
    xs = np.linspace(*s.x_range, size)
    ys = np.linspace(*s.y_range, size)
    return {"x": xs, "y": ys, "values": s.value(xs[None, :], ys[:, None])}
