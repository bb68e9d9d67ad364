// Labels on a wire, as markup with a known box: a number, or a tensor as a bracketed grid of numbers
// in aligned columns (a heatmap when large). The measures are app/layout.py's (the server reserves
// the same boxes). A label is drawn relative to its anchor on the wire: "above" labels grow up from
// y = 0, "below" labels grow down from it; both start at x = 0 and grow right.
import { asMatrix, exactText, formatNumber, isTensor, shapeOf, shapeText } from "./graph-format.js";
import { getLanguage } from "./i18n.js";

export const FONT = { value: 14, cell: 12, caption: 12, name: 13, symbol: 14 };
export const ROW = 15;
export const CAPTION_H = 15;
export const BRACKET = 4;
export const CELL_GAP = 8;
export const GRAD_MARK = 16;
export const TEXT_H = 17;
export const MATRIX_ROWS = 5;
export const MATRIX_COLS = 4;
const HEAT_MAX = 24;
const HEAT_BOX = 96;
const ASCENT = 0.93; // of the font size, from the top of a line to its baseline (DejaVu Sans)
const DESCENT = 0.24;

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
export const esc = (text) => String(text).replace(/[&<>"]/g, (c) => ESCAPES[c]);

/** One SVG element as markup: tag("text", {x: 1}, "label"); content is escaped text unless raw. */
export function tag(name, attrs, content = "", raw = false) {
  let out = `<${name}`;
  for (const key in attrs) if (attrs[key] !== undefined) out += ` ${key}="${esc(attrs[key])}"`;
  return `${out}>${raw ? content : esc(content)}</${name}>`;
}

// Advances in em, at least as wide as DejaVu Sans (the widest common sans), so a box estimated here
// holds the text as drawn on any machine; no DOM measuring (a 600-node drawing is laid out in one go).
const NARROW = new Set([".", ",", " ", "[", "]", "(", ")", "|", "i", "l", "j", "t", "f", "r"]);
const WIDE = new Set(["−", "×", "∇", "m", "w", "M", "W", "∞", "…", "Σ", "σ"]);
/** The width of `text` at `font` px. */
export function textWidth(text, font) {
  let em = 0;
  for (const c of String(text)) em += NARROW.has(c) ? 0.4 : WIDE.has(c) ? 0.92 : c === "-" ? 0.4 : 0.66;
  return em * font;
}
const r1 = (v) => Math.round(v * 10) / 10;
const baselineBelow = (top, font) => r1(top + ASCENT * font); // a line whose top is at `top`
const baselineAbove = (bottom, font) => r1(bottom - DESCENT * font); // …whose bottom is at `bottom`

/** A single number: {markup, width, height} above (value) or below (gradient, marked ∇). */
export function numberLabel(value, { placement = "above", kind = "val", attrs = {} } = {}) {
  const text = `${kind === "grad" ? "∇ " : ""}${formatNumber(value)}`;
  const y = placement === "above" ? baselineAbove(-1, FONT.value) : baselineBelow(1, FONT.value);
  // The exact value becomes the tooltip on hover (graph-events.js): a <title> per number would double
  // the markup. The markup is written when asked for: most labels of a big drawing never are.
  const lang = getLanguage(); // the exact value, written later, in the language of `text`
  return { get markup() { return tag("text", { class: `${kind} halo-text`, x: 0, y, "data-exact": exactText(value, { lang }), ...attrs }, text); },
    width: textWidth(text, FONT.value), height: TEXT_H, text };
}

/** {markup, width, height}: `value` (a nested list) as numbers or a heatmap; values carry their shape. */
export function tensorGlyph(value, { placement = "above", kind = "val", attrs = {} } = {}) {
  const shape = shapeOf(value);
  const raw = asMatrix(value);
  // Round-off dust (1e-17 beside 2.4) would only widen the grid: show it as the 0 it stands for.
  const top = Math.max(0, ...raw.flat().filter(Number.isFinite).map(Math.abs));
  const matrix = raw.map((row) => row.map((v) => (Math.abs(v) < 1e-12 * top ? 0 : v)));
  const numbers = matrix.length <= MATRIX_ROWS && (matrix[0]?.length ?? 0) <= MATRIX_COLS;
  const body = numbers ? numberGrid(matrix, kind) : heatmap(matrix, kind);
  const mark = kind === "grad" ? GRAD_MARK : 0;
  const caption = kind === "grad" ? "" : shapeText(shape); // the shape once per node, with its value
  const width = Math.max(mark + body.width, caption ? textWidth(caption, FONT.caption) : 0);
  const height = body.height + (caption ? CAPTION_H : 0);
  const y0 = placement === "above" ? -height : 0; // the glyph's top
  let inner = tag("title", {}, `${shapeText(shape)}: ${summary(matrix)}`);
  if (caption) inner += tag("text", { class: `shape ${kind}`, x: 0, y: baselineBelow(y0, FONT.caption) }, caption);
  if (mark) inner += tag("text", { class: "mark grad", x: 0, y: baselineBelow(y0 + body.height / 2 - 8, FONT.cell) }, "∇");
  inner += tag("g", { transform: `translate(${mark} ${r1(y0 + (caption ? CAPTION_H : 0))})` }, body.markup, true);
  const markup = tag("g", { class: `tensor ${kind}`, ...attrs }, inner, true);
  return { markup, width, height };
}

function summary(matrix) {
  const flat = matrix.flat();
  if (flat.length <= 64) return matrix.map((row) => row.map((v) => exactText(v)).join(" ")).join(" | ");
  const finite = flat.filter(Number.isFinite);
  return `min ${formatNumber(Math.min(...finite))}, max ${formatNumber(Math.max(...finite))}`;
}

/** Numbers right-aligned in columns, each column as wide as its widest number plus a gap. */
function numberGrid(matrix, kind) {
  const texts = matrix.map((row) => row.map((v) => formatNumber(v)));
  const cols = texts[0].length;
  const widths = Array.from({ length: cols }, (_, c) => Math.max(...texts.map((row) => textWidth(row[c], FONT.cell))));
  const width = widths.reduce((a, b) => a + b + CELL_GAP, 0) - CELL_GAP + 2 * BRACKET + 4;
  const height = matrix.length * ROW + BRACKET;
  const bracket = (x, dir) => `M${x + 4 * dir} 0 H${x} V${height} H${x + 4 * dir}`;
  let markup = tag("path", { class: "bracket", d: `${bracket(0.5, 1)} ${bracket(width - 0.5, -1)}` });
  texts.forEach((row, r) => {
    let right = BRACKET + 2;
    row.forEach((text, c) => {
      right += widths[c];
      markup += tag("text", { class: `cell ${kind}`, x: r1(right), y: baselineBelow(BRACKET / 2 + r * ROW, FONT.cell),
        "text-anchor": "end", "data-exact": exactText(matrix[r][c]) }, text);
      right += CELL_GAP;
    });
  });
  return { markup, width, height };
}

function heatmap(matrix, kind) {
  const rows = Math.min(matrix.length, HEAT_MAX);
  const cols = Math.min(matrix[0].length, HEAT_MAX);
  const cell = Math.max(3, Math.min(8, Math.floor(HEAT_BOX / Math.max(matrix.length, matrix[0].length, 1))));
  const finite = matrix.flat().filter(Number.isFinite).map(Math.abs);
  const scale = finite.length ? Math.max(...finite) || 1 : 1;
  let markup = tag("rect", { class: "heat-frame", x: -0.5, y: -0.5, width: cols * cell + 1, height: rows * cell + 1 });
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = matrix[r][c];
      const sign = !Number.isFinite(v) ? "nan" : v < 0 ? "neg" : "pos";
      const opacity = Number.isFinite(v) ? (0.12 + (0.88 * Math.abs(v)) / scale).toFixed(2) : 1;
      markup += tag("rect", { class: `heat-cell ${kind} ${sign}`, x: c * cell, y: r * cell, width: cell,
        height: cell, "fill-opacity": opacity });
    }
  }
  return { markup, width: cols * cell, height: rows * cell + 1 };
}

