"""One settings object: every limit the API enforces, each overridable by a CHAINRULE_* variable.

    CHAINRULE_MAX_NODES=5000 chainrule serve

A plain dataclass (no pydantic-settings): the field name upper-cased is the variable's name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache

from engine import Limits

PREFIX = "CHAINRULE_"


@dataclass(frozen=True)
class Settings:
    max_source_chars: int = 20_000  # characters of expression source
    max_nodes: int = 2_000  # nodes of one graph (inputs, constants and ops)
    max_depth: int = 64  # bracket / operator nesting in one expression
    max_exponent: float = 1_024.0  # |b| of a constant exponent in a ** b
    max_elements_per_value: int = 10_000  # elements of one input, constant or computed value
    max_total_elements: int = 50_000  # elements of all the values of one graph together
    max_body_bytes: int = 1_000_000  # request body, checked before it is parsed
    max_train_steps: int = 10_000  # optimiser steps per /train call
    max_train_samples: int = 2_000  # data set size for /train
    max_layers: int = 6  # hidden layers for /train
    max_neurons: int = 32  # neurons per hidden layer for /train
    max_optimize_steps: int = 5_000  # steps per /optimize call
    max_gradcheck_elements: int = 2_000  # input elements perturbed by /gradcheck
    request_timeout_seconds: float = 5.0  # wall time of the engine work of one request

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults overridden by CHAINRULE_<FIELD> variables; a bad value is a startup error."""
        environ = os.environ if environ is None else environ
        values: dict[str, int | float] = {}
        for field in fields(cls):
            raw = environ.get(PREFIX + field.name.upper())
            if raw is None or raw.strip() == "":
                continue
            kind = int if field.type in ("int", int) else float
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(
                    f"{PREFIX}{field.name.upper()}={raw!r} is not a valid {kind.__name__}"
                ) from None
            if not value > 0:
                raise ValueError(f"{PREFIX}{field.name.upper()} must be positive, got {raw!r}")
            values[field.name] = value
        return cls(**values)

    def parser_limits(self) -> Limits:
        """The engine parser's bounds, taken from these settings."""
        return Limits(
            max_source_chars=self.max_source_chars,
            max_depth=self.max_depth,
            max_nodes=self.max_nodes,
            max_exponent=self.max_exponent,
            max_constant_elements=self.max_elements_per_value,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
