// The lecture-slide drawing: gates as circles with their op symbol, inputs left, output right,
// each wire's forward value above (foreground) and gradient below (∇, italic, vermillion).
// Three phases (NN-SVG): topology + layout once per document in draw(); a step only flips
// attributes of existing elements joined by id (setStep), never rebuilding the DOM.
import { isTensor, num } from "./graph-format.js";
import { bucketByStep, outgoingEdges, revealSteps } from "./graph-snapshot.js";
import { SVG_STYLE } from "./graph-style.js";
import { svgEl, tensorGlyph } from "./graph-tensor.js";
import { createViewport } from "./graph-viewport.js";
import { t } from "./i18n.js";

const GATE_R = 22;
const IN_STUB = 16;
const LABEL_MAX = 14;

const clip = (text) => (text.length > LABEL_MAX ? `${text.slice(0, LABEL_MAX - 1)}…` : text);
const named = (node) => node.kind === "op" && !node.id.startsWith("#");

/** Where each node sits and how wide it is; inputs and constants are pills, ops are circles. */
function geometry(doc) {
  const geo = {};
  for (const node of doc.nodes) {
    const box = doc.layout.nodes[node.id] || { x: 0, y: 0 };
    const half = node.kind === "op" ? GATE_R : Math.max(15, clip(node.label).length * 4.6 + 10);
    geo[node.id] = { x: box.x, y: box.y, half, ports: {}, stubEnd: box.x + half + 60 };
  }
  for (const node of doc.nodes) {
    const incoming = doc.edges.filter((e) => e.target === node.id).sort((a, b) => a.slot - b.slot);
    const g = geo[node.id];
    const gap = Math.min(16, (2 * GATE_R - 8) / Math.max(1, incoming.length - 1));
    incoming.forEach((edge, i) => {
      const dy = (i - (incoming.length - 1) / 2) * gap;
      g.ports[edge.id] = { x: g.x - Math.sqrt(Math.max(0, GATE_R ** 2 - dy ** 2)), y: g.y + dy };
    });
  }
  const out = outgoingEdges(doc);
  for (const node of doc.nodes) {
    const g = geo[node.id];
    const start = g.x + g.half;
    const room = out[node.id].map((e) => geo[e.target].ports[e.id].x - IN_STUB - 24 - start);
    const length = room.length ? Math.min(...room) * 0.55 : 70;
    g.stubEnd = start + Math.max(30, Math.min(110, length));
  }
  return geo;
}

function cubicPoint(p0, p1, p2, p3, s) {
  const u = 1 - s;
  return u ** 3 * p0 + 3 * u * u * s * p1 + 3 * u * s * s * p2 + s ** 3 * p3;
}

