// Data-set thumbnails: small pictures of each data set's shape for the picker. They are icons,
// drawn from a tiny seeded sketch of each generator (the real points come from the API).
import { CLASS_COLOURS, palette } from "./heatmap.js";

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const SKETCH = {
  circle(r) {
    const a = r() * Math.PI * 2;
    const inner = r() < 0.5;
    const d = inner ? r() * 2.5 : 3.5 + r() * 1.5;
    return [d * Math.sin(a), d * Math.cos(a), inner ? 1 : 0];
  },
  xor(r) {
    const x = r() * 10 - 5;
    const y = r() * 10 - 5;
    return [x, y, x * y >= 0 ? 1 : 0];
  },
  gauss(r) {
    const c = r() < 0.5 ? 2 : -2;
    const g = () => (r() + r() + r() - 1.5) * 1.6;
    return [c + g(), c + g(), c > 0 ? 1 : 0];
  },
  spiral(r) {
    const i = r();
    const cls = r() < 0.5 ? 1 : 0;
    const t = 1.75 * i * 2 * Math.PI + (cls ? 0 : Math.PI);
    return [5 * i * Math.sin(t), 5 * i * Math.cos(t), cls];
  },
  plane(r) {
    const x = r() * 12 - 6;
    const y = r() * 12 - 6;
    return [x, y, Math.max(-1, Math.min(1, (x + y) / 10))];
  },
  multi_gauss(r) {
    const x = r() * 12 - 6;
    const y = r() * 12 - 6;
    let best = 0;
    for (const [cx, cy, s] of [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]) {
      const v = s * Math.max(0, 1 - Math.hypot(x - cx, y - cy) / 2);
      if (Math.abs(v) > Math.abs(best)) best = v;
    }
    return [x, y, best];
  },
};

/** Draw the thumbnail of data set `name` into a canvas (custom: its own points, if any; targets: they are regression targets). */
export function drawThumb(canvas, name, points = null, targets = false) {
  const ctx = canvas.getContext("2d");
  const pal = palette();
  const w = canvas.width;
  const r = rng(7);
  ctx.fillStyle = `rgb(${pal.mid.join(",")})`;
  ctx.fillRect(0, 0, w, w);
  if (name === "custom") {
    const many = (points || []).some((p) => p[2] > 1);
    for (const [x, y, label] of points || []) {
      const a = Math.min(1, Math.abs(label) * 1.4);
      const toward = (end) => end.map((c, i) => Math.round(pal.mid[i] + (c - pal.mid[i]) * a));
      const col = targets ? toward(label >= 0 ? pal.pos : pal.neg) : many ? CLASS_COLOURS[label % 5] : label > 0.5 ? pal.pos : pal.neg;
      ctx.fillStyle = `rgb(${col.join(",")})`;
      ctx.beginPath();
      ctx.arc(((x + 6) / 12) * w, (1 - (y + 6) / 12) * w, w / 26, 0, Math.PI * 2);
      ctx.fill();
    }
    ctx.strokeStyle = `rgb(${pal.pos.join(",")})`;
    ctx.fillStyle = ctx.strokeStyle;
    ctx.font = `bold ${Math.round(w / 3)}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    if (!(points || []).length) ctx.fillText("+", w / 2, w / 2);
    return;
  }
  const regression = name === "plane" || name === "multi_gauss";
  for (let k = 0; k < 130; k += 1) {
    const [x, y, label] = SKETCH[name](r);
    let col;
    if (regression) {
      const a = Math.min(1, Math.abs(label) * 1.4);
      const end = label >= 0 ? pal.pos : pal.neg;
      col = end.map((c, i) => Math.round(pal.mid[i] + (c - pal.mid[i]) * a));
    } else col = label ? pal.pos : pal.neg;
    ctx.fillStyle = `rgb(${col.join(",")})`;
    ctx.beginPath();
    ctx.arc(((x + 6) / 12) * w, (1 - (y + 6) / 12) * w, w / 26, 0, Math.PI * 2);
    ctx.fill();
  }
}
