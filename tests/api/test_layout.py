"""app.layout: layers left to right, few crossings, deterministic, every label's box reserved (by
shape: a scalar's number, a tensor's grid or heatmap), columns apart, landscape big graphs."""

from __future__ import annotations

import random
import re
from itertools import pairwise

import pytest

from app.label_boxes import (
    EM,
    FAN_MAX,
    FORK_CURVE,
    GATE,
    LINE,
    MATRIX_COLS,
    MATRIX_ROWS,
    NUMBER_CHARS,
    ROW,
    TEXT_H,
    VALUE_FONT,
    fork_box,
    fork_lanes,
)
from app.layout import ASPECT, SPACING, LayoutNode, _total_crossings, layout, node_box


def _lecture() -> list[LayoutNode]:
    return [
        LayoutNode("x", (), (), "input"),
        LayoutNode("y", (), (), "input"),
        LayoutNode("z", (), (), "input"),
        LayoutNode("a", ("x", "y")),
        LayoutNode("b", ("y", "z")),
        LayoutNode("f", ("a", "b")),
    ]


def _random_graph(n: int, seed: int) -> list[LayoutNode]:
    rng = random.Random(seed)
    nodes = [LayoutNode(f"i{k}", (), (), "input") for k in range(10)]
    while len(nodes) < n:
        ids = [node.id for node in nodes]
        nodes.append(LayoutNode(f"n{len(nodes)}", tuple(rng.sample(ids[-20:], 2))))
    return nodes


def _overlap_free(result: dict) -> None:
    """In each column the reserved boxes (above and below each node's wire) keep SPACING apart,
    and every node's shelf ends within its column, left of the next column."""
    by_layer: dict[int, list[dict]] = {}
    for box in result["nodes"].values():
        by_layer.setdefault(box["layer"], []).append(box)
    columns = result["columns"]
    for layer, boxes in by_layer.items():
        boxes.sort(key=lambda b: b["y"])
        assert len({b["x"] for b in boxes}) == 1  # one column per layer
        for upper, lower in zip(boxes, boxes[1:], strict=False):
            assert (lower["y"] - lower["above"]) - (upper["y"] + upper["below"]) >= SPACING - 1e-6
        for b in boxes:
            assert b["x"] - b["half"] >= columns[layer]["left"] - 0.1
            assert b["x"] + b["shelf"] <= columns[layer]["right"] + 0.1
    for left, right in zip(columns, columns[1:], strict=False):
        assert right["left"] > left["right"]  # the gap between columns holds only wires


def test_label_boxes_follow_shapes():
    scalar = node_box(LayoutNode("a", ("x",)))
    assert scalar.half == GATE / 2 and scalar.above >= GATE / 2 and scalar.below >= GATE / 2
    assert scalar.shelf > NUMBER_CHARS * 0.6 * 14  # the widest number, 8 characters of 14 px type
    matrix = node_box(LayoutNode("#1", ("x",), (2, 3)))
    assert (
        matrix.above >= 2 * ROW + 15 and matrix.below >= 2 * ROW
    )  # the grid above (with its shape) and below
    assert matrix.shelf > 3 * NUMBER_CHARS * 0.6 * 12  # three columns of the widest numbers
    assert node_box(LayoutNode("v", ("x",), (3,))).above < matrix.above  # a vector is one row
    taller = node_box(LayoutNode("#2", ("x",), (MATRIX_ROWS, MATRIX_COLS)))
    assert taller.above > matrix.above and taller.shelf > matrix.shelf
    heat = node_box(LayoutNode("#3", ("x",), (100, 100)))
    assert heat == node_box(LayoutNode("#4", ("x",), (32, 32)))  # a heatmap: at most 24×24 cells of ≥ 3 px
    named = node_box(LayoutNode("loss", ("x",)))
    assert named.shelf > scalar.shelf  # the name is written before the value
    long_input = node_box(LayoutNode("a_long_name", (), (), "input"))
    assert long_input.half > node_box(LayoutNode("x", (), (), "input")).half
    assert layout([], None) == {"nodes": {}, "width": 0, "height": 0}


def test_lecture_layers_and_columns():
    result = layout(_lecture(), "f")
    layers = {k: v["layer"] for k, v in result["nodes"].items()}
    assert layers == {"x": 0, "y": 0, "z": 0, "a": 1, "b": 1, "f": 2}
    _overlap_free(result)
    assert result["width"] > result["nodes"]["f"]["x"] and result["height"] > 0


def test_output_is_alone_in_the_last_layer():
    nodes = _lecture() + [LayoutNode("dead", ("a",)), LayoutNode("dead2", ("dead",))]
    result = layout(nodes, "f")
    last = max(v["layer"] for v in result["nodes"].values())
    assert [k for k, v in result["nodes"].items() if v["layer"] == last] == ["f"]


