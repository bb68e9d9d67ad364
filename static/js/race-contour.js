// The race's contour plot: the surface's grid from /optimize painted in quiet bands on a canvas,
// its level lines (contour.js: marching squares, log-spaced levels), axes with ticks, every
// racer's path in SVG above it, and at the shown step each racer's gradient and update arrows
// (race-arrows.js). Topology (one path and marker per racer, keyed by index) is built once per
// race; each animation frame only moves the path's end and its marker (style), as NN-SVG does.
// The start is dragged (or clicked) with the pointer.

import { paintGrid } from "./heatmap.js";
import { isolines, levels as levelsFor, pathData } from "./contour.js";
import { formatTick } from "./linechart.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const S = 600; // the drawing's own square; CSS scales it
const LEVELS = 18;

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

/** SVG path data of a marker centred on (0, 0) with radius r. */
export function markerPath(kind, r = 6) {
  const k = r * 0.9;
  switch (kind) {
    case "square": return `M${-k},${-k}H${k}V${k}H${-k}Z`;
    case "triangle": return `M0,${-r * 1.15}L${r},${r * 0.75}H${-r}Z`;
    case "diamond": return `M0,${-r * 1.25}L${r},0L0,${r * 1.25}L${-r},0Z`;
    case "cross": return `M${-k},${-k}L${k},${k}M${k},${-k}L${-k},${k}`;
    case "star": {
      let d = "";
      for (let i = 0; i < 10; i += 1) {
        const a = (Math.PI / 5) * i - Math.PI / 2;
        const rr = i % 2 ? r * 0.5 : r * 1.2;
        d += `${i ? "L" : "M"}${(rr * Math.cos(a)).toFixed(2)},${(rr * Math.sin(a)).toFixed(2)}`;
      }
      return `${d}Z`;
    }
    default: return `M${-r},0A${r},${r} 0 1 0 ${r},0A${r},${r} 0 1 0 ${-r},0Z`;
  }
}

/** A small SVG swatch (line in the racer's dash + its marker) for legends and cards. */
export function swatch(style, width = 34) {
  const svg = el("svg", { viewBox: `0 0 ${width} 14`, width, height: 14, "aria-hidden": "true", class: "rc-swatch" });
  el("line", { x1: 2, y1: 7, x2: width - 2, y2: 7, stroke: style.color, "stroke-width": 2.5,
    "stroke-dasharray": style.dash, "stroke-linecap": "round" }, svg);
  el("path", { d: markerPath(style.marker, 4.5), transform: `translate(${width / 2},7)`, class: "rc-marker",
    fill: style.marker === "cross" ? "none" : style.color, stroke: style.marker === "cross" ? style.color : "#fff",
    "stroke-width": style.marker === "cross" ? 2.5 : 1 }, svg);
  return svg;
}

