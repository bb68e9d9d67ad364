// Canvas heatmaps (the Playground's heatmap.ts): a model's output over the data square,
// coloured on a diverging orange → neutral → blue scale (readable with the common colour-vision
// deficiencies), with the data points drawn over it. Points are told apart by shape as well
// as colour: positive = circle, negative = square; test points are hollow.

const NEG = [232, 125, 30]; // orange
const POS = [24, 110, 180]; // blue

function cssColor(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const m = /^#([0-9a-f]{6})$/i.exec(v);
  if (!m) return fallback;
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The neutral colour in the middle of the scale follows the theme (light or dark). */
export function palette() {
  return {
    neg: cssColor("--heat-neg", NEG),
    mid: cssColor("--heat-mid", [246, 245, 241]),
    pos: cssColor("--heat-pos", POS),
    negInk: cssColor("--point-neg", [205, 95, 0]),
    posInk: cssColor("--point-pos", [10, 84, 150]),
  };
}

/** Colour for v in [lo, hi] (clamped); the midpoint of the domain is neutral. */
export function colorAt(v, lo, hi, pal, strength = 1) {
  if (!Number.isFinite(v)) return [128, 128, 128];
  let t = (v - lo) / (hi - lo);
  t = Math.max(0, Math.min(1, t)) * 2 - 1;
  const end = t < 0 ? pal.neg : pal.pos;
  const a = Math.abs(t) * strength;
  return [0, 1, 2].map((i) => Math.round(pal.mid[i] + (end[i] - pal.mid[i]) * a));
}

/**
 * Paint a rows × cols grid of colours, colour(r, c) → [red, green, blue] with row 0 at the top,
 * stretched over the whole canvas: an off-screen canvas of the grid's own size, then drawImage
 * (smoothed or not) scales it.
 */
export function paintGrid(canvas, rows, cols, colour, { smooth = true } = {}) {
  const off = document.createElement("canvas");
  off.width = cols;
  off.height = rows;
  const octx = off.getContext("2d");
  const image = octx.createImageData(cols, rows);
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols; c += 1) {
      const [red, green, blue] = colour(r, c);
      const k = (r * cols + c) * 4;
      image.data[k] = red;
      image.data[k + 1] = green;
      image.data[k + 2] = blue;
      image.data[k + 3] = 255;
    }
  }
  octx.putImageData(image, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = smooth;
  ctx.imageSmoothingQuality = "high";
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

/** Paint values[row][col] onto the canvas, row 0 at the top, stretched to the canvas size. */
export function drawHeatmap(canvas, values, { domain = [-1, 1], smooth = true, pal = palette(), strength = 1 } = {}) {
  const rows = values.length;
  const cols = rows ? values[0].length : 0;
  if (!rows || !cols) {
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    return;
  }
  paintGrid(canvas, rows, cols, (r, c) => colorAt(values[r][c], domain[0], domain[1], pal, strength), { smooth });
}

/** Sample f(x, y) on an n × n grid over the square [lo, hi]², row 0 at the top (y = hi). */
export function sampleGrid(f, n, lo, hi) {
  const values = [];
  for (let r = 0; r < n; r += 1) {
    const y = hi - ((hi - lo) * r) / (n - 1);
    const row = [];
    for (let c = 0; c < n; c += 1) row.push(f(lo + ((hi - lo) * c) / (n - 1), y));
    values.push(row);
  }
  return values;
}

/**
 * Draw points [{x, y, label, test}] over the canvas; extent = [lo, hi] of the square.
 * label > mid is positive (blue circle), otherwise negative (orange square).
 */
export function drawPoints(canvas, points, opts = {}) {
  const { extent, domain = [-1, 1], pal = palette(), radius = 3.6, continuous = false } = opts;
  const ctx = canvas.getContext("2d");
  const [lo, hi] = extent;
  const sx = (x) => ((x - lo) / (hi - lo)) * canvas.width;
  const sy = (y) => (1 - (y - lo) / (hi - lo)) * canvas.height;
  const mid = (domain[0] + domain[1]) / 2;
  const ink = `rgb(${cssColor("--point-stroke", [255, 255, 255]).join(",")})`;
  for (const p of points) {
    const x = sx(p.x);
    const y = sy(p.y);
    const positive = continuous || p.label > mid;
    const col = continuous ? colorAt(p.label, domain[0], domain[1], pal) : positive ? pal.posInk : pal.negInk;
    const rgb = `rgb(${col.join(",")})`;
    ctx.beginPath();
    if (positive) ctx.arc(x, y, radius, 0, Math.PI * 2);
    else ctx.rect(x - radius * 0.88, y - radius * 0.88, radius * 1.76, radius * 1.76);
    ctx.fillStyle = p.test ? ink : rgb;
    ctx.fill();
    ctx.strokeStyle = p.test ? rgb : ink;
    ctx.lineWidth = p.test ? 2 : 1;
    ctx.stroke();
  }
}

/** True when the canvas holds more than one colour (used by tests and sanity checks). */
export function canvasIsPainted(canvas) {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let k = 4; k < data.length; k += 4) {
    if (data[k] !== data[0] || data[k + 1] !== data[1] || data[k + 2] !== data[2]) return true;
  }
  return false;
}
