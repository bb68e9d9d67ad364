"""/train in Chromium: training runs and the loss falls, the heatmaps draw, play/pause, language."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import screenshot, until

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
    until(page, "document.querySelector('#tr-train-loss').textContent.trim() !== '–'")


def test_training_runs_the_loss_falls_and_the_heatmaps_draw(page) -> None:
    _open(page)
    first = _number(page.inner_text("#tr-train-loss"))
    assert 0.3 < first < 1.5  # an untrained network on balanced classes: about log 2
    assert page.evaluate(COLOURS, "#tr-heatmap") > 20  # the output over the square, and the points
    assert page.evaluate(COLOURS, "canvas[data-node='h0:0']") > 5  # a neuron's own output
    assert page.evaluate(COLOURS, "canvas[data-node='in:x1']") > 5  # the feature x1

    page.click("#tr-play")
    assert page.get_attribute("#tr-play", "aria-pressed") == "true"
    until(page, "Number(document.querySelector('#tr-stepcount').textContent) >= 200", timeout=30_000)
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
    # one point per epoch, as the Playground's chart (the page asks curve_every = an epoch's steps)
    assert curve.count("M") == 1 and epoch - 1 <= curve.count("L") <= epoch
    norms = page.get_attribute(".lc-line[data-series='W1']", "d")
    assert norms and epoch - 1 <= norms.count("L") <= epoch
    weighted = page.eval_on_selector_all(".nv-link", "ls => ls.filter(l => l.dataset.weight).length")
    assert weighted == 2 * 4 + 4 * 2 + 2 * 1  # every link drawn with its weight
    screenshot(page, "train-en")


def test_step_button_and_keyboard_advance_one_epoch(page) -> None:
    _open(page)
    page.click("#tr-step")
    until(page, "document.querySelector('#tr-stepcount').textContent === '10'")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    until(page, "document.querySelector('#tr-stepcount').textContent === '20'")
    page.keyboard.press(" ")
    assert page.get_attribute("#tr-play", "aria-pressed") == "true"
    page.keyboard.press(" ")
    assert page.get_attribute("#tr-play", "aria-pressed") == "false"
    page.keyboard.press("r")
    until(page, "document.querySelector('#tr-stepcount').textContent === '0'")
    page.wait_for_selector("#train[data-busy='false']")
    output = page.evaluate(PIXELS, "#tr-heatmap")
    page.focus("[data-node='h0:1']")  # a neuron's own output, shown large
    assert page.evaluate(PIXELS, "#tr-heatmap") != output
    page.evaluate("document.activeElement.blur()")  # focus leaves: the network's output again
    assert page.evaluate(PIXELS, "#tr-heatmap") == output


def test_configuration_lives_in_the_url(page) -> None:
    _open(page)
    page.click("#tr-step")
    until(page, "document.querySelector('#tr-stepcount').textContent === '10'")
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
    until(page, "document.querySelector('#tr-train-loss').textContent.trim() !== '–'")

    again = page.context.new_page()
    again.goto(page.url)
    until(again, "document.querySelector('#tr-train-loss').textContent.trim() !== '–'")
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
    page.click("[data-theme-toggle]")  # `p` is the presenter view on this page (test_train_classroom)
    assert page.evaluate("document.documentElement.dataset.theme") == "projector"
    page.wait_for_timeout(200)
    screenshot(page, "train-projector")


def test_opens_one_minibatch_in_the_graph_playground(page) -> None:
    _open(page)
    assert "minibatch of 10 training points" in page.inner_text("#tr-graph-hint")  # the real batch size
    page.click("#tr-graph-link")
    page.wait_for_url(re.compile(r"/#.*source="))
    params = parse_qs(urlsplit(page.url).fragment)
    source = params["source"][0]
    assert "X @ transpose(W1) + b1" in source and "loss" in source
    inputs = json.loads(params["inputs"][0])
    assert {"X", "y", "W1", "b1", "W2", "b2", "W3", "b3"} == set(inputs)
    assert (
        len(inputs["X"]) == 10 and len(inputs["W1"]) == 4 and len(inputs["W1"][0]) == 2
    )  # the real minibatch: 10 points, W1 (4, 2)
    page.wait_for_selector("#source")
    assert page.input_value("#source") == source  # the playground opened this very graph
    page.wait_for_timeout(1500)  # and evaluated and gradient-checked it without an error


def _fragment(page) -> dict[str, list[str]]:
    """The page's hash as it is now (page.url can lag behind history.replaceState)."""
    return parse_qs(page.evaluate("location.hash.slice(1)"))


