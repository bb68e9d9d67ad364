// The lecture-slide drawing: gates as circles with their op symbol, inputs left, output right,
// each wire's forward value above (foreground) and gradient below (∇, italic, vermillion).
// Three phases (NN-SVG): topology + layout once per document in draw() (one markup string,
// parsed by the browser in one go); a step only flips attributes of existing elements, found
// once by their data-r (reveal step) and joined by id (setStep), never rebuilding the DOM.
import { isTensor, valueText } from "./graph-format.js";
import { createLod, samplePath } from "./graph-lod.js";
import { bucketByStep, outgoingEdges, revealSteps } from "./graph-snapshot.js";
import { FONT, FORK, forkBranches, forkPath, forkRoom, forks, numberLabel, tag, tensorGlyph, textWidth } from "./graph-tensor.js";
import { createViewport } from "./graph-viewport.js";
import { t } from "./i18n.js";

import "./strings-drawing.js";

const GATE_R = 22;
const IN_STUB = 16;
const LABEL_MAX = 12; // characters of an input's or constant's label (app/layout.py's LABEL_MAX)
const LINE = 3; // between the wire and its labels
const ARROW = 14;
const COLUMN_GAP = 56;
const RUN = 18; // of the gap, the straight start of a wire
const PILL_FONT = 15;
const STATES = { v: ["hidden", "visible"], l: ["0", "1"] }; // data-k → [off, on]
const ATTRS = { v: "visibility", l: "data-live" };

const clip = (text, max = LABEL_MAX) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const named = (node) => node.kind === "op" && !node.id.startsWith("#");
const r1 = (v) => Math.round(v * 10) / 10;
const idle = (work) => (window.requestIdleCallback ? requestIdleCallback(work, { timeout: 500 }) : setTimeout(work, 50));

/** What a pill says: an input's name; a constant's value when short ([[0, 1]]), else "const". */
function pillText(node) {
  if (node.kind === "input") return clip(node.label);
  const text = valueText(node.value);
  return text.length <= LABEL_MAX ? text : t("drawing.constant");
}

/** The symbol in a gate, and the gate's half width: a circle, or a stadium for a long name (hardtanh). */
function gateShape(node) {
  const symbol = node.symbol || node.op || "?";
  const font = symbol.length <= 1 ? 20 : FONT.symbol;
  const width = textWidth(symbol, font);
  return { symbol, font, half: node.kind === "op" ? Math.max(GATE_R, width / 2 + 9) : Math.max(15, textWidth(pillText(node), PILL_FONT) / 2 + 10) };
}

/**
 * Every node's labels (built once, with their sizes) and position: columns from the server's
 * layers, as wide as what they hold here; heights from the server, which reserved each label's room.
 */
function geometry(doc) {
  const geo = {};
  const layout = doc.layout || { nodes: {} };
  for (const node of doc.nodes) {
    const box = layout.nodes[node.id] || { x: 0, y: 0, layer: 0 };
    const gate = gateShape(node);
    const name = named(node) ? clip(node.label) : "";
    const nameW = name ? textWidth(name, FONT.name) + 4 : 0;
    geo[node.id] = { x: box.x, y: box.y, layer: box.layer ?? 0, half: gate.half, gate, name, nameW, ports: {} };
  }
  return geo;
}

