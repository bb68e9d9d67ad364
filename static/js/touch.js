// Touch on every page (loaded by base.html): hints for fingers beside the keyboard and hover
// hints (phone.css shows one or the other by `(pointer: coarse)`), and on the graph page pinch to
// zoom, two-finger pan and tap-to-expand, driven through the drawing's viewport API
// (graph-viewport.js: transform, fitScale, getView / setView) — never by editing the drawing.
import { t } from "./i18n.js";
import "./strings-touch.js";

/** Is the primary pointer a finger? (phone.css asks the same with a media query.) */
export const coarse = () => window.matchMedia("(pointer: coarse)").matches;
document.documentElement.dataset.input = coarse() ? "touch" : "mouse";
window.matchMedia("(pointer: coarse)").addEventListener("change", () => {
  document.documentElement.dataset.input = coarse() ? "touch" : "mouse";
});

const make = (tag, className, key) => {
  const el = document.createElement(tag);
  el.className = className;
  if (key) { el.dataset.i18n = key; el.textContent = t(key); }
  return el;
};

/** Call found(el) once selector matches, now or when a page's module adds it later. */
function whenPresent(selector, found) {
  const now = document.querySelector(selector);
  if (now) { found(now); return; }
  const watch = new MutationObserver(() => {
    const el = document.querySelector(selector);
    if (el) { watch.disconnect(); found(el); }
  });
  watch.observe(document.body, { childList: true, subtree: true });
}

// ---- hints --------------------------------------------------------------------------------------
const TOUCH_KEYS = ["step", "slide", "zoom", "expand", "reveal", "fit"];

function addHints() {
  whenPresent("#canvas", (canvas) => canvas.append(make("p", "touch-hint", "touch.graph.hint")));
  // The graph page's Keyboard section gets a Touch twin (hidden with it by a share link's hide=keys).
  whenPresent(".shortcuts", (keys) => {
    const section = make("section", "side-section touch-hint touch-keys");
    section.append(make("h2", "panel-title", "touch.keys.label"));
    const list = make("ul", "touch-list");
    for (const key of TOUCH_KEYS) list.append(make("li", "", `touch.keys.${key}`));
    section.append(list);
    keys.after(section);
  });
  whenPresent(".tr-keys", (keys) => keys.after(make("p", "touch-hint", "touch.train.keys")));
  whenPresent(".de-hint", (hint) => hint.after(make("p", "touch-hint", "touch.data.hint")));
  whenPresent("#race-hint", (hint) => hint.after(make("p", "touch-hint", "touch.race.hint")));
  whenPresent("#tr-graph-hint", mirrorGraphHint);
  whenPresent(".tr-net-panel", watchWeightCard);
  whenPresent("#quiz-question", (question) => twin(question,
    [["quiz.noQuestion", "touch.quiz.noQuestion"], ["quiz.done", "touch.quiz.done"]], "touch-quiz"));
}

/** While `el` says one of the keyboard texts in `pairs` ([[key, touchKey]]), a twin after it says
 * the touch one (phone.css shows one or the other); the page keeps writing el as it likes. */
function twin(el, pairs, className) {
  const other = make(el.tagName === "SPAN" ? "span" : "p", `touch-hint ${className}`);
  el.dataset.touchTwin = "";
  el.after(other);
  const sync = () => {
    const pair = pairs.find(([key]) => el.textContent === t(key));
    el.classList.toggle("touch-swapped", Boolean(pair));
    other.hidden = !pair;
    if (pair) other.textContent = t(pair[1]);
  };
  new MutationObserver(sync).observe(el, { childList: true, characterData: true, subtree: true });
  sync();
}

/** /train's graph hint ends with a hover sentence inside a longer text the page writes itself:
 * a touch twin copies that text with the sentence told for a finger. */
function mirrorGraphHint(hint) {
  const other = make("p", "touch-hint", "");
  other.id = "tr-graph-hint-touch";
  hint.classList.add("touch-swapped");
  hint.after(other);
  const copy = () => {
    const hover = t("train.openGraph.hint", { n: "" }).split(". ").pop();
    const text = hint.textContent;
    other.textContent = hover && text.endsWith(hover) ? text.slice(0, -hover.length) + t("touch.train.neuron") : text;
  };
  new MutationObserver(copy).observe(hint, { childList: true, characterData: true, subtree: true });
  copy();
}

/** /train's weight card says "press Enter; Escape closes" in a note it rebuilds on every open. */
function watchWeightCard(panel) {
  const sync = () => {
    const note = panel.querySelector(".wc-note:not(.touch-hint):not([data-touch-twin])");
    if (note) twin(note, [["wc.hint", "touch.wc.hint"]], "wc-note");
  };
  new MutationObserver(sync).observe(panel, { childList: true, subtree: true });
  sync();
}

