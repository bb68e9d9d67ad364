"""The classroom on the graph page (issue 11), in Chromium: lessons walked with →, the quiz scored by
keyboard, `g` leaving no gradient number on the page, the presenter view's labels, a drawing that
never moves between steps, handouts that print, every step as SVG in one ZIP."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from urllib.parse import quote

import pytest

import engine
from app.examples import example_for
from tests.browser.conftest import screenshot
from tests.browser.test_playground import LECTURE_STEPS, open_playground, until

pytestmark = pytest.mark.browser

GRAD_NUMBER = re.compile(r"∇\s*[−-]?\d")


def caption(page) -> str:
    return page.locator("#lesson-caption").inner_text()


def visible_texts(page, selector: str) -> list[str]:
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
             .filter((el) => el.getBoundingClientRect().width > 0 && getComputedStyle(el).display !== 'none'
                 && getComputedStyle(el).visibility !== 'hidden')
             .map((el) => el.textContent)""",
        selector,
    )


def test_a_lesson_is_walked_with_the_arrow_keys_and_its_numbers_are_live(page, live_server):
    page.goto(f"{live_server}/#lesson=backward&lesson_step=0&lang=en")
    until(page, "document.querySelector('#lesson-caption').textContent.includes('seed')")
    assert page.locator("#lesson-progress").inner_text() == "Lesson step 1 of 5"
    assert page.locator("#step-counter").inner_text() == f"Step 7 of {LECTURE_STEPS}"  # the seed step
    seen = [caption(page)]
    for _ in range(4):
        page.keyboard.press("ArrowRight")
        until(page, f"document.querySelector('#lesson-caption').textContent !== {json.dumps(seen[-1])}")
        seen.append(caption(page))
    assert len(set(seen)) == 5
    assert page.locator("#lesson-progress").inner_text() == "Lesson step 5 of 5"
    page.wait_for_url("**lesson_step=4**")
    until(
        page,
        f"document.querySelector('#step-counter').textContent === 'Step {LECTURE_STEPS} of {LECTURE_STEPS}'",
    )
    # The caption's numbers come from the live document: ∂f/∂x = ∂f/∂a · 1 = 2.
    assert "∂f/∂x = 2 · 1 = 2" in seen[-1]
    assert page.locator("#n-x.pointed").count() == 1
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#lesson-caption')).fontSize)")
    body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font >= 1.4 * body and font >= 22  # readable at the back of a room (and grows with + / −)
    screenshot(page, "classroom-lesson-en")
    page.keyboard.press("ArrowLeft")
    until(page, "document.querySelector('#lesson-progress').textContent === 'Lesson step 4 of 5'")
    assert caption(page) == seen[3]

    page.click("[data-lang='pt-BR']")
    until(page, "document.querySelector('#lesson-progress').textContent.startsWith('Passo 4 de 5')")
    assert "z perdeu" in caption(page)
    screenshot(page, "classroom-lesson-pt")


def test_a_lesson_file_picked_on_the_page_opens(page, live_server, tmp_path):
    lesson = {
        "id": "mine",
        "title": {"en": "Squares", "pt-BR": "Quadrados"},
        "steps": [
            {"source": "f = x * x", "inputs": {"x": 3}, "caption": {"en": "f = {f}", "pt-BR": "f vale {f}"}},
            {
                "source": "f = x * x",
                "inputs": {"x": 4},
                "caption": {"en": "now f = {f}", "pt-BR": "agora f vale {f}"},
            },
        ],
    }
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(lesson), encoding="utf-8")
    open_playground(page, live_server, "#lang=en")
    page.set_input_files("#lesson-file", str(path))
    until(page, "document.querySelector('#lesson-caption').textContent === 'f = 9'")
    page.keyboard.press("ArrowRight")
    until(page, "document.querySelector('#lesson-caption').textContent === 'now f = 16'")
    assert "Squares" in page.locator("#lesson-status").inner_text()


