// A backward step through a tensor edge, written as the notes write the matrix chain rule:
//   upstream δ = ∂s/∂z (its shape)   local ∂z/∂b (its shape)   downstream ∂s/∂b (its shape)
// with one notation per way of combining them: ⊙ for an elementwise product (the local Jacobian is
// diag(f′)), a named Σ over the broadcast axis where an input was broadcast, and the matrix product
// for @ — drawn as the outer product δ xᵀ cell by cell (or Wᵀδ entry by entry), or, on request, as
// the full local Jacobian. The result is data: cards and tables of segments that a page lays out;
// each block also carries a plain `text` for pages that print text only (handout, export, quiz).
// Every number that g/v/a quiz can hide names its kind and ref, as graph-explain.js does.
import { toNumber, toNumbers } from "./api.js";
import { asMatrix, num, shapeOf, shapeText, valueText, wrap } from "./graph-format.js";
import { t } from "./i18n.js";
import "./strings-panel.js";

const MATRIX_MAX = 36; // a value with at most this many entries is drawn as a grid
const JACOBIAN_MAX = 64; // the engine's LOCAL_JACOBIAN_MAX: a Jacobian drawn entry by entry
const DIAG_MAX = 6; // diag(f′) drawn as an n×n matrix up to this n
const GRID_MAX = 48; // cells in the outer-product / matrix-product grids

const CLS = { grad: "grad", local: "sym", val: "val" };
export const seg = (text, cls = "", kind = undefined, ref = undefined) => ({ text, cls, kind, ref });
/** A number: rounded by the page's one rule; `exact` kept for a title (and tests). */
const number = (value, kind, ref) => ({ ...seg(num(value), CLS[kind] || "val", kind, ref), exact: toNumber(value) });
const SUBS = "₀₁₂₃₄₅₆₇₈₉";
const digits = (i) => String(i).replace(/\d/g, (d) => SUBS[d]);
/** Subscript indices: W₀₂ (W₁₀,₃ once an index has two digits). */
const sub = (...indices) => indices.map(digits).join(indices.some((i) => i > 9) ? "," : "");
const count = (shape) => shape.reduce((a, b) => a * b, 1);
const chip = (shape) => seg(shape.length ? t("panel.shape", { shape: shapeText(shape) }) : t("panel.scalar"), "shape");
const note = (text) => seg(text, "note");
const plain = (parts) => parts.map((p) => p.text).join("");

// ---- blocks ---------------------------------------------------------------------------------------
const cell = (parts, cls = "") => ({ parts: [parts].flat(), cls });

/** A grid of cells (rows of {parts, cls}); its text is the rows in brackets. */
function table(rows, cls = "") {
  const text = rows.map((row) => row.map((c) => plain(c.parts)).join(" ")).join("; ");
  return { block: "table", cls, rows, text: `[${text}]` };
}

/** One term of upstream · local = downstream: a title (word and shape) over its formula and numbers. */
function card(cls, title, body, { kind, ref, text } = {}) {
  const said = text ?? plain(body.filter((p) => p.cls !== "note"));
  return { block: "card", cls, title, body, kind, ref, text: `${title.map((p) => p.text).join(" ")}: ${said}` };
}

/** A value: inline when short, a grid of numbers when a small matrix, else its summary. */
function valueParts(value, kind, ref) {
  const shape = shapeOf(value);
  if (shape.length < 2 || count(shape) > MATRIX_MAX) return [seg(valueText(value, { maxElements: 9 }), CLS[kind] || "val", kind, ref)];
  return [table(asMatrix(value).map((row) => row.map((v) => cell(number(v, kind, ref)))), "matrix")];
}

/** diag(f′): the elementwise local gradient as the diagonal Jacobian it is. */
function diagTable(local, ref) {
  const d = toNumbers(local);
  return table(d.map((_, i) => d.map((v, j) => (i === j ? cell(number(v, "local", ref)) : cell(seg("0", "zero"))))), "matrix");
}

/** Element names of a shape: W₀₀, W₀₁, … (row-major, as the Jacobian's columns run). */
function elementNames(name, shape) {
  const names = [];
  const walk = (prefix, depth) => {
    if (depth === shape.length) names.push(`${name}${sub(...prefix)}`);
    else for (let i = 0; i < shape[depth]; i++) walk([...prefix, i], depth + 1);
  };
  walk([], 0);
  return names;
}

