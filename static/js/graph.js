// The lecture-slide drawing: gates as circles with their op symbol, inputs left, output right,
// each wire's forward value above (foreground) and gradient below (∇, italic, vermillion).
// Three phases (NN-SVG): topology + layout once per document in draw() (wires and gates as one
// markup string, parsed by the browser in one go; each label's markup kept until the semantic zoom
// first shows it, graph-lod.js); a step only flips attributes of existing elements, found once by
// their data-r (reveal step) and joined by id (setStep), never rebuilding the DOM.
import { attachEvents } from "./graph-events.js";
import { isTensor } from "./graph-format.js";
import { createLod, wireParts } from "./graph-lod.js";
import { GATE_R, PILL_FONT, geometry, pillText, place } from "./graph-place.js";
import { bucketByStep, outgoingEdges, revealSteps } from "./graph-snapshot.js";
import { FONT, FORK, esc, forkBranches, forkPath, forkRoom, forks, numberLabel, tag, tensorGlyph, textWidth } from "./graph-tensor.js";
import { createViewport } from "./graph-viewport.js";
import { t } from "./i18n.js";

import "./strings-drawing.js";

const IN_STUB = 16;
const LINE = 3; // between the wire and its labels
const RUN = 18; // of the gap, the straight start of a wire
const STATES = { v: ["hidden", "visible"], l: ["0", "1"] }; // data-k → [off, on]
const ATTRS = { v: "visibility", l: "data-live" };

const r1 = (v) => Math.round(v * 10) / 10;
/** A rightward arrowhead whose tip is 1.1 past (x, y): the old 9 px marker (path M0 0 L8 4 L0 8 z, ref 7 4). */
const arrowHead = (x, y) => `M${r1(x - 7.9)} ${r1(y - 4.5)}L${r1(x + 1.1)} ${y}L${r1(x - 7.9)} ${r1(y + 4.5)}z`;
const idle = (work) => (window.requestIdleCallback ? requestIdleCallback(work, { timeout: 500 }) : setTimeout(work, 50));

/**
 * The drawing in `svg`. onActivate({node} | {edge}) is called when a node or wire is clicked or has
 * Enter pressed on it (the page reveals a hidden number there).
 */
