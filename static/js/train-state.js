// The /train page's one state object (TensorFlow Playground's state.ts): every field declared
// once here, read from and mirrored to the URL hash by urlstate.js; the request body for
// POST /api/v1/train is a pure function of it.
import { createState } from "./urlstate.js";
import { OPTIMIZERS, optimizerBody } from "./train-optimizers.js";

export const CLASSIFICATION = ["circle", "xor", "gauss", "spiral"];
export const REGRESSION = ["plane", "multi_gauss"];
export const DATASETS = [...CLASSIFICATION, ...REGRESSION];
export const FEATURES = ["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"];
export const ACTIVATIONS = ["tanh", "relu", "leaky_relu", "sigmoid", "hardtanh", "linear"];
export const INITS = ["xavier_uniform", "he_uniform", "uniform", "zeros"];
export const CLASS_LOSSES = ["logistic", "cross_entropy", "mse", "hinge"];
export const REGRESSION_LOSSES = ["mse"];
export const SCHEDULES = ["constant", "step", "exponential", "inverse_time"];
export const SQUARE = [-6, 6];
export const MAX_LAYERS = 6;
export const MAX_NEURONS = 8;

// Rates that train the playground's small networks in a few seconds (PyTorch's defaults are
// tuned for bigger models); every other hyper-parameter starts at PyTorch's default.
const PLAYGROUND_RATES = { "sgd.lr": 0.1, "adagrad.lr": 0.1, "adam.lr": 0.03, "sparse_adam.lr": 0.03 };

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

export const FIELDS = {
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
  expGamma: { type: "number", default: 0.95 },
  decayRate: { type: "number", default: 0.5 },
  l2: { type: "number", default: 0 },
  seed: { type: "int", default: 1 },
  showTest: { type: "bool", default: false },
  discretize: { type: "bool", default: false },
};

export function isRegression(name) {
  return REGRESSION.includes(name);
}

export function lossesFor(dataset) {
  return isRegression(dataset) ? REGRESSION_LOSSES : CLASS_LOSSES;
}

/** The state store; values outside their declared sets are put back to the defaults. */
export function createTrainState() {
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
  if (!lossesFor(s.dataset).includes(s.loss)) s.loss = lossesFor(s.dataset)[0];
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
  if (s.schedule === "exponential") schedule.gamma = s.expGamma;
  if (s.schedule === "inverse_time") schedule.decay_rate = s.decayRate;
  return {
    dataset: {
      name: s.dataset, samples: s.samples, noise: s.noise, test_fraction: s.testFraction, seed: s.seed,
    },
    features: [...s.features],
    model: { layers: [...s.layers], activation: s.activation, init: s.init, seed: s.seed },
    loss: s.loss,
    optimizer: optimizerBody(s.optimizer, optimizerParams(s)),
    schedule,
    l2: s.l2,
    batch_size: s.batchSize,
  };
}

/** Steps in one epoch: one pass over the training split in minibatches. */
export function stepsPerEpoch(s) {
  const train = Math.max(1, Math.round(s.samples * (1 - s.testFraction)));
  return Math.max(1, Math.ceil(train / Math.max(1, s.batchSize)));
}
