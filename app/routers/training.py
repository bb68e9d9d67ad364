"""Training endpoints (owned by the training helper; this is a stub)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
