// The example picker and its explanation. The explanation's numbers belong to the example's own
// inputs: when the live inputs differ, the text says so plainly (the drawing and the step panel
// show the live numbers); while any number is hidden (g, v, a quiz) the text is held back, since it
// would give the answers away. `example` + `seed` in the URL open an example with the numbers
// GET /api/v1/examples/{id}?seed=K drew for that seed (the quiz's fresh numbers).
import * as api from "./api.js";
import { num } from "./graph-format.js";
import { getLanguage, onLanguageChange, t } from "./i18n.js";

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const inputsText = (inputs) => Object.entries(inputs)
  .map(([name, value]) => `${name} = ${Array.isArray(value) ? JSON.stringify(value) : num(value)}`).join(", ");

export function createPresets(page) {
  const { $, store, state } = page;
  const select = $("preset");
  let examples = [];
  let seeded = null; // the example as served for state.seed (its text is about those numbers)

  function fill() {
    const lang = getLanguage();
    select.replaceChildren(new Option(t("preset.custom"), ""),
      ...examples.map((ex) => new Option(ex.title?.[lang] ?? ex.title?.en ?? ex.id, ex.id)));
    render();
  }

  /** The example the source is, preferring the seeded one whose numbers we asked for. */
  function matching() {
    const source = state.source.trim();
    if (seeded && seeded.source.trim() === source) return seeded;
    return examples.find((ex) => ex.source.trim() === source) ?? null;
  }

  function render() {
    const match = matching();
    select.value = match ? match.id : "";
    const box = $("preset-explanation");
    const note = $("preset-note");
    box.textContent = "";
    note.textContent = "";
    if (!match) return;
    if (page.reveal.anyHidden) {
      note.textContent = t("preset.heldBack");
      return;
    }
    box.textContent = match.explanation?.[getLanguage()] ?? match.explanation?.en ?? "";
    if (!same(page.request?.inputs ?? state.inputs, match.inputs)) {
      note.textContent = t("preset.differs", { inputs: inputsText(match.inputs) });
    }
  }

  async function openSeeded(id, seed) {
    try {
      seeded = await api.request(`examples/${encodeURIComponent(id)}?seed=${seed}`);
    } catch {
      seeded = null;
      return page.load({ source: state.source, inputs: state.inputs, step: state.step });
    }
    return page.load({ source: seeded.source, inputs: seeded.inputs, step: state.step });
  }

  /** New numbers for the shown example from a fresh seed (kept in the URL: a teacher can check them). */
  function freshNumbers() {
    const match = matching();
    const id = match?.id ?? "lecture";
    const seed = Math.floor(Math.random() * 1_000_000);
    store.set({ example: id, seed });
    return openSeeded(id, seed);
  }

  select.addEventListener("change", () => {
    const ex = examples.find((e) => e.id === select.value);
    if (!ex) { render(); return; }
    seeded = null;
    store.set({ example: "", seed: null });
    page.load({ source: ex.source, inputs: ex.inputs, step: page.LAST });
  });
  $("fresh-numbers").addEventListener("click", () => freshNumbers());
  onLanguageChange(fill);
  page.on("document", render);

  api.examples().then((list) => { examples = list; fill(); }).catch(() => { examples = []; fill(); });
  if (state.example && state.seed !== null && !state.lesson) openSeeded(state.example, state.seed);
  return { render, freshNumbers, openSeeded };
}
