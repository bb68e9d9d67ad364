"""The `chainrule` console script: eval tables and matrices, --json, --step, --precision, --full,
the terminal's width, exit code 2 on bad input, and `serve`'s options."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from app import cli
from app.cli import main, number_text, value_text
from app.examples import EXAMPLES_BY_ID
from app.serialize import dumps
from app.service import evaluation_document
from app.settings import Settings

LECTURE = "a = x + y; b = max(y, z); f = a * b"
ROOT = Path(__file__).resolve().parents[2]


def test_eval_prints_node_and_edge_tables(capsys):
    assert main(["eval", LECTURE, "x=1", "y=2", "z=0"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    node_y = next(line for line in lines if line.startswith("y ") and "input" in line)
    assert node_y.split() == ["y", "input", "y", "2", "5"]
    edge_zb = next(line for line in lines if line.startswith("z → b"))
    assert edge_zb.split()[3:7] == ["0", "0", "3", "0"]  # value, local, upstream, downstream
    assert "upstream" in out and "downstream" in out and "local" in out


def test_eval_json_is_the_document(capsys):
    assert main(["eval", LECTURE, "x=1", "y=2", "z=0", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {n["id"]: n["grad"] for n in doc["nodes"]} == {"x": 2, "y": 5, "z": 0, "a": 2, "b": 3, "f": 1}
    assert "layout" in doc and len(doc["steps"]) == 13


def test_eval_step_snapshot(capsys):
    assert main(["eval", LECTURE, "x=1", "y=2", "z=0", "--json", "--step", "4"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["step"] == 4
    assert [n["value"] for n in doc["nodes"]] == [1, 2, 0, 3, 2, None]
    assert main(["eval", LECTURE, "x=1", "y=2", "z=0", "--step", "4"]) == 0
    assert "snapshot after step 4" in capsys.readouterr().out


def test_eval_tensor_inputs_as_json(capsys):
    assert main(["eval", "z = W @ x", "W=[[1,2],[3,4]]", "x=[1,-1]", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["nodes"][-1]["value"] == [-1, -1]
    assert doc["nodes"][0]["grad"] == [[1, -1], [1, -1]]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["eval", "f = x +", "x=1"], "syntax_error"),
        (["eval", "f = x + 1", "x=NaN"], "invalid_input"),
        (["eval", "f = x + 1", "x=[[1,2],[3]]"], "ragged"),
        (["eval", "f = x + 1", "x"], "name=value"),
        (["eval", "f = x + y", "x=1"], "missing_input"),
        (["eval", "f = __import__('os')", "x=1"], "(line 1, column 5)"),
        (["eval", LECTURE, "x=1", "y=2", "z=0", "--step", "99"], "step_out_of_range"),
    ],
)
def test_bad_input_exits_2_with_the_message(capsys, argv, fragment):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert fragment in captured.err and captured.out == ""


def test_console_script_exit_code_as_a_process():
    bad = subprocess.run(
        [sys.executable, "-m", "app.cli", "eval", "f = foo(x)", "x=3"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert bad.returncode == 2 and "unknown_function" in bad.stderr


SCORE = EXAMPLES_BY_ID["window_score"]  # z = W @ x + b; h = sigmoid(z); s = dot(u, h)
SCORE_ARGS = ["eval", SCORE["source"], *(f"{k}={json.dumps(v)}" for k, v in SCORE["inputs"].items())]


def _score_gradients() -> dict[str, np.ndarray]:
    """The notes' backward pass by hand: δ = u ∘ σ′(z), ∂s/∂W = δxᵀ, ∂s/∂x = Wᵀδ, ∂s/∂b = δ."""
    W, x, b, u = (np.array(SCORE["inputs"][k]) for k in "Wxbu")
    h = 1 / (1 + np.exp(-(W @ x + b)))
    delta = u * h * (1 - h)
    return {"W": np.outer(delta, x), "x": W.T @ delta, "b": delta}


def _block(out: str, title: str) -> list[str]:
    """The lines of one node's or edge's block (the layout a narrow terminal gets)."""
    blocks = out.split("\n\n")
    return next(b for b in blocks if b.split("\n")[0].split("  ")[0] == title).split("\n")


