"""app.client against a real uvicorn server on a free port: results, typed errors, timeouts, retries."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from app.cli import main
from app.client import AsyncClient, ChainruleError, Client
from app.examples import EXAMPLES_BY_ID
from app.main import create_app
from app.service import evaluation_document
from app.settings import Settings

LECTURE = "a = x + y; b = max(y, z); f = a * b"
INPUTS = {"x": 1, "y": 2, "z": 0}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Counting:
    """The app, counting the requests that reach it by path (to show what was and was not retried)."""

    def __init__(self) -> None:
        self.app = create_app(Settings())
        self.seen: Counter[str] = Counter()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            self.seen[scope["path"]] += 1
        await self.app(scope, receive, send)


def _serve(app, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, thread


def _stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def counting() -> Counting:
    return Counting()


@pytest.fixture(scope="module")
def server_url(counting) -> Iterator[str]:
    port = _free_port()
    server, thread = _serve(counting, port)
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    _stop(server, thread)


def test_evaluate_returns_the_document_the_engine_computes(server_url):
    with Client(server_url) as api:
        doc = api.evaluate(LECTURE, INPUTS)
        assert doc == evaluation_document(LECTURE, INPUTS, Settings())
        assert {n["id"]: n["grad"] for n in doc["nodes"]} == {"x": 2, "y": 5, "z": 0, "a": 2, "b": 3, "f": 1}
        snapshot = api.evaluate(LECTURE, INPUTS, step=4)
        assert snapshot["step"] == 4 and [n["value"] for n in snapshot["nodes"]] == [1, 2, 0, 3, 2, None]


def test_a_4xx_becomes_a_typed_error_with_its_place(server_url, counting):
    before = counting.seen["/api/v1/evaluate"]
    with Client(server_url, retries=3) as api, pytest.raises(ChainruleError) as caught:
        api.evaluate("a = x + y\nf = a *", {"x": 1, "y": 2})
    error = caught.value
    assert (error.status, error.code, error.line, error.column) == (400, "syntax_error", 2, 8)
    assert error.details["line"] == 2 and "f = a *" in error.message
    assert counting.seen["/api/v1/evaluate"] == before + 1  # an answer is never retried


def test_missing_input_names_the_input(server_url):
    with Client(server_url) as api, pytest.raises(ChainruleError) as caught:
        api.evaluate(LECTURE, {"x": 1, "y": 2})
    assert (caught.value.code, caught.value.input) == ("missing_input", "z")


def test_unknown_example_is_a_404(server_url):
    with Client(server_url) as api, pytest.raises(ChainruleError) as caught:
        api.example("no_such_graph")
    assert (caught.value.status, caught.value.code) == (404, "unknown_example")


def test_every_read_endpoint(server_url):
    with Client(server_url) as api:
        assert api.healthz() == {"status": "ok"}
        assert [e["id"] for e in api.examples()] == list(EXAMPLES_BY_ID)
        score = api.example("window_score")
        assert score["source"] == EXAMPLES_BY_ID["window_score"]["source"]
        assert {"add", "mul", "matmul"} <= {op["name"] for op in api.ops()}
        check = api.gradcheck("f = sigmoid(w * x + b)", {"w": 2, "x": -1, "b": -3})
        assert check["passed"] is True and set(check["inputs"]) == {"w", "x", "b"}


def test_train_continues_from_the_returned_state(server_url):
    config = {
        "dataset": {"name": "xor", "samples": 40, "seed": 1},
        "model": {"layers": [3], "activation": "tanh", "seed": 2},
        "optimizer": {"name": "sgd", "lr": 0.1},
        "batch_size": 10,
        "grid": False,
    }
    with Client(server_url) as api:
        once = api.train(config, steps=4)
        first = api.train(config, steps=2)
        second = api.train(config, steps=2, state=first["state"])
        assert second["step"] == once["step"] == 4
        assert second["metrics"] == once["metrics"]
        race = api.optimize(function="bowl", start=[1.0, 1.0], optimizer={"name": "sgd", "lr": 0.25}, steps=1)
        assert race["path"] == [[1.0, 1.0], [0.5, 0.5]]  # x ← x − 0.25 · 2x


def _served(counting: Counting, path: str) -> None:
    if path not in counting.app.openapi()["paths"]:
        pytest.skip(f"{path} is not served by this build yet")


def test_optimizers_lessons_and_seeded_examples(server_url, counting):
    direct = TestClient(counting.app)
    with Client(server_url) as api:
        _served(counting, "/api/v1/optimizers")
        assert api.optimizers() == direct.get("/api/v1/optimizers").json()
        _served(counting, "/api/v1/lessons")
        lessons = api.lessons()
        assert lessons == direct.get("/api/v1/lessons").json() and lessons
        first = lessons[0]["id"]
        assert api.lesson(first)["id"] == first
        with pytest.raises(ChainruleError) as caught:
            api.lesson("no-such-lesson")
        assert caught.value.status == 404 and caught.value.code != "internal_error"
        seeded = api.example("window_score", seed=3)
        assert seeded == direct.get("/api/v1/examples/window_score", params={"seed": 3}).json()
        assert seeded == api.example("window_score", seed=3)
        assert seeded["inputs"] != api.example("window_score", seed=4)["inputs"]


def test_a_server_that_never_answers_times_out():
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with Client(url, timeout=1.5, retries=3) as api, pytest.raises(ChainruleError) as caught:
            api.healthz()
        elapsed = time.monotonic() - started
    assert (caught.value.code, caught.value.status) == ("timeout", None)
    assert 1.4 < elapsed < 5  # one read timeout (four would take 6 s): what reached a server is not retried


def _own_thread(function, *args):
    """function(*args) in a thread of its own, where no event loop runs: under pytest-xdist a
    worker that ran browser tests first has Playwright's loop marked running in its main thread,
    and asyncio.run() refuses to start there."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def test_async_client_times_out_and_reports_a_refused_connection():
    async def attempt(url: str, timeout: float) -> ChainruleError:
        async with AsyncClient(url, timeout=timeout, retries=0) as api:
            try:
                await api.healthz()
            except ChainruleError as error:
                return error
        raise AssertionError("no error raised")

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        started = time.monotonic()
        error = _own_thread(asyncio.run, attempt(f"http://127.0.0.1:{silent.getsockname()[1]}", 0.5))
        assert error.code == "timeout" and 0.4 < time.monotonic() - started < 5
    assert _own_thread(asyncio.run, attempt(f"http://127.0.0.1:{_free_port()}", 5)).code == "connection_error"