export function createGraphView(svg) {
  svg.classList.add("graph");
  const title = svgEl("title", { id: "graph-title" });
  const desc = svgEl("desc", { id: "graph-desc" });
  const defs = svgEl("defs");
  const marker = svgEl("marker", { id: "arrow", viewBox: "0 0 8 8", refX: 7, refY: 4, markerWidth: 9,
    markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" });
  marker.append(svgEl("path", { class: "arrow", d: "M0 0 L8 4 L0 8 z" }));
  defs.append(marker);
  const root = svgEl("g", { class: "viewport" });
  svg.replaceChildren(title, desc, svgEl("style", {}, SVG_STYLE), defs, root);
  svg.setAttribute("aria-describedby", "graph-desc");
  const viewport = createViewport(svg, root);
  let drawn = null;

  function draw(doc, step) {
    const geo = geometry(doc);
    const reveal = revealSteps(doc);
    const out = outgoingEdges(doc);
    const byId = Object.fromEntries(doc.nodes.map((n) => [n.id, n]));
    const wires = svgEl("g", { class: "wires" });
    const labels = svgEl("g", { class: "labels" });
    const gates = svgEl("g", { class: "gates" });
    const halo = svgEl("circle", { class: "halo", r: GATE_R + 7, visibility: "hidden" });
    const items = [];
    const edgeEls = {};
    const nodeEls = {};
    const reveals = (el, at, attr = "visibility", on = "visible", off = "hidden") =>
      items.push({ el, step: at, attr, on, off });

    for (const edge of doc.edges) {
      const s = geo[edge.source];
      const port = geo[edge.target].ports[edge.id];
      const x1 = s.stubEnd;
      const x2 = port.x - IN_STUB;
      const dx = Math.max(12, (x2 - x1) * 0.5);
      const c = [x1, s.y, x1 + dx, s.y, x2 - dx, port.y, x2, port.y];
      const path = svgEl("path", { class: "wire", id: `w-${edge.id}`, "data-edge": edge.id,
        d: `M${x1} ${s.y} C${c[2]} ${c[3]} ${c[4]} ${c[5]} ${c[6]} ${c[7]} H${port.x - 1}`,
        "marker-end": "url(#arrow)" });
      wires.append(path);
      edgeEls[edge.id] = path;
      reveals(path, reveal.edgeValue[edge.id], "data-live", "1", "0");
      if (out[edge.source].length > 1 && edge.downstream !== null && !isTensor(edge.downstream)) {
        // Fan-out: each branch carries its own downstream; the node's gradient is their sum.
        const at = 0.62;
        const lx = cubicPoint(c[0], c[2], c[4], c[6], at);
        const ly = cubicPoint(c[1], c[3], c[5], c[7], at);
        const label = svgEl("text", { class: "grad edge-grad halo-text", x: lx, y: ly + 15,
          "text-anchor": "middle", "data-edge": edge.id }, `∇ ${num(edge.downstream)}`);
        labels.append(label);
        reveals(label, reveal.edgeBackward[edge.id]);
      }
    }

    for (const node of doc.nodes) {
      const g = geo[node.id];
      const start = g.x + g.half;
      const stub = svgEl("path", { class: "wire stub", d: `M${start} ${g.y} H${g.stubEnd}`,
        "data-node": node.id, ...(node.id === doc.output ? { "marker-end": "url(#arrow)" } : {}) });
      wires.append(stub);
      reveals(stub, reveal.nodeValue[node.id], "data-live", "1", "0");

      const group = svgEl("g", { class: `node ${node.kind}${node.id === doc.output ? " output" : ""}`,
        id: `n-${node.id}`, "data-node": node.id });
      group.append(svgEl("title", {}, nodeTitle(node)));
      if (node.kind === "op") {
        group.append(svgEl("circle", { class: "gate", cx: g.x, cy: g.y, r: GATE_R }));
        const size = node.symbol.length <= 1 ? 20 : node.symbol.length <= 3 ? 14 : 11;
        group.append(svgEl("text", { class: "symbol", x: g.x, y: g.y, "text-anchor": "middle",
          "font-size": size }, clip(node.symbol || node.op || "?")));
      } else {
        group.append(svgEl("rect", { class: "terminal", x: g.x - g.half, y: g.y - 14, width: 2 * g.half,
          height: 28, rx: 14 }));
        group.append(svgEl("text", { class: "term-label", x: g.x, y: g.y, "text-anchor": "middle" },
          clip(node.label)));
      }
      gates.append(group);
      nodeEls[node.id] = group;

      let nameWidth = 0;
      if (named(node)) {
        const name = clip(node.label);
        nameWidth = name.length * 7 + 11;
        labels.append(svgEl("text", { class: "name", x: start + 11, y: g.y - 8 }, name));
      }
      const mid = (start + nameWidth + g.stubEnd) / 2;
      const valueEl = isTensor(node.value)
        ? placedLeft(tensorGlyph(node.value, { placement: "above", kind: "val" }), start + nameWidth + 4, g.y - 4)
        : scalarLabel(num(node.value), Math.max(mid, start + nameWidth + 2 + num(node.value).length * 4.2), g.y - 8, "val");
      const gradEl = isTensor(node.grad)
        ? placedLeft(tensorGlyph(node.grad, { placement: "below", kind: "grad", prefix: "∇ " }), start + 8, g.y + 4)
        : scalarLabel(`∇ ${num(node.grad)}`, Math.max((start + g.stubEnd) / 2, start + 4 + num(node.grad).length * 4.5 + 9),
          g.y + 20, "grad");
      valueEl.setAttribute("data-node", node.id);
      gradEl.setAttribute("data-node", node.id);
      labels.append(valueEl, gradEl);
      reveals(valueEl, reveal.nodeValue[node.id]);
      reveals(gradEl, reveal.nodeGrad[node.id]);
    }

    root.replaceChildren(wires, gates, labels, halo);
    title.textContent = t("graph.title", { output: byId[doc.output]?.label ?? doc.output, nodes: doc.nodes.length });
    desc.textContent = t("graph.desc");
    drawn = { doc, geo, edgeEls, nodeEls, halo, buckets: bucketByStep(items, doc.steps.length), step: null, active: [] };
    setStep(step);
  }

  function scalarLabel(text, x, y, kind) {
    return svgEl("text", { class: `${kind} halo-text`, x, y, "text-anchor": "middle" }, text);
  }

  /** Put a tensor glyph (drawn centred on x = 0) with its left edge at x. */
  function placedLeft(group, x, y) {
    group.setAttribute("transform", `translate(${x + group.dataset.width / 2} ${y})`);
    return group;
  }

  /** Show the snapshot after step k: flip only what changes between the old and the new step. */
  function setStep(k) {
    if (!drawn) return;
    const { buckets, doc } = drawn;
    const last = doc.steps.length - 1;
    const next = Math.max(0, Math.min(last, k));
    const prev = drawn.step;
    if (prev === null) {
      buckets.forEach((bucket, at) => {
        for (const item of bucket) item.el.setAttribute(item.attr, at <= next ? item.on : item.off);
      });
    } else if (next !== prev) {
      const forward = next > prev;
      for (let at = Math.min(prev, next) + 1; at <= Math.max(prev, next); at++) {
        for (const item of buckets[at]) item.el.setAttribute(item.attr, forward ? item.on : item.off);
      }
    }
    drawn.step = next;
    highlight(doc.steps[next]);
  }

  function highlight(step) {
    for (const el of drawn.active) el.classList.remove("active");
    drawn.active = (step?.edges || []).map((id) => drawn.edgeEls[id]).filter(Boolean);
    for (const el of drawn.active) el.classList.add("active");
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

  return {
    svg,
    draw,
    setStep,
    viewport,
    get step() { return drawn?.step ?? null; },
    get document() { return drawn?.doc ?? null; },
    setGradientsVisible(visible) { svg.classList.toggle("hide-grads", !visible); },
  };
}
