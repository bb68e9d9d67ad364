// /optimizers — the optimiser race: one POST /api/v1/optimize per racer (the first also asks
// for the contour grid), then every path is revealed step by step over the contours while the
// loss chart grows beside it; paused, each racer's gradient and update are drawn at the shown
// step. A changed hyper-parameter or a dragged start redraws the whole race at once.
// State (surface or typed expression, start, steps, racers) lives in the URL.
import "./strings-train.js";
import "./strings-race.js";
import { formatNumber, getLanguage, onLanguageChange, t, translate } from "./i18n.js";
import { optimize, toNumbers } from "./api.js";
import { isShortcut, THEME_EVENT } from "./theme.js";
import {
  createRaceState, EXAMPLES, FIELDS, MAX_RACERS, optimizeBody, PRESETS, RACER_STYLE, racerParams, SURFACES, surfaceFunction,
} from "./race-state.js";
import { createContourPlot } from "./race-contour.js";
import { drawArrows, inspect } from "./race-arrows.js";
import { defaults, loadOptimizers } from "./train-optimizers.js";
import { createLineChart } from "./linechart.js";
import { renderRacers, showFinals } from "./race-racers.js";
import { setNumber } from "./number-field.js";
import { numberField, selectField } from "./train-controls.js";
import { createPageLesson, lessonPatch } from "./page-lesson.js";
import { createPlotPresenter } from "./page-presenter.js";

const $ = (id) => document.getElementById(id);
// (x, y) — with a decimal comma in Portuguese, the two numbers are kept apart by a semicolon.
const pointText = ([x, y]) => `(${formatNumber(x, 3)}${getLanguage() === "pt-BR" ? ";" : ","} ${formatNumber(y, 3)})`;
await loadOptimizers(); // the server's declaration of every optimiser, before the state reads it
const store = createRaceState();
const s = store.state;
const FRAMES = 300; // a race lasts about five seconds whatever its length
const grids = new Map();
const race = { paths: [], losses: [], n: 0, k: 0, playing: false, seq: 0, frame: null };
let chart = null;

const plot = createContourPlot($("race-plot"), {
  onPick: (start) => {
    s.start = start; // a drag has been moving it already: keep it, mirror it, race from it
    store.persist();
    follow();
  },
  onDrag: (start) => {
    s.start = start;
    $("race-start").textContent = pointText(start);
    follow();
  },
});

const surfaceSelect = selectField($("race-fields"), {
  id: "race-surface", labelKey: "race.surface", value: s.surface,
  options: SURFACES.map((name) => ({ value: name, key: `surf.${name}` })),
  onChange: (name) => {
    const p = PRESETS[name];
    change({ surface: name, start: [...p.start], steps: p.steps, racers: p.racers.map((r) => ({ ...r })) }, { rebuild: true });
  },
});
const stepsInput = numberField($("race-fields"), {
  id: "race-steps", labelKey: "race.steps", min: 1, max: 2000, step: 10, value: s.steps,
  onChange: (v) => change({ steps: Math.max(1, Math.min(2000, Math.round(v))) }),
});

// A surface of your own: f(x, y) typed in the graph language (the server parses it, never eval).
const exprHost = document.createElement("div");
exprHost.className = "race-expr";
$("race-fields").append(exprHost);
const exprInput = document.createElement("input");
Object.assign(exprInput, { type: "text", id: "race-expr", spellcheck: false, value: s.expr, autocomplete: "off" });
exprInput.addEventListener("change", () => change({ expr: exprInput.value.trim() || EXAMPLES.himmelblau }));
const exprLabel = document.createElement("label");
exprLabel.className = "cr-field race-expr-field";
exprLabel.htmlFor = "race-expr";
const exprText = document.createElement("span");
exprText.className = "cr-field-label";
exprText.dataset.i18n = "race.expr";
exprLabel.append(exprText, exprInput);
const examples = selectField(exprHost, {
  id: "race-examples", labelKey: "race.examples", value: "",
  options: [{ value: "", key: "race.example.pick" }, ...Object.keys(EXAMPLES).map((name) => ({ value: name, key: `race.example.${name}` }))],
  onChange: (name) => {
    if (!name) return;
    exprInput.value = EXAMPLES[name];
    examples.value = "";
    change({ expr: EXAMPLES[name] });
  },
});
exprHost.prepend(exprLabel);
const showExpr = () => { exprHost.hidden = s.surface !== "expression"; };
showExpr();

