"""Defects a review found in earlier traces (fixed; these tests keep them fixed), and behaviour no
other test pins down: the trace against Graph.run on outputs that are not the last node,
leaky_relu's slope, non-finite seeds; snapshots."""

from __future__ import annotations

import gc
import math
import struct

import numpy as np
import pytest

from engine import OPS_BY_NAME, Graph, evaluate, parse
from engine.nodes import INPUT, OP, Node
from engine.trace import ACCUMULATE, BACKWARD, FORWARD


def _bits(x: object) -> bytes:
    """A float's bits; every NaN alike (JSON writes them all as "NaN")."""
    value = float(np.asarray(x))
    return b"nan" if math.isnan(value) else struct.pack("<d", value)


def _array_bits(x: object) -> list[bytes]:
    return [_bits(v) for v in np.asarray(x, dtype=np.float64).reshape(-1)]


# --- defects ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "k"),
    [("i = sqrt(k)\nf = cross_entropy(z, i)", [0.0]), ("i = -k\nf = cross_entropy(z, i)", [-0.0])],
    ids=["nan", "signed-zero"],
)
def test_a_class_index_computed_from_an_input_gets_runs_zero_gradient(source, k):
    graph = parse(source)
    inputs = {"z": [1.0, 2.0], "k": k}
    result = evaluate(graph, inputs)
    _, run_grads = graph.run(inputs, wrt=["k", "i", "z"])
    assert _array_bits(run_grads["k"]) == _array_bits([0.0])
    # the edge k → i is off the output's path (i reaches f only as a class index): 0 downstream
    assert _array_bits(result.edge("k", "i").downstream) == _array_bits([0.0])
    assert _array_bits(result.node("k").grad) == _array_bits(run_grads["k"])


def test_interleaved_collection_pauses_leave_the_collector_enabled(monkeypatch):
    trace_module = pytest.importorskip("engine.fast.scalar_trace", reason="engine/fast/ is absent")
    assert gc.isenabled()
    first = trace_module._collection_paused(10_000)
    first.__enter__()  # thread A: was enabled, disables
    first_left = []

    class Interleaved:  # thread B's pause, with A's ending between B's check and B's disable
        isenabled = staticmethod(gc.isenabled)
        enable = staticmethod(gc.enable)

        @staticmethod
        def disable() -> None:
            if not first_left:
                first_left.append(True)
                first.__exit__(None, None, None)
            gc.disable()

    monkeypatch.setattr(trace_module, "gc", Interleaved)
    with trace_module._collection_paused(10_000):
        pass
    if not first_left:  # a pause that does not call disable again while one is active: A leaves now
        first.__exit__(None, None, None)
    monkeypatch.undo()
    enabled = gc.isenabled()
    gc.enable()  # whatever happened, leave the test process collecting
    assert enabled


def test_a_numpy_scalar_attribute_gives_the_same_trace_as_a_float_one():
    op = OPS_BY_NAME["leaky_relu"]
    traces = [
        evaluate(
            Graph([Node("x", INPUT, "x"), Node("f", OP, "f", op, ("x",), (("slope", slope),), text="f")]),
            {"x": -2.0},
        )
        for slope in (np.float64(0.5), 0.5)
    ]
    assert [float(n.grad) for n in traces[0].nodes] == [float(n.grad) for n in traces[1].nodes] == [0.5, 1.0]
    assert all(type(n.value) is np.ndarray and n.value.shape == () for n in traces[0].nodes)


def test_the_trace_does_not_alias_the_callers_arrays():
    graph = parse("f = x * 2")
    x, seed = np.array([3.0, 4.0]), np.array([1.0, 2.0])
    result = evaluate(graph, {"x": x}, seed)
    x[0], seed[0] = -1.0, 100.0
    assert result.node("x").value.tolist() == [3.0, 4.0]
    assert result.node("f").grad.tolist() == [1.0, 2.0]


# --- verified behaviour ---------------------------------------------------------------------------

SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.0, math.inf, -math.inf, math.nan, 1e308, 5e-324]
CASES = [
    # (source, output, inputs): outputs before the last node, nodes after the output, dead branches
    ("a = x * y\nb = a + x\nc = leaky_relu(b, 0.2)\nd = c * c", "b", {"x": 1.5, "y": -2.0}),
    ("a = x * x\nb = max(a, y)\nc = exp(b)\nd = min(c, x)", "b", {"x": -0.0, "y": 0.0}),
    ("a = leaky_relu(x, -0.5)\nb = a * y\nc = hinge(b, x)", None, {"x": -3.0, "y": 2.0}),
    ("a = x - y\nb = abs(a)\nc = a * b\nd = sigmoid(c) + tanh(a)\ne = d ** y", "d", {"x": 2.0, "y": 2.0}),
    ("a = 2 * x\nb = a * x\nc = b + a\nd = hardtanh(c)", "c", {"x": math.inf}),
    ("a = x * 0\nb = relu(a)\nc = b * x\nd = a + c", None, {"x": math.nan}),
]


@pytest.mark.parametrize(("source", "output", "inputs"), CASES)
@pytest.mark.parametrize("seed", [None, -0.0, 0.0, -2.5, math.nan, math.inf])
def test_the_trace_and_run_agree_off_the_last_node(source, output, inputs, seed):
    graph = parse(source, output)
    result = evaluate(graph, inputs, seed)
    _, run_grads = graph.run(inputs, seed, wrt=[n.id for n in graph.nodes])
    for node in result.nodes:
        assert _bits(node.grad) == _bits(run_grads[node.id]), node.id
    out = graph.index[graph.output]
    for i, node in enumerate(result.nodes):  # nodes after the output: gradient 0, edges carry 0
        if i > out:
            assert _bits(node.grad) == _bits(0.0), node.id
    for edge in result.edges:
        if graph.index[edge.target] > out:
            assert _bits(edge.downstream) == _bits(0.0)


def test_leaky_relu_slope_reaches_both_paths_and_the_formula():
    graph = parse("f = leaky_relu(x, 0.25)")
    for x in (-4.0, 0.0, -0.0, 3.0):
        result = evaluate(graph, {"x": x})
        expected_grad = 1.0 if x > 0 else 0.25
        assert float(result.node("x").grad) == expected_grad
        assert float(result.node("f").value) == (x if x > 0 else 0.25 * x)
    assert result.edges[0].formula == "∂f/∂x = 1 if x > 0 else 0.25"


def test_every_snapshot_follows_the_documented_rules():
    """docs/api.md: value null until the node's forward step; an edge's local/upstream/downstream
    null until its source's backward step; a grad null until the step carrying it."""
    for source, output, inputs in CASES[:3] + [("h = tanh(W @ x)\nf = sum(h * h)", None, None)]:
        graph = parse(source, output)
        given = inputs or {"W": [[0.5, -1.0], [2.0, 0.25]], "x": [1.0, -2.0]}
        result = evaluate(graph, given)
        forward_at = {s.node: s.index for s in result.steps if s.phase == FORWARD}
        backward_at = {s.node: s.index for s in result.steps if s.phase == BACKWARD}
        grad_at = {s.node: s.index for s in result.steps if s.grad is not None}
        assert set(grad_at) == set(forward_at)  # every node's gradient is fixed by exactly one step
        assert all(s.phase == ACCUMULATE or s.node not in {a.node for a in result.steps if a.phase == ACCUMULATE}
                   for s in result.steps if s.grad is not None)  # fmt: skip
        for k in range(len(result.steps)):
            shot = result.snapshot(k)
            for node in result.nodes:
                assert (shot.values[node.id] is None) == (k < forward_at[node.id])
                assert (shot.grads[node.id] is None) == (k < grad_at[node.id])
            for edge in result.edges:
                state = shot.edges[edge.id]
                assert (state["value"] is None) == (k < forward_at[edge.source])
                reached = k >= backward_at[edge.source]
                assert (state["upstream"] is None) == (not reached)
                assert (state["downstream"] is None) == (not reached)
                if reached:
                    assert _array_bits(state["downstream"]) == _array_bits(edge.downstream)
