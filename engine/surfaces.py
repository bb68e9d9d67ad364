"""Two-dimensional loss surfaces for the optimiser race, differentiated by the engine itself.

Each surface is expression source; its gradient at (x, y) comes from `Graph.run`, so the race
uses the same chain rule as everything else. A user's expression in x and y (Himmelblau,
Rastrigin, …) is a surface like the built-in ones: `surface(text)` parses it. The point is one parameter `[x, y]` of shape (2,),
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
from engine.parser import Limits, parse

Array = np.ndarray
LIMITS = Limits(max_source_chars=2_000, max_nodes=500)  # a typed surface is one formula, not a program


@dataclass(frozen=True)
class Surface:
    name: str
    source: str
    x_range: tuple[float, float]  # the square the contour plot shows
    y_range: tuple[float, float]
    minimum: tuple[float, float] | None  # None: unbounded below (the saddle)

    @cached_property
    def graph(self) -> Graph:
        return parse(self.source, limits=LIMITS)

    @cached_property
    def variables(self) -> tuple[str, ...]:
        """The coordinates the source uses (an expression may leave one out: f = x ** 2)."""
        return tuple(name for name in ("x", "y") if name in self.graph.input_names)

    def _inputs(self, x: object, y: object) -> dict[str, object]:
        given = {"x": x, "y": y}
        return {name: given[name] for name in self.variables}

    def value_and_gradient(self, point: Array) -> tuple[float, Array]:
        values, grads = self.graph.run(self._inputs(point[0], point[1]), wrt=self.variables)
        gradient = [grads[name] if name in grads else 0.0 for name in ("x", "y")]
        return float(values[self.graph.output]), np.array(gradient, dtype=np.float64)

    def value(self, x: Array, y: Array) -> Array:
        """f over arrays of x and y at once (an op that is not elementwise, as sum(x), point by point)."""
        shape = np.broadcast_shapes(np.shape(x), np.shape(y))
        try:
            out = self._forward(x, y)
        except EngineError:
            out = None
        if np.shape(out) == shape:
            return out
        xs, ys = np.broadcast_to(x, shape), np.broadcast_to(y, shape)
        return np.array([self._forward(a, b) for a, b in zip(xs.ravel(), ys.ravel(), strict=True)]).reshape(
            shape
        )

    def _forward(self, x: object, y: object) -> Array:
        values = self.graph.forward(self._inputs(x, y))
        return values[[node.id for node in self.graph.nodes].index(self.graph.output)]


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


EXPRESSION_RANGE = (-5.0, 5.0)


def surface(
    function: str,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
) -> Surface:
    """A built-in surface by name, or an expression in x and y (its square ±5 unless given)."""
    if function in SURFACES:
        s = SURFACES[function]
        if x_range is None and y_range is None:
            return s
        return Surface(s.name, s.source, x_range or s.x_range, y_range or s.y_range, s.minimum)
    if function.isidentifier() and function not in ("x", "y"):
        raise EngineError(
            "unknown_function",
            f"unknown function '{function}' (known: {', '.join(SURFACES)}, or an expression in x and y)",
            params={"name": function, "known": list(SURFACES), "reason": "surface"},
        )
    s = Surface("expression", function, x_range or EXPRESSION_RANGE, y_range or EXPRESSION_RANGE, None)
    others = [name for name in s.graph.input_names if name not in ("x", "y")]
    if others:
        raise EngineError(
            "unknown_name",
            f"a surface is a function of x and y; '{others[0]}' is neither",
            params={"name": others[0], "reason": "surface"},
        )
    for x, y in ((x_range or EXPRESSION_RANGE), (y_range or EXPRESSION_RANGE)):
        if not (np.isfinite(x) and np.isfinite(y) and x < y):
            raise EngineError(
                "invalid_value", "a range is two finite numbers, the smaller first", params={"field": "range"}
            )
    if np.shape(s._forward(0.0, 0.0)) != ():
        raise EngineError("invalid_function", "a surface must give one number at each (x, y)")
    return s


def optimize(
    function: str,
    start: Sequence[float],
    optimizer: str = "sgd",
    hyper: Mapping[str, object] | None = None,
    steps: int = 100,
) -> tuple[list[Array], list[float]]:
    """The optimiser's path from `start`: path[0] is the start; losses[i] = f(path[i]).

    `function` is a name, an expression or a Surface."""
    s = function if isinstance(function, Surface) else surface(function)
    hyper = optim.hyperparameters(optimizer, hyper)
    params = {"xy": np.array([float(start[0]), float(start[1])])}
    state = optim.init_state(optimizer, params, hyper)
    path, losses = [params["xy"]], []
    with np.errstate(all="ignore"):  # a diverging path's inf and NaN are drawn, not warned about
        for _ in range(steps):
            value, grad = s.value_and_gradient(params["xy"])
            losses.append(value)
            params, state = optim.step(optimizer, params, {"xy": grad}, state, hyper)
            path.append(params["xy"])
        losses.append(s.value_and_gradient(params["xy"])[0])
    return path, losses


def contour_grid(function: str | Surface, size: int = 60) -> dict[str, object]:
    """f over a size × size grid of the surface's square: values[i][j] = f(xs[j], ys[i])."""
    s = function if isinstance(function, Surface) else surface(function)
    xs = np.linspace(*s.x_range, size)
    ys = np.linspace(*s.y_range, size)
    with np.errstate(all="ignore"):
        return {"x": xs, "y": ys, "values": s.value(xs[None, :], ys[:, None])}
