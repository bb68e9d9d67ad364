// The graph playground page (/): one state object (source, inputs, step, gradients shown) mirrored
// to the URL and localStorage; the engine is reached only through the JSON API.
import * as api from "./api.js";
import { createEditor, renderInputs } from "./editor.js";
import { exportJson, exportPng, exportSvg } from "./export.js";
import { createGraphView } from "./graph.js";
import { explainStep } from "./graph-explain.js";
import { num } from "./graph-format.js";
import { renderLegend } from "./graph-legend.js";
import "./graph-strings.js";
import { getLanguage, onLanguageChange, t } from "./i18n.js";
import { createStepper } from "./stepper.js";
import { isShortcut } from "./theme.js";
import { createState } from "./urlstate.js";

const LECTURE = { source: "a = x + y\nb = max(y, z)\nf = a * b", inputs: { x: 1, y: 2, z: 0 } };
const LAST = -1; // step -1 in the state means "the last step" (everything computed)
const MAX_INPUT_FIXES = 64;
const PARSE_ERRORS = new Set(["syntax_error", "unknown_function", "wrong_arity", "unknown_name", "duplicate_name",
  "empty_source", "empty_graph", "too_many_nodes", "invalid_source", "unknown_argument", "unknown_output",
  "unnamed_input", "source_too_long"]);

const store = createState({
  source: { type: "string", default: LECTURE.source },
  inputs: { type: "json", default: LECTURE.inputs },
  step: { type: "int", default: LAST },
  grads: { type: "bool", default: true },
}, { storageKey: "chainrule.playground" });
const state = store.state;

const $ = (id) => document.getElementById(id);
const graph = createGraphView($("graph"));
const remembered = { ...state.inputs }; // values of names that left the source, kept for their return
let current = null; // {doc, request}: the last graph that evaluated
let examples = [];
let ops = [];
let sequence = 0;
let controller = null;
let pendingInputs = null;
let checkTimer = null;
let statusKind = null;

const editor = createEditor({
  textarea: $("source"), backdrop: $("backdrop"), gutter: $("gutter"), status: $("editor-status"),
  onChange: (source) => { store.set({ source }); evaluateNow(); },
});

const stepper = createStepper({
  first: $("step-first"), back: $("step-back"), play: $("step-play"), next: $("step-next"), last: $("step-last"),
  speed: $("speed"), range: $("step-range"), counter: $("step-counter"),
  onStep: (k) => showStep(k),
});

