// Form controls built from declarations (label key, options, range) so /train and /optimizers
// share one look and every label comes from the i18n tables.
import { t } from "./i18n.js";
import { numberInput } from "./number-field.js";

let uid = 0;

function field(host, labelKey, input, { check = false } = {}) {
  const wrap = document.createElement("label");
  wrap.className = check ? "cr-field cr-check" : "cr-field";
  wrap.dataset.hide = labelKey.slice(labelKey.lastIndexOf(".") + 1); // hide=lr,activation,… (page-presenter.js)
  const text = document.createElement("span");
  text.className = "cr-field-label";
  text.dataset.i18n = labelKey;
  text.textContent = t(labelKey);
  if (!input.id) input.id = `cr-${(uid += 1)}`;
  wrap.htmlFor = input.id;
  if (check) wrap.append(input, text);
  else wrap.append(text, input);
  host.appendChild(wrap);
  return wrap;
}

/** <select> whose options are [{value, key}] (key: i18n key of the option's text). */
export function selectField(host, { id, labelKey, options, value, onChange }) {
  const select = document.createElement("select");
  if (id) select.id = id;
  for (const o of options) {
    const option = document.createElement("option");
    option.value = o.value;
    option.dataset.i18n = o.key;
    option.textContent = t(o.key);
    select.appendChild(option);
  }
  select.value = value;
  select.addEventListener("change", () => onChange(select.value));
  field(host, labelKey, select);
  return select;
}

/** A range slider with its current value shown beside the label. */
export function rangeField(host, { id, labelKey, min, max, step, value, format = String, onChange }) {
  const input = document.createElement("input");
  input.type = "range";
  if (id) input.id = id;
  Object.assign(input, { min: String(min), max: String(max), step: String(step) });
  input.value = String(value);
  const wrap = field(host, labelKey, input);
  wrap.classList.add("cr-range");
  const out = document.createElement("output");
  out.className = "cr-range-value";
  out.htmlFor = input.id;
  out.textContent = format(Number(input.value));
  wrap.querySelector(".cr-field-label").after(out);
  input.addEventListener("input", () => { out.textContent = format(Number(input.value)); });
  input.addEventListener("change", () => onChange(Number(input.value)));
  return input;
}

/** A number field (number-field.js): the language's decimal rule, min/max checked with a message. */
export function numberField(host, { id, labelKey, min, max, step = "any", value, onChange }) {
  const input = document.createElement("input");
  if (id) input.id = id;
  numberInput(input, { value, min, max, step, onChange });
  field(host, labelKey, input);
  return input;
}

/** A checkbox. */
export function checkField(host, { id, labelKey, value, onChange }) {
  const input = document.createElement("input");
  input.type = "checkbox";
  if (id) input.id = id;
  input.checked = Boolean(value);
  input.addEventListener("change", () => onChange(input.checked));
  field(host, labelKey, input, { check: true });
  return input;
}
