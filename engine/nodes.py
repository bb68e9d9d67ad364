"""The nodes a graph is made of, and how a given value becomes one of the engine's arrays."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.errors import EngineError
from engine.ops import Array, Op

INPUT, CONSTANT, OP = "input", "constant", "op"
FLOAT64 = np.dtype(np.float64)


class Node(NamedTuple):
    """One node: a free input, a literal constant, or an op applied to earlier nodes. (A named
    tuple: a parse makes one per node, and a frozen dataclass costs five times as much to make.)"""

    id: str
    kind: str
    label: str
    op: Op | None = None
    inputs: tuple[str, ...] = ()
    attrs: tuple[tuple[str, float], ...] = ()
    value: Array | None = None  # constants only
    text: str = ""  # the forward expression as written, e.g. "x + y"
    line: int | None = None
    column: int | None = None
    aliases: tuple[str, ...] = ()  # other names the source gives this node (`t = x`)

    @property
    def formula(self) -> str:
        """The forward as the trace shows it: "f = a * b" (empty for an input or a constant)."""
        if self.op is None:
            return ""
        return f"{self.label} = {self.text}" if self.text != self.label else self.text


def as_value(raw: object, name: str) -> Array:
    """A number or nested list as a float64 array; anything else is the caller's error."""
    if isinstance(raw, np.ndarray):
        array = raw
    else:
        if raw is None or isinstance(raw, bool) or isinstance(raw, str):
            raise EngineError(
                "invalid_input", f"input '{name}' must be a number or nested list", input_name=name
            )
        try:
            array = np.array(raw)
            if array.dtype == object:  # a None or a ragged row inside the list
                raise TypeError
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise EngineError(
                "invalid_input",
                f"input '{name}' must be a number or a rectangular nested list of numbers",
                input_name=name,
            ) from None
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise EngineError("invalid_input", f"input '{name}' must hold numbers only", input_name=name)
    return np.asarray(array, dtype=np.float64)
