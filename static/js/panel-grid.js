// The step panel's lines as DOM: plain segments become spans, a "card" block (upstream, local or
// downstream with its shape) a small box, a "table" block (a matrix, diag(f′), a Jacobian, the
// outer-product grid δ xᵀ) a grid of cells. A number that is hidden (g, v, a quiz) prints "?" and
// keeps no trace of itself (no title).
import { exactText } from "./graph-format.js";
import { segmentText } from "./reveal.js";

function span(part, reveal) {
  const el = document.createElement("span");
  const text = segmentText(part, reveal);
  if (part.cls) el.className = part.cls === "grad" ? "grad-text" : part.cls;
  if (text !== part.text) el.classList.add("masked");
  else if (part.exact !== undefined) {
    el.title = exactText(part.exact); // the exact value behind the rounded one
    el.dataset.exact = String(part.exact);
  }
  el.textContent = text;
  return el;
}

function table(block, reveal) {
  const grid = document.createElement("table");
  grid.className = `panel-grid ${block.cls || ""}`.trim();
  const body = document.createElement("tbody");
  for (const row of block.rows) {
    const tr = document.createElement("tr");
    for (const c of row) {
      const td = document.createElement("td");
      if (c.cls) td.className = c.cls;
      td.append(...c.parts.map((part) => node(part, reveal)));
      tr.append(td);
    }
    body.append(tr);
  }
  grid.append(body);
  return grid;
}

function card(block, reveal) {
  const box = document.createElement("div");
  box.className = `term-card ${block.cls || ""}`.trim();
  const title = document.createElement("div");
  title.className = "term-title";
  title.append(...block.title.map((part) => node(part, reveal)));
  const body = document.createElement("div");
  body.className = "term-body";
  body.append(...block.body.map((part) => node(part, reveal)));
  box.append(title, body);
  return box;
}

/** One segment or block as a DOM node. */
export function node(part, reveal) {
  if (part.block === "table") return table(part, reveal);
  if (part.block === "card") return card(part, reveal);
  return span(part, reveal);
}

/** One explained line as an <li>; a line of cards lays them out side by side. */
export function renderLine(line, reveal) {
  const li = document.createElement("li");
  if (line.some((part) => part.block === "card")) li.className = "term-line";
  li.append(...line.map((part) => node(part, reveal)));
  return li;
}
