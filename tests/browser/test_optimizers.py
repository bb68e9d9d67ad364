"""/optimizers in Chromium: the race's paths draw over the contours, the loss chart, the start, language."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

import pytest

from tests.browser.conftest import screenshot, until

pytestmark = pytest.mark.browser

URL = "/optimizers#surface=bowl&steps=60&start=[-1.5,1.7]&lang=en"
FINISHED = "document.querySelector('#race-step').textContent === '60 / 60'"


def _fragment(page) -> dict[str, list[str]]:
    """The page's hash as it is now (page.url can lag behind history.replaceState)."""
    return parse_qs(page.evaluate("location.hash.slice(1)"))


def _open(page) -> None:
    page.goto(URL)
    until(page, FINISHED, timeout=60_000)


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
    x, y = json.loads(_fragment(page)["start"][0])
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
    params = _fragment(page)
    assert params["surface"] == ["beale"] and params["steps"] == ["300"]  # the surface's preset came along
    page.keyboard.press("End")  # the finish line at once
    assert page.inner_text("#race-step") == "300 / 300"
    assert page.get_attribute("#race-play", "aria-label") == "Repetir"
    screenshot(page, "optimizers-pt-BR")
    page.keyboard.press("p")
    page.wait_for_timeout(200)
    screenshot(page, "optimizers-projector")


def test_paused_each_racer_shows_its_gradient_and_update(page) -> None:
    _open(page)
    page.keyboard.press("Home")  # step 0: every racer at the start (−1.5, 1.7), where ∇(x² + y²) = (−3, 3.4)
    until(page, "document.querySelector('#race-plot').dataset.inspected === '0'")
    texts = page.eval_on_selector_all(".race-inspect", "ps => ps.map(p => p.textContent)")
    assert texts[0] == "∇f (−3, 3.4) · update (0.15, −0.17)"  # SGD, lr 0.05: the update is −lr·∇f
    assert texts[2].endswith(
        "scale per coordinate (0.333, 0.294)"
    )  # Adagrad's first step: 1/|g| per coordinate
    assert page.locator(".rc-grad").count() == 5 and page.locator(".rc-update").count() == 5
    assert page.locator(".rc-scale").count() == 3  # Adagrad, RMSProp, Adam
    page.keyboard.press("End")
    until(page, "document.querySelector('#race-plot').dataset.inspected === '60'")
    momentum = page.inner_text(".race-card[data-racer='1'] .race-inspect")
    assert "momentum carried" in momentum  # μ × the previous update, from the path


def test_a_slider_redraws_the_race_at_once(page) -> None:
    _open(page)
    before = page.get_attribute(".rc-path >> nth=0", "d")
    seq = page.get_attribute("#race-plot", "data-seq")
    page.eval_on_selector(
        "#race-lr-slider-0",
        "s => { s.value = String(Number(s.value) + 8); s.dispatchEvent(new Event('input', {bubbles: true})); }",
    )
    until(page, f"document.querySelector('#race-plot').dataset.seq !== '{seq}'")
    assert page.inner_text("#race-step") == "60 / 60"  # the whole new race, not a replay from 0
    assert page.get_attribute(".rc-path >> nth=0", "d") != before
    lr = json.loads(_fragment(page)["racers"][0])[0]["lr"]
    assert lr == pytest.approx(
        0.05 * 10 ** (8 * 4 / 80), rel=0.05
    )  # the log slider: 8 of 80 notches = ×10^0.4
    assert page.input_value("#race-0-lr") == str(lr)
    finals = page.eval_on_selector_all(
        ".race-final", "fs => fs.map(f => Number(f.textContent.replace('−', '-')))"
    )
    assert finals[0] == pytest.approx(
        5.14 * (1 - 2 * lr) ** 120, rel=0.05
    )  # SGD on the bowl with the new rate


