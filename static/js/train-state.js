// The /train page's one state object (TensorFlow Playground's state.ts): every field declared
// once here, read from and mirrored to the URL hash by urlstate.js; the request body for
// POST /api/v1/train is a pure function of it.
import { createState } from "./urlstate.js";
import { OPTIMIZERS, optimizerBody } from "./train-optimizers.js";

export const CLASSIFICATION = ["circle", "xor", "gauss", "spiral"];
export const REGRESSION = ["plane", "multi_gauss"];
export const DATASETS = [...CLASSIFICATION, ...REGRESSION, "custom"];
export const MULTICLASS = ["gauss", "spiral"]; // the generators that take dataset.classes (2–5)
export const MAX_CLASSES = 5;
export const MAX_POINTS = 2000; // the server's max_train_samples
export const FEATURES = ["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"];
export const ACTIVATIONS = ["tanh", "relu", "leaky_relu", "sigmoid", "hardtanh", "linear"];
export const INITS = ["xavier_uniform", "he_uniform", "uniform", "zeros"];
export const CLASS_LOSSES = ["logistic", "cross_entropy", "mse", "hinge"];
export const REGRESSION_LOSSES = ["mse"];
export const SCHEDULES = ["constant", "step", "multistep", "exponential", "inverse_time", "cosine"];
export const SQUARE = [-6, 6];
export const MAX_LAYERS = 6;
export const MAX_NEURONS = 8;

// Rates that train the playground's small networks in a few seconds (PyTorch's defaults are
// tuned for bigger models); every other hyper-parameter starts at PyTorch's default.
const PLAYGROUND_RATES = { "sgd.lr": 0.1, "adagrad.lr": 0.1, "adam.lr": 0.03, "adamw.lr": 0.03, "sparse_adam.lr": 0.03 };

/** One entry per optimiser hyper-parameter, named `<optimizer>.<key>` in the URL. */
function optimizerFields() {
  const fields = {};
  for (const [name, params] of Object.entries(OPTIMIZERS)) {
    for (const p of params) {
      const key = `${name}.${p.key}`;
      fields[key] = { type: p.kind === "bool" ? "bool" : "number", default: PLAYGROUND_RATES[key] ?? p.default };
    }
  }
  return fields;
}

/** The fields, declared once (a function: the optimisers' come from the server first). */
export function fields() {
  return {
  dataset: { type: "string", default: "circle", values: DATASETS },
  samples: { type: "int", default: 200 },
  noise: { type: "number", default: 0 },
  testFraction: { type: "number", default: 0.5 },
  batchSize: { type: "int", default: 10 },
  features: { type: "json", default: ["x1", "x2"] },
  layers: { type: "json", default: [4, 2] },
  activation: { type: "string", default: "tanh", values: ACTIVATIONS },
  init: { type: "string", default: "xavier_uniform", values: INITS },
  loss: { type: "string", default: "logistic" },
  optimizer: { type: "string", default: "adam", values: Object.keys(OPTIMIZERS) },
  ...optimizerFields(),
  schedule: { type: "string", default: "constant", values: SCHEDULES },
  stepSize: { type: "int", default: 3 },
  gamma: { type: "number", default: 0.1 },
  milestones: { type: "json", default: [10, 20] },
  expGamma: { type: "number", default: 0.95 },
  decayRate: { type: "number", default: 0.5 },
  tMax: { type: "int", default: 50 },
  etaMin: { type: "number", default: 0 },
  l2: { type: "number", default: 0 },
  l1: { type: "number", default: 0 },
  classes: { type: "int", default: 2 },
  // Your own data: [[x1, x2, label], …]; task "classes" (label 0…4) or "regression" (label a number).
  points: { type: "json", default: [] },
  task: { type: "string", default: "classes", values: ["classes", "regression"] },
  seed: { type: "int", default: 1 },
  showTest: { type: "bool", default: false },
  discretize: { type: "bool", default: false },
  };
}

/** Fields whose change keeps the run going (the next step uses the new value). */
export function isLive(name) {
  return /^(batchSize|optimizer|schedule|stepSize|gamma|milestones|expGamma|decayRate|tMax|etaMin|l2|l1)$/.test(name)
    || name.includes(".");
}
export const VIEW_ONLY = ["showTest", "discretize"];

/** A state (or a bare data-set name: custom counts as classes) is regression? */
export function isRegression(s) {
  if (typeof s === "string") return REGRESSION.includes(s);
  return REGRESSION.includes(s.dataset) || (s.dataset === "custom" && s.task === "regression");
}

