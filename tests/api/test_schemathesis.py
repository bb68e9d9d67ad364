"""Property-based run over the OpenAPI schema: no 5xx, and every response matches its schema.

Bounded: 20 examples per graph operation; the training operations (whose cost per call is a
training run) get a handful, enough to exercise their validation and error shapes.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import checks  # noqa: E402

from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402

APP = create_app(Settings())
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)

TRAINING = r"^/api/v1/(train|optimize)"
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
COMMON = {"deadline": None, "suppress_health_check": list(HealthCheck), "derandomize": True}


@SCHEMA.exclude(path_regex=TRAINING).parametrize()
@settings(max_examples=20, **COMMON)
def test_graph_api_conforms_to_its_schema(case):
    case.call_and_validate(checks=CHECKS)
    assert APP.state.unexpected_errors == 0


@SCHEMA.include(path_regex=TRAINING).parametrize()
@settings(max_examples=4, **COMMON)
def test_training_api_has_no_server_errors(case):
    case.call_and_validate(checks=CHECKS)
    assert APP.state.unexpected_errors == 0
