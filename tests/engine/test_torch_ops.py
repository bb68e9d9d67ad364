"""Every op, kinks included, against PyTorch's autograd (optional: runs where torch is installed).

Each graph is run node by node through torch with each op's torch counterpart, so every case of
tests/engine/op_cases.py — scalars, vectors, broadcasting — and every kink convention is compared
value for value and gradient for gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import OPS, evaluate, parse
from tests.engine.op_cases import CASES

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _cross_entropy(logits, k):
    rows = logits.unsqueeze(0) if logits.ndim == 1 else logits
    return F.cross_entropy(rows, k.reshape(-1).long())


TORCH = {
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "pow": torch.pow,
    "matmul": torch.matmul,
    "neg": torch.neg,
    "max": torch.maximum,
    "min": torch.minimum,
    "exp": torch.exp,
    "log": torch.log,
    "sin": torch.sin,
    "cos": torch.cos,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "hardtanh": F.hardtanh,
    "relu": torch.relu,
    "leaky_relu": lambda a, slope: F.leaky_relu(a, slope),
    "softmax": lambda v: torch.softmax(v, -1) if v.ndim else v / v,
    "sum": lambda a, axis: torch.sum(a) if axis is None else torch.sum(a, int(axis)),
    "mean": lambda a, axis: torch.mean(a) if axis is None else torch.mean(a, int(axis)),
    "logsumexp": lambda v: torch.logsumexp(v, -1),
    "log_softmax": lambda v: torch.log_softmax(v, -1),
    "clamp": lambda a, lo, hi: torch.clamp(a, lo, hi),
    "index": lambda a, index: a[index],
    "dot": lambda a, b: torch.sum(a * b),
    "transpose": lambda a: a.permute(*reversed(range(a.ndim))),
    "mse": lambda a, b: ((a - b) ** 2).mean(),
    "cross_entropy": _cross_entropy,
    "hinge": lambda t, c: torch.relu(1.0 - t + c),  # relu′(0) = 0: no gradient where the margin is met
}


def torch_run(
    source: str, inputs: dict, wrt: tuple[str, ...]
) -> tuple[float | np.ndarray, dict[str, np.ndarray]]:
    graph = parse(source)
    values = {}
    for node, sources in zip(graph.nodes, graph.sources, strict=True):
        if node.kind == "input":
            values[node.id] = torch.tensor(
                np.asarray(inputs[node.id], dtype=np.float64), requires_grad=node.id in wrt
            )
        elif node.kind == "constant":
            values[node.id] = torch.tensor(node.value)
        else:
            args = [values[graph.nodes[s].id] for s in sources]
            values[node.id] = TORCH[node.op.name](*args, **dict(node.attrs))
    out = values[graph.output]
    out.sum().backward()
    grads = {name: values[name].grad.numpy() for name in wrt}
    return out.detach().numpy(), grads


def test_every_op_has_a_torch_counterpart():
    assert set(TORCH) == {op.name for op in OPS}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_op_matches_torch(case):
    value, grads = torch_run(case.source, case.inputs, case.differentiated)
    trace = evaluate(parse(case.source), case.inputs)
    np.testing.assert_allclose(trace.node(trace.output).value, value, rtol=1e-12, atol=1e-14)
    for name in case.differentiated:
        np.testing.assert_allclose(trace.node(name).grad, grads[name], rtol=1e-11, atol=1e-14, err_msg=name)


KINKS = [
    ("f = relu(a)", {"a": 0.0}),
    ("f = abs(a)", {"a": 0.0}),
    ("f = hardtanh(a)", {"a": 1.0}),
    ("f = hardtanh(a)", {"a": -1.0}),
    ("f = leaky_relu(a)", {"a": 0.0}),
    ("f = leaky_relu(a, 0.2)", {"a": 0.0}),
    ("f = max(a, b)", {"a": 2.0, "b": 2.0}),
    ("f = min(a, b)", {"a": 2.0, "b": 2.0}),
    ("f = max(a, b)", {"a": [1.0, 2.0, 3.0], "b": [1.0, 5.0, 0.0]}),
    ("f = x ** 0", {"x": 0.0}),
    ("f = x ** y", {"x": 0.0, "y": 2.0}),
    ("f = x ** y", {"x": 0.0, "y": 0.0}),
    ("f = a / b", {"a": 1e-200, "b": 1e-200}),
    ("f = hinge(t, c)", {"t": 1.0, "c": 0.0}),
    ("f = sqrt(x)", {"x": 0.0}),
    ("f = sigmoid(x)", {"x": -30.0}),
    ("f = clamp(x, -1, 1)", {"x": 1.0}),
    ("f = clamp(x, -1, 1)", {"x": -1.0}),
    ("f = sum(clamp(x, 0, 2))", {"x": [-1.0, 0.0, 1.0, 2.0, 3.0]}),
    ("f = sum(max(x, 1))", {"x": [0.0, 1.0, 2.0]}),
]


@pytest.mark.parametrize(("source", "inputs"), KINKS)
def test_kinks_follow_torch(source, inputs):
    wrt = tuple(inputs)
    value, grads = torch_run(source, inputs, wrt)
    for fast in (True, False):
        from engine import seam

        previous = seam.use_fast(fast)
        try:
            trace = evaluate(parse(source), inputs)
            _, run = parse(source).run(inputs)
        finally:
            seam.use_fast(previous)
        np.testing.assert_allclose(trace.node("f").value, value, rtol=1e-12)
        for name in wrt:
            np.testing.assert_allclose(trace.node(name).grad, grads[name], rtol=1e-12, err_msg=(source, name))
            np.testing.assert_allclose(run[name], grads[name], rtol=1e-12, err_msg=(source, name))
