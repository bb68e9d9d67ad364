"""The step panel teaches the tensor chain rule (issue 10, item 2), in Chromium, in both languages:
shapes beside upstream, local and downstream; ⊙ and diag(f′) on an elementwise gate; a named Σ over
the broadcast axis; for @ the outer product δ xᵀ cell by cell, and a switch to the local Jacobian."""

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

SCORE = EXAMPLES_BY_ID["window_score"]  # z = W @ x + b, h = sigmoid(z), s = dot(u, h)
BATCH = EXAMPLES_BY_ID["batch_bias"]  # Z = X @ transpose(W) + b, H = tanh(Z), loss = mean(H * H)


def evaluated(example: dict) -> dict:
    trace = engine.evaluate(engine.parse(example["source"]), example["inputs"], None)
    return {node.id: node for node in trace.nodes}


def shown(value: float, lang: str = "en") -> str:
    """A number as the page's one rounding rule writes it: 3 significant digits, −, pt-BR's comma."""
    text = f"{value:.3g}".replace("-", "−")
    return text.replace(".", ",") if lang == "pt-BR" else text


def open_example(page, base: str, example: dict, fragment: str) -> None:
    source, inputs = quote(example["source"]), quote(json.dumps(example["inputs"]))
    page.goto("about:blank")  # a new hash alone would not reload the page
    page.goto(f"{base}/#source={source}&inputs={inputs}{fragment}")
    page.wait_for_selector("#editor-status.ok", state="attached")
    page.wait_for_selector("#step-lines li", state="attached")


def card(page, name: str):
    return page.locator(f"#step-lines .term-card.{name}")


def test_the_W_step_of_the_score_shows_delta_x_transposed_and_all_six_products(page, live_server):
    nodes = evaluated(SCORE)
    grad_w, delta, x = nodes["W"].grad, nodes["#0"].grad, SCORE["inputs"]["x"]
    open_example(page, live_server, SCORE, "&lang=en")  # the last step is W's backward step
    assert page.locator("#step-node").inner_text() == "node W"
    # Shapes beside upstream, local and downstream.
    assert "shape 2" in card(page, "upstream").locator(".term-title").inner_text()
    assert "shape 2×2×3" in card(page, "local").locator(".term-title").inner_text()
    assert "shape 2×3" in card(page, "downstream").locator(".term-title").inner_text()
    assert "∂s/∂W = δ xᵀ" in card(page, "downstream").inner_text()
    # The local line holds no upstream (it used to read "(upstream · xᵀ)").
    local = card(page, "local").inner_text()
    assert "upstream" not in local.lower() and "xᵀ in row i" in local
    grid = page.locator("#step-lines .panel-grid.outer")
    corner = grid.locator(".corner").inner_text()
    assert "xᵀ" in corner and "shape 1×3" in corner and "δ" in corner and "shape 2×1" in corner
    heads = grid.locator("td.head").all_inner_texts()
    assert heads == [f"x{s}\n{shown(v)}" for s, v in zip("₀₁₂", x, strict=True)] + [
        f"δ{s}\n{shown(v)}" for s, v in zip("₀₁", delta, strict=True)
    ]
    products = grid.locator("td.product")
    assert products.count() == 6
    for k in range(6):
        i, j = divmod(k, 3)
        cell = products.nth(k)
        assert cell.locator(".idx").inner_text() == f"δ{'₀₁'[i]}·x{'₀₁₂'[j]}"
        number = cell.locator(".grad-text")
        assert number.inner_text() == shown(grad_w[i, j])
        assert float(number.get_attribute("data-exact")) == pytest.approx(grad_w[i, j], abs=1e-15)
        assert float(number.get_attribute("data-exact")) == pytest.approx(delta[i] * x[j], rel=1e-12)
    assert page.locator("#view-shortcut").get_attribute("aria-pressed") == "true"
    screenshot(page, "panel-outer-en")

    # The switch to the local Jacobian (2 × 6: one row per element of W @ x), keyboard only, and back.
    page.focus("#view-jacobian")
    page.keyboard.press("Enter")
    until(page, "document.querySelector('#step-lines .panel-grid.jacobian')")
    assert page.locator("#step-lines .panel-grid.outer").count() == 0
    assert "jacobian=1" in page.url
    jacobian = page.locator("#step-lines .panel-grid.jacobian tr")
    assert jacobian.count() == 3  # the header of W's six elements, then out₀ and out₁
    assert jacobian.nth(0).locator("td.head").all_inner_texts() == ["W₀₀", "W₀₁", "W₀₂", "W₁₀", "W₁₁", "W₁₂"]
    assert jacobian.nth(1).locator("td").all_inner_texts() == ["out₀", "1", "2", "−1", "0", "0", "0"]
    assert jacobian.nth(2).locator("td").all_inner_texts() == ["out₁", "0", "0", "0", "1", "2", "−1"]
    assert "Σᵢ δᵢ" in card(page, "downstream").inner_text()
    page.focus("#view-shortcut")
    page.keyboard.press("Space")
    until(page, "document.querySelectorAll('#step-lines .panel-grid.outer td.product').length === 6")
    assert "jacobian=1" not in page.url

    # One step back: ∂s/∂x = Wᵀδ, each entry the sum of its products Wᵢⱼ·δᵢ.
    page.focus("#graph")
    page.keyboard.press("ArrowLeft")
    until(page, "document.querySelector('#step-node').textContent === 'node x'")
    assert "∂s/∂x = Wᵀδ" in card(page, "downstream").inner_text()
    sums = page.locator("#step-lines .panel-grid.outer td.sum .grad-text").all_inner_texts()
    assert sums == [shown(g) for g in nodes["x"].grad]


