// Presenter view on /train and /optimizers (issue 11 item 4): `#present=1`, `p` or the Present button
// toggle it. The header and the settings columns go, the plot (the decision heatmap, the race's
// contours) fills the screen, and + / − (theme.js's type scale, `scale=` in the URL) grow or shrink it
// together with its labels and axes: the plot's side and its label size are both multiples of
// --type-scale (train.css), so they never drift apart and never collide. As on the graph page,
// `hide=a,b` hides the controls with those data-hide names (a panel, or one setting: the last
// word of its label key, e.g. lr, activation, noise — the TensorFlow Playground's lesson links)
// and `embed=1` drops the header for a course page's iframe.
import { t } from "./i18n.js";
import { setPresenterKey } from "./theme.js";
import { createState } from "./urlstate.js";
import "./strings-lesson-pages.js";

export function createPlotPresenter({ onChange = () => {} } = {}) {
  const store = createState({
    present: { type: "bool", default: false, transient: true },
    hide: { type: "string", default: "", transient: true },
    embed: { type: "bool", default: false, transient: true },
  });
  const { state } = store;
  const button = document.getElementById("present-toggle");

  const hidden = new Set(state.hide.split(",").map((s) => s.trim()).filter(Boolean));
  function hideNamed() {
    for (const el of document.querySelectorAll("[data-hide]")) {
      el.classList.toggle("hidden-by-link", el.dataset.hide.split(" ").some((name) => hidden.has(name)));
    }
    document.querySelector(".app-header")?.classList.toggle("hidden-by-link", hidden.has("header"));
  }
  // The settings are built (and rebuilt, say for another optimiser) after this runs.
  if (hidden.size) new MutationObserver(hideNamed).observe(document.body, { childList: true, subtree: true });

  function apply() {
    document.body.classList.toggle("presenting", state.present);
    document.body.classList.toggle("embed", state.embed);
    hideNamed();
    button.setAttribute("aria-pressed", String(state.present));
    onChange(state.present);
  }

  function toggle() {
    store.set({ present: !state.present });
    apply();
  }

  setPresenterKey(toggle);
  // `p` is the presenter view here: the theme button's tooltip no longer names it either.
  for (const theme of document.querySelectorAll("[data-theme-toggle]")) {
    theme.dataset.i18nTitle = "lessonPage.theme.title";
    theme.title = t("lessonPage.theme.title");
  }
  button.addEventListener("click", toggle);
  apply();
  return { toggle, apply, get presenting() { return state.present; } };
}
