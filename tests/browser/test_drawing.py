"""The drawing read at 1280×800 in Chromium: every preset, the /train minibatch graph and a 50-node
graph at their default view show no label under 11 px, no two labels overlapping and no wire
through a label; numbers follow one rounding rule, in each language's decimal separator."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from tests.browser.conftest import screenshot, until

pytestmark = pytest.mark.browser

MIN_PX = 11

# Every visible <text> of the drawing: its box on screen, its type size on screen, and for a node's
# short name (far label) the node, whose own wires end under it.
LABELS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('#graph .viewport text')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || !el.textContent.trim()) continue;  // display: none or empty
    if (getComputedStyle(el).visibility === 'hidden') continue;
    const px = parseFloat(getComputedStyle(el).fontSize) * el.getScreenCTM().a;
    const far = el.classList.contains('far-label') ? el.getAttribute('data-node') : null;
    out.push({text: el.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom, px, far,
              cls: el.getAttribute('class') || ''});
  }
  return out;
}"""

# Points every 3 px along every wire, on screen, with the nodes each wire joins.
WIRES_JS = """() => {
  const out = [];
  for (const path of document.querySelectorAll('#graph .viewport path.wire')) {
    const m = path.getScreenCTM();
    const length = path.getTotalLength();
    const step = 3 / m.a;
    const pts = [];
    for (let s = 0; s <= length; s += step) {
      const p = path.getPointAtLength(s);
      pts.push([m.a * p.x + m.e, m.d * p.y + m.f]);
    }
    const id = path.getAttribute('data-edge');
    const edge = id && window.chainrule.document.edges.find((e) => e.id === id);
    out.push({ends: edge ? [edge.source, edge.target] : [path.getAttribute('data-node')], pts});
  }
  return out;
}"""

VIEW_JS = """() => { const r = document.querySelector('#graph').getBoundingClientRect();
  return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; }"""


def _inside(box: dict, view: dict) -> bool:
    return (
        box["x1"] > view["x0"]
        and box["x0"] < view["x1"]
        and box["y1"] > view["y0"]
        and box["y0"] < view["y1"]
    )


def check_readable(page) -> list[dict]:
    """Assert the drawing's visible labels are ≥ 11 px, apart, and uncrossed; return them."""
    view = page.evaluate(VIEW_JS)
    labels = [b for b in page.evaluate(LABELS_JS) if _inside(b, view)]
    assert labels, "nothing is drawn"
    small = [(b["text"], round(b["px"], 1)) for b in labels if b["px"] < MIN_PX - 0.01]
    assert small == [], f"labels under {MIN_PX} px: {small[:10]}"
    clashes = []
    ordered = sorted(labels, key=lambda b: b["x0"])
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b["x0"] >= a["x1"] - 0.5:
                break
            if min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > 0.5 and min(a["x1"], b["x1"]) - b["x0"] > 0.5:
                clashes.append((a["text"], b["text"]))
    assert clashes == [], f"overlapping labels: {clashes[:10]}"
    crossed = set()
    for wire in page.evaluate(WIRES_JS):
        for box in labels:
            if box["far"] is not None and box["far"] in wire["ends"]:
                continue  # a node's short name sits on the node, where its own wires end
            for x, y in wire["pts"]:
                if box["x0"] + 1 < x < box["x1"] - 1 and box["y0"] + 1 < y < box["y1"] - 1:
                    crossed.add((box["text"], "→".join(wire["ends"])))
                    break
    assert sorted(crossed) == [], f"wires through labels: {sorted(crossed)[:10]}"
    return labels


def open_graph(page, base: str, fragment: str) -> None:
    page.goto(f"{base}/{fragment}")
    page.wait_for_selector("#editor-status.ok", state="attached")
    until(page, "window.chainrule.document && document.querySelector('#graph .viewport .node')")
    page.wait_for_timeout(150)


def example_ids(page, base: str) -> list[str]:
    return [e["id"] for e in page.request.get(f"{base}/api/v1/examples").json()]


