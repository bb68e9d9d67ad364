"""The graph playground (/) in Chromium: the lecture slide, stepping, editing, sharing, exports."""

from __future__ import annotations

import json
import struct
import time
import xml.etree.ElementTree as ET

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

LECTURE_VALUES = {"x": "1", "y": "2", "z": "0", "a": "3", "b": "2", "f": "6"}
LECTURE_GRADS = {"x": "∇ 2", "y": "∇ 5", "z": "∇ 0", "a": "∇ 2", "b": "∇ 3", "f": "∇ 1"}
LECTURE_STEPS = 13  # 6 forward, 6 backward, 1 accumulate (y feeds a and b)


def until(page, expression: str, timeout: float = 15.0) -> None:
    """Wait until the JS expression is truthy, polled from Python: the page's CSP (script-src 'self')
    forbids the eval that Playwright's wait_for_function needs for a string predicate."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def open_playground(page, base: str, fragment: str = "") -> None:
    page.goto(f"{base}/{fragment}")
    page.wait_for_selector("#editor-status.ok")
    page.wait_for_selector("#preset option[value='lecture']", state="attached")


def value_of(page, node: str) -> str:
    return page.locator(f"#graph text.val[data-node='{node}']").text_content()


def grad_of(page, node: str) -> str:
    return page.locator(f"#graph text.grad[data-node='{node}']").text_content()


def panel(page) -> str:
    return page.locator("#step-lines").inner_text()


def test_lecture_example_renders_with_its_values(page, live_server):
    open_playground(page, live_server)
    assert page.locator("#source").input_value() == "a = x + y\nb = max(y, z)\nf = a * b"
    symbols = page.locator("#graph .node.op .symbol").all_text_contents()
    assert sorted(symbols) == sorted(["+", "max", "×"])
    assert sorted(page.locator("#graph .node.input .term-label").all_text_contents()) == ["x", "y", "z"]
    for node, value in LECTURE_VALUES.items():
        assert value_of(page, node) == value
        assert page.locator(f"#graph text.val[data-node='{node}']").is_visible()
    for node, grad in LECTURE_GRADS.items():
        assert grad_of(page, node) == grad
    # Each gate and the drawing itself carry a <title> for assistive technology.
    assert page.locator("#graph-title").text_content().startswith("Computational graph of f")
    assert page.locator("#n-a title").text_content() == "a = x + y (add)"
    page.wait_for_selector("#gradcheck-badge[data-passed='true']")
    # The legend reads each gate's local gradients from GET /api/v1/ops.
    page.wait_for_selector("#legend dt")
    assert page.locator("#legend dt code").all_text_contents() == ["a + b", "max(a, b)", "a * b"]
    assert page.locator("#legend dd").nth(2).inner_text() == "∂/∂a = b\n∂/∂b = a"
    screenshot(page, "playground-lecture")


def test_end_shows_every_gradient_and_home_shows_none(page, live_server):
    open_playground(page, live_server)
    grads = page.locator("#graph .grad")
    page.keyboard.press("Home")
    assert page.locator("#step-counter").inner_text() == f"Step 1 of {LECTURE_STEPS}"
    assert grads.count() >= 6
    assert all(not grads.nth(i).is_visible() for i in range(grads.count()))
    assert page.locator("#graph text.val[data-node='x']").is_visible()
    assert not page.locator("#graph text.val[data-node='a']").is_visible()
    assert panel(page) == "x = 1 (input)"

    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert panel(page) == "a = x + y = 1 + 2 = 3"
    assert page.locator("#graph text.val[data-node='a']").is_visible()
    assert not page.locator("#graph text.val[data-node='b']").is_visible()
    screenshot(page, "playground-forward-a")

    for _ in range(5):  # b, f forward; f, b, a backward
        page.keyboard.press("ArrowRight")
    assert page.locator("#step-phase").text_content().endswith("Backward pass")
    # a's backward step fills a's outgoing edge a → f: upstream ∂f/∂f · local ∂f/∂a = b.
    assert panel(page) == "upstream ∂f/∂f = 1 · local ∂f/∂a = b = 2 → downstream 2\n∂f/∂a = 2"
    for _ in range(3):  # z backward, y backward, y accumulate
        page.keyboard.press("ArrowRight")
    assert panel(page) == "∂f/∂y = 2 + 3 = 5"
    assert grad_of(page, "y") == "∇ 5" and page.locator("#graph text.grad[data-node='y']").is_visible()
    assert not page.locator("#graph text.grad[data-node='x']").is_visible()
    screenshot(page, "playground-accumulate-y")

    page.keyboard.press("End")
    assert page.locator("#step-counter").inner_text() == f"Step {LECTURE_STEPS} of {LECTURE_STEPS}"
    assert panel(page) == "upstream ∂f/∂a = 2 · local ∂a/∂x = 1 → downstream 2\n∂f/∂x = 2"
    assert all(grads.nth(i).is_visible() for i in range(grads.count()))
    page.keyboard.press("g")  # the teacher hides the gradients ...
    assert not page.locator("#graph text.grad[data-node='y']").is_visible()
    assert page.locator("#toggle-grads").get_attribute("aria-pressed") == "false"
    page.keyboard.press("g")  # ... and reveals them
    assert page.locator("#graph text.grad[data-node='y']").is_visible()


def test_a_typed_expression_redraws_the_graph(page, live_server):
    open_playground(page, live_server)
    page.fill("#source", "g = x * w + y\nh = relu(g)")
    page.wait_for_selector("#graph text.val[data-node='h']")
    # x and y keep their values (1, 2); the new name w starts at 1: g = 1·1 + 2 = 3.
    assert value_of(page, "g") == "3"
    assert value_of(page, "h") == "3"
    assert page.locator("#input-w").input_value() == "1"
    assert sorted(page.locator("#graph .node.op .symbol").all_text_contents()) == sorted(["×", "+", "relu"])
    assert page.locator("#graph text.val[data-node='a']").count() == 0

    page.fill("#input-w", "-4")  # an input edited in place: g = −4 + 2 = −2, relu → 0
    until(page, "document.querySelector(\"#graph text.val[data-node='g']\").textContent === '−2'")
    assert value_of(page, "h") == "0"
    assert grad_of(page, "g") == "∇ 0"
    screenshot(page, "playground-typed")


def test_a_keyword_argument_is_not_taken_for_an_input(page, live_server):
    """The page guesses the free names; `slope` looks like one, the API answers unknown_input
    naming it (error.input), and the page asks again without it."""
    open_playground(page, live_server)
    page.fill("#source", "h = leaky_relu(x - 3, slope=0.5) * w")
    page.wait_for_selector("#graph text.val[data-node='h']")
    assert value_of(page, "h") == "−1"  # x = 1 (kept), w = 1 (new): leaky_relu(−2) · 1 = −2 · 0.5
    assert page.locator("#input-w").count() == 1 and page.locator("#input-slope").count() == 0
    assert page.locator("#editor-status.ok").count() == 1


def test_a_broken_expression_shows_where_and_keeps_the_last_good_graph(page, live_server):
    open_playground(page, live_server)
    page.fill("#source", "a = x + y\nb = max(y, z)\nf = a * (b +")
    status = page.locator("#editor-status.error")
    status.wait_for()
    assert status.inner_text().startswith("Line 3, column 9:")
    assert page.locator("#gutter .error-line").inner_text().endswith("3")
    assert page.locator("#backdrop mark.error-mark").text_content() == "("
    assert page.locator("#source").get_attribute("aria-invalid") == "true"
    for node, value in LECTURE_VALUES.items():  # the last good graph stays on screen
        assert value_of(page, node) == value
    screenshot(page, "playground-error")

    page.fill("#source", "a = x + y\nb = max(y, z)\nf = a * (b + 1)")
    page.wait_for_selector("#editor-status.ok")
    assert value_of(page, "f") == "9"
    assert page.locator("#backdrop mark").count() == 0


def test_the_url_reproduces_the_view_in_a_new_page(page, live_server, browser):
    open_playground(page, live_server)
    page.fill("#input-y", "3")
    until(page, "document.querySelector(\"#graph text.val[data-node='a']\").textContent === '4'")
    page.focus("#graph")  # leave the field: arrows belong to the stepper again
    page.keyboard.press("Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.click("[data-lang='pt-BR']")
    page.click("[data-theme-toggle]")  # `p` is the presenter view on this page (test_classroom)
    expected_panel = "b = max(y, z) = max(3, 0) = 3"
    assert panel(page) == expected_panel
    page.wait_for_url("**step=4**")
    link = page.url

    context = browser.new_context(viewport={"width": 1280, "height": 800})  # no shared storage
    try:
        other = context.new_page()
        other.goto(link)
        other.wait_for_selector("#editor-status.ok")
        assert other.locator("html").get_attribute("lang") == "pt-BR"
        assert other.locator("html").get_attribute("data-theme") == "projector"
        assert other.locator("#input-y").input_value() == "3"
        assert other.locator("#step-counter").inner_text() == f"Passo 5 de {LECTURE_STEPS}"
        assert other.locator("#step-lines").inner_text() == expected_panel
        assert other.locator("#graph text.val[data-node='a']").text_content() == "4"
        assert not other.locator("#graph text.val[data-node='f']").is_visible()
        screenshot(other, "playground-from-link-projector-pt")
    finally:
        context.close()


def test_the_last_session_is_remembered(page, live_server):
    open_playground(page, live_server)
    page.fill("#source", "q = x * x")
    page.wait_for_selector("#graph text.val[data-node='q']")
    open_playground(page, live_server)  # same browser storage, no state in the URL
    assert page.locator("#source").input_value() == "q = x * x"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_svg_png_and_json_exports_download_and_are_valid(page, live_server):
    open_playground(page, live_server)
    with page.expect_download() as svg_download:
        page.click("#export-svg")
    svg = ET.parse(svg_download.value.path()).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "∇ 5" in texts and "6" in texts and "max" in texts
    assert float(svg.get("width")) > 200 and float(svg.get("height")) > 100

    with page.expect_download() as png_download:
        page.click("#export-png")
    assert png_download.value.suggested_filename.endswith(".png")
    width, height = _png_size(open(png_download.value.path(), "rb").read())
    assert width == 2 * int(float(svg.get("width"))) and height > 100

    with page.expect_download() as json_download:
        page.click("#export-json")
    document = json.loads(open(json_download.value.path(), encoding="utf-8").read())
    assert document["output"] == "f"
    assert len(document["steps"]) == LECTURE_STEPS
    assert {n["id"]: n["grad"] for n in document["nodes"]}["y"] == 5
    assert document["request"] == {
        "source": "a = x + y\nb = max(y, z)\nf = a * b",
        "inputs": {"x": 1, "y": 2, "z": 0},
    }


def test_the_language_switch_changes_the_ui_strings(page, live_server):
    open_playground(page, live_server)
    assert page.locator(".app-nav a").first.inner_text() == "Graph"
    english_explanation = page.locator("#preset-explanation").inner_text()
    page.click("[data-lang='pt-BR']")
    assert page.locator("html").get_attribute("lang") == "pt-BR"
    assert page.locator(".app-nav a").first.inner_text() == "Grafo"
    assert page.locator("label[for='source']").inner_text().lower() == "código"
    assert page.locator("#step-counter").inner_text() == f"Passo {LECTURE_STEPS} de {LECTURE_STEPS}"
    assert page.locator("#step-play").get_attribute("aria-label") == "Reproduzir (espaço)"
    assert page.locator("#preset-explanation").inner_text() not in ("", english_explanation)
    assert "lang=pt-BR" in page.url
    screenshot(page, "playground-pt-BR")
    page.click("[data-lang='en']")
    assert page.locator(".app-nav a").first.inner_text() == "Graph"
    assert page.locator("#preset-explanation").inner_text() == english_explanation


def test_tensors_are_drawn_as_shape_and_numbers_or_a_heatmap(page, live_server):
    open_playground(page, live_server)
    page.fill("#source", "z = W @ v\ns = sum(z)")
    page.wait_for_selector("#input-W")
    page.fill("#input-W", "[[1, 2], [3, 4]]")
    page.fill("#input-v", "[1, -1]")
    page.wait_for_selector("#graph .tensor.val[data-node='z']")
    z = page.locator("#graph .tensor.val[data-node='z']")
    assert z.locator(".shape").text_content() == "2"
    assert z.locator(".cell").all_text_contents() == ["−1", "−1"]  # W @ v = [1 − 2, 3 − 4]
    w_grad = page.locator("#graph .tensor.grad[data-node='W']")
    # The shape is written once per node, with its value; ∇ marks the gradient's numbers, never a shape.
    assert page.locator("#graph .tensor.val[data-node='W'] .shape").text_content() == "2×2"
    assert w_grad.locator(".shape").count() == 0 and w_grad.locator(".mark").text_content() == "∇"
    assert w_grad.locator(".cell").all_text_contents() == ["1", "−1", "1", "−1"]  # ∂s/∂W = 1·vᵀ per row

    big = [[(i * 7 + j * 3) % 11 - 5 for j in range(10)] for i in range(8)]
    page.fill("#input-W", json.dumps(big))
    page.fill("#input-v", json.dumps([1] * 10))
    page.wait_for_selector("#graph .tensor.val[data-node='W'] .heat-cell")
    assert page.locator("#graph .tensor.val[data-node='W'] .heat-cell").count() == 80
    assert page.locator("#graph .tensor.val[data-node='W'] .shape").text_content() == "8×10"
    screenshot(page, "playground-tensors")


def test_space_plays_and_pauses_the_stepper(page, live_server):
    open_playground(page, live_server)
    page.click("#step-first")
    page.select_option("#speed", "4")
    page.focus("#graph")
    page.keyboard.press(" ")
    assert page.locator("#step-play").get_attribute("aria-pressed") == "true"
    until(page, "document.querySelector('#step-counter').textContent.startsWith('Step 3 ')")
    page.keyboard.press(" ")
    assert page.locator("#step-play").get_attribute("aria-pressed") == "false"
    paused_at = page.locator("#step-counter").inner_text()
    page.wait_for_timeout(600)  # longer than one step at 4×: a paused stepper stays put
    assert page.locator("#step-counter").inner_text() == paused_at
