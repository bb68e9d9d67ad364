"""The ASGI application: `app.main:app`, built by `create_app()`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.routers import graph, pages, training

ROOT = Path(__file__).resolve().parents[1]
STATIC_DIR = ROOT / "static"


def create_app() -> FastAPI:
    application = FastAPI(title="chainrule", version="0.1.0")

    @application.get("/healthz", tags=["health"])
    def healthz() -> dict:
        return {"status": "ok"}

    application.include_router(graph.router, prefix="/api/v1")
    application.include_router(training.router, prefix="/api/v1")
    application.include_router(pages.router)
    application.mount("/static", StaticFiles(directory=str(STATIC_DIR), check_dir=False), name="static")
    return application


app = create_app()
