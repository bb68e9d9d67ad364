"""Unroll a tensor graph into the lecture's scalar gates.

W @ x becomes the products W[i,j]·x[j] and their sums, sum(v) a chain of additions, softmax its
exponentials and one division per element — so a student sees that ∂s/∂W[i,j] = δ[i]·x[j] is the
scalar chain rule applied cell by cell. Each element of a tensor input becomes a scalar input
named in numpy's index notation (`W[0,1]`); each element of a named tensor node keeps the name
with its index (`h[2]`). The scalar graph's gradients equal the tensor graph's, element for
element (up to the order of additions in a sum).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from engine.builder import Const, Expr, Var, apply, build_graph
from engine.errors import EngineError
from engine.graph import Graph
from engine.nodes import CONSTANT, INPUT
from engine.ops import OPS_BY_NAME

UNROLL_MAX_ELEMENTS = 64  # per value: beyond this the drawing would not teach anything
ADD, MUL, DIV, SUB = (OPS_BY_NAME[name] for name in ("add", "mul", "div", "sub"))
EXP, LOG, NEG = (OPS_BY_NAME[name] for name in ("exp", "log", "neg"))


def index_name(name: str, position: tuple[int, ...]) -> str:
    """`W[0,1]`: numpy's index notation, no spaces; a scalar keeps its name."""
    return f"{name}[{','.join(map(str, position))}]" if position else name


def _total(terms: list[Expr]) -> Expr:
    """a + b + c + …, left to right: the sum gates the slide draws."""
    total = terms[0]
    for term in terms[1:]:
        total = apply(ADD, total, term)
    return total


