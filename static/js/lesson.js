// Lessons on the graph page: `#lesson=ID&lesson_step=K` opens step K of a lesson (GET
// /api/v1/lessons/{id}, or a file the teacher picked, checked by POST /api/v1/lessons/check); → and
// ← move through it (through the step's trace range first, when it names one); the caption is large.
// A caption's numbers are placeholders ({a}: a's value, {d:y}: ∂out/∂y) filled from the live
// document, so the text always matches the drawing — and prints "?" while that number is hidden.
// A step on /train or /optimizers opens that page, which shows the lesson itself (page-lesson.js).
import * as api from "./api.js";
import { num } from "./graph-format.js";
import { getLanguage, onLanguageChange, t } from "./i18n.js";
import { getScale, isShortcut } from "./theme.js";
import { getParam, pageLink } from "./urlstate.js";

const PLACEHOLDER = /\{(d:)?([A-Za-z_]\w*)\}/g;
export const FILE_KEY = "chainrule.lessonFile";
const PATHS = { graph: "/", train: "/train", optimizers: "/optimizers" };

/**
 * The address of lesson step k on its own page: the step's page state (train / optimizers), the
 * lesson and step, and what the teacher had on (presenter view, type size, language, theme).
 */
export function stepLink(lesson, k, { present = false } = {}) {
  const step = lesson.steps[k];
  const page = PATHS[step.page] ? step.page : "graph";
  const values = page === "graph" ? {} : { ...(step.state || {}) };
  Object.assign(values, { lesson: lesson.id, lesson_step: k });
  if (present) values.present = 1;
  if (getScale() !== 1) values.scale = getScale();
  for (const name of ["lang", "theme"]) if (getParam(name)) values[name] = getParam(name);
  return pageLink(PATHS[page], values);
}

/** The caption with its placeholders filled from doc (hidden numbers as "?"). */
export function fillCaption(text, doc, reveal) {
  const byId = Object.fromEntries((doc?.nodes || []).map((n) => [n.id, n]));
  return text.replace(PLACEHOLDER, (all, grad, name) => {
    const node = byId[name];
    if (!node) return "…"; // the document is still on its way (or the name is not in it)
    const kind = grad ? "grad" : node.kind === "op" ? "val" : null;
    if (reveal && reveal.isHidden(kind, `n:${name}`)) return "?";
    return num(grad ? node.grad : node.value);
  });
}

