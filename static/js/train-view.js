// What the /train drawings read: a response of /api/v1/train turned into a plain `view`, and the
// run's history (loss curves, gradient norms, marks where a setting changed) kept on the true
// step axis — older points are thinned to every 2nd, 4th, … step, never shifted, so the chart's
// x-axis always agrees with the step counter.
import { toNumber, toNumbers } from "./api.js";
import { classCount } from "./train-state.js";

const MAX_POINTS = 1200; // points kept per series

/** A series of values at steps 1, 2, …, thinned to every `stride`-th step when long. */
function createSeries(keys) {
  let stride = 1;
  const data = { x: [], ...Object.fromEntries(keys.map((k) => [k, []])) };
  return {
    add(step, values) {
      for (const k of Object.keys(values)) if (!(k in data)) data[k] = data.x.map(() => Number.NaN);
      if (step % stride) return;
      data.x.push(step);
      for (const k of Object.keys(data)) if (k !== "x") data[k].push(values[k] ?? Number.NaN);
      if (data.x.length > MAX_POINTS) {
        stride *= 2;
        const keep = data.x.map((x) => x % stride === 0);
        for (const k of Object.keys(data)) data[k] = data[k].filter((_, i) => keep[i]);
      }
    },
    data,
  };
}

export function createHistory() {
  const loss = createSeries(["train", "test"]);
  const norms = createSeries([]);
  const marks = [];
  const ema = {};
  let step = 0;
  return {
    /** A response's curves: loss_curve and gradient_norms hold one entry per step of the call,
     * or, when the request asked curve_every, one per step named in curve_steps. */
    add(resp) {
      const train = toNumbers(resp.loss_curve?.train || []);
      const test = toNumbers(resp.loss_curve?.test || []);
      const perStep = toNumbers(resp.gradient_norms || []);
      const end = resp.step ?? step + train.length;
      const n = Math.max(train.length, perStep.length);
      const steps = resp.curve_steps || null;
      for (let i = 0; i < n; i += 1) {
        const at = steps ? steps[i] : end - n + i + 1;
        if (i < train.length) loss.add(at, { train: train[i], test: test[i] });
        const norm = {};
        // An exponential moving average (0.9): a minibatch's norm is noisy, its trend is the story.
        (perStep[i] || []).forEach((v, l) => {
          const key = `W${l + 1}`;
          const prev = ema[key] ?? v;
          ema[key] = Number.isFinite(prev) ? 0.9 * prev + 0.1 * v : v;
          norm[key] = ema[key];
        });
        if (perStep[i]) norms.add(at, norm);
      }
      step = end;
    },
    /** A setting changed (or a weight was typed) before step `at + 1` (default: the last step seen). */
    mark(label, at = step) {
      if (marks.length && marks[marks.length - 1].step === at) marks[marks.length - 1].label = label;
      else marks.push({ step: at, label });
    },
    get loss() { return loss.data; },
    get norms() { return norms.data; },
    get marks() { return marks; },
    get step() { return step; },
  };
}

/** The API's grid has row i at y = axis[i] (bottom first); pictures want the top row first. */
function topFirst(grid) {
  return grid ? toNumbers(grid).slice().reverse() : null;
}

const BOUNDED = { tanh: [-1, 1], hardtanh: [-1, 1], sigmoid: [0, 1] };

function peakDomain(grid) {
  let m = 1e-9;
  for (const row of grid) for (const v of row) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return [-m, m];
}

/**
 * The predicted class and its probability per cell, from per-class probabilities
 * (values[i][j] = [p₀ … p_k−1], when the server gives them) or else from the output layer's
 * scores s (softmax over the k score grids the neuron pictures already carry).
 */
