"""/optimizers in Chromium: the race's paths draw over the contours, the loss chart, the start, language."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import screenshot


def until(page, expression: str, timeout: int = 15_000) -> None:
    """Wait until the JS expression is truthy, polled from Python: the pages' CSP (script-src
    'self') forbids the eval that Playwright's wait_for_function uses for a string predicate."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(50)


pytestmark = pytest.mark.browser

URL = "/optimizers#surface=bowl&steps=60&start=[-1.5,1.7]&lang=en"
FINISHED = "document.querySelector('#race-step').textContent === '60 / 60'"


def _open(page) -> None:
    page.goto(URL)
    until(page, FINISHED, timeout=20_000)


def test_race_paths_draw_over_the_contours_and_the_loss_chart(page) -> None:
    _open(page)
    levels = page.eval_on_selector_all(
        ".rc-level", "ls => ls.filter(l => l.getAttribute('d').length > 20).length"
    )
    assert levels >= 10  # the bowl's level circles
    painted = page.evaluate(
        """() => { const c = document.querySelector('.rc-canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; const seen = new Set();
        for (let k = 0; k < d.length; k += 4 * 13) seen.add(d[k] * 65536 + d[k + 1] * 256 + d[k + 2]);
        return seen.size; }"""
    )
    assert painted >= 8  # the contour bands
    paths = page.eval_on_selector_all(
        ".rc-path", "ps => ps.map(p => (p.getAttribute('d').match(/L/g) || []).length)"
    )
    assert len(paths) == 5 and all(n >= 10 for n in paths)  # five racers, each a path of many steps
    strokes = page.eval_on_selector_all(
        ".rc-path", "ps => ps.map(p => p.getAttribute('stroke') + p.getAttribute('stroke-dasharray'))"
    )
    assert len(set(strokes)) == 5  # each its own colour and dash
    markers = page.eval_on_selector_all(".rc-racer .rc-marker", "ms => ms.map(m => m.getAttribute('d'))")
    assert len(set(markers)) == 5  # and its own marker shape
    lines = page.eval_on_selector_all(
        "#race-loss-chart .lc-line", "ls => ls.map(l => (l.getAttribute('d').match(/L/g) || []).length)"
    )
    assert len(lines) == 5 and all(n >= 59 for n in lines)  # a loss per step for every racer
    legend = page.eval_on_selector_all("#race-loss-chart .lc-name", "ns => ns.map(n => n.textContent)")
    assert legend[0].startswith("SGD") and any(name.startswith("Adam") for name in legend)
    finals = page.eval_on_selector_all(
        ".race-final", "fs => fs.map(f => Number(f.textContent.replace('−', '-')))"
    )
    assert all(v < 5.14 * 0.5 for v in finals)  # every racer has come down the bowl from f = 5.14
    # Plain SGD on x² + y² shrinks the point by (1 − 2·lr) = 0.9 per step: f₆₀ = 5.14 · 0.81⁶⁰.
    assert finals[0] == pytest.approx(5.14 * 0.81**60, rel=0.05)
    screenshot(page, "optimizers-en")


def test_clicking_the_plot_moves_the_start_and_reruns(page) -> None:
    _open(page)
    box = page.locator(".rc-svg").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)  # (1, 1) on [-2, 2]²
    until(page, "!document.querySelector('.rc-path').getAttribute('d').startsWith('M75.0,')")
    until(page, FINISHED)
    x, y = json.loads(parse_qs(urlsplit(page.url).fragment)["start"][0])
    assert x == pytest.approx(1.0, abs=0.02) and y == pytest.approx(1.0, abs=0.02)
    first = page.get_attribute(".rc-path >> nth=0", "d")
    mx, my = (float(v) for v in re.match(r"M([\d.]+),([\d.]+)", first).groups())
    assert mx == pytest.approx(450, abs=4) and my == pytest.approx(150, abs=4)  # the path starts at the click


def test_surface_change_and_language(page) -> None:
    _open(page)
    page.click("button[data-lang='pt-BR']")
    assert page.inner_text("#race-racers-title").strip().lower() == "competidores"
    assert page.inner_text("#race-surface option[value='saddle']") == "Sela x² − y²"
    page.select_option("#race-surface", "beale")
    until(page, "document.querySelector('#race-step').textContent.endsWith('/ 300')")
    params = parse_qs(urlsplit(page.url).fragment)
    assert params["surface"] == ["beale"] and params["steps"] == ["300"]  # the surface's preset came along
    page.keyboard.press("End")  # the finish line at once
    assert page.inner_text("#race-step") == "300 / 300"
    assert page.get_attribute("#race-play", "aria-label") == "Repetir"
    screenshot(page, "optimizers-pt-BR")
    page.keyboard.press("p")
    page.wait_for_timeout(200)
    screenshot(page, "optimizers-projector")