/** The local Jacobian as a matrix: a row per element of the gate's output, a column per input element. */
function jacobianTable(local, target, source, ref) {
  const flat = [toNumbers(local)].flat(Infinity);
  const rows = elementNames(short(target, "out"), target.shape);
  const cols = elementNames(short(source, source.label.length <= 6 ? source.label : "in"), source.shape);
  const head = [cell(seg(""), "corner"), ...cols.map((name) => cell(seg(name, "idx"), "head"))];
  return table([head, ...rows.map((name, i) => [cell(seg(name, "idx"), "head"), ...cols.map((_, j) => {
    const v = flat[i * cols.length + j];
    return v === 0 ? cell(seg("0", "zero")) : cell(number(v, "local", ref));
  })])], "jacobian");
}

// ---- broadcasting ----------------------------------------------------------------------------------
/** The axes of the upstream that the input was broadcast along (numpy aligns shapes on the right). */
export function summedAxes(upShape, sourceShape) {
  const lead = upShape.length - sourceShape.length;
  return upShape.map((n, i) => i).filter((i) => i < lead || (sourceShape[i - lead] === 1 && upShape[i] !== 1));
}

function sumText(axes, upShape, sourceShape) {
  if (!sourceShape.length) return t("panel.sumAll");
  if (axes.length > 1) return t("panel.sumAxes", { axes: axes.join(", ") });
  // A vector added to every row of a matrix: the rows are the batch (X is N×D, Z = XWᵀ + b).
  if (axes[0] === 0 && upShape.length === 2 && sourceShape.length === 1) return t("panel.sumBatch", { axis: 0 });
  return t("panel.sumAxis", { axis: axes[0] });
}

// ---- @: the shortcut that multiplies the Jacobian out ------------------------------------------------
const short = (node, fallback) => (node.label.length <= 3 ? node.label : fallback);
const transpose = (m) => m[0].map((_, j) => m.map((row) => row[j]));

/** δ xᵀ (or x δᵀ) as the outer-product grid: the column down the left, the row across the top. */
function outerGrid(column, columnName, row, rowName, result, cellName, { columnRef, rowRef, ref }) {
  const corner = cell([seg(`${rowName} → ${t("panel.shape", { shape: `1×${row.length}` })}`, "axis"),
    seg(`${columnName} ↓ ${t("panel.shape", { shape: `${column.length}×1` })}`, "axis")], "corner");
  const head = [corner, ...row.map((v, j) => cell([seg(`${rowName.replace("ᵀ", "")}${sub(j)}`, "idx"), number(v, rowRef.kind, rowRef.ref)], "head"))];
  return table([head, ...column.map((v, i) => [
    cell([seg(`${columnName.replace("ᵀ", "")}${sub(i)}`, "idx"), number(v, columnRef.kind, columnRef.ref)], "head"),
    ...row.map((_, j) => cell([seg(cellName(i, j), "idx"), number(result[i][j], "grad", ref)], "product")),
  ])], "outer");
}

/** Wᵀδ entry by entry: row r lists the products that sum to entry r, then the sum (the gradient). */
function sumGrid(products, names, delta, result, { deltaRef, ref, resultName }) {
  const head = [cell(seg("", "axis"), "corner"),
    ...delta.map((v, i) => cell([seg(`δ${sub(i)}`, "idx"), number(v, "grad", deltaRef)], "head")), cell(seg("Σ", "idx"), "head")];
  return table([head, ...products.map((row, r) => [
    cell(seg(`${resultName}${sub(r)}`, "idx"), "head"),
    ...row.map((v, c) => cell([seg(names(r, c), "idx"), number(v, "grad", ref)], "product")),
    cell(number(result[r], "grad", ref), "sum"),
  ])], "outer sums");
}

/** @'s local gradient in index form for ranks other than W x (the op's one formula is written for W x). */
function matmulIndexForm(edge, byId) {
  const [a, b] = byId[edge.target].inputs.map((id) => byId[id]);
  const [an, bn] = [short(a, "A"), short(b, "B")];
  const [ra, rb] = [a.shape.length, b.shape.length];
  if (ra === 2 && rb === 1) return null; // W x: the op's own formula says it (xᵀ in row i of ∂outᵢ/∂W)
  if (ra === 1 && rb === 2) return edge.slot === 0 ? `∂outₖ/∂${an}ⱼ = ${bn}ⱼₖ` : `∂outₖ/∂${bn}ⱼₖ = ${an}ⱼ, ${t("panel.offColumn")}`;
  if (ra === 2 && rb === 2) {
    return edge.slot === 0 ? `∂outᵢₖ/∂${an}ᵢⱼ = ${bn}ⱼₖ, ${t("panel.offRow")}` : `∂outᵢₖ/∂${bn}ⱼₖ = ${an}ᵢⱼ, ${t("panel.offColumn")}`;
  }
  return null;
}