def _grid(shape: tuple[int, ...], make: Callable[[tuple[int, ...]], Expr]) -> np.ndarray:
    grid = np.empty(shape, dtype=object)
    for position in np.ndindex(*shape):
        grid[position] = make(position)
    return grid


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Σⱼ a[…, i, j]·b[…, j, k], one product gate per pair and one sum per output cell."""
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    if a2.ndim > 2 or b2.ndim > 2:
        raise EngineError(
            "not_unrollable",
            "unroll draws matrix products of vectors and matrices only",
            params={"reason": "matmul"},
        )
    out = _grid(
        (a2.shape[0], b2.shape[1]),
        lambda p: _total([apply(MUL, a2[p[0], j], b2[j, p[1]]) for j in range(a2.shape[1])]),
    )
    if a.ndim == 1 and b.ndim == 1:
        return out.reshape(())
    return out.reshape(-1) if a.ndim == 1 or b.ndim == 1 else out


def _elementwise(op, args: list[np.ndarray], attrs: dict) -> np.ndarray:
    broadcast = np.broadcast_arrays(*args)
    return _grid(broadcast[0].shape, lambda p: apply(op, *(arg[p] for arg in broadcast), **attrs))


def _reduce(a: np.ndarray, axis: float | None, mean: bool) -> np.ndarray:
    axes = tuple(range(a.ndim)) if axis is None else (int(axis) % a.ndim,)
    moved = np.moveaxis(a, axes, tuple(range(-len(axes), 0)))
    rows = moved.reshape(moved.shape[: moved.ndim - len(axes)] + (-1,))
    n = rows.shape[-1]
    return _grid(
        rows.shape[:-1], lambda p: (lambda s: apply(DIV, s, float(n)) if mean else s)(_total(list(rows[p])))
    )


def _rows(v: np.ndarray) -> np.ndarray:
    return v.reshape(1, -1) if v.ndim == 1 else v


def _logsumexp_rows(v: np.ndarray) -> list[Expr]:
    return [apply(LOG, _total([apply(EXP, x) for x in row])) for row in _rows(v)]


def _unrolled(op, args: list[np.ndarray], attrs: dict) -> np.ndarray:
    """One tensor op as scalar gates, on object arrays of Exprs."""
    name = op.name
    if op.elementwise:
        return _elementwise(op, args, attrs)
    if name == "matmul":
        return _matmul(*args)
    if name in ("sum", "mean"):
        return _reduce(args[0], attrs["axis"], name == "mean")
    if name == "dot":
        return np.array(_total([apply(MUL, x, y) for x, y in zip(args[0].flat, args[1].flat, strict=True)]))
    if name == "transpose":
        return np.transpose(args[0])
    if name == "index":
        picked = args[0][attrs["index"]]
        return picked if isinstance(picked, np.ndarray) else np.array(picked)
    if name == "softmax":
        v = args[0]
        if v.ndim == 0:
            return np.array(apply(DIV, apply(EXP, v[()]), apply(EXP, v[()])))
        exps = _grid(v.shape, lambda p: apply(EXP, v[p]))
        totals = _grid(v.shape[:-1], lambda p: _total(list(exps[p])))
        return _grid(v.shape, lambda p: apply(DIV, exps[p], totals[p[:-1]]))
    if name == "logsumexp":
        return np.array(_logsumexp_rows(args[0])).reshape(args[0].shape[:-1])
    if name == "log_softmax":
        v = args[0]
        lse = np.array(_logsumexp_rows(v), dtype=object).reshape(v.shape[:-1])
        return _grid(v.shape, lambda p: apply(SUB, v[p], lse[p[:-1]]))
    if name == "mse":
        diffs = _elementwise(SUB, args, {})
        return np.array(apply(DIV, _total([apply(MUL, d, d) for d in diffs.flat]), float(diffs.size)))
    if name == "cross_entropy":
        logits, k = _rows(args[0]), args[1].reshape(-1)
        picked = [logits[r, int(_constant_value(k[r]))] for r in range(len(k))]
        losses = [apply(SUB, lse, x) for lse, x in zip(_logsumexp_rows(logits), picked, strict=True)]
        return np.array(apply(DIV, _total(losses), float(len(losses))))
    raise EngineError("not_unrollable", f"{name} cannot be unrolled into scalar gates", params={"name": name})


def _constant_value(expr: Expr) -> float:
    if expr.kind == INPUT or expr.kind == CONSTANT:
        return float(expr.value)
    raise EngineError(
        "not_unrollable",
        "unroll needs class indices given as numbers, not computed",
        params={"reason": "class_index"},
    )


def unroll(
    graph: Graph, inputs: Mapping[str, object], seed: object | None = None, max_nodes: int = 2_000
) -> Graph:
    """The scalar graph of `graph` at these inputs (their values become the inputs' defaults).

    Raises EngineError `too_large_to_unroll` when a value has more than UNROLL_MAX_ELEMENTS
    elements or the scalar graph more than `max_nodes` nodes, and `not_unrollable` for an op
    that has no scalar form here (a user gate)."""
    given = graph.input_values(inputs)
    values: list[np.ndarray] = []
    for node, sources in zip(graph.nodes, graph.sources, strict=True):
        if node.kind == INPUT:
            value = given[node.id]
            grid = _grid(value.shape, lambda p, v=value, n=node.id: Var(index_name(n, p), float(v[p])))
        elif node.kind == CONSTANT:
            grid = _grid(node.value.shape, lambda p, v=node.value: Const(float(v[p])))
        else:
            grid = _unrolled(node.op, [values[s] for s in sources], dict(node.attrs))
            if not node.id.startswith("#"):  # a named tensor keeps its name, element by element
                for position in np.ndindex(*grid.shape):
                    if grid[position].name is None and grid[position].kind not in (INPUT, CONSTANT):
                        grid[position].name = index_name(node.id, position)
        if grid.size > UNROLL_MAX_ELEMENTS:
            raise EngineError(
                "too_large_to_unroll",
                f"'{node.text or node.id}' has {grid.size} elements; unroll draws values of at most {UNROLL_MAX_ELEMENTS}",
                node.line,
                node.column,
                params={"text": node.text or node.id, "size": int(grid.size), "limit": UNROLL_MAX_ELEMENTS},
            )
        values.append(grid)
    out = values[graph.index[graph.output]]
    if out.ndim:  # a tensor output: the scalar ⟨seed, out⟩ has the same gradients
        weights = (
            np.ones(out.shape) if seed is None else np.broadcast_to(np.asarray(seed, dtype=float), out.shape)
        )
        terms = [
            x if w == 1.0 else apply(MUL, x, float(w)) for x, w in zip(out.flat, weights.flat, strict=True)
        ]
        final = _total(terms).named(f"Σ {graph.output}")
    else:
        final = out[()]
    scalar = build_graph(final)
    if len(scalar) > max_nodes:
        raise EngineError(
            "too_large_to_unroll",
            f"the unrolled graph has {len(scalar)} nodes; the limit is {max_nodes}",
            params={"reason": "nodes", "count": len(scalar), "size": len(scalar), "limit": max_nodes},
        )
    return scalar
