// A small reusable SVG line chart (the Playground's linechart.ts): several named series, a
// shared x axis (step), a linear or logarithmic y axis chosen from the data, and a legend that
// tells series apart by dash pattern and marker as well as by colour.

import { formatNumber } from "./i18n.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const W = 320;
const H = 150;
const M = { left: 44, right: 10, top: 10, bottom: 22 };

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

/** Short label for an axis tick: 3 significant digits, exponent form when tiny or huge, in the page's language. */
export function formatTick(v) {
  if (!Number.isFinite(v)) return formatNumber(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(0).replace("e+", "e").replace("-", "−");
  return formatNumber(Number(v.toPrecision(3)), 3);
}

/** 3–6 round ticks (1, 2 or 5 × 10ᵏ apart) covering [lo, hi]. */
export function niceTicks(lo, hi) {
  const raw = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 0.999; v += step) {
    ticks.push(Number(v.toPrecision(12)));
    if (v >= hi) break;
  }
  return ticks;
}

/** Powers of ten covering [10^lo, 10^hi] (at most 6, every other decade when many). */
function decadeTicks(lo, hi) {
  const a = Math.floor(lo);
  const b = Math.ceil(hi);
  const every = Math.max(1, Math.ceil((b - a) / 5));
  const ticks = [];
  for (let k = a; k <= b; k += every) ticks.push(10 ** k);
  return ticks;
}

function finite(values) {
  return values.filter((v) => typeof v === "number" && Number.isFinite(v));
}

/**
 * createLineChart(container, {series: [{key, color, dash, label}], ariaLabel, height})
 * returns {update(data, {maxX}), setLabels(map), element}; data maps a series key to its values
 * (index = step).
 */
