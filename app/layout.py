"""Layered left-to-right layout of a computational graph (Sugiyama-style, deterministic).

1. Layers: an op's layer is the longest path to it from the inputs; an input or constant sits
   just left of its nearest consumer (so the graph's first inputs are layer 0, and a weight used
   deep in a network is drawn beside its use, as the lecture slides do); the output gets the
   last layer alone. A wide graph (a layer over max(WRAP_MIN, WRAP_FACTOR·√n) nodes) is
   layered again with that cap, pushing ops right and sources left while a layer is full, so
   that a random 300-node graph is drawn about as wide as tall instead of ten times taller.
2. Order within layers: a source whose wires span several layers gets one chain of dummy
   nodes (shared by its wires, bounded in number), then barycentre sweeps (down, then up)
   reorder each layer; the order with the fewest crossings between adjacent layers wins.
3. Coordinates: layers become columns wide enough for their widest box plus room for the
   edge labels; in each column nodes are pulled toward the mean height of their neighbours,
   keeping their order and at least LABEL_ROOM above and below every box for the value
   (above) and gradient (below) labels of the edges. In a capped graph bend points (no labels)
   keep only BEND_ROOM, and the pulls stay within the tallest column.
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import sub
from typing import Any

GATE = 44  # a scalar gate or input: a circle of this diameter
CELL_W, CELL_H, PAD, CAPTION = 46, 20, 8, 16  # a small tensor drawn as a matrix of cells
SMALL_ROWS, SMALL_COLS = 6, 6  # the largest tensor drawn cell by cell
HEATMAP = 96  # larger tensors: a fixed heatmap box
LABEL_ROOM = 40  # vertical room above and below every box for edge labels
BEND_ROOM = 6  # …and above and below a wire's bend point, in a capped graph
COLUMN_GAP = 120  # horizontal room between columns for edge labels
MARGIN = 40
SWEEPS = 4
DUMMIES_PER_NODE = 2  # bound on dummy nodes (and bend points): 2 per real node, plus 100
BIG = 600  # above this many nodes, half the sweeps
WRAP_MIN, WRAP_FACTOR = 12, 0.6  # a layer holds at most max(WRAP_MIN, WRAP_FACTOR·√n) nodes


@dataclass(frozen=True)
class LayoutNode:
    id: str
    inputs: tuple[str, ...]
    shape: tuple[int, ...] = ()
    kind: str = "op"


def box_size(shape: Sequence[int]) -> tuple[int, int]:
    """Width and height a node needs: a gate circle, a small matrix, or a heatmap."""
    if len(shape) == 0:
        return GATE, GATE
    rows, cols = (shape[0], 1) if len(shape) == 1 else (shape[0], shape[1]) if len(shape) == 2 else (0, 0)
    if len(shape) <= 2 and 0 < rows <= SMALL_ROWS and 0 < cols <= SMALL_COLS:
        return max(GATE, cols * CELL_W + 2 * PAD), max(GATE, rows * CELL_H + 2 * PAD + CAPTION)
    return HEATMAP, HEATMAP + CAPTION


def _layers(nodes: Sequence[LayoutNode], index: dict[str, int], output: str | None) -> tuple[list[int], bool]:
    """Each node's layer, and whether a layer was over the cap (a large, wide graph)."""
    sources = [[index[s] for s in node.inputs if s in index] for node in nodes]
    consumers: list[list[int]] = [[] for _ in nodes]
    for i, wires in enumerate(sources):
        for s in wires:
            consumers[s].append(i)
    layer = _longest_path_layers(sources, consumers, len(nodes) + 1)
    cap = max(WRAP_MIN, math.ceil(WRAP_FACTOR * math.sqrt(len(nodes))))
    tallest = max(Counter(layer).values())
    capped = tallest > cap
    if capped:  # a column too tall to read: no layer holds more than cap (inputs at 0 may)
        wrapped = _longest_path_layers(sources, consumers, cap)
        if max(Counter(wrapped).values()) < tallest:  # not when the inputs are the tall column
            layer = wrapped
    if output is not None and output in index:
        out = index[output]
        others = [layer[i] for i in range(len(nodes)) if i != out]
        if others and max(others) >= layer[out]:
            layer[out] = max(others) + 1
    return layer, capped


def _longest_path_layers(sources: list[list[int]], consumers: list[list[int]], cap: int) -> list[int]:
    """An op one layer right of its furthest source (further right while its layer is full);
    an input or constant just left of its nearest consumer (further left while full)."""
    layer = [0] * len(sources)
    count: Counter[int] = Counter()
    for i, wires in enumerate(sources):
        if wires:
            k = max(layer[s] + 1 for s in wires)
            while count[k] >= cap:
                k += 1
            layer[i] = k
            count[k] += 1
    for i, wires in enumerate(sources):  # sources sit just left of their nearest consumer
        if not wires:
            k = max(0, min(layer[c] for c in consumers[i]) - 1) if consumers[i] else 0
            while k > 0 and count[k] >= cap:
                k -= 1
            layer[i] = k
            count[k] += 1
    return layer


