"""Português (Brasil) complete, in Chromium: errors worded from the API's code and parameters,
one decimal rule in the drawing, the panel and the fields, and no controls on top of each other
at 1280×800 in either language."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.browser.conftest import ARTIFACTS

# English UI words that must not be visible on a Portuguese page after an error. ("local" is not
# here: it is the same word in Portuguese, "gradiente local", as the Brazilian course notes say.)
ENGLISH = [
    "upstream", "downstream", "unknown function", "unknown", "invalid syntax", "invalid", "missing",
    "expected", "shape", "cannot", "must", "not allowed", "elements", "is not", "no value", "line",
    "column", "error", "input", "equal", "else", "if", "never closed", "takes", "arguments",
]  # fmt: skip
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b", re.IGNORECASE)

VISIBLE_TEXT = """() => {
  const parts = [document.body.innerText];
  const shown = (el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden';
  for (const el of document.querySelectorAll('svg text, svg tspan')) if (shown(el)) parts.push(el.textContent);
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
    if (!shown(el)) continue;
    for (const a of ['title', 'aria-label', 'placeholder']) if (el.getAttribute(a)) parts.push(el.getAttribute(a));
  }
  return parts.join('\\n');
}"""


def until(check, timeout: float = 20.0) -> None:
    """Poll a Python check (which may read the page) until it holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def english_words(page) -> list[str]:
    return sorted({m.group(0).lower() for m in ENGLISH_RE.finditer(page.evaluate(VISIBLE_TEXT))})


def open_graph(page, live_server: str, lang: str = "pt-BR") -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/?lang={lang}")
    until(lambda: page.evaluate("() => !!(window.chainrule && window.chainrule.document)"))


def type_source(page, source: str) -> str:
    """Type a source into the editor; the status line once it has reacted."""
    before = page.inner_text("#editor-status")
    page.fill("#source", source)
    until(
        lambda: (
            "error" in (page.get_attribute("#editor-status", "class") or "")
            and page.inner_text("#editor-status") != before
        )
    )
    return page.inner_text("#editor-status")


def test_errors_read_in_portuguese_with_their_parameters(page, live_server):
    open_graph(page, live_server)
    assert page.evaluate("document.documentElement.lang") == "pt-BR"
    assert english_words(page) == []  # the lecture graph, before any error

    status = type_source(page, "a = x + y\nf = (a * ")
    assert status.startswith("Linha 2, coluna 5:"), status
    assert "'(' foi aberto e nunca fechado" in status, status
    assert english_words(page) == [], english_words(page)

    status = type_source(page, "f = foo(x) + y")
    assert status.startswith("Linha 1, coluna 5:"), status
    assert "função desconhecida 'foo'" in status and "conhecidas: abs, " in status, status
    assert english_words(page) == [], english_words(page)

    page.fill("#source", "f = W @ v")
    until(lambda: page.locator("#input-W").count() and page.locator("#input-v").count())
    page.fill("#input-W", "[[1, 2, 3], [4, 5, 6]]")
    page.fill("#input-v", "[1, 2]")
    until(lambda: "2×3 e 2" in page.inner_text("#editor-status"))
    status = page.inner_text("#editor-status")
    assert "Linha 1, coluna 5:" in status and "'W @ v': não é possível combinar as formas 2×3 e 2" in status
    assert "as colunas de A devem ser tantas quanto as linhas de B: 3 ≠ 2" in status, status
    assert english_words(page) == [], english_words(page)
    page.screenshot(path=str(ARTIFACTS / "portuguese-error.png"))

    status = type_source(page, "f = x * " + "1" * 400)
    assert "Linha 1, coluna 9:" in status and "o número '11111111111111111111…' é grande demais" in status
    assert english_words(page) == [], english_words(page)

    # Errors a page asks for through the API client, worded by the same table.
    said = page.evaluate(
        """async () => {
          const api = await import('/static/js/api.js');
          const out = {};
          const ask = async (key, body) => { try { await api.evaluate(body); out[key] = null; }
            catch (e) { out[key] = {message: e.message, english: e.apiMessage, code: e.code}; } };
          await ask('missing', {source: 'f = x + y', inputs: {x: 1}});
          await ask('unknown', {source: 'f = x', inputs: {x: 1, q: 2}});
          await ask('large', {source: 'f = sum(x)', inputs: {x: Array(10001).fill(1)}});
          return out;
        }"""
    )
    assert said["missing"]["code"] == "missing_input"
    assert said["missing"]["message"] == "falta o valor da entrada 'y'", said
    assert said["missing"]["english"] == "no value given for input 'y'"
    assert said["unknown"]["message"] == "'q' não é uma entrada do grafo", said
    assert said["large"]["code"] == "too_many_elements"
    assert not ENGLISH_RE.search(said["large"]["message"]), said["large"]

    # Back in English, the API's own message is shown.
    page.click("[data-lang='en']")
    status = type_source(page, "f = foo(x)")
    assert status.startswith("Line 1, column 5: unknown function 'foo' (known: abs, "), status


