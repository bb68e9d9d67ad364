"""The engine against hand-written numpy (and PyTorch / micrograd when installed), same run, medians.

1. One training step — forward, backward, SGD update — of three MLPs built through the engine
   (source text, parameters as inputs, Graph.run with wrt = the parameters) against the same
   computation written out in numpy. Goals: ≤ 2× on 2-8-8-1 and 2-16-16-1, ≤ 1.15× on 784-128-10.
2. Scalar graphs of 1,000 and 10,000 nodes evaluated with the full trace (engine.trace.evaluate).
   Goal: ≤ 10 µs per node. Printed beside the cost of one 0-d numpy multiply and of one Python
   call measured in the same run, since both set the floor on this kind of work.
3. Parsing at two sizes: the cost per node must not grow with the source.

Times are CPU time of this process (time.process_time), medians over interleaved blocks.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from engine import Limits, Var, evaluate, fn, maximum, parse, seam
from engine.builder import build_graph
from engine.graph import Graph

# CPU time of this process, not wall time: the machine is shared, and time spent waiting for a
# core is not the engine's. Candidates still take turns, so both see the same cache and clock.
CLOCK = time.process_time
LR = 0.05
TANH_MLP = (
    "z1 = X @ W1 + b1; h1 = tanh(z1); z2 = h1 @ W2 + b2; h2 = tanh(z2); p = h2 @ W3 + b3; loss = mse(p, Y)"
)
RELU_SOFTMAX = "z1 = X @ W1 + b1; h = relu(z1); logits = h @ W2 + b2; loss = cross_entropy(logits, y)"


@dataclass
class Net:
    name: str
    sizes: tuple[int, ...]
    batch: int
    goal: float


NETS = [
    Net("2-8-8-1 tanh", (2, 8, 8, 1), 10, 2.0),
    Net("2-16-16-1 tanh", (2, 16, 16, 1), 100, 2.0),
    Net("784-128-10 relu+CE", (784, 128, 10), 64, 1.15),
]


def _parameters(sizes: tuple[int, ...], rng: np.random.Generator) -> dict[str, np.ndarray]:
    params = {}
    for k, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:], strict=False), start=1):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        params[f"W{k}"] = rng.uniform(-bound, bound, size=(fan_in, fan_out))
        params[f"b{k}"] = np.zeros(fan_out)
    return params


def _data(net: Net, rng: np.random.Generator) -> dict[str, np.ndarray]:
    X = rng.normal(size=(net.batch, net.sizes[0]))
    if len(net.sizes) == 4:
        return {"X": X, "Y": rng.normal(size=(net.batch, 1))}
    return {"X": X, "y": rng.integers(0, net.sizes[-1], size=net.batch).astype(np.float64)}


def engine_step(net: Net, params: dict[str, np.ndarray], data: dict[str, np.ndarray]) -> Callable[[], None]:
    graph = parse(TANH_MLP if len(net.sizes) == 4 else RELU_SOFTMAX)
    names = tuple(params)

    def step() -> None:
        _, grads = graph.run({**params, **data}, wrt=names)
        for name in names:
            params[name] -= LR * grads[name]

    return step


def numpy_step(net: Net, params: dict[str, np.ndarray], data: dict[str, np.ndarray]) -> Callable[[], None]:
    p = params
    if len(net.sizes) == 4:
        X, Y = data["X"], data["Y"]

        def step() -> None:
            h1 = np.tanh(X @ p["W1"] + p["b1"])
            h2 = np.tanh(h1 @ p["W2"] + p["b2"])
            out = h2 @ p["W3"] + p["b3"]
            _loss = np.mean((out - Y) ** 2)
            d_out = 2.0 * (out - Y) / out.size
            d_z2 = (d_out @ p["W3"].T) * (1.0 - h2 * h2)
            d_z1 = (d_z2 @ p["W2"].T) * (1.0 - h1 * h1)
            grads = {
                "W1": X.T @ d_z1,
                "b1": d_z1.sum(0),
                "W2": h1.T @ d_z2,
                "b2": d_z2.sum(0),
                "W3": h2.T @ d_out,
                "b3": d_out.sum(0),
            }
            for name, grad in grads.items():
                p[name] -= LR * grad

        return step
    X, index = data["X"], data["y"].astype(np.intp)
    rows = np.arange(len(index))

    def step() -> None:
        z1 = X @ p["W1"] + p["b1"]
        h = np.maximum(z1, 0.0)
        logits = h @ p["W2"] + p["b2"]
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        probs = e / e.sum(axis=1, keepdims=True)
        _loss = -np.mean(np.log(probs[rows, index]))
        probs[rows, index] -= 1.0
        d_logits = probs / len(index)
        d_z1 = (d_logits @ p["W2"].T) * (z1 > 0)
        grads = {"W1": X.T @ d_z1, "b1": d_z1.sum(0), "W2": h.T @ d_logits, "b2": d_logits.sum(0)}
        for name, grad in grads.items():
            p[name] -= LR * grad

    return step


def torch_step(
    net: Net, params: dict[str, np.ndarray], data: dict[str, np.ndarray]
) -> Callable[[], None] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    X = torch.tensor(data["X"])
    target = torch.tensor(data["Y"]) if "Y" in data else torch.tensor(data["y"]).long()

    def step() -> None:
        if len(net.sizes) == 4:
            h1 = torch.tanh(X @ p["W1"] + p["b1"])
            h2 = torch.tanh(h1 @ p["W2"] + p["b2"])
            loss = torch.mean((h2 @ p["W3"] + p["b3"] - target) ** 2)
        else:
            h = torch.relu(X @ p["W1"] + p["b1"])
            loss = torch.nn.functional.cross_entropy(h @ p["W2"] + p["b2"], target)
        loss.backward()
        with torch.no_grad():
            for tensor in p.values():
                tensor -= LR * tensor.grad
                tensor.grad = None

    return step


def interleaved_medians(steps: dict[str, Callable[[], None]], budget: float = 0.4) -> dict[str, float]:
    """Seconds per call, the median over blocks, the candidates taking turns block by block."""
    for step in steps.values():
        step()  # warm up
    start = CLOCK()
    next(iter(steps.values()))()
    once = max(CLOCK() - start, 1e-7)
    per_block = max(1, int(0.004 / once))
    blocks = max(7, int(budget / (once * per_block * len(steps))))
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(blocks):
        for name, step in steps.items():
            start = CLOCK()
            for _ in range(per_block):
                step()
            samples[name].append((CLOCK() - start) / per_block)
    return {name: statistics.median(times) for name, times in samples.items()}


def bench_mlps() -> None:
    print("MLP training step (forward + backward + SGD), median per step; ratio = engine / numpy")
    header = f"{'net':<20}{'batch':>6}{'numpy µs':>11}{'engine µs':>11}{'ratio':>8}{'goal':>7}"
    torch_available = (
        torch_step(
            NETS[0],
            _parameters(NETS[0].sizes, np.random.default_rng(0)),
            _data(NETS[0], np.random.default_rng(0)),
        )
        is not None
    )
    print(header + (f"{'torch µs':>11}{'eng/torch':>10}" if torch_available else ""))
    for net in NETS:
        rng = np.random.default_rng(1)
        data = _data(net, rng)
        base = _parameters(net.sizes, rng)
        steps = {
            "numpy": numpy_step(net, {k: v.copy() for k, v in base.items()}, data),
            "engine": engine_step(net, {k: v.copy() for k, v in base.items()}, data),
        }
        maybe_torch = torch_step(net, base, data)
        if maybe_torch is not None:
            steps["torch"] = maybe_torch
        budget = 1.5 if net.sizes[0] > 100 else 0.6
        times = interleaved_medians(steps, budget)
        ratio = times["engine"] / times["numpy"]
        verdict = "ok" if ratio <= net.goal else "MISS"
        line = (
            f"{net.name:<20}{net.batch:>6}{times['numpy'] * 1e6:>11.1f}{times['engine'] * 1e6:>11.1f}"
            f"{ratio:>7.2f}×{'≤' + str(net.goal):>7} {verdict}"
        )
        if "torch" in times:
            line += f"{times['torch'] * 1e6:>11.1f}{times['engine'] / times['torch']:>9.2f}×"
        print(line)


def scalar_graph(nodes: int, seed: int = 0):
    """A random scalar DAG: 10 inputs, then binary and unary ops on recent and far-back nodes."""
    rng = np.random.default_rng(seed)
    exprs = [Var(f"x{i}") for i in range(10)]
    inputs = {f"x{i}": float(rng.uniform(-1, 1)) for i in range(10)}
    binary = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, maximum]
    unary = [fn.tanh, fn.sigmoid, fn.relu]
    unused = list(exprs)  # every node must reach the output, so each is consumed at least once
    while len(exprs) < nodes or len(unused) > 1:
        a = unused.pop(0) if unused else exprs[-1 - int(rng.integers(0, min(len(exprs), 8)))]
        if rng.uniform() < 0.6 or len(exprs) >= nodes:
            b = unused.pop(0) if unused and len(exprs) >= nodes else exprs[int(rng.integers(0, len(exprs)))]
            exprs.append(binary[int(rng.integers(len(binary)))](a, b))
        else:
            exprs.append(unary[int(rng.integers(len(unary)))](a))
        unused.append(exprs[-1])
    graph = build_graph(exprs[-1])
    return graph, {name: inputs[name] for name in graph.input_names}


def numpy_scalar_op_seconds() -> float:
    """The cost of one numpy multiply of two 0-d arrays on this machine, now: the unit of the trace."""
    a, b = np.asarray(1.5), np.asarray(0.5)
    samples = []
    for _ in range(21):
        start = CLOCK()
        for _ in range(2000):
            a * b
        samples.append((CLOCK() - start) / 2000)
    return statistics.median(samples)


def python_call_seconds() -> float:
    """The cost of one trivial Python function call here: the trace is mostly Python."""

    def nothing(a: int) -> int:
        return a

    samples = []
    for _ in range(11):
        start = CLOCK()
        for i in range(20_000):
            nothing(i)
        samples.append((CLOCK() - start) / 20_000)
    return statistics.median(samples)


def bench_trace() -> None:
    print("Scalar graphs evaluated with the full trace (engine.trace.evaluate), median of runs.")
    print("evaluate computes every number of the trace (each node's value and gradient, each edge's")
    print("local and downstream gradient); cold: a fresh Graph, so it derives its per-graph tables, as")
    print("on each API request; warm: the same Graph again. Then, per node, what reading the trace costs:")
    print("records: the NodeRecord/EdgeRecord/Step objects, built on first read (cold: with the ids and")
    print("formulas); document: the API's JSON text of the trace (app.serialize.document + dumps).")
    print("unit: one numpy 0-d multiply, measured now.")
    from app.serialize import document, dumps  # the API's own serialiser

    print(
        f"{'nodes':>7}{'edges':>8}{'steps':>8}{'cold µs/node':>14}{'warm µs/node':>14}{'units/node':>12}"
        f"{'goal':>6}{'records cold/warm':>20}{'document cold/warm':>21}"
    )
    for size in (1_000, 10_000):
        graph, inputs = scalar_graph(size)
        times: dict[str, list[float]] = {k: [] for k in ("cold", "warm", "records", "again", "doc", "doc2")}
        for _ in range(5 if size <= 1_000 else 3):
            fresh = Graph(graph.nodes, graph.output, graph.defaults)
            result = _timed(times["cold"], evaluate, fresh, inputs)
            _timed(times["records"], lambda r=result: (r.nodes, r.edges, r.steps))
            again = _timed(times["warm"], evaluate, fresh, inputs)
            _timed(times["again"], lambda r=again: (r.nodes, r.edges, r.steps))
            other = Graph(graph.nodes, graph.output, graph.defaults)
            _timed(times["doc"], lambda g=other, x=inputs: dumps(document(evaluate(g, x))))
            _timed(times["doc2"], lambda g=other, x=inputs: dumps(document(evaluate(g, x))))
        unit = numpy_scalar_op_seconds()
        per_node = {k: statistics.median(v) / len(graph) * 1e6 for k, v in times.items()}
        verdict = "ok" if per_node["cold"] <= 10 else "MISS"
        print(
            f"{len(graph):>7}{len(result.edges):>8}{len(result.steps):>8}{per_node['cold']:>14.2f}"
            f"{per_node['warm']:>14.2f}{per_node['cold'] / (unit * 1e6):>12.1f}{'≤10':>6} {verdict:<4}"
            f"{per_node['records']:>9.2f} / {per_node['again']:<6.2f}{per_node['doc']:>11.2f} / {per_node['doc2']:<6.2f}"
        )
    call = python_call_seconds()
    print(f"unit now: {unit * 1e6:.2f} µs; one trivial Python call here: {call * 1e9:.0f} ns")


def _timed(samples: list[float], function, *args):
    start = CLOCK()
    result = function(*args)
    samples.append(CLOCK() - start)
    return result


def relu_graph_ops(nodes: int, seed: int = 1) -> list[tuple]:
    """A random scalar DAG of the ops micrograd 0.1.0 has (+, ×, −, relu), as a list of
    (op, argument indices); 10 inputs first. Each node is consumed, so all reach the output."""
    rng = np.random.default_rng(seed)
    ops: list[tuple] = [("input", ()) for _ in range(10)]
    unused = list(range(10))
    while len(ops) < nodes or len(unused) > 1:
        a = unused.pop(0) if unused else len(ops) - 1 - int(rng.integers(0, min(len(ops), 8)))
        if rng.uniform() < 0.7 or len(ops) >= nodes:
            b = unused.pop(0) if unused and len(ops) >= nodes else int(rng.integers(0, len(ops)))
            ops.append((("add", "mul", "sub")[int(rng.integers(3))], (a, b)))
        else:
            ops.append(("relu", (a,)))
        unused.append(len(ops) - 1)
    return ops


def _build(ops: list[tuple], leaf: Callable, relu: Callable) -> list:
    values: list = []
    for op, args in ops:
        if op == "input":
            values.append(leaf(len(values)))
        elif op == "relu":
            values.append(relu(values[args[0]]))
        else:
            a, b = values[args[0]], values[args[1]]
            values.append(a + b if op == "add" else a * b if op == "mul" else a - b)
    return values


def _micrograd_leaf(value_type: type, x: list[float], k: int) -> object:
    return value_type(x[k])


def _chainrule_leaf(k: int) -> Var:
    return Var(f"x{k}")


def bench_micrograd() -> None:
    """The same scalar graphs through micrograd, whose forward pass builds the graph as it goes."""
    try:
        from micrograd.engine import Value
    except ImportError:
        print("micrograd is not installed (pip install micrograd==0.1.0, in the bench extra): no column")
        return
    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))  # micrograd's topological sort recurses
    print("The same kind of scalar graph (+, ×, −, relu: the ops micrograd 0.1.0 has), median µs per node.")
    print("micrograd: forward (building its Values) and backward — gradients only, no trace;")
    print("chainrule from scratch: Var expressions, build_graph and the full trace (engine.trace.evaluate);")
    print("chainrule trace: evaluate on the built graph, new inputs (as the API's cache and the page do),")
    print("with the fast path (engine/fast/) and with the reference alone (engine.autograd, records built).")
    print(
        f"{'nodes':>7}{'micrograd':>11}{'chainrule from scratch':>24}{'ratio':>7}{'trace, fast':>13}{'ratio':>7}"
        f"{'trace, reference':>18}{'ratio':>7}"
    )
    rng = np.random.default_rng(2)
    for size in (1_000, 10_000):
        ops = relu_graph_ops(size)
        inputs = {f"x{i}": float(rng.uniform(-1, 1)) for i in range(10)}
        x = list(inputs.values())
        times: dict[str, list[float]] = {"micrograd": [], "scratch": [], "trace": [], "reference": []}

        def micrograd_pass(ops: list[tuple] = ops, x: list[float] = x) -> None:
            _build(ops, partial(_micrograd_leaf, Value, x), Value.relu)[-1].backward()

        def chainrule_pass(ops: list[tuple] = ops, inputs: dict = inputs) -> Graph:
            graph = build_graph(_build(ops, _chainrule_leaf, fn.relu)[-1])
            evaluate(graph, inputs)
            return graph

        graph = chainrule_pass()
        for _ in range(5 if size <= 1_000 else 3):
            _timed(times["micrograd"], micrograd_pass)
            _timed(times["scratch"], chainrule_pass)
            _timed(times["trace"], evaluate, graph, {k: -v for k, v in inputs.items()})
            previous = seam.use_fast(False)
            try:
                _timed(times["reference"], evaluate, graph, {k: -v for k, v in inputs.items()})
            finally:
                seam.use_fast(previous)
        per = {k: statistics.median(v) / len(ops) * 1e6 for k, v in times.items()}
        print(
            f"{len(ops):>7}{per['micrograd']:>11.2f}{per['scratch']:>24.2f}{per['scratch'] / per['micrograd']:>6.2f}×"
            f"{per['trace']:>13.2f}{per['trace'] / per['micrograd']:>6.2f}×"
            f"{per['reference']:>18.2f}{per['reference'] / per['micrograd']:>6.2f}×"
        )


def bench_parse() -> None:
    """Parsing must stay linear in the source: per-node cost at two sizes should match."""
    print("Parsing (engine.parse), median of runs; µs per node should not grow with the size")
    print(f"{'statements':>11}{'nodes':>7}{'total ms':>10}{'µs/node':>9}")
    for statements in (200, 1_900):
        source = "\n".join(
            f"a{i} = tanh(x * {i % 7 + 1}) + a{i - 1}" if i else "a0 = x * 2" for i in range(statements)
        )
        source = source[: 20_000 - 40]
        source = source[: source.rfind("\n")]
        runs = []
        for _ in range(5):
            start = CLOCK()
            graph = parse(source, limits=Limits(max_nodes=10_000))
            runs.append(CLOCK() - start)
        total = statistics.median(runs)
        lines = source.count("\n") + 1
        print(f"{lines:>11}{len(graph):>7}{total * 1e3:>10.1f}{total / len(graph) * 1e6:>9.1f}")


def main() -> None:
    bench_mlps()
    print()
    bench_trace()
    print()
    bench_micrograd()
    print()
    bench_parse()


if __name__ == "__main__":
    main()
