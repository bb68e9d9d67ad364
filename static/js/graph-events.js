// The drawing's pointer and keyboard handling: one delegated listener per event type on the <svg>
// (never one per element: a 600-node drawing would carry thousands), so labels created later by the
// semantic zoom need nothing wired up.

/**
 * A number's exact value as its tooltip, and onActivate({node} | {edge}) when a node or wire is
 * clicked or has Enter pressed on it.
 */
export function attachEvents(svg, onActivate) {
  // The exact value, made when the pointer first comes over a number: the label's <title> (a
  // tensor's: the hovered entry's), so the text itself stays the rounded number.
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
}
