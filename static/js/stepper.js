// The stepper: first / back / play-pause / next / last, a speed, a position slider and the keys
// → ← space Home End. It only knows a step count and reports the chosen step through onStep(k).
import { t } from "./i18n.js";

const BASE_INTERVAL_MS = 900;

function ignoresKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return true;
  const el = event.target;
  if (!(el instanceof Element)) return false;
  if (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)) return true;
  // Space on a focused button or link activates it, as everywhere else.
  return event.key === " " && (el.tagName === "BUTTON" || el.tagName === "A");
}

export function createStepper({ first, back, play, next, last, speed, range, counter, onStep }) {
  let count = 0;
  let step = 0;
  let timer = null;

  function render() {
    range.max = String(Math.max(0, count - 1));
    range.value = String(step);
    counter.textContent = count ? t("stepper.counter", { step: step + 1, count }) : "";
    first.disabled = back.disabled = step <= 0;
    next.disabled = last.disabled = step >= count - 1;
    play.setAttribute("aria-pressed", String(timer !== null));
    const key = timer ? "stepper.pause" : "stepper.play";
    play.setAttribute("aria-label", t(key));
    play.setAttribute("title", t(key));
  }

  function go(k, { fromUser = true } = {}) {
    const clamped = Math.max(0, Math.min(count - 1, k));
    if (fromUser && timer && clamped === step) return;
    step = clamped;
    render();
    onStep(step);
  }

  function tick() {
    if (step >= count - 1) { pause(); return; }
    go(step + 1, { fromUser: false });
    if (step >= count - 1) pause();
  }

  function playNow() {
    if (count < 2) return;
    if (step >= count - 1) go(0);
    clearInterval(timer);
    timer = setInterval(tick, BASE_INTERVAL_MS / Number(speed.value || 1));
    render();
  }

  function pause() {
    clearInterval(timer);
    timer = null;
    render();
  }

  const toggle = () => (timer ? pause() : playNow());
  first.addEventListener("click", () => { pause(); go(0); });
  back.addEventListener("click", () => { pause(); go(step - 1); });
  next.addEventListener("click", () => { pause(); go(step + 1); });
  last.addEventListener("click", () => { pause(); go(count - 1); });
  play.addEventListener("click", toggle);
  range.addEventListener("input", () => { pause(); go(Number(range.value)); });
  speed.addEventListener("change", () => { if (timer) playNow(); });

  document.addEventListener("keydown", (event) => {
    if (ignoresKey(event) || !count) return;
    const actions = {
      ArrowRight: () => { pause(); go(step + 1); },
      ArrowLeft: () => { pause(); go(step - 1); },
      " ": toggle,
      Home: () => { pause(); go(0); },
      End: () => { pause(); go(count - 1); },
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  return {
    /** A new document: keep the step where it is when possible (clamped), without announcing. */
    reset(newCount, k) {
      count = newCount;
      step = Math.max(0, Math.min(count - 1, k));
      if (count < 2) pause();
      render();
      return step;
    },
    go,
    pause,
    render,
    get step() { return step; },
    get count() { return count; },
    get playing() { return timer !== null; },
  };
}