/** Columns from each node's half width and shelf; x of every node and of every bend point. */
function place(doc, geo, aspect) {
  const layers = [];
  for (const node of doc.nodes) {
    const g = geo[node.id];
    const col = (layers[g.layer] ||= { left: 0, right: 0 });
    col.left = Math.max(col.left, g.half);
    col.right = Math.max(col.right, g.half + 6 + g.shelf + ARROW + g.fork);
  }
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const node of doc.nodes) {
    const box = doc.layout?.nodes?.[node.id] || {};
    y0 = Math.min(y0, geo[node.id].y - (box.above ?? 30));
    y1 = Math.max(y1, geo[node.id].y + (box.below ?? 30));
  }
  for (let k = 0; k < layers.length; k++) layers[k] ||= { left: 0, right: 8 }; // a layer of bend points only
  // A drawing taller than the canvas's shape (forks' lanes make columns tall) widens its column gaps
  // (up to 2×) so that it fills the canvas's width; one wider spreads its rows apart (up to 1.8×) so
  // that it fills the height. Gaps only grow: every reserved box stays free, with room for labels to grow.
  const natural = layers.reduce((sum, col) => sum + col.left + col.right, 48) + COLUMN_GAP * (layers.length - 1);
  const wanted = aspect > 0 && y1 > y0 && layers.length > 1 ? (aspect * (y1 - y0) - natural) / (layers.length - 1) : 0;
  const gap = COLUMN_GAP + Math.min(COLUMN_GAP, Math.max(0, wanted));
  let x = 24;
  for (const col of layers) {
    col.x0 = x;
    col.x = x + col.left;
    col.x1 = x + col.left + col.right;
    x = col.x1 + gap;
  }
  for (const node of doc.nodes) {
    const g = geo[node.id];
    g.x = layers[g.layer].x;
    g.colRight = layers[g.layer].x1;
  }
  const width = x - gap + 24;
  const shape = aspect > 0 && y1 > y0 ? width / aspect / (y1 - y0) : 1;
  const spread = Math.min(1.8, Math.max(1, shape));
  const mid = (y0 + y1) / 2;
  const spreadY = (y) => r1(mid + (y - mid) * spread);
  for (const node of doc.nodes) geo[node.id].y = spreadY(geo[node.id].y);
  // The server's bend points name their column by its x; its columns list maps that x to a layer.
  const serverCols = doc.layout?.columns || [];
  const layerAt = new Map(serverCols.map((c, k) => [c.x, k]));
  return { layers, layerAt, spreadY };
}

/**
 * The drawing in `svg`. onActivate({node} | {edge}) is called when a node or wire is clicked or has
 * Enter pressed on it (the page reveals a hidden number there).
 */
