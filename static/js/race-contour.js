// The race's contour plot: the surface's grid from /optimize painted in quiet bands on a canvas,
// its level lines (marching squares) and every racer's path in SVG above it. Topology (one path
// and marker per racer, keyed by index) is built once per race; each animation frame only moves
// the path's end and its marker (style), as NN-SVG does.

import { paintGrid } from "./heatmap.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const S = 600; // the drawing's own square; CSS scales it
const LEVELS = 16;

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

/** The surface's values on a scale where its bands are evenly spread (log above the minimum). */
function transform(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of values) for (const v of row) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const logScale = lo >= 0 && hi - lo > 20;
  const eps = (hi - lo) * 1e-5 + 1e-12;
  const f = logScale ? (v) => Math.log10(v - lo + eps) : (v) => v;
  const flo = f(lo);
  const fhi = f(hi);
  return values.map((row) => row.map((v) => (Number.isFinite(v) ? (f(v) - flo) / (fhi - flo || 1) : 1)));
}

/** Segments where the grid crosses `level`, by marching squares, as SVG path data. */
function isoline(u, level, sx, sy) {
  let d = "";
  const rows = u.length;
  const cols = u[0].length;
  const cross = (a, b, va, vb) => a + ((level - va) / (vb - va)) * (b - a);
  for (let i = 0; i + 1 < rows; i += 1) {
    for (let j = 0; j + 1 < cols; j += 1) {
      const v = [u[i][j], u[i][j + 1], u[i + 1][j + 1], u[i + 1][j]];
      const pts = [];
      const corners = [[j, i], [j + 1, i], [j + 1, i + 1], [j, i + 1]];
      for (let e = 0; e < 4; e += 1) {
        const a = v[e];
        const b = v[(e + 1) % 4];
        if ((a < level) !== (b < level)) {
          const [x0, y0] = corners[e];
          const [x1, y1] = corners[(e + 1) % 4];
          pts.push([cross(x0, x1, a, b), cross(y0, y1, a, b)]);
        }
      }
      for (let p = 0; p + 1 < pts.length; p += 2) {
        d += `M${sx(pts[p][0]).toFixed(1)},${sy(pts[p][1]).toFixed(1)}L${sx(pts[p + 1][0]).toFixed(1)},${sy(pts[p + 1][1]).toFixed(1)}`;
      }
    }
  }
  return d;
}

const LOW = [214, 226, 240];
const MID = [238, 241, 243];
const HIGH = [250, 247, 240];

function bandColour(t) {
  const [a, b, k] = t < 0.5 ? [LOW, MID, t * 2] : [MID, HIGH, (t - 0.5) * 2];
  return a.map((c, i) => Math.round(c + (b[i] - c) * k));
}

export function createContourPlot(host, { onPick }) {
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
  const paths = el("g", { class: "rc-paths", "clip-path": "url(#rc-clip)" }, svg);
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

  /** Paint the grid {x, y, values} (values[i][j] = f(x[j], y[i])) and its level lines. */
  function setSurface(grid, min) {
    xr = [grid.x[0], grid.x[grid.x.length - 1]];
    yr = [grid.y[0], grid.y[grid.y.length - 1]];
    const u = transform(grid.values);
    const rows = u.length;
    const cols = u[0].length;
    // u[i] is the row y[i], smallest y first; the image's top row is the largest y.
    const band = (i, j) => Math.min(LEVELS - 1, Math.floor(u[i][j] * LEVELS)) / (LEVELS - 1);
    paintGrid(canvas, rows, cols, (r, c) => bandColour(band(rows - 1 - r, c)), { smooth: false });
    const sx = (j) => (j / (cols - 1)) * S;
    const sy = (i) => (1 - i / (rows - 1)) * S;
    lines.replaceChildren();
    for (let l = 1; l < LEVELS; l += 1) {
      el("path", { d: isoline(u, l / LEVELS, sx, sy), class: l % 4 === 0 ? "rc-level rc-level-major" : "rc-level" }, lines);
    }
    minimum.style.display = min ? "" : "none";
    if (min) minimum.setAttribute("transform", `translate(${px(min[0])},${py(min[1])})`);
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

  function pick(event) {
    const box = svg.getBoundingClientRect();
    const u = (event.clientX - box.left) / box.width;
    const v = (event.clientY - box.top) / box.height;
    const x = xr[0] + u * (xr[1] - xr[0]);
    const y = yr[1] - v * (yr[1] - yr[0]);
    onPick([Number(x.toFixed(3)), Number(y.toFixed(3))]);
  }
  svg.addEventListener("click", pick);

  return { setSurface, setStart, setRacers, reveal, ranges: () => ({ x: xr, y: yr }), element: svg };
}
