// Presenter view on /train and /optimizers (issue 11 item 4): `#present=1`, `p` or the Present button
// toggle it. The header and the settings columns go, the plot (the decision heatmap, the race's
// contours) fills the screen, and + / − (theme.js's type scale, `scale=` in the URL) grow or shrink it
// together with its labels and axes: the plot's side and its label size are both multiples of
// --type-scale (train.css), so they never drift apart and never collide.
import { t } from "./i18n.js";
import { setPresenterKey } from "./theme.js";
import { createState } from "./urlstate.js";
import "./strings-lesson-pages.js";

export function createPlotPresenter({ onChange = () => {} } = {}) {
  const store = createState({ present: { type: "bool", default: false, transient: true } });
  const { state } = store;
  const button = document.getElementById("present-toggle");

  function apply() {
    document.body.classList.toggle("presenting", state.present);
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
  return { toggle, get presenting() { return state.present; } };
}