/** The shortcut's formula, note and grid for edge `edge` into an @ gate, or null (no 1–2-d shortcut). */
function matmulShortcut(edge, byId) {
  const target = byId[edge.target];
  const [a, b] = target.inputs.map((id) => byId[id]);
  const A = toNumbers(a.value);
  const B = toNumbers(b.value);
  const G = toNumbers(edge.upstream);
  const D = toNumbers(edge.downstream);
  const refs = { ref: `e:${edge.id}`, deltaRef: `n:${edge.target}` };
  const of = (node) => (node.kind === "op" ? { kind: "val", ref: `n:${node.id}` } : { kind: undefined, ref: `n:${node.id}` });
  const [an, bn] = [short(a, "A"), short(b, "B")];
  const delta = { kind: "grad", ref: refs.deltaRef };
  if (a.shape.length === 2 && b.shape.length === 1 && count(a.shape) <= GRID_MAX) {
    if (edge.slot === 0) {
      return { formula: `δ ${bn}ᵀ`, note: t("panel.outer", { b: bn }),
        grid: outerGrid(G, "δ", B, `${bn}ᵀ`, D, (i, j) => `δ${sub(i)}·${bn}${sub(j)}`, { columnRef: delta, rowRef: of(b), ref: refs.ref }) };
    }
    const products = transpose(A.map((row, i) => row.map((w) => w * G[i])));
    return { formula: `${an}ᵀδ`, note: t("panel.matvec", { a: an }),
      grid: sumGrid(products, (j, i) => `${an}${sub(i, j)}·δ${sub(i)}`, G, D, { ...refs, resultName: bn }) };
  }
  if (a.shape.length === 1 && b.shape.length === 2 && count(b.shape) <= GRID_MAX) {
    if (edge.slot === 1) {
      return { formula: `${an} δᵀ`, note: t("panel.outerLeft", { a: an }),
        grid: outerGrid(A, an, G, "δᵀ", D, (i, j) => `${an}${sub(i)}·δ${sub(j)}`, { columnRef: of(a), rowRef: delta, ref: refs.ref }) };
    }
    const products = B.map((row) => row.map((w, j) => w * G[j]));
    return { formula: `${bn} δ`, note: t("panel.vecmat", { b: bn }),
      grid: sumGrid(products, (i, j) => `${bn}${sub(i, j)}·δ${sub(j)}`, G, D, { ...refs, resultName: an }) };
  }
  if (a.shape.length === 2 && b.shape.length === 2 && Math.max(count(a.shape), count(b.shape), count(shapeOf(G))) <= MATRIX_MAX) {
    const [left, right] = edge.slot === 0 ? [["δ", G, delta], [`${bn}ᵀ`, transpose(B), of(b)]] : [[`${an}ᵀ`, transpose(A), of(a)], ["δ", G, delta]];
    const labelled = ([name, m, where]) => cell([seg(`${name}  ${t("panel.shape", { shape: `${m.length}×${m[0].length}` })}`, "axis"),
      table(m.map((row) => row.map((v) => cell(number(v, where.kind, where.ref)))), "matrix")], "operand");
    return { formula: `${left[0]} ${right[0]}`, note: t("panel.matmat", { left: left[0], right: right[0] }),
      grid: table([[labelled(left), labelled(right), cell(seg("="), "equals"), labelled(["", D, { kind: "grad", ref: refs.ref }])]], "product-of") };
  }
  return null;
}

// ---- the edge --------------------------------------------------------------------------------------
/**
 * The cards of one backward edge whose upstream, local or downstream is a tensor:
 * [upstream, local (titled ⊙ or × when that is how it combines), →, downstream]. `jacobian`: show @'s Jacobian instead of its shortcut.
 * Returns {line, shortcut}: shortcut is true when an @ shortcut exists (the page offers the switch).
 */