def test_constants_and_late_inputs_sit_beside_their_consumer():
    nodes = [
        LayoutNode("x", (), (), "input"),
        LayoutNode("h", ("x",)),
        LayoutNode("g", ("h",)),
        LayoutNode("w", (), (), "input"),
        LayoutNode("#4", (), (), "constant"),
        LayoutNode("f", ("g", "w", "#4")),
    ]
    boxes = layout(nodes, "f")["nodes"]
    assert boxes["f"]["layer"] == 3 and boxes["w"]["layer"] == 2 and boxes["#4"]["layer"] == 2


def test_deterministic():
    nodes = _random_graph(200, seed=3)
    assert layout(nodes, nodes[-1].id) == layout(list(nodes), nodes[-1].id)


def test_barycentre_sweeps_remove_avoidable_crossings():
    # Two independent chains given in an interleaved, crossing order: the sweeps untangle them.
    nodes = [
        LayoutNode("a", (), (), "input"),
        LayoutNode("b", (), (), "input"),
        LayoutNode("b1", ("b",)),
        LayoutNode("a1", ("a",)),
        LayoutNode("a2", ("a1",)),
        LayoutNode("b2", ("b1",)),
        LayoutNode("f", ("a2", "b2")),
    ]
    boxes = layout(nodes, "f")["nodes"]
    order = lambda layer: [
        k
        for k, _ in sorted(
            ((k, v) for k, v in boxes.items() if v["layer"] == layer),  # noqa: E731
            key=lambda kv: kv[1]["y"],
        )
    ]
    assert order(0) == ["a", "b"]
    assert order(1) == ["a1", "b1"] and order(2) == ["a2", "b2"]


def test_crossing_count():
    succ = [[2, 3], [2], [], []]
    assert _total_crossings([[0, 1], [2, 3]], succ) == 1  # 0→3 crosses 1→2
    assert _total_crossings([[0, 1], [3, 2]], succ) == 0


def test_long_wires_get_bends_through_the_layers_they_cross():
    nodes = [LayoutNode("x", (), (), "input")] + [
        LayoutNode(f"h{k}", (f"h{k - 1}" if k else "x",)) for k in range(4)
    ]
    nodes.append(LayoutNode("f", ("h3", "x")))
    result = layout(nodes, "f")
    bend = result["bends"]["x->f"]
    assert len(bend) == result["nodes"]["f"]["layer"] - result["nodes"]["x"]["layer"] - 1
    xs = [p[0] for p in bend]
    assert xs == sorted(xs) and result["nodes"]["x"]["x"] < xs[0] and xs[-1] < result["nodes"]["f"]["x"]


def test_large_random_graph_has_no_overlaps_and_bounded_dummies():
    nodes = _random_graph(500, seed=1)
    result = layout(nodes, nodes[-1].id)
    assert len(result["nodes"]) == 500
    _overlap_free(result)
    assert sum(len(b) for b in result["bends"].values()) <= 2 * 500 + 100


def test_fan_in_from_one_source_to_every_layer_stays_linear():
    nodes = [LayoutNode("x", (), (), "input"), LayoutNode("h0", ("x",))]
    nodes += [LayoutNode(f"h{k}", (f"h{k - 1}", "x")) for k in range(1, 300)]
    result = layout(nodes, "h299")
    assert sum(len(b) for b in result["bends"].values()) <= 2 * len(nodes) + 100
    _overlap_free(result)


def test_empty():
    assert layout([], None) == {"nodes": {}, "width": 0, "height": 0}


def _wide_random_graph(n: int, seed: int) -> list[LayoutNode]:
    """Every op reads two earlier nodes chosen anywhere: few layers, hundreds of nodes in each."""
    rng = random.Random(seed)
    nodes = [LayoutNode(f"i{k}", (), (), "input") for k in range(10)]
    while len(nodes) < n:
        nodes.append(LayoutNode(f"n{len(nodes)}", tuple(rng.sample([m.id for m in nodes], 2))))
    return nodes


def test_lecture_coordinates():
    """The lecture slide: three inputs stacked, a and b between their inputs, f between a and b."""
    result = layout(_lecture(), "f")
    n = result["nodes"]
    assert n["x"]["y"] < n["a"]["y"] < n["y"]["y"] < n["b"]["y"] < n["z"]["y"]  # pulled to their inputs
    assert abs(n["f"]["y"] - (n["a"]["y"] + n["b"]["y"]) / 2) < 1
    assert result["bends"] == {} and result["height"] < result["width"]
    _overlap_free(result)


