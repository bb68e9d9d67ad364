"""Layered left-to-right layout of a computational graph (Sugiyama-style, deterministic), in which
every label has its own reserved box: no label can overlap another, and no wire crosses one.

Each node is a gate (a circle, or a pill for an input or constant) followed by its *shelf*: the
stretch of wire right of the gate that carries the node's value above it and its gradient below
(the lecture slide's numbers on the edge). The layout reserves, per node, the gate's half width,
the shelf's width and the heights above and below the wire that those labels need (`label_box`,
from the node's shape; numbers at their widest under the page's rounding rule). A column is as
wide as its widest gate plus shelf; wires leave a node at its column's right edge and run to the
next column through a gap that holds no labels; a wire spanning several layers crosses each column
it passes through horizontally, in a slot of its own (a bend point). A fan-out node (feeding 2 to
FAN_MAX gate inputs) also reserves its fork right of its shelf: each branch on a lane of its own with
that branch's downstream gradient beside it, as on the lecture slide (`fork_box`).

1. Layers: an op's layer is the longest path to it from the inputs; an input or constant sits
   just left of its nearest consumer; the output gets the last layer alone. A large graph (over
   WRAP_FROM nodes) caps the nodes per layer, pushing ops right and sources left while a layer is
   full, with the cap chosen so the drawing's aspect ratio comes near ASPECT (a landscape screen)
   instead of a tall tower or a long ribbon.
2. Order within layers: a source whose wires span several layers gets one chain of dummy
   nodes (shared by its wires, bounded in number), then barycentre sweeps (down, then up)
   reorder each layer; the order with the fewest crossings between adjacent layers wins.
3. Coordinates: columns side by side; in each column nodes are pulled toward the mean height of
   their neighbours, keeping their order and their reserved boxes apart by SPACING.
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

from app.label_boxes import GATE, LabelBox, fork_box, label_box  # noqa: F401 - GATE: re-exported

SPACING = 10  # between the reserved boxes of two nodes in a column
BEND_ROOM = 4  # above and below a wire crossing a column (a bend point)
COLUMN_GAP = 56  # between columns: only the wires' curves, no labels
MARGIN = 24
SWEEPS = 4
DUMMIES_PER_NODE = 2  # bound on dummy nodes (and bend points): 2 per real node, plus 100
BIG = 600  # above this many vertices (nodes and bend points), half the sweeps
WRAP_FROM = 24  # graphs with more nodes may have their layers capped…
ASPECT = 1.8  # …so that width / height comes near a landscape screen's


@dataclass(frozen=True)
class LayoutNode:
    id: str
    inputs: tuple[str, ...]
    shape: tuple[int, ...] = ()
    kind: str = "op"


def node_box(node: LayoutNode, fans: int = 0) -> LabelBox:
    """The room `node` reserves (app.label_boxes): its name counts for an input or a named op; a
    node feeding `fans` gate inputs (2..FAN_MAX) adds its fork, each branch's gradient on its lane."""
    named = node.kind == "input" or (node.kind == "op" and not node.id.startswith("#"))
    box = label_box(node.kind, len(node.id) if named else 0, tuple(node.shape))
    width, above, below = fork_box(tuple(node.shape), fans)
    if not width:
        return box
    return LabelBox(box.half, box.shelf + width, max(box.above, above), max(box.below, below))


def _layers(
    nodes: Sequence[LayoutNode], index: dict[str, int], output: str | None, boxes: list[LabelBox]
) -> list[int]:
    """Each node's layer: longest paths, capped per layer in a large graph (toward ASPECT)."""
    sources = [[index[s] for s in node.inputs if s in index] for node in nodes]
    consumers: list[list[int]] = [[] for _ in nodes]
    for i, wires in enumerate(sources):
        for s in wires:
            consumers[s].append(i)
    layer = _longest_path_layers(sources, consumers, len(nodes) + 1)
    if len(nodes) > WRAP_FROM:
        slot = [b.above + b.below + SPACING for b in boxes]
        width = [b.half * 2 + b.shelf for b in boxes]
        tallest = max(Counter(layer).values())
        best, best_score = layer, _aspect_miss(layer, slot, width, consumers)
        cap = tallest
        while cap > 4 and best_score > 0.15:  # caps down by a fifth each time; the nearest aspect wins
            cap = max(4, int(cap * 0.8))
            wrapped = _longest_path_layers(sources, consumers, cap)
            if max(Counter(wrapped).values()) >= tallest:
                break  # not when the inputs are the tall column: capping cannot shorten it
            score = _aspect_miss(wrapped, slot, width, consumers)
            if score < best_score:
                best, best_score = wrapped, score
        layer = best
    if output is not None and output in index:
        out = index[output]
        others = [layer[i] for i in range(len(nodes)) if i != out]
        if others and max(others) >= layer[out]:
            layer[out] = max(others) + 1
    return layer