export function createGraphView(svg, { onActivate = () => {}, onView = () => {} } = {}) {
  svg.classList.add("graph");
  svg.innerHTML = tag("title", { id: "graph-title" }) + tag("desc", { id: "graph-desc" })
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
    // The same as attribute text, for the thousands of wires and gates written in one string.
    const stateText = (kind, at) => ` data-r="${at ?? last + 1}" data-k="${kind}" ${ATTRS[kind]}="${STATES[kind][Number(at !== undefined && at <= shown)]}"`;
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
    let arrows = ""; // every arrowhead in one path (a marker per wire costs the browser a layout each)
    let gates = "";
    // A label's markup is written when the semantic zoom first shows it (graph-lod.js).
    const label = (html, x, y, w, h, up, font, rank, node) => items.push({ x: r1(x), y: r1(y), w, h, up, font, rank, node, html });
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
      const id = esc(edge.id);
      wires += `<path class="wire" id="w-${id}" data-edge="${id}" tabindex="0" d="${d}"${stateText("l", reveal.edgeValue[edge.id])}></path>`;
      arrows += arrowHead(port.x - 1, port.y);
      wireList.push({ ...wireParts(segs.slice(1)), ends: [edge.source, edge.target] });
      if (lane) {
        const tensor = isTensor(edge.downstream);
        const { glyph } = lane;
        const { width, height } = glyph;
        label(() => glyph.markup, lane.x, lane.y + (lane.up ? -LINE : LINE), width, height, lane.up,
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
      const id = esc(node.id);
      if (!out[node.id].length) {
        wires += `<path class="wire stub" d="M${r1(start)} ${g.y} H${r1(g.colRight)}" data-node="${id}"${stateText("l", reveal.nodeValue[node.id])}></path>`;
        if (node.id === doc.output) arrows += arrowHead(g.colRight, g.y);
      }
      const { symbol, font } = g.gate;
      const shape = node.kind === "op"
        ? (g.half > GATE_R
          ? `<rect class="gate" x="${r1(g.x - g.half)}" y="${g.y - GATE_R}" width="${r1(2 * g.half)}" height="${2 * GATE_R}" rx="${GATE_R}"></rect>`
          : `<circle class="gate" cx="${g.x}" cy="${g.y}" r="${GATE_R}"></circle>`)
          + `<text class="symbol" x="${g.x}" y="${g.y}" text-anchor="middle" font-size="${font}">${esc(symbol)}</text>`
        : `<rect class="terminal" x="${r1(g.x - g.half)}" y="${g.y - 14}" width="${r1(2 * g.half)}" height="28" rx="14"></rect>`
          + `<text class="term-label" x="${g.x}" y="${g.y}" text-anchor="middle">${esc(pillText(node))}</text>`;
      gates += `<g class="node ${node.kind}${node.id === doc.output ? " output" : ""}" id="n-${id}" data-node="${id}" tabindex="0">`
        + `<title>${esc(nodeTitle(node))}</title>${shape}</g>`;
      const gateH = node.kind === "op" ? GATE_R : 14;
      obstacles.push({ x0: g.x - g.half, y0: g.y - gateH, x1: g.x + g.half, y1: g.y + gateH, node: node.id });
      // The gate's own text shows only at full size (it must stay inside its gate).
      items.push({ inside: true, font: node.kind === "op" ? font : PILL_FONT, rank: -2, node: node.id });

      const sx = start + 6;
      if (g.name) {
        label(() => tag("text", { class: "name", x: 0, y: r1(-LINE - 4), "data-node": node.id }, g.name), sx, g.y - LINE,
          g.nameW, 17, true, FONT.name, 3, node.id);
      }
      const mask = () => (node.kind === "op" ? tag("text", { class: "mask val-mask halo-text", x: 0, y: -4, ...valueState }, "?") : "");
      const tensorValue = isTensor(node.value);
      label(() => value.markup + mask(), sx + g.nameW, g.y - LINE, value.width, value.height, true,
        tensorValue ? FONT.cell : FONT.value, tensorValue ? 4 : 1, node.id);
      if (grad) {
        const tensorGrad = isTensor(node.grad);
        label(() => grad.markup + tag("text", { class: "mask grad-mask halo-text", x: 0, y: 14, ...gradState }, "∇ ?"),
          sx, g.y + LINE, grad.width, grad.height, false, tensorGrad ? FONT.cell : FONT.value, tensorGrad ? 5 : 2, node.id);
      }
      // Semantic zoom's last resort: the node's short name, centred on it, at a readable size.
      const farText = node.kind === "op" ? symbol : pillText(node);
      const short = farText.length > 8 ? `${farText.slice(0, 7)}…` : farText;
      items.push({ x: g.x, y: g.y, w: textWidth(short, 12) * 1.1 + 4, h: 16, font: 12, rank: -1, node: node.id, far: true,
        html: () => tag("text", { class: "far-label halo-text", x: 0, y: 4.5, "text-anchor": "middle", "data-node": node.id }, short) });
    }

    const extent = { x: box.x0 - 8, y: box.y0 - 8, width: box.x1 - box.x0 + 16, height: box.y1 - box.y0 + 16 };
    root.innerHTML = `<g class="wires">${wires}<path class="arrow" d="${arrows}"></path></g><g class="gates">${gates}</g><g class="labels"></g><g class="far-labels"></g>`
      + tag("circle", { class: "halo", r: GATE_R + 7, visibility: "hidden" });
    // Join the gates' symbols to their items (written in the same order); labels are made as they show.
    const symbols = root.querySelectorAll(".gates .node > text");
    let c = 0;
    for (const item of items) if (item.inside) item.el = symbols[c++];
    drawn?.lod.dispose();
    const [labelGroup, farGroup] = root.querySelectorAll(".labels, .far-labels");
    const lod = createLod(items, obstacles, wireList, { groups: { labels: labelGroup, far: farGroup }, onCreate: adopt });
    drawn = { doc, geo, extent, lod, halo: root.lastElementChild, buckets: null, step: shown, active: [], current: [], keys: new Set() };
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

  const revealable = (el) => {
    const kind = el.getAttribute("data-k");
    return { el, step: Number(el.getAttribute("data-r")), attr: ATTRS[kind], off: STATES[kind][0], on: STATES[kind][1] };
  };
  /** Every revealable element bucketed by its reveal step (found once, on the first step). */
  function buckets() {
    drawn.buckets ||= bucketByStep([...root.querySelectorAll("[data-r]")].map(revealable), drawn.doc.steps.length);
    return drawn.buckets;
  }

  /**
   * Labels the semantic zoom has just created (written as at draw time): brought to the current step,
   * revealed marks and spotlight; with `live`, bucketed for stepping. Their numbered parts
   * (data-r, data-node, data-edge) are the label group's children.
   */
  function adopt(labels, live) {
    const count = drawn.doc.steps.length;
    for (const lab of labels) {
      for (const el of lab.children) {
        const node = el.getAttribute("data-node");
        const key = node !== null ? `n:${node}` : `e:${el.getAttribute("data-edge")}`;
        if (revealed.has(key)) el.classList.add("revealed");
        if (drawn.keys.has(key)) {
          for (const x of [el, lab]) { x.classList.add("current"); if (live) drawn.current.push(x); }
        }
        if (!el.hasAttribute("data-r")) continue;
        const item = revealable(el);
        const want = item.step <= drawn.step ? item.on : item.off;
        if (el.getAttribute(item.attr) !== want) el.setAttribute(item.attr, want);
        if (live && drawn.buckets) drawn.buckets[Math.min(Math.max(item.step, 0), count)].push(item);
      }
    }
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
    drawn.keys = new Set(step ? [`n:${step.node}`, ...(step.edges || []).map((id) => `e:${id}`)] : []);
    drawn.current = step ? [...root.querySelectorAll(`[data-node="${CSS.escape(step.node)}"]`),
      ...(step.edges || []).flatMap((id) => [...root.querySelectorAll(`[data-edge="${CSS.escape(id)}"]`)])] : [];
    // …and so does the group of each such label (the spotlight dims the label groups that do not).
    drawn.current.push(...new Set(drawn.current.map((el) => el.parentNode).filter((lab) => lab.classList.contains("lab"))));
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
    if (!revealed.size && !root.querySelector(".revealed")) return; // a new drawing: nothing marked
    for (const el of root.querySelectorAll("[data-node], [data-edge]")) {
      const key = el.hasAttribute("data-node") ? `n:${el.getAttribute("data-node")}` : `e:${el.getAttribute("data-edge")}`;
      el.classList.toggle("revealed", revealed.has(key));
    }
  }

  attachEvents(svg, onActivate);

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
