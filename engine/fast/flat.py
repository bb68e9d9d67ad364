"""Every parameter of a network as a slice of one vector θ, so that one optimiser call updates them all.

Speed only (engine/fast/): within a /train call the parameters live in θ (W1, b1, … are views of
it) and the optimiser takes one elementwise update of θ per step instead of one per array: each
element gets the very bits a per-parameter update gives, as the rule is elementwise. The
optimiser's state moves to θ's form and back (`flat_slots`, `split_slots`) where that is exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from engine import nn, optim

Array = np.ndarray


@dataclass(frozen=True)
class FlatLayout:
    """Every parameter as a slice of one vector θ (C order): the optimiser updates all of them in
    one call, elementwise, so each element gets the very bits a per-parameter update gives."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    bounds: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, model: nn.MLP) -> FlatLayout:
        shapes = model.shapes()
        names = model.parameter_names
        sizes = [int(np.prod(shapes[name])) for name in names]
        ends = np.cumsum(sizes).tolist()
        bounds = tuple((end - size, end) for size, end in zip(sizes, ends, strict=True))
        return cls(names, tuple(shapes[name] for name in names), bounds)

    @property
    def size(self) -> int:
        return self.bounds[-1][1]

    @cached_property
    def _parts(self) -> list[tuple[str, tuple[int, ...], int, int]]:
        return [
            (name, shape, a, b)
            for name, shape, (a, b) in zip(self.names, self.shapes, self.bounds, strict=True)
        ]

    def flatten(self, arrays: Mapping[str, Array]) -> Array:
        """θ from the parameters (or from gradients, or from one optimiser slot), each array of its
        parameter's shape, read in C order (one concatenation: a step flattens its gradients)."""
        theta = np.concatenate([arrays[name] for name in self.names], axis=None, dtype=np.float64)
        if theta.size != self.size:
            raise ValueError(f"{theta.size} numbers for a layout of {self.size}")
        return theta

    def split(self, theta: Array) -> dict[str, Array]:
        """Views of θ, each shaped as its parameter (θ may be a stack (S, n): views (S, *shape))."""
        if theta.ndim == 1:  # a bias's slice has its shape already
            return {
                name: theta[a:b] if len(shape) == 1 else theta[a:b].reshape(shape)
                for name, shape, a, b in self._parts
            }
        lead = theta.shape[:-1]
        return {name: theta[..., a:b].reshape(lead + shape) for name, shape, a, b in self._parts}


def flat_slots(optimizer: str, slots: optim.State, layout: FlatLayout) -> dict[str, object] | None:
    """The per-parameter optimiser state as θ's one state, or None where that cannot be exact:
    SparseAdam moves whole rows, and a handed-in state may count steps differently per parameter."""
    if not optim.optimizer(optimizer).elementwise:
        return None
    flat: dict[str, object] = {}
    for key in slots[layout.names[0]]:
        values = [slots[name][key] for name in layout.names]
        if all(value is None for value in values):
            flat[key] = None
        elif all(isinstance(value, int) for value in values):
            if len(set(values)) > 1:
                return None
            flat[key] = values[0]
        elif all(isinstance(value, np.ndarray) for value in values):
            flat[key] = layout.flatten(dict(zip(layout.names, values, strict=True)))
        else:
            return None
    return flat


def split_slots(flat: Mapping[str, object], layout: FlatLayout) -> optim.State:
    arrays = {key: layout.split(value) for key, value in flat.items() if isinstance(value, np.ndarray)}
    return {
        name: {key: arrays[key][name] if key in arrays else value for key, value in flat.items()}
        for name in layout.names
    }