export function createGraphView(svg, { onActivate = () => {}, onView = () => {} } = {}) {
  svg.classList.add("graph");
  svg.innerHTML = tag("title", { id: "graph-title" }) + tag("desc", { id: "graph-desc" })
    + tag("defs", {}, tag("marker", { id: "arrow", viewBox: "0 0 8 8", refX: 7, refY: 4, markerWidth: 9,
      markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" },
    tag("path", { class: "arrow", d: "M0 0 L8 4 L0 8 z" }), true), true)
    + tag("g", { class: "viewport" });
  svg.setAttribute("aria-describedby", "graph-desc");
  const root = svg.querySelector(".viewport");
  let drawn = null;
  const viewport = createViewport(svg, root, { extent: () => drawn?.extent ?? null,
    onChange: () => { updateLabels(); onView(); } });
  /** The semantic zoom for the current view (graph-lod.js): what shows, at what size. */
  function updateLabels() {
    if (!drawn?.lod) return;
    const { x, y, k } = viewport.transform;
    const { width, height } = viewport.size;
    drawn.lod.update(k, width ? { x0: -x / k, y0: -y / k, x1: (width - x) / k, y1: (height - y) / k } : null);
  }

  /**
   * Topology and layout: the whole drawing for `doc`, already showing the snapshot after `step`;
   * with {fit: true} framed before the browser lays it out (so a far view skips the labels).
   */
  function draw(doc, step, { fit = false } = {}) {
    const last = doc.steps.length - 1;
    const shown = Math.max(0, Math.min(last, step));
    const out = outgoingEdges(doc);
    const geo = geometry(doc);
    const reveal = revealSteps(doc);
    const state = (kind, at) => ({ "data-r": at ?? last + 1, "data-k": kind,
      [ATTRS[kind]]: STATES[kind][Number(at !== undefined && at <= shown)] });
    const items = []; // every label, for the semantic zoom (graph-lod.js)
    const obstacles = [];
    const wireList = [];
    const built = {};

    // Labels first (their widths set the columns): value above the node's shelf, gradient below.
    for (const node of doc.nodes) {
      const g = geo[node.id];
      const valueState = { "data-node": node.id, "data-op": node.kind === "op" ? 1 : undefined,
        ...state("v", reveal.nodeValue[node.id]) };
      const gradState = { "data-node": node.id, ...state("v", reveal.nodeGrad[node.id]) };
      const value = isTensor(node.value) ? tensorGlyph(node.value, { placement: "above", kind: "val", attrs: valueState })
        : numberLabel(node.value, { placement: "above", kind: "val", attrs: valueState });
      const grad = node.grad === null || node.grad === undefined ? null
        : isTensor(node.grad) ? tensorGlyph(node.grad, { placement: "below", kind: "grad", attrs: gradState })
          : numberLabel(node.grad, { placement: "below", kind: "grad", attrs: gradState });
      built[node.id] = { value, grad, valueState, gradState };
      g.shelf = Math.max(g.nameW + value.width, grad ? grad.width : 0);
      g.fork = 0;
    }
    // Fan-out: each branch's own downstream gradient (their sum is the node's, under its shelf), shown
    // from the node's backward step on, hidden by `g` as the node's is (class grad, data-edge).
    const forked = doc.nodes.filter((node) => forks(out[node.id]));
    for (const node of forked) ({ width: geo[node.id].fork, labelH: geo[node.id].labelH } = forkRoom(out[node.id], LINE));
    const { layers, layerAt, spreadY } = place(doc, geo, viewport.size.height ? viewport.size.width / viewport.size.height : 0);
    const incoming = Object.fromEntries(doc.nodes.map((n) => [n.id, []]));
    for (const edge of doc.edges) incoming[edge.target].push(edge);
    for (const node of doc.nodes) {
      const g = geo[node.id];
      const edges = incoming[node.id].sort((a, b) => a.slot - b.slot);
      const gap = Math.min(16, (2 * GATE_R - 8) / Math.max(1, edges.length - 1));
      edges.forEach((e, i) => {
        const dy = (i - (edges.length - 1) / 2) * gap;
        g.ports[e.id] = { x: g.x - g.half + GATE_R - Math.sqrt(Math.max(0, GATE_R ** 2 - dy ** 2)), y: g.y + dy };
      });
    }

    // Each branch's lane, in the order of the ports it runs to (no two branches cross in the fork).
    const port = (e) => geo[e.target].ports[e.id].y;
    const branchAttrs = (edge) => ({ "data-edge": edge.id, ...state("v", reveal.edgeBackward[edge.id]) });
    const lanes = Object.fromEntries(forked.flatMap((node) => {
      const g = geo[node.id];
      g.forkX = g.x + g.half + 6 + g.shelf + FORK.pad;
      return forkBranches([...out[node.id]].sort((a, b) => port(a) - port(b)), g.forkX, g.y, g.labelH, branchAttrs);
    }));
    let wires = "";
    let gates = "";
    let labels = "";
    let far = "";
    const label = (markup, x, y, w, h, up, font, rank, node) => {
      labels += `<g class="lab" transform="translate(${r1(x)} ${r1(y)})">${markup}</g>`;
      items.push({ x: r1(x), y: r1(y), w, h, up, font, rank, node });
    };
    const box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    for (const edge of doc.edges) {
      const s = geo[edge.source];
      const tgt = geo[edge.target];
      const port = tgt.ports[edge.id];
      // Straight on past the column's edge for a while: a label grown for a far view keeps room there.
      const lane = lanes[edge.id];
      const segs = lane ? forkPath(s.x + s.half, s.y, s.forkX, lane, s.colRight + RUN) : [[s.x + s.half, s.y, s.colRight + RUN, s.y]];
      let x = s.colRight + RUN;
      let y = lane ? lane.y : s.y;
      const curveTo = (x2, y2) => {
        const dx = Math.max(12, (x2 - x) / 2);
        segs.push([x, y, x + dx, y, x2 - dx, y2, x2, y2]);
        x = x2; y = y2;
      };
      for (const [bx, bendY] of doc.layout?.bends?.[`${edge.source}->${edge.target}`] || []) {
        const col = layers[layerAt.get(bx)];
        if (!col) continue;
        curveTo(col.x0, spreadY(bendY));
        segs.push([x, y, col.x1, y]);
        x = col.x1;
      }
      curveTo(Math.min(layers[tgt.layer].x0, port.x - IN_STUB), port.y);
      segs.push([x, y, port.x - 1, y]);
      const d = segs.map((g, i) => (g.length === 4 ? `${i ? "" : `M${r1(g[0])} ${r1(g[1])} `}H${r1(g[2])}`
        : `C${r1(g[2])} ${r1(g[3])} ${r1(g[4])} ${r1(g[5])} ${r1(g[6])} ${r1(g[7])}`)).join(" ");
      wires += tag("path", { class: "wire", id: `w-${edge.id}`, "data-edge": edge.id, tabindex: 0, d,
        "marker-end": "url(#arrow)", ...state("l", reveal.edgeValue[edge.id]) });
      wireList.push({ points: samplePath(segs.slice(1)), ends: [edge.source, edge.target] });
      if (lane) {
        const tensor = isTensor(edge.downstream);
        const { markup, width, height } = lane.glyph;
        label(markup, lane.x, lane.y + (lane.up ? -LINE : LINE), width, height, lane.up,
          tensor ? FONT.cell : FONT.value, tensor ? 5 : 2, edge.source);
        box.y0 = Math.min(box.y0, lane.y - (lane.up ? LINE + height : 0));
        box.y1 = Math.max(box.y1, lane.y + (lane.up ? 0 : LINE + height));
      }
    }

    for (const node of doc.nodes) {
      const g = geo[node.id];
      const { value, grad, valueState, gradState } = built[node.id];
      const start = g.x + g.half;
      box.x0 = Math.min(box.x0, g.x - g.half); box.x1 = Math.max(box.x1, g.colRight);
      box.y0 = Math.min(box.y0, g.y - Math.max(GATE_R, value.height + LINE));
      box.y1 = Math.max(box.y1, g.y + Math.max(GATE_R, (grad?.height ?? 0) + LINE));
      if (!out[node.id].length) {
        wires += tag("path", { class: "wire stub", d: `M${r1(start)} ${g.y} H${r1(g.colRight)}`, "data-node": node.id,
          "marker-end": node.id === doc.output ? "url(#arrow)" : undefined, ...state("l", reveal.nodeValue[node.id]) });
      }
      const { symbol, font } = g.gate;
      const shape = node.kind === "op"
        ? (g.half > GATE_R
          ? tag("rect", { class: "gate", x: r1(g.x - g.half), y: g.y - GATE_R, width: r1(2 * g.half), height: 2 * GATE_R, rx: GATE_R })
          : tag("circle", { class: "gate", cx: g.x, cy: g.y, r: GATE_R }))
          + tag("text", { class: "symbol", x: g.x, y: g.y, "text-anchor": "middle", "font-size": font }, symbol)
        : tag("rect", { class: "terminal", x: r1(g.x - g.half), y: g.y - 14, width: r1(2 * g.half), height: 28, rx: 14 })
          + tag("text", { class: "term-label", x: g.x, y: g.y, "text-anchor": "middle" }, pillText(node));
      gates += tag("g", { class: `node ${node.kind}${node.id === doc.output ? " output" : ""}`, id: `n-${node.id}`,
        "data-node": node.id, tabindex: 0 }, tag("title", {}, nodeTitle(node)) + shape, true);
      const gateH = node.kind === "op" ? GATE_R : 14;
      obstacles.push({ x0: g.x - g.half, y0: g.y - gateH, x1: g.x + g.half, y1: g.y + gateH, node: node.id });
      // The gate's own text shows only at full size (it must stay inside its gate).
      items.push({ inside: true, font: node.kind === "op" ? font : PILL_FONT, rank: -2, node: node.id });

      const sx = start + 6;
      if (g.name) {
        label(tag("text", { class: "name", x: 0, y: r1(-LINE - 4), "data-node": node.id }, g.name), sx, g.y - LINE,
          g.nameW, 17, true, FONT.name, 3, node.id);
      }
      const mask = node.kind === "op" ? tag("text", { class: "mask val-mask halo-text", x: 0, y: -4, ...valueState }, "?") : "";
      const tensorValue = isTensor(node.value);
      label(value.markup + mask, sx + g.nameW, g.y - LINE, value.width, value.height, true,
        tensorValue ? FONT.cell : FONT.value, tensorValue ? 4 : 1, node.id);
      if (grad) {
        const tensorGrad = isTensor(node.grad);
        label(grad.markup + tag("text", { class: "mask grad-mask halo-text", x: 0, y: 14, ...gradState }, "∇ ?"),
          sx, g.y + LINE, grad.width, grad.height, false, tensorGrad ? FONT.cell : FONT.value, tensorGrad ? 5 : 2, node.id);
      }
      // Semantic zoom's last resort: the node's short name, centred on it, at a readable size.
      const farText = node.kind === "op" ? symbol : pillText(node);
      const short = farText.length > 8 ? `${farText.slice(0, 7)}…` : farText;
      far += tag("g", { class: "lab far-lab", transform: `translate(${g.x} ${g.y})` },
        tag("text", { class: "far-label halo-text", x: 0, y: 4.5, "text-anchor": "middle", "data-node": node.id }, short), true);
      items.push({ x: g.x, y: g.y, w: textWidth(short, 12) * 1.1 + 4, h: 16, font: 12, rank: -1, node: node.id, far: true });
    }

    const extent = { x: box.x0 - 8, y: box.y0 - 8, width: box.x1 - box.x0 + 16, height: box.y1 - box.y0 + 16 };
    root.innerHTML = tag("g", { class: "wires" }, wires, true) + tag("g", { class: "gates" }, gates, true)
      + tag("g", { class: "labels" }, labels, true) + tag("g", { class: "far-labels" }, far, true)
      + tag("circle", { class: "halo", r: GATE_R + 7, visibility: "hidden" });
    // Join the label items to their elements (written in the same order).
    const labs = root.querySelectorAll(".labels > .lab");
    const farLabs = root.querySelectorAll(".far-labels > .lab");
    const symbols = root.querySelectorAll(".gates .node > text");
    let [a, b, c] = [0, 0, 0];
    for (const item of items) item.el = item.inside ? symbols[c++] : item.far ? farLabs[b++] : labs[a++];
    const lod = createLod(items, obstacles, wireList);
    drawn = { doc, geo, extent, lod, halo: root.lastElementChild, buckets: null, step: shown, active: [], current: [] };
    const focus = geo[doc.steps[shown]?.node] || geo[doc.output];
    if (fit) viewport.fit(24, { readable: focus ? { x: focus.x, y: focus.y } : null });
    else updateLabels();
    const byId = Object.fromEntries(doc.nodes.map((n) => [n.id, n]));
    svg.querySelector("#graph-title").textContent = t("graph.title", { output: byId[doc.output]?.label ?? doc.output,
      nodes: doc.nodes.length });
    svg.querySelector("#graph-desc").textContent = t("graph.desc");
    markRevealed();
    highlight(doc.steps[shown]);
    const mine = drawn;
    idle(() => { if (drawn === mine) buckets(); }); // ready before the first step is asked for
  }

  /** Every revealable element bucketed by its reveal step (found once, on the first step). */
  function buckets() {
    if (!drawn.buckets) {
      const items = [];
      for (const el of root.querySelectorAll("[data-r]")) {
        const kind = el.getAttribute("data-k");
        items.push({ el, step: Number(el.getAttribute("data-r")), attr: ATTRS[kind], off: STATES[kind][0], on: STATES[kind][1] });
      }
      drawn.buckets = bucketByStep(items, drawn.doc.steps.length);
    }
    return drawn.buckets;
  }

  /** Style: show the snapshot after step k, flipping only what changes between the old and new step. */
  function setStep(k) {
    if (!drawn) return;
    const last = drawn.doc.steps.length - 1;
    const next = Math.max(0, Math.min(last, k));
    const prev = drawn.step;
    if (next !== prev) {
      const forward = next > prev;
      const all = buckets();
      for (let at = Math.min(prev, next) + 1; at <= Math.max(prev, next); at++) {
        for (const item of all[at]) item.el.setAttribute(item.attr, forward ? item.on : item.off);
      }
    }
    drawn.step = next;
    highlight(drawn.doc.steps[next]);
  }

  function highlight(step) {
    for (const el of drawn.active) el.classList.remove("active");
    drawn.active = (step?.edges || []).map((id) => svg.getElementById(`w-${id}`)).filter(Boolean);
    for (const el of drawn.active) el.classList.add("active");
    // The current node and the labels of its wires carry .current (the presenter's spotlight).
    for (const el of drawn.current) el.classList.remove("current");
    drawn.current = step ? [...root.querySelectorAll(`[data-node="${CSS.escape(step.node)}"]`),
      ...(step.edges || []).flatMap((id) => [...root.querySelectorAll(`[data-edge="${CSS.escape(id)}"]`)])] : [];
    for (const el of drawn.current) el.classList.add("current");
    const g = step && drawn.geo[step.node];
    if (!g) { drawn.halo.setAttribute("visibility", "hidden"); return; }
    drawn.halo.setAttribute("cx", g.x);
    drawn.halo.setAttribute("cy", g.y);
    drawn.halo.setAttribute("r", g.half + 7);
    drawn.halo.setAttribute("visibility", "visible");
  }

  function nodeTitle(node) {
    if (node.kind === "input") return t("node.input", { name: node.label });
    if (node.kind === "constant") return t("node.constant", { value: node.label });
    return t("node.op", { formula: node.formula || node.label, op: node.op || node.symbol });
  }

  // Reveal state: which numbers are hidden (g: gradients, v: computed values) and which single
  // nodes ("n:id") and wires ("e:id") have been revealed anyway.
  let revealed = new Set();
  function markRevealed() {
    for (const el of root.querySelectorAll("[data-node], [data-edge]")) {
      const key = el.hasAttribute("data-node") ? `n:${el.getAttribute("data-node")}` : `e:${el.getAttribute("data-edge")}`;
      el.classList.toggle("revealed", revealed.has(key));
    }
  }

  // A number's exact value as its tooltip, made when the pointer first comes over it: the label's
  // <title> (a tensor's: the hovered entry's), so the text itself stays the rounded number.
  svg.addEventListener("pointerover", (event) => {
    const el = event.target.closest?.("[data-exact]");
    if (!el) return;
    const holder = el.closest(".tensor") || el.parentNode;
    let title = holder.querySelector(":scope > title");
    if (!title) title = holder.insertBefore(document.createElementNS("http://www.w3.org/2000/svg", "title"), holder.firstChild);
    title.textContent = el.getAttribute("data-exact");
  });

  let press = null;
  // The viewport captures the pointer (for dragging), which retargets the click to the <svg>:
  // the element pressed is remembered here.
  svg.addEventListener("pointerdown", (event) => { press = { x: event.clientX, y: event.clientY, el: event.target }; }, true);
  const target = (el) => el?.closest?.("[data-node], [data-edge]");
  function activate(el) {
    if (!el) return false;
    const edge = el.getAttribute("data-edge");
    onActivate(edge !== null ? { edge } : { node: el.getAttribute("data-node") });
    return true;
  }
  svg.addEventListener("click", (event) => {
    if (press && Math.hypot(event.clientX - press.x, event.clientY - press.y) > 4) return; // a drag, not a click
    activate(target(press?.el ?? event.target));
  });
  svg.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target !== svg && activate(target(event.target))) event.preventDefault();
  });

  return {
    svg,
    draw,
    setStep,
    viewport,
    get step() { return drawn?.step ?? null; },
    get document() { return drawn?.doc ?? null; },
    get geometry() { return drawn?.geo ?? null; },
    /** Point at these nodes (a lesson's highlight): a thick ring around each. */
    setPointed(ids = []) {
      const wanted = new Set(ids);
      for (const el of root.querySelectorAll(".node")) el.classList.toggle("pointed", wanted.has(el.getAttribute("data-node")));
    },
    /** Hide gradients and/or computed values, except the revealed keys ("n:id", "e:id"). */
    setHidden({ grads = false, values = false, keys = new Set() } = {}) {
      svg.classList.toggle("hide-grads", grads);
      svg.classList.toggle("hide-values", values);
      revealed = keys;
      if (drawn) markRevealed();
    },
    setGradientsVisible(visible) { svg.classList.toggle("hide-grads", !visible); },
  };
}
