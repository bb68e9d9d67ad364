// The graph playground page (/): one state object (source, inputs, step, what is hidden, the
// classroom's lesson / quiz / presenter fields) mirrored to the URL and localStorage; the engine is
// reached only through the JSON API. The classroom features are modules that get `page`, this
// file's small interface: the state, the drawing, the stepper, load(), renderPanel() and events.
import * as api from "./api.js";
import { createEditor, renderInputs } from "./editor.js";
import { exportJson, exportPng, exportSvg } from "./export.js";
import { exportAllSteps } from "./export-steps.js";
import { createGraphView } from "./graph.js";
import { explainStep } from "./graph-explain.js";
import { renderLine } from "./panel-grid.js";
import { formatNumber } from "./graph-format.js";
import { renderLegend } from "./graph-legend.js";
import "./graph-strings.js";
import "./strings-classroom.js";
import "./strings-panel.js";
import { onLanguageChange, t } from "./i18n.js";
import { createLessons } from "./lesson.js";
import { createPresenter } from "./presenter.js";
import { createPresets } from "./presets.js";
import { createQuiz } from "./quiz.js";
import { createReveal } from "./reveal.js";
import { createShare } from "./share.js";
import { createStepper } from "./stepper.js";
import { createState, pageLink } from "./urlstate.js";

const LECTURE = { source: "a = x + y\nb = max(y, z)\nf = a * b", inputs: { x: 1, y: 2, z: 0 } };
const LAST = -1; // step -1 in the state means "the last step" (everything computed)
const MAX_INPUT_FIXES = 64;
const UNROLL_NOTE_MS = 8000; // how long "Unrolled: …" stays over the drawing
const PARSE_ERRORS = new Set(["syntax_error", "unknown_function", "wrong_arity", "unknown_name", "duplicate_name",
  "empty_source", "empty_graph", "too_many_nodes", "invalid_source", "unknown_argument", "unknown_output",
  "unnamed_input", "source_too_long"]);

const store = createState({
  source: { type: "string", default: LECTURE.source },
  inputs: { type: "json", default: LECTURE.inputs },
  step: { type: "int", default: LAST },
  grads: { type: "bool", default: true }, // false: gradients hidden (g)
  values: { type: "bool", default: true }, // false: computed values hidden (v)
  example: { type: "string", default: "", transient: true }, // with seed: the seeded example's id
  seed: { type: "int", default: null, transient: true },
  quiz: { type: "int", default: 0, transient: true }, // 1: backward steps are questions; 2: forward too
  lesson: { type: "string", default: "", transient: true },
  lesson_step: { type: "int", default: 0, transient: true },
  present: { type: "bool", default: false, transient: true },
  embed: { type: "bool", default: false, transient: true },
  hide: { type: "string", default: "", transient: true }, // controls to hide, comma-separated
  view: { type: "string", default: "", transient: true }, // zoom relative to Fit and the centre point
  unroll: { type: "bool", default: false }, // every tensor op drawn as its scalar gates
  jacobian: { type: "bool", default: false }, // the @ gate's local Jacobian instead of δ xᵀ / Wᵀδ
}, { storageKey: "chainrule.playground" });
const state = store.state;

const $ = (id) => document.getElementById(id);
const listeners = { document: [], step: [], draw: [] };
const emit = (name, ...args) => { for (const fn of listeners[name]) fn(...args); };
const remembered = { ...state.inputs }; // values of names that left the source, kept for their return
let current = null; // {doc, request}: the last graph that evaluated
let ops = [];
let sequence = 0;
let controller = null;
let pendingInputs = null;
let checkTimer = null;
let statusKind = null;
let lastError = null; // the ApiError shown in the editor: worded again when the language changes
let waiting = []; // load() promises resolved by the next accepted document
let unrollNote = null; // {key, params, error}: what the unroll switch last said

const graph = createGraphView($("graph"), {
  onActivate: (target) => reveal.reveal(target),
  onView: () => emit("draw", "view"),
});
const reveal = createReveal({ store, doc: () => current?.doc, onChange: () => { applyHidden(); renderPanel(stepper.step); } });

