// The source editor (a textarea over a highlighted backdrop, with line numbers) and the inputs
// editor. Live: onChange fires after a short pause in typing; errors point at line and column.
import { getLanguage, onLanguageChange, t } from "./i18n.js";
import { exactText, parseNumber, separator, shapeOf } from "./graph-format.js";

const DEBOUNCE_MS = 250;

const escapeHtml = (text) => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

export function createEditor({ textarea, backdrop, gutter, status, onChange }) {
  let timer = null;
  let error = null;

  function paint() {
    const text = textarea.value;
    const lines = text.split("\n");
    textarea.rows = Math.min(16, Math.max(4, lines.length + 1));
    gutter.style.height = `${textarea.offsetHeight}px`; // scrolls with the text, never taller than it
    gutter.innerHTML = lines
      .map((_, i) => `<span${error && error.line === i + 1 ? ' class="error-line"' : ""}>${i + 1}</span>`)
      .join("");
    if (!error || !error.line) {
      backdrop.innerHTML = `${escapeHtml(text)}\n`;
      return;
    }
    const html = lines.map((line, i) => {
      if (i + 1 !== error.line) return escapeHtml(line);
      const col = Math.max(0, (error.column || 1) - 1);
      const before = line.slice(0, col);
      const at = line.slice(col, col + 1) || " ";
      return `${escapeHtml(before)}<mark class="error-mark">${escapeHtml(at)}</mark>${escapeHtml(line.slice(col + 1))}`;
    });
    backdrop.innerHTML = `${html.join("\n")}\n`;
  }

  function syncScroll() {
    backdrop.scrollTop = textarea.scrollTop;
    backdrop.scrollLeft = textarea.scrollLeft;
    gutter.scrollTop = textarea.scrollTop;
  }

  textarea.addEventListener("input", () => {
    paint();
    clearTimeout(timer);
    timer = setTimeout(() => onChange(textarea.value), DEBOUNCE_MS);
  });
  textarea.addEventListener("scroll", syncScroll);
  new ResizeObserver(() => { gutter.style.height = `${textarea.offsetHeight}px`; syncScroll(); }).observe(textarea);
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Escape") textarea.blur(); // hand the keyboard back to the stepper
  });

  return {
    get value() { return textarea.value; },
    set value(text) { textarea.value = text; paint(); },
    /** An API error at line/column (or none): mark it and say where, in the current language. */
    showError(err) {
      error = err;
      paint();
      status.className = "editor-status error";
      status.textContent = err.line
        ? t("editor.errorAt", { line: err.line, column: err.column ?? 1, message: err.message })
        : t("editor.error", { message: err.message });
      textarea.setAttribute("aria-invalid", "true");
    },
    showOk(count) {
      error = null;
      paint();
      status.className = "editor-status ok";
      status.textContent = t("editor.ok", { nodes: count });
      textarea.removeAttribute("aria-invalid");
    },
    get error() { return error; },
    /** Select the source position of a node (clicked in the drawing). */
    reveal(line, column) {
      const lines = textarea.value.split("\n");
      let offset = 0;
      for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
      offset += Math.max(0, (column || 1) - 1);
      textarea.focus();
      textarea.setSelectionRange(offset, offset);
    },
  };
}

/** Parse an input field: a number ("0,5" or "0.5", "−2", "1e-3"), or a nested list of numbers —
 * JSON ("[[0.5, 1], [2, 3]]") or as Português (Brasil) writes it ("[[0,5; 1]; [2; 3]]"); null when
 * invalid. Both forms are accepted in either language, as the issue asks. */
export function parseInputValue(text) {
  const trimmed = String(text).trim().replace(/[−–]/g, "-");
  if (!trimmed.startsWith("[")) {
    const number = parseNumber(trimmed);
    return Number.isFinite(number) ? number : null;
  }
  // ";" separates the elements only where "," is the decimal separator
  const json = trimmed.includes(";") ? trimmed.replace(/,/g, ".").replace(/;/g, ",") : trimmed;
  try {
    const value = JSON.parse(json);
    const ok = (v) => (Array.isArray(v) ? v.length > 0 && v.every(ok) : typeof v === "number" && Number.isFinite(v));
    return Array.isArray(value) && ok(value) ? value : null;
  } catch {
    return null;
  }
}

/** A value as its field shows it, in the language's one decimal rule (the drawing's and the
 * panel's): exact digits, "0,5" and "[0,5; 1]" in Português (Brasil), "0.5" and "[0.5, 1]" in English. */
export function inputText(value) {
  if (!Array.isArray(value)) return exactText(value).replace(/^−/, "-").replace("e−", "e-");
  const inner = (v) => (Array.isArray(v) ? `[${v.map(inner).join(separator())}]` : inputText(v));
  return inner(value);
}

const tensorExample = () => (getLanguage() === "pt-BR" ? "[[0,5; 2]; [3; 4]]" : "[[0.5, 2], [3, 4]]");

// The fields on the page now: re-written in the new language's decimal rule on a switch (except
// the one being typed into).
let fields = [];
onLanguageChange(() => {
  for (const field of fields) {
    if (!field.isConnected || field === document.activeElement) continue;
    const value = parseInputValue(field.value);
    if (value !== null) field.value = inputText(value);
    field.title = t(field.dataset.hint, { shape: field.dataset.shape, example: tensorExample() });
  }
});

/** One field per input of the graph; onInput(name, value) when a field holds a valid value. */
export function renderInputs(container, names, values, onInput, onLeave = () => {}) {
  container.replaceChildren();
  fields = fields.filter((field) => field.isConnected);
  if (!names.length) {
    const empty = document.createElement("p");
    empty.className = "hint";
    empty.textContent = t("inputs.none");
    container.append(empty);
    return;
  }
  for (const name of names) {
    const row = document.createElement("div");
    row.className = "input-row";
    const label = document.createElement("label");
    const id = `input-${name}`;
    label.htmlFor = id;
    label.className = "input-name";
    label.textContent = name;
    const field = document.createElement("input");
    field.type = "text";
    field.id = id;
    field.dataset.input = name;
    field.spellcheck = false;
    field.autocomplete = "off";
    field.value = inputText(values[name]);
    const shape = shapeOf(values[name]);
    field.inputMode = shape.length ? "text" : "decimal";
    field.className = shape.length ? "tensor-input mono" : "scalar-input mono";
    field.dataset.hint = shape.length ? "inputs.tensorHint" : "inputs.scalarHint";
    field.dataset.shape = shape.join("×");
    field.title = t(field.dataset.hint, { shape: field.dataset.shape, example: tensorExample() });
    const note = document.createElement("span");
    note.className = "input-shape";
    note.textContent = shape.length ? shape.join("×") : "";
    field.addEventListener("input", () => {
      const value = parseInputValue(field.value);
      field.setAttribute("aria-invalid", String(value === null));
      if (value !== null) onInput(name, value);
    });
    field.addEventListener("blur", onLeave);
    field.addEventListener("change", () => {
      const value = parseInputValue(field.value);
      if (value !== null) field.value = inputText(value);
    });
    fields.push(field);
    row.append(label, field, note);
    container.append(row);
  }
}
