"""The training page's pacing on a crowded server (train-pace.js, train-run.js) in Chromium."""

from __future__ import annotations

import json
import time

import pytest

from tests.browser.conftest import until
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