// ---- the graph: pinch, two-finger pan, tap to expand ----------------------------------------------
const READABLE_PX = 11; // a label's box under this height on screen (type under ~9 px) is too small to read
const EXPANDED = 1; // the zoom a tap expands to: the drawing's own sizes (a tensor's cells at 10.5 px)

/** The drawing's viewport, published by the graph page as window.chainrule.graph.viewport. */
const viewportOf = () => window.chainrule?.graph?.viewport ?? null;

export function attachPinch(svg, getViewport = viewportOf) {
  const touches = new Map(); // pointerId → {x, y} of every finger down on the drawing
  let last = null; // {dist, mid} of the two fingers at the previous move
  let blocking = false; // from the second finger until all are up, the viewport's drag is held off

  const pair = () => {
    const [a, b] = [...touches.values()];
    return { dist: Math.hypot(a.x - b.x, a.y - b.y), mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } };
  };

  /** The drawing point under the old midpoint goes under the new one, scaled by the spread. */
  function follow(now) {
    const viewport = getViewport();
    if (!viewport || !last || !last.dist) return;
    const box = svg.getBoundingClientRect();
    const { x, y, k } = viewport.transform;
    const px = (last.mid.x - box.left - x) / k;
    const py = (last.mid.y - box.top - y) / k;
    const k1 = k * (now.dist / last.dist);
    const tx = now.mid.x - box.left - px * k1;
    const ty = now.mid.y - box.top - py * k1;
    viewport.setView({ zoom: k1 / viewport.fitScale, cx: (box.width / 2 - tx) / k1, cy: (box.height / 2 - ty) / k1 });
  }

  // Capturing on window runs before the viewport's own listeners on the <svg>, so stopping a
  // second finger's events there keeps the viewport dragging with at most the first finger.
  window.addEventListener("pointerdown", (event) => {
    if (event.pointerType !== "touch" || !svg.contains(event.target)) return;
    touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (touches.size < 2) return;
    event.stopPropagation();
    blocking = true;
    last = pair();
  }, true);
  window.addEventListener("pointermove", (event) => {
    if (!touches.has(event.pointerId)) return;
    touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (!blocking) return;
    event.stopPropagation();
    if (touches.size < 2) return;
    const now = pair();
    follow(now);
    last = now;
  }, true);
  const lift = (event) => {
    if (!touches.delete(event.pointerId)) return;
    last = touches.size >= 2 ? pair() : null;
    if (!touches.size) blocking = false;
  };
  window.addEventListener("pointerup", lift, true);
  window.addEventListener("pointercancel", lift, true);
}

/** Are the numbers drawn for this node (its values and gradients, matrices included) too small to
 * read, or not drawn at all (a zoomed-out drawing shows bare gates)? Measured on screen, so it holds
 * whatever the drawing's level of detail does. */
function tooSmall(svg, id) {
  const key = CSS.escape(id);
  const boxes = [...svg.querySelectorAll(`.labels [data-node="${key}"], .labels [data-node="${key}"] text`)]
    .filter((el) => el.tagName.toLowerCase() === "text")
    .map((el) => el.getBoundingClientRect())
    .filter((r) => r.height > 0);
  return !boxes.length || Math.min(...boxes.map((r) => r.height)) < READABLE_PX;
}

/** A tap on a gate whose numbers are too small to read zooms the view to it (tensors included). */
export function attachTapExpand(svg, getViewport = viewportOf) {
  let press = null;
  svg.addEventListener("pointerdown", (event) => {
    press = event.pointerType === "touch" ? { x: event.clientX, y: event.clientY, el: event.target } : null;
  }, true);
  svg.addEventListener("click", (event) => {
    const viewport = getViewport();
    const geometry = window.chainrule?.graph?.geometry;
    if (!press || !viewport || !geometry || Math.hypot(event.clientX - press.x, event.clientY - press.y) > 10) return;
    const id = press.el?.closest?.("[data-node]")?.getAttribute("data-node");
    press = null;
    const g = id && geometry[id];
    if (!g || viewport.transform.k >= EXPANDED || !tooSmall(svg, id)) return;
    // Centre a little right of the gate: its values and gradients are drawn on its outgoing wire.
    glide(viewport, { zoom: EXPANDED / viewport.fitScale, cx: g.x + g.half + 40, cy: g.y });
  });
}

/** Move the view to `to` over a few frames (a jump would lose the reader's place). */
function glide(viewport, to, ms = 220) {
  const from = viewport.getView();
  const start = performance.now();
  const frame = (now) => {
    const s = Math.min(1, (now - start) / ms);
    const e = s * (2 - s);
    viewport.setView({ zoom: from.zoom * (to.zoom / from.zoom) ** e, cx: from.cx + (to.cx - from.cx) * e,
      cy: from.cy + (to.cy - from.cy) * e });
    if (s < 1) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

addHints();
const graph = document.getElementById("graph");
if (graph && graph.closest(".canvas")) {
  attachPinch(graph);
  attachTapExpand(graph);
}
