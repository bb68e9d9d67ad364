// /train — the page's entry: one state object (train-state.js) mirrored to the URL, a run that
// repeatedly POSTs /api/v1/train with the returned `state` (the server keeps nothing), and the
// views (network, heatmap, charts) redrawn from each response.
import "./strings-train.js";
import { formatNumber, getLanguage, onLanguageChange, t, translate } from "./i18n.js";
import { ApiError } from "./api.js";
import { isShortcut, THEME_EVENT } from "./theme.js";
import {
  createTrainState, FEATURES, isLive, MAX_LAYERS, MAX_NEURONS, stepsPerEpoch, VIEW_ONLY,
} from "./train-state.js";
import { loadOptimizers } from "./train-optimizers.js";
import { createNetworkView } from "./network-view.js";
import { drawClassMap } from "./heatmap.js";
import { createRun } from "./train-run.js";
import { buildControls } from "./train-panels.js";
import { createOutputView } from "./train-output.js";
import { createDataEditor } from "./data-editor.js";
import { createWeightCard, GRAPH_LIMIT } from "./weight-card.js";
import { createPageLesson } from "./page-lesson.js";
import { createPlotPresenter } from "./page-presenter.js";

await loadOptimizers(); // the server's declaration of every optimiser, before the state reads it
const store = createTrainState();
const s = store.state;
const $ = (id) => document.getElementById(id);

const output = createOutputView({ state: s, store });
const network = createNetworkView($("tr-network"), {
  features: FEATURES,
  t,
  on: {
    toggleFeature(name) {
      const on = s.features.includes(name);
      if (on && s.features.length === 1) return;
      const next = on ? s.features.filter((f) => f !== name) : FEATURES.filter((f) => f === name || s.features.includes(f));
      change({ features: next });
    },
    addLayer() {
      if (s.layers.length < MAX_LAYERS) change({ layers: [...s.layers, 2] });
    },
    removeLayer() {
      if (s.layers.length) change({ layers: s.layers.slice(0, -1) });
    },
    addNeuron(i) {
      if (s.layers[i] < MAX_NEURONS) change({ layers: s.layers.map((n, k) => (k === i ? n + 1 : n)) });
    },
    removeNeuron(i) {
      if (s.layers[i] > 1) change({ layers: s.layers.map((n, k) => (k === i ? n - 1 : n)) });
    },
    preview(id) {
      output.preview(id);
    },
    edit(target, element) {
      const sources = target.layer === 0 ? s.features.length : s.layers[target.layer - 1];
      card.open(target, element, sources);
    },
  },
});

const run = createRun({
  state: s,
  onResult(view) {
    output.draw(view);
    network.drawNeurons(view.neuronGrids, view.neuronDomains);
    const out = document.querySelector("canvas.nv-canvas[data-node='out']");
    if (view.classes && out) drawClassMap(out, view.classes, view.classCount);
    network.drawWeights(view.weights);
    showCounters(view);
    showPace();
    hideError();
  },
  onError(error) {
    pause();
    showError(error);
  },
  onBusy(busy) {
    $("train").dataset.busy = String(busy);
  },
});

const card = createWeightCard($("tr-network").closest("section"), {
  run,
  batchSize: () => s.batchSize,
  // The output of softmax cross-entropy is drawn as one score's lead over the other: no single weight to type.
  editable: (target) => (target.layer === s.layers.length && (run.last?.outputs ?? 1) > 1 ? "wc.noEdit" : null),
  // No step: the pictures and the loss redrawn at once with the typed weight (the next step starts from it).
  onEdited: () => !run.playing && run.advance(0),
});

const editor = createDataEditor({
  state: s,
  canvas: $("tr-heatmap"),
  host: $("tr-data-editor"),
  change,
  generated: () => (run.last?.points || []),
  onEditing: (points) => output.drawEditing(points),
});

function showPace() {
  const { epochs, rtt } = run.pacer.info;
  const el = $("tr-pace");
  el.dataset.epochs = String(epochs);
  el.textContent = rtt === null ? "" : t("train.pace", { n: epochs, ms: rtt });
}

function showCounters(view) {
  const epoch = String(view.epoch ?? 0).padStart(6, "0");
  $("tr-epoch").textContent = `${epoch.slice(0, 3)}${getLanguage() === "pt-BR" ? "." : ","}${epoch.slice(3)}`;
  $("tr-stepcount").textContent = String(view.step ?? 0);
  $("tr-lr").textContent = view.lr === undefined || view.lr === null ? "–" : formatNumber(view.lr, 3);
}

function showError(error) {
  const box = $("tr-error");
  const message = error instanceof ApiError ? error.message : String(error?.message || error);
  box.textContent = t("train.error", { message });
  box.hidden = false;
}

function hideError() {
  $("tr-error").hidden = true;
}

/**
 * Change the configuration and mirror it to the URL. Drawing options redraw; live settings
 * (rate, L1/L2, schedule, batch size, optimiser) go on from the current step, marked on the
 * loss chart; anything else (data, features, architecture) starts over and says why.
 */
