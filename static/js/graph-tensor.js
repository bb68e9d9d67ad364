// Tensors on a wire: the shape plus a small matrix of numbers, or a heatmap when large.
// Markup strings centred on x = 0: "above" grows upward (values), "below" downward (gradients).
import { asMatrix, num, shapeOf, shapeText } from "./graph-format.js";

const MATRIX_MAX_ROWS = 5;
const MATRIX_MAX_COLS = 4;
const HEAT_MAX = 24;

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
export const esc = (text) => String(text).replace(/[&<>"]/g, (c) => ESCAPES[c]);

/** One SVG element as markup: tag("text", {x: 1}, "label"); content is escaped text unless raw. */
export function tag(name, attrs, content = "", raw = false) {
  let out = `<${name}`;
  for (const key in attrs) if (attrs[key] !== undefined) out += ` ${key}="${esc(attrs[key])}"`;
  return `${out}>${raw ? content : esc(content)}</${name}>`;
}

/** {markup, width} drawing `value` (a nested list) as numbers or a heatmap, captioned with its shape. */
export function tensorGlyph(value, { placement = "above", kind = "val", prefix = "", attrs = {} } = {}) {
  const shape = shapeOf(value);
  const raw = asMatrix(value);
  // Round-off dust (1e-17 beside 2.4) would only widen the grid: show it as the 0 it stands for.
  const top = Math.max(0, ...raw.flat().filter(Number.isFinite).map(Math.abs));
  const matrix = raw.map((row) => row.map((v) => (Math.abs(v) < 1e-12 * top ? 0 : v)));
  const numbers = matrix.length <= MATRIX_MAX_ROWS && (matrix[0]?.length ?? 0) <= MATRIX_MAX_COLS;
  const body = numbers ? numberGrid(matrix, kind) : heatmap(matrix, kind);
  const caption = `${prefix}${shapeText(shape)}`;
  const width = Math.max(body.width, caption.length * 6.5);
  const [captionY, bodyY] = placement === "above" ? [-body.height - 6, -body.height] : [10, 16];
  const markup = tag("g", { class: `tensor ${kind}`, ...attrs },
    tag("title", {}, `${shapeText(shape)}: ${summary(matrix)}`)
    + tag("text", { class: `shape ${kind}`, "text-anchor": "middle", y: captionY }, caption)
    + tag("g", { transform: `translate(${-body.width / 2} ${bodyY})` }, body.markup, true), true);
  return { markup, width, height: body.height + 18 };
}

function summary(matrix) {
  const flat = matrix.flat();
  if (flat.length <= 64) return matrix.map((row) => row.map((v) => num(v)).join(" ")).join(" | ");
  const finite = flat.filter(Number.isFinite);
  return `min ${num(Math.min(...finite))}, max ${num(Math.max(...finite))}`;
}

function numberGrid(matrix, kind) {
  const cellW = Math.max(26, ...matrix.flat().map((v) => num(v, 3).length * 7 + 9));
  const cellH = 13;
  const width = matrix[0].length * cellW + 8;
  const height = matrix.length * cellH + 4;
  const bracket = (x, dir) => `M${x + 4 * dir} 0 H${x} V${height} H${x + 4 * dir}`;
  let markup = tag("path", { class: "bracket", d: `${bracket(0.5, 1)} ${bracket(width - 0.5, -1)}` });
  matrix.forEach((row, r) => {
    row.forEach((v, c) => {
      markup += tag("text", { class: `cell ${kind}`, x: 4 + c * cellW + cellW / 2, y: r * cellH + 12,
        "text-anchor": "middle" }, num(v, 3));
    });
  });
  return { markup, width, height };
}

function heatmap(matrix, kind) {
  const rows = Math.min(matrix.length, HEAT_MAX);
  const cols = Math.min(matrix[0].length, HEAT_MAX);
  const cell = Math.max(3, Math.min(8, Math.floor(96 / Math.max(rows, cols))));
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
  return { markup, width: cols * cell, height: rows * cell };
}
