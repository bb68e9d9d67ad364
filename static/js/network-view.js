// The network diagram of /train (the Playground's middle column): input features as toggles,
// hidden layers with their +/− buttons, every neuron showing its own output over the data square
// as a small heatmap, and SVG links between them coloured by the weight's sign and thickened by
// its size. Three phases as in NN-SVG: topology (build, keyed by ids), layout (links from the
// boxes' positions), style (weights and heatmaps change attributes and pixels only).
import { drawHeatmap, palette, sampleGrid } from "./heatmap.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const FEATURE_FN = {
  x1: (x) => x,
  x2: (x, y) => y,
  x1_squared: (x) => x * x,
  x2_squared: (x, y) => y * y,
  x1_x2: (x, y) => x * y,
  sin_x1: (x) => Math.sin(x),
  sin_x2: (x, y) => Math.sin(y),
};
const FEATURE_DOMAIN = {
  x1: [-6, 6], x2: [-6, 6], x1_squared: [-36, 36], x2_squared: [-36, 36], x1_x2: [-36, 36],
  sin_x1: [-1, 1], sin_x2: [-1, 1],
};
const NODE_PX = 36;

function button(className, text, i18nTitle, t, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.dataset.action = i18nTitle.replace("train.", "");
  b.className = className;
  b.textContent = text;
  b.dataset.i18nTitle = i18nTitle;
  b.dataset.i18nAriaLabel = i18nTitle;
  b.title = t(i18nTitle);
  b.setAttribute("aria-label", t(i18nTitle));
  b.addEventListener("click", onClick);
  return b;
}

function nodeCanvas(id) {
  const c = document.createElement("canvas");
  c.width = NODE_PX;
  c.height = NODE_PX;
  c.className = "nv-canvas";
  c.dataset.node = id;
  return c;
}

/**
 * createNetworkView(host, {features, t, on: {toggleFeature, addLayer, removeLayer, addNeuron,
 * removeNeuron}}) → {render(state), drawNeurons(grids), drawWeights(weights), layoutLinks()}.
 */
