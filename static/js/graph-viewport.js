// Zoom, pan and fit for the drawing: one transform on the root group (cheap at 300 nodes).
// Wheel zooms about the pointer, dragging pans, fit() frames the whole graph.
const MIN_SCALE = 0.01;
const MAX_SCALE = 4;

export function createViewport(svg, group) {
  const view = { x: 0, y: 0, k: 1 };
  let drag = null;
  let moved = false; // the user zoomed or panned: leave their view alone on resize

  function apply() {
    group.setAttribute("transform", `translate(${view.x.toFixed(1)} ${view.y.toFixed(1)}) scale(${view.k.toFixed(4)})`);
  }

  function zoomAt(factor, cx, cy) {
    moved = true;
    const k = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.k * factor));
    view.x = cx - ((cx - view.x) * k) / view.k;
    view.y = cy - ((cy - view.y) * k) / view.k;
    view.k = k;
    apply();
  }

  /** Zoom about the centre of the visible area (buttons). */
  function zoomBy(factor) {
    const box = svg.getBoundingClientRect();
    zoomAt(factor, box.width / 2, box.height / 2);
  }

  /** Frame the drawing's content with a margin; never enlarge beyond 1.6×. */
  function fit(margin = 24) {
    const box = svg.getBoundingClientRect();
    let content;
    try { content = group.getBBox(); } catch { return; }
    if (!content.width || !content.height || !box.width || !box.height) return;
    const k = Math.min(1.6, (box.width - 2 * margin) / content.width, (box.height - 2 * margin) / content.height);
    view.k = Math.max(MIN_SCALE, k);
    moved = false;
    view.x = (box.width - content.width * view.k) / 2 - content.x * view.k;
    view.y = (box.height - content.height * view.k) / 2 - content.y * view.k;
    apply();
  }

  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = svg.getBoundingClientRect();
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
  return { fit, zoomBy, zoomAt, get transform() { return { ...view }; }, get moved() { return moved; } };
}
