// The JSON API client: the only way any page talks to the engine.

// Non-finite numbers travel as the strings "NaN", "Infinity", "-Infinity" (strict JSON).
// An error keeps the API's code, English message and parameters; its `message` reads in the
// page's current language (strings-errors.js), so every page that shows `error.message` shows it
// in Portuguese too, and again in the new language after a switch.
import { formulaText } from "./graph-strings.js";
import { errorText } from "./strings-errors.js";

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = error?.code || "http_error";
    this.apiMessage = error?.message || `HTTP ${status}`; // the API's own (English) words
    const { code: _code, message: _message, ...params } = error || {};
    this.params = params; // line, column, input, name, text, shapes, limit, … (docs/api.md)
    this.line = error?.line ?? null;
    this.column = error?.column ?? null;
    this.input = error?.input ?? null; // the input the error is about, by its name
    this.retryAfter = null; // seconds, when a busy server (429, 503) says when to come back
    Object.defineProperty(this, "message", { get: () => errorText(this), configurable: true });
  }
}

/** GET (body undefined) or POST JSON to /api/v1/<path>; resolves the parsed body or throws ApiError. */
export async function request(path, body, { signal } = {}) {
  const url = path.startsWith("/") ? path : `/api/v1/${path}`;
  const init = { method: body === undefined ? "GET" : "POST", headers: { Accept: "application/json" }, signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { code: "network", message: String(error.message || error) });
  }
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) {
    const failure = new ApiError(response.status, data?.error || data?.detail?.error || null);
    const after = Number(response.headers.get("Retry-After"));
    if (Number.isFinite(after) && response.headers.has("Retry-After")) failure.retryAfter = after;
    throw failure;
  }
  return data;
}

// The engine words its formulas in English ("1 if y > z, ½ if equal, else 0"). Each formula of a
// document or of the op list reads in the page's current language wherever a page shows it — the
// drawing, the legend, the step panel, the handout — and in the new one after a switch.
function localFormula(record, key, map = (raw) => formulaText(raw)) {
  if (!record || !(key in record)) return;
  const raw = record[key];
  Object.defineProperty(record, key, { get: () => map(raw), enumerable: true, configurable: true });
}

function localDocument(doc) {
  for (const node of doc?.nodes || []) localFormula(node, "formula");
  for (const edge of doc?.edges || []) localFormula(edge, "formula");
  return doc;
}

function localOps(list) {
  for (const op of Array.isArray(list) ? list : []) {
    localFormula(op, "formulas", (raw) => (Array.isArray(raw) ? raw.map((f) => formulaText(f)) : raw));
  }
  return list;
}

export const evaluate = (body, options) => request("evaluate", body, options).then(localDocument);
export const gradcheck = (body, options) => request("gradcheck", body, options);
export const examples = (options) => request("examples", undefined, options);
export const example = (id, options) => request(`examples/${encodeURIComponent(id)}`, undefined, options);
export const ops = (options) => request("ops", undefined, options).then(localOps);
export const train = (body, options) => request("train", body, options);
export const optimize = (body, options) => request("optimize", body, options);

/** A JSON number or one of the non-finite strings, as a JS number. */
export function toNumber(value) {
  if (typeof value === "number") return value;
  if (value === "NaN") return Number.NaN;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  return Number(value);
}

/** Nested lists of JSON numbers → nested arrays of JS numbers. */
export function toNumbers(value) {
  return Array.isArray(value) ? value.map(toNumbers) : value === null ? null : toNumber(value);
}
