"""Every error, in one place, as `{"error": {"code", "message", "line"?, "column"?}}`.

Engine errors are 400, body validation 422, unknown paths 404, wrong methods 405, bodies over
the limit 413 (checked by `BodyLimitMiddleware` before anything parses them). Nothing the user
sends should reach `LastResortMiddleware`; it exists so that a bug is never a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.serialize import StrictJSONResponse, dumps, utf8
from engine import EngineError

log = logging.getLogger("chainrule")

HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_body",
}


class ApiError(Exception):
    """An error the HTTP layer raises itself, with its status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        input_name: str | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.line, self.column = status, code, message, line, column
        self.input_name = input_name


def error_body(
    code: str, message: str, line: int | None = None, column: int | None = None, input_name: str | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if line is not None:
        error["line"] = line
    if column is not None:
        error["column"] = column
    if input_name is not None:  # the input (by its name in the request) the error is about
        error["input"] = input_name
    return {"error": error}


def error_response(
    status: int,
    code: str,
    message: str,
    line: int | None = None,
    column: int | None = None,
    input_name: str | None = None,
):
    return StrictJSONResponse(error_body(code, message, line, column, input_name), status_code=status)


def _location(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts)


def _validation_response(exc: RequestValidationError) -> StrictJSONResponse:
    errors = list(exc.errors())
    if not errors:
        return error_response(422, "invalid_body", "the request body is not valid")
    first = errors[0]
    kind = str(first.get("type", ""))
    if kind == "json_invalid":
        detail = (first.get("ctx") or {}).get("error", "")
        return error_response(
            400, "invalid_json", f"the body is not valid JSON{': ' + str(detail) if detail else ''}"
        )
    where = _location(first.get("loc", ()))
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind == "missing":
        message = f"'{where}' is required" if where else "a request body is required"
    elif where:
        message = f"{where}: {message}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    code = "invalid_input" if where.startswith(("inputs", "seed_gradient")) else "invalid_body"
    return error_response(422, code, message)


def install(app: FastAPI) -> None:
    """Register the exception handlers and the two middlewares."""

    @app.exception_handler(EngineError)
    async def engine_error(_: Request, exc: EngineError) -> StrictJSONResponse:
        return error_response(400, exc.code, exc.message, exc.line, exc.column, exc.input_name)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> StrictJSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.line, exc.column, exc.input_name)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> StrictJSONResponse:
        return _validation_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> StrictJSONResponse:
        status = exc.status_code if 400 <= exc.status_code < 500 else 400
        code = HTTP_CODES.get(status, "http_error")
        if status == 404:
            message = f"no such path: {request.url.path}"
        elif status == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        elif exc.detail == "There was an error parsing the body":
            code, message = "invalid_json", "the body could not be parsed as JSON"
        else:
            message = str(exc.detail)
        response = error_response(status, code, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    app.add_middleware(LastResortMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=app.state.settings.max_body_bytes)


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = utf8(dumps(error_body(code, message)))
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """413 for a body over `max_bytes`, by Content-Length or by counting what streams in —
    before any of it is parsed. The (bounded) body is then replayed to the application."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = f"the request body exceeds the limit of {self.max_bytes} bytes (CHAINRULE_MAX_BODY_BYTES)"
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_error(send, 400, "bad_request", "Content-Length is not a number")
                    return
                if declared > self.max_bytes:
                    await _send_error(send, 413, "body_too_large", too_large)
                    return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send_error(send, 413, "body_too_large", too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class LastResortMiddleware:
    """A bug becomes a generic JSON error (logged, counted), never a 500 or a stack trace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            state = scope.get("app").state if scope.get("app") is not None else None
            if state is not None:
                state.unexpected_errors = getattr(state, "unexpected_errors", 0) + 1
            if not started:
                await _send_error(send, 400, "unexpected_error", "the request could not be processed")
