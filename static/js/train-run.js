// One training run in the browser: POST /api/v1/train with the configuration and the `state` the
// previous response returned (the server keeps nothing), gather the curves, and turn each
// response into the plain `view` the drawings read.
import { toNumber, toNumbers, train } from "./api.js";
import { pageLink } from "./urlstate.js";
import { trainConfig } from "./train-state.js";

const MAX_POINTS = 1500; // history kept per curve; older halves are thinned out

function thin(values) {
  return values.length > MAX_POINTS ? values.filter((_, i) => i % 2 === 0 || i === values.length - 1) : values;
}

function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** The API's grid has row i at y = axis[i] (bottom first); pictures want the top row first. */
function topFirst(grid) {
  return grid ? toNumbers(grid).slice().reverse() : null;
}

function gridValues(raw) {
  if (!raw) return null;
  return Array.isArray(raw) ? raw : raw.values;
}

const BOUNDED = { tanh: [-1, 1], hardtanh: [-1, 1], sigmoid: [0, 1] };

function peakDomain(grid) {
  let m = 1e-9;
  for (const row of grid) for (const v of row) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return [-m, m];
}

export function createRun({ state: s, onResult, onError, onBusy = () => {} }) {
  let remote = null; // the server's `state`, handed back verbatim
  let generation = 0; // bumped by reset so late answers of an old run are dropped
  let history = { train: [], test: [] };
  let gradNorms = {};
  let busy = null;
  const run = { playing: false, last: null };

  function view(resp) {
    const classification = resp.kind ? resp.kind === "classification" : !["plane", "multi_gauss"].includes(s.dataset);
    const curve = resp.loss_curve || {};
    history = {
      train: thin(history.train.concat(toNumbers(curve.train || []))),
      test: thin(history.test.concat(toNumbers(curve.test || []))),
    };
    for (const perLayer of toNumbers(resp.gradient_norms || [])) {
      // An exponential moving average (0.9): a minibatch's norm is noisy, its trend is the story.
      perLayer.forEach((v, i) => {
        const key = `W${i + 1}`;
        const series = gradNorms[key] || [];
        const prev = series.length ? series[series.length - 1] : v;
        gradNorms[key] = thin([...series, Number.isFinite(prev) ? 0.9 * prev + 0.1 * v : v]);
      });
    }
    const neuronGrids = {};
    const neuronDomains = {};
    const layers = resp.grid?.neurons || [];
    layers.forEach((layer, l) => {
      if (l >= s.layers.length) return; // the last entry is the scores s: drawn as "out"
      (Array.isArray(layer) ? layer : layer.values || []).forEach((grid, j) => {
        const id = `h${l}:${j}`;
        neuronGrids[id] = topFirst(grid);
        neuronDomains[id] = BOUNDED[s.activation] || peakDomain(neuronGrids[id]);
      });
    });
    const grid = topFirst(gridValues(resp.grid));
    if (grid) {
      neuronGrids.out = grid;
      neuronDomains.out = classification ? [0, 1] : [-1, 1];
    }
    const params = resp.state?.params || {};
    const weights = [];
    for (let l = 1; params[`W${l}`]; l += 1) weights.push(toNumbers(params[`W${l}`]));
    const top = weights[weights.length - 1];
    if (top && top.length === 2) {
      // Two scores (softmax cross-entropy): what moves the class-1 output is their difference.
      weights[weights.length - 1] = [top[1].map((w, i) => w - top[0][i])];
    }
    return {
      epoch: resp.epoch ?? resp.state?.epoch ?? 0,
      step: resp.step ?? resp.state?.step ?? 0,
      lr: resp.lr === undefined ? null : toNumber(resp.lr),
      metrics: Object.fromEntries(Object.entries(resp.metrics || {}).map(([k, v]) => [k, v === null ? null : toNumber(v)])),
      classification,
      grid,
      points: readPoints(resp.points),
      history,
      gradNorms,
      neuronGrids,
      neuronDomains,
      weights: weights.length ? weights : null,
    };
  }

  /** Data points as [{x, y, label, test}] from {train: [[x1, x2, label], …], test: […]}. */
  function readPoints(data) {
    if (!data) return run.last?.points || [];
    const out = [];
    for (const split of ["train", "test"]) {
      for (const [x, y, label] of toNumbers(data[split] || [])) out.push({ x, y, label, test: split === "test" });
    }
    return out;
  }

  /** `steps` more steps (0 just draws the fresh network); one request at a time. */
  async function advance(steps) {
    if (busy) await busy;
    const mine = generation;
    const body = {
      ...trainConfig(s),
      steps,
      grid: true,
      neurons: true,
      points: !run.last,
      ...(remote ? { state: remote } : {}),
    };
    let resolve;
    busy = new Promise((r) => { resolve = r; });
    onBusy(true);
    try {
      const resp = await train(body);
      if (mine !== generation) return false;
      remote = resp.state;
      run.last = view(resp);
      onResult(run.last);
      return true;
    } catch (error) {
      if (mine === generation) onError(error);
      return false;
    } finally {
      busy = null;
      onBusy(false);
      resolve();
    }
  }

  run.advance = advance;

  run.reset = () => {
    generation += 1;
    remote = null;
    history = { train: [], test: [] };
    gradNorms = {};
    run.last = null;
  };

  // Each play loop has an id: pausing (or a new loop) retires the old one even mid-request.
  let loop = 0;
  run.play = async (stepsPerCall) => {
    if (run.playing) return;
    run.playing = true;
    const id = (loop += 1);
    while (run.playing && id === loop) {
      const ok = await advance(stepsPerCall());
      if (id !== loop) return;
      if (!ok) {
        run.playing = false;
        break;
      }
      await nextFrame();
    }
  };

  run.pause = () => {
    run.playing = false;
    loop += 1;
  };

  run.redraw = () => run.last && onResult(run.last);

  /** The graph playground's link for the next minibatch of the current network (its weights now). */
  run.graphLink = async (size) => {
    if (busy) await busy;
    const body = { ...trainConfig(s), steps: 0, grid: false, curve: false, graph: true, graph_batch: size };
    if (remote) body.state = remote;
    const resp = await train(body);
    return pageLink("/", { source: resp.graph.source, inputs: resp.graph.inputs });
  };

  return run;
}
