"""The classroom on /train and /optimizers (issue 11), in Chromium: a lesson walked with → from the
graph page onto the training page and the race, each caption on that page in both languages and ←
back again; the presenter view at 1920×1080, whose heatmap and contour plot grow with + together
with their axis labels, none overlapping; its state kept in the URL across a reload."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import screenshot
from tests.browser.conftest import until as _until

pytestmark = pytest.mark.browser

LESSON = {
    "id": "three-pages",
    "title": {"en": "Three pages", "pt-BR": "Três páginas"},
    "steps": [
        {
            "page": "graph",
            "source": "f = x * y",
            "inputs": {"x": 3, "y": 4},
            "caption": {"en": "A product on the graph page.", "pt-BR": "Um produto na página do grafo."},
        },
        {
            "page": "train",
            "state": {"dataset": "xor", "optimizer": "sgd", "sgd.lr": 0.3, "layers": [6]},
            "caption": {
                "en": "XOR needs a hidden layer: SGD with rate 0.3.",
                "pt-BR": "O XOR precisa de uma camada oculta: SGD com taxa 0,3.",
            },
        },
        {
            "page": "optimizers",
            "state": {"surface": "saddle"},
            "caption": {
                "en": "On a saddle plain SGD stalls; Adam escapes.",
                "pt-BR": "Numa sela o SGD simples empaca; o Adam escapa.",
            },
        },
    ],
}


def until(page, expression: str, timeout: int = 30_000) -> None:
    """conftest's until, across the reload a lesson step on /train makes (its page is rebuilt)."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            _until(page, expression, timeout=max(0, int((deadline - time.monotonic()) * 1000)))
            return
        except PlaywrightError:  # the page navigated under the poll: poll the new one
            if time.monotonic() > deadline:
                raise
            page.wait_for_timeout(100)


def _caption_is(page, text: str) -> None:
    until(page, f"document.querySelector('#lesson-caption')?.textContent === {json.dumps(text)}")


def _language(page, lang: str) -> None:
    page.click(f"button[data-lang='{lang}']")


def _fragment(page) -> dict[str, list[str]]:
    return parse_qs(page.evaluate("location.hash.slice(1)"))


def test_a_lesson_walks_from_the_graph_page_onto_train_and_the_race_and_back(page, live_server, tmp_path):
    path = tmp_path / "three-pages.json"
    path.write_text(json.dumps(LESSON), encoding="utf-8")
    page.goto(f"{live_server}/#lang=en")
    page.wait_for_selector("#lesson-file", state="attached")
    page.set_input_files("#lesson-file", str(path))
    _caption_is(page, "A product on the graph page.")

    page.keyboard.press("ArrowRight")  # a train step: the training page shows it itself
    page.wait_for_url("**/train#**")
    _caption_is(page, "XOR needs a hidden layer: SGD with rate 0.3.")
    assert page.locator("#lesson-progress").inner_text() == "Lesson step 2 of 3"
    assert page.locator("#lesson-title").inner_text() == "Three pages"
    fragment = _fragment(page)
    assert (
        fragment["dataset"] == ["xor"] and fragment["sgd.lr"] == ["0.3"] and fragment["lesson_step"] == ["1"]
    )
    until(page, "document.querySelector('#tr-optimizer')?.value === 'sgd'")  # the step's settings, applied
    assert page.locator(".tr-thumb[aria-pressed='true']").get_attribute("data-dataset") == "xor"
    assert page.locator("#tr-opt-lr").input_value() in ("0.3", "0,3")
    until(page, "document.querySelector('#tr-stepcount').textContent === '0'")
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#lesson-caption')).fontSize)")
    assert font >= 22  # large: readable at the back of a room
    screenshot(page, "train-lesson-en")

    _language(page, "pt-BR")
    _caption_is(page, "O XOR precisa de uma camada oculta: SGD com taxa 0,3.")
    assert page.locator("#lesson-progress").inner_text() == "Passo 2 de 3 da lição"

    page.keyboard.press("ArrowRight")
    page.wait_for_url("**/optimizers#**")
    _caption_is(page, "Numa sela o SGD simples empaca; o Adam escapa.")
    assert page.locator("#lesson-progress").inner_text() == "Passo 3 de 3 da lição"
    until(page, "document.querySelector('#race-surface')?.value === 'saddle'")
    assert _fragment(page)["surface"] == ["saddle"]
    assert page.locator("#lesson-next").is_disabled()
    until(page, "document.querySelector('#race-plot').dataset.seq")
    screenshot(page, "optimizers-lesson-pt-BR")
    _language(page, "en")
    _caption_is(page, "On a saddle plain SGD stalls; Adam escapes.")

    page.keyboard.press("ArrowLeft")  # ← goes back: the training page, then the graph page
    page.wait_for_url("**/train#**")
    _caption_is(page, "XOR needs a hidden layer: SGD with rate 0.3.")
    assert _fragment(page)["dataset"] == ["xor"]
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(lambda url: "/train" not in url and "/optimizers" not in url)
    _caption_is(page, "A product on the graph page.")
    until(page, "document.querySelector('#source')?.value === 'f = x * y'")


