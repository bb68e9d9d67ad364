// The source editor (a textarea over a highlighted backdrop, with line numbers) and the inputs
// editor. Live: onChange fires after a short pause in typing; errors point at line and column.
import { t } from "./i18n.js";
import { shapeOf } from "./graph-format.js";

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

/** Parse an input field: a number, or a JSON nested list of numbers; null when invalid. */
export function parseInputValue(text) {
  const trimmed = text.trim().replace(/−/g, "-");
  if (/^[-+]?(\d+([.,]\d*)?|[.,]\d+)(e[-+]?\d+)?$/i.test(trimmed)) return Number(trimmed.replace(",", "."));
  try {
    const value = JSON.parse(trimmed);
    const ok = (v) => (Array.isArray(v) ? v.length > 0 && v.every(ok) : typeof v === "number" && Number.isFinite(v));
    return Array.isArray(value) && ok(value) ? value : null;
  } catch {
    return null;
  }
}

const inputText = (value) => (Array.isArray(value) ? JSON.stringify(value) : String(value));

/** One field per input of the graph; onInput(name, value) when a field holds a valid value. */
export function renderInputs(container, names, values, onInput, onLeave = () => {}) {
  container.replaceChildren();
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
    field.title = shape.length ? t("inputs.tensorHint", { shape: shape.join("×") }) : t("inputs.scalarHint");
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
    row.append(label, field, note);
    container.append(row);
  }
}
