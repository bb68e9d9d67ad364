// Tensors on a wire: the shape plus a small matrix of numbers, or a heatmap when large.
// Built as SVG groups anchored at (0, 0): "above" grows upward (values), "below" downward (gradients).
import { asMatrix, num, shapeOf, shapeText } from "./graph-format.js";

const NS = "http://www.w3.org/2000/svg";
const MATRIX_MAX_ROWS = 5;
const MATRIX_MAX_COLS = 4;
const HEAT_MAX = 24;

export function svgEl(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A group drawing `value` (a nested list) as numbers or a heatmap, with its shape as a caption. */
export function tensorGlyph(value, { placement = "above", kind = "val", prefix = "" } = {}) {
  const shape = shapeOf(value);
  const raw = asMatrix(value);
  // Round-off dust (1e-17 beside 2.4) would only widen the grid: show it as the 0 it stands for.
  const top = Math.max(0, ...raw.flat().filter(Number.isFinite).map(Math.abs));
  const matrix = raw.map((row) => row.map((v) => (Math.abs(v) < 1e-12 * top ? 0 : v)));
  const rows = matrix.length;
  const cols = matrix[0]?.length ?? 0;
  const group = svgEl("g", { class: `tensor ${kind}` });
  const numbers = rows <= MATRIX_MAX_ROWS && cols <= MATRIX_MAX_COLS;
  const body = numbers ? numberGrid(matrix, kind) : heatmap(matrix, kind);
  const caption = svgEl("text", { class: `shape ${kind}`, "text-anchor": "middle" },
    `${prefix}${shapeText(shape)}`);
  // Stack: caption then body (above: body nearest the wire; below: caption nearest the wire).
  const height = body.height;
  if (placement === "above") {
    caption.setAttribute("y", String(-height - 6));
    body.group.setAttribute("transform", `translate(${-body.width / 2} ${-height})`);
  } else {
    caption.setAttribute("y", "10");
    body.group.setAttribute("transform", `translate(${-body.width / 2} 16)`);
  }
  group.append(caption, body.group);
  group.dataset.width = String(Math.max(body.width, caption.textContent.length * 6.5));
  const title = svgEl("title", {}, `${shapeText(shape)}: ${summary(matrix)}`);
  group.prepend(title);
  return group;
}

function summary(matrix) {
  const flat = matrix.flat();
  if (flat.length <= 64) return matrix.map((row) => row.map((v) => num(v)).join(" ")).join(" | ");
  const finite = flat.filter(Number.isFinite);
  return `min ${num(Math.min(...finite))}, max ${num(Math.max(...finite))}`;
}

function numberGrid(matrix, kind) {
  const cellW = Math.max(24, ...matrix.flat().map((v) => num(v, 3).length * 6.4 + 8));
  const cellH = 13;
  const group = svgEl("g", { class: "grid" });
  const width = matrix[0].length * cellW + 8;
  const height = matrix.length * cellH + 4;
  const bracket = (x, dir) => `M${x + 4 * dir} 0 H${x} V${height} H${x + 4 * dir}`;
  group.append(svgEl("path", { class: "bracket", d: `${bracket(0.5, 1)} ${bracket(width - 0.5, -1)}` }));
  matrix.forEach((row, r) => {
    row.forEach((v, c) => {
      group.append(svgEl("text", {
        class: `cell ${kind}`, x: 4 + c * cellW + cellW / 2, y: r * cellH + 12, "text-anchor": "middle",
      }, num(v, 3)));
    });
  });
  return { group, width, height };
}

function heatmap(matrix, kind) {
  const rows = Math.min(matrix.length, HEAT_MAX);
  const cols = Math.min(matrix[0].length, HEAT_MAX);
  const cell = Math.max(3, Math.min(8, Math.floor(96 / Math.max(rows, cols))));
  const finite = matrix.flat().filter(Number.isFinite).map(Math.abs);
  const scale = finite.length ? Math.max(...finite) || 1 : 1;
  const group = svgEl("g", { class: "heat" });
  group.append(svgEl("rect", { class: "heat-frame", x: -0.5, y: -0.5, width: cols * cell + 1, height: rows * cell + 1 }));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = matrix[r][c];
      const sign = !Number.isFinite(v) ? "nan" : v < 0 ? "neg" : "pos";
      const opacity = Number.isFinite(v) ? (0.12 + 0.88 * Math.abs(v) / scale).toFixed(2) : 1;
      group.append(svgEl("rect", {
        class: `heat-cell ${kind} ${sign}`, x: c * cell, y: r * cell, width: cell, height: cell,
        "fill-opacity": opacity,
      }));
    }
  }
  return { group, width: cols * cell, height: rows * cell };
}