def test_formula_words_in_portuguese(page, live_server):
    open_graph(page, live_server)
    legend = page.inner_text("#legend")
    assert "1 se a > b, ½ se iguais, senão 0" in legend, legend
    page.keyboard.press("End")  # the last step: x's backward step, with upstream · local → downstream
    for _ in range(3):  # back to step 10, z: the max gate's local gradient in words
        page.keyboard.press("ArrowLeft")
    text = page.evaluate(VISIBLE_TEXT)
    assert "a montante" in text and "a jusante" in text
    assert "1 se z > y, ½ se iguais, senão 0" in text or "1 se y > z, ½ se iguais, senão 0" in text, text
    assert english_words(page) == [], english_words(page)


def test_handout_reads_in_portuguese(page, live_server):
    page.goto(f"{live_server}/handout?lang=pt-BR")
    until(lambda: "senão" in page.inner_text("body"))
    assert "1 se z > y, ½ se iguais, senão 0" in page.inner_text("body")
    assert english_words(page) == [], english_words(page)


def test_decimal_comma_round_trip(page, live_server):
    open_graph(page, live_server)
    page.fill("#input-x", "0,5")
    until(lambda: page.evaluate("() => window.chainrule.document.nodes.find(n => n.id === 'x').value") == 0.5)
    doc_value = page.evaluate("() => window.chainrule.document.nodes.find(n => n.id === 'x').value")
    assert doc_value == 0.5  # the number used is 0.5 (f = (0.5 + 2)·2 = 5)
    assert page.evaluate("() => window.chainrule.document.nodes.find(n => n.id === 'f').value") == 5
    page.locator("#input-x").blur()
    assert page.input_value("#input-x") == "0,5"
    drawing = page.evaluate("() => [...document.querySelectorAll('svg text')].map(t => t.textContent)")
    assert "0,5" in drawing and "0.5" not in drawing, drawing
    page.keyboard.press("Home")  # step 1: x = 0,5 (entrada)
    panel = page.evaluate(VISIBLE_TEXT)
    assert "x = 0,5" in panel and "x = 0.5" not in panel

    # a point works as well in Portuguese, and is shown with the comma once the field is left
    page.fill("#input-y", "1.5")
    until(lambda: page.evaluate("() => window.chainrule.document.nodes.find(n => n.id === 'y').value") == 1.5)
    page.locator("#input-y").dispatch_event("change")
    assert page.input_value("#input-y") == "1,5"

    # switching language re-writes the fields in English's rule
    page.click("[data-lang='en']")
    until(lambda: page.input_value("#input-x") == "0.5")
    drawing = page.evaluate("() => [...document.querySelectorAll('svg text')].map(t => t.textContent)")
    assert "0.5" in drawing and "0,5" not in drawing


