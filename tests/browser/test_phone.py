"""Phones and touch: the three pages on a 390×844 touch screen (Chromium's mobile emulation).

The graph comes first with its stepper in a bar under the thumb; pinch zooms the drawing through
its viewport; a tap on a gate too small to read zooms to it; touch hints replace keyboard and
hover hints (and a desktop keeps its own); nothing scrolls sideways; the main controls are ≥ 40 px.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import PageProblems, screenshot, until

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LECTURE_STEPS = 13

TOUCH_GRAPH_HINT = {
    "en": "Drag to pan · pinch to zoom · tap a gate to read it",
    "pt-BR": "Arraste para mover · afaste dois dedos para ampliar · toque numa porta para lê-la",
}
COUNTER = {"en": "Step {step} of {count}", "pt-BR": "Passo {step} de {count}"}


@pytest.fixture()
def phone(browser, live_server):  # -> playwright Page
    """A phone: 390×844 CSS px at 3× density, touch, mobile viewport; watched like `page`."""
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=3, base_url=live_server
    )
    page = context.new_page()
    problems = PageProblems(live_server)
    page.on("console", problems.on_console)
    page.on("pageerror", problems.on_page_error)
    page.on("request", problems.on_request)
    yield page
    context.close()
    found = problems.report()
    if found:
        pytest.fail("the page misbehaved:\n" + "\n".join(found), pytrace=False)


def open_graph(page, lang: str = "en") -> None:
    page.goto(f"/#lang={lang}")
    page.wait_for_selector("#editor-status.ok")
    page.wait_for_selector("#preset option[value='lecture']", state="attached")
    until(page, "window.chainrule && window.chainrule.graph.viewport.transform.k > 0")


def rect(page, selector: str) -> dict:
    return page.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height}; }",
        selector,
    )


def transform(page) -> dict:
    return page.evaluate("() => window.chainrule.graph.viewport.transform")


def overflow(page) -> int:
    return page.evaluate("() => document.scrollingElement.scrollWidth")


def shown(page, selector: str) -> bool:
    """Laid out and not display:none (is_visible() also says no for an element under a fixed bar)."""
    return page.evaluate(
        "(s) => [...document.querySelectorAll(s)].some(e => e.getClientRects().length > 0"
        " && getComputedStyle(e).visibility !== 'hidden')",
        selector,
    )


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_graph_and_its_stepper_are_on_the_first_screen(phone, lang) -> None:
    open_graph(phone, lang)
    assert overflow(phone) <= PHONE["width"]
    first_value = rect(phone, "#graph text.val[data-node='x']")
    assert 0 < first_value["top"] < PHONE["height"], first_value  # was ~2,260 px down
    assert first_value["width"] > 0
    values = phone.eval_on_selector_all(
        "#graph text.val",
        "ts => ts.map(t => t.getBoundingClientRect()).filter(r => r.width > 0).map(r => r.bottom)",
    )
    assert len(values) >= 6 and max(values) < PHONE["height"]  # every value of the lecture slide
    # The stepper sits in a bar at the bottom of the first screen, under the thumb.
    for button in ("#step-first", "#step-back", "#step-play", "#step-next", "#step-last"):
        box = rect(phone, button)
        assert PHONE["height"] - 90 < box["top"] and box["bottom"] <= PHONE["height"], (button, box)
        assert box["width"] >= 40 and box["height"] >= 40, (button, box)
    slider = rect(phone, "#step-range")
    assert PHONE["height"] - 140 < slider["top"] and slider["bottom"] <= PHONE["height"] - 40
    # It stays there while the page scrolls to the editor below the drawing.
    editor_top = rect(phone, "#source")["top"]
    assert editor_top > rect(phone, "#canvas")["bottom"]  # the sidebar comes after the drawing
    phone.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight)")
    assert rect(phone, "#step-next")["bottom"] <= PHONE["height"]
    assert phone.inner_text(".canvas > .touch-hint") == TOUCH_GRAPH_HINT[lang]
    phone.evaluate("() => window.scrollTo(0, 0)")
    screenshot(phone, f"phone-graph-{lang}")


def test_stepping_by_tap(phone) -> None:
    open_graph(phone)
    phone.tap("#step-first")
    assert phone.inner_text("#step-counter") == COUNTER["en"].format(step=1, count=LECTURE_STEPS)
    assert not shown(phone, "#graph text.val[data-node='a'][visibility='visible']")
    phone.tap("#step-next")
    phone.tap("#step-next")
    phone.tap("#step-next")
    assert phone.inner_text("#step-counter") == COUNTER["en"].format(step=4, count=LECTURE_STEPS)
    assert phone.locator("#graph text.val[data-node='a']").text_content() == "3"
    assert phone.get_attribute("#graph text.val[data-node='a']", "visibility") == "visible"
    phone.tap("#step-back")
    assert phone.inner_text("#step-counter") == COUNTER["en"].format(step=3, count=LECTURE_STEPS)
    phone.tap("#step-last")
    assert phone.inner_text("#step-counter") == COUNTER["en"].format(step=LECTURE_STEPS, count=LECTURE_STEPS)
    assert "∂f/∂x" in phone.inner_text("#step-lines")


def touch(cdp, kind: str, points) -> None:
    cdp.send(
        "Input.dispatchTouchEvent",
        {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]},
    )


def pinch(page, spread_from: float, spread_to: float, *, drift: float = 0.0) -> tuple[float, float]:
    """Two fingers on the drawing's centre move apart (or together); returns the midpoint at the end."""
    box = rect(page, "#graph")
    cx, cy = box["left"] + box["width"] / 2, box["top"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    half = spread_from / 2
    touch(cdp, "touchStart", [(cx - half, cy), (cx + half, cy)])
    for s in range(1, 11):
        half = (spread_from + (spread_to - spread_from) * s / 10) / 2
        dy = drift * s / 10
        touch(cdp, "touchMove", [(cx - half, cy + dy), (cx + half, cy + dy)])
    touch(cdp, "touchEnd", [])
    page.wait_for_timeout(100)
    return cx, cy + drift


def test_pinch_zooms_the_graph_about_the_fingers(phone) -> None:
    open_graph(phone)
    before = transform(phone)
    box = rect(phone, "#graph")
    mid_x, mid_y = box["left"] + box["width"] / 2, box["top"] + box["height"] / 2
    # The drawing point under the fingers' starting midpoint…
    px, py = (
        (mid_x - box["left"] - before["x"]) / before["k"],
        (mid_y - box["top"] - before["y"]) / before["k"],
    )
    end_x, end_y = pinch(phone, 80, 200, drift=30)
    after = transform(phone)
    assert after["k"] == pytest.approx(before["k"] * 2.5, rel=0.02)
    # …is still under their midpoint, which moved 30 px down (two-finger pan).
    assert box["left"] + after["x"] + px * after["k"] == pytest.approx(end_x, abs=1.5)
    assert box["top"] + after["y"] + py * after["k"] == pytest.approx(end_y, abs=1.5)
    pinch(phone, 200, 100)
    assert transform(phone)["k"] == pytest.approx(after["k"] / 2, rel=0.02)
    phone.tap("#zoom-fit")
    assert transform(phone)["k"] == pytest.approx(before["k"], rel=1e-3)
    # One finger still pans (the viewport's own drag), without zooming.
    cdp = phone.context.new_cdp_session(phone)
    touch(cdp, "touchStart", [(mid_x, mid_y)])
    for s in range(1, 6):
        touch(cdp, "touchMove", [(mid_x + 10 * s, mid_y)])
    touch(cdp, "touchEnd", [])
    panned = transform(phone)
    assert panned["k"] == pytest.approx(before["k"], rel=1e-3)
    assert panned["x"] == pytest.approx(before["x"] + 50, abs=1)


READABLE_CELLS = """(selector) => [...document.querySelectorAll(selector)].map(c => c.getBoundingClientRect())
  .filter(r => r.height > 0 && r.left >= 0 && r.right <= 390 && r.top >= 0 && r.bottom < 844).map(r => r.height)"""


def open_tensor_preset(page) -> None:
    open_graph(page)
    page.select_option("#preset", "window_score")
    until(page, "document.querySelector('#graph .node[data-node=\"W\"]')")
    until(page, "document.querySelector('#editor-status.ok')")
    page.wait_for_timeout(300)


def tap_gate(page, node: str) -> None:
    """Tap where the finger sees the gate: the centre of its circle (or of its name, drawn over it)."""
    gate = rect(page, f"#graph .node[data-node='{node}']")
    page.touchscreen.tap(gate["left"] + gate["width"] / 2, gate["top"] + gate["height"] / 2)


def test_a_tensor_preset_is_readable_on_the_first_screen(phone) -> None:
    open_tensor_preset(phone)
    gate = rect(phone, "#graph .node[data-node='W']")
    assert 0 < gate["top"] < PHONE["height"] - 100  # the drawing is on the first screen
    if not phone.evaluate(READABLE_CELLS, "#graph .tensor.val[data-node='W'] .cell"):
        tap_gate(phone, "W")  # bare gates: the tap expands W
        until(phone, "window.chainrule.graph.viewport.transform.k > 0.99")
        phone.wait_for_timeout(300)
    # W's value, a 2×3 matrix, is drawn readably within the first screen: 11 px boxes, ~9 px type.
    cells = phone.evaluate(READABLE_CELLS, "#graph .tensor.val[data-node='W'] .cell")
    assert len(cells) == 6 and min(cells) >= 11, cells
    assert overflow(phone) <= PHONE["width"]
    # The step panel's explanation of this backward step fits the phone's width.
    assert phone.evaluate(
        "() => { const p = document.querySelector('#step-panel'); return p.scrollWidth <= p.clientWidth; }"
    )
    screenshot(phone, "phone-tensor")


def test_a_tap_expands_a_gate_too_small_to_read(phone) -> None:
    open_tensor_preset(phone)
    start = transform(phone)["k"]
    pinch(phone, 240, 60)  # zoomed out to a quarter: the numbers are too small, or not drawn
    assert transform(phone)["k"] == pytest.approx(start / 4, rel=0.03)
    small = phone.evaluate(READABLE_CELLS, "#graph .tensor.val[data-node='W'] .cell")
    assert not small or min(small) < 11, small
    tap_gate(phone, "W")
    until(phone, "window.chainrule.graph.viewport.transform.k > 0.99")
    phone.wait_for_timeout(300)
    cells = phone.evaluate(READABLE_CELLS, "#graph .tensor.val[data-node='W'] .cell")
    assert len(cells) == 6 and min(cells) >= 11, cells
    # A tap on a gate already readable leaves the view alone (and stays a reveal / a click).
    k = transform(phone)["k"]
    tap_gate(phone, "W")
    phone.wait_for_timeout(400)
    assert transform(phone)["k"] == pytest.approx(k)


@pytest.mark.parametrize("path", ["/", "/train", "/optimizers"])
@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_no_sideways_scroll_and_main_controls_large_enough(phone, path, lang) -> None:
    phone.goto(f"{path}#lang={lang}")
    main = {
        "/": "#editor-status.ok",
        "/train": "#tr-heatmap",
        "/optimizers": ".rc-level",
    }[path]
    phone.wait_for_selector(main, state="attached")
    phone.wait_for_timeout(800)
    assert overflow(phone) <= PHONE["width"]
    controls = {
        "/": "#step-first, #step-back, #step-play, #step-next, #step-last, #speed, .view-tools button, #preset, #fresh-numbers",
        "/train": "#tr-reset, #tr-play, #tr-step, #tr-regenerate, .nv-pm, .de-class",
        "/optimizers": "#race-play, #race-add, .race-remove",
    }[path]
    common = ".app-nav a, .lang-switch button, [data-theme-toggle], .brand"
    small = phone.eval_on_selector_all(
        f"{controls}, {common}",
        "els => els.filter(e => e.getClientRects().length).map(e => [e.id || e.className, e.getBoundingClientRect()])"
        ".filter(([, r]) => r.width < 40 || r.height < 40).map(([n, r]) => `${n} ${r.width}x${r.height}`)",
    )
    assert small == []
    if path != "/":
        # The transport sits in a bar at the bottom of the screen.
        play = rect(phone, "#tr-play" if path == "/train" else "#race-play")
        assert PHONE["height"] - 90 < play["top"] and play["bottom"] <= PHONE["height"]
    if lang == "en" and path != "/":
        phone.evaluate("() => window.scrollTo(0, 0)")
        screenshot(phone, "phone-train" if path == "/train" else "phone-optimizers")


HINTS = {  # page → (keyboard or hover hint, its touch twin)
    "/": [(".canvas-hint", ".canvas > .touch-hint"), (".shortcuts", ".touch-keys")],
    "/train": [(".tr-keys", ".tr-keys + .touch-hint"), ("#tr-graph-hint", "#tr-graph-hint-touch")],
    "/optimizers": [("#race-hint", "#race-hint + .touch-hint")],
}
TOUCH_TEXT = {
    ("/train", "en"): ("#tr-graph-hint-touch", "Tap a neuron to see its output in the big picture."),
    ("/train", "pt-BR"): ("#tr-graph-hint-touch", "Toque num neurônio para ver sua saída no quadro grande."),
    ("/optimizers", "en"): (
        "#race-hint + .touch-hint",
        "Tap or drag on the plot to move the start · ▶: race",
    ),
    ("/optimizers", "pt-BR"): (
        "#race-hint + .touch-hint",
        "Toque ou arraste no gráfico para mover a partida · ▶: correr",
    ),
}


def _open_for_hints(page, path: str, lang: str) -> None:
    page.goto(f"{path}#lang={lang}")
    wanted = {
        "/": "#editor-status.ok",
        "/train": "#tr-graph-hint-touch",
        "/optimizers": "#race-hint + .touch-hint",
    }
    page.wait_for_selector(wanted[path], state="attached")
    if path == "/train":
        until(page, "document.querySelector('#tr-graph-hint').textContent.length > 0")


@pytest.mark.parametrize("path", ["/", "/train", "/optimizers"])
@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_touch_hints_on_a_phone(phone, path, lang) -> None:
    _open_for_hints(phone, path, lang)
    assert phone.evaluate("() => document.documentElement.dataset.input") == "touch"
    for keyboard, finger in HINTS[path]:
        assert not shown(phone, keyboard), keyboard
        assert shown(phone, finger), finger
    text = phone.inner_text("body")
    for words in (
        "wheel",
        "hover",
        "Hover",
        "Space:",
        "arrow keys",
        "roda para",
        "Passe o mouse",
        "Espaço:",
        "setas",
    ):
        assert words not in text, words
    if path == "/":
        assert phone.inner_text(".canvas > .touch-hint") == TOUCH_GRAPH_HINT[lang]
    else:
        selector, sentence = TOUCH_TEXT[(path, lang)]
        assert sentence in phone.inner_text(selector)


@pytest.mark.parametrize("path", ["/", "/train", "/optimizers"])
@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_keyboard_hints_on_a_desktop(page, path, lang) -> None:
    _open_for_hints(page, path, lang)
    assert page.evaluate("() => document.documentElement.dataset.input") == "mouse"
    for keyboard, finger in HINTS[path]:
        assert shown(page, keyboard), keyboard
        assert not shown(page, finger), finger
    text = page.inner_text("body")
    for words in ("pinch", "Tap ", "dois dedos", "Toque "):
        assert words not in text, words


def test_the_weight_card_fits_a_phone_and_speaks_to_fingers(phone) -> None:
    phone.goto("/train#dataset=circle&seed=1&layers=[4,2]&optimizer=adam&lang=en")
    until(phone, "document.querySelector('#tr-train-loss').textContent.trim() !== '–'")
    neuron = phone.locator("canvas[data-node='h1:1']")
    neuron.scroll_into_view_if_needed()
    neuron.tap()
    phone.wait_for_selector(".wc:not([hidden])")
    card = rect(phone, ".wc")
    assert 0 <= card["left"] and card["right"] <= PHONE["width"]  # beside the neuron it ran off the edge
    assert card["bottom"] <= rect(phone, "#tr-play")["top"]  # a sheet above the transport bar
    assert overflow(phone) <= PHONE["width"]
    assert not shown(phone, ".wc-note:not(.touch-hint)")
    assert phone.inner_text(".wc-note.touch-hint") == "Type a value and tap the keyboard's Enter; × closes."
    phone.tap(".wc-close")
    phone.wait_for_selector(".wc", state="hidden")


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "No question at this step: ▶ to go on."),
        ("pt-BR", "Nenhuma pergunta neste passo: ▶ para seguir."),
    ],
)
def test_the_quiz_tells_a_finger_how_to_go_on(phone, lang, words) -> None:
    phone.goto(f"/#quiz=1&example=lecture&seed=7&lang={lang}")
    phone.wait_for_selector("#quiz-bar:not([hidden])")
    assert phone.inner_text("#step-counter").startswith(("Step 1 of", "Passo 1 de"))
    until(phone, "document.querySelector('#quiz-question').textContent.includes('→')")
    assert not shown(phone, "#quiz-question")  # "→ to go on": a key the phone does not have
    assert phone.inner_text(".touch-quiz") == words
    phone.tap("#step-last")  # the last step asks a question: the twin steps aside
    until(phone, "document.querySelector('#quiz-question').textContent.endsWith('?')")
    assert shown(phone, "#quiz-question") and not shown(phone, ".touch-quiz")