// A fan-out node's fork (app/label_boxes.py's FAN_MAX, FORK_CURVE, FORK_PAD, SPLIT, LANE_GAP): right of
// its shelf the wire splits, each branch curving to its own lane with its own downstream gradient
// beside it — the upper half of the lanes with theirs above, the lower half below.
export const FORK = { max: 4, curve: 20, pad: 12, split: 16, gap: 8 };

/** Each lane's height about the node's wire, top first, for labels `labelH` high (with the line). */
export function forkLanes(fans, labelH) {
  const above = Math.floor(fans / 2);
  const step = labelH + FORK.gap;
  const top = fans % 2 ? -FORK.split : -FORK.split / 2;
  return Array.from({ length: fans }, (_, i) => (i < above ? top - (above - 1 - i) * step : top + FORK.split + (i - above) * step));
}

/** The label of a branch's downstream gradient, above or below its lane (marked as its edge's gradient). */
export function branchLabel(edge, attrs, placement) {
  const glyph = isTensor(edge.downstream)
    ? tensorGlyph(edge.downstream, { placement, kind: "grad", attrs })
    : numberLabel(edge.downstream, { placement, kind: "grad", attrs });
  const mask = () => tag("text", { class: "mask grad-mask halo-text", x: 0, y: placement === "above" ? -4 : 14, ...attrs }, "∇ ?");
  return { width: glyph.width, height: glyph.height, get markup() { return glyph.markup + mask(); } };
}

/** True when the node's outgoing `edges` fork with a label each (2..FORK.max, every downstream known). */
export const forks = (edges) => edges.length >= 2 && edges.length <= FORK.max
  && edges.every((e) => e.downstream !== null && e.downstream !== undefined);

/** The room a fork needs right of its node's shelf: {width, labelH} (labelH with the line's gap). */
export function forkRoom(edges, line) {
  const sizes = edges.map((edge) => branchLabel(edge, {}, "below"));
  return { width: FORK.pad + FORK.curve + Math.max(...sizes.map((b) => b.width)) + FORK.pad,
    labelH: line + Math.max(...sizes.map((b) => b.height)) };
}

/**
 * Each branch's lane as [edge id, {glyph, up, x, y}]: `edges` in the order of the ports they run to
 * (so no two branches cross), splitting at forkX from the node's wire at height y.
 */
export function forkBranches(edges, forkX, y, labelH, attrsOf) {
  const heights = forkLanes(edges.length, labelH);
  return edges.map((edge, i) => {
    const up = i < Math.floor(edges.length / 2);
    return [edge.id, { glyph: branchLabel(edge, attrsOf(edge), up ? "above" : "below"), up, x: forkX + FORK.curve,
      y: r1(y + heights[i]) }];
  });
}

/** A branch's path from its node's gate (x0) to `end`: the trunk, the curve to its lane, the lane. */
export const forkPath = (x0, y, forkX, lane, end) => [[x0, y, forkX, y],
  [forkX, y, forkX + FORK.curve / 2, y, forkX + FORK.curve / 2, lane.y, lane.x, lane.y], [lane.x, lane.y, end, lane.y]];