OVERLAPS = """() => {
  const sel = 'button, input:not([type=hidden]), select, textarea, a[href], [role=slider], summary';
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) return null;
    if (el.checkVisibility && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return null;  // in a closed <details>
    let r = el.getBoundingClientRect();
    let box = { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    for (let a = el.parentElement; a; a = a.parentElement) {  // clipped by scrolling panels
      const s = getComputedStyle(a);
      if (s.overflow === 'visible' && s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const c = a.getBoundingClientRect();
      box = { left: Math.max(box.left, c.left), top: Math.max(box.top, c.top),
              right: Math.min(box.right, c.right), bottom: Math.min(box.bottom, c.bottom) };
    }
    const w = box.right - box.left, h = box.bottom - box.top;
    return w > 2 && h > 2 ? box : null;  // a visually hidden input (1 px, clipped) is not a control one sees
  };
  const items = [...document.querySelectorAll(sel)].map((el) => [el, visible(el)]).filter(([, b]) => b);
  const name = (el) => `${el.tagName.toLowerCase()}#${el.id || ''}.${[...el.classList].join('.')} "${(el.textContent || el.value || '').trim().slice(0, 20)}"`;
  const out = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
    const [a, p] = items[i], [b, q] = items[j];
    if (a.contains(b) || b.contains(a)) continue;
    const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
    const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
    if (w > 1 && h > 1) out.push(`${name(a)} × ${name(b)} (${w.toFixed(0)}×${h.toFixed(0)} px)`);
  }
  return out;
}"""


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
@pytest.mark.parametrize("path", ["/", "/train", "/optimizers", "/handout", "/docs"])
def test_no_controls_overlap_at_1280x800(page, live_server, path, lang):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}{path}?lang={lang}")
    until(lambda: page.evaluate("document.documentElement.lang") == lang)
    page.wait_for_timeout(800)  # controls filled from the API (optimisers, presets)
    name = path.strip("/") or "graph"
    page.screenshot(path=str(ARTIFACTS / f"portuguese-controls-{name}-{lang}.png"))
    assert page.evaluate(OVERLAPS) == []
    if path == "/":  # the check sees an overlap when there is one: the step slider under a button
        page.evaluate(
            """() => { const s = document.querySelector('input[type=range]'), b = document.querySelector('button');
              const r = b.getBoundingClientRect();
              Object.assign(s.style, {position: 'fixed', left: `${r.left}px`, top: `${r.top}px`, zIndex: 99}); }"""
        )
        assert page.evaluate(OVERLAPS), "an overlap put there on purpose was not seen"


def test_every_engine_error_reads_in_portuguese(page, live_server):
    """Each error of tests/api/test_error_params.py, asked for by the page's own API client in
    Português (Brasil): a sentence with no English word and no unfilled {parameter}."""
    from tests.api.test_error_params import CASES

    open_graph(page, live_server)
    bodies = [{"source": source, "inputs": inputs} for source, inputs, _, _ in CASES]
    said = page.evaluate(
        """async (bodies) => {
          const api = await import('/static/js/api.js');
          const out = [];
          for (const body of bodies) {
            try { await api.evaluate(body); out.push(null); }
            catch (e) { out.push({code: e.code, message: e.message, english: e.apiMessage}); }
          }
          return out;
        }""",
        bodies,
    )
    for (source, _, code, _), error in zip(CASES, said, strict=True):
        assert error and error["code"] == code, (source, error)
        assert error["message"] != error["english"], error
        assert "{" not in error["message"] and not ENGLISH_RE.search(error["message"]), (source, error)


def test_api_reference_reads_in_portuguese(page, live_server):
    page.goto(f"{live_server}/docs?lang=pt-BR")
    until(
        lambda: (
            page.evaluate("document.body.dataset.ready === 'true'")
            and page.locator("#operations details").count()
        )
    )
    text = page.evaluate("document.body.textContent")  # the closed entries too
    for english in (
        "Successful Response",
        "Evaluate a graph",
        "The evaluation document",
        "Liveness",
        "Our bug",
    ):
        assert english not in text, english
    assert "Avaliar um grafo: ida, volta, o a montante × local = a jusante de cada aresta" in text
    assert "Resposta bem-sucedida" in text
    page.click(".lang-switch button[data-lang='en']")
    until(lambda: "Evaluate a graph" in page.inner_text("body"))


def test_an_error_shown_is_worded_again_when_the_language_changes(page, live_server):
    """The editor's error follows the language switch (the page keeps the API's code and
    parameters, not a sentence), and so does the gradient check's number."""
    open_graph(page, live_server, lang="en")
    status = type_source(page, "f = foo(x)")
    assert "unknown function 'foo'" in status, status
    page.click("[data-lang='pt-BR']")
    until(lambda: "função desconhecida 'foo'" in page.inner_text("#editor-status"))
    status = page.inner_text("#editor-status")
    assert status.startswith("Linha 1, coluna 5:"), status
    assert english_words(page) == [], english_words(page)


