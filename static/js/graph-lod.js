// Semantic zoom: which labels the drawing shows at zoom k, and how large. A label is never drawn
// under MIN_PX on screen: one whose type would be smaller grows about its anchor on the wire (up to
// MAX_GROW times) when the room around it is free — of other labels, gates and wires — and is left
// out otherwise, until the user zooms in. At k ≥ MIN_PX / font every label sits in the box the
// layout reserved for it, so at a readable zoom everything shows. Greedy, in priority order, on a
// grid of cells in drawing units: a few milliseconds for a 600-node drawing, run once per zoom.
// A label is created only when it first shows (its markup kept until then): a 600-node drawing
// opened at a readable zoom shows a few dozen of its ~2 000 labels, and the browser parses, styles
// and lays out only those. Labels created once stay, toggled by .lod-off.
export const MIN_PX = 11;
const MAX_GROW = 2.2;
const CELL = 32; // the grid's cell, in drawing units
const RUN_CELL = 256; // a straight run's cells are this wide (runs are long: a wide graph's cross many columns)
const BLOCK = 512; // curves are sampled a block at a time, when a label in it first needs room
const SAMPLE = 8; // a wire is sampled every SAMPLE drawing units (the thinnest label is 15 high)

const registry = new Map(); // data-lod of a drawing's label group → its level of detail (for exports)
let serial = 0;

/**
 * items: [{x, y, w, h, up, font, rank, node?, far?, inside?, el? | html()}] — the label's anchor (x, y)
 * on the wire, its size at scale 1 (growing up from y when `up`, down otherwise), its smallest type;
 * `inside` labels (a gate's symbol, `el` already drawn) show only at full size; `far` ones (a node's
 * short name, centred on it) always have MIN_PX + 1 type on screen; the others are created from
 * html() (the content of their <g class="lab">, written when first needed) into groups.labels (far ones into groups.far) when
 * they first show, and handed to onCreate(elements, live) (live: false for an export's copy).
 * obstacles: gate boxes {x0, y0, x1, y1, node}. wires: [{curves, runs, ends: [source, target]}] (wireParts).
 */
