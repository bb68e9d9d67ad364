// Presenter view (#present=1, `p` toggles): the sidebar and header go, the drawing fills the
// screen, the current node is spotlighted (the rest dimmed) and followed when zoomed in. + / − zoom
// the drawing together with its labels (the type scale is the viewport's multiplier). The drawing
// never moves between steps: the panels below it have fixed heights, so the canvas keeps its size,
// and it is refitted only when the canvas really changes size. `hide=a,b` hides controls (the
// TensorFlow Playground's lesson links); `embed=1` drops the page's chrome for a course's iframe.
// Type size (scale=), zoom and centre (view=) and the presenter state live in the URL.
import { t } from "./i18n.js";
import { getScale, setPresenterKey, THEME_EVENT } from "./theme.js";
import "./strings-lesson-pages.js";

/** The controls `hide=` can name; each is an element (or several) with data-hide="<name>". */
export const HIDABLE = ["header", "sidebar", "presets", "editor", "inputs", "legend", "check", "export", "keys",
  "lessons", "stepper", "speed", "progress", "view", "panel", "caption", "quiz"];

export function createPresenter(page) {
  const { $, store, state, graph, stepper } = page;
  const canvas = $("canvas");
  let viewTimer = null;
  let restoring = Boolean(state.view);

  function applyLayout() {
    document.body.classList.toggle("presenting", state.present);
    document.body.classList.toggle("embed", state.embed);
    graph.svg.classList.toggle("spotlight", state.present);
    graph.viewport.maxFit = state.present || state.embed ? 3 : 1.6; // fill the screen
    $("present-toggle").setAttribute("aria-pressed", String(state.present));
    const hidden = new Set(state.hide.split(",").map((s) => s.trim()).filter((s) => HIDABLE.includes(s)));
    // A class, not `hidden`: the lesson and quiz bars keep their own hidden state underneath.
    for (const el of document.querySelectorAll("[data-hide]")) {
      el.classList.toggle("hidden-by-link", el.dataset.hide.split(" ").some((name) => hidden.has(name)));
    }
    document.querySelector(".app-header")?.classList.toggle("hidden-by-link", hidden.has("header")); // the shell's
  }

  function togglePresent() {
    store.set({ present: !state.present });
    applyLayout();
  }

  /** Zoomed in beyond Fit: keep the current node in view (a pan only, and only when it left). */
  function follow() {
    const step = page.doc?.steps[stepper.step];
    const at = step && graph.geometry?.[step.node];
    const { k } = graph.viewport.transform;
    if (at && k > graph.viewport.fitScale * 1.05) graph.viewport.ensureVisible(at.x, at.y);
  }

  function saveView() {
    clearTimeout(viewTimer);
    viewTimer = setTimeout(() => {
      if (restoring) return;
      if (!graph.viewport.moved) { store.set({ view: "" }); return; }
      const { zoom, cx, cy } = graph.viewport.getView();
      store.set({ view: `${zoom.toFixed(2)},${Math.round(cx)},${Math.round(cy)}` });
    }, 250);
  }

  function restoreView() {
    const [zoom, cx, cy] = state.view.split(",").map(Number);
    restoring = false;
    if ([zoom, cx, cy].every(Number.isFinite) && zoom > 0) graph.viewport.setView({ zoom, cx, cy });
  }

  setPresenterKey(togglePresent);
  // `p` is the presenter view here: the theme button's tooltip no longer names it either.
  for (const theme of document.querySelectorAll("[data-theme-toggle]")) {
    theme.dataset.i18nTitle = "lessonPage.theme.title";
    theme.title = t("lessonPage.theme.title");
  }
  $("present-toggle").addEventListener("click", togglePresent);
  $("present-toggle").title = t("present.title");
  document.addEventListener(THEME_EVENT, (event) => {
    graph.viewport.setMultiplier(event.detail.scale);
    follow();
  });
  graph.viewport.setMultiplier(getScale());

  page.on("step", follow);
  page.on("draw", (why) => { if (why === "view") saveView(); });
  page.on("document", () => { if (restoring) restoreView(); }); // the link's view, once the drawing exists

  // Refit only when the canvas really changes size (a window resize, fullscreen, the presenter
  // layout) and the user has not framed the drawing themselves.
  let size = null;
  new ResizeObserver((entries) => {
    const box = entries[entries.length - 1].contentRect;
    const next = `${Math.round(box.width)}×${Math.round(box.height)}`;
    if (next === size) return;
    size = next;
    if (page.doc && !graph.viewport.moved) { graph.viewport.fit(); follow(); }
  }).observe(canvas);

  applyLayout();
  return { togglePresent, applyLayout };
}