def test_a_comment_names_no_input(page, live_server):
    """Words in a `#` comment are not free names: the page asks for x alone, and the first
    request it sends evaluates (no round of missing- or unknown-input errors)."""
    open_graph(page, live_server, lang="en")
    bodies = []
    page.on(
        "request", lambda r: r.url.endswith("/api/v1/evaluate") and bodies.append(json.loads(r.post_data))
    )
    page.fill("#source", "# the weights of layer one\nf = x * 2  # twice the input")
    until(
        lambda: page.locator("#input-x").count() == 1 and bodies
    )  # (a page call first: it delivers the events)
    until(lambda: "ok" in (page.get_attribute("#editor-status", "class") or ""))
    assert set(bodies[-1]["inputs"]) == {"x"}, bodies[-1]
    assert all(set(body["inputs"]) <= {"x", "y", "z"} for body in bodies), bodies  # the lecture's, then x
    assert page.locator("[id^='input-']").count() == 1


def test_every_op_formula_reads_in_portuguese(page, live_server):
    """Each op's local-gradient formula (GET /api/v1/ops, in the engine's English), as the
    pt-BR page writes it, holds no English word."""
    open_graph(page, live_server)
    texts = page.evaluate(
        """async () => {
          const { formulaText } = await import('/static/js/graph-strings.js');
          const ops = await (await fetch('/api/v1/ops')).json();
          return ops.flatMap((op) => op.formulas.map((f) => formulaText(f, 'pt-BR')));
        }"""
    )
    english = re.compile(r"\b(if|else|elsewhere|where|row|of|at|every|element|summed|over|axis|none|sign)\b")
    assert len(texts) > 30
    assert [t for t in texts if english.search(re.sub(r"\{\w+\}", "", t))] == []  # {axis}: a placeholder


FIELD = "(id) => { const el = document.getElementById(id); return [el.type, el.inputMode, el.value]; }"
MESSAGE = "(id) => { const m = document.getElementById(id + '-message'); return m && !m.hidden ? m.textContent : ''; }"