export function createLod(items, obstacles, wires, { groups, onCreate = () => {} }) {
  const id = String(++serial);
  groups.labels.setAttribute("data-lod", id);
  const put = (map, key, value) => { const list = map.get(key); if (list) list.push(value); else map.set(key, [value]); };
  // Per cell, flat: the curves' points [x, y, wire, …] and the straight runs [x0, x1, y, wire, …]
  // (most of a wire's length, one entry per RUN_CELL-wide cell it crosses). Made when a label first
  // needs room; a curve is sampled only when a label in one of the blocks it crosses asks.
  let points = null;
  let runs = null;
  let curves = null; // block → [curve, wire, …]
  const sampled = new Set(); // blocks whose curves are in `points`
  const list = (map, key) => { let l = map.get(key); if (!l) map.set(key, (l = [])); return l; };
  function wireGrid() {
    points = new Map();
    runs = new Map();
    curves = new Map();
    wires.forEach((wire, w) => {
      for (const c of wire.curves) { // inside its control points' box
        const [x0, x1] = [Math.min(c[0], c[2], c[4], c[6]), Math.max(c[0], c[2], c[4], c[6])];
        const [y0, y1] = [Math.min(c[1], c[3], c[5], c[7]), Math.max(c[1], c[3], c[5], c[7])];
        eachCell({ x0, y0, x1, y1 }, (key) => list(curves, key).push(c, w), BLOCK);
      }
      const r = wire.runs;
      for (let i = 0; i < r.length; i += 3) {
        const j = Math.floor(r[i + 2] / CELL);
        for (let c = Math.floor(r[i] / RUN_CELL); c <= Math.floor(r[i + 1] / RUN_CELL); c++) list(runs, cellKey(c, j)).push(r[i], r[i + 1], r[i + 2], w);
      }
    });
  }
  function sample(box) {
    eachCell(box, (block) => {
      if (sampled.has(block)) return;
      sampled.add(block);
      const mine = curves.get(block) || [];
      for (let i = 0; i < mine.length; i += 2) {
        sampleCurve(mine[i], (x, y) => {
          const key = cellKey(Math.floor(x / CELL), Math.floor(y / CELL));
          if (blockOf(key) === block) list(points, key).push(x, y, mine[i + 1]);
        });
      }
    }, BLOCK);
  }
  const gates = new Map();
  for (const box of obstacles) eachCell(box, (key) => put(gates, key, box));
  const ranked = [...items].sort((a, b) => a.rank - b.rank);
  let lastK = null;
  let lastKey = null;
  let fresh = []; // shown for the first time in this update: created together, in one parse each group

  /**
   * Show, grow or hide every label for zoom k; `view` ({x0, y0, x1, y1} in drawing units) is what the
   * canvas shows: labels wholly outside it are left out too, so the browser lays out only what can be
   * seen (a 600-node drawing opened zoomed in). Nothing to do when neither has changed.
   */
  function update(k, view = null) {
    const key = view ? `${k}|${Math.round(view.x0)}|${Math.round(view.y0)}|${Math.round(view.x1)}` : `${k}`;
    if (key === lastKey) return;
    lastKey = key;
    lastK = k;
    const pad = view ? (view.x1 - view.x0) * 0.25 : 0; // a margin, so a small pan needs no relayout
    const outside = (x0, y0, x1, y1) => view !== null
      && (x1 < view.x0 - pad || x0 > view.x1 + pad || y1 < view.y0 - pad || y0 > view.y1 + pad);
    const placed = new Map();
    const named = new Set(); // nodes whose own gate text shows: no far label for them
    for (const item of ranked) {
      if (item.far && named.has(item.node)) { apply(item, false, 1); continue; }
      if (outside(item.x - 60 / k, item.y - 60 / k, item.x + (item.w || 0) * 3 + 60 / k, item.y + 60 / k)) {
        apply(item, false, 1);
        if (item.inside) named.add(item.node);
        continue;
      }
      const grow = item.far ? (MIN_PX + 1) / (item.font * k) : Math.max(1, MIN_PX / (item.font * k));
      let show = item.inside ? grow <= 1.0001 : item.far || grow <= MAX_GROW;
      let box = null;
      if (show && !item.inside) {
        const w = item.w * grow;
        const h = item.h * grow;
        box = item.far ? { x0: item.x - w / 2, y0: item.y - h / 2, x1: item.x + w / 2, y1: item.y + h / 2 }
          : { x0: item.x, x1: item.x + w, y0: item.up ? item.y - h : item.y, y1: item.up ? item.y : item.y + h };
        // A label in its own reserved box needs no search: the layout kept that room free.
        show = (grow <= 1 && !item.far) || free(box, item, placed);
      }
      if (show && box) eachCell(box, (key) => put(placed, key, box));
      if (show && item.inside) named.add(item.node);
      apply(item, show, item.inside ? 1 : grow);
    }
    if (fresh.length) create(fresh);
    fresh = [];
  }

  function apply(item, show, grow) {
    if (!item.el) { // not drawn yet: created at the end of the update if it shows
      if (show) { item.grow = grow; fresh.push(item); }
      item.shown = show;
      return;
    }
    if (item.shown !== show) {
      item.el.classList.toggle("lod-off", !show);
      item.shown = show;
    }
    if (show && !item.inside && item.grow !== grow) {
      item.grow = grow;
      item.el.setAttribute("transform", placement(item, grow));
    }
  }

  /** Markup for each item into its group (one insertAdjacentHTML each), joined back in order. */
  function create(list, into = groups, live = true) {
    const made = [];
    for (const far of [false, true]) {
      const mine = list.filter((item) => Boolean(item.far) === far);
      if (!mine.length) continue;
      const group = far ? into.far : into.labels;
      const cls = far ? "lab far-lab" : "lab";
      let html = "";
      for (const item of mine) html += `<g class="${cls}" transform="${placement(item, item.grow)}">${item.html()}</g>`;
      const start = group.children.length;
      group.insertAdjacentHTML("beforeend", html);
      const els = group.children;
      mine.forEach((item, i) => {
        if (live) item.el = els[start + i];
        made.push(els[start + i]);
      });
    }
    onCreate(made, live);
  }

  const api = {
    update,
    get k() { return lastK; },
    /** Every label not drawn yet, at full size, into `labels` (an export's copy of the drawing). */
    fill(labels) {
      const missing = items.filter((item) => !item.el && !item.far && !item.inside);
      create(missing.map((item) => ({ ...item, grow: 1 })), { labels }, false);
    },
    dispose() { registry.delete(id); },
  };
  registry.set(id, api);
  return api;

  function free(box, item, placed) {
    if (!points) wireGrid();
    sample(box);
    const own = (w) => item.far && wires[w].ends.includes(item.node); // a node's own wires end on it
    let ok = true;
    eachCell(box, (key) => {
      if (!ok) return;
      for (const other of placed.get(key) || []) if (overlaps(box, other)) { ok = false; return; }
      for (const gate of gates.get(key) || []) {
        if (gate.node !== item.node && overlaps(box, gate)) { ok = false; return; }
      }
      const p = points.get(key) || [];
      for (let i = 0; i < p.length; i += 3) {
        if (p[i] > box.x0 && p[i] < box.x1 && p[i + 1] > box.y0 && p[i + 1] < box.y1 && !own(p[i + 2])) { ok = false; return; }
      }
    });
    if (!ok) return false;
    for (let c = Math.floor(box.x0 / RUN_CELL); c <= Math.floor(box.x1 / RUN_CELL); c++) {
      for (let j = Math.floor(box.y0 / CELL); j <= Math.floor(box.y1 / CELL); j++) {
        const r = runs.get(cellKey(c, j)) || [];
        for (let i = 0; i < r.length; i += 4) {
          if (r[i] < box.x1 && r[i + 1] > box.x0 && r[i + 2] > box.y0 && r[i + 2] < box.y1 && !own(r[i + 3])) return false;
        }
      }
    }
    return true;
  }

}

