// Your own data on /train: click the data plot to add a point of the chosen class (shift-click:
// the other class — class 0 when the chosen one is not, else class 1), drag a point to move it,
// alt-click to remove it; a clear button; CSV upload and download. Editing a generated set
// turns it into your own (its points, then your change). Every edit is one change() of
// {dataset: "custom", points, task}, so it lands in the URL and the run starts over on it.
import { t } from "./i18n.js";
import { numberInput } from "./number-field.js";
import { CsvError, parseCsv, toCsv } from "./csv.js";
import { CLASS_COLOURS } from "./heatmap.js";
import { classCount, isRegression, MAX_CLASSES, MAX_POINTS, roundPoints, SQUARE } from "./train-state.js";

const HIT_PX = 9; // how near (in screen pixels) a press must be to grab a point

export function createDataEditor({ state: s, canvas, host, change, generated, onEditing }) {
  let chosen = 1; // the class a click adds (regression: the value)
  let value = 1;
  const [lo, hi] = SQUARE;

  const bar = document.createElement("div");
  bar.className = "de-bar";
  const classes = document.createElement("div");
  classes.className = "de-classes";
  classes.setAttribute("role", "radiogroup");
  classes.dataset.i18nAriaLabel = "data.classPicker";
  const valueField = document.createElement("label");
  valueField.className = "cr-field de-value";
  const valueText = document.createElement("span");
  valueText.className = "cr-field-label";
  valueText.dataset.i18n = "data.value";
  const valueInput = document.createElement("input");
  valueInput.id = "de-value";
  numberInput(valueInput, { value: 1, min: -1, max: 1, step: 0.1, onChange: (v) => { value = v; } });
  valueField.append(valueText, valueInput);
  const actions = document.createElement("div");
  actions.className = "de-actions";
  const clear = button("de-clear", "data.clear", () => edit([]));
  const download = button("de-download", "data.download", save);
  const file = document.createElement("input");
  Object.assign(file, { type: "file", id: "de-file", accept: ".csv,text/csv,text/plain", className: "visually-hidden" });
  const upload = document.createElement("label");
  upload.className = "button de-upload";
  upload.htmlFor = "de-file";
  upload.dataset.i18n = "data.upload";
  upload.tabIndex = 0;
  upload.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      file.click();
    }
  });
  file.addEventListener("change", () => load(file.files?.[0]));
  actions.append(clear, upload, file, download);
  const message = document.createElement("p");
  message.className = "de-message";
  message.id = "de-message";
  message.setAttribute("role", "status");
  const hint = document.createElement("p");
  hint.className = "tr-hint de-hint";
  hint.dataset.i18n = "data.hint";
  bar.append(classes, valueField, actions, hint, message);
  host.append(bar);

  function button(id, key, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "button";
    b.id = id;
    b.dataset.i18n = key;
    b.addEventListener("click", onClick);
    return b;
  }

  /** The points now shown, as [[x1, x2, label]] (a generated set's, until it is edited). */
  function current() {
    return s.dataset === "custom" ? s.points.map((p) => [...p]) : generated().map((p) => [p.x, p.y, p.label]);
  }

  function task() {
    return isRegression(s) ? "regression" : "classes";
  }

  function edit(points, nextTask = task()) {
    say(null);
    const patch = { dataset: "custom", points: roundPoints(points), task: nextTask };
    const k = nextTask === "classes" ? Math.max(2, ...points.map((p) => p[2] + 1)) : 0;
    if (k > 2 && s.loss !== "cross_entropy") patch.loss = "cross_entropy";
    if (nextTask === "regression" && s.loss !== "mse") patch.loss = "mse";
    if (nextTask === "classes" && s.loss === "mse" && isRegression(s)) patch.loss = "logistic";
    change(patch);
  }

  function say(key, params = {}) {
    message.dataset.key = key || "";
    message.dataset.params = JSON.stringify(params);
    message.textContent = key ? t(key, params) : "";
    message.classList.toggle("de-error", Boolean(key && key.startsWith("csv.")));
  }

  function save() {
    const blob = new Blob([toCsv(current(), task())], { type: "text/csv" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = s.dataset === "custom" ? "chainrule-data.csv" : `chainrule-${s.dataset}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  async function load(f) {
    if (!f) return;
    try {
      const { task: kind, points } = parseCsv(await f.text());
      edit(points, kind);
      say("data.loaded", { n: points.length });
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      say(`csv.${error.code}`, error.params);
    } finally {
      file.value = "";
    }
  }

  /** The class buttons (one per class the data can have) or the value input (regression). */
  function sync() {
    const regression = isRegression(s);
    valueField.hidden = !regression;
    classes.hidden = regression;
    const k = Math.min(MAX_CLASSES, Math.max(classCount(s) || 2, s.dataset === "custom" ? classCount(s) + 1 : 2));
    chosen = Math.min(chosen, k - 1);
    classes.replaceChildren(...Array.from({ length: k }, (_, c) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "de-class";
      b.dataset.class = String(c);
      b.setAttribute("role", "radio");
      b.setAttribute("aria-checked", String(c === chosen));
      b.style.setProperty("--class", `rgb(${CLASS_COLOURS[c].join(",")})`);
      b.textContent = t("data.class", { n: c });
      b.addEventListener("click", () => {
        chosen = c;
        sync();
      });
      return b;
    }));
  }

  // Pointer editing on the data plot.
  const toData = (event) => {
    const box = canvas.getBoundingClientRect();
    const x = lo + ((event.clientX - box.left) / box.width) * (hi - lo);
    const y = hi - ((event.clientY - box.top) / box.height) * (hi - lo);
    return [Math.max(lo, Math.min(hi, x)), Math.max(lo, Math.min(hi, y))];
  };
  const nearest = (points, event) => {
    const box = canvas.getBoundingClientRect();
    const scale = box.width / (hi - lo);
    const [x, y] = toData(event);
    let best = -1;
    let dist = HIT_PX;
    points.forEach((p, i) => {
      const d = Math.hypot(p[0] - x, p[1] - y) * scale;
      if (d < dist) [best, dist] = [i, d];
    });
    return best;
  };
  let drag = null;
  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    const points = current();
    if (points.length >= MAX_POINTS) {
      say("data.full", { limit: MAX_POINTS });
      return;
    }
    const hit = nearest(points, event);
    if (hit >= 0 && event.altKey) {
      points.splice(hit, 1);
      edit(points);
      return;
    }
    if (hit >= 0) {
      drag = { points, index: hit, moved: false };
    } else {
      const other = chosen === 0 ? 1 : 0;
      const label = isRegression(s) ? (event.shiftKey ? -value : value) : event.shiftKey ? other : chosen;
      points.push([...toData(event), label]);
      drag = { points, index: points.length - 1, moved: true };
      onEditing(points);
    }
    canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const p = drag.points[drag.index];
    [p[0], p[1]] = toData(event);
    drag.moved = true;
    onEditing(drag.points);
  });
  const finish = () => {
    if (!drag) return;
    const { points, moved } = drag;
    drag = null;
    if (moved) edit(points);
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

  function retranslate() {
    sync();
    if (message.dataset.key) say(message.dataset.key, JSON.parse(message.dataset.params || "{}"));
  }

  sync();
  return { sync, retranslate, say };
}
