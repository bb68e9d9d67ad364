"""Graph endpoints: evaluate, ops, examples, gradcheck."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["graph"])
