"""/train in Chromium: training runs and the loss falls, the heatmaps draw, play/pause, language."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

# A fixed, quick configuration: circle data, 2 features, 4-2 tanh, Adam lr 0.03, seeds fixed.
URL = "/train#dataset=circle&seed=1&layers=[4,2]&optimizer=adam&lang=en"

COLOURS = """(selector) => {
  const c = document.querySelector(selector);
  const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let k = 0; k < data.length; k += 4 * 7) seen.add(`${data[k]},${data[k + 1]},${data[k + 2]},${data[k + 3]}`);
  return seen.size;
}"""


PIXELS = """(selector) => {
  const c = document.querySelector(selector);
  const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let k = 0; k < data.length; k += 1) h = (h * 31 + data[k]) >>> 0;
  return h;
}"""


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", "."))


def _open(page) -> None:
    page.goto(URL)
    page.wait_for_function("document.querySelector('#tr-train-loss').textContent.trim() !== '–'")


def test_training_runs_the_loss_falls_and_the_heatmaps_draw(page) -> None:
    _open(page)
    first = _number(page.inner_text("#tr-train-loss"))
    assert 0.3 < first < 1.5  # an untrained network on balanced classes: about log 2
    assert page.evaluate(COLOURS, "#tr-heatmap") > 20  # the output over the square, and the points
    assert page.evaluate(COLOURS, "canvas[data-node='h0:0']") > 5  # a neuron's own output
    assert page.evaluate(COLOURS, "canvas[data-node='in:x1']") > 5  # the feature x1

    page.click("#tr-play")
    assert page.get_attribute("#tr-play", "aria-pressed") == "true"
    page.wait_for_function(
        "Number(document.querySelector('#tr-stepcount').textContent) >= 200", timeout=30_000
    )
    page.click("#tr-play")  # pause
    assert page.get_attribute("#tr-play", "aria-pressed") == "false"
    page.wait_for_selector("#train[data-busy='false']")  # a request in flight lands
    paused_at = page.inner_text("#tr-stepcount")
    page.wait_for_timeout(800)
    assert page.inner_text("#tr-stepcount") == paused_at  # paused means paused

    last = _number(page.inner_text("#tr-train-loss"))
    assert last < first * 0.7
    accuracy = _number(page.inner_text("#tr-test-acc").replace("%", "").strip())
    assert accuracy > 80
    epoch = int(re.sub(r"\D", "", page.inner_text("#tr-epoch")))
    assert epoch == int(paused_at) // 10  # 100 training points in batches of 10: 10 steps an epoch
    curve = page.get_attribute(".lc-line[data-series='train']", "d")
    assert curve.count("L") >= 199  # one point per step
    norms = page.get_attribute(".lc-line[data-series='W1']", "d")
    assert norms and norms.count("L") > 100
    weighted = page.eval_on_selector_all(".nv-link", "ls => ls.filter(l => l.dataset.weight).length")
    assert weighted == 2 * 4 + 4 * 2 + 2 * 1  # every link drawn with its weight
    screenshot(page, "train-en")


def test_step_button_and_keyboard_advance_one_epoch(page) -> None:
    _open(page)
    page.click("#tr-step")
    page.wait_for_function("document.querySelector('#tr-stepcount').textContent === '10'")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('#tr-stepcount').textContent === '20'")
    page.keyboard.press(" ")
    assert page.get_attribute("#tr-play", "aria-pressed") == "true"
    page.keyboard.press(" ")
    assert page.get_attribute("#tr-play", "aria-pressed") == "false"
    page.keyboard.press("r")
    page.wait_for_function("document.querySelector('#tr-stepcount').textContent === '0'")
    page.wait_for_selector("#train[data-busy='false']")
    output = page.evaluate(PIXELS, "#tr-heatmap")
    page.focus("[data-node='h0:1']")  # a neuron's own output, shown large
    assert page.evaluate(PIXELS, "#tr-heatmap") != output
    page.evaluate("document.activeElement.blur()")  # focus leaves: the network's output again
    assert page.evaluate(PIXELS, "#tr-heatmap") == output


def test_configuration_lives_in_the_url(page) -> None:
    _open(page)
    page.click("#tr-step")
    page.wait_for_function("document.querySelector('#tr-stepcount').textContent === '10'")
    page.check("#tr-show-test")  # a drawing option: the run goes on where it was
    page.wait_for_selector("#train[data-busy='false']")
    assert page.inner_text("#tr-stepcount") == "10"
    assert parse_qs(urlsplit(page.url).fragment)["showTest"] == ["1"]
    page.click(".tr-thumb[data-dataset='xor']")
    page.click("[data-action='layer.add']")
    page.select_option("#tr-activation", "relu")
    params = parse_qs(urlsplit(page.url).fragment)
    assert params["dataset"] == ["xor"]
    assert params["layers"] == ["[4,2,2]"]
    assert params["activation"] == ["relu"]
    assert page.locator(".nv-layer").count() == 3
    page.wait_for_function("document.querySelector('#tr-train-loss').textContent.trim() !== '–'")

    again = page.context.new_page()
    again.goto(page.url)
    again.wait_for_function("document.querySelector('#tr-train-loss').textContent.trim() !== '–'")
    assert again.get_attribute(".tr-thumb[data-dataset='xor']", "aria-pressed") == "true"
    assert again.locator(".nv-layer").count() == 3
    assert again.input_value("#tr-activation") == "relu"
    again.close()


def test_language_switch_and_projector_theme(page) -> None:
    _open(page)
    assert page.inner_text("#tr-data-title").strip().lower() == "data"
    page.click("button[data-lang='pt-BR']")
    assert page.inner_text("#tr-data-title").strip().lower() == "dados"
    assert page.get_attribute("#tr-play", "aria-label") == "Executar (espaço)"
    assert "neurônios" in page.inner_text(".nv-layer .nv-count >> nth=0")
    assert page.inner_text("#tr-loss-chart .lc-name >> nth=0") == "treino"
    screenshot(page, "train-pt-BR")
    page.keyboard.press("p")
    assert page.evaluate("document.documentElement.dataset.theme") == "projector"
    page.wait_for_timeout(200)
    screenshot(page, "train-projector")


def test_opens_one_minibatch_in_the_graph_playground(page) -> None:
    _open(page)
    page.click("#tr-graph-link")
    page.wait_for_url(re.compile(r"/#.*source="))
    params = parse_qs(urlsplit(page.url).fragment)
    source = params["source"][0]
    assert "X @ transpose(W1) + b1" in source and "loss" in source
    inputs = json.loads(params["inputs"][0])
    assert {"X", "y", "W1", "b1", "W2", "b2", "W3", "b3"} == set(inputs)
    assert (
        len(inputs["X"]) == 4 and len(inputs["W1"]) == 4 and len(inputs["W1"][0]) == 2
    )  # 4 points, W1 (4, 2)
    page.wait_for_selector("#source")
    assert page.input_value("#source") == source  # the playground opened this very graph
    page.wait_for_timeout(1500)  # and evaluated and gradient-checked it without an error