def test_the_quiz_scores_a_right_and_a_wrong_answer_by_keyboard(page, live_server):
    seeded = example_for("lecture", 7)  # the numbers GET /api/v1/examples/lecture?seed=7 serves
    graph = engine.evaluate(engine.parse(seeded["source"]), seeded["inputs"], None)
    grads = {node.id: float(node.grad) for node in graph.nodes}
    page.goto(f"{live_server}/#quiz=1&example=lecture&seed=7&lang=en")
    until(page, "document.querySelector('#quiz-bar') && !document.querySelector('#quiz-bar').hidden")
    until(page, f"document.querySelector('#input-x')?.value === '{seeded['inputs']['x']}'")
    assert page.locator("#step-counter").inner_text() == f"Step 1 of {LECTURE_STEPS}"
    for _ in range(7):  # six forward steps (no questions at quiz=1) and the seed
        page.keyboard.press("ArrowRight")
    until(page, "document.activeElement?.id === 'quiz-answer'")
    assert page.locator("#quiz-question").inner_text() == "∂f/∂b = ?"
    # The answer is hidden everywhere: the drawing, the panel (downstream and local), the text.
    assert visible_texts(page, "#graph [data-node='b'].grad") == []
    assert all(text == "?" for text in page.locator("#step-lines .grad-text").all_inner_texts()[1:])
    assert "?" in page.locator("#step-lines .sym").all_inner_texts()
    assert page.locator("#preset-explanation").inner_text() == ""
    page.click("#n-b")  # in a quiz an answer is earned, not clicked
    page.keyboard.press("r")
    assert visible_texts(page, "#graph [data-node='b'].grad") == []
    page.focus("#quiz-answer")

    page.keyboard.type(str(grads["b"]).replace(".0", ""))
    page.keyboard.press("Enter")
    until(page, "document.querySelector('#quiz-feedback').textContent.startsWith('✓')")
    assert page.locator("#quiz-score").inner_text() == "Score 1 / 1"
    page.keyboard.press("Enter")  # on to the next step, the field keeps the focus
    until(page, "document.querySelector('#quiz-question').textContent === '∂f/∂a = ?'")
    wrong = grads["a"] + 5
    page.keyboard.type(str(wrong))
    page.keyboard.press("Enter")
    until(page, "document.querySelector('#quiz-feedback').textContent.startsWith('✗')")
    feedback = page.locator("#quiz-feedback").inner_text()
    answer = f"{grads['a']:g}".replace("-", "−")
    assert f"the answer is {answer}" in feedback
    assert (
        "upstream ∂f/∂f = 1" in feedback and f"downstream {answer}" in feedback
    )  # upstream × local, in numbers
    assert page.locator("#quiz-score").inner_text() == "Score 1 / 2"
    assert visible_texts(page, "#graph [data-node='a'].grad") == [f"∇ {answer}"]  # revealed once answered
    assert "seed=7" in page.url
    screenshot(page, "classroom-quiz-en")


def test_g_leaves_no_gradient_number_on_the_page_and_a_click_reveals_one(page, live_server):
    open_playground(page, live_server, "#lang=en")
    page.keyboard.press("End")
    page.keyboard.press("g")
    until(page, "document.querySelector('#graph').classList.contains('hide-grads')")
    assert visible_texts(page, "#graph .grad") == []
    assert set(visible_texts(page, "#graph .grad-mask")) == {"∇ ?"}
    assert not GRAD_NUMBER.search(page.locator("body").inner_text())
    assert all(text == "?" for text in page.locator("#step-lines .grad-text").all_inner_texts())
    assert page.locator("#preset-explanation").inner_text() == ""  # its numbers would give them away
    assert "hidden" in page.locator("#preset-note").inner_text()
    assert page.locator("#legend").inner_text() and not GRAD_NUMBER.search(
        page.locator("#legend").inner_text()
    )
    screenshot(page, "classroom-hidden-gradients")

    page.click("#n-y")  # reveal just y
    assert visible_texts(page, "#graph text.grad[data-node='y']") == ["∇ 5"]
    assert visible_texts(page, "#graph text.grad[data-node='x']") == []
    page.focus("#n-z")
    page.keyboard.press("Enter")
    assert visible_texts(page, "#graph text.grad[data-node='z']") == ["∇ 0"]
    page.keyboard.press("r")  # reveal all
    assert len(visible_texts(page, "#graph text.grad[data-node]")) == 6

    page.keyboard.press("v")  # computed values hidden, inputs (the givens) still shown
    assert visible_texts(page, "#graph text.val[data-node='f']") == []
    assert visible_texts(page, "#graph text.val[data-node='x']") == ["1"]
    page.keyboard.press("Home")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    assert page.locator("#step-lines").inner_text() == "f = a * b = ? × ? = ?"


