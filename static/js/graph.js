// The lecture-slide drawing: gates as circles with their op symbol, inputs left, output right,
// each wire's forward value above (foreground) and gradient below (∇, italic, vermillion).
// Three phases (NN-SVG): topology + layout once per document in draw() (one markup string,
// parsed by the browser in one go); a step only flips attributes of existing elements, found
// once by their data-r (reveal step) and joined by id (setStep), never rebuilding the DOM.
import { isTensor, num } from "./graph-format.js";
import { bucketByStep, outgoingEdges, revealSteps } from "./graph-snapshot.js";
import { tag, tensorGlyph } from "./graph-tensor.js";
import { createViewport } from "./graph-viewport.js";
import { t } from "./i18n.js";

const GATE_R = 22;
const IN_STUB = 16;
const LABEL_MAX = 14;
const STATES = { v: ["hidden", "visible"], l: ["0", "1"] }; // data-k → [off, on]
const ATTRS = { v: "visibility", l: "data-live" };

const clip = (text) => (text.length > LABEL_MAX ? `${text.slice(0, LABEL_MAX - 1)}…` : text);
const named = (node) => node.kind === "op" && !node.id.startsWith("#");

/** Where each node sits and how wide it is; inputs and constants are pills, ops are circles. */
function geometry(doc, out) {
  const geo = {};
  const incoming = {};
  for (const node of doc.nodes) {
    const box = doc.layout.nodes[node.id] || { x: 0, y: 0 };
    const half = node.kind === "op" ? GATE_R : Math.max(15, clip(node.label).length * 4.6 + 10);
    geo[node.id] = { x: box.x, y: box.y, half, ports: {}, stubEnd: box.x + half + 60 };
    incoming[node.id] = [];
  }
  for (const edge of doc.edges) incoming[edge.target].push(edge);
  for (const node of doc.nodes) {
    const edges = incoming[node.id].sort((a, b) => a.slot - b.slot);
    const g = geo[node.id];
    const gap = Math.min(16, (2 * GATE_R - 8) / Math.max(1, edges.length - 1));
    edges.forEach((edge, i) => {
      const dy = (i - (edges.length - 1) / 2) * gap;
      g.ports[edge.id] = { x: g.x - Math.sqrt(Math.max(0, GATE_R ** 2 - dy ** 2)), y: g.y + dy };
    });
  }
  for (const node of doc.nodes) {
    const g = geo[node.id];
    const start = g.x + g.half;
    let room = Infinity;
    for (const e of out[node.id]) room = Math.min(room, geo[e.target].ports[e.id].x - IN_STUB - 24 - start);
    const length = Number.isFinite(room) ? room * 0.55 : 70;
    g.stubEnd = start + Math.max(30, Math.min(110, length));
  }
  return geo;
}

