"""User gates plug in like built-in ops; non-finite values are carried, never raised."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import EngineError, Gate, Var, evaluate, gradcheck, parse


class MultiplyGate(Gate):
    """The notes' gate: forward stores its inputs, backward(upstream) returns one gradient per input."""

    symbol = "×"

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, upstream):
        return [upstream * self.y, upstream * self.x]


class WrongMultiplyGate(MultiplyGate):
    def backward(self, upstream):
        return [upstream * self.x, upstream * self.y]  # swapped: wrong unless x == y


class PlainSquare:
    """Not a Gate subclass: any object with forward and backward works."""

    name = "square"
    formulas = ("2·{a}",)

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, upstream):
        return [2 * upstream * self.x]


def test_gate_via_builder_matches_the_lecture_numbers():
    x, y, z = Var("x", -2.0), Var("y", 5.0), Var("z", -4.0)
    q = (x + y).named("q")
    f = MultiplyGate()(q, z).named("f")
    result = f.evaluate()
    assert {n.id: float(n.grad) for n in result.nodes} == {"x": -4, "y": -4, "z": 3, "q": -4, "f": 1}
    assert result.node("f").symbol == "×"
    edge = result.edge("q", "f")
    assert (float(edge.upstream), float(edge.downstream)) == (1.0, -4.0)
    assert edge.local_kind == "scalar" and float(edge.local) == -4.0
    assert gradcheck(f.graph()).passed


def test_gate_via_parser_passes_gradcheck_on_tensors():
    graph = parse("q = x + y; f = sum(mul(q, z))", gates={"mul": MultiplyGate()})
    inputs = {"x": [1.0, -2.0, 0.5], "y": [0.25, 3.0, -1.0], "z": [2.0, 0.5, -3.0]}
    check = gradcheck(graph, inputs)
    assert check.passed and check.max_relative_error < 1e-8
    _, grads = graph.run(inputs)
    np.testing.assert_allclose(grads["z"], np.add(inputs["x"], inputs["y"]))


def test_gate_broadcasts_and_is_unbroadcast():
    graph = parse("f = sum(mul(v, s))", gates={"mul": MultiplyGate()})
    inputs = {"v": [1.0, 2.0, 3.0], "s": 2.0}
    _, grads = graph.run(inputs)
    assert grads["s"].shape == () and float(grads["s"]) == 6.0
    assert gradcheck(graph, inputs).passed


def test_wrong_backward_fails_gradcheck_and_names_the_input():
    graph = parse("f = mul(x, y)", gates={"mul": WrongMultiplyGate()})
    check = gradcheck(graph, {"x": 3.0, "y": -2.0})
    assert not check.passed
    assert check.inputs["x"].relative_error > 0.5 and check.inputs["y"].relative_error > 0.5
    assert float(check.inputs["x"].analytic) == 3.0 and float(check.inputs["x"].numeric) == pytest.approx(
        -2.0
    )


def test_plain_object_gate_and_its_formula():
    graph = parse("f = square(x) + 1", gates={"square": PlainSquare()})
    result = evaluate(graph, {"x": 3.0})
    assert float(result.node("x").grad) == 6.0
    assert result.edge("x", "#0").formula == "∂square(x)/∂x = 2·x"
    assert gradcheck(graph, {"x": 3.0}).passed


def test_gate_formula_with_unknown_placeholder_is_kept():
    class Odd(PlainSquare):
        formulas = ("2·{x}",)

    result = evaluate(parse("f = odd(x)", gates={"odd": Odd()}), {"x": 1.0})
    assert result.edge("x", "f").formula.endswith("2·{x}")


def test_gate_with_wrong_number_of_gradients_is_an_engine_error():
    class Short(MultiplyGate):
        def backward(self, upstream):
            return [upstream * self.y]

    with pytest.raises(EngineError) as caught:
        parse("f = mul(x, y)", gates={"mul": Short()}).run({"x": 1.0, "y": 2.0})
    assert caught.value.code == "invalid_gate"


def test_gate_with_a_gradient_of_the_wrong_shape_is_an_engine_error():
    class Shapeless(MultiplyGate):
        def backward(self, upstream):
            return [np.ones(5), upstream * self.x]

    with pytest.raises(EngineError) as caught:
        parse("f = sum(mul(x, y))", gates={"mul": Shapeless()}).run({"x": [1.0, 2.0], "y": [2.0, 1.0]})
    assert caught.value.code == "invalid_gradient"