def _points(page) -> list[list[float]]:
    return json.loads(_fragment(page).get("points", ["[]"])[0])


def test_clicking_the_data_plot_adds_points_and_dragging_moves_them(page) -> None:
    _open(page)
    canvas = page.locator("#tr-heatmap")

    def at(x: float, y: float) -> tuple[float, float]:
        """Screen position of the data point (x, y) on the 12-wide square; corners hold no circle points."""
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        return box["x"] + box["width"] * (x + 6) / 12, box["y"] + box["height"] * (6 - y) / 12

    page.mouse.click(*at(5.5, 5.5))
    points = _points(page)
    assert _fragment(page)["dataset"] == ["custom"]
    assert len(points) == 201  # the circle's 200 points became yours, and one more
    assert points[-1] == [5.5, 5.5, 1]  # where it was clicked, of the chosen class (class 1 at first)
    page.keyboard.down("Shift")
    page.mouse.click(*at(-5.5, -5.5))  # shift: the other class
    page.keyboard.up("Shift")
    points = _points(page)
    assert len(points) == 202 and points[-1] == [-5.5, -5.5, 0]
    page.click(".de-class[data-class='2']")  # a third class
    page.mouse.click(*at(-5.5, 5.5))
    assert _points(page)[-1] == [-5.5, 5.5, 2]
    assert page.input_value("#tr-loss") == "cross_entropy"  # three classes need softmax cross-entropy
    page.mouse.move(*at(5.5, 5.5))  # drag the first new point to (4, 5.5)
    page.mouse.down()
    page.mouse.move(*at(5, 5.5), steps=3)
    page.mouse.move(*at(4, 5.5), steps=3)
    page.mouse.up()
    points = _points(page)
    assert len(points) == 203 and [4, 5.5, 1] in points and [5.5, 5.5, 1] not in points
    assert "Started over" in page.inner_text("#tr-status")
    page.keyboard.down("Alt")
    page.mouse.click(*at(4, 5.5))  # alt-click removes
    page.keyboard.up("Alt")
    assert len(_points(page)) == 202 and [4, 5.5, 1] not in _points(page)
    screenshot(page, "train-custom-en")
    page.click("#de-clear")
    assert _points(page) == []
    assert "at least two points" in page.inner_text("#tr-status")


def test_a_csv_round_trips_and_a_bad_one_names_its_line(page, tmp_path) -> None:
    page.goto("/train#dataset=custom&points=[[1,2,0],[-1.5,0.25,1],[3,-4,1]]&lang=en")
    until(page, "document.querySelector('#de-download')")
    with page.expect_download() as download:
        page.click("#de-download")
    path = tmp_path / "data.csv"
    download.value.save_as(path)
    assert path.read_text() == "x1,x2,label\n1,2,0\n-1.5,0.25,1\n3,-4,1\n"
    page.click("#de-clear")
    assert _points(page) == []
    page.set_input_files("#de-file", str(path))
    until(page, "location.hash.includes('points=%5B%5B1')")
    assert _points(page) == [[1, 2, 0], [-1.5, 0.25, 1], [3, -4, 1]]
    assert page.inner_text("#de-message") == "Read 3 points."
    page.set_input_files(
        "#de-file",
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"x1,x2,label\n1,2,0\n1,oops,1\n"}],
    )
    until(page, "document.querySelector('#de-message').textContent.includes('line 3')")
    assert "“oops” is not a number" in page.inner_text("#de-message")
    assert _points(page) == [[1, 2, 0], [-1.5, 0.25, 1], [3, -4, 1]]  # a bad file changes nothing
    page.set_input_files(
        "#de-file",
        files=[{"name": "r.csv", "mimeType": "text/csv", "buffer": b"x1,x2,y\n0,0,0.5\n1,1,-0.25\n"}],
    )
    until(page, "location.hash.includes('task=regression')")
    assert page.input_value("#tr-loss") == "mse"


