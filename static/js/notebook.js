// The slide in a notebook output (app/notebook.py): the page's own drawing, stepper, step panel
// and hidden answers (g, v, r; a click reveals one), mounted from a document given inline — no
// server, no request. Each output is a frame of its own, so the keys act on the output that has
// focus and nothing else.
import { createGraphView } from "./graph.js";
import { explainStep } from "./graph-explain.js";
import { formulaText } from "./graph-strings.js";
import { addStrings, t, translate } from "./i18n.js";
import { createReveal, segmentText } from "./reveal.js";
import { createStepper } from "./stepper.js";
import "./strings-classroom.js";

addStrings({
  en: {
    "notebook.label": "chainrule: the computational graph, step by step",
    "notebook.hint": "Click, then → ← · drag to pan · Ctrl + wheel to zoom",
  },
  "pt-BR": {
    "notebook.label": "chainrule: o grafo computacional, passo a passo",
    "notebook.hint": "Clique e use → ← · arraste para mover · Ctrl + roda para ampliar",
  },
});

const PHASE_MARK = { forward: "→", backward: "←", accumulate: "Σ" };

// The page's toolbar (templates/index.html), less what needs a server: presets, editor, export.
const icon = (path) => `<svg viewBox="0 0 24 24" aria-hidden="true"><path d="${path}"/></svg>`;
const button = (id, key, shortcut, path, extra = "") => `<button type="button" class="tool-button icon${extra}"
  data-step="${id}" data-i18n-title="${key}" data-i18n-aria-label="${key}" aria-keyshortcuts="${shortcut}">${path}</button>`;

const MARKUP = `
<div class="toolbar" role="toolbar" data-i18n-aria-label="stepper.label">
  <div class="stepper">
    ${button("first", "stepper.first", "Home", icon("M6 5h2v14H6zM20 5v14L9 12z"))}
    ${button("back", "stepper.back", "ArrowLeft", icon("M16 5v14L5 12z"))}
    ${button("play", "stepper.play", "Space", `<svg class="icon-play" viewBox="0 0 24 24" aria-hidden="true"><path d="M7 4v16l13-8z"/></svg>
      <svg class="icon-pause" viewBox="0 0 24 24" aria-hidden="true"><path d="M6 4h4v16H6zM14 4h4v16h-4z"/></svg>`, " play")}
    ${button("next", "stepper.next", "ArrowRight", icon("M8 5v14l11-7z"))}
    ${button("last", "stepper.last", "End", icon("M16 5h2v14h-2zM4 5v14l11-7z"))}
    <label class="speed"><span data-i18n="stepper.speed"></span>
      <select data-step="speed" data-i18n-aria-label="stepper.speed"><option value="0.5">0.5×</option><option value="1" selected>1×</option>
        <option value="2">2×</option><option value="4">4×</option></select></label>
  </div>
  <div class="step-progress">
    <span class="step-counter" data-step="counter" aria-live="off"></span>
    <input type="range" min="0" max="0" value="0" data-step="range" data-i18n-aria-label="stepper.position">
  </div>
  <div class="view-tools">
    <button type="button" class="tool-button" data-view="grads" aria-pressed="true" aria-keyshortcuts="g"
      data-i18n-title="view.grads.title"><span class="grad-mark" aria-hidden="true">∇</span>
      <span data-i18n="view.grads"></span></button>
    <button type="button" class="tool-button" data-view="values" aria-pressed="true" aria-keyshortcuts="v"
      data-i18n-title="view.values.title"><span data-i18n="view.values"></span></button>
    <button type="button" class="tool-button" data-view="reveal" aria-keyshortcuts="r"
      data-i18n-title="view.revealAll.title"><span data-i18n="view.revealAll"></span></button>
    <button type="button" class="tool-button" data-view="fit" data-i18n="view.fit" data-i18n-title="view.fit.title"></button>
  </div>
</div>
<div class="canvas">
  <svg class="graph" role="img" tabindex="0" xmlns="http://www.w3.org/2000/svg" aria-labelledby="graph-title"></svg>
  <p class="canvas-hint" data-i18n="notebook.hint"></p>
</div>
<div class="step-panel panel" aria-live="polite">
  <div class="step-head"><span class="phase-badge" data-panel="phase"></span><span class="step-node" data-panel="node"></span></div>
  <ol class="step-lines" data-panel="lines"></ol>
</div>`;