def test_a_refused_connection_is_retried_until_the_server_is_up():
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with Client(url, retries=0) as api, pytest.raises(ChainruleError) as caught:
        api.healthz()
    assert caught.value.code == "connection_error" and caught.value.status is None
    late: list = []
    timer = threading.Timer(0.8, lambda: late.extend(_serve(create_app(Settings()), port)))
    timer.start()
    try:
        started = time.monotonic()
        with Client(url, retries=6) as api:  # backoff 0, 0.5, 1, 2, 4, 8 s: the server is up by then
            assert api.healthz() == {"status": "ok"}
        assert time.monotonic() - started > 0.7  # it did wait for the late server
    finally:
        timer.join()
        _stop(*late)


def test_async_client(server_url):
    async def run() -> tuple[list, ChainruleError]:
        async with AsyncClient(server_url, timeout=10) as api:
            docs = await asyncio.gather(*(api.evaluate("f = x * y", {"x": k, "y": 3}) for k in range(4)))
            try:
                await api.evaluate("f = foo(x)", {"x": 1})
            except ChainruleError as error:
                return docs, error
        raise AssertionError("no error raised")

    docs, error = _own_thread(asyncio.run, run())
    assert [d["nodes"][0]["grad"] for d in docs] == [3, 3, 3, 3]
    assert [d["nodes"][-1]["value"] for d in docs] == [0, 3, 6, 9]
    assert (error.code, error.line, error.column, error.status) == ("unknown_function", 1, 5, 400)


SCORE = EXAMPLES_BY_ID["window_score"]
SCORE_ARGS = [f"{name}={value}" for name, value in SCORE["inputs"].items()]


@pytest.mark.parametrize("extra", [[], ["--json"], ["--step", "9"], ["--full"]])
def test_cli_server_prints_what_local_eval_prints(server_url, capsys, monkeypatch, extra):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["eval", SCORE["source"], *SCORE_ARGS, *extra]) == 0
    local = capsys.readouterr().out
    assert main(["eval", SCORE["source"], *SCORE_ARGS, *extra, "--server", server_url]) == 0
    assert capsys.readouterr().out == local


def test_cli_server_errors_read_as_local_ones(server_url, capsys):
    assert main(["eval", "f = x +", "x=1", "--server", server_url]) == 2
    remote = capsys.readouterr().err
    assert main(["eval", "f = x +", "x=1"]) == 2
    assert remote == capsys.readouterr().err and "syntax_error" in remote and "(line 1, column" in remote
    assert main(["eval", "f = x", "x=1", "--server", f"http://127.0.0.1:{_free_port()}"]) == 2
    assert "connection_error" in capsys.readouterr().err


ROOT = Path(__file__).resolve().parents[2]


def _expected_output(block: str) -> list[str]:
    """What a documented block says it prints: each print's trailing comment, or the comment line after it."""
    lines = block.splitlines()
    expected = []
    for i, line in enumerate(lines):
        if "print(" not in line:
            continue
        comment = line.partition(")  ")[2].strip() if "#" in line else ""
        if comment.startswith("#"):
            expected.append(comment.lstrip("# ").strip())
        elif i + 1 < len(lines) and lines[i + 1].strip().startswith("#"):
            expected.append(lines[i + 1].strip().lstrip("# ").strip())
    return expected


@pytest.mark.parametrize("document", ["README.md", "docs/api.md"])
def test_documented_client_examples_print_what_they_say(server_url, document):
    text = (ROOT / document).read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "app.client" in b]
    assert blocks, f"{document} has no client example"
    for block in blocks:
        printed = io.StringIO()
        code = compile(block.replace(DOC_URL, server_url), document, "exec")
        with contextlib.redirect_stdout(printed):  # a block may call asyncio.run: its own thread
            _own_thread(exec, code, {"__name__": "__main__"})
        assert printed.getvalue().splitlines() == _expected_output(block), block


DOC_URL = "http://127.0.0.1:8000"
