"""One settings object: every limit and deployment choice, each overridable by a CHAINRULE_* variable.

    CHAINRULE_MAX_NODES=5000 CHAINRULE_FRAME_ANCESTORS="'self' https://course.example.org" chainrule serve

A plain frozen dataclass (no pydantic-settings): the field name upper-cased, prefixed with
`CHAINRULE_`, is the variable's name, and each field's `doc` metadata is its documentation
(`Settings.documentation()` lists them all; docs/api.md copies that table). Routes receive the
settings through the `get_settings` dependency, which returns the settings `create_app(settings)`
was given, so a test builds an app with other limits without touching the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from starlette.requests import Request

from engine import Limits

PREFIX = "CHAINRULE_"

# One CSP source: a keyword, a scheme (https:) or an origin with an optional * and port. No ';'
# or ',' (they would end the directive or the header), no quotes but the keywords', ASCII only.
_SOURCE = re.compile(
    r"'self'|'none'|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*://)?[A-Za-z0-9*.-]+(?::[0-9*]+)?"
)


def _doc(default: Any, text: str) -> Any:
    return field(default=default, metadata={"doc": text})


@dataclass(frozen=True)
class Settings:
    """Limits of one request's work, the per-worker memory budget, and the page's framing policy."""

    max_source_chars: int = _doc(20_000, "characters of expression source (400 source_too_long)")
    max_nodes: int = _doc(2_000, "nodes of one graph: inputs, constants and ops (400 too_many_nodes)")
    max_depth: int = _doc(64, "bracket / operator nesting in one expression (400 too_deep)")
    max_exponent: float = _doc(1_024.0, "|b| of a constant exponent in a ** b (400 exponent_too_large)")
    max_elements_per_value: int = _doc(10_000, "elements of one input, constant or computed value")
    max_total_elements: int = _doc(50_000, "elements of all the values of one graph together")
    max_document_bytes: int = _doc(
        64_000_000, "bytes of one evaluation document, estimated before the work is done (413)"
    )
    max_body_bytes: int = _doc(1_000_000, "request body, refused with 413 before it is parsed")
    max_train_steps: int = _doc(10_000, "optimiser steps per /train call")
    max_train_samples: int = _doc(2_000, "data set size for /train")
    max_layers: int = _doc(6, "hidden layers for /train")
    max_neurons: int = _doc(32, "neurons per hidden layer for /train")
    max_optimize_steps: int = _doc(5_000, "steps per /optimize call")
    max_gradcheck_elements: int = _doc(2_000, "input elements perturbed by /gradcheck")
    request_timeout_seconds: float = _doc(
        5.0, "wall time of the work of one request (evaluation and serialisation)"
    )
    cache_bytes: int = _doc(67_108_864, "per-worker budget of all response and layout caches, in bytes")
    frame_ancestors: str = _doc(
        "'self'",
        "who may frame the pages (CSP frame-ancestors): 'self', 'none', or origins such as "
        "\"'self' https://course.example.org\" for a course site that embeds them",
    )
    lessons_dir: Path | None = _doc(None, "a folder of lesson files shown besides the built-in ones")

    def __post_init__(self) -> None:
        sources = self.frame_ancestors.split()
        if not sources or not all(_SOURCE.fullmatch(source) for source in sources):
            raise ValueError(
                f"{PREFIX}FRAME_ANCESTORS={self.frame_ancestors!r} is not a CSP source list "
                "(e.g. \"'self' https://course.example.org\")"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults overridden by CHAINRULE_<FIELD> variables; a bad value is a startup error."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in fields(cls):
            name = PREFIX + item.name.upper()
            raw = environ.get(name)
            if raw is None or raw.strip() == "":
                continue
            values[item.name] = _convert(name, str(item.type), raw.strip())
        return cls(**values)

    @classmethod
    def documentation(cls) -> list[tuple[str, str, str]]:
        """(variable, default, meaning) for every setting: the table in docs/api.md."""
        return [(PREFIX + f.name.upper(), repr(f.default), f.metadata["doc"]) for f in fields(cls)]

    def parser_limits(self) -> Limits:
        """The engine parser's bounds, taken from these settings."""
        return Limits(
            max_source_chars=self.max_source_chars,
            max_depth=self.max_depth,
            max_nodes=self.max_nodes,
            max_exponent=self.max_exponent,
            max_constant_elements=self.max_elements_per_value,
        )


def _convert(name: str, kind: str, raw: str) -> Any:
    """One variable's text as its field's type: numbers positive, a folder that exists."""
    if kind == "str":
        return raw
    if kind.startswith("Path"):
        path = Path(raw).expanduser()
        if not path.is_dir():
            raise ValueError(f"{name}={raw!r} is not a folder")
        return path
    number_type = int if kind == "int" else float
    try:
        value = number_type(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a valid {number_type.__name__}") from None
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {raw!r}")
    return value


@lru_cache(maxsize=1)
def environment_settings() -> Settings:
    """The settings the environment gives, read once (the default of `create_app` and the CLI)."""
    return Settings.from_env()


async def get_settings(request: Request) -> Settings:
    """The running app's settings: a FastAPI dependency (`Depends(get_settings)`).

    It reads the app's own (`create_app(settings)`) rather than being replaced through
    `dependency_overrides`: FastAPI inspects an overriding function's signature on every request
    (~0.2 ms), and runs a plain `def` in the thread pool. A test may still override it."""
    return request.app.state.settings
