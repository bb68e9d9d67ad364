// Hidden answers, everywhere at once: `g` hides every gradient and `v` every computed value — on
// the drawing, in the step panel, in the example's explanation and a lesson's caption. A click or
// Enter on a node or wire reveals just that one ("n:<node>", "e:<edge>"); `r` reveals them all.
// The quiz hides through the same object, so a number is never hidden in one place and shown in
// another.
import { isShortcut } from "./theme.js";

/**
 * store: the page's state (fields `grads`, `values`: true = shown); onChange(): re-render.
 * doc(): the current document (to know a node's outgoing wires).
 */
export function createReveal({ store, onChange, doc }) {
  const state = store.state;
  const keys = new Set();
  let extra = () => false; // the quiz's own hiding: (kind, ref) → true while a question is open

  const hidden = {
    get grads() { return !state.grads; },
    get values() { return !state.values; },
    keys,
    /** True when a number of this kind ("grad", "val", "local") for ref must print as "?". */
    isHidden(kind, ref) {
      if (!kind) return false;
      if (ref && keys.has(ref)) return false;
      if (extra(kind, ref)) return true;
      if (kind === "grad") return !state.grads;
      if (kind === "val") return !state.values;
      return false;
    },
    /** True while any number is hidden (the explanation's own numbers then stay out of sight). */
    get anyHidden() { return !state.grads || !state.values || extra("any"); },
    setGrads(visible) { keys.clear(); store.set({ grads: visible }); onChange(); },
    setValues(visible) { keys.clear(); store.set({ values: visible }); onChange(); },
    /** Reveal one node (its value, gradient and outgoing wires' gradients) or one wire. */
    reveal({ node, edge }) {
      if (extra("locked")) return; // a quiz: answers are earned, not clicked
      if (edge) keys.add(`e:${edge}`);
      if (node) {
        keys.add(`n:${node}`);
        for (const e of doc()?.edges || []) if (e.source === node) keys.add(`e:${e.id}`);
      }
      onChange();
    },
    revealAll() {
      keys.clear();
      store.set({ grads: true, values: true });
      onChange();
    },
    /** The quiz's hook: hide(kind, ref) → true hides that number too. */
    setExtra(fn) { extra = fn || (() => false); },
  };

  document.addEventListener("keydown", (event) => {
    if (!isShortcut(event) || event.defaultPrevented || extra("locked")) return; // a quiz keeps its answers
    if (event.key === "g") hidden.setGrads(!state.grads);
    else if (event.key === "v") hidden.setValues(!state.values);
    else if (event.key === "r") hidden.revealAll();
    else return;
    event.preventDefault();
  });
  return hidden;
}

/** A panel segment as text: its number, or "?" while hidden. */
export function segmentText(segment, reveal) {
  return reveal.isHidden(segment.kind, segment.ref) ? "?" : segment.text;
}