def test_the_start_can_be_dragged(page) -> None:
    _open(page)
    box = page.locator(".rc-svg").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)  # (−1, 1)
    page.mouse.down()
    for f in (0.3, 0.4, 0.5, 0.6):
        page.mouse.move(box["x"] + box["width"] * f, box["y"] + box["height"] * 0.25, steps=2)
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.75, steps=4)  # (1, −1)
    page.mouse.up()
    until(page, "document.querySelector('.rc-path').getAttribute('d').startsWith('M450.0,450.0')")
    x, y = json.loads(_fragment(page)["start"][0])
    assert x == pytest.approx(1.0, abs=0.02) and y == pytest.approx(-1.0, abs=0.02)
    assert page.inner_text("#race-step") == "60 / 60"


def test_a_typed_surface_races_like_the_built_in_it_spells(page) -> None:
    _open(page)
    bowl = page.eval_on_selector_all(".race-final", "fs => fs.map(f => f.textContent)")
    racers = [
        {"name": "sgd", "lr": 0.05},
        {"name": "sgd", "lr": 0.05, "momentum": 0.9},
        {"name": "adagrad", "lr": 0.5},
        {"name": "rmsprop", "lr": 0.01},
        {"name": "adam", "lr": 0.1},
    ]  # the bowl's preset racers
    page.goto("about:blank")  # a new document: only the hash differs from the page open now
    page.goto(
        "/optimizers#surface=expression&expr=x**2%2By**2&steps=60&start=[-1.5,1.7]&lang=en&racers="
        + json.dumps(racers)
    )
    until(page, FINISHED, timeout=60_000)
    assert page.input_value("#race-expr") == "x**2+y**2"
    typed = page.eval_on_selector_all(".race-final", "fs => fs.map(f => f.textContent)")
    assert typed == bowl  # the same paths, so the same losses, step for step
    assert page.locator(".rc-level").count() >= 10
    screenshot(page, "optimizers-expression-en")
    page.select_option("#race-examples", "booth")
    until(
        page,
        "new URLSearchParams(location.hash.slice(1)).get('expr') === '(x + 2*y - 7)**2 + (2*x + y - 5)**2'",
    )
    assert page.input_value("#race-expr") == "(x + 2*y - 7)**2 + (2*x + y - 5)**2"
    page.fill("#race-expr", "x ** 2 + import")
    page.dispatch_event("#race-expr", "change")
    until(page, "!document.querySelector('#race-error').hidden")
    assert "could not be used" in page.inner_text("#race-error")


CIRCLE = """async () => {
  const { isolines, levels } = await import('/static/js/contour.js');
  const n = 41, values = [];
  for (let i = 0; i < n; i++) {
    const row = [];
    for (let j = 0; j < n; j++) { const x = -2 + 4 * j / (n - 1), y = -2 + 4 * i / (n - 1); row.push(x * x + y * y); }
    values.push(row);
  }
  const lines = isolines(values, 1);  // passes exactly through grid points such as (0.6, 0.8)
  const radius = lines.flat().map(([c, r]) => Math.hypot(-2 + 4 * c / (n - 1), -2 + 4 * r / (n - 1)));
  return { count: lines.length, closed: String(lines[0][0]) === String(lines[0].at(-1)),
           worst: Math.max(...radius.map((v) => Math.abs(v - 1))), levels: levels(0, 2500, 4).values };
}"""


def test_contour_lines_are_joined_smooth_and_log_spaced(page) -> None:
    _open(page)
    result = page.evaluate(CIRCLE)
    assert result["count"] == 1 and result["closed"]  # x² + y² = 1: one closed line, not segments
    assert result["worst"] < 0.002  # linear interpolation along the edges: within 0.2 % of the circle
    # Rosenbrock-like range [0, 2500]: levels spread evenly in log(f) from 0.1 up (4.4 decades).
    assert result["levels"] == pytest.approx([2500 * 10 ** (-4.39794 * k / 4) for k in (3, 2, 1)], rel=1e-3)
