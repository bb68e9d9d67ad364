"""engine/fast/ equals the reference (engine.autograd) bit for bit, and nothing else imports it.

- scalar graphs (with ties, signed zeros, inf, NaN, outputs before the last node): the float
  trace's every record equals the reference trace's;
- random tensor graphs: the fast run's values and gradients equal the reference's;
- the fan-out order (terms 1, 1e16, −1e16) and x / 0 (the float path hands over).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import OPS, evaluate, parse, seam
from tests.engine.test_random_graphs import random_graphs

pytest.importorskip("engine.fast.run", reason="engine/fast/ is absent: the reference alone")
ROOT = Path(__file__).resolve().parents[2]
ELEMENTWISE = [op for op in OPS if op.elementwise]
SPECIAL = st.sampled_from(
    [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, math.inf, -math.inf, math.nan, 1e308, -3.0, 5e-324]
)
NUMBERS = st.one_of(SPECIAL, st.floats(-4, 4, allow_nan=False))
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def reference_only() -> Iterator[None]:
    previous = seam.use_fast(False)
    try:
        yield
    finally:
        seam.use_fast(previous)


def same(a: object, b: object) -> bool:
    """Equal shapes and bits (−0 ≠ 0); every NaN alike."""
    if a is None or b is None:
        return a is None and b is None
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    canon = lambda v: np.where(np.isnan(v), np.nan, v).tobytes()  # noqa: E731
    return x.shape == y.shape and canon(x) == canon(y)


def assert_same_trace(fast, reference) -> None:
    assert fast.output == reference.output
    for got, expected in zip(fast.nodes, reference.nodes, strict=True):
        assert got._replace(value=None, grad=None) == expected._replace(value=None, grad=None)
        assert same(got.value, expected.value) and same(got.grad, expected.grad), got.id
    for got, expected in zip(fast.edges, reference.edges, strict=True):
        blank = dict(value=None, local=None, upstream=None, downstream=None)
        assert got._replace(**blank) == expected._replace(**blank)
        for field in blank:
            assert same(getattr(got, field), getattr(expected, field)), (got.id, field)
    for got, expected in zip(fast.steps, reference.steps, strict=True):
        assert got._replace(value=None, grad=None, terms=()) == expected._replace(
            value=None, grad=None, terms=()
        )
        assert same(got.value, expected.value) and same(got.grad, expected.grad), got
        assert len(got.terms) == len(expected.terms) and all(map(same, got.terms, expected.terms))


@st.composite
def scalar_graphs(draw: st.DrawFn) -> tuple[str, dict[str, float], str | None]:
    names = [f"x{i}" for i in range(draw(st.integers(1, 3)))]
    inputs = {name: draw(NUMBERS) for name in names}
    lines = []
    for k in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(ELEMENTWISE))
        args = [draw(st.sampled_from(names)) for _ in range(op.arity)]
        if op.arity == 2 and draw(st.booleans()):
            args[1] = repr(draw(st.sampled_from([0.0, 1.0, 2.0, -1.0])))  # a constant, at times a tie
        if op.operator == "neg":
            text = f"-{args[0]}"
        elif op.operator:
            text = f"{args[0]} {op.operator} {args[1]}"
        else:
            text = f"{op.function}({', '.join(args)})"
        lines.append(f"n{k} = {text}")
        names.append(f"n{k}")
    output = draw(st.sampled_from([None, *names[len(inputs) :]]))  # at times an output before the last node
    used = {name for name in inputs if any(name in line.split(" = ")[1] for line in lines)}
    return "\n".join(lines), {name: value for name, value in inputs.items() if name in used}, output


@PROPERTY
@given(scalar_graphs(), st.sampled_from([None, 1.0, -2.5, 0.0, -0.0, math.nan]))
def test_the_float_trace_equals_the_reference_record_for_record(case, seed):
    source, inputs, output = case
    graph = parse(source, output)
    fast = evaluate(graph, inputs, seed)
    with reference_only():
        reference = evaluate(graph, inputs, seed)
    assert_same_trace(fast, reference)
    _, run_grads = graph.run(inputs, seed, wrt=[n.id for n in graph.nodes])  # the fast run too
    for node in reference.nodes:
        assert same(node.grad, run_grads[node.id]), node.id


@PROPERTY
@given(random_graphs(), st.booleans())
def test_the_fast_run_equals_the_reference_on_tensor_graphs(case, every_node):
    source, inputs = case
    graph = parse(source)
    wrt = [n.id for n in graph.nodes] if every_node else None
    values, grads = graph.run(inputs, wrt=wrt)
    with reference_only():
        expected_values, expected_grads = graph.run(inputs, wrt=wrt)
        assert all(map(same, graph.forward(inputs), expected_values.values()))
    assert all(same(values[k], expected_values[k]) for k in expected_values)
    assert grads.keys() == expected_grads.keys()
    assert all(same(grads[k], expected_grads[k]) for k in grads), source


def test_a_fan_out_adds_its_terms_last_consumer_first_on_both_paths():
    """x feeds three products whose downstream gradients are 1, 1e16, −1e16: added last consumer
    first they give 1 (as PyTorch's autograd); in edge order they would give 0."""
    source = "a = x * 1\nb = x * 1e16\nc = x * -1e16\nf = a + b + c"
    for fast in (True, False):
        previous = seam.use_fast(fast)
        try:
            trace = evaluate(parse(source), {"x": 2.0})
            _, grads = parse(source).run({"x": 2.0})
        finally:
            seam.use_fast(previous)
        assert float(trace.node("x").grad) == 1.0 == float(grads["x"])


def test_division_by_zero_hands_over_to_the_reference_and_keeps_the_infinities():
    from engine.fast import scalar_trace

    graph = parse("f = x / y")
    assert scalar_trace.evaluate(graph, graph.input_values({"x": 1.0, "y": 0.0}), None) is None
    trace = evaluate(graph, {"x": 1.0, "y": 0.0})
    assert (
        float(trace.node("f").value) == math.inf and float(trace.node("y").grad) == -math.inf
    )  # −(x/y)/y, as torch


def test_one_graph_evaluated_from_many_threads_at_once():
    """Requests share a parsed Graph; the fast path's per-graph plans are made on first use."""
    source = "\n".join(
        ["a0 = x * y"] + [f"a{k} = tanh(a{k - 1}) * x + max(a{k - 1}, y)" for k in range(1, 40)]
    )
    inputs = [{"x": 0.5 + k / 7, "y": -1.0 + k / 5} for k in range(16)]
    with reference_only():
        expected = [evaluate(parse(source), i) for i in inputs]
    for _ in range(3):
        shared = parse(source)
        with ThreadPoolExecutor(8) as pool:
            traces = list(pool.map(lambda i, g=shared: evaluate(g, i), inputs))
        for got, want in zip(traces, expected, strict=True):
            assert_same_trace(got, want)


def test_nothing_outside_engine_fast_imports_it():
    """Only engine/seam.py reaches engine/fast/, by name at run time; no import statement does."""
    offenders = []
    for path in [*ROOT.glob("engine/**/*.py"), *ROOT.glob("app/**/*.py")]:
        if "fast" in path.relative_to(ROOT).parts[:2]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
            if any(name == "engine.fast" or name.startswith("engine.fast.") for name in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