def _numbers(lines: list[str]) -> list[float]:
    text = " ".join(lines).replace("[", " ").replace("]", " ")
    return [float(word) for word in text.split()]


def _label(block: list[str], label: str) -> list[str]:
    """The lines of one labelled value in a block, as printed: its first line and the continuations."""
    start = next(i for i, line in enumerate(block) if line.strip().startswith(label + " "))
    end = next((i for i in range(start + 1, len(block)) if block[i][2:3].strip()), len(block))
    return block[start:end]


def _shown(block: list[str], label: str) -> list[float]:
    """The numbers of one labelled value in a block."""
    first, *rest = _label(block, label)
    return _numbers([first.replace(label, "", 1), *rest])


def test_score_example_shows_every_gradient_entry_rounded_to_4_digits(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(SCORE_ARGS) == 0
    out = capsys.readouterr().out
    assert "…" not in out and "[...]" not in out
    for name, grad in _score_gradients().items():
        shown = _shown(_block(out, name), "grad")
        assert shown == [float(f"{g:.4g}") for g in grad.flat], name
    first, second = _label(_block(out, "W"), "grad")
    assert (first, second) == ("  grad   [[ 0.2494  0.4988 -0.2494]", "          [-0.1656 -0.3313  0.1656]]")
    assert second.index("[") == first.index("[[") + 1  # the rows line up as a matrix
    assert _label(_block(out, "s"), "value") == ["  value  -1.293"]


def test_precision_and_full(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    grads = _score_gradients()
    assert main([*SCORE_ARGS, "--precision", "7"]) == 0
    shown = _shown(_block(capsys.readouterr().out, "x"), "grad")
    assert shown == [float(f"{g:.7g}") for g in grads["x"]]
    assert main([*SCORE_ARGS, "--full"]) == 0
    out = capsys.readouterr().out
    exact = evaluation_document(SCORE["source"], SCORE["inputs"], Settings())
    by_id = {n["id"]: n for n in exact["nodes"]}
    for name in ("W", "x", "b"):  # repr round-trips: the very float64 the engine computed
        assert _shown(_block(out, name), "grad") == np.ravel(by_id[name]["grad"]).tolist()
        np.testing.assert_allclose(np.ravel(by_id[name]["grad"]), grads[name].ravel(), rtol=1e-15)


@pytest.mark.parametrize("digits", ["0", "18", "x"])
def test_precision_is_1_to_17(capsys, digits):
    with pytest.raises(SystemExit) as exited:
        main([*SCORE_ARGS, "--precision", digits])
    assert exited.value.code == 2 and "--precision" in capsys.readouterr().err


def test_full_and_precision_are_exclusive(capsys):
    with pytest.raises(SystemExit) as exited:
        main([*SCORE_ARGS, "--full", "--precision", "3"])
    assert exited.value.code == 2 and "not allowed with" in capsys.readouterr().err


@pytest.mark.parametrize("columns", [30, 50, 80])
def test_lecture_fits_the_terminal_too(capsys, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["eval", LECTURE, "x=1", "y=2", "z=0"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= columns
    assert "downstream" in out and "∂f/∂a = b" in out


@pytest.mark.parametrize("columns", [40, 60, 80, 120, 200])
def test_output_fits_the_terminal(capsys, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(SCORE_ARGS) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= columns
    shown = _shown(_block(out, "W"), "grad") if columns < 120 else None
    if shown is not None:
        assert len(shown) == 6
    else:  # wide enough: the two tables, the W row spanning two lines
        assert out.splitlines()[2].split() == ["node", "kind", "gate", "formula", "value", "grad"]
        row = next(i for i, line in enumerate(out.splitlines()) if line.startswith("W     input"))
        assert out.splitlines()[row].endswith("[[ 0.2494  0.4988 -0.2494]")
        assert out.splitlines()[row + 1].endswith("[-0.1656 -0.3313  0.1656]]")


def test_json_output_is_unchanged_by_the_rendering(capsys):
    assert main([*SCORE_ARGS, "--json", "--precision", "2"]) == 0
    assert (
        capsys.readouterr().out
        == dumps(evaluation_document(SCORE["source"], SCORE["inputs"], Settings())) + "\n"
    )


def test_up_to_64_elements_are_shown_in_full_beyond_a_summary():
    sixty_four = [k / 8 for k in range(64)]
    text = value_text(sixty_four, 4, 80)
    assert _numbers(text.split("\n")) == sixty_four and max(map(len, text.split("\n"))) <= 80
    grid = np.arange(64.0).reshape(8, 8).tolist()
    assert value_text(grid, 4, 80).split("\n")[7] == " [56 57 58 59 60 61 62 63]]"
    big = value_text([[k, -k] for k in range(40)], 4, 80)
    assert big == "shape 40×2, min -39, mean 0, max 39"
    assert value_text([1.0, "NaN"] * 40, 4, 80) == "shape 80, min 1, mean 1, max 1, 40 nan"


def test_an_omitted_jacobian_says_so(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    W = json.dumps([[i + j for i in range(10)] for j in range(10)])
    assert main(["eval", "z = W @ x", f"W={W}", f"x={json.dumps(list(range(10)))}"]) == 0
    out = capsys.readouterr().out
    assert _label(_block(out, "W → z"), "local") == ["  local       omitted: 1000 entries (> 64)"]
    assert _label(_block(out, "x → z"), "local") == ["  local       omitted: 100 entries (> 64)"]
    assert _label(_block(out, "W → z"), "downstream") == ["  downstream  shape 10×10, min 0, mean 4.5, max 9"]


def test_number_text_rounding_zeros_and_non_finite():
    assert [number_text(v, 4) for v in (0.5249791874789399, -0.0, 12345.678, 2.5e-7)] == [
        "0.525",
        "0",
        "1.235e+04",
        "2.5e-07",
    ]
    assert number_text(0.1 + 0.2, None) == "0.30000000000000004"
    assert value_text([1.0, -0.0, "NaN", "Infinity", "-Infinity"], 4, 80) == "[   1    0  nan  inf -inf]"
    assert value_text([2.4, 0.5 - 0.4 - 0.1], 4, 80) == "[2.4 0]"  # rounding residue beside 2.4 reads 0
    assert value_text([2.4, 0.5 - 0.4 - 0.1], None, 80) == "[ 2.4 -2.7755575615628914e-17]"  # --full: exact


def test_serve_passes_its_options_to_uvicorn(monkeypatch, tmp_path):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    monkeypatch.delenv("CHAINRULE_LESSONS_DIR", raising=False)
    argv = [
        "serve",
        "--port",
        "8123",
        "--workers",
        "3",
        "--limit-max-requests",
        "500",
        "--lessons",
        str(tmp_path),
    ]
    assert main(argv) == 0
    app, options = calls[0]
    assert app == "app.main:app"
    assert options == {
        "host": "127.0.0.1",
        "port": 8123,
        "workers": 3,
        "reload": False,
        "limit_max_requests": 500,
        "http": "app.serving:H11Protocol",  # Nagle off on every connection (tests/api/test_serving.py)
    }
    assert cli.os.environ["CHAINRULE_LESSONS_DIR"] == str(tmp_path.resolve())
    monkeypatch.delenv("CHAINRULE_LESSONS_DIR")


def test_serve_refuses_a_missing_lessons_directory(capsys, tmp_path):
    assert main(["serve", "--lessons", str(tmp_path / "nowhere")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_one_worker_is_recycled_after_n_requests(tmp_path):
    """A real `chainrule serve --limit-max-requests 3`: the worker is replaced, requests keep being answered."""
    from app.client import Client
    from tests.api.test_client import _free_port

    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--limit-max-requests", "3"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        with Client(f"http://127.0.0.1:{port}", retries=6, timeout=30) as api:
            answers = []
            for _ in range(10):  # uvicorn checks the limit on its 0.1 s tick, not per request
                answers.append(api.healthz())
                time.sleep(0.15)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert answers == [{"status": "ok"}] * 10
    text = (tmp_path / "serve.log").read_text()
    workers = re.findall(r"Started server process \[(\d+)\]", text)
    assert text.count("Maximum request limit of 3 exceeded") >= 2
    assert len(set(workers)) >= 3  # 10 requests, at most 4 each (the limit is checked between requests)
