// Numbers and tensors as text: the page's one formatter (locale-aware via i18n.formatNumber).
import { toNumber } from "./api.js";
import { formatNumber, getLanguage } from "./i18n.js";

export const isTensor = (value) => Array.isArray(value);

/** Shape of a nested list ([] for a number). */
export function shapeOf(value) {
  const shape = [];
  let v = value;
  while (Array.isArray(v)) { shape.push(v.length); v = v[0]; }
  return shape;
}

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

export function num(value, digits = 4) {
  return formatNumber(toNumber(value), digits);
}

const separator = () => (getLanguage() === "pt-BR" ? "; " : ", ");

/** Compact text: "3", "[1, 2]", "[[1, 2], [3, 4]]", or "2×3 tensor" summary when long. */
export function valueText(value, { maxElements = 12, digits = 4 } = {}) {
  if (value === null || value === undefined) return "—";
  if (!isTensor(value)) return num(value, digits);
  const shape = shapeOf(value);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > maxElements) {
    const flat = asMatrix(value).flat();
    const finite = flat.filter(Number.isFinite);
    const lo = finite.length ? Math.min(...finite) : Number.NaN;
    const hi = finite.length ? Math.max(...finite) : Number.NaN;
    return `${shapeText(shape)} [${num(lo, 3)} … ${num(hi, 3)}]`;
  }
  const inner = (v) => (Array.isArray(v) ? `[${v.map(inner).join(separator())}]` : num(v, digits));
  return inner(value);
}

/** Wrap a label in parentheses when it is an expression (so ∂f/∂(x + y) reads right). */
export const wrap = (label) => (/[\s+\-*/@]/.test(label) && label.length > 1 ? `(${label})` : label);