def test_the_jacobian_view_in_portuguese(page, live_server):
    nodes = evaluated(SCORE)
    open_example(page, live_server, SCORE, "&lang=pt-BR&jacobian=1")
    assert page.locator("#view-jacobian").inner_text() == "Jacobiana"
    assert page.locator("#view-jacobian").get_attribute("aria-pressed") == "true"
    assert "forma 2×3" in card(page, "downstream").locator(".term-title").inner_text()
    assert "forma 2×2×3" in card(page, "local").locator(".term-title").inner_text()
    assert "Jacobiana: uma linha por elemento" in card(page, "local").inner_text()
    downstream = card(page, "downstream").locator(".grad-text").all_inner_texts()
    assert downstream == [shown(v, "pt-BR") for v in np.ravel(nodes["W"].grad)]
    assert "0,499" in downstream  # the decimal comma
    screenshot(page, "panel-jacobian-pt-BR")


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_elementwise_is_odot_with_diag_and_a_broadcast_names_its_axis(page, live_server, lang):
    words = {
        "en": ("Σ over the batch axis 0", "shape 3×2", "shape 2"),
        "pt-BR": ("Σ sobre o eixo do lote 0", "forma 3×2", "forma 2"),
    }[lang]
    nodes = evaluated(SCORE)
    # The σ gate: ∂s/∂z = δ ⊙ ∂h/∂z, its local Jacobian diag(σ′(z)).
    open_example(page, live_server, SCORE, f"&lang={lang}&step=10")
    assert card(page, "local").locator(".term-title .combine").inner_text() == "⊙"
    assert "δ ⊙ ∂h/∂z" in card(page, "downstream").inner_text()
    diag = card(page, "local").locator(".panel-grid.matrix td").all_inner_texts()
    sigma_prime = [
        float(v)
        for v in engine.evaluate(engine.parse(SCORE["source"]), SCORE["inputs"], None).edge("z", "h").local
    ]
    assert diag == [shown(sigma_prime[0], lang), "0", "0", shown(sigma_prime[1], lang)]
    assert card(page, "downstream").locator(".grad-text").inner_text() == (
        f"[{shown(nodes['z'].grad[0], lang)}{', ' if lang == 'en' else '; '}{shown(nodes['z'].grad[1], lang)}]"
    )

    # The batch: b (2) was added to every row of the 3×2 Z, so ∂loss/∂b sums over the batch axis 0.
    batch = evaluated(BATCH)
    open_example(page, live_server, BATCH, f"&lang={lang}&step=16")
    assert page.locator("#step-node").inner_text().endswith("b")
    sum_axis, up_shape, down_shape = words
    assert card(page, "downstream").locator(".sum-axis").inner_text() == sum_axis
    assert up_shape in card(page, "upstream").locator(".term-title").inner_text()
    assert down_shape in card(page, "downstream").locator(".term-title").inner_text()
    written = card(page, "downstream").locator(".grad-text").inner_text()
    assert (
        written
        == f"[{shown(batch['b'].grad[0], lang)}{', ' if lang == 'en' else '; '}{shown(batch['b'].grad[1], lang)}]"
    )
    assert np.allclose(batch["b"].grad, batch["Z"].grad.sum(axis=0))  # what the panel says it is
    screenshot(page, f"panel-broadcast-{lang}")


