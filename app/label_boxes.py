"""The room each label of the drawing needs, reserved by the layout (app/layout.py).

A node is a gate (a circle, or a pill for an input or constant) followed by its *shelf*: the wire
right of the gate that carries the node's value above it and its gradient below. These measures are
the drawing's own (static/js/graph-tensor.js and graph.js draw with the same numbers); widths assume
the widest number the page's rounding rule writes, so the browser's labels always fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

GATE = 44  # a gate: a circle of this diameter (a pill for an input or constant is 28 high)
EM = 0.64  # the widest advance of a digit or letter, in em (DejaVu Sans's digits: 0.636)
VALUE_FONT, CELL_FONT, CAPTION_FONT, NAME_FONT = 14, 12, 12, 13  # px in the drawing
NUMBER_CHARS = 8  # the longest number the rounding rule writes ("−0.0123", "−1.23e−5")
LABEL_MAX = 12  # characters of a name or of an input's label (longer ones are clipped with …)
TEXT_H = 17  # the height of one line of 14 px text (ascent + descent)
ROW, CAPTION_H, BRACKET = 15, 15, 4  # a matrix row; the shape caption above it; bracket padding
CELL_GAP = 8  # between two matrix columns
MATRIX_ROWS, MATRIX_COLS = 5, 4  # the largest tensor written cell by cell; larger: a heatmap
HEAT_MAX, HEAT_BOX = 24, 96  # a heatmap shows at most 24×24 cells in at most 96×96 px
LINE = 3  # between the wire and the labels above and below it
ARROW = 14  # the shelf's end: room for an arrowhead
GRAD_MARK = 16  # "∇ " before a gradient
# A fan-out node (one feeding 2..FAN_MAX gate inputs) forks its wire right of its shelf: each branch
# curves (FORK_CURVE) to its own lane and runs straight with its own downstream gradient beside it, as
# on the lecture slide: the upper half of the lanes carry theirs above, the lower half below (so no
# label sits between two wires when there are two). The two middle lanes are SPLIT apart; lanes with
# a label between them, the label's height plus LANE_GAP. A node feeding more gates shows its
# branches' gradients in the step panel only (lanes for all would make its column a tower).
FAN_MAX = 4
FORK_CURVE = 20
FORK_PAD = 12  # before the curve and after the branch label
SPLIT = 16
LANE_GAP = 8


@dataclass(frozen=True)
class LabelBox:
    """A node's reserved room: the gate's half width, the shelf right of it, the heights above and
    below the wire (value labels above, gradient labels below)."""

    half: float
    shelf: float
    above: float
    below: float


def matrix_dims(shape: Sequence[int]) -> tuple[int, int]:
    """Rows × columns as the drawing writes a tensor: a vector as one row, leading axes folded."""
    if not shape:
        return 1, 1
    return math.prod(shape[:-1]), shape[-1]


def _tensor_block(shape: Sequence[int]) -> tuple[float, float]:
    """Width and height of a tensor's numbers (a bracketed grid) or of its heatmap."""
    rows, cols = matrix_dims(shape)
    if rows <= MATRIX_ROWS and cols <= MATRIX_COLS:
        cell = NUMBER_CHARS * EM * CELL_FONT + CELL_GAP
        return cols * cell + 2 * BRACKET, rows * ROW + BRACKET
    cell = max(3, min(8, HEAT_BOX // max(rows, cols, 1)))
    return min(cols, HEAT_MAX) * cell, min(rows, HEAT_MAX) * cell + 1


@lru_cache(maxsize=4096)
def label_box(kind: str, name: int, shape: tuple[int, ...]) -> LabelBox:
    """The room a node needs from its kind ("input", "constant", "op"), the length of its name (an
    input's, or a named op's; 0 for none) and its shape. Cached: a 600-node unrolled graph has a
    handful of distinct boxes."""
    if kind == "op":
        half = GATE / 2
    else:  # a pill with the input's name, or the constant's value (at most LABEL_MAX characters)
        chars = min(name, LABEL_MAX) if kind == "input" else LABEL_MAX if shape else NUMBER_CHARS
        half = max(15.0, chars * 4.6 + 10)
    written = (min(name, LABEL_MAX) * EM * NAME_FONT + 6) if kind == "op" and name else 0.0
    if shape:
        width, height = _tensor_block(shape)
        value_w, grad_w = max(width, 6 * EM * CAPTION_FONT), GRAD_MARK + width
        above, below = LINE + height + CAPTION_H, LINE + height
    else:
        value_w = NUMBER_CHARS * EM * VALUE_FONT
        grad_w = GRAD_MARK + value_w
        above = below = LINE + TEXT_H
    shelf = 6 + max(written + value_w, grad_w) + ARROW
    gate = GATE / 2 if kind == "op" else 14
    return LabelBox(half, shelf, max(gate, above), max(gate, below))


def fork_lanes(fans: int, label_h: float) -> list[float]:
    """Each lane's height about the node's wire (top first) for labels `label_h` high (with LINE);
    the first fans // 2 lanes carry their label above, the rest below. An odd middle lane runs
    straight on."""
    above = fans // 2
    step = label_h + LANE_GAP
    top = -SPLIT if fans % 2 else -SPLIT / 2
    return [
        top - (above - 1 - i) * step if i < above else top + SPLIT + (i - above) * step for i in range(fans)
    ]


@lru_cache(maxsize=1024)
def fork_box(shape: tuple[int, ...], fans: int) -> tuple[float, float, float]:
    """(width, above, below) the fork of a node feeding `fans` gate inputs needs right of its shelf:
    the curves and the widest branch label in width; the lanes and their labels in height (about the
    node's wire). Nothing for a node without a fork or with more than FAN_MAX branches."""
    if not 2 <= fans <= FAN_MAX:
        return 0.0, 0.0, 0.0
    if shape:
        width, height = _tensor_block(shape)
        grad_w, label_h = GRAD_MARK + width, LINE + height
    else:
        grad_w, label_h = GRAD_MARK + NUMBER_CHARS * EM * VALUE_FONT, LINE + TEXT_H
    lanes = fork_lanes(fans, label_h)
    return FORK_PAD + FORK_CURVE + grad_w + FORK_PAD, label_h - lanes[0], lanes[-1] + label_h
