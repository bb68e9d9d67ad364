"""The ASGI application: `app.main:app`, built by `create_app()`."""

from __future__ import annotations

import sys
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import apidocs, errors
from app.middleware import BodyLimitMiddleware, HeadersMiddleware, HeadMiddleware, InternalErrorMiddleware
from app.paths import STATIC_DIR
from app.routers import graph, lessons, pages, training
from app.schemas.graph import ErrorResponse, Health, InternalErrorResponse
from app.serialize import StrictJSONResponse
from app.settings import Settings, environment_settings

API_ERRORS: dict[int | str, dict[str, Any]] = {  # every /api/v1 route answers errors in this one shape
    400: {"model": ErrorResponse, "description": "The request cannot be carried out as given."},
    413: {"model": ErrorResponse, "description": "The body or a value exceeds a limit."},
    422: {
        "model": ErrorResponse,
        "description": "The body or a parameter does not have the documented form.",
    },
    500: {"model": InternalErrorResponse, "description": "Our bug, logged under the request id it names."},
}

DESCRIPTION = """Backpropagation made visible. `POST /api/v1/evaluate` turns an expression such as
`a = x + y; b = max(y, z); f = a * b` into its computational graph with every node's value and
gradient, every edge's upstream × local = downstream, the forward/backward steps and a layout.
Errors are `{"error": {"code", "message", "line"?, "column"?, "input"?, …}}`: beside the English
`message`, the parameters a page needs to word it in its own language (`name`, `text`, `shapes`,
`limit`, … — the table in the API guide). Every response carries an `X-Request-ID` (yours, if you
send a short one). See the API guide at /docs/guide."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application, with `settings` (default: the environment's), which `get_settings` serves."""
    settings = settings or environment_settings()
    # An evaluation in a worker thread is CPU-bound Python holding the GIL; the event loop gets it
    # back at each switch interval. 1 ms instead of CPython's 5 keeps /healthz and small requests
    # quick beside a heavy one, for a throughput cost too small to measure.
    sys.setswitchinterval(0.001)
    application = FastAPI(
        title="chainrule",
        version="0.1.0",
        description=DESCRIPTION,
        default_response_class=StrictJSONResponse,
        docs_url=None,  # /docs is served offline by app.routers.pages (Swagger UI needs a CDN)
        redoc_url=None,
    )
    application.state.settings = settings  # for middlewares and handlers, which have no Depends
    application.state.unexpected_errors = 0

    @application.get(
        "/healthz",
        tags=["health"],
        response_model=Health,
        summary="Liveness: the worker answers",
        description="Answered on the event loop without touching the engine: a slow answer means a busy worker.",
    )
    async def healthz() -> StrictJSONResponse:
        return StrictJSONResponse({"status": "ok"})

    application.include_router(graph.router, prefix="/api/v1", responses=API_ERRORS)
    application.include_router(training.router, prefix="/api/v1", responses=API_ERRORS)
    application.include_router(lessons.router, prefix="/api/v1", responses=API_ERRORS)
    application.include_router(pages.router)
    application.include_router(apidocs.router)  # /docs (offline: Swagger UI needs a CDN) and the API guide
    application.mount("/static", StaticFiles(directory=str(STATIC_DIR), check_dir=False), name="static")
    errors.install(application)
    # Added innermost first: a request meets HeadersMiddleware first, the routes last.
    application.add_middleware(HeadMiddleware)
    application.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    application.add_middleware(InternalErrorMiddleware)
    application.add_middleware(HeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    return application


app = create_app()
