// i18n: string tables per language, `data-i18n` translation, remembered choice, change event.
// Other pages add their own tables with addStrings({en: {...}, "pt-BR": {...}}).
import { getParam, setParams } from "./urlstate.js";

export const LANGUAGES = ["en", "pt-BR"];
export const LANGUAGE_EVENT = "chainrule:language";
const STORAGE_KEY = "chainrule.lang";

const tables = { en: {}, "pt-BR": {} };
let current = initialLanguage();

function initialLanguage() {
  const fromUrl = normalise(getParam("lang"));
  if (fromUrl) return fromUrl;
  try {
    const stored = normalise(localStorage.getItem(STORAGE_KEY));
    if (stored) return stored;
  } catch { /* storage may be disabled */ }
  return (navigator.language || "").toLowerCase().startsWith("pt") ? "pt-BR" : "en";
}

function normalise(lang) {
  if (!lang) return null;
  const match = LANGUAGES.find((l) => l.toLowerCase() === String(lang).toLowerCase());
  if (match) return match;
  return String(lang).toLowerCase().startsWith("pt") ? "pt-BR" : null;
}

/** Merge string tables ({en: {key: text}, "pt-BR": {...}}) and re-translate the page. */
export function addStrings(more) {
  for (const [lang, strings] of Object.entries(more)) {
    tables[lang] = { ...(tables[lang] || {}), ...strings };
  }
  if (typeof document !== "undefined") translate(document);
}

/** The string for key in the current language, with {name} placeholders filled from params. */
export function t(key, params = {}) {
  const text = tables[current]?.[key] ?? tables.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
}

export function has(key) {
  return key in (tables[current] || {}) || key in tables.en;
}

export function getLanguage() {
  return current;
}

/** Switch language: remember it (localStorage + URL), translate, and announce the change. */
export function setLanguage(lang) {
  const next = normalise(lang) || "en";
  const changed = next !== current;
  current = next;
  try { localStorage.setItem(STORAGE_KEY, current); } catch { /* ignore */ }
  setParams({ lang: current });
  translate(document);
  if (changed) document.dispatchEvent(new CustomEvent(LANGUAGE_EVENT, { detail: { lang: current } }));
}

export function onLanguageChange(callback) {
  document.addEventListener(LANGUAGE_EVENT, (event) => callback(event.detail.lang));
}

/** Fill data-i18n (text), data-i18n-title, data-i18n-aria-label, data-i18n-placeholder under root. */
export function translate(root = document) {
  if (root === document) {
    document.documentElement.lang = current;
    const title = document.querySelector("title[data-i18n]");
    if (title) title.textContent = t(title.dataset.i18n);
  }
  for (const el of root.querySelectorAll("[data-i18n]")) {
    if (has(el.dataset.i18n)) el.textContent = t(el.dataset.i18n);
  }
  for (const [attr, data] of [["title", "i18nTitle"], ["aria-label", "i18nAriaLabel"],
    ["placeholder", "i18nPlaceholder"]]) {
    const selector = `[data-i18n-${attr}]`;
    for (const el of root.querySelectorAll(selector)) {
      if (has(el.dataset[data])) el.setAttribute(attr, t(el.dataset[data]));
    }
  }
}

/** Format a number for the current language, by the decimal rule graph-format.js states for the
 * graph page: a decimal comma in Português (Brasil), a point in English; "−" for minus, "e−3". */
export function formatNumber(value, digits = 4) {
  if (typeof value === "string") return value === "NaN" ? "NaN" : value.replace("Infinity", "∞");
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : (value > 0 ? "∞" : "−∞");
  const rounded = Number(value.toPrecision(digits));
  const text = Math.abs(rounded) >= 1e6 || (rounded !== 0 && Math.abs(rounded) < 1e-4)
    ? rounded.toExponential(Math.max(0, digits - 2)).replace(/\.?0+e/, "e")
    : String(rounded);
  const local = current === "pt-BR" ? text.replace(".", ",") : text;
  return local.replace(/^-/, "−").replace("e-", "e−");
}