export function createNetworkView(host, { features, t, on }) {
  // Hovering or focusing a neuron shows its own output in the big heatmap (on.preview(id | null)).
  const preview = (node, id) => {
    node.tabIndex = 0;
    node.addEventListener("mouseenter", () => on.preview?.(id));
    node.addEventListener("mouseleave", () => on.preview?.(null));
    node.addEventListener("focus", () => on.preview?.(id));
    node.addEventListener("blur", () => on.preview?.(null));
    // Enter (or a click) opens the neuron's bias and incoming weights for editing.
    node.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      openNeuron(node, id);
    });
    node.addEventListener("click", () => openNeuron(node, id));
  };
  const openNeuron = (node, id) => {
    const layer = id === "out" ? layerCount : Number(id.slice(1).split(":")[0]);
    const j = id === "out" ? 0 : Number(id.split(":")[1]);
    on.edit?.({ kind: "neuron", layer, j, title: id === "out" ? t("wc.output") : t("wc.neuron", { layer: layer + 1, n: j + 1 }) }, node);
  };
  let layerCount = 0;
  host.classList.add("nv");
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "nv-links");
  svg.setAttribute("aria-hidden", "true");
  const columns = document.createElement("div");
  columns.className = "nv-columns";
  host.append(svg, columns);
  let topology = null;
  let weights = null;

  function featureColumn(active) {
    const col = document.createElement("div");
    col.className = "nv-col nv-features";
    const head = document.createElement("div");
    head.className = "nv-head";
    const title = document.createElement("span");
    title.dataset.i18n = "train.features";
    title.textContent = t("train.features");
    head.append(title);
    col.append(head);
    const pal = palette();
    for (const name of features) {
      const on_ = active.includes(name);
      const b = document.createElement("button");
      b.type = "button";
      b.className = "nv-node nv-feature";
      b.dataset.feature = name;
      b.setAttribute("aria-pressed", String(on_));
      b.dataset.i18nTitle = "train.feature.toggle";
      b.title = t("train.feature.toggle");
      const c = nodeCanvas(`in:${name}`);
      drawHeatmap(c, sampleGrid(FEATURE_FN[name], 18, -6, 6), { domain: FEATURE_DOMAIN[name], pal });
      const label = document.createElement("span");
      label.className = "nv-label";
      label.dataset.i18n = `feat.${name}`;
      label.textContent = t(`feat.${name}`);
      b.append(label, c);
      b.addEventListener("click", () => on.toggleFeature(name));
      col.append(b);
    }
    return col;
  }

  function layerColumn(index, size, count) {
    const col = document.createElement("div");
    col.className = "nv-col nv-layer";
    col.dataset.layer = String(index);
    const head = document.createElement("div");
    head.className = "nv-head nv-layer-head";
    const minus = button("nv-pm", "−", "train.neuron.remove", t, () => on.removeNeuron(index));
    minus.disabled = size <= 1;
    const plus = button("nv-pm", "+", "train.neuron.add", t, () => on.addNeuron(index));
    plus.disabled = size >= 8;
    const label = document.createElement("span");
    label.className = "nv-count";
    label.textContent = t(size === 1 ? "train.neuron.one" : "train.neuron.many", { n: size });
    label.dataset.count = String(size);
    head.append(minus, label, plus);
    col.append(head);
    for (let j = 0; j < size; j += 1) {
      const node = document.createElement("div");
      node.className = "nv-node nv-neuron";
      node.dataset.node = `h${index}:${j}`;
      node.title = t("train.neuron.title", { layer: index + 1, n: j + 1 });
      preview(node, `h${index}:${j}`);
      node.append(nodeCanvas(`h${index}:${j}`));
      col.append(node);
    }
    void count;
    return col;
  }

  function outputColumn() {
    const col = document.createElement("div");
    col.className = "nv-col nv-output";
    const head = document.createElement("div");
    head.className = "nv-head";
    const title = document.createElement("span");
    title.dataset.i18n = "train.output";
    title.textContent = t("train.output");
    head.append(title);
    const node = document.createElement("div");
    node.className = "nv-node nv-out";
    node.dataset.node = "out";
    preview(node, "out");
    node.append(nodeCanvas("out"));
    col.append(head, node);
    return col;
  }

  /** Topology: rebuild the columns when the features or layer sizes change. */
  function render(state, { force = false } = {}) {
    const key = JSON.stringify([state.features, state.layers]);
    if (topology === key && !force) return;
    topology = key;
    layerCount = state.layers.length;
    // Rebuilding the columns must not lose a keyboard user's place: remember the focused control.
    const active = host.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = active && (active.dataset.action || active.dataset.feature)
      ? `${active.closest("[data-layer]")?.dataset.layer ?? ""}|${active.dataset.action ?? ""}|${active.dataset.feature ?? ""}`
      : null;
    const layersBar = document.createElement("div");
    layersBar.className = "nv-layers-bar";
    const minus = button("nv-pm", "−", "train.layer.remove", t, on.removeLayer);
    minus.disabled = state.layers.length === 0;
    const plus = button("nv-pm", "+", "train.layer.add", t, on.addLayer);
    plus.disabled = state.layers.length >= 6;
    const count = document.createElement("span");
    count.className = "nv-layer-count";
    count.dataset.layers = String(state.layers.length);
    count.textContent = t("train.layers.count", { n: state.layers.length });
    layersBar.append(minus, count, plus);
    const cols = [featureColumn(state.features)];
    state.layers.forEach((size, i) => cols.push(layerColumn(i, size, state.layers.length)));
    cols.push(outputColumn());
    columns.replaceChildren(...cols);
    host.querySelector(".nv-layers-bar")?.remove();
    host.prepend(layersBar);
    if (focusKey) {
      const [layer, action, feature] = focusKey.split("|");
      const scope = layer ? columns.querySelector(`[data-layer="${layer}"]`) : host;
      const target = feature
        ? host.querySelector(`[data-feature="${feature}"]`)
        : scope?.querySelector(`[data-action="${action}"]:not(:disabled)`) || scope?.querySelector("button:not(:disabled)");
      target?.focus();
    }
    requestAnimationFrame(layoutLinks);
  }

  function centre(el, box) {
    const r = el.getBoundingClientRect();
    return { left: r.left - box.left, right: r.right - box.left, y: r.top - box.top + r.height / 2 };
  }

  /** Layout: one link per (source, target) pair between consecutive columns. */
  function layoutLinks() {
    const box = host.getBoundingClientRect();
    svg.setAttribute("viewBox", `0 0 ${box.width} ${box.height}`);
    svg.setAttribute("width", String(box.width));
    svg.setAttribute("height", String(box.height));
    const cols = [...columns.children];
    const links = [];
    for (let c = 0; c + 1 < cols.length; c += 1) {
      const from = [...cols[c].querySelectorAll(".nv-node")].filter((n) => n.getAttribute("aria-pressed") !== "false");
      const to = [...cols[c + 1].querySelectorAll(".nv-node")];
      from.forEach((a, i) => to.forEach((b, j) => {
        const p = centre(a.querySelector("canvas"), box);
        const q = centre(b.querySelector("canvas"), box);
        const mx = (p.right + q.left) / 2;
        links.push({ id: `${c}:${i}:${j}`, layer: c, i, j, d: `M${p.right},${p.y}C${mx},${p.y} ${mx},${q.y} ${q.left},${q.y}` });
      }));
    }
    svg.replaceChildren(...links.flatMap((l) => {
      const path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", l.d);
      path.dataset.link = l.id;
      path.setAttribute("class", "nv-link");
      // A wide transparent twin takes the clicks: a 1-px line is too thin to hit.
      const hit = document.createElementNS(SVG_NS, "path");
      hit.setAttribute("d", l.d);
      hit.dataset.hit = l.id;
      hit.setAttribute("class", "nv-hit");
      hit.addEventListener("click", () => {
        const title = t("wc.link", { from: linkEnd(l.layer, l.i), to: linkEnd(l.layer + 1, l.j) });
        on.edit?.({ kind: "link", layer: l.layer, i: l.i, j: l.j, title }, hit);
      });
      return [path, hit];
    }));
    if (weights) drawWeights(weights);
  }

  /** A link's end in words: a feature's name, a neuron (layer, n) or the output. */
  function linkEnd(column, index) {
    if (column === 0) {
      const active = [...columns.querySelectorAll(".nv-feature[aria-pressed='true']")][index];
      return active ? t(`feat.${active.dataset.feature}`) : "";
    }
    if (column > layerCount) return t("train.output");
    return t("wc.neuronShort", { layer: column, n: index + 1 });
  }

  /** Style: weights[l][j][i] from input i to neuron j of layer l (row per neuron, as z = Wx + b). */
  function drawWeights(next) {
    weights = next;
    if (!weights) return;
    const pal = palette();
    let peak = 1e-9;
    for (const W of weights) for (const row of W) for (const w of row) peak = Math.max(peak, Math.abs(w));
    for (const path of svg.querySelectorAll("path.nv-link")) {
      const [layer, i, j] = path.dataset.link.split(":").map(Number);
      const w = weights[layer]?.[j]?.[i];
      if (typeof w !== "number") {
        // No one weight to show (more than two class scores): the plain link.
        path.style.stroke = "";
        path.style.strokeWidth = "";
        path.style.strokeDasharray = "";
        delete path.dataset.weight;
        continue;
      }
      const rgb = w >= 0 ? pal.pos : pal.neg;
      path.style.stroke = `rgb(${rgb.join(",")})`;
      path.style.strokeWidth = (0.5 + 4 * Math.abs(w) / peak).toFixed(2);
      path.style.strokeDasharray = w >= 0 ? "none" : "4 3";
      path.dataset.weight = w.toPrecision(3);
    }
  }

  /** Style: grids keyed by node id ("h0:1", "out") → values[row][col], row 0 at the top. */
  function drawNeurons(grids, domains = {}) {
    const pal = palette();
    for (const canvas of columns.querySelectorAll("canvas.nv-canvas")) {
      const grid = grids[canvas.dataset.node];
      if (grid) drawHeatmap(canvas, grid, { domain: domains[canvas.dataset.node] || [-1, 1], pal });
    }
  }

  /** Re-translate the generated labels (the counts carry numbers). */
  function retranslate() {
    for (const label of columns.querySelectorAll(".nv-count")) {
      const n = Number(label.dataset.count);
      label.textContent = t(n === 1 ? "train.neuron.one" : "train.neuron.many", { n });
    }
    for (const node of columns.querySelectorAll(".nv-neuron[data-node^='h']")) {
      const [layer, n] = node.dataset.node.slice(1).split(":").map(Number);
      node.title = t("train.neuron.title", { layer: layer + 1, n: n + 1 });
    }
    const count = host.querySelector(".nv-layer-count");
    if (count) count.textContent = t("train.layers.count", { n: Number(count.dataset.layers) });
  }

  // Layout follows every change of size: window, theme, type scale, fonts.
  let pending = false;
  new ResizeObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      layoutLinks();
    });
  }).observe(host);

  return { render, drawWeights, drawNeurons, layoutLinks, retranslate };
}
