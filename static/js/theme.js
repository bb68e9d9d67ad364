// Classroom basics shared by every page: projector theme (p), type scale (+ / −), fullscreen (f).
// The theme and the scale live in the URL (theme=projector, scale=1.3) and localStorage, so a
// lesson link opens at the teacher's type size. A page may take `p` for itself (the graph page's
// presenter view) with setPresenterKey.
import { getParam, setParams } from "./urlstate.js";

export const THEME_EVENT = "chainrule:theme";
export const THEMES = ["light", "projector"];
const THEME_KEY = "chainrule.theme";
const SCALE_KEY = "chainrule.scale";
export const SCALE_MIN = 0.8;
export const SCALE_MAX = 2.0;

let theme = "light";
let scale = 1;
let presenterKey = null;

/** Let `p` call fn instead of toggling the theme (the page's presenter view). */
export function setPresenterKey(fn) {
  presenterKey = fn;
  // `p` no longer toggles the theme here: the header button must not announce it.
  for (const button of document.querySelectorAll("[data-theme-toggle]")) {
    button.removeAttribute("aria-keyshortcuts");
  }
}

/** True when a key press belongs to a text field (shortcuts must leave typing alone). */
export function isTypingTarget(event) {
  const el = event.target;
  if (!el || !(el instanceof Element)) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  return !["button", "checkbox", "radio", "range", "submit", "reset"].includes(el.type);
}

/** True for plain key presses a shortcut may take (no Ctrl/Alt/Meta, not typing). */
export function isShortcut(event) {
  return !event.ctrlKey && !event.metaKey && !event.altKey && !isTypingTarget(event);
}

function announce() {
  document.dispatchEvent(new CustomEvent(THEME_EVENT, { detail: { theme, scale } }));
}

export function getTheme() {
  return theme;
}

export function getScale() {
  return scale;
}

export function setTheme(next) {
  theme = THEMES.includes(next) ? next : "light";
  document.documentElement.dataset.theme = theme;
  try { localStorage.setItem(THEME_KEY, theme); } catch { /* ignore */ }
  setParams({ theme: theme === "light" ? null : theme });
  for (const button of document.querySelectorAll("[data-theme-toggle]")) {
    button.setAttribute("aria-pressed", String(theme === "projector"));
  }
  announce();
}

export function toggleTheme() {
  setTheme(theme === "projector" ? "light" : "projector");
}

export function setScale(next) {
  scale = Math.min(SCALE_MAX, Math.max(SCALE_MIN, Math.round(next * 10) / 10));
  document.documentElement.style.setProperty("--type-scale", String(scale));
  try { localStorage.setItem(SCALE_KEY, String(scale)); } catch { /* ignore */ }
  setParams({ scale: scale === 1 ? null : scale });
  announce();
}

export async function toggleFullscreen(element = document.documentElement) {
  try {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await element.requestFullscreen();
  } catch { /* not allowed here (e.g. headless or iframe): nothing to do */ }
}

/** Read the remembered theme/scale, wire the header toggle and the p / + / − / f keys. */
export function initTheme() {
  let stored = null;
  let storedScale = null;
  try {
    stored = localStorage.getItem(THEME_KEY);
    storedScale = Number(localStorage.getItem(SCALE_KEY));
  } catch { /* ignore */ }
  setTheme(getParam("theme") || stored || "light");
  const urlScale = Number(getParam("scale"));
  if (urlScale || storedScale) setScale(urlScale || storedScale);
  for (const button of document.querySelectorAll("[data-theme-toggle]")) {
    button.addEventListener("click", toggleTheme);
  }
  document.addEventListener("keydown", (event) => {
    if (!isShortcut(event)) return;
    if (event.key === "p") (presenterKey || toggleTheme)();
    else if (event.key === "+" || event.key === "=") setScale(scale + 0.1);
    else if (event.key === "-" || event.key === "−" || event.key === "_") setScale(scale - 0.1);
    else if (event.key === "f") toggleFullscreen();
    else return;
    event.preventDefault();
  });
}
