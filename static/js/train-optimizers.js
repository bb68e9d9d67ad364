// The optimisers both pages offer, with PyTorch's hyper-parameter names and defaults. The server
// declares them (GET /api/v1/optimizers); loadOptimizers() reads that declaration into OPTIMIZERS
// before a page builds its state. The table below is only what a server without that endpoint
// gets (and where the inputs' min/step hints come from): the controls, the URL state and the
// request bodies all read OPTIMIZERS. kind: "number" or "bool"; betas travel as a pair.
import { request } from "./api.js";
import { numberInput } from "./number-field.js";

export const OPTIMIZERS = {
  sgd: [
    { key: "lr", kind: "number", default: 0.03, min: 0, step: 0.001 },
    { key: "momentum", kind: "number", default: 0, min: 0, max: 0.999, step: 0.05 },
    { key: "dampening", kind: "number", default: 0, min: 0, max: 1, step: 0.05 },
    { key: "nesterov", kind: "bool", default: false },
    { key: "weight_decay", kind: "number", default: 0, min: 0, step: 0.001 },
  ],
  adagrad: [
    { key: "lr", kind: "number", default: 0.01, min: 0, step: 0.001 },
    { key: "lr_decay", kind: "number", default: 0, min: 0, step: 0.001 },
    { key: "initial_accumulator_value", kind: "number", default: 0, min: 0, step: 0.1 },
    { key: "eps", kind: "number", default: 1e-10, min: 0, step: 1e-10 },
    { key: "weight_decay", kind: "number", default: 0, min: 0, step: 0.001 },
  ],
  rmsprop: [
    { key: "lr", kind: "number", default: 0.01, min: 0, step: 0.001 },
    { key: "alpha", kind: "number", default: 0.99, min: 0, max: 0.9999, step: 0.01 },
    { key: "momentum", kind: "number", default: 0, min: 0, max: 0.999, step: 0.05 },
    { key: "centered", kind: "bool", default: false },
    { key: "eps", kind: "number", default: 1e-8, min: 0, step: 1e-8 },
    { key: "weight_decay", kind: "number", default: 0, min: 0, step: 0.001 },
  ],
  adam: [
    { key: "lr", kind: "number", default: 0.001, min: 0, step: 0.001 },
    { key: "beta1", kind: "number", default: 0.9, min: 0, max: 0.9999, step: 0.01 },
    { key: "beta2", kind: "number", default: 0.999, min: 0, max: 0.99999, step: 0.001 },
    { key: "amsgrad", kind: "bool", default: false },
    { key: "eps", kind: "number", default: 1e-8, min: 0, step: 1e-8 },
    { key: "weight_decay", kind: "number", default: 0, min: 0, step: 0.001 },
  ],
  sparse_adam: [
    { key: "lr", kind: "number", default: 0.001, min: 0, step: 0.001 },
    { key: "beta1", kind: "number", default: 0.9, min: 0, max: 0.9999, step: 0.01 },
    { key: "beta2", kind: "number", default: 0.999, min: 0, max: 0.99999, step: 0.001 },
    { key: "eps", kind: "number", default: 1e-8, min: 0, step: 1e-8 },
  ],
};

export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS);
const HINTS = JSON.parse(JSON.stringify(OPTIMIZERS));
export const source = { from: "page" }; // "server" once the declaration has been read
const DESCRIPTIONS = {}; // name → {en, "pt-BR"}: the server's one sentence on what it does

/** The server's sentence on optimiser `name` in `lang` ("" when the server gave none). */
export function describe(name, lang) {
  const d = DESCRIPTIONS[name] || {};
  return d[lang] || d.en || "";
}

/** One declared hyper-parameter as this table's entries; betas becomes beta1 and beta2. */
function entries(name, key, value) {
  if (key === "betas" && Array.isArray(value)) {
    return value.map((v, i) => entries(name, `beta${i + 1}`, v)[0]);
  }
  const hint = (HINTS[name] || []).find((p) => p.key === key)
    || Object.values(HINTS).flat().find((p) => p.key === key) || {};
  const kind = typeof value === "boolean" ? "bool" : "number";
  return [{ ...hint, key, kind, default: kind === "bool" ? value : Number(value) }];
}