/** `instant`: draw the whole race at once (a changed setting), else race it from step 0. */
function change(patch, { instant = false, rebuild = false } = {}) {
  const changed = store.set(patch);
  if (!changed.length) return;
  surfaceSelect.value = s.surface;
  setNumber(stepsInput, s.steps); // by the language's rule; a change from elsewhere clears a mistake
  exprInput.value = s.expr;
  showExpr();
  if (changed.includes("racers")) drawRacers({ force: rebuild }); // a preset's new values need new cards
  compute({ instant });
}

// While the start is dragged, one set of requests at a time; the last position always lands.
let following = false;
let again = false;
async function follow() {
  if (following) {
    again = true;
    return;
  }
  following = true;
  await compute({ instant: true });
  following = false;
  if (again) {
    again = false;
    follow();
  }
}

let racersShape = null;

/** Rebuild the cards when racers come, go or change optimiser; a new value is already in its input. */
function drawRacers({ force = false } = {}) {
  const shape = s.racers.map((r) => r.name).join(",");
  if (shape === racersShape && !force) return;
  racersShape = shape;
  const focused = $("race-racers").contains(document.activeElement) ? document.activeElement.id : null;
  renderRacers($("race-racers"), s.racers, {
    onChange: (k, patch, { replace = false } = {}) => change({
      racers: s.racers.map((r, i) => (i !== k ? r : replace ? patch : { ...r, ...patch })),
    }, { instant: !replace }),
    onRemove: (k) => change({ racers: s.racers.filter((_, i) => i !== k) }),
    lrFor,
  });
  $("race-add").disabled = s.racers.length >= MAX_RACERS;
  if (focused) document.getElementById(focused)?.focus(); // a rebuilt card keeps the keyboard's place
}

/** A rate that suits this surface: its preset's for the optimiser, else PyTorch's default. */
function lrFor(name) {
  const preset = PRESETS[s.surface].racers.find((r) => r.name === (name === "sparse_adam" ? "adam" : name));
  return preset ? preset.lr : defaults(name).lr;
}

$("race-add").addEventListener("click", () => {
  if (s.racers.length >= MAX_RACERS) return;
  const used = new Set(s.racers.map((r) => r.name));
  const name = ["adam", "rmsprop", "adagrad", "sgd", "sparse_adam"].find((n) => !used.has(n)) || "sparse_adam";
  change({ racers: [...s.racers, { name, lr: lrFor(name) }] });
});

function racerLabel(r) {
  const p = racerParams(r);
  let label = t(`optname.${r.name}`);
  if (p.momentum) label += ` · ${t("opt.momentum").toLowerCase()} ${formatNumber(p.momentum)}`;
  if (p.nesterov) label += ` · ${t("opt.nesterov")}`;
  return `${label} · ${t("race.lrShort")} ${formatNumber(p.lr)}`;
}

function makeChart() {
  const host = $("race-loss-chart");
  host.replaceChildren();
  chart = createLineChart(host, {
    ariaLabel: t("race.lossChart.aria"),
    height: 190,
    series: s.racers.map((r, i) => ({ key: `r${i}`, label: racerLabel(r), ...RACER_STYLE[i % RACER_STYLE.length] })),
  });
}