export function createLineChart(container, options) {
  const series = options.series;
  const height = options.height || H;
  const svg = el("svg", {
    viewBox: `0 0 ${W} ${height}`,
    class: "linechart",
    role: "img",
    preserveAspectRatio: "xMidYMid meet",
  });
  const title = el("title", {}, svg);
  title.textContent = options.ariaLabel || "";
  const grid = el("g", { class: "lc-grid" }, svg);
  const axes = el("g", { class: "lc-axes" }, svg);
  const lines = el("g", { class: "lc-lines" }, svg);
  const paths = new Map();
  for (const s of series) {
    const path = el("path", {
      class: "lc-line",
      "data-series": s.key,
      fill: "none",
      stroke: s.color,
      "stroke-width": s.width || 2,
      "stroke-dasharray": s.dash || "none",
      "stroke-linejoin": "round",
      "stroke-linecap": "round",
    }, lines);
    paths.set(s.key, path);
  }
  container.appendChild(svg);

  let legend = null;
  if (options.legend !== false) {
    legend = document.createElement("ul");
    legend.className = "lc-legend";
    container.appendChild(legend);
  }
  const legendLabels = new Map();
  const legendValues = new Map();
  for (const s of series) {
    if (!legend) break;
    const li = document.createElement("li");
    const sw = el("svg", { viewBox: "0 0 28 10", width: 28, height: 10, "aria-hidden": "true" });
    el("line", {
      x1: 1, y1: 5, x2: 27, y2: 5, stroke: s.color, "stroke-width": 2.5,
      "stroke-dasharray": s.dash || "none", "stroke-linecap": "round",
    }, sw);
    const name = document.createElement("span");
    name.className = "lc-name";
    name.textContent = s.label || s.key;
    const value = document.createElement("span");
    value.className = "lc-value";
    li.append(sw, name, value);
    legend.appendChild(li);
    legendLabels.set(s.key, name);
    legendValues.set(s.key, value);
  }

  const marksLayer = el("g", { class: "lc-marks" }, svg);

  /**
   * data: {key: values}, and optionally data.x (the x of each index; else the index itself).
   * opts: maxX (the axis' end), xLabel (the axis' name, e.g. "step"), marks [{x, label}] (a
   * dashed rule where something changed), reveal (draw the first k values), log, zero.
   */
  function update(data, opts = {}) {
    const all = [];
    let n = 1;
    for (const s of series) {
      const values = data[s.key] || [];
      n = Math.max(n, values.length);
      all.push(...finite(values));
    }
    const xs = data.x || null;
    const xAt = (i) => (xs ? xs[i] : i);
    const x0 = 0;
    const maxX = Math.max(x0 + 1, opts.maxX ?? (xs ? xs[xs.length - 1] ?? 1 : n - 1));
    let lo = all.length ? Math.min(...all) : 0;
    let hi = all.length ? Math.max(...all) : 1;
    const log = opts.log !== false && lo > 0 && hi / lo > 50;
    if (log) {
      lo = Math.log10(lo);
      hi = Math.log10(hi);
    }
    if (hi - lo < 1e-12) {
      hi += log ? 0.5 : Math.max(0.5, Math.abs(hi) * 0.1);
      lo -= log ? 0.5 : Math.max(0.5, Math.abs(lo) * 0.1);
    }
    if (!log && opts.zero !== false && lo > 0 && lo < hi * 0.5) lo = 0;
    const ticks = log ? decadeTicks(lo, hi) : niceTicks(lo, hi);
    if (!log) {
      lo = Math.min(lo, ticks[0]);
      hi = Math.max(hi, ticks[ticks.length - 1]);
    } else {
      lo = Math.min(lo, Math.log10(ticks[0]));
      hi = Math.max(hi, Math.log10(ticks[ticks.length - 1]));
    }
    const bottom = opts.xLabel ? M.bottom + 12 : M.bottom;
    const sx = (x) => M.left + ((x - x0) / (maxX - x0)) * (W - M.left - M.right);
    const px = (i) => sx(xAt(i));
    const py = (v) => {
      const y = log ? Math.log10(v) : v;
      return M.top + (1 - (y - lo) / (hi - lo)) * (height - M.top - bottom);
    };

    grid.replaceChildren();
    axes.replaceChildren();
    for (const v of ticks) {
      const yy = py(v);
      el("line", { x1: M.left, x2: W - M.right, y1: yy, y2: yy, class: "lc-gridline" }, grid);
      const label = el("text", { x: M.left - 5, y: yy + 3.5, "text-anchor": "end", class: "lc-tick" }, axes);
      label.textContent = formatTick(v);
    }
    el("line", { x1: M.left, x2: W - M.right, y1: height - bottom, y2: height - bottom, class: "lc-axis" }, axes);
    // x ticks: round numbers of steps (or the range's two ends when it is tiny).
    const xticks = maxX - x0 >= 4 ? niceTicks(x0, maxX).filter((v) => v <= maxX && Number.isInteger(v)) : [x0, maxX];
    for (const v of xticks) {
      const xx = sx(v);
      el("line", { x1: xx, x2: xx, y1: height - bottom, y2: height - bottom + 3, class: "lc-axis" }, axes);
      const label = el("text", { x: xx, y: height - bottom + 12, "text-anchor": v === x0 ? "start" : "middle", class: "lc-tick lc-xtick" }, axes);
      label.textContent = formatTick(v);
    }
    if (opts.xLabel) {
      const xl = el("text", { x: (W + M.left) / 2, y: height - 3, "text-anchor": "middle", class: "lc-tick lc-xlabel" }, axes);
      xl.textContent = opts.xLabel;
    }
    marksLayer.replaceChildren();
    for (const m of opts.marks || []) {
      if (!(m.x >= x0 && m.x <= maxX)) continue;
      const g = el("g", { class: "lc-mark", "data-x": m.x }, marksLayer);
      el("line", { x1: sx(m.x), x2: sx(m.x), y1: M.top, y2: height - bottom, class: "lc-mark-line" }, g);
      const t = el("title", {}, g);
      t.textContent = m.label || "";
    }

    for (const s of series) {
      const values = data[s.key] || [];
      let d = "";
      let pen = false;
      const limit = opts.reveal ?? values.length;
      for (let i = 0; i < Math.min(values.length, limit); i += 1) {
        const v = values[i];
        if (typeof v !== "number" || !Number.isFinite(v) || (log && v <= 0)) {
          pen = false;
          continue;
        }
        d += `${pen ? "L" : "M"}${px(i).toFixed(1)},${py(v).toFixed(1)}`;
        pen = true;
      }
      paths.get(s.key).setAttribute("d", d);
      const last = finite(values.slice(0, limit)).pop();
      if (legendValues.has(s.key)) legendValues.get(s.key).textContent = last === undefined ? "" : formatNumber(last, 3);
    }
  }

  function setLabels(labels, aria) {
    for (const [key, text] of Object.entries(labels)) {
      if (legendLabels.has(key)) legendLabels.get(key).textContent = text;
    }
    if (aria !== undefined) title.textContent = aria;
  }

  return { update, setLabels, element: svg };
}