def _aspect_miss(
    layer: list[int], slot: list[float], width: list[float], consumers: list[list[int]]
) -> float:
    """How far the drawing's estimated width / height is from ASPECT (|log ratio|; 0 is on it).
    A column's height counts its nodes' boxes and the wires crossing it (one chain per source)."""
    heights: Counter[int] = Counter()
    widths: dict[int, float] = {}
    for i, k in enumerate(layer):
        heights[k] += slot[i]
        widths[k] = max(widths.get(k, 0.0), width[i])
        if consumers[i]:
            for crossed in range(k + 1, max(layer[c] for c in consumers[i])):
                heights[crossed] += 2 * BEND_ROOM + SPACING
    total_w = sum(widths.values()) + COLUMN_GAP * (len(widths) - 1)
    return abs(math.log(total_w / max(heights.values()) / ASPECT))


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
    # A one-input op of an input or constant (transpose(W)) moves right to just left of its nearest
    # consumer, as the input itself does below: no long wire from the far left to where it is used.
    for i in range(len(sources) - 1, -1, -1):
        wires = sources[i]
        if len(wires) == 1 and consumers[i] and not sources[wires[0]]:
            k = min(layer[c] for c in consumers[i]) - 1
            while k > layer[i] and count[k] >= cap:
                k -= 1
            if k > layer[i]:
                count[layer[i]] -= 1
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
    sweeps = 0 if not best_crossings else SWEEPS if len(layer_of) <= BIG else SWEEPS // 2
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
    above: list[float],
    below: list[float],
) -> list[float]:
    """Each vertex's height on the wire: columns stacked, then three sweeps pulling every vertex
    toward the mean height of its neighbours on one side (alternating), keeping order and boxes."""
    gaps = [[below[a] + SPACING + above[b] for a, b in pairwise(m)] for m in order]
    columns = [(members, column_gaps) for members, column_gaps in zip(order, gaps, strict=True) if members]
    y = [0.0] * len(above)
    for members, column_gaps in columns:  # initial: stacked
        for v, value in zip(members, _place_column(column_gaps, [0.0] * len(members)), strict=True):
            y[v] = value
    # The pulls stay within the tallest stacked column: unbounded, they let the columns drift
    # apart and the drawing grow many times taller than any column needs.
    band = max(map(abs, y))
    for sweep in range(3):
        neighbours = pred if sweep % 2 == 0 else succ
        for members, column_gaps in columns if sweep % 2 == 0 else columns[::-1]:
            desired = []
            for v in members:
                near = neighbours[v]
                want = (
                    (y[near[0]] if len(near) == 1 else sum([y[u] for u in near]) / len(near))
                    if near
                    else y[v]
                )
                desired.append(band if want > band else -band if want < -band else want)
            for v, value in zip(members, _place_column(column_gaps, desired), strict=True):
                y[v] = value
    return y


def layout(nodes: Sequence[LayoutNode], output: str | None = None) -> dict[str, Any]:
    """{"nodes": {id: {x, y, layer, half, shelf, above, below, width, height}}, "columns": [{x, left, right}],
    "bends": {"source->target": [[x, y], …]}, "width", "height"}: x, y is the gate's centre."""
    if not nodes:
        return {"nodes": {}, "width": 0, "height": 0}
    index = {n.id: i for i, n in enumerate(nodes)}
    fans = Counter(s for n in nodes for s in n.inputs if s in index)  # one wire (and branch) per input
    boxes = [node_box(n, fans[n.id]) for n in nodes]
    layer_of = _layers(nodes, index, output, boxes)
    sizes: list[tuple[int, int]] = [(0, 0)] * len(nodes)  # _wires appends one per dummy
    succ, pred, adjacent, bends = _wires(nodes, index, layer_of, sizes)
    order = _order(layer_of, succ, pred, adjacent)

    columns, x = [], MARGIN
    for k, members in enumerate(order):
        real = [boxes[v] for v in members if v < len(nodes)]
        left = max((b.half for b in real), default=0.0)
        right = max((b.half + b.shelf for b in real), default=0.0)
        if k:
            x += COLUMN_GAP
        columns.append({"x": round(x + left, 1), "left": round(x, 1), "right": round(x + left + right, 1)})
        x += left + right
    dummies = len(layer_of) - len(nodes)
    above = [b.above for b in boxes] + [float(BEND_ROOM)] * dummies
    below = [b.below for b in boxes] + [float(BEND_ROOM)] * dummies
    y = _heights(order, pred, succ, above, below)
    top = min(y[v] - above[v] for v in range(len(y))) - MARGIN
    placed: dict[str, dict[str, Any]] = {}
    for i, node in enumerate(nodes):
        b = boxes[i]
        placed[node.id] = {
            "x": columns[layer_of[i]]["x"],
            "y": round(y[i] - top, 1),
            "layer": layer_of[i],
            "half": round(b.half, 1),
            "shelf": round(b.shelf, 1),
            "above": round(b.above, 1),
            "below": round(b.below, 1),
            "width": round(2 * b.half + b.shelf, 1),  # the whole reserved box: gate, shelf and labels
            "height": round(b.above + b.below, 1),
        }
    bottom = max(y[v] + below[v] for v in range(len(y))) - top + MARGIN
    bends = {
        wire: [[columns[layer_of[d]]["x"], round(y[d] - top, 1)] for d in chain]
        for wire, chain in bends.items()
    }
    return {
        "nodes": placed,
        "columns": columns,
        "bends": bends,
        "width": round(x + MARGIN, 1),
        "height": round(bottom, 1),
    }
