// The legend: every gate of the current graph with its local gradients, read from GET /api/v1/ops
// (the one declaration per op that the engine's forward, backward and trace also read).

// An attribute's default as the formula reads it: an axis of null is every axis, a bound of
// ±Infinity is no bound, an index is its integers.
const attrText = (value) => (value === null ? "all" : Array.isArray(value) ? value.join(", ")
  : String(value).replace("-Infinity", "−∞").replace("Infinity", "∞"));
const fill = (formula, attrs) => formula.replace(/\{(\w+)\}/g, (all, name) =>
  (name === "a" || name === "b" ? name : name in attrs ? attrText(attrs[name]) : name));

function usage(op) {
  const args = op.arity === 1 ? "a" : "a, b";
  if (op.operator === "neg") return "−a";
  if (op.operator) return op.arity === 2 ? `a ${op.operator} b` : `${op.operator}a`;
  return `${op.function || op.name}(${args})`;
}

/** Fill `list` (a <dl>) with the ops used by `doc`, in order of first use. */
export function renderLegend(list, doc, ops) {
  const byName = Object.fromEntries(ops.map((op) => [op.name, op]));
  const used = [...new Set(doc.nodes.filter((n) => n.kind === "op").map((n) => n.op))];
  list.replaceChildren();
  for (const name of used) {
    const op = byName[name];
    if (!op) continue;
    const term = document.createElement("dt");
    const symbol = document.createElement("span");
    symbol.className = "legend-symbol";
    symbol.textContent = op.symbol;
    const code = document.createElement("code");
    code.textContent = usage(op);
    term.append(symbol, code);
    const detail = document.createElement("dd");
    op.formulas.forEach((formula, slot) => {
      const line = document.createElement("div");
      line.textContent = `∂/∂${"ab"[slot] ?? slot} = ${fill(formula, op.attrs || {})}`;
      detail.append(line);
    });
    list.append(term, detail);
  }
}