def _train_bodies(page) -> list[dict]:
    bodies: list[dict] = []
    page.on("request", lambda r: "/api/v1/train" in r.url and bodies.append(r.post_data_json))
    return bodies


def test_a_weight_typed_by_hand_is_used_by_the_next_step(page) -> None:
    _open(page)
    page.click("#tr-step")
    until(page, "document.querySelector('#tr-stepcount').textContent === '10'")
    page.wait_for_selector("#train[data-busy='false']")
    page.locator(".nv-hit[data-hit='0:0:0']").click(force=True)  # x₁ → neuron 1 of layer 1
    until(page, "!document.querySelector('#wc').hidden")
    assert "x₁" in page.inner_text("#wc-title")
    until(page, "document.querySelector('.wc-grad').textContent !== '…'")  # ∂loss/∂w from the engine
    assert page.inner_text(".wc-grad") not in ("–", "")
    picture = page.evaluate(PIXELS, "#tr-heatmap")
    page.fill("#wc input[data-param='W1[1, 1]']", "2.5")
    page.press("#wc input[data-param='W1[1, 1]']", "Enter")
    until(page, "document.querySelector('#wc-note').textContent.includes('2.5')")
    page.wait_for_selector("#train[data-busy='false']")
    assert page.evaluate(PIXELS, "#tr-heatmap") != picture  # the output redrawn with it at once
    assert page.inner_text("#tr-stepcount") == "10"  # without taking a step
    bodies = _train_bodies(page)
    with page.expect_response(
        lambda r: "/api/v1/train" in r.url and r.request.post_data_json["steps"] > 0
    ) as info:
        page.click("#tr-step")
    sent = [b for b in bodies if b["steps"] > 0][0]
    assert sent["state"]["params"]["W1"][0][0] == 2.5  # the next step starts from the typed weight
    assert sent["state"]["step"] == 10  # and goes on from step 10
    after = info.value.json()["state"]["params"]["W1"][0][0]
    assert after != 2.5 and abs(after - 2.5) < 0.5  # ten Adam steps of ≤ 0.03 from it
    until(page, "document.querySelector('#tr-stepcount').textContent === '20'")
    assert page.locator("#tr-loss-chart .lc-mark").count() == 1  # the edit is marked on the chart
    screenshot(page, "train-weight-en")
    page.keyboard.press("Escape")
    page.focus("[data-node='h0:1']")  # keyboard: Enter on a neuron opens its bias and weights
    page.keyboard.press("Enter")
    until(page, "!document.querySelector('#wc').hidden")
    assert page.locator("#wc input[data-param='b1[2]']").count() == 1
    assert page.locator("#wc input[data-param='W1[2, 2]']").count() == 1


def test_live_changes_go_on_and_structural_ones_start_over(page) -> None:
    _open(page)
    bodies = _train_bodies(page)
    page.click("#tr-step")
    until(page, "document.querySelector('#tr-stepcount').textContent === '10'")
    page.fill("#tr-opt-lr", "0.01")
    page.dispatch_event("#tr-opt-lr", "change")
    assert "goes on" in page.inner_text("#tr-status")
    assert page.inner_text("#tr-stepcount") == "10"
    page.click("#tr-step")
    until(page, "document.querySelector('#tr-stepcount').textContent === '20'")
    page.select_option("#tr-l2", "0.001")
    page.select_option("#tr-optimizer", "sgd")  # another optimiser: its own state starts afresh
    page.click("#tr-step")
    until(page, "document.querySelector('#tr-stepcount').textContent === '30'")
    last = [b for b in bodies if b.get("steps", 0) > 0 and b.get("state")][-1]
    assert last["optimizer"]["name"] == "sgd" and last["l2"] == 0.001 and last["state"]["step"] == 20
    assert "momentum_buffer" in json.dumps(last["state"]["optimizer"])  # SGD's slots, not Adam's
    marks = page.eval_on_selector_all("#tr-loss-chart .lc-mark", "ms => ms.map(m => Number(m.dataset.x))")
    assert marks == [10, 20]  # the rate at step 10, then L2 and the optimiser at step 20
    assert page.text_content("#tr-loss-chart .lc-xlabel") == "step (10 per epoch)"  # as the counters count
    ticks = page.eval_on_selector_all("#tr-loss-chart .lc-xtick", "ts => ts.map(t => t.textContent)")
    assert ticks[-1] == "30"  # the axis ends where the step counter is
    page.select_option("#tr-activation", "relu")
    assert "Started over" in page.inner_text("#tr-status") and "activation" in page.inner_text("#tr-status")
    until(page, "document.querySelector('#tr-stepcount').textContent === '0'")


