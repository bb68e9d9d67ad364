// Where the drawing's nodes go: each node's gate and name (their sizes), then columns from the
// server's layers (app/layout.py), as wide as what they hold here, and rows from the server's
// heights, which reserved each label's room. No DOM: a 600-node drawing is placed in a few ms.
import { valueText } from "./graph-format.js";
import { FONT, textWidth } from "./graph-tensor.js";
import { t } from "./i18n.js";

export const GATE_R = 22;
export const LABEL_MAX = 12; // characters of an input's or constant's label (app/layout.py's LABEL_MAX)
export const PILL_FONT = 15;
export const ARROW = 14;
const COLUMN_GAP = 56;

export const clip = (text, max = LABEL_MAX) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const named = (node) => node.kind === "op" && !node.id.startsWith("#");
const r1 = (v) => Math.round(v * 10) / 10;

/** What a pill says: an input's name; a constant's value when short ([[0, 1]]), else "const". */
export function pillText(node) {
  if (node.kind === "input") return clip(node.label);
  const text = valueText(node.value);
  return text.length <= LABEL_MAX ? text : t("drawing.constant");
}

/** The symbol in a gate, and the gate's half width: a circle, or a stadium for a long name (hardtanh). */
function gateShape(node) {
  const symbol = node.symbol || node.op || "?";
  const font = symbol.length <= 1 ? 20 : FONT.symbol;
  const width = textWidth(symbol, font);
  return { symbol, font, half: node.kind === "op" ? Math.max(GATE_R, width / 2 + 9) : Math.max(15, textWidth(pillText(node), PILL_FONT) / 2 + 10) };
}

/** Every node's gate, name and position from the server's layout (x set later by place()). */
export function geometry(doc) {
  const geo = {};
  const layout = doc.layout || { nodes: {} };
  for (const node of doc.nodes) {
    const box = layout.nodes[node.id] || { x: 0, y: 0, layer: 0 };
    const gate = gateShape(node);
    const name = named(node) ? clip(node.label) : "";
    const nameW = name ? textWidth(name, FONT.name) + 4 : 0;
    geo[node.id] = { x: box.x, y: box.y, layer: box.layer ?? 0, half: gate.half, gate, name, nameW, ports: {} };
  }
  return geo;
}

/** Columns from each node's half width and shelf; x of every node and of every bend point. */
export function place(doc, geo, aspect) {
  const layers = [];
  for (const node of doc.nodes) {
    const g = geo[node.id];
    const col = (layers[g.layer] ||= { left: 0, right: 0 });
    col.left = Math.max(col.left, g.half);
    col.right = Math.max(col.right, g.half + 6 + g.shelf + ARROW + g.fork);
  }
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const node of doc.nodes) {
    const box = doc.layout?.nodes?.[node.id] || {};
    y0 = Math.min(y0, geo[node.id].y - (box.above ?? 30));
    y1 = Math.max(y1, geo[node.id].y + (box.below ?? 30));
  }
  for (let k = 0; k < layers.length; k++) layers[k] ||= { left: 0, right: 8 }; // a layer of bend points only
  // A drawing taller than the canvas's shape (forks' lanes make columns tall) widens its column gaps
  // (up to 2×) so that it fills the canvas's width; one wider spreads its rows apart (up to 1.8×) so
  // that it fills the height. Gaps only grow: every reserved box stays free, with room for labels to grow.
  const natural = layers.reduce((sum, col) => sum + col.left + col.right, 48) + COLUMN_GAP * (layers.length - 1);
  const wanted = aspect > 0 && y1 > y0 && layers.length > 1 ? (aspect * (y1 - y0) - natural) / (layers.length - 1) : 0;
  const gap = COLUMN_GAP + Math.min(COLUMN_GAP, Math.max(0, wanted));
  let x = 24;
  for (const col of layers) {
    col.x0 = x;
    col.x = x + col.left;
    col.x1 = x + col.left + col.right;
    x = col.x1 + gap;
  }
  for (const node of doc.nodes) {
    const g = geo[node.id];
    g.x = layers[g.layer].x;
    g.colRight = layers[g.layer].x1;
  }
  const width = x - gap + 24;
  const shape = aspect > 0 && y1 > y0 ? width / aspect / (y1 - y0) : 1;
  const spread = Math.min(1.8, Math.max(1, shape));
  const mid = (y0 + y1) / 2;
  const spreadY = (y) => r1(mid + (y - mid) * spread);
  for (const node of doc.nodes) geo[node.id].y = spreadY(geo[node.id].y);
  // The server's bend points name their column by its x; its columns list maps that x to a layer.
  const serverCols = doc.layout?.columns || [];
  const layerAt = new Map(serverCols.map((c, k) => [c.x, k]));
  return { layers, layerAt, spreadY };
}
