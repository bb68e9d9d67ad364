// A numeric field written and read by the page's one decimal rule (graph-format.js): "0,9" in
// Português (Brasil), "0.9" in English, re-written when the language switches; typed, both "0,5"
// and "0.5" are read. A browser's <input type="number"> formats its value in the BROWSER's locale,
// not the page's, so these fields are text inputs (inputmode="decimal": a phone's number pad) that
// bring back what type="number" gave: min/max (and whole numbers for a whole step) checked with a
// message in the page's language, and ArrowUp/ArrowDown stepping. What a page sends stays a JS number.
import { exactText, parseNumber } from "./graph-format.js";
import { onLanguageChange, t } from "./i18n.js";
import "./strings-fields.js";

const FIELDS = new WeakMap(); // input → its state: {value, min, max, step, onChange, problem}
let uid = 0;

/** A number as a field shows it: the exact value by the language's rule, with an ASCII minus to edit. */
export const fieldText = (value) => exactText(value).replace(/^−/, "-").replace("e−", "e-");

const finite = (v) => (v === undefined || v === null || v === "" ? undefined : Number(v));
const decimals = (v) => {
  const [mantissa, exponent] = String(v).split("e");
  return Math.max(0, (mantissa.split(".")[1] || "").length - Number(exponent || 0));
};

/** What is wrong with `value` for this field (an i18n key and its numbers), or null. */
function problem(state, value) {
  if (!Number.isFinite(value)) return { key: "field.notNumber", numbers: { example: state.example } };
  const { min, max } = state;
  const out = (min !== undefined && value < min) || (max !== undefined && value > max);
  if (out) {
    const key = min !== undefined && max !== undefined ? "field.between" : min !== undefined ? "field.min" : "field.max";
    return { key, numbers: { min, max } };
  }
  if (state.whole && !Number.isInteger(value)) return { key: "field.whole", numbers: {} };
  return null;
}

/** The message in the language now shown (its numbers too: "0,99999" or "0.99999", "−1"). */
function words({ key, numbers }) {
  const params = Object.fromEntries(Object.entries(numbers).map(([name, v]) => [name, v === undefined ? "" : exactText(v)]));
  return t(key, params);
}

function showProblem(input, state) {
  const message = state.message;
  input.setAttribute("aria-invalid", state.problem ? "true" : "false");
  input.setCustomValidity(state.problem ? words(state.problem) : "");
  // The page's stylesheets style [aria-invalid] only on the graph page's inputs: the red is set here.
  input.style.borderColor = state.problem ? "var(--bad, #c0392b)" : "";
  if (!state.problem) {
    if (message) message.hidden = true;
    return;
  }
  if (!state.message) {
    state.message = document.createElement("span");
    Object.assign(state.message, { className: "nf-message", id: `${input.id || `nf-${(uid += 1)}`}-message` });
    state.message.setAttribute("role", "alert");
    Object.assign(state.message.style, { color: "var(--bad, #c0392b)", fontSize: "var(--fs-xs, 0.75rem)", gridColumn: "1 / -1" });
    input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), state.message.id].filter(Boolean).join(" "));
    // Its label names the field without the message: the message describes, it does not name.
    const host = input.closest("label") || input.parentElement;
    const name = host?.querySelector(".cr-field-label, .wc-name");
    if (name && !input.hasAttribute("aria-labelledby")) {
      name.id ||= `${state.message.id}-name`;
      input.setAttribute("aria-labelledby", name.id);
    }
    (host || input).append(state.message);
  }
  state.message.hidden = false;
  state.message.textContent = words(state.problem);
}

/** Read the field: its number when the text is a valid value (shown again by the rule), else null. */
export function readNumber(input) {
  const state = FIELDS.get(input);
  const value = parseNumber(input.value);
  state.problem = problem(state, value);
  showProblem(input, state);
  if (state.problem) return null;
  state.value = value;
  input.value = fieldText(value);
  if (state.step !== undefined) input.setAttribute("aria-valuenow", String(value));
  return value;
}