/** Losses for the chart: a diverging racer (a saddle's runaway) must not flatten the others. */
function chartData() {
  const bound = 100 * Math.max(1, ...race.losses.map((l) => Math.abs(l[0] ?? 0)));
  const data = {};
  race.losses.forEach((l, i) => { data[`r${i}`] = l.map((v) => (Math.abs(v) <= bound ? v : Number.NaN)); });
  return data;
}

// ∇f at a point, from the engine: one plain SGD step with lr = 1 goes from p to p − ∇f(p).
const gradients = new Map();
function gradientAt(point) {
  const key = `${surfaceFunction(s)}|${point[0]}|${point[1]}`;
  if (!gradients.has(key)) {
    if (gradients.size > 500) gradients.clear();
    gradients.set(key, optimize({ function: surfaceFunction(s), start: point, optimizer: { name: "sgd", lr: 1 }, steps: 1 })
      .then((r) => { const p = toNumbers(r.path); return [p[0][0] - p[1][0], p[0][1] - p[1][1]]; })
      .catch(() => null));
  }
  return gradients.get(key);
}

/** Each racer's step k in numbers (race-arrows.js), with ∇f where it is already known. */
function infos(k, known = []) {
  return race.paths.map((path, i) => {
    const r = s.racers[i];
    const step = Math.min(k, path.length - 2);
    return r ? inspect(path, step, r.name, racerParams(r), known[i] ?? null) : null;
  });
}

function drawInspection(k, list) {
  drawArrows(plot, list.map((info, i) => ({ info, style: RACER_STYLE[i % RACER_STYLE.length], lr: racerParams(s.racers[i] || {}).lr })));
  showFinals($("race-racers"), race.losses, k, list);
}

let inspecting = 0;
/** Paused: fetch ∇f at every racer's point and draw the arrows with it. */
async function inspectStep(k) {
  const mine = (inspecting += 1);
  const seq = race.seq;
  const known = await Promise.all(race.paths.map((path) => {
    const p = path[Math.min(k, path.length - 2)];
    return p && p.every(Number.isFinite) ? gradientAt(p) : null;
  }));
  if (mine !== inspecting || seq !== race.seq || race.k !== k) return;
  drawInspection(k, infos(k, known));
  $("race-plot").dataset.inspected = String(k);
}

function show(k) {
  race.k = k;
  plot.reveal(k);
  chart?.update(chartData(), { reveal: k + 1, maxX: race.n, xLabel: t("race.axis", { n: race.n }) });
  drawInspection(k, infos(k));
  $("race-step").textContent = `${k} / ${race.n}`;
  if (!race.playing) inspectStep(k);
}

function setPlaying(playing) {
  race.playing = playing;
  const button = $("race-play");
  button.setAttribute("aria-pressed", String(playing));
  const key = playing ? "race.pause" : race.k >= race.n && race.n ? "race.replay" : "race.run";
  button.dataset.i18nTitle = key;
  button.dataset.i18nAriaLabel = key;
  button.title = t(key);
  button.setAttribute("aria-label", t(key));
}

function play() {
  if (!race.n || race.playing) return;
  if (race.k >= race.n) show(0);
  setPlaying(true);
  const per = Math.max(1, Math.ceil(race.n / FRAMES));
  const tick = () => {
    if (!race.playing) return;
    show(Math.min(race.n, race.k + per));
    if (race.k >= race.n) {
      setPlaying(false);
      inspectStep(race.k);
    } else race.frame = requestAnimationFrame(tick);
  };
  race.frame = requestAnimationFrame(tick);
}

function pause() {
  cancelAnimationFrame(race.frame);
  setPlaying(false);
  if (race.n) inspectStep(race.k);
}