const placement = (item, grow) => `translate(${item.x} ${item.y})${grow === 1 ? "" : ` scale(${grow.toFixed(3)})`}`;

const overlaps = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

function eachCell(box, visit, size = CELL) {
  const [i0, i1] = [Math.floor(box.x0 / size), Math.floor(box.x1 / size)];
  const [j0, j1] = [Math.floor(box.y0 / size), Math.floor(box.y1 / size)];
  for (let i = i0; i <= i1; i++) for (let j = j0; j <= j1; j++) visit(cellKey(i, j));
}

const cellKey = (i, j) => (i + 32768) * 65536 + j + 32768;
/** The BLOCK holding a CELL (cells never straddle blocks: BLOCK is a multiple of CELL). */
const blockOf = (key) => {
  const i = Math.floor(key / 65536) - 32768;
  const j = (key % 65536) - 32768;
  return cellKey(Math.floor((i * CELL) / BLOCK), Math.floor((j * CELL) / BLOCK));
};

/** A path of horizontal runs [x0, y, x1, y] and cubic curves as {curves: [[x0, y0, c1x, c1y, c2x, c2y, x1, y1], …], runs: [x0, x1, y, …]}. */
export function wireParts(segments) {
  const curves = [];
  const runs = [];
  for (const seg of segments) {
    if (seg.length === 4) runs.push(Math.min(seg[0], seg[2]), Math.max(seg[0], seg[2]), seg[1]);
    else curves.push(seg);
  }
  return { curves, runs };
}

/** visit(x, y) every SAMPLE units (or closer) along a cubic curve [x0, y0, c1x, c1y, c2x, c2y, x1, y1]. */
function sampleCurve(seg, visit) {
  const n = Math.max(2, Math.ceil((Math.abs(seg[6] - seg[0]) + Math.abs(seg[7] - seg[1])) / SAMPLE));
  for (let i = 0; i <= n; i++) {
    const s = i / n;
    const u = 1 - s;
    const b0 = u * u * u;
    const b1 = 3 * u * u * s;
    const b2 = 3 * u * s * s;
    const b3 = s * s * s;
    visit(b0 * seg[0] + b1 * seg[2] + b2 * seg[4] + b3 * seg[6], b0 * seg[1] + b1 * seg[3] + b2 * seg[5] + b3 * seg[7]);
  }
}

/** A copy of the drawing (an export) at full detail: every label in its reserved box, no far names. */
export function fullDetail(root) {
  const labels = root.querySelector(".labels[data-lod]");
  registry.get(labels?.getAttribute("data-lod"))?.fill(labels);
  for (const el of root.querySelectorAll(".far-lab")) el.remove();
  for (const el of root.querySelectorAll(".lod-off")) el.classList.remove("lod-off");
  for (const el of root.querySelectorAll(".lab[transform]")) {
    el.setAttribute("transform", el.getAttribute("transform").replace(/\s*scale\([^)]*\)/, ""));
  }
}