const cubic = (p0, p1, p2, p3, s) => (1 - s) ** 3 * p0 + 3 * (1 - s) ** 2 * s * p1 + 3 * (1 - s) * s * s * p2 + s ** 3 * p3;
const r1 = (v) => Math.round(v * 10) / 10;
const idle = (work) => (window.requestIdleCallback ? requestIdleCallback(work, { timeout: 500 }) : setTimeout(work, 50));

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
  const viewport = createViewport(svg, root, { extent: () => drawn?.extent ?? null, onChange: () => onView() });
  let drawn = null;

  /**
   * Topology and layout: the whole drawing for `doc`, already showing the snapshot after `step`;
   * with {fit: true} framed before the browser lays it out (so a far view skips the labels).
   */
  function draw(doc, step, { fit = false } = {}) {
    const last = doc.steps.length - 1;
    const shown = Math.max(0, Math.min(last, step));
    const out = outgoingEdges(doc);
    const geo = geometry(doc, out);
    const reveal = revealSteps(doc);
    const state = (kind, at) => ({ "data-r": at ?? last + 1, "data-k": kind,
      [ATTRS[kind]]: STATES[kind][Number(at !== undefined && at <= shown)] });
    const box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    const grow = (x0, y0, x1, y1) => {
      box.x0 = Math.min(box.x0, x0); box.y0 = Math.min(box.y0, y0);
      box.x1 = Math.max(box.x1, x1); box.y1 = Math.max(box.y1, y1);
    };
    let wires = "";
    let gates = "";
    let labels = "";

    for (const edge of doc.edges) {
      const s = geo[edge.source];
      const port = geo[edge.target].ports[edge.id];
      const x1 = r1(s.stubEnd);
      const x2 = r1(port.x - IN_STUB);
      const dx = r1(Math.max(12, (x2 - x1) * 0.5));
      const c = [x1, s.y, x1 + dx, s.y, x2 - dx, r1(port.y), x2, r1(port.y)];
      // Each wire starts with its source's stub (the value/gradient shelf); fan-out wires share it.
      wires += tag("path", { class: "wire", id: `w-${edge.id}`, "data-edge": edge.id, tabindex: 0,
        d: `M${r1(s.x + s.half)} ${s.y} H${x1} C${c[2]} ${c[3]} ${c[4]} ${c[5]} ${c[6]} ${c[7]} H${r1(port.x - 1)}`,
        "marker-end": "url(#arrow)", ...state("l", reveal.edgeValue[edge.id]) });
      if (out[edge.source].length > 1 && edge.downstream !== null && !isTensor(edge.downstream)) {
        // Fan-out: each branch carries its own downstream; the node's gradient is their sum.
        const at = { x: r1(cubic(c[0], c[2], c[4], c[6], 0.62)), y: r1(cubic(c[1], c[3], c[5], c[7], 0.62) + 15),
          "text-anchor": "middle", "data-edge": edge.id, ...state("v", reveal.edgeBackward[edge.id]) };
        labels += tag("text", { class: "grad edge-grad halo-text", ...at }, `∇ ${num(edge.downstream)}`)
          + tag("text", { class: "mask grad-mask halo-text", ...at }, "∇ ?");
      }
    }

    for (const node of doc.nodes) {
      const g = geo[node.id];
      const start = g.x + g.half;
      grow(g.x - g.half, g.y - 30, g.stubEnd + 12, g.y + 30);
      if (!out[node.id].length) {
        wires += tag("path", { class: "wire stub", d: `M${start} ${g.y} H${r1(g.stubEnd)}`, "data-node": node.id,
          "marker-end": node.id === doc.output ? "url(#arrow)" : undefined, ...state("l", reveal.nodeValue[node.id]) });
      }
      const shape = node.kind === "op"
        ? tag("circle", { class: "gate", cx: g.x, cy: g.y, r: GATE_R })
          + tag("text", { class: "symbol", x: g.x, y: g.y, "text-anchor": "middle",
            "font-size": node.symbol.length <= 1 ? 20 : node.symbol.length <= 3 ? 14 : 11 }, clip(node.symbol || node.op || "?"))
        : tag("rect", { class: "terminal", x: g.x - g.half, y: g.y - 14, width: 2 * g.half, height: 28, rx: 14 })
          + tag("text", { class: "term-label", x: g.x, y: g.y, "text-anchor": "middle" }, clip(node.label));
      gates += tag("g", { class: `node ${node.kind}${node.id === doc.output ? " output" : ""}`, id: `n-${node.id}`,
        "data-node": node.id, tabindex: 0 }, tag("title", {}, nodeTitle(node)) + shape, true);

      let nameWidth = 0;
      if (named(node)) {
        const name = clip(node.label);
        nameWidth = name.length * 7.5 + 12;
        labels += tag("text", { class: "name", x: start + 11, y: g.y - 8, "data-node": node.id }, name);
      }
      const mid = (start + nameWidth + g.stubEnd) / 2;
      // A computed value (data-op) can be hidden with v; a mask "?" stands in for a hidden number.
      const valueState = { "data-node": node.id, "data-op": node.kind === "op" ? 1 : undefined,
        ...state("v", reveal.nodeValue[node.id]) };
      const gradState = { "data-node": node.id, ...state("v", reveal.nodeGrad[node.id]) };
      const valueMask = (x, y) => (node.kind === "op"
        ? tag("text", { class: "mask val-mask halo-text", x: r1(x), y, "text-anchor": "middle", ...valueState }, "?") : "");
      const gradMask = (x, y) => tag("text", { class: "mask grad-mask halo-text", x: r1(x), y, "text-anchor": "middle",
        ...gradState }, "∇ ?");
      if (isTensor(node.value)) {
        const glyph = tensorGlyph(node.value, { placement: "above", kind: "val", attrs: valueState });
        labels += placed(glyph, start + nameWidth + 4, g.y - 4) + valueMask(start + nameWidth + 14, g.y - 8);
        grow(start, g.y - 4 - glyph.height, start + nameWidth + 4 + glyph.width, g.y);
      } else {
        const text = num(node.value);
        const x = r1(Math.max(mid, start + nameWidth + 4 + text.length * 4.6));
        labels += tag("text", { class: "val halo-text", x, y: g.y - 8, "text-anchor": "middle", ...valueState }, text)
          + valueMask(x, g.y - 8);
      }
      if (isTensor(node.grad)) {
        const glyph = tensorGlyph(node.grad, { placement: "below", kind: "grad", prefix: "∇ ", attrs: gradState });
        labels += placed(glyph, start + 8, g.y + 4) + gradMask(start + 24, g.y + 20);
        grow(start, g.y, start + 8 + glyph.width, g.y + 4 + glyph.height);
      } else {
        const text = num(node.grad);
        const x = r1(Math.max((start + g.stubEnd) / 2, start + 13 + text.length * 4.5));
        labels += tag("text", { class: "grad halo-text", x, y: g.y + 20, "text-anchor": "middle", ...gradState }, `∇ ${text}`)
          + gradMask(x, g.y + 20);
      }
    }

    const extent = { x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0 };
    if (fit) {
      // Frame before the new elements exist: a far view then never lays its labels out.
      drawn = { extent };
      viewport.fit();
    }
    // Semantic zoom: zoomed out past reading (the viewport's .far), each node keeps one short name
    // drawn at a constant size on screen (--far-scale = 1 / zoom) in place of its full labels.
    let far = "";
    for (const node of doc.nodes) {
      const g = geo[node.id];
      const text = node.kind === "op" && !named(node) ? node.symbol || node.op : node.label;
      far += tag("text", { class: "far-label halo-text", x: g.x, y: g.y, "text-anchor": "middle", "data-node": node.id },
        text.length > 6 ? `${text.slice(0, 5)}…` : text);
    }
    root.innerHTML = tag("g", { class: "wires" }, wires, true) + tag("g", { class: "gates" }, gates, true)
      + tag("g", { class: "labels" }, labels, true) + tag("g", { class: "far-labels" }, far, true)
      + tag("circle", { class: "halo", r: GATE_R + 7, visibility: "hidden" });
    const byId = Object.fromEntries(doc.nodes.map((n) => [n.id, n]));
    svg.querySelector("#graph-title").textContent = t("graph.title", { output: byId[doc.output]?.label ?? doc.output,
      nodes: doc.nodes.length });
    svg.querySelector("#graph-desc").textContent = t("graph.desc");
    drawn = { doc, geo, extent, halo: root.lastElementChild, buckets: null, step: shown, active: [], current: [] };
    markRevealed();
    highlight(doc.steps[shown]);
    const mine = drawn;
    idle(() => { if (drawn === mine) buckets(); }); // ready before the first step is asked for
  }

  /** Glyph markup (centred on x = 0) moved so that its left edge is at x. */
  function placed(glyph, x, y) {
    return `<g transform="translate(${r1(x + glyph.width / 2)} ${r1(y)})">${glyph.markup}</g>`;
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