export function tensorEdgeLine(edge, doc, byId, { jacobian = false } = {}) {
  const source = byId[edge.source];
  const target = byId[edge.target];
  const out = byId[doc.output].label;
  const d = (node) => `∂${wrap(out)}/∂${wrap(node.label)}`;
  const upShape = shapeOf(edge.upstream);
  const sourceShape = source.shape;
  const ref = `e:${edge.id}`;
  const upRef = `n:${edge.target}`;
  const [lhs0, ...rest] = (edge.formula || "").split(" = ");
  const lhs = lhs0 || `∂${wrap(target.label)}/∂${wrap(source.label)}`;
  const rhs = (target.op === "matmul" && matmulIndexForm(edge, byId)) || rest.join(" = ");

  const upstream = card("upstream", [seg(t("panel.upstream"), "muted"), chip(upShape)],
    [seg(`δ = ${d(target)} = `), ...valueParts(edge.upstream, "grad", upRef)], { kind: "grad", ref: upRef });

  const elementwise = edge.local_kind === "elementwise";
  const shortcut = !elementwise && target.op === "matmul" ? matmulShortcut(edge, byId) : null;
  const scalarUp = upShape.length === 0;

  // The local gradient: diag(f′) for an elementwise gate, the Jacobian for the others.
  let localShape = shapeOf(edge.local ?? 0);
  const localBody = [seg(rhs ? `${lhs} = ${rhs}` : lhs)];
  if (edge.local_kind === "omitted" || edge.local === null || edge.local === undefined) {
    localShape = [...upShape, ...sourceShape];
    localBody.push(note(t("panel.omitted", { shape: shapeText(localShape) })));
  } else if (elementwise && sourceShape.length === 1 && upShape.length === 1 && upShape[0] <= DIAG_MAX) {
    localShape = [upShape[0], upShape[0]];
    localBody.push(seg(" = diag(f′) = "), diagTable(edge.local, ref), note(t("panel.diag")));
  } else if (elementwise) {
    localBody.push(seg(" = "), ...valueParts(edge.local, "local", ref), note(t("panel.elementwise", { size: count(upShape) })));
  } else if (shortcut && !jacobian && localShape.length > 2) {
    localBody.push(note(t("panel.jacobianHidden")));
  } else if (count(localShape) <= JACOBIAN_MAX) {
    localBody.push(seg(" = "), jacobianTable(edge.local, target, source, ref),
      note(t("panel.jacobian", { target: wrap(target.label), source: wrap(source.label) })));
  } else {
    localBody.push(seg(" = "), seg(valueText(edge.local), "sym", "local", ref));
  }
  const between = elementwise ? "⊙" : scalarUp ? "×" : "";
  const localTitle = [...(between ? [seg(between, "combine")] : []), seg(t("panel.local"), "muted"), chip(localShape)];
  const localText = `${plain(localBody.slice(0, 1))}${edge.local === null || edge.local === undefined ? "" : ` = ${valueText(edge.local)}`}`;
  const local = card("local", localTitle, localBody, { kind: "local", ref, text: localText });
  local.text = `   ${local.text}`; // read as text, the cards follow one another on a line

  // The downstream gradient, with the notation of how upstream and local combine.
  const downTitle = [seg(t("panel.downstream"), "muted"), chip(shapeOf(edge.downstream))];
  const result = valueParts(edge.downstream, "grad", ref);
  let downBody;
  if (elementwise) {
    const axes = summedAxes(upShape, sourceShape);
    downBody = axes.length || (sourceShape.length === 0 && upShape.length)
      ? [note(t("panel.broadcast", { source: wrap(source.label), shape: shapeText(upShape) })),
        seg(`${d(source)} = `), seg(sumText(axes, upShape, sourceShape), "sum-axis"), seg(` (δ ⊙ ${lhs}) = `), ...result]
      : [seg(`${d(source)} = δ ⊙ ${lhs} = `), ...result, note(t("panel.times"))];
  } else if (shortcut && !jacobian) {
    downBody = [seg(`${d(source)} = ${shortcut.formula} = `), shortcut.grid, note(shortcut.note)];
  } else if (scalarUp) {
    downBody = [seg(`${d(source)} = δ × ${lhs} = `), ...result, note(t("panel.scaled"))];
  } else {
    downBody = [seg(`${d(source)} = Σᵢ δᵢ ∂${wrap(target.label)}ᵢ/∂${wrap(source.label)} = `), ...result,
      note(t("panel.vjp", { source: wrap(source.label) }))];
  }
  // As text (handout, export, the quiz's worked answer): the formula, then the numbers in one line.
  const formula = plain(downBody.filter((p) => !p.block && p.cls !== "note" && p.cls !== "grad"));
  const downstream = card("downstream", downTitle, downBody, { kind: "grad", ref, text: `${formula}${valueText(edge.downstream)}` });
  return {
    line: [upstream, local, seg(" → ", "combine"), downstream],
    shortcut: Boolean(shortcut),
  };
}
