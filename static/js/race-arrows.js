// What each optimiser does at the shown step, drawn at its point (lilipads' gradient_descent_viz
// in 2-d): the steepest-descent direction −∇f (dashed, dark), the update it actually takes
// (its colour; drawn relative to plain SGD's step −lr·∇f, so SGD's two arrows coincide), the
// momentum it carries (μ × the previous update, dotted) and, for the adaptive ones, the
// per-coordinate scale of the step (a box: wide where x's steps are scaled up, tall for y).
//
// Where the numbers come from: the update is the path's own step (path[k+1] − path[k]); ∇f is
// the engine's, from /optimize (one SGD step with lr = 1 from the point: its step is −∇f); the
// momentum carry and the per-coordinate scale follow from those two by each optimiser's
// declared rule — /optimize does not return its per-step state.

const SVG_NS = "http://www.w3.org/2000/svg";
const LENGTH = 56; // px of the −∇f arrow: a direction, its size is in the card
const BOX = 20; // px: the half-size of the larger side of the scale box

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent.appendChild(node);
  return node;
}

function arrow(parent, x, y, dx, dy, attrs) {
  const len = Math.hypot(dx, dy);
  // A diverging racer's step can be astronomically long (or not a number): nothing to draw.
  if (!(len > 0.5) || !(len < 1e4) || !Number.isFinite(x + y)) return null;
  const ux = dx / len;
  const uy = dy / len;
  const hx = x + dx;
  const hy = y + dy;
  const head = Math.min(9, len * 0.45);
  const d = `M${x.toFixed(1)},${y.toFixed(1)}L${hx.toFixed(1)},${hy.toFixed(1)}`
    + `M${(hx - head * ux + head * 0.5 * uy).toFixed(1)},${(hy - head * uy - head * 0.5 * ux).toFixed(1)}`
    + `L${hx.toFixed(1)},${hy.toFixed(1)}L${(hx - head * ux - head * 0.5 * uy).toFixed(1)},${(hy - head * uy + head * 0.5 * ux).toFixed(1)}`;
  return el("path", { d, fill: "none", "stroke-linecap": "round", "stroke-linejoin": "round", ...attrs }, parent);
}

const ADAPTIVE = ["adagrad", "rmsprop", "adam", "adamw", "sparse_adam"];

/**
 * The step k of one racer in numbers: {point, update, gradient?, carry?, scale?}. `params` are
 * the racer's hyper-parameters; `gradient` (∇f at path[k]) may be null while it is fetched.
 */
export function inspect(path, k, name, params, gradient) {
  const point = path[k];
  if (!point || k + 1 >= path.length) return null;
  const next = path[k + 1];
  const update = [next[0] - point[0], next[1] - point[1]];
  const out = { point, update, gradient };
  const lr = Number(params.lr);
  if (name === "sgd" && params.momentum && !params.nesterov && k > 0) {
    // b_k = μ·b_{k−1} + (1 − τ)·g_k and Δ_k = −lr·b_k, so Δ_k = μ·Δ_{k−1} − lr(1 − τ)·g_k.
    const before = path[k - 1];
    out.carry = [0, 1].map((i) => Number(params.momentum) * (point[i] - before[i]));
  }
  if (ADAPTIVE.includes(name) && gradient && lr > 0) {
    // The factor each coordinate's plain step −lr·g is multiplied by: 1/(√accumulator + ε) for
    // Adagrad/RMSProp, m̂/(g·(√v̂ + ε)) for Adam (its momentum folded in).
    out.scale = [0, 1].map((i) => (Math.abs(gradient[i]) > 1e-12 ? update[i] / (-lr * gradient[i]) : null));
  }
  return out;
}

/** Draw every racer's arrows at step k into the plot's arrow layer. */
export function drawArrows(plot, items) {
  const layer = plot.arrows;
  layer.replaceChildren();
  for (const { info, style, lr } of items) {
    if (!info) continue;
    const [x, y] = info.point;
    const sx = plot.px(x);
    const sy = plot.py(y);
    if (!(Math.abs(sx) < 1e4 && Math.abs(sy) < 1e4)) continue; // off the plot, or diverged
    const g = el("g", { class: "rc-inspect" }, layer);
    const toScreen = ([dx, dy]) => [plot.px(x + dx) - sx, plot.py(y + dy) - sy];
    let unit = null; // px per unit of plain SGD's step, when ∇f is known
    if (info.gradient) {
      const plain = toScreen([-lr * info.gradient[0], -lr * info.gradient[1]]);
      const len = Math.hypot(...plain);
      if (len > 0) {
        unit = LENGTH / len;
        arrow(g, sx, sy, plain[0] * unit, plain[1] * unit, { class: "rc-grad", "stroke-dasharray": "5 3" });
      }
    }
    if (info.scale && info.scale.every((v) => v !== null && Number.isFinite(v) && v !== 0)) {
      const big = Math.max(Math.abs(info.scale[0]), Math.abs(info.scale[1])) || 1;
      const w = (BOX * Math.abs(info.scale[0])) / big;
      const h = (BOX * Math.abs(info.scale[1])) / big;
      el("rect", { x: sx - w, y: sy - h, width: 2 * w, height: 2 * h, class: "rc-scale", stroke: style.color }, g);
    }
    if (info.carry) {
      const c = toScreen(info.carry);
      const k = unit ?? LENGTH / (Math.hypot(...toScreen(info.update)) || 1);
      const cap = Math.min(1, (3 * LENGTH) / (Math.hypot(c[0] * k, c[1] * k) || 1));
      arrow(g, sx, sy, c[0] * k * cap, c[1] * k * cap, { class: "rc-carry", stroke: style.color, "stroke-dasharray": "1 4" });
    }
    const u = toScreen(info.update);
    const k = unit ?? LENGTH / (Math.hypot(...u) || 1);
    // An update far larger than plain SGD's (Adam on a flat plateau) is capped at 3× the arrow.
    const cap = Math.min(1, (3 * LENGTH) / (Math.hypot(u[0] * k, u[1] * k) || 1));
    arrow(g, sx, sy, u[0] * k * cap, u[1] * k * cap, { class: "rc-update", stroke: style.color });
  }
}