/** The step written out under the drawing, as the page's step panel writes it ("?" while hidden). */
function renderPanel(root, doc, k, reveal) {
  const { phase, node, lines } = explainStep(doc, k);
  const badge = root.querySelector('[data-panel="phase"]');
  badge.className = `phase-badge ${phase}`;
  badge.textContent = `${PHASE_MARK[phase] || ""} ${t(`phase.${phase}`)}`;
  root.querySelector('[data-panel="node"]').textContent = t("phase.node", { name: node });
  root.querySelector('[data-panel="lines"]').replaceChildren(...lines.map((line) => {
    const li = document.createElement("li");
    li.append(...line.map((part) => {
      const span = document.createElement("span");
      const text = segmentText(part, reveal);
      if (part.cls) span.className = part.cls === "grad" ? "grad-text" : part.cls;
      if (text !== part.text) span.classList.add("masked");
      span.textContent = text;
      return span;
    }));
    return li;
  }));
}

/**
 * Draw `doc` (the API's evaluation document) into `root`, at `step` (an index; null: the last),
 * with `hide` ("grads", "values") hidden until revealed, as the page's g and v hide them.
 * Returns {graph, stepper, reveal} for whoever wants to drive it.
 */
export function mount(root, doc, { step = null, hide = [] } = {}) {
  root.classList.add("stage", "nb-stage");
  root.setAttribute("role", "region");
  root.setAttribute("aria-label", t("notebook.label"));
  root.innerHTML = MARKUP;
  translate(root);
  const part = (name) => root.querySelector(`[data-step="${name}"]`);
  const view = (name) => root.querySelector(`[data-view="${name}"]`);
  // The page keeps `grads` and `values` in its URL state; one output keeps them here.
  const store = { state: { grads: !hide.includes("grads"), values: !hide.includes("values") },
    set(patch) { Object.assign(this.state, patch); } };
  const reveal = createReveal({ store, doc: () => doc, onChange: () => { applyHidden(); renderPanel(root, doc, stepper.step, reveal); } });
  const graph = createGraphView(root.querySelector("svg.graph"), { onActivate: (target) => reveal.reveal(target) });
  const stepper = createStepper({
    first: part("first"), back: part("back"), play: part("play"), next: part("next"), last: part("last"),
    speed: part("speed"), range: part("range"), counter: part("counter"),
    onStep: (k) => { graph.setStep(k); renderPanel(root, doc, k, reveal); },
  });
  function applyHidden() {
    graph.setHidden({ grads: reveal.isHidden("grad", null), values: reveal.isHidden("val", null), keys: reveal.keys });
    view("grads").setAttribute("aria-pressed", String(store.state.grads));
    view("values").setAttribute("aria-pressed", String(store.state.values));
  }

  // The page words each formula in its language as a document arrives (api.js); this one came inline.
  for (const record of [...(doc.nodes || []), ...(doc.edges || [])]) {
    if (typeof record.formula === "string") record.formula = formulaText(record.formula);
  }
  const k = stepper.reset(doc.steps.length, step === null || step === undefined ? doc.steps.length - 1 : step);
  graph.draw(doc, k, { fit: true });
  applyHidden();
  renderPanel(root, doc, k, reveal);

  view("grads").addEventListener("click", () => reveal.setGrads(!store.state.grads));
  view("values").addEventListener("click", () => reveal.setValues(!store.state.values));
  view("reveal").addEventListener("click", () => reveal.revealAll());
  view("fit").addEventListener("click", () => graph.viewport.fit());
  // In a notebook the wheel scrolls the notebook; Ctrl + wheel (and a pinch) still zooms.
  root.querySelector(".canvas").addEventListener("wheel", (event) => {
    if (!event.ctrlKey && !event.metaKey) event.stopPropagation();
  }, { capture: true });
  new ResizeObserver(() => { if (!graph.viewport.moved) graph.viewport.fit(); }).observe(root.querySelector(".canvas"));
  return { graph, stepper, reveal };
}
