"""A Python client for chainrule's REST API, sync and async, on httpx.

    from app.client import Client, ChainruleError

    with Client("http://127.0.0.1:8000") as api:
        doc = api.evaluate("a = x + y; b = max(y, z); f = a * b", {"x": 1, "y": 2, "z": 0})
        {n["id"]: n["grad"] for n in doc["nodes"]}          # {'x': 2.0, 'y': 5.0, ...}
        try:
            api.evaluate("f = x +", {"x": 1})
        except ChainruleError as error:
            error.code, error.line, error.column            # 'syntax_error', 1, 8

Responses are the API's JSON as Python objects, exactly as docs/api.md describes them (a
non-finite number stays the string "NaN", "Infinity" or "-Infinity"). Connection failures are
retried (`retries`, with httpcore's exponential backoff: 0 s, 0.5 s, 1 s, 2 s, …); nothing else
is: a 4xx is an answer, and a request that reached the server may have done its work.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"
Request = tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]  # method, path, body, query


class ChainruleError(Exception):
    """An error the API answered (`status` set), or a server that could not be reached in time.

    `code` is the API's machine-readable code (`syntax_error`, `missing_input`, …), `message`
    its English sentence, `details` every other parameter of the error (`line`, `column`,
    `input`, …). Transport failures have `status` None and the code `connection_error` or
    `timeout`.
    """

    def __init__(
        self, code: str, message: str, status: int | None = None, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}" + (f" (HTTP {status})" if status is not None else ""))
        self.code, self.message, self.status = code, message, status
        self.details: dict[str, Any] = dict(details or {})

    @property
    def line(self) -> int | None:
        return self.details.get("line")

    @property
    def column(self) -> int | None:
        return self.details.get("column")

    @property
    def input(self) -> str | None:
        return self.details.get("input")


def _error(response: httpx.Response) -> ChainruleError:
    """The API's `{"error": {"code", "message", ...}}` body as a ChainruleError (any other body too)."""
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):  # not chainrule's error shape: a proxy's page, say
        return ChainruleError(f"http_{response.status_code}", response.text[:200], response.status_code)
    details = {key: value for key, value in error.items() if key not in ("code", "message")}
    return ChainruleError(code, message, response.status_code, details)


def _result(response: httpx.Response) -> Any:
    if response.is_success:
        return response.json()
    raise _error(response)


def _transport_error(error: httpx.TransportError, base_url: str) -> ChainruleError:
    if isinstance(error, httpx.TimeoutException):
        return ChainruleError("timeout", f"{base_url} did not answer in time ({type(error).__name__})")
    return ChainruleError("connection_error", f"cannot reach {base_url}: {error}")


def _graph_body(source: str, inputs: Mapping[str, Any], output: str | None, seed_gradient: Any) -> dict:
    body: dict[str, Any] = {"source": source, "inputs": dict(inputs)}
    if output is not None:
        body["output"] = output
    if seed_gradient is not None:
        body["seed_gradient"] = seed_gradient
    return body


class _Requests:
    """Every endpoint as (method, path, body, query): shared by the sync and the async client."""

    @staticmethod
    def evaluate(
        source: str,
        inputs: Mapping[str, Any],
        output: str | None,
        seed_gradient: Any,
        step: int | None,
        extra: dict,
    ) -> Request:
        query = {"step": step} if step is not None else None
        return (
            "POST",
            "/api/v1/evaluate",
            {**_graph_body(source, inputs, output, seed_gradient), **extra},
            query,
        )

    @staticmethod
    def gradcheck(source: str, inputs: Mapping[str, Any], output: str | None, seed_gradient: Any) -> Request:
        return "POST", "/api/v1/gradcheck", _graph_body(source, inputs, output, seed_gradient), None

    @staticmethod
    def example(example_id: str, seed: int | None) -> Request:
        query = {"seed": seed} if seed is not None else None
        return "GET", f"/api/v1/examples/{quote(example_id, safe='')}", None, query

    @staticmethod
    def lesson(lesson_id: str) -> Request:
        return "GET", f"/api/v1/lessons/{quote(lesson_id, safe='')}", None, None


def _get(path: str) -> Request:
    return "GET", path, None, None


def _options(base_url: str, timeout: float | httpx.Timeout, headers: Mapping[str, str] | None) -> dict:
    return {"base_url": base_url, "timeout": timeout, "headers": dict(headers or {})}


