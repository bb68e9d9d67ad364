// Lessons on /train and /optimizers (issue 11): `#lesson=ID&lesson_step=K` shows the lesson bar —
// title, progress k / n, the caption in large type — and applies the step's `state` (the page's own
// URL fields, docs/lessons.md). → and ← (or the bar's buttons) move through the lesson: a step on this
// page is applied in place, a step on another page opens that page at it (the graph page for graph
// steps), carrying the presenter view and the type size. Esc leaves the lesson.
import * as api from "./api.js";
import { getLanguage, onLanguageChange, t } from "./i18n.js";
import { FILE_KEY, fillCaption, stepLink } from "./lesson.js";
import { isShortcut } from "./theme.js";
import { createState, getParam } from "./urlstate.js";
import "./strings-lesson-pages.js";

/**
 * The page fields a lesson step sets. Moving to a step: every field at its default, then the step's
 * state — what opening the step's link in a fresh tab gives. Opening the page at a step (`first`):
 * only the step's fields the address does not already carry, so a reload keeps what the teacher
 * changed since. Names the page does not declare are left out.
 */
export function lessonPatch(fields, stepState = {}, { first = false } = {}) {
  const patch = {};
  if (!first) {
    for (const [name, field] of Object.entries(fields)) patch[name] = JSON.parse(JSON.stringify(field.default));
  }
  for (const [name, value] of Object.entries(stepState)) {
    if (!(name in fields)) continue;
    if (first && getParam(name) !== null) continue;
    patch[name] = value;
  }
  return patch;
}

/**
 * page: "train" | "optimizers"; apply(stepState, {first}) sets the page's state for a step in place
 * (without it, a step reloads the page at the step's link; `fields`, the page's declared fields, tell
 * what an address leaves out at its default); ownsArrows(event): true where the page
 * keeps ← → for itself (e.g. moving the race's start).
 */
export function createPageLesson({ page, fields = null, apply = null, ownsArrows = () => false, isPresenting = () => false }) {
  const store = createState({
    lesson: { type: "string", default: "", transient: true },
    lesson_step: { type: "int", default: 0, transient: true },
  });
  const { state } = store;
  const $ = (id) => document.getElementById(id);
  let lesson = null;

  const local = (text) => text?.[getLanguage()] ?? text?.en ?? "";
  const count = () => lesson?.steps.length ?? 0;

  async function open(id, k) {
    try {
      const fromFile = JSON.parse(sessionStorage.getItem(FILE_KEY) || "null");
      lesson = fromFile?.id === id ? fromFile : await api.request(`lessons/${encodeURIComponent(id)}`);
    } catch (error) {
      showBar();
      $("lesson-caption").textContent = t("lesson.failed", { message: error.message });
      return;
    }
    go(k, { first: true });
  }

  function showBar() {
    $("lesson-bar").hidden = false;
    document.body.classList.add("in-lesson");
  }

  /** Show step k: here when it is this page's, else open its page at it. */
  function go(k, { first = false } = {}) {
    const index = Math.max(0, Math.min(count() - 1, k));
    const step = lesson.steps[index];
    if ((step.page || "graph") !== page) {
      const url = stepLink(lesson, index, { present: isPresenting() });
      if (first) location.replace(url);
      else location.assign(url);
      return;
    }
    if (!apply) {
      // The page builds its controls from the address once: a new step (or a link that lacks some of
      // the step's settings) reloads it at the step's own link, in place of this history entry.
      // (An address leaves out a field at its default: that one it does not lack.)
      const lacking = Object.entries(step.state || {}).some(([name, value]) => getParam(name) === null
        && JSON.stringify(value) !== JSON.stringify(fields?.[name]?.default));
      if (!first || lacking) {
        history.replaceState(null, "", stepLink(lesson, index, { present: isPresenting() }));
        location.reload();
        return;
      }
    }
    store.set({ lesson: lesson.id, lesson_step: index });
    showBar();
    render();
    apply?.(step.state || {}, { first });
  }

  function render() {
    if (!lesson) return;
    const index = state.lesson_step;
    const step = lesson.steps[index];
    $("lesson-title").textContent = local(lesson.title);
    $("lesson-progress").textContent = t("lesson.progress", { step: index + 1, count: count() });
    $("lesson-caption").textContent = fillCaption(local(step.caption), null, null);
    $("lesson-caption").lang = getLanguage();
    $("lesson-prev").disabled = index <= 0;
    $("lesson-next").disabled = index >= count() - 1;
    $("lesson-bar").dataset.step = String(index);
  }

  function close() {
    lesson = null;
    store.set({ lesson: "", lesson_step: 0 });
    document.body.classList.remove("in-lesson");
    $("lesson-bar").hidden = true;
  }

  const forward = () => lesson && state.lesson_step < count() - 1 && go(state.lesson_step + 1);
  const backward = () => lesson && state.lesson_step > 0 && go(state.lesson_step - 1);

  // Capture phase, and stopped there: in a lesson → is the next lesson step, not the page's own → (an epoch).
  window.addEventListener("keydown", (event) => {
    if (!lesson || !isShortcut(event) || event.defaultPrevented) return;
    if (event.key.startsWith("Arrow") && ownsArrows(event)) return;
    if (event.key === "Escape" && event.target.closest?.("[role=dialog]")) return; // Esc closes the weight card first
    if (event.key === "ArrowRight") forward();
    else if (event.key === "ArrowLeft") backward();
    else if (event.key === "Escape") close();
    else return;
    event.preventDefault();
    event.stopPropagation();
  }, true);
  $("lesson-prev").addEventListener("click", backward);
  $("lesson-next").addEventListener("click", forward);
  $("lesson-close").addEventListener("click", close);
  onLanguageChange(render);

  if (state.lesson) open(state.lesson, state.lesson_step);
  return { open, go, close, get lesson() { return lesson; }, get step() { return state.lesson_step; } };
}
