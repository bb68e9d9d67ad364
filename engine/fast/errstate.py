"""numpy's floating-point error state set to "ignore" for one pass, as cheaply as it can be set.

The engine treats inf and NaN as values, not errors, so every pass runs under
`np.errstate(all="ignore")`. On a small network a training step makes only a few dozen numpy
calls, and the context manager's own Python (an object, `__enter__`, `__exit__`) costs about as
much as three of them. numpy 2 keeps the error state in a context variable; setting it directly
does what `np.errstate.__enter__`/`__exit__` do, with the same state object, in two C calls:

    token = IGNORE.set(ignore_all())
    try:
        ...
    finally:
        IGNORE.reset(token)

Per thread and per asyncio task, as np.errstate. Where numpy keeps the state elsewhere, the same
two calls enter and leave an np.errstate.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np


class _Errstate:
    """The fallback: `set` enters an np.errstate(all="ignore") and returns it, `reset` leaves it."""

    def set(self, _: object) -> np.errstate:
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def reset(self, state: np.errstate) -> None:
        state.__exit__(None, None, None)


def _works(variable: Any, make: Callable[[], object]) -> bool:
    """Does setting the variable make numpy ignore every error, and resetting it restore the state?"""
    before = np.geterr()
    token = variable.set(make())
    try:
        ignored = np.geterr() == dict.fromkeys(before, "ignore")
    finally:
        variable.reset(token)
    return ignored and np.geterr() == before


IGNORE: Any
ignore_all: Callable[[], object]
try:
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

    # What np.errstate(all="ignore").__enter__ makes, made on each entry as it does (the state
    # keeps the caller's buffer size and error callback).
    ignore_all = partial(_make_extobj, all="ignore")
    IGNORE = _extobj_contextvar
    if not _works(IGNORE, ignore_all):  # the names are there but mean something else
        raise ImportError
except (ImportError, TypeError):  # pragma: no cover - another numpy's internals
    IGNORE, ignore_all = _Errstate(), partial(int)