def test_every_preset_is_readable_at_its_default_view(page, live_server):
    ids = example_ids(page, live_server)
    assert len(ids) >= 8
    page.goto(f"{live_server}/?lang=en")
    page.wait_for_selector("#preset option[value='lecture']", state="attached")
    options = page.eval_on_selector_all("#preset option", "(os) => os.map((o) => o.value).filter(Boolean)")
    assert set(ids) <= set(options)  # the page offers every example the API lists
    counts = {}
    for example in ids:
        page.select_option("#preset", example)
        until(page, f"window.chainrule.document && document.querySelector('#preset').value === '{example}'")
        page.wait_for_timeout(250)
        labels = check_readable(page)
        counts[example] = len(labels)
        if example in ("lecture", "mlp_mse", "window_score", "batch_bias"):
            screenshot(page, f"drawing-{example}-en")
    assert min(counts.values()) >= 6, counts


def test_a_preset_in_portuguese_writes_decimal_commas(page, live_server):
    open_graph(page, live_server, "?lang=pt-BR#example=window_score")
    page.select_option("#preset", "window_score")
    until(page, "document.querySelector('#preset').value === 'window_score'")
    page.wait_for_timeout(250)
    labels = check_readable(page)
    numbers = [b["text"] for b in labels if any(c.isdigit() for c in b["text"]) and "×" not in b["text"]]
    decimals = [n for n in numbers if "," in n or "." in n]
    assert decimals and all("," in n and "." not in n for n in decimals), decimals
    screenshot(page, "drawing-score-pt-BR")


FORMAT_JS = """async ([lang]) => {
  const f = await import('/static/js/graph-format.js');
  const i18n = await import('/static/js/i18n.js');
  i18n.setLanguage(lang);
  return {noise: f.formatNumber(-2.7755575615628914e-17), three: f.formatNumber(0.718281828),
          big: f.formatNumber(2.9999999999999996), neg: f.formatNumber(-1.3456), int: f.formatNumber(1024),
          tiny: f.formatNumber(0.000123456), exact: f.exactText(0.718281828), nan: f.formatNumber('NaN'),
          inf: f.formatNumber('-Infinity'), parsedComma: f.parseNumber('0,1'), parsedPoint: f.parseNumber('0.1'),
          parsedMinus: f.parseNumber('−2,5'), parsedBad: String(f.parseNumber('1,2,3')),
          text: f.valueText([[0.5, -1.25e-17], [1, 2]]), num: f.num(3.14159)};
}"""


def test_one_rounding_rule_in_english_and_portuguese(page, live_server):
    open_graph(page, live_server, "?lang=en")
    en = page.evaluate(FORMAT_JS, ["en"])
    assert en["noise"] == "0" and en["big"] == "3" and en["int"] == "1024"
    assert en["three"] == "0.718" and en["neg"] == "−1.35" and en["tiny"] == "1.23e−4"
    assert en["exact"] == "0.718281828" and en["nan"] == "NaN" and en["inf"] == "−∞"
    assert (
        en["parsedComma"] == en["parsedPoint"] == 0.1
        and en["parsedMinus"] == -2.5
        and en["parsedBad"] == "NaN"
    )
    assert en["text"] == "[[0.5, 0], [1, 2]]" and en["num"] == "3.14"
    pt = page.evaluate(FORMAT_JS, ["pt-BR"])
    assert pt["three"] == "0,718" and pt["neg"] == "−1,35" and pt["exact"] == "0,718281828"
    assert pt["text"] == "[[0,5; 0]; [1; 2]]" and pt["parsedComma"] == 0.1