/**
 * Read GET /api/v1/optimizers into OPTIMIZERS (in place, so every importer sees it). Accepts
 * {optimizers: [...]} or a list, each {name, hyperparameters|defaults|params} where the
 * parameters are {key: default} or [{name, default}]. A server without the endpoint leaves
 * the table above in force.
 */
export async function loadOptimizers() {
  let body;
  try {
    body = await request("optimizers");
  } catch {
    return source;
  }
  const list = Array.isArray(body) ? body : body?.optimizers;
  if (!Array.isArray(list) || !list.length) return source;
  const next = {};
  for (const item of list) {
    const raw = item.hyperparameters ?? item.defaults ?? item.params ?? item.parameters ?? {};
    const pairs = Array.isArray(raw) ? raw.map((p) => [p.name ?? p.key, p.default]) : Object.entries(raw);
    if (item.description && typeof item.description === "object") DESCRIPTIONS[item.name] = item.description;
    next[item.name] = pairs.filter(([, v]) => typeof v === "number" || typeof v === "boolean" || Array.isArray(v))
      .flatMap(([key, value]) => entries(item.name, key, value));
  }
  if (!Object.values(next).every((params) => params.some((p) => p.key === "lr"))) return source;
  for (const key of Object.keys(OPTIMIZERS)) delete OPTIMIZERS[key];
  Object.assign(OPTIMIZERS, next);
  OPTIMIZER_NAMES.splice(0, OPTIMIZER_NAMES.length, ...Object.keys(next));
  source.from = "server";
  return source;
}

/** The default hyper-parameters of an optimiser, as a flat object. */
export function defaults(name) {
  const out = {};
  for (const p of OPTIMIZERS[name] || []) out[p.key] = p.default;
  return out;
}

/** The request body's optimizer object: PyTorch names, betas as a pair, unknown keys dropped. */
export function optimizerBody(name, params = {}) {
  const body = { name };
  for (const p of OPTIMIZERS[name] || []) {
    const raw = params[p.key] ?? p.default;
    const value = p.kind === "bool" ? Boolean(raw) : Number(raw);
    if (p.kind === "number" && !Number.isFinite(value)) continue;
    body[p.key] = value;
  }
  if ("beta1" in body || "beta2" in body) {
    body.betas = [body.beta1, body.beta2];
    delete body.beta1;
    delete body.beta2;
  }
  return body;
}

/**
 * Build the hyper-parameter inputs for one optimiser into `host`; onChange(key, value) fires on
 * every edit. labelFor(key) gives the (translated) label; ids are prefixed to stay unique.
 */
export function renderParams(host, name, values, { prefix, labelFor, onChange, skip = [], about = null }) {
  host.replaceChildren();
  if (about) {
    // What the optimiser does, in the server's words (GET /api/v1/optimizers).
    const p = document.createElement("p");
    p.className = "tr-hint opt-about";
    p.dataset.optimizer = name;
    p.textContent = about;
    host.appendChild(p);
  }
  for (const p of OPTIMIZERS[name] || []) {
    if (skip.includes(p.key)) continue;
    const id = `${prefix}-${p.key}`;
    const wrap = document.createElement("label");
    wrap.className = p.kind === "bool" ? "cr-field cr-check" : "cr-field";
    wrap.htmlFor = id;
    wrap.dataset.hide = p.key; // hide=lr,momentum,… (page-presenter.js)
    const text = document.createElement("span");
    text.className = "cr-field-label";
    text.dataset.i18n = `opt.${p.key}`;
    text.textContent = labelFor(p.key);
    const input = document.createElement("input");
    input.id = id;
    input.dataset.param = p.key;
    if (p.kind === "bool") {
      input.type = "checkbox";
      input.checked = Boolean(values[p.key] ?? p.default);
      input.addEventListener("change", () => onChange(p.key, input.checked));
      wrap.append(input, text);
    } else {
      numberInput(input, { value: values[p.key] ?? p.default, min: p.min, max: p.max, step: p.step ?? "any",
        onChange: (v) => onChange(p.key, v) });
      wrap.append(text, input);
    }
    host.appendChild(wrap);
  }
}
