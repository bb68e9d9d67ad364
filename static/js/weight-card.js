// Edit one weight (the Playground's hovercard): click a link of the network view, or focus a
// neuron and press Enter, to see the weight's (or the neuron's bias and incoming weights') value
// and gradient and type a new value. The gradient is the engine's own: the next minibatch's
// graph (/train with graph: true) evaluated by /evaluate — ∂loss/∂w for the step about to run.
import { evaluate, toNumbers } from "./api.js";
import { formatNumber, t } from "./i18n.js";
import { numberInput, readNumber } from "./number-field.js";

export const GRAPH_LIMIT = 16; // the server's graph_batch limit

/** The parameters a target shows: a link is one weight; a neuron is its bias and incoming weights. */
function entries(target, sources) {
  const l = target.layer + 1;
  if (target.kind === "link") return [{ name: `W${l}`, index: [target.j, target.i], label: `W${l}[${target.j + 1}, ${target.i + 1}]` }];
  const list = [{ name: `b${l}`, index: [target.j], label: `b${l}[${target.j + 1}]` }];
  for (let i = 0; i < sources; i += 1) list.push({ name: `W${l}`, index: [target.j, i], label: `W${l}[${target.j + 1}, ${i + 1}]` });
  return list;
}

function at(array, index) {
  return index.length === 2 ? array?.[index[0]]?.[index[1]] : array?.[index[0]];
}

export function createWeightCard(host, { run, batchSize, editable, onEdited }) {
  const card = document.createElement("div");
  card.className = "wc";
  card.id = "wc";
  card.setAttribute("role", "dialog");
  card.hidden = true;
  host.append(card);
  let opener = null;
  let seq = 0;

  function close() {
    card.hidden = true;
    seq += 1;
    opener?.focus?.();
    opener = null;
  }

  /** Open the card for {kind: "link"|"neuron", layer, i?, j, title} beside `from` (an element). */
  async function open(target, from, sources) {
    const mine = (seq += 1);
    opener = from;
    card.replaceChildren();
    const head = document.createElement("p");
    head.className = "wc-title";
    head.id = "wc-title";
    head.textContent = target.title;
    card.setAttribute("aria-labelledby", "wc-title");
    const table = document.createElement("div");
    table.className = "wc-rows";
    const why = editable(target);
    const rows = entries(target, sources).map((e) => {
      const value = at(run.param(e.name), e.index);
      const row = document.createElement("label");
      row.className = "wc-row";
      const name = document.createElement("span");
      name.className = "wc-name";
      name.textContent = e.label;
      const input = document.createElement("input");
      input.id = `wc-input-${e.name}-${e.index.join("-")}`;
      numberInput(input, { value: value === undefined ? Number.NaN : Number(value.toPrecision(5)) });
      input.dataset.param = e.label;
      input.disabled = Boolean(why) || value === undefined;
      input.setAttribute("aria-describedby", "wc-note");
      const grad = document.createElement("span");
      grad.className = "wc-grad";
      grad.dataset.param = e.label;
      grad.textContent = "…";
      input.addEventListener("keydown", async (event) => {
        if (event.key !== "Enter") return;
        event.preventDefault();
        const v = readNumber(input); // "0,5" or "0.5"; a message beside it when it is not a number
        if (v === null) return;
        if (await run.setParam(e.name, e.index, v)) {
          note.textContent = t("wc.set", { name: e.label, value: formatNumber(v, 4) });
          onEdited();
          loadGradients(mine, list);
        }
      });
      row.append(name, input, grad);
      table.append(row);
      return { ...e, grad };
    });
    const list = rows;
    const legend = document.createElement("p");
    legend.className = "wc-legend";
    legend.textContent = t("wc.columns", { n: Math.min(batchSize(), GRAPH_LIMIT) });
    const note = document.createElement("p");
    note.className = "wc-note";
    note.id = "wc-note";
    note.setAttribute("role", "status");
    note.textContent = why ? t(why) : t("wc.hint");
    const shut = document.createElement("button");
    shut.type = "button";
    shut.className = "nv-pm wc-close";
    shut.textContent = "×";
    shut.setAttribute("aria-label", t("wc.close"));
    shut.addEventListener("click", close);
    card.append(shut, head, legend, table, note);
    const box = from.getBoundingClientRect();
    const base = host.getBoundingClientRect();
    card.style.left = `${Math.max(0, Math.min(base.width - 250, box.left - base.left + box.width / 2 - 125))}px`;
    card.style.top = `${box.bottom - base.top + 6}px`;
    card.hidden = false;
    card.querySelector("input:not(:disabled)")?.focus();
    loadGradients(mine, list);
  }

  async function loadGradients(mine, list) {
    try {
      const graph = await run.graph(Math.min(batchSize(), GRAPH_LIMIT));
      const doc = await evaluate({ source: graph.source, inputs: graph.inputs });
      if (mine !== seq) return;
      const grads = Object.fromEntries(doc.nodes.map((n) => [n.id, n.grad]));
      for (const e of list) {
        const g = at(toNumbers(grads[e.name]), e.index);
        e.grad.textContent = g === undefined ? "–" : formatNumber(g, 3);
      }
    } catch {
      if (mine === seq) for (const e of list) e.grad.textContent = "–";
    }
  }

  card.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });

  return { open, close, get isOpen() { return !card.hidden; } };
}
