"""The Unroll switch on the graph page (issue 10, item 3), in Chromium: it redraws the tensor graph as
its scalar gates (ids like W[0,1]) with the tensor graph's gradients, survives a reload through the
URL, keeps stepping, the panel and g working, and says clearly in both languages when a graph is too
large (the switch then stays off)."""

from __future__ import annotations

import json
from urllib.parse import quote

import numpy as np
import pytest

import engine
from app.examples import EXAMPLES_BY_ID
from tests.browser.conftest import screenshot
from tests.browser.test_playground import until

pytestmark = pytest.mark.browser

SCORE = EXAMPLES_BY_ID["window_score"]
DOC = "window.chainrule.document"


def link(base: str, source: str, inputs: dict, fragment: str) -> str:
    return f"{base}/#source={quote(source)}&inputs={quote(json.dumps(inputs))}{fragment}"


def node_count(page) -> int:
    return page.evaluate(f"{DOC}.nodes.length")


def test_the_switch_redraws_the_scalar_graph_and_a_link_keeps_it(page, live_server):
    tensor = {n.id: n for n in engine.evaluate(engine.parse(SCORE["source"]), SCORE["inputs"], None).nodes}
    page.goto(link(live_server, SCORE["source"], SCORE["inputs"], "&lang=en"))
    page.wait_for_selector("#editor-status.ok", state="attached")
    drawn = page.locator("#graph .node").count()
    assert node_count(page) == 8 and page.locator("#unroll-toggle").get_attribute("aria-pressed") == "false"

    page.click("#unroll-toggle")
    until(page, f"{DOC}.nodes.length > 8 && document.querySelector('#graph [data-node=\"W[0,1]\"]')")
    assert page.locator("#unroll-toggle").get_attribute("aria-pressed") == "true"
    assert page.locator("#graph .node").count() > drawn
    assert "unroll=1" in page.url
    assert page.locator("#unroll-status").inner_text().startswith("Unrolled: 30 scalar gates")
    grads = page.evaluate(f"Object.fromEntries({DOC}.nodes.map((n) => [n.id, n.grad]))")
    for name in ("W", "x", "b", "u"):  # element for element, the tensor graph's gradients
        for index in np.ndindex(*tensor[name].grad.shape):
            scalar_id = f"{name}[{','.join(map(str, index))}]"
            assert grads[scalar_id] == pytest.approx(float(tensor[name].grad[index]), abs=1e-12)
    # The inputs stay the tensors the user typed.
    assert (
        page.locator("#input-W").count() == 1 and page.locator("#inputs [data-input='W[0,1]']").count() == 0
    )
    screenshot(page, "unroll-en")

    # Stepping and the panel work on the unrolled document: ∂s/∂W[0,1] = δ₀·x₁, the scalar rule.
    page.focus("#graph")
    page.keyboard.press("End")
    steps = page.evaluate(f"{DOC}.steps.map((s) => s.node)")
    k = max(i for i, name in enumerate(steps) if name == "W[0,1]")
    for _ in range(len(steps) - 1 - k):
        page.keyboard.press("ArrowLeft")
    until(page, "document.querySelector('#step-node').textContent === 'node W[0,1]'")
    panel = page.locator("#step-lines").inner_text()
    assert "local ∂(W[0,1] * x[1])/∂W[0,1] = x[1] = 2" in panel
    assert panel.endswith(f"∂s/∂W[0,1] = {float(tensor['W'].grad[0, 1]):.3g}")
    page.keyboard.press("g")
    until(
        page, "[...document.querySelectorAll('#step-lines .grad-text')].every((el) => el.textContent === '?')"
    )
    page.keyboard.press("r")

    # A reload keeps it (the URL holds the switch), and switching off returns the tensor graph.
    page.reload()
    until(page, f"{DOC} && {DOC}.nodes.length === 30")
    assert page.locator("#unroll-toggle").get_attribute("aria-pressed") == "true"
    page.click("#unroll-toggle")
    until(page, f"{DOC}.nodes.length === 8")
    assert "unroll=1" not in page.url and page.locator("#unroll-status").is_hidden()


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        (
            "en",
            "Cannot unroll: W has 81 elements and unroll draws values of at most 64. The switch stays off.",
        ),
        (
            "pt-BR",
            "Não dá para desenrolar: W tem 81 elementos e o desenrolar desenha valores de no máximo 64.",
        ),
    ],
)
def test_too_large_to_unroll_is_said_plainly_and_the_switch_stays_off(page, live_server, lang, says):
    inputs = {"W": np.full((9, 9), 0.1).tolist(), "x": [1.0] * 9}
    page.goto(link(live_server, "s = sum(W @ x)", inputs, f"&lang={lang}&unroll=1"))
    page.wait_for_selector("#editor-status.ok", state="attached")
    until(page, "!document.querySelector('#unroll-status').hidden")
    status = page.locator("#unroll-status")
    assert status.inner_text().startswith(says) and "error" in status.get_attribute("class")
    assert page.locator("#unroll-toggle").get_attribute("aria-pressed") == "false"
    assert "unroll=1" not in page.url
    assert node_count(page) == 4  # the tensor graph, drawn as usual: W, x, W @ x, s
    screenshot(page, f"unroll-too-large-{lang}")


def test_the_quiz_asks_the_unrolled_graphs_scalar_gradients(page, live_server):
    page.goto(link(live_server, SCORE["source"], SCORE["inputs"], "&lang=en&unroll=1&quiz=1"))
    page.wait_for_selector("#editor-status.ok", state="attached")
    until(page, f"{DOC} && {DOC}.nodes.length === 30 && !document.querySelector('#quiz-bar').hidden")
    page.focus("#graph")
    page.keyboard.press("Home")
    while page.evaluate("document.activeElement?.id") != "quiz-answer":
        page.keyboard.press("ArrowRight")
    question = page.locator("#quiz-question").inner_text()
    step = page.evaluate(f"{DOC}.steps[window.chainrule.stepper.step]")
    node = page.evaluate(f"{DOC}.nodes.find((n) => n.id === '{step['node']}')")
    assert question == f"∂s/∂{node['label'] if len(node['label']) == 1 else '(' + node['label'] + ')'} = ?"
    assert set(page.locator("#step-lines .grad-text").all_inner_texts()[1:]) == {"?"}  # the answer hidden
    page.keyboard.type(str(step["grad"]))
    page.keyboard.press("Enter")
    until(page, "document.querySelector('#quiz-feedback').textContent.startsWith('✓')")
    assert page.locator("#quiz-score").inner_text() == "Score 1 / 1"