def test_a_number_in_the_drawing_is_rounded_with_its_exact_value_on_hover(page, live_server):
    source, inputs = "y = x * w + c", {"x": 0.1, "w": 0.2, "c": 0.7123456}
    open_graph(page, live_server, f"?lang=en#source={quote(source)}&inputs={quote(json.dumps(inputs))}")
    until(page, "document.querySelector('#graph text.val[data-node=\"y\"]')")
    label = page.locator("#graph text.val[data-node='y']")
    assert label.text_content() == "0.732"  # 0.1 · 0.2 + 0.7123456 = 0.7323456
    label.hover(force=True)
    title = page.locator("#graph text.val[data-node='y'] >> xpath=.. >> title").text_content()
    assert title.startswith("0.73234") and label.get_attribute("data-exact").startswith("0.73234")
    check_readable(page)


def test_the_training_pages_minibatch_graph_is_readable(page, live_server):
    body = {
        "dataset": {"name": "circle", "samples": 100, "noise": 0, "test_fraction": 0.5, "seed": 1},
        "model": {"layers": [4, 2], "activation": "tanh", "init": "xavier_uniform", "seed": 1},
        "loss": "logistic",
        "optimizer": {"name": "sgd", "lr": 0.03},
        "batch_size": 10,
        "steps": 1,
        "graph": True,
    }
    response = page.request.post(f"{live_server}/api/v1/train", data=body)
    assert response.ok, response.text()
    graph = response.json()["graph"]
    fragment = f"?lang=en#source={quote(graph['source'])}&inputs={quote(json.dumps(graph['inputs']))}"
    open_graph(page, live_server, fragment)
    nodes = page.evaluate("window.chainrule.document.nodes.length")
    labels = check_readable(page)
    numbers = [b for b in labels if any(c.isdigit() for c in b["text"]) and not b["far"]]
    assert len(numbers) >= 10, f"{nodes} nodes but only {len(numbers)} numbers readable at the default view"
    screenshot(page, "drawing-minibatch")


def big_graph() -> tuple[str, dict]:
    """A 60-odd-node graph: twelve tanh units over four inputs, summed, multiplied, max-ed and relu-ed."""
    lines = [f"h{i} = tanh(w{i} * x{i % 4} + b{i % 3})" for i in range(12)]
    lines += ["s1 = h0 + h1 + h2 + h3", "s2 = h4 * h5 + h6 * h7", "s3 = max(h8, h9) + relu(h10 - h11)"]
    lines += ["L = s1 * s2 + s3"]
    names = {f"w{i}" for i in range(12)} | {f"x{i}" for i in range(4)} | {f"b{i}" for i in range(3)}
    return "\n".join(lines), {name: round(0.1 * (i % 7) - 0.3, 1) for i, name in enumerate(sorted(names))}


def test_a_fifty_node_graph_at_fit_fills_the_canvas_and_stays_readable(page, live_server):
    source, inputs = big_graph()
    open_graph(page, live_server, f"?lang=en#source={quote(source)}&inputs={quote(json.dumps(inputs))}")
    assert page.evaluate("window.chainrule.document.nodes.length") >= 50
    page.click("#zoom-fit")
    page.wait_for_timeout(200)
    view = page.evaluate(VIEW_JS)
    drawn = page.evaluate(
        "() => { const r = document.querySelector('#graph .viewport .gates').getBoundingClientRect();"
        " return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; }"
    )
    width_share = (drawn["x1"] - drawn["x0"]) / (view["x1"] - view["x0"])
    height_share = (drawn["y1"] - drawn["y0"]) / (view["y1"] - view["y0"])
    screenshot(page, "drawing-big-fit")
    assert width_share >= 0.8 and height_share >= 0.6, (width_share, height_share)
    labels = check_readable(page)
    named = {b["far"] for b in labels if b["far"]} | {b["text"] for b in labels if "term-label" in b["cls"]}
    assert len(named) >= 40, f"only {len(named)} nodes named at Fit"
    # Stepping pans to the current node once zoomed in (issue 11), and zoomed in the numbers show.
    page.click("#zoom-in")
    page.click("#zoom-in")
    page.wait_for_timeout(150)
    check_readable(page)