const editor = createEditor({
  textarea: $("source"), backdrop: $("backdrop"), gutter: $("gutter"), status: $("editor-status"),
  onChange: (source) => { store.set({ source }); clearUnrollError(); evaluateNow(); },
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
  for (const statement of source.replace(/#.*$/gm, "").split(/[\n;]/)) { // a comment names nothing
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
    const unrolled = state.unroll; // the request stays the tensor graph's (gradcheck, export, links)
    try {
      const doc = await api.evaluate(unrolled ? { ...request, unroll: true } : request, { signal: controller.signal });
      if (mine === sequence) accept(doc, request, unrolled);
      return;
    } catch (error) {
      if (error.name === "AbortError" || mine !== sequence) return;
      const name = error.input;
      if (unrolled && (error.code === "too_large_to_unroll" || error.code === "not_unrollable")) {
        refuseUnroll(error); // the switch goes off and the tensor graph is drawn
      } else if (error.code === "missing_input" && name && !(name in request.inputs)) {
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

function accept(doc, request, unrolled = false) {
  const sameShape = current && current.doc.order.join("\n") === doc.order.join("\n");
  current = { doc, request, unrolled };
  Object.assign(remembered, request.inputs);
  store.set({ inputs: request.inputs });
  // Unrolled, the document's inputs are the elements (W[0,1]); the fields stay the tensors.
  const names = unrolled ? Object.keys(request.inputs) : doc.nodes.filter((n) => n.kind === "input").map((n) => n.id);
  showInputs(names, request.inputs);
  const scalar = !Object.values(request.inputs).some(Array.isArray) && !doc.nodes.some((n) => n.id.includes("["));
  if (unrolled) unrollNote = { key: scalar ? "unroll.scalar" : "unroll.on", params: { nodes: doc.nodes.length } };
  else if (!unrollNote?.error) unrollNote = null;
  showUnroll();
  const k = stepper.reset(doc.steps.length, state.step === LAST ? doc.steps.length - 1 : state.step);
  graph.draw(doc, k, { fit: !sameShape });
  applyHidden();
  emit("document", doc, { sameShape });
  renderPanel(stepper.step); // a listener (the quiz) may have moved the stepper
  renderLegend($("legend"), doc, ops);
  statusKind = "ok";
  editor.showOk(doc.nodes.length);
  scheduleCheck(request);
  for (const resolve of waiting.splice(0)) resolve(doc);
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
  lastError = error;
  showErrorText(error);
  if (current) $("editor-status").append(` — ${t("editor.kept")}`);
  $("gradcheck").replaceChildren();
  for (const resolve of waiting.splice(0)) resolve(null);
}

/** The error in the editor, in the page's language (ApiError words its `message` from code and parameters). */
function showErrorText(error) {
  if (error.code === "network") editor.showError({ message: t("error.network", { message: error.message }) });
  else editor.showError(error);
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
  emit("step", k);
  // The URL follows a moment later: held arrow keys would otherwise hit the browser's
  // history.replaceState throttle (and each write costs part of the 16 ms frame).
  store.set({ step: k === stepper.count - 1 ? LAST : k }, { defer: 120 });
}

function applyHidden() {
  graph.setHidden({ grads: reveal.isHidden("grad", null), values: reveal.isHidden("val", null), keys: reveal.keys });
  $("toggle-grads").setAttribute("aria-pressed", String(state.grads));
  $("toggle-values").setAttribute("aria-pressed", String(state.values));
  emit("draw", "hidden");
}

function renderPanel(k) {
  if (!current) return;
  const { phase, node, lines, shortcut } = explainStep(current.doc, k, { jacobian: state.jacobian });
  $("panel-view").hidden = !shortcut;
  $("step-panel").classList.toggle("tensor-panel", current.doc.nodes.some((n) => n.shape.length > 0));
  $("view-shortcut").setAttribute("aria-pressed", String(!state.jacobian));
  $("view-jacobian").setAttribute("aria-pressed", String(state.jacobian));
  const badge = $("step-phase");
  badge.className = `phase-badge ${phase}`;
  badge.textContent = `${{ forward: "→", backward: "←", accumulate: "Σ" }[phase] || ""} ${t(`phase.${phase}`)}`;
  $("step-node").textContent = t("phase.node", { name: node });
  $("step-lines").replaceChildren(...lines.map((line) => renderLine(line, reveal)));
  presets.render();
}

// ---- unroll: the same graph with every tensor op as its scalar gates ------------------------------
function showUnroll() {
  $("unroll-toggle").setAttribute("aria-pressed", String(state.unroll));
  const status = $("unroll-status");
  clearTimeout(showUnroll.timer);
  // "Unrolled: …" is news, then it would only cover the drawing; a refusal stays until the next action.
  if (unrollNote && !unrollNote.error) showUnroll.timer = setTimeout(() => { status.hidden = true; }, UNROLL_NOTE_MS);
  status.hidden = !unrollNote;
  status.classList.toggle("error", Boolean(unrollNote?.error));
  status.textContent = unrollNote ? t(unrollNote.key, unrollNote.params) : "";
}

/** The server would not unroll (too large): say why in the page's language; the switch goes off. */
function refuseUnroll(error) {
  const params = error.params || {};
  const said = /'(.+?)' has (\d+) elements.*?at most (\d+)/.exec(error.message || "");
  const name = params.text ?? params.name ?? said?.[1];
  if (name !== undefined) {
    unrollNote = { key: "unroll.tooLarge", error: true,
      params: { name, size: params.size ?? said?.[2], limit: params.limit ?? said?.[3] } };
  } else if (params.size !== undefined && params.limit !== undefined) {
    unrollNote = { key: "unroll.tooManyNodes", error: true, params: { size: params.size, limit: params.limit } };
  } else {
    unrollNote = { key: "unroll.tooLargeGraph", error: true, params: { message: error.message } };
  }
  store.set({ unroll: false });
  showUnroll();
}

function clearUnrollError() {
  if (unrollNote?.error) unrollNote = null;
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
      detail.textContent = t("check.detail", { error: formatNumber(error, { digits: 2 }) });
      badge.append(chip, detail);
    } catch (error) {
      if (mine === sequence) badge.innerHTML = `<span class="badge pending">${t("check.unavailable")}</span>`;
    }
  }, 300);
}

/** Open a graph: set the editor and state, evaluate; resolves with the document (null on error). */
function load({ source, inputs, step = LAST }) {
  store.set({ source, inputs: { ...inputs }, step });
  clearUnrollError();
  Object.assign(remembered, inputs);
  editor.value = source;
  const done = new Promise((resolve) => waiting.push(resolve));
  evaluateNow();
  return done;
}

const page = {
  store, state, graph, stepper, reveal, editor, load, renderPanel, LAST,
  /** Redraw what is hidden (after the quiz or a lesson changed it). */
  refresh() { applyHidden(); renderPanel(stepper.step); },
  get doc() { return current?.doc ?? null; },
  get request() { return current?.request ?? null; },
  on(name, fn) { listeners[name].push(fn); },
  $,
};
const presets = createPresets(page);
createLessons(page);
createQuiz(page);
createPresenter(page);
const share = createShare(page);
share.build();

/** The handout of what is on screen: the lesson, or this graph (a worksheet while numbers are hidden). */
function handoutLink() {
  const hidden = (shown) => (shown ? undefined : "0");
  $("handout-link").href = state.lesson
    ? pageLink("/handout", { lesson: state.lesson })
    : pageLink("/handout", { source: state.source, inputs: state.inputs, grads: hidden(state.grads), values: hidden(state.values) });
}
page.on("document", handoutLink);
page.on("draw", handoutLink);

// ---- view controls, export -----------------------------------------------------------------------
$("toggle-grads").addEventListener("click", () => reveal.setGrads(!state.grads));
$("toggle-values").addEventListener("click", () => reveal.setValues(!state.values));
$("reveal-all").addEventListener("click", () => reveal.revealAll());
$("zoom-in").addEventListener("click", () => graph.viewport.zoomBy(1.25));
$("zoom-out").addEventListener("click", () => graph.viewport.zoomBy(0.8));
$("zoom-fit").addEventListener("click", () => graph.viewport.fit());
$("export-svg").addEventListener("click", () => exportSvg(graph.svg));
$("export-png").addEventListener("click", () => exportPng(graph.svg));
$("export-json").addEventListener("click", () => current
  && exportJson(current.doc, current.unrolled ? { ...current.request, unroll: true } : current.request));
$("unroll-toggle").addEventListener("click", () => {
  unrollNote = null;
  store.set({ unroll: !state.unroll, step: LAST });
  showUnroll();
  evaluateNow();
});
for (const [id, jacobian] of [["view-shortcut", false], ["view-jacobian", true]]) {
  $(id).addEventListener("click", () => { store.set({ jacobian }); renderPanel(stepper.step); });
}
$("export-steps").addEventListener("click", () => current && exportAllSteps(graph, current.doc, stepper.step));

onLanguageChange(() => {
  share.build();
  showUnroll();
  if (statusKind === "error" && lastError) {
    showErrorText(lastError);
    if (current) $("editor-status").append(` — ${t("editor.kept")}`);
  }
  if (!current) return;
  if (ops.length) renderLegend($("legend"), current.doc, ops);
  graph.draw(current.doc, stepper.step);
  applyHidden();
  emit("document", current.doc, { sameShape: true });
  renderPanel(stepper.step);
  stepper.render();
  if (statusKind === "ok") editor.showOk(current.doc.nodes.length);
  scheduleCheck(current.request);
});

// ---- start ---------------------------------------------------------------------------------------
editor.value = state.source;
applyHidden();
showUnroll();
window.chainrule = { graph, stepper, store, page, get document() { return current?.doc ?? null; } };
if (!state.lesson && !(state.example && state.seed !== null)) evaluateNow(); // else the lesson / quiz loads it
api.ops().then((list) => { ops = list; if (current) renderLegend($("legend"), current.doc, ops); }).catch(() => {});
