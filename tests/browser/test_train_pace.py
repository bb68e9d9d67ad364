"""The training page's pacing on a crowded server (train-pace.js, train-run.js) in Chromium."""

from __future__ import annotations

import json
import time

import pytest

from tests.browser.conftest import screenshot, until
from tests.browser.test_train import URL, _train_bodies

pytestmark = pytest.mark.browser
TIMEOUT = {
    "error": {"code": "timeout", "message": "training took longer than 5 s: ask for fewer steps per call"}
}


def test_a_request_out_of_time_is_asked_again_with_half_the_steps_and_training_goes_on(page) -> None:
    """A crowded server stops a long request at its wall-time limit (422 `timeout`): the page asks
    again for half the steps, keeps asking for fewer, and the run goes on instead of stopping."""
    refused: list[int] = []

    def slow_then_out_of_time(route) -> None:
        body = route.request.post_data_json or {}
        if body.get("steps", 0) >= 40 and not refused:  # the first long request runs out of time
            refused.append(body["steps"])
            route.fulfill(status=422, content_type="application/json", body=json.dumps(TIMEOUT))
            return
        time.sleep(0.3)  # a slow server: the pacer asks for several epochs per request
        route.continue_()

    page.route("**/api/v1/train", slow_then_out_of_time)
    page.goto(URL)
    until(page, "document.querySelector('#tr-train-loss').textContent.trim() !== '–'")
    bodies = _train_bodies(page)
    page.click("#tr-play")
    until(page, "Number(document.querySelector('#tr-stepcount').textContent) >= 100", timeout=30_000)
    page.click("#tr-play")
    steps = [b["steps"] for b in bodies if b.get("steps")]
    assert refused, "the pacer never asked for 4 epochs or more"
    at = steps.index(refused[0])
    assert steps[at + 1] == refused[0] // 2  # asked again at once with half the steps
    assert all(s <= refused[0] // 2 + 10 for s in steps[at + 1 : at + 3])  # then grows back slowly
    assert page.get_attribute("#tr-play", "aria-pressed") == "false"  # paused by the click, not by an error
    assert "timeout" not in page.inner_text("#tr-status").lower()


def test_playing_asks_the_loss_once_per_epoch_and_the_chart_agrees_with_the_counters(page) -> None:
    """While playing, each request asks the curve once per epoch (curve_every = the steps of an
    epoch, the Playground's chart): the loss chart holds one point per epoch, at the epoch's last
    step, and its last point is the step counter's."""
    bodies = _train_bodies(page)
    page.goto(URL)
    until(page, "document.querySelector('#tr-train-loss').textContent.trim() !== '–'")
    page.click("#tr-play")
    until(page, "Number(document.querySelector('#tr-stepcount').textContent) >= 120", timeout=30_000)
    page.click("#tr-play")
    page.wait_for_selector("#train[data-busy='false']")
    played = [b for b in bodies if b.get("steps")]
    assert played and all(b["curve_every"] == 10 and b["steps"] % 10 == 0 for b in played)
    steps = int(page.inner_text("#tr-stepcount"))
    epochs = int("".join(ch for ch in page.inner_text("#tr-epoch") if ch.isdigit()))
    assert steps == 10 * epochs  # 100 training points in batches of 10
    curve = page.get_attribute(".lc-line[data-series='train']", "d")
    points = curve.count("M") + curve.count("L")
    assert points == epochs  # one loss per epoch, none missing
    norms = page.get_attribute(".lc-line[data-series='W1']", "d")
    assert norms.count("M") + norms.count("L") == epochs
    screenshot(page, "train-curve-per-epoch", full_page=True)