def test_transposes_of_weights_sit_beside_their_use():
    """transpose(W2) feeds the second layer: it (and W2) sit just left of it, not at the far left."""
    nodes = [LayoutNode(n, (), (4, 2) if n == "X" else (3, 4), "input") for n in ("X", "W1", "W2")]
    nodes += [
        LayoutNode("#1", ("W1",), (4, 3)),
        LayoutNode("z1", ("X", "#1"), (4, 3)),
        LayoutNode("h1", ("z1",), (4, 3)),
        LayoutNode("#2", ("W2",), (3, 3)),
        LayoutNode("z2", ("h1", "#2"), (4, 3)),
    ]
    n = layout(nodes, "z2")["nodes"]
    assert n["#2"]["layer"] == n["z2"]["layer"] - 1 and n["W2"]["layer"] == n["#2"]["layer"] - 1


def test_big_graphs_come_near_a_landscape_aspect():
    for n in (60, 300, 500):
        nodes = _wide_random_graph(n, seed=n)
        result = layout(nodes, nodes[-1].id)
        aspect = result["width"] / result["height"]
        assert ASPECT / 2.5 <= aspect <= ASPECT * 2.5, (
            n,
            aspect,
        )  # uncapped: about 11 times taller than wide
        _overlap_free(result)
        layer = {k: box["layer"] for k, box in result["nodes"].items()}
        assert all(layer[s] < layer[node.id] for node in nodes for s in node.inputs)  # wires go right


def test_a_tall_input_column_keeps_the_longest_path_layers():
    """Σ xᵢwᵢ over 13 pairs: the 26 inputs are the tall column and capping cannot shorten it, so
    every product stays in layer 1 instead of being spread over later layers for nothing."""
    nodes = [LayoutNode(f"{name}{i}", (), (), "input") for name in ("x", "w") for i in range(13)]
    nodes += [LayoutNode(f"m{i}", (f"x{i}", f"w{i}")) for i in range(13)]
    total = "m0"
    for i in range(1, 13):
        nodes.append(LayoutNode(f"s{i}", (total, f"m{i}")))
        total = f"s{i}"
    result = layout(nodes, total)
    assert {result["nodes"][f"m{i}"]["layer"] for i in range(13)} == {1}
    assert {result["nodes"][f"x{i}"]["layer"] for i in range(13)} == {0}
    _overlap_free(result)


def test_a_fan_out_node_reserves_its_fork_each_branch_label_on_its_own_lane():
    result = layout(_lecture(), "f")
    boxes = result["nodes"]
    # y feeds a and b: its box holds, right of its shelf, two lanes with a gradient label beside each.
    width, above, below = fork_box((), 2)
    assert boxes["y"]["shelf"] == pytest.approx(boxes["x"]["shelf"] + width, abs=0.2)
    assert boxes["y"]["above"] == above and boxes["y"]["below"] == below
    assert width >= FORK_CURVE + NUMBER_CHARS * EM * VALUE_FONT  # the curve and the widest number
    _overlap_free(result)
    # Lanes: the upper half's labels above them, the lower half's below; no label between two wires
    # closer than a label's height, and the reserved heights hold the outermost lanes' labels.
    label_h = LINE + TEXT_H
    for fans in range(2, FAN_MAX + 1):
        lanes = fork_lanes(fans, label_h)
        assert lanes == sorted(lanes) and len(lanes) == fans
        ups = fans // 2
        for i, (a, b) in enumerate(pairwise(lanes)):
            between = i < ups - 1 or i >= ups  # a label (above b, or below a) sits between a and b
            assert b - a >= (label_h if between else 0) + 8
        _, up, down = fork_box((), fans)
        assert up >= label_h - lanes[0] and down >= lanes[-1] + label_h
    # More branches than FAN_MAX: no fork drawn (the step panel lists them), so no room reserved.
    assert fork_box((), FAN_MAX + 1) == (0.0, 0.0, 0.0)
    wide = [LayoutNode("x", (), (), "input")] + [LayoutNode(f"g{k}", ("x",)) for k in range(FAN_MAX + 1)]
    assert layout(wide)["nodes"]["x"]["shelf"] == boxes["x"]["shelf"]
    # A tensor's fork: lanes as far apart as its gradient's grid is tall.
    _, _, below_matrix = fork_box((2, 3), 2)
    assert below_matrix > below + ROW


def test_the_page_draws_forks_with_the_geometry_the_layout_reserves():
    """graph-tensor.js's FORK mirrors label_boxes.py's fork constants (the page draws the lanes the
    layout made room for): a change on one side alone fails here."""
    from pathlib import Path

    from app import label_boxes

    script = (Path(__file__).resolve().parents[2] / "static/js/graph-tensor.js").read_text(encoding="utf-8")
    found = re.search(r"export const FORK = \{([^}]*)\}", script)
    assert found, "graph-tensor.js no longer declares FORK"
    fork = {
        key.strip(): float(value) for key, value in (item.split(":") for item in found.group(1).split(","))
    }
    assert fork == {
        "max": label_boxes.FAN_MAX,
        "curve": label_boxes.FORK_CURVE,
        "pad": label_boxes.FORK_PAD,
        "split": label_boxes.SPLIT,
        "gap": label_boxes.LANE_GAP,
    }
