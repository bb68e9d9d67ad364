// The step written out with its numbers, as the lecture does it:
//   forward     a = x + y = 1 + 2 = 3
//   backward    upstream ∂f/∂a = 2 · local ∂a/∂x = 1 → downstream 2
//   accumulate  ∂f/∂y = 2 + 3 = 5
// Returns lines of segments {text, cls, kind?, ref?}; the page renders them (cls: val, grad, muted,
// sym). A step through a tensor edge is written as cards (upstream, local, downstream, each with its
// shape) by explain-tensor.js: segments with a `block` ("card", "table") and a plain `text`, so a page
// that prints text only still reads it. A number that g or v can hide names its kind ("val", "grad", "local") and what reveals it
// (ref: "n:<node id>" or "e:<edge id>"), so the page can print "?" in its place.
import { tensorEdgeLine } from "./explain-tensor.js";
import { shapeOf, shapeText, valueText, wrap } from "./graph-format.js";
import { t } from "./i18n.js";

const INFIX = new Set(["+", "−", "-", "×", "÷", "/", "^", "@", "·", "*"]);

const seg = (text, cls = "", kind = undefined, ref = undefined) => ({ text, cls, kind, ref });
/** A tensor's shape after its value, as the cards write it (nothing for a number). */
const shapeNote = (value) => (Array.isArray(value) ? [seg(`  ${t("panel.shape", { shape: shapeText(shapeOf(value)) })}`, "shape")] : []);
const v = (value) => valueText(value, { maxElements: 9 });

/** The node's operation with its arguments' values put in, as segments (a computed one can be hidden). */
function substituted(node, byId) {
  const args = node.inputs.map((id) => {
    const input = byId[id];
    const text = v(input.value);
    const shown = input.shape.length && text.length > 24 ? `${input.label}₍${input.shape.join("×")}₎` : text;
    return { text: /^[−-]/.test(shown) ? `(${shown})` : shown, bare: shown, computed: input.kind === "op", id };
  });
  const arg = (a, text = a.text) => seg(text, "", a.computed ? "val" : undefined, `n:${a.id}`);
  const symbol = node.symbol || node.op;
  if (args.length === 2 && INFIX.has(symbol)) return [arg(args[0]), seg(` ${symbol} `), arg(args[1])];
  if (args.length === 1 && symbol === "−") return [seg("−"), arg(args[0])];
  if (args.length === 1 && symbol === "ᵀ") return [arg(args[0]), seg("ᵀ")];
  if (args.length === 1 && symbol === "|·|") return [seg("|"), arg(args[0], args[0].bare), seg("|")];
  const parts = [seg(`${symbol}(`)];
  args.forEach((a, i) => parts.push(...(i ? [seg(", ")] : []), arg(a, a.bare)));
  return [...parts, seg(")")];
}

function forwardLines(node, byId) {
  if (node.kind === "input") return [[seg(`${node.label} = `), seg(v(node.value), "val"), seg(`  ${t("explain.input")}`, "muted")]];
  if (node.kind === "constant") return [[seg(v(node.value), "val"), seg(`  ${t("explain.constant")}`, "muted")]];
  const formula = node.formula || node.label;
  return [[seg(`${formula} = `), ...substituted(node, byId), seg(" = "), seg(v(node.value), "val", "val", `n:${node.id}`),
    ...shapeNote(node.value)]];
}

const partial = (doc, byId, id) => `∂${wrap(byId[doc.output].label)}/∂${wrap(byId[id].label)}`;

function edgeLine(edge, doc, byId) {
  const [lhs, ...rest] = (edge.formula || "").split(" = ");
  const rhs = rest.join(" = ");
  const local = edge.local_kind === "omitted" || edge.local === null ? null : v(edge.local);
  const localSegs = [seg(`${t("explain.local")} `, "muted"), seg(lhs || `∂${byId[edge.target].label}/∂${byId[edge.source].label}`)];
  if (rhs && rhs !== local) localSegs.push(seg(` = ${/\s/.test(rhs) ? `(${rhs})` : rhs}`));
  if (local !== null) localSegs.push(seg(" = "), seg(local, "sym", "local", `e:${edge.id}`));
  else localSegs.push(seg(`  ${t("explain.omitted")}`, "muted"));
  return [
    seg(`${t("explain.upstream")} `, "muted"), seg(`${partial(doc, byId, edge.target)} = `),
    seg(v(edge.upstream), "grad", "grad", `n:${edge.target}`),
    seg(" · "), ...localSegs,
    seg(" → "), seg(`${t("explain.downstream")} `, "muted"), seg(v(edge.downstream), "grad", "grad", `e:${edge.id}`),
  ];
}

const isScalarEdge = (edge) => [edge.upstream, edge.local, edge.downstream].every((v) => !Array.isArray(v));


/**
 * {phase, node, lines, shortcut} for step k of the document. `jacobian`: draw an @ gate's local
 * Jacobian instead of the shortcut δ xᵀ / Wᵀδ; `shortcut` says whether the step has one to switch.
 */
export function explainStep(doc, k, { jacobian = false } = {}) {
  const step = doc.steps[k];
  if (!step) return { phase: "", node: "", lines: [], shortcut: false };
  const byId = Object.fromEntries(doc.nodes.map((n) => [n.id, n]));
  const edgesById = Object.fromEntries(doc.edges.map((e) => [e.id, e]));
  const node = byId[step.node];
  const gradOf = partial(doc, byId, node.id);
  const own = `n:${node.id}`;
  let lines = [];
  let shortcut = false;
  if (step.phase === "forward") {
    lines = forwardLines(node, byId);
  } else if (step.phase === "backward") {
    const edges = step.edges.map((id) => edgesById[id]).filter(Boolean);
    if (node.id === doc.output) {
      lines = [[seg(`${gradOf} = `), seg(v(step.grad ?? node.grad), "grad", "grad", own), seg(`  ${t("explain.seed")}`, "muted")]];
    } else if (!edges.length) {
      lines = [[seg(`${gradOf} = `), seg(v(step.grad ?? node.grad), "grad", "grad", own), seg(`  ${t("explain.unused")}`, "muted")]];
    } else {
      lines = edges.map((edge) => {
        if (isScalarEdge(edge)) return edgeLine(edge, doc, byId);
        const written = tensorEdgeLine(edge, doc, byId, { jacobian });
        shortcut ||= written.shortcut;
        return written.line;
      });
      if ("grad" in step && step.grad !== null) lines.push([seg(`${gradOf} = `), seg(v(step.grad), "grad", "grad", own), ...shapeNote(step.grad)]);
      else lines.push([seg(t("explain.sumNext", { name: gradOf }), "muted")]);
    }
  } else if (step.phase === "accumulate") {
    const terms = (step.terms || []).map((term, i) => seg(v(term), "grad", "grad", `e:${step.edges?.[i] ?? node.id}`));
    const sum = terms.flatMap((term, i) => (i ? [seg(" + ", "grad"), term] : [term]));
    lines = [[seg(`${gradOf} = `), ...sum, seg(" = "), seg(v(step.grad), "grad", "grad", own), ...shapeNote(step.grad)]];
  }
  return { phase: step.phase, node: node.label, lines, shortcut };
}

/** Plain text of explained lines (for tests, titles and the export). */
export const linesText = (lines) => lines.map((line) => line.map((s) => s.text).join("")).join("\n");
