// Zoom, pan and fit for the drawing: one transform on the root group (cheap at 300 nodes).
// Wheel zooms about the pointer, dragging pans, fit() frames the whole graph. Level of detail:
// zoomed out below FAR (labels would be under ~6 px) the labels are not drawn at all, which also
// spares the browser laying out a thousand texts when a 300-node graph first appears.
// The type scale (+ / −) is a zoom multiplier here: the drawing and its labels grow together, so
// labels that did not collide at 1× never collide at 2×.
const MIN_SCALE = 0.01;
const MAX_SCALE = 4;
const FAR = 0.4;
const FARTHEST = 0.07;
const READABLE = 0.55; // the least zoom at which numbers show (graph-lod.js: 11 px from 12 px type grown ≤ 2.2×, with room)

/** extent(): the drawing's bounds {x, y, width, height} when known without layout, else null. */
export function createViewport(svg, group, { extent = () => null, onChange = () => {} } = {}) {
  const view = { x: 0, y: 0, k: 1 };
  let drag = null;
  let moved = false; // the user zoomed or panned: leave their view alone on resize
  let multiplier = 1; // the page's type scale
  let fitK = 1; // the scale at which the whole drawing fits (before the multiplier)
  // The first view's point of interest: a refit (the canvas resized) keeps the readable view until
  // the person acts (a press or a key anywhere: the Fit button then frames the whole drawing).
  let focus = null;
  for (const type of ["pointerdown", "keydown"]) {
    document.addEventListener(type, () => { focus = null; }, { capture: true });
  }

  function apply() {
    group.setAttribute("transform", `translate(${view.x.toFixed(1)} ${view.y.toFixed(1)}) scale(${view.k.toFixed(4)})`);
    svg.classList.toggle("far", view.k < FAR);
    svg.classList.toggle("farthest", view.k < FARTHEST); // too small even for one name per node
    onChange();
  }

  function zoomAt(factor, cx, cy) {
    moved = true;
    const k = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.k * factor));
    view.x = cx - ((cx - view.x) * k) / view.k;
    view.y = cy - ((cy - view.y) * k) / view.k;
    view.k = k;
    apply();
  }

  // The drawing's size on screen, kept by an observer so that fitting never forces a layout.
  let size = null;
  const measure = () => {
    const box = svg.getBoundingClientRect();
    size = { width: box.width, height: box.height };
    return size;
  };
  new ResizeObserver((entries) => {
    const box = entries[entries.length - 1].contentRect;
    size = { width: box.width, height: box.height };
  }).observe(svg);

  /** Zoom about the centre of the visible area (buttons). */
  function zoomBy(factor) {
    const box = size || measure();
    zoomAt(factor, box.width / 2, box.height / 2);
  }

  /**
   * Frame the drawing's content with a margin (never enlarged beyond maxFit), times the type scale.
   * With {readable: {x, y}}, a drawing whose Fit would be too small to read any number (under
   * READABLE) is shown at READABLE about that point instead (the page's first view; Fit shows all).
   */
  function fit(margin = 24, { readable = focus } = {}) {
    focus = readable;
    const box = size && size.width ? size : measure();
    let content = extent();
    if (!content) {
      try { content = group.getBBox(); } catch { return; }
    }
    if (!content.width || !content.height || !box.width || !box.height) return;
    fitK = Math.max(MIN_SCALE, Math.min(api.maxFit, (box.width - 2 * margin) / content.width,
      (box.height - 2 * margin) / content.height));
    view.k = Math.min(MAX_SCALE, fitK * multiplier);
    moved = false;
    view.x = (box.width - content.width * view.k) / 2 - content.x * view.k;
    view.y = (box.height - content.height * view.k) / 2 - content.y * view.k;
    if (readable && fitK < READABLE) {
      view.k = READABLE * multiplier;
      const clampTo = (c, lo, hi) => (lo > hi ? (lo + hi) / 2 : Math.min(hi, Math.max(lo, c)));
      // The point at the centre, without showing empty room beyond the drawing's edges.
      view.x = clampTo(box.width / 2 - readable.x * view.k, box.width - margin - (content.x + content.width) * view.k,
        margin - content.x * view.k);
      view.y = clampTo(box.height / 2 - readable.y * view.k, box.height - margin - (content.y + content.height) * view.k,
        margin - content.y * view.k);
    }
    apply();
  }

  /** The type scale as a zoom: refit (or, when the user moved the view, zoom it about the centre). */
  function setMultiplier(next) {
    const ratio = next / multiplier;
    multiplier = next;
    if (moved) zoomBy(ratio);
    else fit();
  }

  /** Pan (never zoom) just enough that the drawing point (x, y) sits inside the view's inner part. */
  function ensureVisible(x, y, pad = 0.18) {
    const box = size && size.width ? size : measure();
    const sx = view.x + x * view.k;
    const sy = view.y + y * view.k;
    const [lx, hx, ly, hy] = [box.width * pad, box.width * (1 - pad), box.height * pad, box.height * (1 - pad)];
    if (sx >= lx && sx <= hx && sy >= ly && sy <= hy) return false;
    view.x += sx < lx ? lx - sx + box.width * 0.15 : sx > hx ? hx - sx - box.width * 0.15 : 0;
    view.y += sy < ly ? ly - sy + box.height * 0.15 : sy > hy ? hy - sy - box.height * 0.15 : 0;
    apply();
    return true;
  }

  /** The view as zoom relative to Fit and the drawing point at its centre (for the URL). */
  function getView() {
    const box = size && size.width ? size : measure();
    return { zoom: view.k / fitK, cx: (box.width / 2 - view.x) / view.k, cy: (box.height / 2 - view.y) / view.k };
  }

  function setView({ zoom, cx, cy }) {
    const box = size && size.width ? size : measure();
    view.k = Math.min(MAX_SCALE, Math.max(MIN_SCALE, fitK * zoom));
    view.x = box.width / 2 - cx * view.k;
    view.y = box.height / 2 - cy * view.k;
    moved = true;
    apply();
  }

  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = svg.getBoundingClientRect(); // the pointer needs the live position
    zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });

  svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = { id: event.pointerId, x: event.clientX - view.x, y: event.clientY - view.y };
    svg.setPointerCapture(event.pointerId);
    svg.classList.add("panning");
  });
  svg.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    moved = true;
    view.x = event.clientX - drag.x;
    view.y = event.clientY - drag.y;
    apply();
  });
  const end = (event) => {
    if (drag && event.pointerId === drag.id) { drag = null; svg.classList.remove("panning"); }
  };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);

  // Keyboard panning when the drawing has focus (arrows stay with the stepper elsewhere).
  svg.addEventListener("keydown", (event) => {
    const moves = { w: [0, 40], s: [0, -40], a: [40, 0], d: [-40, 0] };
    if (event.key === "0") { fit(); event.preventDefault(); return; }
    const move = moves[event.key];
    if (!move || event.ctrlKey || event.metaKey || event.altKey) return;
    moved = true;
    view.x += move[0];
    view.y += move[1];
    apply();
    event.preventDefault();
  });

  apply();
  const api = { fit, zoomBy, zoomAt, setMultiplier, ensureVisible, getView, setView,
    maxFit: 1.6, // a small graph is not blown up beyond this at Fit (the presenter allows more)
    /** The canvas's size as last observed (measured once if not yet): reading it forces no layout. */
    get size() { return size && size.width ? size : measure(); },
    get transform() { return { ...view }; }, get moved() { return moved; }, get fitScale() { return fitK; } };
  return api;
}
