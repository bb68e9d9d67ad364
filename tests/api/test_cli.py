"""The `chainrule` console script: eval tables, --json, --step, exit code 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

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
