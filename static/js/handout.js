// /handout: the graph page's state (#source=…&inputs=…, or #lesson=ID) as one figure per trace
// step with the step written out — or per lesson step with its caption — for print (handout.css
// breaks the pages). `grads=0` / `values=0` print a worksheet: those numbers as "?".
import * as api from "./api.js";
import { svgString } from "./export.js";
import { createGraphView } from "./graph.js";
import { explainStep } from "./graph-explain.js";
import "./graph-strings.js";
import "./strings-classroom.js";
import { getLanguage, onLanguageChange, setLanguage, t } from "./i18n.js";
import { fillCaption } from "./lesson.js";
import { segmentText } from "./reveal.js";
import { getParam, pageLink } from "./urlstate.js";

const $ = (id) => document.getElementById(id);
const json = (raw, fallback) => { try { return raw === null ? fallback : JSON.parse(raw); } catch { return fallback; } };
const hiddenParam = (name) => ["0", "false"].includes(getParam(name));
const hide = { grads: hiddenParam("grads"), values: hiddenParam("values") };
const reveal = { keys: new Set(), isHidden: (kind) => (kind === "grad" && hide.grads) || (kind === "val" && hide.values) };
const graph = createGraphView($("handout-work"));
graph.setHidden({ grads: hide.grads, values: hide.values });

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The drawing at its current step, as inline SVG styled by the page's graph.css. */
function drawing() {
  const holder = document.createElement("div");
  holder.innerHTML = svgString(graph.svg, { embedStyle: false });
  const svg = holder.firstElementChild;
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.removeAttribute("id");
  svg.setAttribute("role", "img");
  return svg;
}

function stepLines(doc, k) {
  const list = element("ol", "lines");
  for (const line of explainStep(doc, k).lines) {
    const li = element("li");
    for (const part of line) {
      li.append(element("span", part.cls === "grad" ? "grad-text" : part.cls || "", segmentText(part, reveal)));
    }
    list.append(li);
  }
  return list;
}

function figure(head, svg, caption) {
  const item = element("li", "handout-step");
  const fig = element("figure");
  const top = element("div", "figure-head");
  top.append(...head);
  fig.append(top);
  if (svg) fig.append(svg);
  const cap = element("figcaption");
  cap.append(caption);
  fig.append(cap);
  item.append(fig);
  return item;
}

async function traceHandout(source, inputs) {
  const doc = await api.evaluate({ source, inputs });
  graph.draw(doc, doc.steps.length - 1, { fit: true });
  $("handout-sub").textContent = source;
  $("handout-back").href = pageLink("/", { source, inputs });
  const figures = [];
  for (let k = 0; k < doc.steps.length; k++) {
    graph.setStep(k);
    const { phase, node } = explainStep(doc, k);
    figures.push(figure([element("strong", "", t("handout.step", { step: k + 1, count: doc.steps.length })),
      element("span", "", `${t(`phase.${phase}`)} · ${t("phase.node", { name: node })}`)], drawing(), stepLines(doc, k)));
  }
  return figures;
}

async function lessonHandout(id) {
  // A lesson opened from a file on the graph page lives in this tab's session storage.
  let fromFile = null;
  try { fromFile = JSON.parse(sessionStorage.getItem("chainrule.lessonFile") || "null"); } catch { /* none */ }
  const lesson = fromFile?.id === id ? fromFile : await api.request(`lessons/${encodeURIComponent(id)}`);
  const lang = getLanguage();
  $("handout-heading").textContent = lesson.title[lang] ?? lesson.title.en;
  $("handout-back").href = pageLink("/", { lesson: id });
  const figures = [];
  for (const [i, step] of lesson.steps.entries()) {
    let svg = null;
    let doc = null;
    if (step.page === "graph") {
      doc = await api.evaluate({ source: step.source, inputs: step.inputs || {} });
      graph.draw(doc, step.step ?? doc.steps.length - 1, { fit: true });
      graph.setPointed(step.highlight || []);
      svg = drawing();
    }
    const text = fillCaption(step.caption[lang] ?? step.caption.en, doc, reveal);
    const head = [element("strong", "", t("lesson.progress", { step: i + 1, count: lesson.steps.length }))];
    if (step.page !== "graph") head.push(element("span", "", t(step.page === "train" ? "lesson.openTrain" : "lesson.openOptimizers")));
    figures.push(figure(head, svg, element("p", "caption", text)));
  }
  return figures;
}

async function build() {
  delete document.body.dataset.ready;
  $("handout-sub").textContent = "";
  $("handout-heading").textContent = t("handout.heading");
  $("handout-status").textContent = t("handout.loading");
  try {
    const lesson = getParam("lesson");
    const figures = lesson
      ? await lessonHandout(lesson)
      : await traceHandout(getParam("source") ?? "a = x + y\nb = max(y, z)\nf = a * b", json(getParam("inputs"), { x: 1, y: 2, z: 0 }));
    $("handout-figures").replaceChildren(...figures);
    $("handout-status").textContent = "";
    document.body.dataset.ready = String(figures.length);
  } catch (error) {
    $("handout-status").textContent = t("handout.failed", { message: error.message });
  }
}

$("handout-print").addEventListener("click", () => window.print());
onLanguageChange(build);
addEventListener("hashchange", () => {
  const lang = getParam("lang");
  if (lang && lang !== getLanguage()) setLanguage(lang); // rebuilds through onLanguageChange
  else build();
});
build();