def _crossings(
    upper: list[int], lower_pos: dict[int, int], upper_pos: dict[int, int], succ: list[list[int]]
) -> int:
    """Crossings between two adjacent layers: inversions among the edges sorted by upper end."""
    ends = sorted([(upper_pos[u], lower_pos[v]) for u in upper for v in succ[u]])
    count, seen = 0, []
    for k, (_, v) in enumerate(ends):
        count += k - bisect_right(seen, v)  # earlier edges ending further down cross this one
        insort(seen, v)
    return count


def _total_crossings(order: list[list[int]], succ: list[list[int]]) -> int:
    total = 0
    for upper, lower in pairwise(order):
        up = {n: i for i, n in enumerate(upper)}
        low = {n: i for i, n in enumerate(lower)}
        total += _crossings(upper, low, up, succ)
    return total


def _wires(
    nodes: Sequence[LayoutNode], index: dict[str, int], layer_of: list[int], sizes: list[tuple[int, int]]
) -> tuple[list[list[int]], list[list[int]], list[list[int]], dict[str, list[int]]]:
    """Neighbour lists with dummies appended: (succ, pred, succ in the next layer only, bends).

    Each source gets one chain of dummies up to its furthest consumer, shared by its wires;
    when the budget is spent, a long wire joins its ends directly (barycentres only).
    """
    budget = DUMMIES_PER_NODE * len(nodes) + 100
    succ: list[list[int]] = [[] for _ in nodes]
    pred: list[list[int]] = [[] for _ in nodes]
    adjacent: list[list[int]] = [[] for _ in nodes]
    consumers: list[list[int]] = [[] for _ in nodes]
    for t, node in enumerate(nodes):
        for s in dict.fromkeys(index[x] for x in node.inputs if x in index):  # one wire per pair
            consumers[s].append(t)
    bends: dict[str, list[int]] = {}
    points = 0
    for s, targets in enumerate(consumers):
        if not targets:
            continue
        span = max(layer_of[t] for t in targets) - layer_of[s] - 1
        chain: list[int] = []
        if 0 < span <= budget:
            budget -= span
            previous = s
            for layer in range(layer_of[s] + 1, layer_of[s] + 1 + span):
                dummy = len(layer_of)
                layer_of.append(layer)
                sizes.append((0, 0))
                succ.append([])
                pred.append([previous])
                adjacent.append([])
                succ[previous].append(dummy)
                adjacent[previous].append(dummy)
                chain.append(dummy)
                previous = dummy
        for t in targets:
            hops = layer_of[t] - layer_of[s] - 1
            start = chain[hops - 1] if 0 < hops <= len(chain) else s
            succ[start].append(t)
            pred[t].append(start)
            if layer_of[t] == layer_of[start] + 1:
                adjacent[start].append(t)
            if (
                start != s and points + hops <= DUMMIES_PER_NODE * len(nodes) + 100
            ):  # bends beyond that: straight
                points += hops
                bends[f"{nodes[s].id}->{nodes[t].id}"] = chain[:hops]
    return succ, pred, adjacent, bends


def _order(
    layer_of: list[int], succ: list[list[int]], pred: list[list[int]], adjacent: list[list[int]]
) -> list[list[int]]:
    """Barycentre sweeps over the layers (dummies included); keeps the best order seen."""
    depth = max(layer_of) + 1
    order: list[list[int]] = [[] for _ in range(depth)]
    for v, layer in enumerate(layer_of):
        order[layer].append(v)
    best, best_crossings = [list(o) for o in order], _total_crossings(order, adjacent)
    pos = [0] * len(layer_of)
    for layer in order:
        for i, v in enumerate(layer):
            pos[v] = i
    sweeps = 0 if not best_crossings else SWEEPS if len(layer_of) <= 3 * BIG else SWEEPS // 2
    for sweep in range(sweeps):
        downward = sweep % 2 == 0
        span = range(1, depth) if downward else range(depth - 2, -1, -1)
        neighbours = pred if downward else succ
        for layer in span:
            keyed = [  # (barycentre, position, vertex); a bend point's single neighbour read directly
                (
                    pos[near[0]]
                    if len(near := neighbours[v]) == 1
                    else sum([pos[u] for u in near]) / len(near)
                    if near
                    else pos[v],
                    pos[v],
                    v,
                )
                for v in order[layer]
            ]
            keyed.sort()
            order[layer] = members = [v for _, _, v in keyed]
            for i, v in enumerate(members):
                pos[v] = i
        if downward:
            continue  # judge each down-and-up pair of sweeps together
        crossings = _total_crossings(order, adjacent)
        if crossings < best_crossings:
            best, best_crossings = [list(o) for o in order], crossings
        if best_crossings == 0:
            break
    return best


