"""The ASGI application: `app.main:app`, built by `create_app()`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import errors
from app.paths import STATIC_DIR
from app.routers import graph, pages, training
from app.schemas.graph import ErrorResponse, Health
from app.serialize import StrictJSONResponse
from app.settings import Settings, get_settings

API_ERRORS: dict[int | str, dict[str, Any]] = {  # every /api/v1 route answers errors in this one shape
    400: {"model": ErrorResponse, "description": "The request cannot be carried out as given."},
    413: {"model": ErrorResponse, "description": "The body or a value exceeds a limit."},
    422: {"model": ErrorResponse, "description": "The body does not have the documented form."},
}

DESCRIPTION = """Backpropagation made visible. `POST /api/v1/evaluate` turns an expression such as
`a = x + y; b = max(y, z); f = a * b` into its computational graph with every node's value and
gradient, every edge's upstream × local = downstream, the forward/backward steps and a layout.
Errors are `{"error": {"code", "message", "line"?, "column"?}}`. See docs/api.md."""


def create_app(settings: Settings | None = None) -> FastAPI:
    application = FastAPI(
        title="chainrule",
        version="0.1.0",
        description=DESCRIPTION,
        default_response_class=StrictJSONResponse,
        docs_url=None,  # /docs is served offline by app.routers.pages (Swagger UI needs a CDN)
        redoc_url=None,
    )
    application.state.settings = settings or get_settings()
    application.state.unexpected_errors = 0

    @application.get("/healthz", tags=["health"], response_model=Health)
    async def healthz() -> StrictJSONResponse:  # nothing to wait for: answered on the event loop
        return StrictJSONResponse({"status": "ok"})

    application.include_router(graph.router, prefix="/api/v1", responses=API_ERRORS)
    application.include_router(training.router, prefix="/api/v1", responses=API_ERRORS)
    application.include_router(pages.router)
    application.mount("/static", StaticFiles(directory=str(STATIC_DIR), check_dir=False), name="static")
    errors.install(application)
    return application


app = create_app()