# Every revealable element's state against the step shown: wrong ones listed (none expected).
STEP_STATE_JS = """() => {
  const k = window.chainrule.graph.step;
  return [...document.querySelectorAll('#graph [data-r]')].filter((el) => {
    const on = Number(el.getAttribute('data-r')) <= k;
    return el.getAttribute('data-k') === 'l' ? el.getAttribute('data-live') !== (on ? '1' : '0')
      : el.getAttribute('visibility') !== (on ? 'visible' : 'hidden');
  }).map((el) => el.textContent || el.getAttribute('data-edge'));
}"""

# The labels a full export must carry: every value, every gradient, every op's name, every branch.
EXPECTED_LABELS_JS = """() => {
  const doc = window.chainrule.document;
  const out = Object.fromEntries(doc.nodes.map((n) => [n.id, []]));
  for (const e of doc.edges) out[e.source].push(e);
  const branches = Object.values(out).filter((es) => es.length >= 2 && es.length <= 4
    && es.every((e) => e.downstream !== null && e.downstream !== undefined)).reduce((n, es) => n + es.length, 0);
  return doc.nodes.length + doc.nodes.filter((n) => n.grad !== null && n.grad !== undefined).length
    + doc.nodes.filter((n) => n.kind === 'op' && !n.id.startsWith('#')).length + branches;
}"""


def test_labels_made_as_the_zoom_shows_them_follow_the_steps_and_exports_carry_them_all(page, live_server):
    source, inputs = big_graph()
    open_graph(page, live_server, f"?lang=en#source={quote(source)}&inputs={quote(json.dumps(inputs))}")
    page.click("#zoom-fit")
    page.wait_for_timeout(150)
    expected = page.evaluate(EXPECTED_LABELS_JS)
    made = page.locator("#graph .labels > .lab").count()
    assert 0 < made < expected  # far out, only the labels shown exist
    page.evaluate("window.chainrule.stepper.go(3)")
    until(page, "window.chainrule.graph.step === 3")
    for _ in range(4):  # zoomed in, labels are made at step 3, and stepping moves them too
        page.click("#zoom-in")
    page.wait_for_timeout(150)
    assert page.locator("#graph .labels > .lab").count() > made
    assert page.evaluate(STEP_STATE_JS) == []
    check_readable(page)
    last = page.evaluate("window.chainrule.document.steps.length - 1")
    page.evaluate(f"window.chainrule.stepper.go({last})")
    until(page, f"window.chainrule.graph.step === {last}")
    assert page.evaluate(STEP_STATE_JS) == []
    exported = page.evaluate(
        "async () => (await import('/static/js/export.js')).svgString(document.querySelector('#graph'))"
    )
    classes = re.findall(
        r'<g class="(lab(?: [^"]*)?)"', re.sub(r"<style>.*?</style>", "", exported, flags=re.S)
    )
    assert len(classes) == expected, (len(classes), expected)
    assert [c for c in classes if "far-lab" in c or "lod-off" in c] == []
    assert 'visibility="hidden"' not in exported  # at the last step every number is known


# The fork's branch gradients drawn now: text marked as a gradient (class grad) of an edge (data-edge),
# shown (not display: none by `g`, not hidden by its reveal step, not left out by the zoom).
BRANCHES_JS = """() => {
  const doc = window.chainrule.document;
  const out = [];
  for (const el of document.querySelectorAll('#graph .labels text.grad[data-edge]')) {
    const r = el.getBoundingClientRect();
    if (!r.width || getComputedStyle(el).visibility === 'hidden') continue;
    const edge = doc.edges.find((e) => e.id === el.getAttribute('data-edge'));
    // How far each of the node's wires runs from the label, over the label's width (screen px).
    const gaps = {};
    for (const other of doc.edges.filter((e) => e.source === edge.source)) {
      const path = document.querySelector(`#graph path.wire[data-edge="${other.id}"]`);
      const m = path.getScreenCTM();
      let gap = Infinity;
      for (let s = 0; s <= path.getTotalLength(); s += 1) {
        const p = path.getPointAtLength(s);
        const [x, y] = [m.a * p.x + m.e, m.d * p.y + m.f];
        if (x >= r.left && x <= r.right) gap = Math.min(gap, y < r.top ? r.top - y : y > r.bottom ? y - r.bottom : 0);
      }
      gaps[other.target] = gap;
    }
    out.push({text: el.textContent, source: edge.source, target: edge.target, x0: r.left, x1: r.right,
              y0: r.top, gaps});
  }
  return out;
}"""