def _place_column(gaps: list[float], desired: list[float]) -> list[float]:
    """Heights as close to `desired` as the order and the spacing allow (left-to-right pushes);
    `gaps[k]` is the least distance between the column's k-th and (k+1)-th centres."""
    if not gaps:
        return list(desired)
    last = desired[0]
    y = [last]
    for gap, want in zip(gaps, desired[1:], strict=True):
        last = want if want >= last + gap else last + gap
        y.append(last)
    shift = sum(map(sub, desired, y)) / len(y)  # balance the pushes up and down
    if shift < 0:
        y = [v + shift for v in y]
        below = y[-1]
        for k in range(len(y) - 2, -1, -1):  # restore spacing from the bottom, upward
            limit = below - gaps[k]
            if y[k] > limit:
                y[k] = limit
            below = y[k]
    return y


def _heights(
    order: list[list[int]],
    pred: list[list[int]],
    succ: list[list[int]],
    heights: list[float],
    rooms: list[float],
    capped: bool,
) -> list[float]:
    """Each vertex's centre height: columns stacked, then three sweeps pulling every vertex toward
    the mean height of its neighbours on one side (alternating), keeping order and spacing."""
    gaps = [[(heights[a] + heights[b]) / 2 + rooms[a] + rooms[b] for a, b in pairwise(m)] for m in order]
    y = [0.0] * len(heights)
    for members, column_gaps in zip(order, gaps, strict=True):  # initial: stacked
        for v, value in zip(members, _place_column(column_gaps, [0.0] * len(members)), strict=True):
            y[v] = value
    # In a capped graph the pulls stay within the tallest stacked column: unbounded, they let the
    # columns drift apart and the drawing grow many times taller than any column needs.
    band = max(map(abs, y)) if capped else math.inf
    columns = [(members, column_gaps) for members, column_gaps in zip(order, gaps, strict=True) if members]
    for sweep in range(3):
        neighbours = pred if sweep % 2 == 0 else succ
        for members, column_gaps in columns if sweep % 2 == 0 else columns[::-1]:
            desired = [  # the mean height of the neighbours (as in _order's barycentres)
                y[near[0]]
                if len(near := neighbours[v]) == 1
                else sum([y[u] for u in near]) / len(near)
                if near
                else y[v]
                for v in members
            ]
            if capped:
                desired = [band if want > band else -band if want < -band else want for want in desired]
            for v, value in zip(members, _place_column(column_gaps, desired), strict=True):
                y[v] = value
    return y


def layout(nodes: Sequence[LayoutNode], output: str | None = None) -> dict[str, Any]:
    """{"nodes": {id: {x, y, width, height, layer}}, "edges": {…}, "width", "height"}."""
    if not nodes:
        return {"nodes": {}, "width": 0, "height": 0}
    index = {n.id: i for i, n in enumerate(nodes)}
    layer_of, capped = _layers(nodes, index, output)
    sizes = [box_size(n.shape) for n in nodes]
    succ, pred, adjacent, bends = _wires(nodes, index, layer_of, sizes)
    order = _order(layer_of, succ, pred, adjacent)

    x_of_layer, x = [], MARGIN
    for k, members in enumerate(order):
        width = max((sizes[v][0] for v in members), default=0)
        if k:
            x += COLUMN_GAP
        x_of_layer.append(x + width / 2)
        x += width
    heights = [float(max(h, 8)) for _, h in sizes]
    # A bend point carries no labels: in a capped (large) graph wires pass close together.
    rooms = [float(LABEL_ROOM)] * len(nodes) + [float(BEND_ROOM if capped else LABEL_ROOM)] * (
        len(layer_of) - len(nodes)
    )
    y = _heights(order, pred, succ, heights, rooms, capped)
    top = min(y[v] - heights[v] / 2 for v in range(len(y))) - LABEL_ROOM - MARGIN
    placed: dict[str, dict[str, Any]] = {}
    for i, node in enumerate(nodes):
        placed[node.id] = {
            "x": round(x_of_layer[layer_of[i]], 1),
            "y": round(y[i] - top, 1),
            "width": sizes[i][0],
            "height": sizes[i][1],
            "layer": layer_of[i],
        }
    bottom = max(y[v] + heights[v] / 2 for v in range(len(y))) - top + LABEL_ROOM + MARGIN
    bends = {
        wire: [[round(x_of_layer[layer_of[d]], 1), round(y[d] - top, 1)] for d in chain]
        for wire, chain in bends.items()
    }
    return {"nodes": placed, "bends": bends, "width": round(x + MARGIN, 1), "height": round(bottom, 1)}
