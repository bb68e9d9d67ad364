"""The one place that chooses the fast path (`engine/fast/`), which nothing else imports.

The reference code in `engine/` is the spec; `engine/fast/` holds only what exists for speed and
must give the reference's results (bit for bit, or the one documented rounding difference). The
reference asks `fast("name")` where a faster path may take over and gets the module
`engine.fast.name`, or None: with `engine/fast/` deleted, or with the environment variable
`CHAINRULE_FAST=0` (or `use_fast(False)`), the reference does everything.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

_enabled = os.environ.get("CHAINRULE_FAST", "1") != "0"
_modules: dict[str, ModuleType | None] = {}


def fast(name: str) -> ModuleType | None:
    """`engine.fast.<name>`, or None when the fast path is off or that module is absent.

    Imported on first use (never at import time), so fast modules may import the reference."""
    if not _enabled:
        return None
    if name not in _modules:
        try:
            _modules[name] = importlib.import_module(f"engine.fast.{name}")
        except ModuleNotFoundError as error:
            if error.name not in ("engine.fast", f"engine.fast.{name}"):
                raise
            _modules[name] = None
    return _modules[name]


def use_fast(enabled: bool) -> bool:
    """Switch the fast path on or off for this process; returns the previous setting (tests
    run both paths)."""
    global _enabled
    previous, _enabled = _enabled, enabled
    return previous