async function compute({ instant = false } = {}) {
  const seq = (race.seq += 1);
  cancelAnimationFrame(race.frame);
  setPlaying(false);
  $("race-start").textContent = pointText(s.start);
  try {
    const surface = surfaceFunction(s);
    const needGrid = !grids.has(surface);
    const results = await Promise.all(s.racers.map((r, i) => optimize(optimizeBody(s, r, needGrid && i === 0))));
    if (seq !== race.seq) return;
    if (needGrid) {
      const g = results[0].grid;
      grids.set(surface, { grid: { x: toNumbers(g.x), y: toNumbers(g.y), values: toNumbers(g.values) },
        minimum: results[0].minimum });
    }
    const { grid, minimum } = grids.get(surface);
    plot.setSurface(grid, minimum);
    plot.setStart(s.start);
    race.paths = results.map((r) => toNumbers(r.path));
    race.losses = results.map((r) => toNumbers(r.losses));
    race.n = Math.max(...race.paths.map((p) => p.length - 1));
    plot.setRacers(race.paths.map((path, i) => ({ path, style: RACER_STYLE[i % RACER_STYLE.length] })));
    makeChart();
    $("race-error").hidden = true;
    $("race-plot").dataset.seq = String(seq);
    if (instant) {
      show(race.n); // a changed setting: the whole new race at once, as Distill's sliders do
    } else {
      show(0);
      play();
    }
  } catch (error) {
    if (seq !== race.seq) return;
    $("race-error").textContent = t(s.surface === "expression" ? "race.exprError" : "race.error", { message: error.message || String(error) });
    $("race-error").hidden = false;
  }
}

$("race-play").addEventListener("click", () => (race.playing ? pause() : play()));

// Keyboard: on the plot the arrows move the start (one request after the keys settle), Enter races.
let nudgeTimer = null;
$("race-plot").addEventListener("keydown", (event) => {
  const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
  if (event.key === "Enter") {
    play();
  } else if (moves[event.key]) {
    const { x, y } = plot.ranges();
    const [dx, dy] = moves[event.key];
    const step = event.shiftKey ? 0.1 : 0.025;
    s.start = [Number((s.start[0] + dx * step * (x[1] - x[0])).toFixed(3)),
      Number((s.start[1] + dy * step * (y[1] - y[0])).toFixed(3))];
    plot.setStart(s.start);
    clearTimeout(nudgeTimer);
    nudgeTimer = setTimeout(() => { store.persist(); compute({ instant: true }); }, 300);
  } else return;
  event.preventDefault();
});
// Space plays / pauses, Home and End jump to the race's first and last step.
document.addEventListener("keydown", (event) => {
  if (!isShortcut(event)) return;
  if (event.key === " ") {
    if (event.target instanceof HTMLButtonElement || event.target.closest?.("select")) return;
    if (race.playing) pause();
    else play();
  } else if (event.key === "Home" || event.key === "End") {
    pause();
    show(event.key === "Home" ? 0 : race.n);
    setPlaying(false);
  } else return;
  event.preventDefault();
});

onLanguageChange(() => {
  translate(document);
  drawRacers({ force: true }); // the optimisers' descriptions are in the server's two languages
  if (race.n) {
    makeChart();
    show(race.k);
  }
  setPlaying(race.playing);
  $("race-start").textContent = pointText(s.start);
});
document.addEventListener(THEME_EVENT, () => race.n && show(race.k));

// The classroom: presenter view (p) and a lesson's steps on this page. A step naming a surface gets
// that surface's preset (start, steps, racers) for whatever it leaves out, as a link does.
const presenter = createPlotPresenter();
createPageLesson({
  page: "optimizers",
  apply(stepState, options) {
    const patch = lessonPatch(FIELDS, stepState, options);
    const preset = SURFACES.includes(patch.surface) ? PRESETS[patch.surface] : null;
    if (!preset) delete patch.surface;
    for (const name of ["start", "steps", "racers"]) {
      if (preset && !(name in stepState)) patch[name] = JSON.parse(JSON.stringify(preset[name]));
    }
    change(patch, { rebuild: true });
  },
  ownsArrows: (event) => event.target === $("race-plot"), // there they move the start
  isPresenting: () => presenter.presenting,
});

drawRacers();
setPlaying(false);
translate(document);
compute();