export function createLessons(page) {
  const { $, store, state, stepper } = page;
  let lesson = null;
  let shownIndex = -1;

  const local = (text) => text?.[getLanguage()] ?? text?.en ?? "";
  const current = () => lesson?.steps[state.lesson_step] ?? null;

  async function fillList() {
    try {
      const list = await api.request("lessons");
      const select = $("lesson-select");
      select.replaceChildren(new Option(t("lesson.none"), ""),
        ...list.map((item) => new Option(local(item.title), item.id)));
      select.value = state.lesson && list.some((l) => l.id === state.lesson) ? state.lesson : "";
      fillList.list = list;
    } catch { /* no lessons: the section stays with its "none" entry */ }
  }

  async function open(id, k = 0, opening = false) {
    if (!id) { close(); return; }
    try {
      const fromFile = JSON.parse(sessionStorage.getItem(FILE_KEY) || "null");
      lesson = fromFile?.id === id ? fromFile : await api.request(`lessons/${encodeURIComponent(id)}`);
    } catch (error) {
      $("lesson-status").textContent = t("lesson.failed", { message: error.message });
      return;
    }
    $("lesson-status").textContent = "";
    go(k, { opening });
  }

  /** Show lesson step k: its graph (or its own page), its caption, what it points at. */
  async function go(k, { opening = false } = {}) {
    if (!lesson) return;
    const index = Math.max(0, Math.min(lesson.steps.length - 1, k));
    store.set({ lesson: lesson.id, lesson_step: index });
    const step = lesson.steps[index];
    document.body.classList.add("in-lesson");
    $("lesson-bar").hidden = false;
    shownIndex = index;
    renderCaption();
    if (step.page === "graph") {
      if (step.hide?.length) {
        if (step.hide.includes("grads") && state.grads) page.reveal.setGrads(false);
        if (step.hide.includes("values") && state.values) page.reveal.setValues(false);
      }
      await page.load({ source: step.source, inputs: step.inputs || {}, step: step.step ?? page.LAST });
      if (shownIndex === index) page.graph.setPointed(step.highlight || []);
    } else {
      // A step of another page: that page shows it (a link opened here goes on without a history entry).
      const url = stepLink(lesson, index, { present: state.present });
      if (opening) location.replace(url);
      else location.assign(url);
    }
  }

  function renderCaption() {
    const step = current();
    if (!lesson || !step) return;
    const index = state.lesson_step;
    $("lesson-title").textContent = local(lesson.title);
    $("lesson-progress").textContent = t("lesson.progress", { step: index + 1, count: lesson.steps.length });
    const caption = $("lesson-caption");
    caption.textContent = fillCaption(local(step.caption), page.doc, page.reveal);
    const link = $("lesson-open");
    link.hidden = step.page === "graph";
    if (step.page !== "graph") {
      link.href = pageLink(step.page === "train" ? "/train" : "/optimizers", step.state || {});
      link.textContent = t(step.page === "train" ? "lesson.openTrain" : "lesson.openOptimizers");
    }
    $("lesson-prev").disabled = index <= 0;
    $("lesson-next").disabled = index >= lesson.steps.length - 1;
  }

  function close() {
    lesson = null;
    shownIndex = -1;
    store.set({ lesson: "", lesson_step: 0 });
    document.body.classList.remove("in-lesson");
    $("lesson-bar").hidden = true;
    page.graph.setPointed([]);
    $("lesson-select").value = "";
  }

  /** → inside a lesson: through the step's trace range first, then the next lesson step. */
  function forward() {
    const step = current();
    if (step?.page === "graph" && step.step_to !== undefined && stepper.step < step.step_to) stepper.go(stepper.step + 1);
    else if (state.lesson_step < lesson.steps.length - 1) go(state.lesson_step + 1);
  }

  function backward() {
    const step = current();
    if (step?.page === "graph" && step.step_to !== undefined && stepper.step > (step.step ?? 0)) stepper.go(stepper.step - 1);
    else if (state.lesson_step > 0) go(state.lesson_step - 1);
  }

  // Capture phase: the lesson takes → and ← before the stepper sees them.
  window.addEventListener("keydown", (event) => {
    if (!lesson || !isShortcut(event) || event.defaultPrevented) return;
    if (event.key === "ArrowRight") forward();
    else if (event.key === "ArrowLeft") backward();
    else if (event.key === "Escape") close();
    else return;
    event.preventDefault();
  }, true);

  $("lesson-select").addEventListener("change", () => open($("lesson-select").value, 0));
  $("lesson-prev").addEventListener("click", backward);
  $("lesson-next").addEventListener("click", forward);
  $("lesson-close").addEventListener("click", close);
  $("lesson-file").addEventListener("change", async () => {
    const file = $("lesson-file").files?.[0];
    if (!file) return;
    try {
      const checked = await api.request("lessons/check", JSON.parse(await file.text()));
      sessionStorage.setItem(FILE_KEY, JSON.stringify(checked)); // survives a reload of this tab
      lesson = checked;
      $("lesson-status").textContent = t("lesson.loaded", { title: local(checked.title), count: checked.steps.length });
      go(0);
    } catch (error) {
      $("lesson-status").textContent = t("lesson.badFile", { message: error.message });
    }
  });
  page.on("document", renderCaption);
  page.on("draw", (why) => { if (why === "hidden") renderCaption(); });
  onLanguageChange(() => { fillList(); renderCaption(); });

  fillList();
  if (state.lesson) open(state.lesson, state.lesson_step, true);
  return { open, go, close, get lesson() { return lesson; } };
}
