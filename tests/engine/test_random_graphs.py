"""Property tests: random DAGs of random ops on random scalar and small-tensor inputs, away from kinks."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine import OPS_BY_NAME, evaluate, gradcheck, parse
from tests.engine.finite_differences import numeric_gradients

SHAPES = [(), (3,), (2, 3)]  # all mutually broadcastable
UNARY = [
    "neg",
    "exp",
    "tanh",
    "sigmoid",
    "relu",
    "abs",
    "hardtanh",
    "leaky_relu",
    "log",
    "sqrt",
    "sum",
    "mean",
    "softmax",
    "square",
]
BINARY = ["add", "sub", "mul", "div", "max", "min", "hinge", "dot", "mse"]
OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
MARGIN = 1e-3  # distance kept from every kink and domain edge; the finite differences use h = 1e-6


def _fits(op: str, args: list[np.ndarray]) -> bool:
    """Is this op on these values well away from its kinks and its domain's edges?"""
    a = args[0]
    b = args[1] if len(args) > 1 else None
    with np.errstate(all="ignore"):
        checks = {
            "relu": lambda: np.abs(a),
            "abs": lambda: np.abs(a),
            "leaky_relu": lambda: np.abs(a),
            "hardtanh": lambda: np.abs(np.abs(a) - 1.0),
            "log": lambda: a - 0.05,
            "sqrt": lambda: a - 0.05,
            "div": lambda: np.abs(b) - 0.1,
            "max": lambda: np.abs(a - b),
            "min": lambda: np.abs(a - b),
            "hinge": lambda: np.abs(1.0 - a + b),
        }
        return op not in checks or bool(np.all(checks[op]() > MARGIN))


def _value(op: str, args: list[np.ndarray]) -> np.ndarray:
    with np.errstate(all="ignore"):
        if op == "square":
            return args[0] ** 2
        return np.asarray(OPS_BY_NAME[op].forward(*args, **dict(OPS_BY_NAME[op].attrs)))  # default attrs


def _text(op: str, names: list[str]) -> str:
    if op == "square":
        return f"{names[0]} ** 2"
    if op == "neg":
        return f"-{names[0]}"
    if op in OPERATORS:
        return f"{names[0]} {OPERATORS[op]} {names[1]}"
    return f"{op}({', '.join(names)})"


@st.composite
def random_graphs(draw: st.DrawFn) -> tuple[str, dict[str, np.ndarray]]:
    """Source text and inputs; each new node picks an op and earlier nodes, falling back to tanh
    when the pick would sit near a kink, leave the domain or blow up."""
    inputs: dict[str, np.ndarray] = {}
    values: list[tuple[str, np.ndarray]] = []
    for i in range(draw(st.integers(1, 3))):
        shape = draw(st.sampled_from(SHAPES))
        array = draw(hnp.arrays(np.float64, shape, elements=st.floats(-2.0, 2.0, allow_subnormal=False)))
        inputs[f"x{i}"] = np.array(array)
        values.append((f"x{i}", inputs[f"x{i}"]))
    lines = []
    for k in range(draw(st.integers(1, 7))):
        op = draw(st.sampled_from(UNARY + BINARY))
        arity = 2 if op in BINARY else 1
        picks = [values[draw(st.integers(0, len(values) - 1))] for _ in range(arity)]
        args = [value for _, value in picks]
        ok = _fits(op, args) and (op != "dot" or args[0].shape == args[1].shape)
        result = _value(op, args) if ok else None
        if result is None or not np.all(np.isfinite(result)) or np.max(np.abs(result), initial=0) > 50:
            op, picks = "tanh", picks[:1]
            result = _value(op, [picks[0][1]])
        lines.append(f"n{k} = {_text(op, [name for name, _ in picks])}")
        values.append((f"n{k}", result))
    used = {name for name in inputs if any(name in line.split(" = ")[1] for line in lines)}
    return "\n".join(lines), {name: value for name, value in inputs.items() if name in used}


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(random_graphs())
def test_gradcheck_passes_on_random_graphs(case):
    source, inputs = case
    graph = parse(source)
    result = gradcheck(graph, inputs)
    assert result.passed, (source, inputs, result.max_relative_error)
    output = graph.index[graph.output]
    expected = numeric_gradients(lambda **point: graph.forward(point)[output], inputs)
    _, grads = graph.run(inputs)
    for name in inputs:
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-5, atol=1e-6, err_msg=source)


@PROPERTY
@given(random_graphs())
def test_trace_agrees_with_run_and_replays(case):
    source, inputs = case
    graph = parse(source)
    values, grads = graph.run(inputs, wrt=[n.id for n in graph.nodes])
    result = evaluate(graph, inputs)
    for node in result.nodes:
        np.testing.assert_array_equal(node.value, values[node.id])
        np.testing.assert_array_equal(node.grad, grads[node.id], err_msg=node.id)  # the same sums, in order
        assert node.grad.shape == node.value.shape

    fan_out = sum(1 for consumers in graph.consumers if len(consumers) > 1)
    accumulates = [s for s in result.steps if s.phase == "accumulate"]
    assert len(accumulates) == fan_out
    assert len(result.steps) == 2 * len(result.nodes) + len(accumulates)
    assert [s.index for s in result.steps] == list(range(len(result.steps)))
    for step in accumulates:  # the sum is of the downstream gradients on the outgoing edges
        np.testing.assert_allclose(step.grad, sum(step.terms[1:], step.terms[0]), rtol=1e-14)

    last = result.snapshot(len(result.steps) - 1)
    for node in result.nodes:
        np.testing.assert_array_equal(last.values[node.id], node.value)
        np.testing.assert_array_equal(last.grads[node.id], node.grad)
    for edge in result.edges:
        state = last.edges[edge.id]
        assert state["value"] is edge.value and state["upstream"] is edge.upstream
        assert state["downstream"] is edge.downstream and state["local"] is edge.local

    forward_done = result.snapshot(len(result.nodes) - 1)
    assert all(g is None for g in forward_done.grads.values())
    assert all(v is not None for v in forward_done.values.values())
