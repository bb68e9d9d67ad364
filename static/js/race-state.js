// The /optimizers page's one state object: surface, start, steps and the racers (each an
// optimiser with its own hyper-parameters), mirrored to the URL hash by urlstate.js.
import { createState, getParam } from "./urlstate.js";
import { OPTIMIZER_NAMES, defaults, optimizerBody } from "./train-optimizers.js";

export const SURFACES = ["bowl", "ravine", "rosenbrock", "saddle", "beale", "expression"];
// Surfaces to start a typed one from (the graph language: + − * / **, exp, log, sqrt, abs, …).
export const EXAMPLES = {
  himmelblau: "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
  booth: "(x + 2*y - 7)**2 + (2*x + y - 5)**2",
  camel: "2*x**2 - 1.05*x**4 + x**6/6 + x*y + y**2",
  rastrigin: "20 + x**2 - 10*cos(2*3.14159265*x) + y**2 - 10*cos(2*3.14159265*y)",
};
export const MAX_RACERS = 6;

// Each racer is drawn in its own Okabe–Ito colour, marker and dash pattern (never colour alone).
export const RACER_STYLE = [
  { color: "#D55E00", marker: "circle", dash: "none" },
  { color: "#0072B2", marker: "square", dash: "7 4" },
  { color: "#009E73", marker: "triangle", dash: "2 3" },
  { color: "#CC79A7", marker: "diamond", dash: "10 3 2 3" },
  { color: "#E69F00", marker: "cross", dash: "14 5" },
  { color: "#56B4E9", marker: "star", dash: "4 2" },
];

const racer = (name, params) => ({ name, ...params });

/** Per surface: a start and rates under which each classic optimiser has a fair race. */
export const PRESETS = {
  bowl: { start: [-1.5, 1.7], steps: 100, racers: [
    racer("sgd", { lr: 0.05 }), racer("sgd", { lr: 0.05, momentum: 0.9 }), racer("adagrad", { lr: 0.5 }),
    racer("rmsprop", { lr: 0.01 }), racer("adam", { lr: 0.1 })] },
  ravine: { start: [-1.8, 1.0], steps: 150, racers: [
    racer("sgd", { lr: 0.02 }), racer("sgd", { lr: 0.02, momentum: 0.9 }), racer("adagrad", { lr: 0.5 }),
    racer("rmsprop", { lr: 0.01 }), racer("adam", { lr: 0.1 })] },
  rosenbrock: { start: [-1.5, 2.5], steps: 500, racers: [
    racer("sgd", { lr: 0.0005 }), racer("sgd", { lr: 0.0005, momentum: 0.9 }), racer("adagrad", { lr: 0.5 }),
    racer("rmsprop", { lr: 0.01 }), racer("adam", { lr: 0.1 })] },
  saddle: { start: [-1.8, 0.01], steps: 80, racers: [
    racer("sgd", { lr: 0.05 }), racer("sgd", { lr: 0.05, momentum: 0.9 }), racer("adagrad", { lr: 0.3 }),
    racer("rmsprop", { lr: 0.01 }), racer("adam", { lr: 0.05 })] },
  expression: { start: [-0.5, -0.5], steps: 200, racers: [
    racer("sgd", { lr: 0.002 }), racer("sgd", { lr: 0.002, momentum: 0.9 }), racer("adagrad", { lr: 0.5 }),
    racer("rmsprop", { lr: 0.01 }), racer("adam", { lr: 0.1 })] },
  beale: { start: [1.0, 1.5], steps: 300, racers: [
    racer("sgd", { lr: 0.001 }), racer("sgd", { lr: 0.001, momentum: 0.9 }), racer("adagrad", { lr: 0.5 }),
    racer("rmsprop", { lr: 0.01 }), racer("adam", { lr: 0.05 })] },
};

export const FIELDS = {
  surface: { type: "string", default: "rosenbrock" },
  expr: { type: "string", default: EXAMPLES.himmelblau },
  start: { type: "json", default: PRESETS.rosenbrock.start },
  steps: { type: "int", default: PRESETS.rosenbrock.steps },
  racers: { type: "json", default: PRESETS.rosenbrock.racers },
};

function validRacer(r) {
  return r && typeof r === "object" && OPTIMIZER_NAMES.includes(r.name);
}

export function createRaceState() {
  const store = createState(FIELDS, { storageKey: "chainrule.race" });
  const s = store.state;
  if (!SURFACES.includes(s.surface)) s.surface = FIELDS.surface.default;
  // A link naming only the surface gets that surface's preset for whatever it leaves out.
  if (getParam("surface") !== null) {
    const preset = PRESETS[s.surface];
    if (getParam("start") === null) s.start = [...preset.start];
    if (getParam("steps") === null) s.steps = preset.steps;
    if (getParam("racers") === null) s.racers = preset.racers.map((r) => ({ ...r }));
  }
  if (!Array.isArray(s.start) || s.start.length !== 2 || !s.start.every(Number.isFinite)) {
    s.start = [...PRESETS[s.surface].start];
  }
  if (!Number.isInteger(s.steps) || s.steps < 1) s.steps = PRESETS[s.surface].steps;
  s.steps = Math.min(s.steps, 2000);
  if (!Array.isArray(s.racers) || !s.racers.every(validRacer) || !s.racers.length) {
    s.racers = PRESETS[s.surface].racers.map((r) => ({ ...r }));
  }
  s.racers = s.racers.slice(0, MAX_RACERS);
  return store;
}

/** A racer's full hyper-parameters (its own values over the optimiser's defaults). */
export function racerParams(r) {
  return { ...defaults(r.name), ...r };
}

/** The POST /api/v1/optimize body for racer r. */
export function optimizeBody(s, r, withGrid = false) {
  const { name, ...params } = r;
  const body = { function: surfaceFunction(s), start: s.start, optimizer: optimizerBody(name, params), steps: s.steps };
  // 161 × 161: Rosenbrock's narrow valley is then a few cells wide, so its level lines are smooth.
  if (withGrid) Object.assign(body, { grid: true, grid_size: 161 });
  return body;
}

/** What /optimize is asked to descend: a built-in's name or the typed expression. */
export function surfaceFunction(s) {
  return s.surface === "expression" ? s.expr : s.surface;
}
