"""The ASGI application: `app.main:app`, built by `create_app()`."""

from __future__ import annotations

from fastapi import FastAPI


def create_app() -> FastAPI:
    application = FastAPI(title="chainrule", version="0.1.0")

    @application.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return application


app = create_app()