def test_a_slow_server_gets_several_epochs_per_request(page) -> None:
    def slow(route) -> None:
        time.sleep(0.3)
        route.continue_()

    page.route("**/api/v1/train", slow)
    _open(page)
    bodies = _train_bodies(page)
    page.click("#tr-play")
    until(page, "Number(document.querySelector('#tr-pace').dataset.epochs) >= 5", timeout=20_000)
    page.click("#tr-play")
    steps = [b["steps"] for b in bodies if b.get("steps")]
    assert steps[0] == 10  # the first request asks for one epoch
    assert max(steps) >= 50 and all(s % 10 == 0 for s in steps)  # then whole epochs, many per request
    assert max(steps) <= 160  # capped at 16 epochs


def test_many_classes_ask_for_cross_entropy_and_show_a_class_legend(page) -> None:
    _open(page)
    bodies = _train_bodies(page)
    assert page.is_hidden("#tr-classes")  # the circle has two classes, always
    page.click(".tr-thumb[data-dataset='spiral']")
    page.select_option("#tr-classes", "3")
    until(page, "document.querySelector('#train').dataset.busy === 'false'")
    sent = bodies[-1]
    assert sent["dataset"]["classes"] == 3 and sent["loss"] == "cross_entropy"
    assert page.locator("#tr-loss option").count() == 1
    until(page, "document.querySelector('#tr-heatmap').dataset.classes === '3'")  # the class map is drawn
    for _ in range(3):
        page.click("#tr-step")
        page.wait_for_selector("#train[data-busy='false']")
    assert int(page.get_attribute("#tr-heatmap", "data-predicted")) >= 2
    legend = page.eval_on_selector_all(".tr-legend-class", "ls => ls.filter(l => !l.hidden).length")
    assert legend == 3  # one swatch per class
    page.click("button[data-lang='pt-BR']")
    assert page.inner_text("label[for='tr-classes'] .cr-field-label") == "Classes"
    screenshot(page, "train-classes-pt-BR")


def test_the_optimiser_controls_read_the_servers_declaration(page) -> None:
    declared = page.request.get("/api/v1/optimizers").json()
    _open(page)
    names = page.eval_on_selector_all("#tr-optimizer option", "os => os.map(o => o.value)")
    assert names == [o["name"] for o in declared["optimizers"]]  # adamw included, no copy in the page
    page.select_option("#tr-optimizer", "adamw")
    adamw = next(o for o in declared["optimizers"] if o["name"] == "adamw")
    assert page.inner_text("#tr-opt-params .opt-about") == adamw["description"]["en"]
    assert page.input_value("#tr-opt-weight_decay") == str(
        adamw["defaults"]["weight_decay"]
    )  # PyTorch's 0.01
    page.click("button[data-lang='pt-BR']")
    assert page.inner_text("#tr-opt-params .opt-about") == adamw["description"]["pt-BR"]


def test_a_busy_server_is_waited_for_and_training_goes_on(page) -> None:
    """Behind nginx's rate limit a class gets 429 with Retry-After: the page waits and asks again
    instead of stopping."""
    refusals = []

    def busy(route) -> None:
        if (
            route.request.method == "POST"
            and len(refusals) < 2
            and '"steps":0' not in (route.request.post_data or "")
        ):
            refusals.append(route.request.url)
            route.fulfill(
                status=429,
                headers={"Retry-After": "0", "Content-Type": "application/json"},
                body='{"error": {"code": "too_many_requests", "message": "slow down"}}',
            )
        else:
            route.continue_()

    page.route("**/api/v1/train", busy)
    _open(page)
    page.click("#tr-play")
    until(page, "Number(document.querySelector('#tr-stepcount').textContent) >= 30", timeout=30_000)
    assert len(refusals) == 2  # both refused, both asked again
    assert page.get_attribute("#tr-play", "aria-pressed") == "true"  # still playing
    page.click("#tr-play")
