// The racer cards of /optimizers: one per optimiser, each with its colour, marker and dash, its
// optimiser, its own hyper-parameters and, after a race, its final loss.
import { formatNumber, getLanguage, t } from "./i18n.js";
import { defaults, describe, OPTIMIZER_NAMES, renderParams } from "./train-optimizers.js";
import { setNumber } from "./number-field.js";
import { racerParams, RACER_STYLE } from "./race-state.js";
import { swatch } from "./race-contour.js";

// Hyper-parameters rarely changed in a race stay at PyTorch's defaults (the URL can still set them).
const QUIET = ["eps", "weight_decay", "dampening", "initial_accumulator_value", "lr_decay"];

// The learning-rate slider runs over 10⁻⁴ … 1 on a log scale (a race's rates span decades).
const LOG_MIN = -4;
const LOG_MAX = 0;
const SLIDER_STEPS = 80;

function lrSlider(k, lr, onInput) {
  const input = document.createElement("input");
  input.type = "range";
  input.id = `race-lr-slider-${k}`;
  input.className = "race-lr-slider";
  Object.assign(input, { min: "0", max: String(SLIDER_STEPS), step: "1" });
  const position = (v) => Math.round(((Math.log10(v) - LOG_MIN) / (LOG_MAX - LOG_MIN)) * SLIDER_STEPS);
  input.value = String(Math.max(0, Math.min(SLIDER_STEPS, position(lr || 1e-4))));
  input.dataset.i18nAriaLabel = "race.lrSlider";
  input.setAttribute("aria-label", t("race.lrSlider"));
  input.addEventListener("input", () => {
    const v = 10 ** (LOG_MIN + (Number(input.value) / SLIDER_STEPS) * (LOG_MAX - LOG_MIN));
    onInput(Number(v.toPrecision(2)));
  });
  return input;
}

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
      prefix: `race-${k}`, labelFor: (key) => t(`opt.${key}`), skip: QUIET, about: describe(r.name, getLanguage()),
      onChange: (key, value) => onChange(k, { [key]: value }),
    });
    const slider = lrSlider(k, racerParams(r).lr, (lr) => {
      const number = params.querySelector("input[data-param='lr']");
      if (number) setNumber(number, lr); // by the language's decimal rule
      onChange(k, { lr }, { live: true });
    });
    const inspect = document.createElement("p");
    inspect.className = "race-inspect";
    inspect.setAttribute("aria-live", "off");
    li.append(head, slider, params, inspect);
    list.append(li);
  });
}

// With a decimal comma (pt-BR) the two numbers of a pair are kept apart by a semicolon.
const pair = (v) => `(${formatNumber(v[0], 3)}${getLanguage() === "pt-BR" ? ";" : ","} ${formatNumber(v[1], 3)})`;

/** Write each racer's loss at the shown step into its card, and what its step k did (inspect()). */
export function showFinals(list, losses, k, infos = []) {
  for (const card of list.querySelectorAll(".race-card")) {
    const i = Number(card.dataset.racer);
    const values = losses[i] || [];
    const v = values[Math.min(k, values.length - 1)];
    const out = card.querySelector(".race-final");
    out.textContent = v === undefined ? "" : formatNumber(v, 3);
    out.title = t("race.final");
    const info = infos[i];
    const parts = [];
    if (info?.gradient) parts.push(t("race.inspect.grad", { v: pair(info.gradient) }));
    if (info) parts.push(t("race.inspect.update", { v: pair(info.update) }));
    if (info?.carry) parts.push(t("race.inspect.carry", { v: pair(info.carry) }));
    if (info?.scale && info.scale.every((s) => s !== null)) parts.push(t("race.inspect.scale", { v: pair(info.scale) }));
    card.querySelector(".race-inspect").textContent = parts.join(" · ");
  }
}
