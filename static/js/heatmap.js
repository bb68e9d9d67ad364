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

// Many classes: each its own Okabe–Ito colour (told apart with the common colour-vision
// deficiencies) and its own point shape; lightness is how sure the network is.
export const CLASS_COLOURS = [[230, 159, 0], [0, 114, 178], [0, 158, 115], [204, 121, 167], [240, 228, 66]];
export const CLASS_SHAPES = ["square", "circle", "triangle", "diamond", "star"];

/**
 * Paint the predicted class of every cell (cells[r][c] = [class, probability], row 0 at the top)
 * over k classes: the class's colour, faded to the neutral colour as the probability falls to 1/k.
 */
export function drawClassMap(canvas, cells, k, { pal = palette(), strength = 0.8, smooth = true } = {}) {
  const rows = cells.length;
  const cols = rows ? cells[0].length : 0;
  paintGrid(canvas, rows, cols, (r, c) => {
    const [cls, p] = cells[r][c];
    const colour = CLASS_COLOURS[cls % CLASS_COLOURS.length];
    const a = Number.isFinite(p) ? Math.max(0, Math.min(1, (p - 1 / k) / (1 - 1 / k))) * strength : 0;
    return [0, 1, 2].map((i) => Math.round(pal.mid[i] + (colour[i] - pal.mid[i]) * a));
  }, { smooth });
}

function shapePath(ctx, shape, x, y, r) {
  ctx.beginPath();
  if (shape === "circle") ctx.arc(x, y, r, 0, Math.PI * 2);
  else if (shape === "square") ctx.rect(x - r * 0.88, y - r * 0.88, r * 1.76, r * 1.76);
  else if (shape === "triangle") {
    ctx.moveTo(x, y - r * 1.2);
    ctx.lineTo(x + r * 1.1, y + r * 0.8);
    ctx.lineTo(x - r * 1.1, y + r * 0.8);
    ctx.closePath();
  } else if (shape === "diamond") {
    ctx.moveTo(x, y - r * 1.3);
    ctx.lineTo(x + r * 1.1, y);
    ctx.lineTo(x, y + r * 1.3);
    ctx.lineTo(x - r * 1.1, y);
    ctx.closePath();
  } else {
    for (let i = 0; i < 10; i += 1) {
      const a = (Math.PI / 5) * i - Math.PI / 2;
      const rr = i % 2 ? r * 0.6 : r * 1.4;
      if (i) ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
      else ctx.moveTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
    }
    ctx.closePath();
  }
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
  // Sizes are for a 360-px canvas and grow with a sharper one (the page draws at 720: crisp when projected large).
  const k = canvas.width / 360;
  const { extent, domain = [-1, 1], pal = palette(), radius = 3.6 * k, continuous = false, classes = 2 } = opts;
  const ctx = canvas.getContext("2d");
  const [lo, hi] = extent;
  const sx = (x) => ((x - lo) / (hi - lo)) * canvas.width;
  const sy = (y) => (1 - (y - lo) / (hi - lo)) * canvas.height;
  const mid = (domain[0] + domain[1]) / 2;
  const ink = `rgb(${cssColor("--point-stroke", [255, 255, 255]).join(",")})`;
  for (const p of points) {
    const x = sx(p.x);
    const y = sy(p.y);
    if (classes > 2) {
      const rgb = `rgb(${CLASS_COLOURS[p.label % CLASS_COLOURS.length].map((v) => Math.round(v * 0.8)).join(",")})`;
      shapePath(ctx, CLASS_SHAPES[p.label % CLASS_SHAPES.length], x, y, radius);
      ctx.fillStyle = p.test ? ink : rgb;
      ctx.fill();
      ctx.strokeStyle = p.test ? rgb : ink;
      ctx.lineWidth = (p.test ? 2 : 1) * k;
      ctx.stroke();
      continue;
    }
    const positive = continuous || p.label > mid;
    const col = continuous ? colorAt(p.label, domain[0], domain[1], pal) : positive ? pal.posInk : pal.negInk;
    const rgb = `rgb(${col.join(",")})`;
    ctx.beginPath();
    if (positive) ctx.arc(x, y, radius, 0, Math.PI * 2);
    else ctx.rect(x - radius * 0.88, y - radius * 0.88, radius * 1.76, radius * 1.76);
    ctx.fillStyle = p.test ? ink : rgb;
    ctx.fill();
    ctx.strokeStyle = p.test ? rgb : ink;
    ctx.lineWidth = (p.test ? 2 : 1) * k;
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