@pytest.mark.parametrize(
    ("example", "node", "branches", "total", "shot"),
    [
        ("lecture", "y", {"a": "∇ 2", "b": "∇ 3"}, "∇ 5", "drawing-lecture-branches"),
        ("fan_out", "x", {"a": "∇ 3", "b": "∇ 4"}, "∇ 7", "drawing-fan-out"),
    ],
)
def test_a_fan_out_shows_each_branchs_gradient_on_its_own_wire(
    page, live_server, example, node, branches, total, shot
):
    page.goto(f"{live_server}/?lang=en")
    page.wait_for_selector(f"#preset option[value='{example}']", state="attached")
    page.select_option("#preset", example)
    until(page, f"window.chainrule.document && document.querySelector('#preset').value === '{example}'")
    page.wait_for_timeout(250)
    last = page.evaluate("window.chainrule.document.steps.length - 1")
    assert page.evaluate("window.chainrule.stepper.step") == last
    drawn = page.evaluate(BRANCHES_JS)
    assert {b["target"]: b["text"] for b in drawn if b["source"] == node} == branches
    assert all(b["source"] == node for b in drawn)  # only the fan-out node forks
    node_grad = page.locator(f"#graph text.grad[data-node='{node}']")
    assert node_grad.text_content() == total  # the sum stays under the node's shelf
    # Each label sits right of the node's own gradient (past the fork), on its own branch: below it.
    total_box = node_grad.bounding_box()
    for b in drawn:
        assert b["x0"] >= total_box["x"] + total_box["width"], b
    for b in drawn:  # beside its own branch's straight run, and nearer it than any other wire
        own = b["gaps"].pop(b["target"])
        assert own <= 8 and all(gap > own + 8 for gap in b["gaps"].values()), b
    check_readable(page)
    screenshot(page, shot)
    # One step before the fork (its backward step) the branches' gradients are not known yet.
    fork = page.evaluate(
        f"window.chainrule.document.steps.findIndex((s) => s.phase === 'backward' && s.node === '{node}')"
    )
    page.evaluate(f"window.chainrule.stepper.go({fork - 1})")
    until(page, f"window.chainrule.stepper.step === {fork - 1}")
    assert page.evaluate(BRANCHES_JS) == []
    page.evaluate(f"window.chainrule.stepper.go({fork})")
    until(page, f"window.chainrule.stepper.step === {fork}")
    assert {b["target"]: b["text"] for b in page.evaluate(BRANCHES_JS)} == branches
    page.evaluate(f"window.chainrule.stepper.go({last})")
    # `g` hides them as it hides the node's gradient: each shows its "?" mask instead.
    page.focus("#graph")
    page.keyboard.press("g")
    until(page, "document.querySelector('#graph').classList.contains('hide-grads')")
    assert page.evaluate(BRANCHES_JS) == []
    assert not node_grad.is_visible()
    masks = page.locator("#graph .labels text.grad-mask[data-edge]")
    assert masks.count() == 2 and all(masks.nth(i).is_visible() for i in range(2))
    assert set(masks.all_text_contents()) == {"∇ ?"}
    check_readable(page)
    page.keyboard.press("g")
    until(page, "!document.querySelector('#graph').classList.contains('hide-grads')")
    assert {b["target"]: b["text"] for b in page.evaluate(BRANCHES_JS)} == branches