export function classMap(values, scores, k) {
  let probs = null;
  if (values && Array.isArray(values[0]?.[0]) && values[0][0].length === k) probs = values;
  else if (scores && scores.length === k) {
    probs = scores[0].map((row, i) => row.map((_, j) => {
      const s = scores.map((g) => g[i][j]);
      const top = Math.max(...s);
      const e = s.map((v) => Math.exp(v - top));
      const z = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / z);
    }));
  }
  if (!probs) return null;
  return probs.map((row) => row.map((p) => {
    let best = 0;
    for (let c = 1; c < p.length; c += 1) if (p[c] > p[best]) best = c;
    return [best, p[best]];
  }));
}

/** Data points as [{x, y, label, test}] from {train: [[x1, x2, label], …], test: […]}. */
function readPoints(data) {
  const out = [];
  for (const split of ["train", "test"]) {
    for (const [x, y, label] of toNumbers(data[split] || [])) out.push({ x, y, label, test: split === "test" });
  }
  return out;
}

/** One response as the plain object the drawings read. */
export function readView(resp, s, history, previous) {
  const classification = resp.kind ? resp.kind === "classification" : classCount(s) > 0;
  history.add(resp);
  const neuronGrids = {};
  const neuronDomains = {};
  const layers = resp.grid?.neurons || [];
  let scores = null;
  layers.forEach((layer, l) => {
    const grids = (Array.isArray(layer) ? layer : layer.values || []).map(topFirst);
    if (l >= s.layers.length) {
      scores = grids; // the last entry is the output scores s: drawn as "out"
      return;
    }
    grids.forEach((grid, j) => {
      const id = `h${l}:${j}`;
      neuronGrids[id] = grid;
      neuronDomains[id] = BOUNDED[s.activation] || peakDomain(grid);
    });
  });
  const raw = resp.grid ? (Array.isArray(resp.grid) ? resp.grid : resp.grid.values) : null;
  const k = classification ? resp.classes ?? classCount(s) : 0;
  // More than two classes: the server's predicted class and confidence per cell, or else the
  // softmax of the output scores the neuron pictures carry.
  const confidence = resp.grid?.classes && resp.grid?.confidence ? topFirst(resp.grid.confidence) : null;
  const given = confidence ? topFirst(resp.grid.classes).map((row, i) => row.map((c, j) => [c, confidence[i][j]])) : null;
  const classes = k > 2 ? given || classMap(topFirst(raw), scores, k) : null;
  const grid = raw && !classes && !Array.isArray(raw[0]?.[0]) ? topFirst(raw) : null;
  if (grid) {
    neuronGrids.out = grid;
    neuronDomains.out = classification ? [0, 1] : [-1, 1];
  }
  const params = resp.state?.params || {};
  const weights = [];
  const biases = [];
  for (let l = 1; params[`W${l}`]; l += 1) {
    weights.push(toNumbers(params[`W${l}`]));
    biases.push(toNumbers(params[`b${l}`] || []));
  }
  const top = weights[weights.length - 1];
  if (top && top.length === 2) {
    // Two scores (softmax cross-entropy): what moves the class-1 output is their difference.
    weights[weights.length - 1] = [top[1].map((w, i) => w - top[0][i])];
  } else if (top && top.length > 2) {
    weights[weights.length - 1] = []; // one score per class: no single link weight to draw
  }
  const trainCount = resp.points ? (resp.points.train || []).length : previous?.trainCount ?? null;
  return {
    epoch: resp.epoch ?? resp.state?.epoch ?? 0,
    step: resp.step ?? resp.state?.step ?? 0,
    lr: resp.lr === undefined || resp.lr === null ? null : toNumber(resp.lr),
    metrics: Object.fromEntries(Object.entries(resp.metrics || {}).map(([key, v]) => [key, v === null ? null : toNumber(v)])),
    classification,
    classCount: k,
    grid,
    classes,
    points: resp.points ? readPoints(resp.points) : previous?.points || [],
    trainCount,
    history,
    neuronGrids,
    neuronDomains,
    weights: weights.length ? weights : null,
    biases,
    outputs: top ? top.length : 1,
  };
}
