"""Every page works under the app's Content-Security-Policy in Chromium: no violation reported.

A violation shows as a `securitypolicyviolation` event (recorded by an init script, which the
CSP does not govern) and as a console error (which the `page` fixture fails on as well).
"""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""

PAGES = {  # path → a condition that only holds once the page's scripts have run
    "graph": ("/#lang=en", "document.querySelector('#graph text.val') !== null"),
    "train": ("/train#lang=en", "document.querySelector('#tr-train-loss').textContent.trim() !== '–'"),
    "optimizers": ("/optimizers#lang=en", "document.querySelector('.rc-level') !== null"),
    "docs": ("/docs", "document.querySelectorAll('#operations details').length > 0"),
    "handout": ("/handout#lang=en", "document.querySelectorAll('#handout-figures svg').length > 1"),
}


def _until(page, expression: str, timeout: float = 20.0) -> None:
    """Poll a JS condition from Python: wait_for_function's string predicate needs eval, which
    this very CSP forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_runs_under_the_csp_without_a_violation(page, name) -> None:
    path, ready = PAGES[name]
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(path)
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy
    _until(page, ready)
    if name == "graph":  # step through the drawing: the stepper restyles nodes and edges
        for key in ("ArrowRight", "ArrowRight", "End", "Home"):
            page.keyboard.press(key)
    if name == "train":  # one step: curves, heatmaps and thumbnails redraw
        page.click("#tr-step")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    screenshot(page, f"csp-{name}")
    assert page.evaluate("window.__cspViolations") == []
    icon = page.evaluate("document.querySelector('link[rel=icon]')?.getAttribute('href')")
    if name != "docs":
        assert icon == "/static/icons/favicon.svg"
