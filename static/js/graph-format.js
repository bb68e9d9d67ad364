// Numbers and tensors as text: the page's ONE rounding rule, shared by the drawing, the step panel
// and the input fields. A number shows 3 significant digits; float noise (a result within ~1e-12
// of an integer, e.g. −2.78e-17 or 2.9999999999999996) shows as that integer; the exact value is
// exactText (for a title / aria-label). Português (Brasil) writes a decimal comma, English a point.
import { toNumber } from "./api.js";
import { getLanguage } from "./i18n.js";

export const DIGITS = 3;
const NOISE = 1e-12;
const comma = (lang) => (lang ?? getLanguage()) === "pt-BR";

export const isTensor = (value) => Array.isArray(value);

/** Shape of a nested list ([] for a number). */
export function shapeOf(value) {
  const shape = [];
  let v = value;
  while (Array.isArray(v)) { shape.push(v.length); v = v[0]; }
  return shape;
}

/** A shape written the one way the page writes shapes: "2×3" ("" for a number). */
export const shapeText = (shape) => (shape.length ? shape.join("×") : "");

/** A tensor as rows × columns of numbers (leading axes folded into rows), for grids and heatmaps. */
export function asMatrix(value) {
  const shape = shapeOf(value);
  if (shape.length === 0) return [[toNumber(value)]];
  if (shape.length === 1) return [value.map(toNumber)];
  const rows = [];
  const walk = (v, depth) => {
    if (depth === shape.length - 1) rows.push(v.map(toNumber));
    else for (const item of v) walk(item, depth + 1);
  };
  walk(value, 0);
  return rows;
}

/** The value with float noise removed: within 1e-12 (relative, at least absolute) of an integer → it. */
export function denoise(value) {
  if (!Number.isFinite(value)) return value;
  const whole = Math.round(value);
  return Math.abs(value - whole) <= NOISE * Math.max(1, Math.abs(value)) ? whole + 0 : value; // + 0: no −0
}

const localise = (text, lang) => (comma(lang) ? text.replace(".", ",") : text).replace(/^-/, "−").replace("e-", "e−");

/**
 * `value` (a number or the API's "NaN"/"Infinity" strings) rounded by the one rule: integers below
 * 100 000 exactly, otherwise `digits` significant digits, exponent form below 0.001 or from 100 000.
 */
export function formatNumber(value, { digits = DIGITS, lang } = {}) {
  const v = denoise(toNumber(value));
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (Number.isInteger(v) && Math.abs(v) < 1e5) return localise(String(v), lang);
  const rounded = Number(v.toPrecision(digits));
  const size = Math.abs(rounded);
  const text = size >= 1e5 || size < 1e-3
    ? rounded.toExponential(digits - 1).replace(/\.?0+e/, "e").replace("e+", "e")
    : String(rounded);
  return localise(text, lang);
}

/** The exact value (shortest round-trip text), for a title or aria-label beside a rounded number. */
export function exactText(value, { lang } = {}) {
  const v = toNumber(value);
  if (!Number.isFinite(v)) return formatNumber(v, { lang });
  return localise(String(v), lang);
}

/** A number typed by a person: "0,1" or "0.1", "−2" or "-2", "1e-3"; NaN when it is not a number. */
export function parseNumber(text) {
  const clean = String(text).trim().replace(/[−–]/g, "-").replace(/\s/g, "");
  if (!clean) return Number.NaN;
  if (/^[+-]?(∞|inf(inity)?)$/i.test(clean)) return clean.startsWith("-") ? -Infinity : Infinity;
  const dotted = clean.includes(",") && !clean.includes(".") ? clean.replace(",", ".") : clean;
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(dotted) ? Number(dotted) : Number.NaN;
}

/** The one rule as the older call sites spell it: num(value) or num(value, digits). */
export function num(value, digits = DIGITS) {
  return formatNumber(value, { digits });
}

/** The list separator inside a tensor's text: "; " where the decimal separator is a comma. */
export const separator = (lang) => (comma(lang) ? "; " : ", ");

/** Compact text: "3", "[1, 2]", "[[1, 2], [3, 4]]", or "2×3 [min … max]" when long. */
export function valueText(value, { maxElements = 12, digits = DIGITS } = {}) {
  if (value === null || value === undefined) return "—";
  if (!isTensor(value)) return num(value, digits);
  const shape = shapeOf(value);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > maxElements) {
    const finite = asMatrix(value).flat().filter(Number.isFinite);
    const lo = finite.length ? Math.min(...finite) : Number.NaN;
    const hi = finite.length ? Math.max(...finite) : Number.NaN;
    return `${shapeText(shape)} [${num(lo, digits)} … ${num(hi, digits)}]`;
  }
  const inner = (v) => (Array.isArray(v) ? `[${v.map(inner).join(separator())}]` : num(v, digits));
  return inner(value);
}

/** Wrap a label in parentheses when it is an expression (so ∂f/∂(x + y) reads right). */
export const wrap = (label) => (/[\s+\-*/@]/.test(label) && label.length > 1 ? `(${label})` : label);