def test_g_hides_every_gradient_in_the_grid_and_leaves_no_trace(page, live_server):
    open_example(page, live_server, SCORE, "&lang=en")
    page.focus("#graph")
    page.keyboard.press("g")
    until(page, "document.querySelector('#graph').classList.contains('hide-grads')")
    numbers = page.locator("#step-lines .grad-text")
    assert numbers.count() > 6 and set(numbers.all_inner_texts()) == {"?"}
    assert page.locator("#step-lines .grad-text[data-exact], #step-lines .grad-text[title]").count() == 0
    assert set(page.locator("#step-lines .panel-grid.outer td.head .val").all_inner_texts()) == {
        "1",
        "2",
        "−1",
    }  # x: given
    page.keyboard.press("r")
    until(page, "!document.querySelector('#graph').classList.contains('hide-grads')")
    assert "?" not in page.locator("#step-lines").inner_text()


def test_every_step_of_every_preset_is_written_in_both_views(page, live_server):
    """explainStep and the panel's renderer on every step of every preset, Jacobian view or not: no
    error, every tensor edge written as three cards with their shapes, every number hideable."""
    open_example(page, live_server, SCORE, "&lang=en")
    report = page.evaluate(
        """async () => {
          const { explainStep } = await import('/static/js/graph-explain.js');
          const { renderLine } = await import('/static/js/panel-grid.js');
          const shown = { isHidden: () => false };
          const out = {};
          for (const ex of await (await fetch('/api/v1/examples')).json()) {
            const doc = await (await fetch('/api/v1/evaluate', { method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ source: ex.source, inputs: ex.inputs }) })).json();
            let cards = 0, unnamed = 0;
            for (const jacobian of [false, true]) {
              for (let k = 0; k < doc.steps.length; k++) {
                const li = explainStep(doc, k, { jacobian }).lines.map((line) => renderLine(line, shown));
                for (const el of li) {
                  cards += el.querySelectorAll('.term-card').length;
                  for (const card of el.querySelectorAll('.term-card')) {
                    if (!card.querySelector('.term-title .shape')) unnamed += 1;
                  }
                }
              }
            }
            out[ex.id] = { cards, unnamed };
          }
          return out;
        }"""
    )
    assert set(report) >= {"lecture", "window_score", "batch_bias", "mlp_mse", "cross_entropy_steps"}
    assert report["lecture"]["cards"] == 0  # scalars keep the lecture's one-line reading
    for example_id in ("window_score", "batch_bias", "mlp_mse", "softmax_cross_entropy", "max_margin"):
        assert report[example_id]["cards"] > 0 and report[example_id]["cards"] % 3 == 0, example_id
    assert all(r["unnamed"] == 0 for r in report.values()), report