def test_two_train_steps_of_a_built_in_lesson_each_apply_their_settings(page, live_server):
    page.goto(f"{live_server}/train#lesson=sgd&lesson_step=1&lang=en")
    until(
        page, "document.querySelector('#lesson-caption')?.textContent.startsWith('On the training page SGD')"
    )
    until(page, "document.querySelector('#tr-schedule')?.value === 'constant'")
    page.click("#lesson-next")  # the button moves as → does
    until(page, "document.querySelector('#lesson-caption')?.textContent.startsWith('Too large a rate')")
    until(page, "document.querySelector('#tr-schedule')?.value === 'step'")
    assert page.locator("#tr-opt-lr").input_value() == "1"
    fragment = _fragment(page)
    assert (
        fragment["schedule"] == ["step"]
        and fragment["stepSize"] == ["3"]
        and fragment["lesson_step"] == ["2"]
    )
    page.select_option("#tr-l2", "0.01")  # the teacher's own change survives a reload
    until(page, "location.hash.includes('l2=0.01')")
    page.reload()
    until(page, "document.querySelector('#lesson-caption')?.textContent.startsWith('Too large a rate')")
    assert page.input_value("#tr-l2") == "0.01" and page.input_value("#tr-schedule") == "step"
    assert page.locator("#lesson-progress").inner_text() == "Lesson step 3 of 3"
    page.keyboard.press("Escape")  # leaves the lesson: the bar goes, → is one epoch again
    until(page, "document.querySelector('#lesson-bar').hidden")
    assert "lesson" not in _fragment(page)
    until(page, "document.querySelector('#tr-stepcount').textContent === '0'")
    page.keyboard.press("ArrowRight")
    until(page, "Number(document.querySelector('#tr-stepcount').textContent) > 0")


OVERLAPS = """(selector) => {
  const boxes = [...document.querySelectorAll(selector)]
    .filter((el) => el.getBoundingClientRect().width > 0 && getComputedStyle(el).display !== 'none')
    .map((el) => ({ text: el.textContent.trim(), r: el.getBoundingClientRect() }))
    .filter((b) => b.text);
  const hits = [];
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      const a = boxes[i].r, b = boxes[j].r;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) hits.push(`${boxes[i].text} / ${boxes[j].text}`);
    }
  }
  return { count: boxes.length, hits };
}"""

TRAIN_LABELS = (
    ".tr-axis span, .tr-metrics dt, .tr-metrics dd, .tr-point-legend li, #lesson-caption, #lesson-title"
)
RACE_LABELS = ".rc-tick-label, .rc-axis-name"


def _measure(page, plot: str, label: str) -> dict[str, float]:
    return page.evaluate(
        """([plot, label]) => {
          const p = document.querySelector(plot).getBoundingClientRect();
          const l = document.querySelector(label).getBoundingClientRect();
          return { side: p.width, height: p.height, label: l.height, labelWidth: l.width };
        }""",
        [plot, label],
    )


def _settled(page, plot: str, label: str, tries: int = 40) -> dict[str, float]:
    """_measure once the layout has stopped moving: the same reading twice, 250 ms apart (the
    lesson bar's caption, the grid and the first answers arrive one after the other, each able to
    resize the plot; on a busy machine a single reading caught it at 343 px, another at 670)."""
    last = _measure(page, plot, label)
    for _ in range(tries):
        page.wait_for_timeout(250)
        now = _measure(page, plot, label)
        if now == last:
            return now
        last = now
    return last


def _axis_labels_outside(page) -> bool:
    """The heatmap's axis numbers sit beside it, never on it."""
    return page.evaluate(
        """() => {
          const map = document.querySelector('#tr-heatmap').getBoundingClientRect();
          return [...document.querySelectorAll('.tr-axis span')].every((el) => {
            const r = el.getBoundingClientRect();
            return r.right <= map.left + 1 || r.top >= map.bottom - 1;
          });
        }"""
    )