/** Free names of the source, read lexically (the API has the final word and we follow its errors). */
function freeNames(source) {
  const assigned = new Set();
  const names = [];
  for (const statement of source.split(/[\n;]/)) {
    const match = /^\s*([A-Za-z_]\w*)\s*=(?!=)(.*)$/.exec(statement);
    const expression = match ? match[2] : statement;
    for (const [name] of expression.matchAll(/\b[A-Za-z_]\w*\b(?!\s*\()/g)) {
      if (!assigned.has(name) && !names.includes(name)) names.push(name);
    }
    if (match) assigned.add(match[1]);
  }
  return names;
}

function inputsFor(source) {
  const inputs = {};
  for (const name of freeNames(source)) inputs[name] = state.inputs[name] ?? remembered[name] ?? 1;
  return inputs;
}

async function evaluateNow() {
  const mine = ++sequence;
  controller?.abort();
  controller = new AbortController();
  const request = { source: state.source, inputs: inputsFor(state.source) };
  for (let attempt = 0; attempt <= MAX_INPUT_FIXES; attempt++) {
    try {
      const doc = await api.evaluate(request, { signal: controller.signal });
      if (mine === sequence) accept(doc, request);
      return;
    } catch (error) {
      if (error.name === "AbortError" || mine !== sequence) return;
      const name = error.input;
      if (error.code === "missing_input" && name && !(name in request.inputs)) {
        request.inputs[name] = remembered[name] ?? 1;
      } else if (error.code === "unknown_input" && name && name in request.inputs) {
        delete request.inputs[name];
      } else {
        reject(error, request);
        return;
      }
    }
  }
}

function accept(doc, request) {
  const sameShape = current && current.doc.order.join("\n") === doc.order.join("\n");
  current = { doc, request };
  Object.assign(remembered, request.inputs);
  store.set({ inputs: request.inputs });
  showInputs(doc.nodes.filter((n) => n.kind === "input").map((n) => n.id), request.inputs);
  const k = stepper.reset(doc.steps.length, state.step === LAST ? doc.steps.length - 1 : state.step);
  graph.draw(doc, k, { fit: !sameShape });
  renderPanel(k);
  renderLegend($("legend"), doc, ops);
  statusKind = "ok";
  editor.showOk(doc.nodes.length);
  markPreset();
  scheduleCheck(request);
}

/** The input fields; never rebuilt under the user's fingers (deferred until they leave the field). */
function showInputs(names, values) {
  const focused = document.activeElement?.dataset?.input;
  if (focused && names.includes(focused)) {
    pendingInputs = [names, values];
    return;
  }
  pendingInputs = null;
  renderInputs($("inputs"), names, values, onInput, () => setTimeout(() => pendingInputs && showInputs(...pendingInputs), 0));
}

function reject(error, request) {
  statusKind = "error";
  // The source parsed but a value does not fit (a shape, a domain): offer the inputs to fix it.
  if (!PARSE_ERRORS.has(error.code) && error.code !== "network") showInputs(Object.keys(request.inputs), request.inputs);
  if (error.code === "network") {
    editor.showError({ message: t("error.network", { message: error.message }) });
  } else {
    editor.showError({ line: error.line, column: error.column, message: error.message });
  }
  if (current) $("editor-status").append(` — ${t("editor.kept")}`);
  $("gradcheck").replaceChildren();
}

function onInput(name, value) {
  store.set({ inputs: { ...state.inputs, [name]: value } });
  remembered[name] = value;
  clearTimeout(onInput.timer);
  onInput.timer = setTimeout(evaluateNow, 200);
}

function showStep(k) {
  graph.setStep(k);
  renderPanel(k);
  // The URL follows a moment later: held arrow keys would otherwise hit the browser's
  // history.replaceState throttle (and each write costs part of the 16 ms frame).
  store.set({ step: k === stepper.count - 1 ? LAST : k }, { defer: 120 });
}

function renderPanel(k) {
  if (!current) return;
  const { phase, node, lines } = explainStep(current.doc, k);
  const badge = $("step-phase");
  badge.className = `phase-badge ${phase}`;
  badge.textContent = `${{ forward: "→", backward: "←", accumulate: "Σ" }[phase] || ""} ${t(`phase.${phase}`)}`;
  $("step-node").textContent = t("phase.node", { name: node });
  $("step-lines").replaceChildren(...lines.map((line) => {
    const li = document.createElement("li");
    for (const part of line) {
      const span = document.createElement("span");
      if (part.cls) span.className = part.cls === "grad" ? "grad-text" : part.cls;
      span.textContent = part.text;
      li.append(span);
    }
    return li;
  }));
}

function scheduleCheck(request) {
  clearTimeout(checkTimer);
  const badge = $("gradcheck");
  badge.innerHTML = `<span class="badge pending">${t("check.pending")}</span>`;
  checkTimer = setTimeout(async () => {
    const mine = sequence;
    try {
      const result = await api.gradcheck(request);
      if (mine !== sequence) return;
      const error = api.toNumber(result.max_relative_error);
      badge.replaceChildren();
      const chip = document.createElement("span");
      chip.className = `badge ${result.passed ? "ok" : "bad"}`;
      chip.id = "gradcheck-badge";
      chip.dataset.passed = String(result.passed);
      chip.textContent = t(result.passed ? "check.passed" : "check.failed");
      const detail = document.createElement("span");
      detail.className = "check-detail";
      detail.textContent = t("check.detail", { error: Number.isFinite(error) && error !== 0 ? error.toExponential(1) : num(error) });
      badge.append(chip, detail);
    } catch (error) {
      if (mine === sequence) badge.innerHTML = `<span class="badge pending">${t("check.unavailable")}</span>`;
    }
  }, 300);
}

// ---- presets ------------------------------------------------------------------------------------
function fillPresets() {
  const select = $("preset");
  const lang = getLanguage();
  select.replaceChildren(new Option(t("preset.custom"), ""),
    ...examples.map((ex) => new Option(ex.title?.[lang] ?? ex.title?.en ?? ex.id, ex.id)));
  markPreset();
}

function markPreset() {
  const match = examples.find((ex) => ex.source.trim() === state.source.trim());
  $("preset").value = match ? match.id : "";
  const lang = getLanguage();
  $("preset-explanation").textContent = match ? match.explanation?.[lang] ?? match.explanation?.en ?? "" : "";
}

$("preset").addEventListener("change", () => {
  const ex = examples.find((e) => e.id === $("preset").value);
  if (!ex) { markPreset(); return; }
  store.set({ source: ex.source, inputs: ex.inputs, step: LAST });
  Object.assign(remembered, ex.inputs);
  editor.value = ex.source;
  current = null;
  evaluateNow();
});

// ---- view controls, keys, export -----------------------------------------------------------------
function setGrads(visible) {
  store.set({ grads: visible });
  graph.setGradientsVisible(visible);
  $("toggle-grads").setAttribute("aria-pressed", String(visible));
}

$("toggle-grads").addEventListener("click", () => setGrads(!state.grads));
$("zoom-in").addEventListener("click", () => graph.viewport.zoomBy(1.25));
$("zoom-out").addEventListener("click", () => graph.viewport.zoomBy(0.8));
$("zoom-fit").addEventListener("click", () => graph.viewport.fit());
document.addEventListener("keydown", (event) => {
  if (isShortcut(event) && event.key === "g") { setGrads(!state.grads); event.preventDefault(); }
});
$("export-svg").addEventListener("click", () => exportSvg(graph.svg));
$("export-png").addEventListener("click", () => exportPng(graph.svg));
$("export-json").addEventListener("click", () => current && exportJson(current.doc, current.request));

onLanguageChange(() => {
  fillPresets();
  if (!current) return;
  graph.draw(current.doc, stepper.step);
  renderPanel(stepper.step);
  stepper.render();
  if (statusKind === "ok") editor.showOk(current.doc.nodes.length);
  scheduleCheck(current.request);
});

// The canvas changes size with the window, the theme and the type scale: keep the graph framed
// unless the user has zoomed or panned it themselves.
new ResizeObserver(() => { if (current && !graph.viewport.moved) graph.viewport.fit(); }).observe($("canvas"));

// ---- start ---------------------------------------------------------------------------------------
editor.value = state.source;
setGrads(state.grads);
window.chainrule = { graph, stepper, store, get document() { return current?.doc ?? null; } };
evaluateNow();
api.ops().then((list) => { ops = list; if (current) renderLegend($("legend"), current.doc, ops); }).catch(() => {});
api.examples().then((list) => { examples = list; fillPresets(); }).catch(() => { examples = []; fillPresets(); });