/** Round ticks (1, 2 or 5 × 10ᵏ apart), 5 to 10 of them across [lo, hi]. */
function roundTicks(lo, hi) {
  const raw = (hi - lo) / 7;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const LOW = [214, 226, 240];
const MID = [238, 241, 243];
const HIGH = [250, 247, 240];

function bandColour(t) {
  const [a, b, k] = t < 0.5 ? [LOW, MID, t * 2] : [MID, HIGH, (t - 0.5) * 2];
  return a.map((c, i) => Math.round(c + (b[i] - c) * k));
}

export function createContourPlot(host, { onPick, onDrag = () => {} }) {
  host.classList.add("rc-plot");
  const canvas = document.createElement("canvas");
  canvas.width = S;
  canvas.height = S;
  canvas.className = "rc-canvas";
  const svg = el("svg", { viewBox: `0 0 ${S} ${S}`, class: "rc-svg" });
  const defs = el("defs", {}, svg);
  const clip = el("clipPath", { id: "rc-clip" }, defs);
  el("rect", { x: 0, y: 0, width: S, height: S }, clip);
  const lines = el("g", { class: "rc-levels" }, svg);
  const axes = el("g", { class: "rc-axes", "aria-hidden": "true" }, svg);
  const paths = el("g", { class: "rc-paths", "clip-path": "url(#rc-clip)" }, svg);
  const arrows = el("g", { class: "rc-arrows", "clip-path": "url(#rc-clip)" }, svg);
  const minimum = el("path", { class: "rc-minimum", d: markerPath("star", 7) }, svg);
  const start = el("g", { class: "rc-start" }, svg);
  el("circle", { r: 9 }, start);
  el("path", { d: "M-14,0H-5M5,0H14M0,-14V-5M0,5V14" }, start);
  host.append(canvas, svg);

  let xr = [-2, 2];
  let yr = [-2, 2];
  let racers = [];
  const px = (x) => ((x - xr[0]) / (xr[1] - xr[0])) * S;
  const py = (y) => (1 - (y - yr[0]) / (yr[1] - yr[0])) * S;
  const inside = (x, y) => Math.abs(px(x) - S / 2) < S * 4 && Math.abs(py(y) - S / 2) < S * 4;

  /** Paint the grid {x, y, values} (values[i][j] = f(x[j], y[i])), its level lines and axes. */
  function setSurface(grid, min) {
    xr = [grid.x[0], grid.x[grid.x.length - 1]];
    yr = [grid.y[0], grid.y[grid.y.length - 1]];
    const values = grid.values;
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of values) for (const v of row) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const { values: levels } = levelsFor(lo, hi, LEVELS);
    const rows = values.length;
    const cols = values[0].length;
    // The band of a cell: how many levels lie below its value (row i is y[i], smallest y first;
    // the image's top row is the largest y).
    const band = (v) => {
      let k = 0;
      while (k < levels.length && v >= levels[k]) k += 1;
      return k / levels.length;
    };
    paintGrid(canvas, rows, cols, (r, c) => bandColour(Number.isFinite(values[rows - 1 - r][c]) ? band(values[rows - 1 - r][c]) : 1), { smooth: true });
    const sx = (j) => (j / (cols - 1)) * S;
    const sy = (i) => (1 - i / (rows - 1)) * S;
    lines.replaceChildren();
    levels.forEach((level, l) => {
      el("path", { d: pathData(isolines(values, level), sx, sy), class: (l + 1) % 4 === 0 ? "rc-level rc-level-major" : "rc-level",
        "data-level": level.toPrecision(4) }, lines);
    });
    drawAxes();
    minimum.style.display = min ? "" : "none";
    if (min) minimum.setAttribute("transform", `translate(${px(min[0])},${py(min[1])})`);
  }

  /** Ticks on the bottom and left edges, inside the square (the plot fills its panel). */
  function drawAxes() {
    axes.replaceChildren();
    for (const v of roundTicks(xr[0], xr[1])) {
      const x = px(v);
      if (x < 30 || x > S - 30) continue; // the corners belong to the axis names
      el("line", { x1: x, x2: x, y1: S, y2: S - 8, class: "rc-tick" }, axes);
      const text = el("text", { x, y: S - 12, "text-anchor": "middle", class: "rc-tick-label" }, axes);
      text.textContent = formatTick(v);
    }
    for (const v of roundTicks(yr[0], yr[1])) {
      const y = py(v);
      if (y < 30 || y > S - 30) continue;
      el("line", { x1: 0, x2: 8, y1: y, y2: y, class: "rc-tick" }, axes);
      const text = el("text", { x: 12, y: y + 4, class: "rc-tick-label" }, axes);
      text.textContent = formatTick(v);
    }
    const xName = el("text", { x: S - 6, y: S - 28, "text-anchor": "end", class: "rc-axis-name" }, axes);
    xName.textContent = "x";
    const yName = el("text", { x: 12, y: 18, class: "rc-axis-name" }, axes);
    yName.textContent = "y";
  }

  function setStart([x, y]) {
    start.setAttribute("transform", `translate(${px(x).toFixed(1)},${py(y).toFixed(1)})`);
  }

  /** Topology: one path and one marker per racer ({path: [[x, y]…], style}). */
  function setRacers(next) {
    racers = next;
    paths.replaceChildren();
    for (const [k, r] of racers.entries()) {
      const g = el("g", { class: "rc-racer", "data-racer": k }, paths);
      r.line = el("path", { class: "rc-path", stroke: r.style.color, "stroke-dasharray": r.style.dash }, g);
      const cross = r.style.marker === "cross";
      r.marker = el("path", { d: markerPath(r.style.marker, 7), class: "rc-marker",
        fill: cross ? "none" : r.style.color, stroke: cross ? r.style.color : "#fff", "stroke-width": cross ? 3 : 1.5 }, g);
    }
  }

  /** Style: show every path up to step k. */
  function reveal(k) {
    for (const r of racers) {
      let d = "";
      let last = null;
      const upto = Math.min(k, r.path.length - 1);
      for (let i = 0; i <= upto; i += 1) {
        const [x, y] = r.path[i];
        if (!Number.isFinite(x) || !Number.isFinite(y) || !inside(x, y)) break;
        d += `${i ? "L" : "M"}${px(x).toFixed(1)},${py(y).toFixed(1)}`;
        last = [x, y];
      }
      r.line.setAttribute("d", d);
      r.marker.style.display = last ? "" : "none";
      if (last) r.marker.setAttribute("transform", `translate(${px(last[0]).toFixed(1)},${py(last[1]).toFixed(1)})`);
    }
  }

  function toData(event) {
    const box = svg.getBoundingClientRect();
    const u = Math.max(0, Math.min(1, (event.clientX - box.left) / box.width));
    const v = Math.max(0, Math.min(1, (event.clientY - box.top) / box.height));
    const x = xr[0] + u * (xr[1] - xr[0]);
    const y = yr[1] - v * (yr[1] - yr[0]);
    return [Number(x.toFixed(3)), Number(y.toFixed(3))];
  }
  // Press anywhere to put the start there; keep the button down to drag it (the race follows).
  let dragging = false;
  svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    dragging = true;
    svg.setPointerCapture(event.pointerId);
    const at = toData(event);
    setStart(at);
    onDrag(at);
    event.preventDefault();
  });
  svg.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    const at = toData(event);
    setStart(at);
    onDrag(at);
  });
  const drop = (event) => {
    if (!dragging) return;
    dragging = false;
    onPick(toData(event));
  };
  svg.addEventListener("pointerup", drop);
  svg.addEventListener("pointercancel", drop);

  return { setSurface, setStart, setRacers, reveal, px, py, arrows, ranges: () => ({ x: xr, y: yr }), element: svg };
}
