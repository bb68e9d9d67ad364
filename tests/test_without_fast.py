"""Deleting engine/fast/ loses nothing: the engine's and the API's tests pass on a copy of the
project without it (the reference computes everything; the fast path's own tests skip)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The tests that pin results down: the lecture's numbers, every op against finite differences,
# random graphs, kinks, gates, training, and the API's documents and errors.
SUITE = [
    "tests/engine/test_lecture.py",
    "tests/engine/test_ops.py",
    "tests/engine/test_neuron.py",
    "tests/engine/test_gates.py",
    "tests/engine/test_graph_run.py",
    "tests/engine/test_review_findings.py",
    "tests/engine/test_fast_errstate.py",
    "tests/engine/test_training.py",
    "tests/api/test_evaluate.py",
    "tests/api/test_endpoints.py",
]


def test_the_suite_passes_with_engine_fast_deleted(tmp_path: Path) -> None:
    copy = tmp_path / "chainrule"
    ignore = shutil.ignore_patterns(
        "__pycache__", ".venv", ".git", ".hypothesis", "artifacts", "node_modules"
    )
    for part in ("engine", "app", "tests", "templates", "static", "docs", "pyproject.toml"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, copy / part, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, copy / part)
    shutil.rmtree(copy / "engine" / "fast")
    # An editable install maps `engine.*` to the checkout by a finder of its own: drop it, so that
    # the copy — without engine/fast — is what the tests import.
    (copy / "conftest.py").write_text(
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in getattr(f, '__module__', '')]\n"
    )
    suite = [test for test in SUITE if (copy / test).exists()]
    env = {**os.environ, "PYTHONPATH": str(copy), "CHAINRULE_FAST": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "-W",
            "error::RuntimeWarning",
            *suite,
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    tail = (result.stdout + result.stderr)[-3000:]
    assert result.returncode == 0, tail
    assert "skipped" in tail  # the fast path's own tests skip there
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import conftest, engine.seam as s; print(s.fast('run'), s.fast('scalar_trace'))",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.stdout.split() == ["None", "None"], probe.stdout + probe.stderr