function change(patch) {
  const changed = store.set(patch);
  if (!changed.length) return;
  if (changed.every((name) => VIEW_ONLY.includes(name))) {
    output.redraw();
    return;
  }
  panels.sync(changed);
  editor.sync();
  if (changed.includes("batchSize")) graphHint();
  if (run.last && changed.every(isLive)) {
    card.close();
    const hyper = changed.find((n) => n.includes("."));
    const name = hyper ? (hyper.endsWith(".lr") ? "lr" : "hyper") : changed[0];
    run.mark(name);
    say("train.live", { whatKey: `train.mark.${name}` });
    if (!run.playing) output.redraw();
    return;
  }
  network.render(s);
  const why = changed.find((n) => !isLive(n) && !VIEW_ONLY.includes(n));
  restart(why);
}

/** The status line; a parameter named fooKey is itself a string key, worded in the language of the moment. */
function say(key, params = {}) {
  const el = $("tr-status");
  el.dataset.key = key;
  el.dataset.params = JSON.stringify(params);
  const worded = Object.fromEntries(Object.entries(params).map(([k, v]) => (k.endsWith("Key") ? [k.slice(0, -3), t(v)] : [k, v])));
  el.textContent = t(key, worded);
}

/** Back to step 0 with the current configuration (`why`: the field that forced it); play goes on. */
function restart(why = null) {
  const wasPlaying = run.playing;
  pause();
  card.close();
  run.reset();
  output.clear();
  if (s.dataset === "custom") output.drawEditing(s.points);
  showCounters({ epoch: 0, step: 0, lr: null });
  if (why) say("train.restarted", { whatKey: `train.why.${why}` });
  else say("train.fresh");
  if (s.dataset === "custom" && s.points.length < 2) {
    say("data.needPoints");
    return;
  }
  run.advance(0).then((ok) => {
    if (ok) output.drawEditing(null);
    if (ok && wasPlaying) play();
  });
}

const epochSteps = () => stepsPerEpoch(s, run.last?.trainCount ?? null);

function setPlaying(playing) {
  const button = $("tr-play");
  button.setAttribute("aria-pressed", String(playing));
  const key = playing ? "train.pause" : "train.play";
  button.dataset.i18nTitle = key;
  button.dataset.i18nAriaLabel = key;
  button.title = t(key);
  button.setAttribute("aria-label", t(key));
  document.body.classList.toggle("tr-playing", playing);
}

function play() {
  setPlaying(true);
  run.play(epochSteps).finally(() => setPlaying(run.playing));
}

function pause() {
  run.pause();
  setPlaying(false);
}

const panels = buildControls({ state: s, change, regenerate: () => change({ seed: (s.seed % 9999) + 1 }) });

$("tr-play").addEventListener("click", () => (run.playing ? pause() : play()));
$("tr-step").addEventListener("click", () => {
  pause();
  run.advance(epochSteps());
});
$("tr-reset").addEventListener("click", () => {
  pause();
  restart();
});
document.addEventListener("keydown", (event) => {
  if (!isShortcut(event) || event.target.closest?.("select")) return;
  if (event.key === " " && !(event.target instanceof HTMLButtonElement) && !(event.target instanceof HTMLInputElement)) {
    if (run.playing) pause();
    else play();
  } else if (event.key === "ArrowRight" && !(event.target instanceof HTMLInputElement)) {
    pause();
    run.advance(epochSteps());
  } else if (event.key === "r") {
    pause();
    restart();
  } else return;
  event.preventDefault();
});

// The graph playground opens the next minibatch as the run will use it: the real batch size
// (the server draws at most GRAPH_LIMIT points in one graph, and the hint says so).
const graphBatch = () => Math.min(s.batchSize, GRAPH_LIMIT);
function graphHint() {
  const key = s.batchSize > GRAPH_LIMIT ? "train.openGraph.hintPart" : "train.openGraph.hint";
  $("tr-graph-hint").textContent = t(key, { n: graphBatch(), batch: s.batchSize });
}
graphHint();
$("tr-graph-link").addEventListener("click", async (event) => {
  event.preventDefault();
  pause();
  try {
    location.assign(await run.graphLink(graphBatch()));
  } catch (error) {
    showError(error);
  }
});

onLanguageChange(() => {
  translate(document);
  network.retranslate();
  output.retranslate();
  editor.retranslate();
  panels.retranslate();
  graphHint();
  showPace();
  const status = $("tr-status");
  if (status.dataset.key) say(status.dataset.key, JSON.parse(status.dataset.params || "{}"));
  setPlaying(run.playing);
  if (run.last) showCounters(run.last);
});
document.addEventListener(THEME_EVENT, () => {
  panels.redrawThumbs();
  network.render(s, { force: true });
  if (run.last) run.redraw();
});

// The classroom: presenter view (p) and the lesson bar.
const presenter = createPlotPresenter();
// The controls are built from the address once, so a lesson step reloads the page at its link.
createPageLesson({ page: "train", fields: store.fields, isPresenting: () => presenter.presenting });

network.render(s);
setPlaying(false);
translate(document);
restart();
