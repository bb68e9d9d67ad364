"""Shared fixtures for the API tests: a TestClient and a strict RFC 8259 JSON reader."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient  # on httpx2 (the test extra): no deprecation warning

from app.main import create_app
from app.settings import Settings

LECTURE = {"source": "a = x + y\nb = max(y, z)\nf = a * b", "inputs": {"x": 1, "y": 2, "z": 0}}


def _reject(name: str) -> None:
    raise ValueError(f"non-standard JSON constant {name}")


def strict(response: Any) -> Any:
    """The response body parsed by a strict JSON reader (no NaN / Infinity literals)."""
    return json.loads(response.text, parse_constant=_reject)


@pytest.fixture(scope="session")
def app():
    return create_app(Settings())


@pytest.fixture(scope="session")
def client(app) -> TestClient:
    return TestClient(app, raise_server_exceptions=True)


def make_client(**limits: Any) -> TestClient:
    """A client of an app with some limits changed, as the environment variables would."""
    return TestClient(create_app(Settings(**limits)))
