"""The lecture example, number by number: x=1, y=2, z=0, a=x+y, b=max(y,z), f=a·b."""

import numpy as np
import pytest

from engine import Var, evaluate, maximum, parse

LECTURE = "a = x + y; b = max(y, z); f = a * b"
INPUTS = {"x": 1, "y": 2, "z": 0}


@pytest.fixture
def lecture():
    return evaluate(parse(LECTURE), INPUTS)


def test_forward_values(lecture):
    values = {n.id: float(n.value) for n in lecture.nodes}
    assert values == {"x": 1, "y": 2, "z": 0, "a": 3, "b": 2, "f": 6}


def test_gradients(lecture):
    grads = {n.id: float(n.grad) for n in lecture.nodes}
    assert grads == {"f": 1, "a": 2, "b": 3, "x": 2, "y": 5, "z": 0}


@pytest.mark.parametrize(
    ("source", "target", "value", "local", "upstream", "downstream"),
    [
        ("x", "a", 1, 1, 2, 2),
        ("y", "a", 2, 1, 2, 2),
        ("y", "b", 2, 1, 3, 3),
        ("z", "b", 0, 0, 3, 0),
        ("a", "f", 3, 2, 1, 2),
        ("b", "f", 2, 3, 1, 3),
    ],
)
def test_every_edge(lecture, source, target, value, local, upstream, downstream):
    edge = lecture.edge(source, target)
    assert edge.local_kind == "scalar"
    assert (float(edge.value), float(edge.local), float(edge.upstream), float(edge.downstream)) == (
        value,
        local,
        upstream,
        downstream,
    )


def test_fan_out_is_one_accumulate_step(lecture):
    accumulates = [s for s in lecture.steps if s.phase == "accumulate"]
    assert [s.node for s in accumulates] == ["y"]
    assert [float(t) for t in accumulates[0].terms] == [2.0, 3.0]
    assert float(accumulates[0].grad) == 5.0


def test_steps_forward_then_backward(lecture):
    phases = [(s.phase, s.node) for s in lecture.steps]
    assert phases[:6] == [("forward", n) for n in ["x", "y", "z", "a", "b", "f"]]
    assert phases[6:] == [
        ("backward", "f"),
        ("backward", "b"),
        ("backward", "a"),
        ("backward", "z"),
        ("backward", "y"),
        ("accumulate", "y"),
        ("backward", "x"),
    ]
    assert [s.index for s in lecture.steps] == list(range(13))


def test_snapshot_shows_only_what_is_reached(lecture):
    after_forward = lecture.snapshot(5)
    assert float(after_forward.values["f"]) == 6
    assert all(g is None for g in after_forward.grads.values())
    middle = lecture.snapshot(7)  # f and b reached
    assert {k for k, g in middle.grads.items() if g is not None} == {"f", "b"}
    before_sum = lecture.snapshot(10)
    assert before_sum.grads["y"] is None
    assert float(before_sum.edges["e2"]["downstream"]) == 3
    final = lecture.snapshot(len(lecture.steps) - 1)
    assert float(final.grads["y"]) == 5
    assert lecture.snapshot(2).values["a"] is None


def test_builder_gives_the_same_graph():
    x, y, z = Var("x", 1.0), Var("y", 2.0), Var("z", 0.0)
    f = ((x + y).named("a") * maximum(y, z).named("b")).named("f")
    result = f.evaluate()
    assert [n.id for n in result.nodes] == ["x", "y", "z", "a", "b", "f"]
    assert {n.id: float(n.grad) for n in result.nodes} == {"x": 2, "y": 5, "z": 0, "a": 2, "b": 3, "f": 1}


def test_max_tie_splits_the_gradient_evenly_as_torch_maximum():
    result = evaluate(parse("f = max(y, z)"), {"y": 2, "z": 2})
    assert float(result.node("y").grad) == 0.5
    assert float(result.node("z").grad) == 0.5


def test_fast_run_matches_trace():
    values, grads = parse(LECTURE).run(INPUTS)
    assert float(values["f"]) == 6
    assert {k: float(v) for k, v in grads.items()} == {"x": 2, "y": 5, "z": 0}
    assert np.asarray(grads["y"]).shape == ()
