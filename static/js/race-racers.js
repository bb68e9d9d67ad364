// The racer cards of /optimizers: one per optimiser, each with its colour, marker and dash, its
// optimiser, its own hyper-parameters and, after a race, its final loss.
import { formatNumber, t } from "./i18n.js";
import { defaults, OPTIMIZER_NAMES, renderParams } from "./train-optimizers.js";
import { racerParams, RACER_STYLE } from "./race-state.js";
import { swatch } from "./race-contour.js";

// Hyper-parameters rarely changed in a race stay at PyTorch's defaults (the URL can still set them).
const QUIET = ["eps", "weight_decay", "dampening", "initial_accumulator_value", "lr_decay"];

export function renderRacers(list, racers, { onChange, onRemove, lrFor = (name) => defaults(name).lr }) {
  list.replaceChildren();
  racers.forEach((r, k) => {
    const style = RACER_STYLE[k % RACER_STYLE.length];
    const li = document.createElement("li");
    li.className = "race-card";
    li.dataset.racer = String(k);
    li.style.setProperty("--racer", style.color);
    const head = document.createElement("div");
    head.className = "race-card-head";
    const select = document.createElement("select");
    select.id = `race-opt-${k}`;
    select.dataset.i18nAriaLabel = "race.optimizer";
    select.setAttribute("aria-label", t("race.optimizer"));
    for (const name of OPTIMIZER_NAMES) {
      const o = document.createElement("option");
      o.value = name;
      o.dataset.i18n = `optname.${name}`;
      o.textContent = t(`optname.${name}`);
      select.append(o);
    }
    select.value = r.name;
    select.addEventListener("change", () => onChange(k, { name: select.value, lr: lrFor(select.value) }, { replace: true }));
    const final = document.createElement("span");
    final.className = "race-final";
    final.dataset.final = "";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "nv-pm race-remove";
    remove.textContent = "×";
    remove.dataset.i18nTitle = "race.remove";
    remove.dataset.i18nAriaLabel = "race.remove";
    remove.title = t("race.remove");
    remove.setAttribute("aria-label", t("race.remove"));
    remove.disabled = racers.length <= 1;
    remove.addEventListener("click", () => onRemove(k));
    head.append(swatch(style), select, final, remove);
    const params = document.createElement("div");
    params.className = "race-params";
    renderParams(params, r.name, racerParams(r), {
      prefix: `race-${k}`, labelFor: (key) => t(`opt.${key}`), skip: QUIET,
      onChange: (key, value) => onChange(k, { [key]: value }),
    });
    li.append(head, params);
    list.append(li);
  });
}

/** Write each racer's loss at the shown step into its card. */
export function showFinals(list, losses, k) {
  for (const card of list.querySelectorAll(".race-card")) {
    const values = losses[Number(card.dataset.racer)] || [];
    const v = values[Math.min(k, values.length - 1)];
    const out = card.querySelector(".race-final");
    out.textContent = v === undefined ? "" : formatNumber(v, 3);
    out.title = t("race.final");
  }
}