def test_train_number_fields_follow_the_decimal_comma(page, live_server):
    """The optimiser's fields on /train: written "0,9" in Portuguese (a browser's type=number would
    show its own locale's "0.9"), "0,5" and "0.5" both typed into the request, the page's own
    message for a value out of range, arrow stepping, and English's "0.5" after the switch."""
    bodies: list[dict] = []
    page.on("request", lambda r: "/api/v1/train" in r.url and bodies.append(r.post_data_json))
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/train?lang=pt-BR")
    until(lambda: page.inner_text("#tr-train-loss").strip() not in ("", "–"))
    page.select_option("#tr-optimizer", "adam")
    until(lambda: page.locator("#tr-opt-beta1").count() == 1)
    assert page.evaluate(FIELD, "tr-opt-beta1") == ["text", "decimal", "0,9"]
    assert page.evaluate(FIELD, "tr-opt-beta2") == ["text", "decimal", "0,999"]
    assert page.evaluate(FIELD, "tr-opt-lr") == ["text", "decimal", "0,03"]  # the playground's rate
    assert page.evaluate(FIELD, "tr-opt-eps")[2] == "1e-8"

    def step_body() -> dict:
        page.wait_for_selector("#train[data-busy='false']")
        seen = len(bodies)
        page.click("#tr-step")
        until(lambda: any(b.get("steps", 0) > 0 for b in bodies[seen:]))
        return next(b for b in bodies[seen:] if b.get("steps", 0) > 0)

    page.fill("#tr-opt-beta1", "0,5")  # a comma, as Portuguese writes it
    page.press("#tr-opt-beta1", "Enter")
    page.fill("#tr-opt-lr", "0.05")  # a point works as well
    page.locator("#tr-opt-lr").blur()
    assert page.input_value("#tr-opt-lr") == "0,05"  # shown again by the page's rule
    body = step_body()
    assert body["optimizer"]["lr"] == 0.05 and body["optimizer"]["betas"] == [0.5, 0.999]

    # out of range: the page's message, in Portuguese, and the last good value is what is sent
    page.fill("#tr-opt-beta2", "1,5")
    page.press("#tr-opt-beta2", "Enter")
    assert page.evaluate(MESSAGE, "tr-opt-beta2") == "Use um número de 0 a 0,99999."
    assert page.get_attribute("#tr-opt-beta2", "aria-invalid") == "true"
    page.fill("#tr-opt-lr", "abc")
    page.press("#tr-opt-lr", "Enter")
    assert page.evaluate(MESSAGE, "tr-opt-lr") == "Digite um número, como 0,5."
    assert step_body()["optimizer"]["betas"] == [0.5, 0.999]
    page.fill("#tr-opt-lr", "0,05")
    page.press("#tr-opt-lr", "Enter")
    assert page.evaluate(MESSAGE, "tr-opt-lr") == ""  # corrected: the message goes

    # ArrowUp steps by the field's step (0.01 for β₁), as type=number did
    page.focus("#tr-opt-beta1")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.input_value("#tr-opt-beta1") == "0,52"
    page.keyboard.press("ArrowDown")
    assert page.input_value("#tr-opt-beta1") == "0,51"
    assert step_body()["optimizer"]["betas"] == [0.51, 0.999]
    page.locator("#tr-opt-params").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "portuguese-train-fields.png"))
    assert page.evaluate(OVERLAPS) == []  # the message under β₂ pushes nothing onto a control

    # English: the same numbers with points, the message re-worded, the mistake kept to fix
    page.click("[data-lang='en']")
    until(lambda: page.input_value("#tr-opt-lr") == "0.05")
    assert page.input_value("#tr-opt-beta1") == "0.51"
    assert page.input_value("#tr-opt-beta2") == "1,5"
    assert page.evaluate(MESSAGE, "tr-opt-beta2") == "Use a number from 0 to 0.99999."
    page.fill("#tr-opt-beta2", "0.5")
    page.press("#tr-opt-beta2", "Enter")
    assert page.input_value("#tr-opt-beta2") == "0.5" and page.evaluate(MESSAGE, "tr-opt-beta2") == ""
    assert step_body()["optimizer"]["betas"] == [0.51, 0.5]


def test_optimizers_number_fields_follow_the_decimal_comma(page, live_server):
    """/optimizers: the racers' rates and the step count by the same rule, the slider writing its
    rate with a comma, and a whole number asked for the steps."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/optimizers#surface=bowl&steps=60&start=[-1.5,1.7]&lang=pt-BR")
    until(lambda: page.inner_text("#race-step") == "60 / 60", timeout=60)
    assert page.evaluate(FIELD, "race-0-lr") == ["text", "decimal", "0,05"]
    assert page.evaluate(FIELD, "race-1-momentum")[2] == "0,9"
    assert page.evaluate(FIELD, "race-steps") == ["text", "numeric", "60"]  # a whole number: digits only
    page.fill("#race-0-lr", "0.02")
    page.press("#race-0-lr", "Enter")
    until(lambda: '"lr":0.02' in page.evaluate("decodeURIComponent(location.hash)"))
    assert page.input_value("#race-0-lr") == "0,02"
    page.eval_on_selector(
        "#race-lr-slider-1",
        "s => { s.value = '40'; s.dispatchEvent(new Event('input', {bubbles: true})); }",
    )  # 40 of 80 notches: 10^−2
    until(lambda: page.input_value("#race-1-lr") == "0,01")
    page.fill("#race-steps", "2,5")
    page.press("#race-steps", "Enter")
    assert page.evaluate(MESSAGE, "race-steps") == "Use um número inteiro."
    assert page.input_value("#race-steps") == "2,5"  # kept, to be corrected
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "portuguese-optimizers-fields.png"))
    page.locator("#race-1-lr").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "portuguese-optimizers-racers.png"))
    assert page.evaluate(OVERLAPS) == []
    page.click("[data-lang='en']")
    until(lambda: page.input_value("#race-0-lr") == "0.02")
    assert page.input_value("#race-1-momentum") == "0.9"
    assert page.evaluate(MESSAGE, "race-steps") == "Use a whole number."