def label_boxes(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('#graph .labels text, #graph .gates text')]
             .filter((el) => getComputedStyle(el).display !== 'none' && getComputedStyle(el).visibility !== 'hidden'
                 && el.getBoundingClientRect().width > 0)
             .map((el) => { const r = el.getBoundingClientRect();
                            return {text: el.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; })"""
    )


def overlaps(boxes: list[dict], slack: float = 1.0) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (
                min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
                and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack
            ):
                found.append((a["text"], b["text"]))
    return found


@pytest.mark.parametrize("example", ["lecture", "sigmoid_neuron"])
def test_presenter_view_at_1920_with_larger_type_has_no_overlapping_labels(browser, live_server, example):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, base_url=live_server)
    page = context.new_page()
    try:
        ex = example_for(example, None)
        fragment = f"#source={quote(ex['source'])}&inputs={quote(json.dumps(ex['inputs']))}&lang=en"
        page.goto(f"/{fragment}")
        page.wait_for_selector("#editor-status.ok", state="attached")
        page.keyboard.press("p")
        until(page, "document.body.classList.contains('presenting')")
        before = page.evaluate(
            "document.querySelector('#n-' + window.chainrule.document.output).getBoundingClientRect().width"
        )
        for _ in range(3):
            page.keyboard.press("+")
        page.wait_for_url("**scale=1.3**")
        assert not page.locator(".sidebar").is_visible() and not page.locator(".app-header").is_visible()
        after = page.evaluate(
            "document.querySelector('#n-' + window.chainrule.document.output).getBoundingClientRect().width"
        )
        assert after > before * 1.2  # the drawing grew with the type, labels and all
        boxes = label_boxes(page)
        assert len(boxes) >= 8
        assert overlaps(boxes) == []
        assert "present=1" in page.url
        screenshot(page, f"classroom-presenter-{example}")
    finally:
        context.close()


def test_the_drawing_does_not_move_across_ten_steps(page, live_server):
    ex = example_for("window_score", None)  # tensors: the panel's text changes length a lot
    page.goto(
        f"{live_server}/#source={quote(ex['source'])}&inputs={quote(json.dumps(ex['inputs']))}&step=0&lang=en"
    )
    page.wait_for_selector("#editor-status.ok", state="attached")
    page.focus("#graph")
    where = "JSON.stringify([document.querySelector('#graph .viewport').getAttribute('transform'), document.querySelector('#canvas').getBoundingClientRect().height])"
    start = page.evaluate(where)
    for _ in range(10):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(60)
        assert page.evaluate(where) == start
    assert page.locator("#step-counter").inner_text().startswith("Step 11 ")


def test_hide_and_embed_drop_the_named_controls(page, live_server):
    page.goto(f"{live_server}/#hide=editor,inputs,export&lang=en")
    page.wait_for_selector("#graph text.val", state="attached")
    assert not page.locator("#source").is_visible() and not page.locator("#export-svg").is_visible()
    assert page.locator("#preset").is_visible() and page.locator("#step-next").is_visible()
    # The "link for the class" panel writes such links.
    page.goto(f"{live_server}/#lang=en")
    page.wait_for_selector("#graph text.val", state="attached")
    page.check("#share-options input[value='quiz']")
    page.check("#share-options input[value='hide:editor']")
    page.check("#share-options input[value='hide:export']")
    link = page.input_value("#share-link")
    assert "hide=editor%2Cexport" in link and "quiz=1" in link and link.startswith(live_server)
    page.goto(f"{live_server}/#embed=1&lang=en")
    page.reload()
    page.wait_for_selector("#graph text.val", state="attached")
    assert not page.locator(".app-header").is_visible() and not page.locator(".sidebar").is_visible()
    assert page.locator("#graph").is_visible() and page.locator("#step-lines").is_visible()


def test_a_handout_has_one_figure_per_step_and_prints_to_pdf(page, live_server):
    ex = example_for("lecture", None)
    page.goto(
        f"{live_server}/handout#source={quote(ex['source'])}&inputs={quote(json.dumps(ex['inputs']))}&lang=en"
    )
    until(page, "document.body.dataset.ready !== undefined")
    assert page.locator(".handout-step").count() == LECTURE_STEPS
    assert page.locator(".handout-step svg.graph").count() == LECTURE_STEPS
    assert page.locator(".handout-step").nth(3).locator(".lines").inner_text() == "a = x + y = 1 + 2 = 3"
    screenshot(page, "classroom-handout")
    pdf = page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-"
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= LECTURE_STEPS // 2

    page.goto(f"{live_server}/handout#lesson=gates&lang=pt-BR")
    until(page, "document.body.dataset.ready === '3'")
    lesson = json.loads(page.evaluate("fetch('/api/v1/lessons/gates').then((r) => r.text())"))
    assert page.locator(".handout-step").count() == len(lesson["steps"])
    assert "a soma distribui" in page.locator(".handout-step .caption").first.inner_text()
    assert page.pdf(format="A4")[:5] == b"%PDF-"
    screenshot(page, "classroom-handout-lesson-pt")


def test_every_step_downloads_as_svg_in_one_zip(page, live_server):
    open_playground(page, live_server, "#lang=en")
    with page.expect_download() as download:
        page.click("#export-steps")
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    assert archive.testzip() is None  # every CRC right
    names = archive.namelist()
    assert len(names) == LECTURE_STEPS + 1 and names[-1] == "steps.txt"
    first = ET.fromstring(archive.read(names[0]))
    last = ET.fromstring(archive.read(names[LECTURE_STEPS - 1]))
    texts = lambda svg: [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]  # noqa: E731
    assert "∇ 5" in texts(last) and first.find("{http://www.w3.org/2000/svg}style") is not None
    assert "a = x + y = 1 + 2 = 3" in archive.read("steps.txt").decode()


def big_graph() -> tuple[str, dict]:
    """A 67-node graph: twelve tanh units over four inputs, summed, multiplied, max-ed and relu-ed."""
    lines = [f"h{i} = tanh(w{i} * x{i % 4} + b{i % 3})" for i in range(12)]
    lines += [
        "s1 = h0 + h1 + h2 + h3",
        "s2 = h4 * h5 + h6 * h7",
        "s3 = max(h8, h9) + relu(h10 - h11)",
        "L = s1 * s2 + s3",
    ]
    source = "\n".join(lines)
    names = {f"w{i}" for i in range(12)} | {f"x{i}" for i in range(4)} | {f"b{i}" for i in range(3)}
    return source, {name: round(0.1 * (i % 7) - 0.3, 1) for i, name in enumerate(sorted(names))}


def test_a_big_graph_at_fit_keeps_one_readable_name_per_node(page, live_server):
    source, inputs = big_graph()
    page.goto(f"{live_server}/#source={quote(source)}&inputs={quote(json.dumps(inputs))}&lang=en")
    page.wait_for_selector("#editor-status.ok", state="attached")
    assert page.evaluate("window.chainrule.document.nodes.length") >= 50
    # Each node is named by its gate's own text where that is readable, else by its short name
    # (the semantic zoom of graph-lod.js); the hidden one of the two has no box.
    names = """(selector) => [...document.querySelectorAll(selector)].map((el) => {
             const r = el.getBoundingClientRect();
             return {text: el.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; })
             .filter((b) => b.x1 > b.x0)"""
    boxes = page.evaluate(names, "#graph .far-label, #graph .gates .node > text")
    assert len(boxes) >= 50
    assert all(b["y1"] - b["y0"] >= 11 for b in boxes)  # readable on screen at Fit
    assert overlaps(boxes) == []
    page.focus("#graph")
    page.keyboard.press("Home")
    current = [
        b["text"] for b in page.evaluate(names, "#graph .far-label.current, #graph .node.current > text")
    ]
    assert current == [page.evaluate("window.chainrule.document.steps[0].node")]
    screenshot(page, "classroom-big-graph-fit")


def test_the_quiz_takes_a_tensors_entries_in_portuguese(page, live_server):
    source, inputs = "s = dot(u, h)", {"u": [1.5, -2.0], "h": [3.0, 4.0]}
    page.goto(f"{live_server}/#source={quote(source)}&inputs={quote(json.dumps(inputs))}&quiz=1&lang=pt-BR")
    page.wait_for_selector("#editor-status.ok", state="attached")
    page.focus("#graph")
    until(page, "document.querySelector('#step-counter').textContent.startsWith('Passo 1 ')")
    while page.evaluate("document.activeElement?.id") != "quiz-answer":
        page.keyboard.press("ArrowRight")
    assert page.locator("#quiz-question").inner_text() == "∂s/∂h = ?"  # ∂s/∂h = u
    page.keyboard.type("1,5 −2,001")  # decimal commas, within the tolerance
    page.keyboard.press("Enter")
    until(page, "document.querySelector('#quiz-feedback').textContent.startsWith('✓')")
    page.keyboard.press("Enter")
    until(page, "document.querySelector('#quiz-question').textContent === '∂s/∂u = ?'")
    page.keyboard.type("3 5")  # ∂s/∂u = h = [3, 4]
    page.keyboard.press("Enter")
    until(page, "document.querySelector('#quiz-feedback').textContent.startsWith('✗')")
    assert "[3; 4]" in page.locator("#quiz-feedback").inner_text()
    assert page.locator("#quiz-score").inner_text() == "Pontos 1 / 2"
    screenshot(page, "classroom-quiz-tensor-pt")


def test_zoomed_in_the_presenter_follows_the_current_node(page, live_server):
    source, inputs = big_graph()
    page.goto(f"{live_server}/#source={quote(source)}&inputs={quote(json.dumps(inputs))}&present=1&lang=en")
    page.wait_for_selector("#editor-status.ok", state="attached")
    page.focus("#graph")
    page.keyboard.press("Home")
    for _ in range(10):
        page.keyboard.press("+")  # type scale 2: the drawing twice its Fit size
    canvas = page.locator("#canvas").bounding_box()
    inside = 0
    for _ in range(40):
        page.keyboard.press("ArrowRight")
        box = page.evaluate(
            """() => { const step = window.chainrule.document.steps[window.chainrule.stepper.step];
                       const r = document.getElementById('n-' + step.node).getBoundingClientRect();
                       return {x: r.left + r.width / 2, y: r.top + r.height / 2}; }"""
        )
        inside += (
            canvas["x"] <= box["x"] <= canvas["x"] + canvas["width"]
            and canvas["y"] <= box["y"] <= canvas["y"] + canvas["height"]
        )
    assert inside == 40
    assert "view=" in page.url or "scale=2" in page.url


def test_an_explanation_says_plainly_when_the_inputs_differ_from_its_numbers(page, live_server):
    open_playground(page, live_server, "#lang=en")
    text = page.locator("#preset-explanation").inner_text()
    assert "f = a · b = 6" in text and page.locator("#preset-note").inner_text() == ""
    page.fill("#input-y", "3")
    until(page, "document.querySelector('#preset-note').textContent.includes('differ')")
    assert "(x = 1, y = 2, z = 0)" in page.locator("#preset-note").inner_text()
    page.click("#fresh-numbers")  # the same example, numbers drawn from a seed in the URL
    page.wait_for_url("**seed=**")
    seed = int(re.search(r"seed=(\d+)", page.url).group(1))
    seeded = example_for("lecture", seed)
    until(page, f"document.querySelector('#input-x').value === '{seeded['inputs']['x']}'")
    until(page, "document.querySelector('#preset-note').textContent === ''")
    assert page.locator("#preset-explanation").inner_text() == seeded["explanation"]["en"]


def test_a_long_fan_out_sum_wraps_inside_the_step_panel(page, live_server):
    source = (
        "\n".join(f"a{i} = {i + 2} * x" for i in range(14))
        + "\nf = "
        + " + ".join(f"a{i}" for i in range(14))
    )
    page.goto(f"{live_server}/#source={quote(source)}&inputs={quote(json.dumps({'x': 1.25}))}&lang=en")
    page.wait_for_selector("#editor-status.ok", state="attached")
    page.focus("#graph")
    page.keyboard.press("End")
    assert page.locator("#step-phase").text_content().endswith("Sum at a fork")
    sizes = page.evaluate(
        "(() => { const p = document.querySelector('#step-panel');"
        " return [p.scrollWidth, p.clientWidth]; })()"
    )
    assert sizes[0] <= sizes[1]  # wrapped, not cut off or scrolled sideways
    assert page.locator("#step-lines").inner_text().count(" + ") == 13
