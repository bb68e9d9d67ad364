"""Every op's gradient against central finite differences, twice over; zero upstream; shapes."""

from __future__ import annotations

import numpy as np
import pytest

from engine import OPS, evaluate, gradcheck, parse
from engine.errors import EngineError
from tests.engine.finite_differences import numeric_gradients
from tests.engine.op_cases import CASES, RNG, Case

pytestmark = pytest.mark.filterwarnings("error")  # the engine must silence numpy's own warnings


def _seed_for(case: Case) -> np.ndarray:
    """A random upstream gradient of the output's shape, so every row of the VJP is exercised."""
    shape = np.shape(case.reference(**case.inputs))
    return np.asarray(RNG.uniform(0.5, 1.5, size=shape) * RNG.choice([-1.0, 1.0], size=shape))


@pytest.fixture(params=CASES, ids=[c.id for c in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


def test_every_op_is_covered():
    covered = {node.op.name for c in CASES for node in parse(c.source).nodes if node.op is not None}
    assert covered == {op.name for op in OPS}


def test_forward_matches_reference(case: Case):
    values, _ = parse(case.source).run(case.inputs)
    np.testing.assert_allclose(values["f"], case.reference(**case.inputs), rtol=1e-12, atol=1e-12)


def test_gradcheck_passes(case: Case):
    seed = _seed_for(case)
    result = gradcheck(parse(case.source), case.inputs, seed=seed, wrt=case.differentiated)
    assert result.passed, result
    assert result.max_relative_error < 1e-6


def test_matches_independent_finite_differences(case: Case):
    seed = _seed_for(case)
    graph = parse(case.source)
    _, grads = graph.run(case.inputs, seed=seed, wrt=case.differentiated)
    expected = numeric_gradients(case.reference, case.inputs, seed, case.differentiated)
    for name in case.differentiated:
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-6, atol=1e-8, err_msg=name)


def test_trace_gradients_equal_fast_path(case: Case):
    seed = _seed_for(case)
    graph = parse(case.source)
    _, grads = graph.run(case.inputs, seed=seed)
    result = evaluate(graph, case.inputs, seed)
    for name in case.differentiated:
        np.testing.assert_allclose(result.node(name).grad, grads[name], rtol=1e-13, atol=0)


def test_gradient_shapes_equal_value_shapes(case: Case):
    seed = _seed_for(case)
    result = evaluate(parse(case.source), case.inputs, seed)
    for node in result.nodes:
        assert node.grad.shape == node.value.shape, node.id
        assert node.grad.dtype == np.float64 and node.value.dtype == np.float64
    by_id = {n.id: n for n in result.nodes}
    for edge in result.edges:
        assert edge.downstream.shape == by_id[edge.source].value.shape
        assert edge.upstream.shape == by_id[edge.target].value.shape
    _, grads = parse(case.source).run(case.inputs, seed=seed)
    for name, value in case.inputs.items():
        assert grads[name].shape == np.shape(value)


def test_zero_upstream_gives_zero_downstream(case: Case):
    graph = parse(case.source)
    zero = np.zeros(np.shape(case.reference(**case.inputs)))
    _, grads = graph.run(case.inputs, seed=zero)
    for name, grad in grads.items():
        assert np.all(grad == 0.0), name
    result = evaluate(graph, case.inputs, zero)
    for edge in result.edges:
        if edge.source in case.differentiated or result.node(edge.source).kind == "op":
            assert np.all(edge.downstream == 0.0), edge.id


def test_gradients_are_writable_and_not_shared(case: Case):
    """An optimiser may update a gradient in place; that must not touch another one."""
    _, grads = parse(case.source).run(case.inputs, wrt=tuple(case.inputs))
    arrays = list(grads.values())
    for grad in arrays:
        assert grad.flags.writeable
    for i, first in enumerate(arrays):
        for second in arrays[i + 1 :]:
            assert not np.shares_memory(first, second)


@pytest.mark.parametrize(
    ("logits", "k", "message"),
    [
        ([[1.0, 2.0], [0.5, 0.0]], [0.0, 2.0], "class index out of range 0…1"),
        ([[1.0, 2.0], [0.5, 0.0]], [-1.0, 1.0], "class index out of range 0…1"),
        ([[1.0, 2.0], [0.5, 0.0]], [1.0, 0.5], "class indices must be whole numbers"),
        ([[1.0, 2.0], [0.5, 0.0]], [float("nan"), 2.0], "class indices must be whole numbers"),
        ([[1.0, 2.0], [0.5, 0.0]], [0.0, float("inf")], "class indices must be whole numbers"),
        ([1.0, 2.0, 3.0], 3.0, "class index out of range 0…2"),
    ],
)
def test_cross_entropy_names_a_bad_class_index(logits, k, message):
    """Whole numbers are checked before the range, whichever of the rows is at fault."""
    with pytest.raises(EngineError) as error:
        parse("f = cross_entropy(z, k)").run({"z": logits, "k": k})
    assert error.value.code == "invalid_value"
    assert message in str(error.value)


def test_cross_entropy_takes_every_index_in_range():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [2.0, 2.0, 2.0]])
    k = np.array([2.0, 0.0, 1.0])
    expected = -np.mean(np.log(np.exp(z[[0, 1, 2], [2, 0, 1]]) / np.exp(z).sum(axis=1)))
    values, _ = parse("f = cross_entropy(z, k)").run({"z": z, "k": k})
    assert float(values["f"]) == pytest.approx(expected, rel=1e-15)
