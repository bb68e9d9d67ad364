"""Every error, in one place, as `{"error": {"code", "message", "line"?, "column"?, "input"?, …}}`.

`message` is English; beside it travel the parameters a page needs to word the error in its own
language (docs/api.md's error table names them per code): `name`, `text`, `shapes`, `limit`, …

Engine errors are 400, a body or parameter that does not have the documented form 422
(`invalid_body`, `invalid_input` for an input value, `invalid_parameter` for the query or path;
400 `invalid_json` when the body is not JSON at all), unknown paths 404, wrong methods 405, bodies over
`max_body_bytes` 413 (app.middleware.BodyLimitMiddleware, before any of it is parsed). Our own bug is a 500 `internal_error` with a `request_id`
(app.middleware.InternalErrorMiddleware): a 4xx would tell the client the fault is theirs.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.serialize import StrictJSONResponse
from engine import EngineError

# Every field an error object may carry beside `code` and `message` (docs/api.md's error table
# says which code carries which): what a page needs to word the error in the user's language.
FIELDS = frozenset(
    {"line", "column", "input", "request_id", "name", "text", "detail", "known", "min", "max", "got"}
    | {"argument", "reason", "construct", "limit", "length", "shapes", "op", "rule", "columns", "rows"}
    | {"count", "axis", "index", "size", "field", "value", "method", "path", "step", "last"}
)

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
    """An error the HTTP layer or the service raises itself, with its status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        input_name: str | None = None,
        params: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.line, self.column = status, code, message, line, column
        self.input_name = input_name
        self.params: dict[str, Any] = dict(params or {})


def error_body(
    code: str,
    message: str,
    line: int | None = None,
    column: int | None = None,
    input_name: str | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    # the parameters first, so that none of them can shadow the fixed fields
    error: dict[str, Any] = {**(params or {}), "code": code, "message": message}
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
    params: dict[str, Any] | None = None,
) -> StrictJSONResponse:
    body = error_body(code, message, line, column, input_name, params)
    return StrictJSONResponse(body, status_code=status)


def location(loc: tuple | list) -> tuple[str, str]:
    """Where a validation error is, as a student reads it: ("body", "model.layers[0]"),
    ("query", "step"). The first part is pydantic's source: body, query, path, header."""
    source, *rest = [*loc] or ["body"]
    where = ""
    for part in rest:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return str(source), where


def _message(error: dict[str, Any]) -> tuple[str, str]:
    """One pydantic error as (where, message): "inputs.x: Input should be …", "query parameter
    'step': Input should be greater than or equal to 0", "'source' is required"."""
    source, where = location(error.get("loc", ()))
    text = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    subject = where if source == "body" else f"{source} parameter '{where}'"
    kind = error.get("type")
    if not where:  # the body as a whole
        if kind == "missing":
            return where, "a request body is required"
        return where, f"the body must be a JSON object sent as application/json ({text})"
    if kind == "missing":
        return where, f"'{where}' is required" if source == "body" else f"{subject} is required"
    return where, f"{subject}: {text}"


def validation_response(exc: RequestValidationError) -> StrictJSONResponse:
    """422 naming the first problem's field (and how many more there are); 400 if not JSON."""
    errors = list(exc.errors())
    if not errors:
        return error_response(422, "invalid_body", "the request body is not valid")
    first = errors[0]
    if first.get("type") == "json_invalid":
        detail = (first.get("ctx") or {}).get("error", "")
        return error_response(
            400, "invalid_json", f"the body is not valid JSON{': ' + str(detail) if detail else ''}"
        )
    where, message = _message(first)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    if location(first.get("loc", ()))[0] != "body":
        code = "invalid_parameter"  # ?step=-1, /examples/{id} too long
    elif where.startswith(("inputs", "seed_gradient")):
        code = "invalid_input"
    else:
        code = "invalid_body"
    return error_response(422, code, message)


def install(app: FastAPI) -> None:
    """Register the exception handlers (the 500 is InternalErrorMiddleware's)."""

    @app.exception_handler(EngineError)
    async def engine_error(_: Request, exc: EngineError) -> StrictJSONResponse:
        params = getattr(exc, "params", None)
        return error_response(400, exc.code, exc.message, exc.line, exc.column, exc.input_name, params)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> StrictJSONResponse:
        return error_response(
            exc.status, exc.code, exc.message, exc.line, exc.column, exc.input_name, exc.params
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> StrictJSONResponse:
        return validation_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> StrictJSONResponse:
        status = exc.status_code if 400 <= exc.status_code < 500 else 400
        code = HTTP_CODES.get(status, "http_error")
        if status == 404:
            message = f"no such path: {request.url.path}"
        elif status == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        elif exc.detail == "There was an error parsing the body":  # not UTF-8, or nested too deeply
            code, message = "invalid_json", "the body could not be parsed as JSON"
        else:
            message = str(exc.detail)
        response = error_response(status, code, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response
