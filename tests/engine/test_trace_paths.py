"""The trace's two paths agree bit for bit: a graph of scalars is computed on Python floats
(engine.trace's float path), anything else on arrays; on random scalar graphs — with ties,
signed zeros, non-finite values — both give every value, gradient, local and downstream alike."""

from __future__ import annotations

import math
import struct

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import OPS, evaluate, parse
from engine.columns import array_columns
from engine.wiring import float_plan, wiring

FLOAT_OPS = [op for op in OPS if op.floats is not None]
SPECIAL = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, 0.5, math.inf, -math.inf, math.nan, 1e308, -3.0])
NUMBERS = st.one_of(SPECIAL, st.floats(-4, 4, allow_nan=False))


def _bits(x: object) -> bytes:
    value = float(np.asarray(x))
    return b"nan" if math.isnan(value) else struct.pack("<d", value)


@st.composite
def scalar_graphs(draw: st.DrawFn) -> tuple[str, dict[str, float]]:
    names = [f"x{i}" for i in range(draw(st.integers(1, 3)))]
    inputs = {name: draw(NUMBERS) for name in names}
    lines = []
    for k in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(FLOAT_OPS))
        args = [draw(st.sampled_from(names)) for _ in range(op.arity)]
        if draw(st.booleans()) and op.arity == 2:
            args[1] = repr(draw(st.sampled_from([0.0, 1.0, 2.0, -1.0])))  # a constant, at times a tie
        if op.operator == "neg":
            text = f"-{args[0]}"
        elif op.operator:
            text = f"{args[0]} {op.operator} {args[1]}"
        else:
            text = f"{op.function}({', '.join(args)})"
        lines.append(f"n{k} = {text}")
        names.append(f"n{k}")
    used = {name for name in inputs if any(name in line.split(" = ")[1] for line in lines)}
    return "\n".join(lines), {name: value for name, value in inputs.items() if name in used}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scalar_graphs(), st.sampled_from([None, 1.0, -2.5, 0.0]))
def test_float_path_gives_the_array_path_bits(case, seed):
    source, inputs = case
    graph = parse(source)
    assert float_plan(graph) is not None
    result = evaluate(graph, inputs, seed)
    given_arrays = graph.input_values(inputs)
    with np.errstate(all="ignore"):
        arrays = array_columns(graph, wiring(graph), given_arrays, seed)
    floats = result.columns
    if floats.floats:  # else a kernel raised (x / 0) and the array path ran: nothing to compare
        for column in ("values", "grads", "local", "downstream"):
            got, expected = getattr(floats, column), getattr(arrays, column)
            assert list(map(_bits, got)) == list(map(_bits, expected)), (column, source, inputs)
    # the records read the same either way: 0-d float64 arrays
    for node, value, grad in zip(result.nodes, arrays.values, arrays.grads, strict=True):
        assert type(node.value) is np.ndarray and node.value.shape == () and node.value.dtype == np.float64
        assert _bits(node.value) == _bits(value) and _bits(node.grad) == _bits(grad)
    assert {e.local_kind for e in result.edges} <= {"scalar"}
    # and every gradient is Graph.run's, bit for bit: the same terms added in the same order
    _, run_grads = graph.run(inputs, seed, wrt=[n.id for n in graph.nodes])
    for node in result.nodes:
        assert _bits(node.grad) == _bits(run_grads[node.id]), (node.id, source, inputs)


def test_division_by_zero_falls_back_to_arrays_and_keeps_the_infinities():
    graph = parse("q = x / y\nf = q * 2")
    result = evaluate(graph, {"x": 1.0, "y": 0.0})
    assert not result.columns.floats
    assert float(result.node("q").value) == math.inf
    assert math.isnan(float(result.node("y").grad)) or float(result.node("y").grad) == -math.inf


def test_tensor_inputs_and_user_ops_take_the_array_path():
    graph = parse("f = tanh(x) * y")
    assert evaluate(graph, {"x": 0.5, "y": 2.0}).columns.floats
    tensor = evaluate(graph, {"x": [0.5, 1.0], "y": 2.0})
    assert not tensor.columns.floats and tensor.node("f").value.shape == (2,)
    assert float_plan(parse("f = sum(x)")) is None  # sum declares no float kernels


def test_a_fan_out_sums_in_the_backward_pass_order_as_run_does():
    """x feeds three products; their downstream gradients 1, 1e16, −1e16 sum to 1 in the order
    the backward pass meets them (last consumer first) but to 0 in edge order: the trace must
    give run's 1, on the float path and on the array path alike."""
    graph = parse("a = x * 1\nb = x * 1e16\nc = x * -1e16\nf = a + b + c")
    assert (1.0 + 1e16) + -1e16 == 0.0 and (-1e16 + 1e16) + 1.0 == 1.0
    for x in (1.0, [1.0, 2.0]):
        result = evaluate(graph, {"x": x})
        _, grads = graph.run({"x": x})
        np.testing.assert_array_equal(result.node("x").grad, grads["x"])
        np.testing.assert_array_equal(result.node("x").grad, np.ones(np.shape(x)))
        (accumulate,) = [s for s in result.steps if s.phase == "accumulate"]
        assert [float(np.ravel(t)[0]) for t in accumulate.terms] == [1.0, 1e16, -1e16]  # in edge order
        np.testing.assert_array_equal(accumulate.grad, grads["x"])


def test_the_trace_carries_non_finite_values_and_restores_the_callers_error_state():
    graph = parse("a = log(x)\nb = exp(a * 1000)\nf = b / y")
    with np.errstate(all="raise"):
        for x in (0.0, [0.0, 2.0]):  # the float path, then the array path
            result = evaluate(graph, {"x": x, "y": 0.0})
            assert np.isneginf(np.ravel(result.node("a").value)[0])
            assert np.geterr() == {"divide": "raise", "over": "raise", "under": "raise", "invalid": "raise"}
        assert evaluate(graph, {"x": 2.0, "y": 0.0}).columns.floats is False  # b / 0 raised in floats