@pytest.mark.parametrize(
    ("source", "inputs", "value"),
    [
        ("f = log(x)", {"x": 0.0}, -math.inf),
        ("f = x / y", {"x": 0.0, "y": 0.0}, math.nan),
        ("f = exp(x)", {"x": 1000.0}, math.inf),
        ("f = sqrt(x)", {"x": -1.0}, math.nan),
        ("f = x ** 0.5", {"x": -4.0}, math.nan),
        ("f = sigmoid(x)", {"x": -1000.0}, 0.0),
        ("f = tanh(exp(x))", {"x": 1000.0}, 1.0),
    ],
)
def test_non_finite_values_are_carried(source: str, inputs: dict, value: float, recwarn):
    graph = parse(source)
    values, grads = graph.run(inputs)
    result = evaluate(graph, inputs)
    for got in (float(values["f"]), float(result.node("f").value)):
        assert (math.isnan(got) and math.isnan(value)) or got == value
    assert all(np.shape(g) == () for g in grads.values())
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_nan_flows_through_the_whole_trace():
    result = evaluate(parse("a = log(x); b = a * y; f = max(b, z)"), {"x": -1.0, "y": 2.0, "z": 0.0})
    assert math.isnan(float(result.node("f").value))
    assert len(result.steps) == 2 * len(result.nodes)


def test_gate_class_is_accepted_and_named_after_itself():
    result = evaluate(parse("f = mul(x, y)", gates={"mul": MultiplyGate}), {"x": 2.0, "y": 3.0})
    assert result.node("f").op == "MultiplyGate"
    assert float(result.node("x").grad) == 3.0


@pytest.mark.parametrize("broken", ["forward", "backward"])
def test_gate_raising_is_an_engine_error_with_position(broken: str):
    class Broken(MultiplyGate):
        def forward(self, x, y):
            if broken == "forward":
                raise ZeroDivisionError("oops")
            return super().forward(x, y)

        def backward(self, upstream):
            return [upstream / 0.0, self.missing]

    with pytest.raises(EngineError) as caught:
        parse("a = x + 1\nf = mul(a, y)", gates={"mul": Broken()}).run({"x": 1.0, "y": 2.0})
    assert caught.value.code == "invalid_gate" and broken in caught.value.message
    if broken == "forward":
        assert (caught.value.line, caught.value.column) == (2, 5)


def test_gradients_with_respect_to_intermediate_nodes():
    graph = parse("a = x + y; b = max(y, z); f = a * b")
    _, grads = graph.run({"x": 1, "y": 2, "z": 0}, wrt=["a", "b", "y"])
    assert {k: float(v) for k, v in grads.items()} == {"a": 2.0, "b": 3.0, "y": 5.0}


def test_output_before_the_end_gives_later_nodes_zero_gradient():
    graph = parse("a = x * y; b = a + x; c = b * 2", output="a")
    result = evaluate(graph, {"x": 3.0, "y": 4.0})
    assert {n.id: float(n.grad) for n in result.nodes} == {
        "x": 4.0,
        "y": 3.0,
        "a": 1.0,
        "#2": 0.0,
        "b": 0.0,
        "c": 0.0,
    }
    _, grads = graph.run({"x": 3.0, "y": 4.0})
    assert {k: float(v) for k, v in grads.items()} == {"x": 4.0, "y": 3.0}
    accumulates = sum(1 for s in result.steps if s.phase == "accumulate")
    assert len(result.steps) == 2 * len(result.nodes) + accumulates


def test_seed_gradient_is_checked_and_used():
    graph = parse("f = 2 * v")
    _, grads = graph.run({"v": [1.0, 2.0]}, seed=[3.0, -1.0])
    np.testing.assert_array_equal(grads["v"], [6.0, -2.0])
    with pytest.raises(EngineError) as caught:
        graph.run({"v": [1.0, 2.0]}, seed=[1.0, 2.0, 3.0])
    assert caught.value.code == "shape_mismatch" and "seed_gradient" in caught.value.message


def test_gradcheck_reports_rather_than_raises_on_non_finite_values(recwarn):
    result = gradcheck(parse("f = sum(x * y)"), {"x": np.inf, "y": [0.0, 1.0, 2.0]})
    assert not result.passed  # ∞ − ∞ cannot confirm anything
    assert math.isinf(result.max_relative_error)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