@pytest.fixture()
def wide(browser, live_server, page):
    """The watched page at a projector's 1920×1080."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    return page


def test_presenter_view_on_train_scales_the_heatmap_with_its_labels(wide, live_server):
    page = wide
    page.goto(f"{live_server}/train#lang=en&present=1&lesson=sgd&lesson_step=1")
    until(page, "document.body.classList.contains('presenting')")
    until(
        page,
        "document.querySelector('#tr-stepcount').textContent === '0' && document.querySelector('#tr-test-loss').textContent !== '–'",
    )
    assert not page.locator(".app-header").is_visible() and not page.locator("#tr-datasets").is_visible()
    # the plot fills the screen (once the lesson bar's caption and the grid have settled)
    until(page, "document.querySelector('#tr-heatmap').getBoundingClientRect().width >= 500", timeout=10_000)
    before = _settled(page, "#tr-heatmap", ".tr-axis-x span")
    assert before["side"] >= 500
    for _ in range(3):
        page.keyboard.press("+")
    until(page, "location.hash.includes('scale=1.3')")
    after = _settled(page, "#tr-heatmap", ".tr-axis-x span")
    assert after["side"] >= before["side"] * 1.25 and after["label"] >= before["label"] * 1.2
    found = page.evaluate(OVERLAPS, TRAIN_LABELS)
    assert found["count"] >= 10 and found["hits"] == []
    assert _axis_labels_outside(page)
    box = page.locator("#tr-heatmap").bounding_box()
    assert box["y"] + box["height"] <= 1080  # still on the screen at +3
    screenshot(page, "train-presenter")

    # `p` is the presenter view here, so the theme button no longer announces it
    theme = page.locator("[data-theme-toggle]")
    assert theme.get_attribute("aria-keyshortcuts") is None and "(p)" not in (
        theme.get_attribute("title") or ""
    )
    assert page.locator("#present-toggle").get_attribute("aria-pressed") == "true"

    page.reload()  # the state survives: presenter view, type size, lesson step
    until(page, "document.body.classList.contains('presenting')")
    until(page, "document.querySelector('#lesson-caption')?.textContent.startsWith('On the training page')")
    assert (
        page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--type-scale').trim()")
        == "1.3"
    )
    again = _settled(page, "#tr-heatmap", ".tr-axis-x span")
    assert abs(again["side"] - after["side"]) < 2
    page.keyboard.press("p")
    until(page, "!document.body.classList.contains('presenting')")
    assert "present" not in _fragment(page)
    assert page.evaluate("document.documentElement.dataset.theme") == "light"  # p left the theme alone


def test_presenter_view_on_the_race_scales_the_contours_with_their_axes(wide, live_server):
    page = wide
    page.goto(f"{live_server}/optimizers#lang=pt-BR&present=1&surface=ravine")
    until(page, "document.body.classList.contains('presenting')")
    until(page, "document.querySelectorAll('.rc-tick-label').length >= 4")
    before = _settled(page, "#race-plot", ".rc-tick-label")
    assert before["side"] >= 500
    for _ in range(3):
        page.keyboard.press("+")
    until(page, "location.hash.includes('scale=1.3')")
    after = _settled(page, "#race-plot", ".rc-tick-label")
    assert after["side"] >= before["side"] * 1.25 and after["label"] >= before["label"] * 1.25
    found = page.evaluate(OVERLAPS, RACE_LABELS)
    assert found["count"] >= 6 and found["hits"] == []
    box = page.locator("#race-plot").bounding_box()
    assert box["y"] + box["height"] <= 1080
    screenshot(page, "optimizers-presenter")
    page.reload()
    until(page, "document.body.classList.contains('presenting')")
    until(page, "document.querySelectorAll('.rc-tick-label').length >= 4")
    assert abs(_settled(page, "#race-plot", ".rc-tick-label")["side"] - after["side"]) < 2
    page.click("#present-toggle")
    until(page, "!document.body.classList.contains('presenting')")
    assert page.locator(".app-header").is_visible()


def test_the_graph_page_opened_at_a_train_step_hands_over_to_the_training_page(page, live_server):
    page.goto(f"{live_server}/#lesson=sgd&lesson_step=1&lang=pt-BR&present=1")
    page.wait_for_url("**/train#**")
    until(
        page, "document.querySelector('#lesson-caption')?.textContent.startsWith('Na página de treino o SGD')"
    )
    fragment = _fragment(page)
    assert fragment["present"] == ["1"] and fragment["optimizer"] == ["sgd"]  # the teacher's view goes along
    until(page, "document.body.classList.contains('presenting')")
    assert page.evaluate("history.length") == 2  # the hand-over replaced the graph page's entry


def _poll(page, check, timeout: float = 20.0) -> None:
    """Wait until a Python check (which reads the page) holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        page.wait_for_timeout(50)


@pytest.mark.parametrize(
    ("path", "hide", "hidden", "shown"),
    [
        (
            "/train",
            "data,lr,activation",
            ["[data-hide='data']", "label[data-hide='lr']", "label[data-hide='activation']"],
            ["#tr-play", "label[data-hide='optimizer']", "[data-hide='network']"],
        ),
        (
            "/optimizers",
            "racers,surface",
            ["[data-hide='racers']", "label[data-hide='surface']"],
            ["[data-hide='loss']"],
        ),
    ],
)
def test_a_link_hides_the_controls_it_names_and_embeds_without_the_header(
    page, live_server, path, hide, hidden, shown
):
    """`hide=` (a panel, or one setting by its name, as the TensorFlow Playground's lesson links)
    and `embed=1` work on /train and /optimizers as on the graph page."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}{path}#hide={hide}&embed=1")
    visible = lambda selector: page.locator(selector).first.is_visible()  # noqa: E731
    _poll(page, lambda: all(page.locator(s).count() for s in hidden + shown))
    _poll(page, lambda: not any(visible(s) for s in hidden))
    assert all(visible(s) for s in shown), [s for s in shown if not visible(s)]
    assert not page.locator(".app-header").is_visible()
    page.goto(f"{live_server}{path}")
    page.reload()
    _poll(page, lambda: page.locator(hidden[0]).count() and visible(hidden[0]))
    assert page.locator(".app-header").is_visible()
