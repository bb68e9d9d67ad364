"""What every response gets, whatever answered it: a request id, security headers, HEAD, and a
500 in the error shape for our own bugs.

Pure ASGI middlewares (Starlette's idiom without BaseHTTPMiddleware's task per request). In
`create_app` the order, outermost first, is

    HeadersMiddleware → InternalErrorMiddleware → BodyLimitMiddleware → HeadMiddleware → routes

so a 500 written by InternalErrorMiddleware, a 413, a 404, a static file and a page all pass
through HeadersMiddleware on their way out.
"""

from __future__ import annotations

import logging
import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.serialize import to_bytes

log = logging.getLogger("chainrule")

# A client's id is echoed only if it is short, printable and cannot split a header or a log line.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def _error(status: int, body: dict) -> tuple[Message, Message]:
    content = to_bytes(body)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    return (
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": content},
    )


def csp(frame_ancestors: str) -> str:
    """The pages' policy: scripts, styles, fetches and fonts from this origin only; images also
    as data:/blob: URLs (exported PNG/SVG); no plugins, no <base> or form posts elsewhere."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
        f"form-action 'self'; frame-ancestors {frame_ancestors}"
    )


def request_id(scope: Scope) -> str:
    """The id HeadersMiddleware gave this request (also `request.state.request_id`)."""
    return scope.get("state", {}).get("request_id", "")


class HeadersMiddleware:
    """Every response: X-Request-ID, CSP, nosniff, a referrer policy; static files revalidate."""

    def __init__(self, app: ASGIApp, frame_ancestors: str = "'self'") -> None:
        self.app = app
        self.headers = [
            ("Content-Security-Policy", csp(frame_ancestors)),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        if frame_ancestors == "'self'":  # the same policy for browsers that predate frame-ancestors
            self.headers.append(("X-Frame-Options", "SAMEORIGIN"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers", ())).get(b"x-request-id", b"").decode("latin-1")
        rid = sent if SANE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        static = scope["path"].startswith("/static/") or scope["path"] == "/favicon.ico"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = rid
                for name, value in self.headers:
                    headers[name] = value
                if static:  # kept, but asked again each time: the ETag makes that a 304
                    headers["Cache-Control"] = "no-cache"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadMiddleware:
    """HEAD on any GET route: answered as the GET, headers only (FastAPI routes list GET alone)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class InternalErrorMiddleware:
    """Our own bug becomes a 500 `internal_error` naming the request id, its traceback logged
    (and counted in `app.state.unexpected_errors`, which the fuzz tests read)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            rid = request_id(scope)
            log.exception("internal error (request %s) on %s %s", rid, scope.get("method"), scope.get("path"))
            application = scope.get("app")
            if application is not None:
                state = application.state
                state.unexpected_errors = getattr(state, "unexpected_errors", 0) + 1
            if started:  # the status line is gone: all that is left is to cut the response short
                return
            message = f"an internal error occurred; quote request id {rid} when reporting it"
            for part in _error(
                500, {"error": {"code": "internal_error", "message": message, "request_id": rid}}
            ):
                await send(part)


class BodyLimitMiddleware:
    """413 for a body over `max_bytes`, by Content-Length or by counting what streams in, before
    any of it is parsed; the (bounded) body is then replayed to the application.

    Not FastAPI's `max_body_size`: that one replaces the response to any request whose declared
    Content-Length is over the limit with a plain-text 413, outside the error shape (see
    tests/api/test_errors.py, "content_length_lies")."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = {
            "error": {
                "code": "body_too_large",
                "message": f"the request body exceeds the limit of {self.max_bytes} bytes (CHAINRULE_MAX_BODY_BYTES)",
            }
        }
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                bad = {"error": {"code": "bad_request", "message": "Content-Length is not a number"}}
                for part in _error(400, bad):
                    await send(part)
                return
            if int(declared) > self.max_bytes:
                for part in _error(413, too_large):
                    await send(part)
                return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                for part in _error(413, too_large):
                    await send(part)
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
