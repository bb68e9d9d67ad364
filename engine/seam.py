"""The one place that chooses the fast path (`engine/fast/`), which nothing else imports.

The reference code in `engine/` is the spec; `engine/fast/` holds only what exists for speed and
must give the reference's results (bit for bit, or the one documented rounding difference). The
reference calls `fast()` where a faster path may take over; with `engine/fast/` deleted, or with
the environment variable `CHAINRULE_FAST=0`, `fast()` is None and the reference does everything.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

_UNSET = object()
_module: object = _UNSET


def fast() -> ModuleType | None:
    """The `engine.fast` package, or None when it is switched off or absent (looked up once)."""
    global _module
    if _module is _UNSET:
        if os.environ.get("CHAINRULE_FAST", "1") == "0":
            _module = None
        else:
            try:
                _module = importlib.import_module("engine.fast")
            except ModuleNotFoundError as error:
                if error.name not in ("engine.fast",):
                    raise
                _module = None
    return _module  # type: ignore[return-value]


def use_fast(enabled: bool) -> None:
    """Switch the fast path on or off for this process (tests compare both paths)."""
    global _module
    _module = _UNSET
    if not enabled:
        _module = None
    else:
        fast()