/** Write `value` into the field (a slider moved, a lesson step applied): shown by the rule. */
export function setNumber(input, value) {
  const state = FIELDS.get(input);
  if (!state) return;
  state.value = Number(value);
  state.problem = null;
  showProblem(input, state);
  input.value = Number.isFinite(state.value) ? fieldText(state.value) : "";
  if (state.step !== undefined && Number.isFinite(state.value)) input.setAttribute("aria-valuenow", String(state.value));
}

/** The next value a step up (dir 1) or down (−1) reaches: the next multiple of step, kept in range. */
function stepped(state, from, dir) {
  const { step, min, max } = state;
  const n = from / step;
  const k = dir > 0 ? Math.floor(n + 1e-9) + 1 : Math.ceil(n - 1e-9) - 1;
  let next = Number((k * step).toFixed(Math.min(20, decimals(step))));
  if (min !== undefined) next = Math.max(min, next);
  if (max !== undefined) next = Math.min(max, next);
  return next;
}

/**
 * Make `input` (created by the caller, given its id) a numeric field: {value, min, max, step,
 * onChange}. step "any" means no stepping; a whole step (1, 10) asks for whole numbers. onChange(v)
 * gets a valid number on change (Enter or leaving the field) and on every arrow step.
 */
export function numberInput(input, { value, min, max, step = "any", onChange = null }) {
  const state = {
    value: Number(value), min: finite(min), max: finite(max), step: step === "any" ? undefined : Number(step),
    onChange, problem: null, message: null,
  };
  state.whole = Number.isInteger(state.step) && state.step >= 1 && (state.min === undefined || Number.isInteger(state.min));
  state.example = state.whole ? Math.max(state.min ?? 1, 1) : 0.5 >= (state.min ?? -Infinity) && 0.5 <= (state.max ?? Infinity) ? 0.5 : (state.min ?? 0);
  FIELDS.set(input, state);
  input.type = "text";
  // A phone's number pad: digits only for a whole number, with the decimal separator otherwise. The
  // decimal pad has no minus key on every phone (iOS), so a field that takes negatives keeps the keyboard.
  const positive = state.min !== undefined && state.min >= 0;
  input.inputMode = positive ? (state.whole ? "numeric" : "decimal") : "text";
  Object.assign(input, { autocomplete: "off", spellcheck: false });
  input.dataset.numberField = "";
  for (const [name, v] of [["min", state.min], ["max", state.max], ["step", state.step]]) {
    if (v !== undefined) input.dataset[name] = String(v);
  }
  if (state.step !== undefined) {
    input.setAttribute("role", "spinbutton"); // what type="number" was to a screen reader
    if (state.min !== undefined) input.setAttribute("aria-valuemin", String(state.min));
    if (state.max !== undefined) input.setAttribute("aria-valuemax", String(state.max));
  }
  setNumber(input, state.value);
  input.addEventListener("change", () => {
    const v = readNumber(input);
    if (v !== null) state.onChange?.(v);
  });
  input.addEventListener("keydown", (event) => {
    if (state.step === undefined || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    event.preventDefault();
    const typed = parseNumber(input.value);
    const next = stepped(state, Number.isFinite(typed) ? typed : state.value, event.key === "ArrowUp" ? 1 : -1);
    setNumber(input, next);
    state.onChange?.(next);
  });
  return input;
}

// One listener for every field: a valid field is re-written by the new language's rule, a field
// holding a mistake keeps the text typed and gets its message in the new language.
onLanguageChange(() => {
  for (const input of document.querySelectorAll("input[data-number-field]")) {
    const state = FIELDS.get(input);
    if (!state) continue;
    if (state.problem) showProblem(input, state);
    else input.value = Number.isFinite(state.value) ? fieldText(state.value) : "";
  }
});