class Client:
    """The REST API from Python, blocking. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float | httpx.Timeout = 30.0,
        retries: int = 2,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        transport = httpx.HTTPTransport(retries=retries)  # retries connection failures only
        self._http = httpx.Client(transport=transport, **_options(self.base_url, timeout, headers))

    def _call(self, request: Request) -> Any:
        method, path, body, query = request
        try:
            response = self._http.request(method, path, json=body, params=query)
        except httpx.TransportError as error:
            raise _transport_error(error, self.base_url) from error
        return _result(response)

    def evaluate(
        self,
        source: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        output: str | None = None,
        seed_gradient: Any = None,
        step: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """The evaluation document (the snapshot after `step` if given); `extra`: other body fields."""
        return self._call(_Requests.evaluate(source, inputs or {}, output, seed_gradient, step, extra))

    def gradcheck(
        self,
        source: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        output: str | None = None,
        seed_gradient: Any = None,
    ) -> dict[str, Any]:
        return self._call(_Requests.gradcheck(source, inputs or {}, output, seed_gradient))

    def train(self, body: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Training steps; pass the returned `state` back (`state=...`) to continue the run exactly."""
        return self._call(("POST", "/api/v1/train", {**(body or {}), **fields}, None))

    def optimize(self, body: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        return self._call(("POST", "/api/v1/optimize", {**(body or {}), **fields}, None))

    def examples(self) -> list[dict[str, Any]]:
        return self._call(_get("/api/v1/examples"))

    def example(self, example_id: str, seed: int | None = None) -> dict[str, Any]:
        return self._call(_Requests.example(example_id, seed))

    def ops(self) -> list[dict[str, Any]]:
        return self._call(_get("/api/v1/ops"))

    def optimizers(self) -> Any:
        return self._call(_get("/api/v1/optimizers"))

    def lessons(self) -> Any:
        return self._call(_get("/api/v1/lessons"))

    def lesson(self, lesson_id: str) -> dict[str, Any]:
        return self._call(_Requests.lesson(lesson_id))

    def healthz(self) -> dict[str, Any]:
        return self._call(_get("/healthz"))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient:
    """The same API for asyncio: `async with AsyncClient(url) as api: await api.evaluate(...)`."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float | httpx.Timeout = 30.0,
        retries: int = 2,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        transport = httpx.AsyncHTTPTransport(retries=retries)
        self._http = httpx.AsyncClient(transport=transport, **_options(self.base_url, timeout, headers))

    async def _call(self, request: Request) -> Any:
        method, path, body, query = request
        try:
            response = await self._http.request(method, path, json=body, params=query)
        except httpx.TransportError as error:
            raise _transport_error(error, self.base_url) from error
        return _result(response)

    async def evaluate(
        self,
        source: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        output: str | None = None,
        seed_gradient: Any = None,
        step: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        return await self._call(_Requests.evaluate(source, inputs or {}, output, seed_gradient, step, extra))

    async def gradcheck(
        self,
        source: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        output: str | None = None,
        seed_gradient: Any = None,
    ) -> dict[str, Any]:
        return await self._call(_Requests.gradcheck(source, inputs or {}, output, seed_gradient))

    async def train(self, body: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        return await self._call(("POST", "/api/v1/train", {**(body or {}), **fields}, None))

    async def optimize(self, body: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        return await self._call(("POST", "/api/v1/optimize", {**(body or {}), **fields}, None))

    async def examples(self) -> list[dict[str, Any]]:
        return await self._call(_get("/api/v1/examples"))

    async def example(self, example_id: str, seed: int | None = None) -> dict[str, Any]:
        return await self._call(_Requests.example(example_id, seed))

    async def ops(self) -> list[dict[str, Any]]:
        return await self._call(_get("/api/v1/ops"))

    async def optimizers(self) -> Any:
        return await self._call(_get("/api/v1/optimizers"))

    async def lessons(self) -> Any:
        return await self._call(_get("/api/v1/lessons"))

    async def lesson(self, lesson_id: str) -> dict[str, Any]:
        return await self._call(_Requests.lesson(lesson_id))

    async def healthz(self) -> dict[str, Any]:
        return await self._call(_get("/healthz"))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