/** How many classes the data set has (0 for regression). */
export function classCount(s) {
  if (isRegression(s)) return 0;
  if (MULTICLASS.includes(s.dataset)) return s.classes;
  if (s.dataset === "custom") return Math.max(2, ...s.points.map((p) => p[2] + 1));
  return 2;
}

/** The losses that fit: regression has MSE alone, more than two classes need cross-entropy. */
export function lossesFor(s) {
  if (isRegression(s)) return REGRESSION_LOSSES;
  return typeof s === "object" && classCount(s) > 2 ? ["cross_entropy"] : CLASS_LOSSES;
}

/** Points as the URL keeps them: two decimals are a pixel's worth on the 12-wide square; a target, three. */
export function roundPoints(points) {
  return points.map(([x, y, label]) => [Math.round(x * 100) / 100, Math.round(y * 100) / 100, Math.round(label * 1000) / 1000]);
}

/** The state store; values outside their declared sets are put back to the defaults. */
export function createTrainState() {
  const FIELDS = fields();
  const store = createState(FIELDS, { storageKey: "chainrule.train" });
  const s = store.state;
  for (const [name, field] of Object.entries(FIELDS)) {
    if (field.values && !field.values.includes(s[name])) s[name] = field.default;
  }
  if (!Array.isArray(s.features) || !s.features.every((f) => FEATURES.includes(f)) || !s.features.length) {
    s.features = [...FIELDS.features.default];
  }
  if (!Array.isArray(s.layers) || !s.layers.every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_NEURONS)) {
    s.layers = [...FIELDS.layers.default];
  }
  s.layers = s.layers.slice(0, MAX_LAYERS);
  if (!Number.isInteger(s.classes) || s.classes < 2 || s.classes > MAX_CLASSES) s.classes = 2;
  const valid = (p) => Array.isArray(p) && p.length === 3 && p.every(Number.isFinite);
  if (!Array.isArray(s.points) || !s.points.every(valid)) s.points = [];
  if (!Array.isArray(s.milestones) || !s.milestones.every(Number.isInteger)) s.milestones = [10, 20];
  if (!lossesFor(s).includes(s.loss)) s.loss = lossesFor(s)[0];
  return store;
}

/** Hyper-parameters of the chosen optimiser as a flat {key: value}. */
export function optimizerParams(s, name = s.optimizer) {
  const out = {};
  for (const p of OPTIMIZERS[name] || []) out[p.key] = s[`${name}.${p.key}`];
  return out;
}

/** Everything the server needs except `steps` and `state`: the run's configuration. */
export function trainConfig(s) {
  const schedule = { name: s.schedule };
  if (s.schedule === "step") Object.assign(schedule, { step_size: s.stepSize, gamma: s.gamma });
  if (s.schedule === "multistep") Object.assign(schedule, { milestones: [...s.milestones], gamma: s.gamma });
  if (s.schedule === "exponential") schedule.gamma = s.expGamma;
  if (s.schedule === "inverse_time") schedule.decay_rate = s.decayRate;
  if (s.schedule === "cosine") Object.assign(schedule, { T_max: s.tMax, eta_min: s.etaMin });
  const dataset = s.dataset === "custom"
    ? { name: "custom", points: s.points, task: s.task === "regression" ? "regression" : "classification",
      test_fraction: s.testFraction, seed: s.seed }
    : { name: s.dataset, samples: s.samples, noise: s.noise, test_fraction: s.testFraction, seed: s.seed };
  if (MULTICLASS.includes(s.dataset) && s.classes !== 2) dataset.classes = s.classes;
  const extra = s.l1 ? { l1: s.l1 } : {}; // sent only when set: a server without L1 still trains
  return {
    dataset,
    features: [...s.features],
    model: { layers: [...s.layers], activation: s.activation, init: s.init, seed: s.seed },
    loss: s.loss,
    optimizer: optimizerBody(s.optimizer, optimizerParams(s)),
    schedule,
    l2: s.l2,
    ...extra,
    batch_size: s.batchSize,
  };
}

/** Steps in one epoch: one pass over the training split (its size as the server said, when known). */
export function stepsPerEpoch(s, trainCount = null) {
  const n = s.dataset === "custom" ? s.points.length : s.samples;
  const train = trainCount ?? Math.max(1, Math.round(n * (1 - s.testFraction)));
  return Math.max(1, Math.ceil(train / Math.max(1, s.batchSize)));
}
