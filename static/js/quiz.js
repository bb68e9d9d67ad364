// Quiz mode (#quiz=1; #quiz=2 asks the forward values too): at each backward step the answer is
// hidden everywhere (through reveal.js, so the drawing, the panel and the text agree) and the
// student types it — a number, or a tensor's entries in order. Checked within a stated tolerance;
// a miss shows upstream × local worked out with the numbers. The score is `k / n`. Keyboard only:
// the answer field takes focus, Enter checks, Enter again moves on.
import { toNumbers } from "./api.js";
import { explainStep, linesText } from "./graph-explain.js";
import { valueText, wrap } from "./graph-format.js";
import { t } from "./i18n.js";

const ABS_TOL = 0.01;
const REL_TOL = 0.01;

/** The typed entries as numbers ("1.5", "−2", "[1, 2; 3]", pt-BR "0,5 1,5"), or null. */
export function parseAnswer(text) {
  const cleaned = text.replace(/[−–]/g, "-").replace(/[[\]()]/g, " ").trim();
  if (!cleaned) return null;
  let tokens = cleaned.split(/[\s;]+/).filter(Boolean);
  if (tokens.length === 1 && (tokens[0].match(/,/g) || []).length > 1) tokens = tokens[0].split(",");
  const numbers = tokens.map((token) => Number(token.replace(/,$/, "").replace(",", ".")));
  return numbers.length && numbers.every(Number.isFinite) ? numbers : null;
}

/** True when every entry is within ±max(ABS_TOL, REL_TOL·|answer|). */
export function isClose(given, answer) {
  const flat = [toNumbers(answer)].flat(Infinity);
  return given.length === flat.length && flat.every((a, i) => Math.abs(given[i] - a) <= Math.max(ABS_TOL, REL_TOL * Math.abs(a)));
}

/** The questions step k asks: [{ref, answer, label, kind}]. */
export function questionsAt(doc, k, forwardToo) {
  const step = doc.steps[k];
  if (!step) return [];
  const byId = Object.fromEntries(doc.nodes.map((n) => [n.id, n]));
  const out = byId[doc.output].label;
  const node = byId[step.node];
  const grad = (label) => `∂${wrap(out)}/∂${wrap(label)}`;
  if (step.phase === "forward") {
    if (!forwardToo || node.kind !== "op") return [];
    return [{ ref: `n:${node.id}`, answer: node.value, label: `${node.label} = ?`, kind: "val" }];
  }
  if (step.node === doc.output) return [];
  if (step.grad !== undefined && step.grad !== null) {
    return [{ ref: `n:${node.id}`, answer: step.grad, label: `${grad(node.label)} = ?`, kind: "grad" }];
  }
  // A fork: each branch's downstream gradient, before the next step sums them.
  const edges = Object.fromEntries(doc.edges.map((e) => [e.id, e]));
  return step.edges.map((id) => ({ ref: `e:${id}`, answer: edges[id].downstream, kind: "grad",
    label: t("quiz.branch", { name: grad(node.label), target: byId[edges[id].target].label }) }));
}

export function createQuiz(page) {
  const { $, store, state, stepper, reveal } = page;
  const results = new Map(); // `${k}:${i}` → true / false
  let open = []; // this step's unanswered questions
  let last = null; // the last checked question, for Enter-to-move-on

  const active = () => state.quiz > 0;
  const score = () => t("quiz.score", { right: [...results.values()].filter(Boolean).length, asked: results.size });

  reveal.setExtra((kind, ref) => {
    if (!active()) return false;
    if (kind === "locked" || kind === "any") return true;
    if (kind === "grad") return true; // until answered (answered refs are in reveal.keys)
    if (kind === "val") return state.quiz > 1;
    if (kind === "local") return openAt(stepper.step).some((q) => q.kind === "grad") && stepLocal(ref);
    return false;
  });

  /** Step k's questions not answered yet (computed afresh: the panel may render before ask()). */
  const openAt = (k) => (page.doc ? questionsAt(page.doc, k, state.quiz > 1).filter((q, i) => !results.has(`${k}:${i}`)) : []);

  // The local gradients of the wires this step works on stay hidden until it is answered.
  const stepLocal = (ref) => (page.doc?.steps[stepper.step]?.edges || []).some((id) => `e:${id}` === ref);

  function ask() {
    const bar = $("quiz-bar");
    bar.hidden = !active();
    $("quiz-toggle").setAttribute("aria-pressed", String(active()));
    document.body.classList.toggle("in-quiz", active());
    if (!active() || !page.doc) return;
    const k = stepper.step;
    const all = questionsAt(page.doc, k, state.quiz > 1);
    open = openAt(k);
    $("quiz-score").textContent = score();
    const field = $("quiz-answer");
    const question = open[0];
    $("quiz-question").textContent = question ? question.label : t(all.length ? "quiz.done" : "quiz.noQuestion");
    field.disabled = !question;
    field.value = "";
    if (question) {
      field.focus({ preventScroll: true });
    } else if (document.activeElement === field) {
      field.blur(); // the arrows step again
    }
    if (!last || last.k !== k) $("quiz-feedback").textContent = "";
  }

  function check() {
    const k = stepper.step;
    const question = open[0];
    if (!question) { next(); return; }
    const given = parseAnswer($("quiz-answer").value);
    if (!given) { $("quiz-feedback").textContent = t("quiz.unreadable"); return; }
    const all = questionsAt(page.doc, k, state.quiz > 1);
    const index = all.findIndex((q) => q.ref === question.ref);
    const right = isClose(given, question.answer);
    results.set(`${k}:${index}`, right);
    reveal.keys.add(question.ref);
    if (question.ref.startsWith("n:") && question.kind === "grad") {
      for (const id of page.doc.steps[k].edges || []) reveal.keys.add(`e:${id}`);
    }
    const feedback = $("quiz-feedback");
    feedback.className = `quiz-feedback ${right ? "right" : "wrong"}`;
    const worked = linesText(explainStep(page.doc, k).lines);
    feedback.textContent = right
      ? t("quiz.right", { answer: valueText(question.answer) })
      : t("quiz.wrong", { answer: valueText(question.answer), worked });
    last = { k };
    page.refresh();
    ask();
    if (!open.length) { // Enter again moves on
      $("quiz-answer").disabled = false;
      $("quiz-answer").focus({ preventScroll: true });
    }
  }

  function next() {
    if (stepper.step < stepper.count - 1) stepper.go(stepper.step + 1);
  }

  $("quiz-answer").addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); check(); }
    else if (event.key === "Escape") $("quiz-answer").blur();
  });
  $("quiz-check").addEventListener("click", check);
  $("quiz-fresh").addEventListener("click", () => { results.clear(); reveal.keys.clear(); last = null; stepper.go(0); });
  $("quiz-toggle").addEventListener("click", () => {
    store.set({ quiz: active() ? 0 : 1 });
    results.clear();
    reveal.keys.clear();
    if (active()) stepper.go(0);
    page.refresh();
    ask();
  });

  page.on("document", (doc, { sameShape }) => {
    if (!sameShape) { results.clear(); reveal.keys.clear(); }
    if (active()) {
      reveal.keys.add(`n:${doc.output}`); // the seed ∂f/∂f = 1 is given
      if (state.step === page.LAST && !sameShape) stepper.go(0);
      page.refresh();
    }
    ask();
  });
  page.on("step", ask);
  return { ask, check, get results() { return results; } };
}
