"""Browser fixtures shared by every page's tests: a live server, Chromium, a watched page.

`page` fails its test at teardown when the page logged a console error, threw, or asked for
anything outside the server's origin (no CDN, no external fonts, nothing leaves the page).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _unavailable  # noqa: F401 - shared (the browser fixture lives there)

LOCAL_SCHEMES = ("data:", "blob:", "about:")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """`app.main:create_app()` served by uvicorn in a background thread; yields the base URL."""
    import uvicorn

    from app.main import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


class PageProblems:
    """What a page did wrong: console errors, uncaught exceptions, off-origin requests."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.console_errors: list[str] = []
        self.off_origin: list[str] = []

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if self._expected_api_rejection(message.text, url):
            return
        self.console_errors.append(f"{message.text} ({url})")

    def _expected_api_rejection(self, text: str, url: str) -> bool:
        """Chromium logs every 4xx fetch; a 4xx from /api/v1 is a page handling bad input, not a fault."""
        return text.startswith(
            "Failed to load resource: the server responded with a status of 4"
        ) and url.startswith(f"{self.origin}/api/v1/")

    def on_page_error(self, error) -> None:
        self.console_errors.append(f"uncaught: {error}")

    def on_request(self, request) -> None:
        url = request.url
        if url.startswith(LOCAL_SCHEMES):
            return
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.off_origin.append(url)

    def report(self) -> list[str]:
        return [f"console: {m}" for m in self.console_errors] + [f"off-origin: {u}" for u in self.off_origin]


@pytest.fixture()
def page(browser, live_server):  # -> playwright Page
    """A fresh context and page (own localStorage, downloads allowed), watched for problems."""
    context = browser.new_context(
        accept_downloads=True, viewport={"width": 1280, "height": 800}, base_url=live_server
    )
    page = context.new_page()
    problems = PageProblems(live_server)
    page.on("console", problems.on_console)
    page.on("pageerror", problems.on_page_error)
    page.on("request", problems.on_request)
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    context.close()
    found = problems.report()
    if found:
        pytest.fail("the page misbehaved:\n" + "\n".join(found), pytrace=False)


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """Save a PNG under tests/artifacts/ (look at it) and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture()
def shot():
    """The screenshot helper as a fixture, for tests that prefer injection over import."""
    return screenshot


def until(page, expression: str, timeout: int = 30_000) -> None:
    """Wait until the JS expression is truthy, polled from Python: the pages' CSP (script-src
    'self') forbids the eval that Playwright's wait_for_function uses for a string predicate."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(50)
