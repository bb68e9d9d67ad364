// /train — the page's entry: one state object (train-state.js) mirrored to the URL, a run that
// repeatedly POSTs /api/v1/train with the returned `state` (the server keeps nothing), and the
// views (network, heatmap, charts) redrawn from each response.
import "./strings-train.js";
import { formatNumber, getLanguage, onLanguageChange, t, translate } from "./i18n.js";
import { ApiError } from "./api.js";
import { isShortcut, THEME_EVENT } from "./theme.js";
import { createTrainState, FEATURES, MAX_LAYERS, MAX_NEURONS, stepsPerEpoch } from "./train-state.js";
import { createNetworkView } from "./network-view.js";
import { createRun } from "./train-run.js";
import { buildControls } from "./train-panels.js";
import { createOutputView } from "./train-output.js";

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
  },
});

const run = createRun({
  state: s,
  onResult(view) {
    output.draw(view);
    network.drawNeurons(view.neuronGrids, view.neuronDomains);
    network.drawWeights(view.weights);
    showCounters(view);
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

/** Change the configuration: mirror to the URL, rebuild what depends on it, restart the run. */
const VIEW_ONLY = ["showTest", "discretize"]; // drawing options: the run goes on untouched

function change(patch) {
  const changed = store.set(patch);
  if (!changed.length) return;
  if (changed.every((name) => VIEW_ONLY.includes(name))) {
    output.redraw();
    return;
  }
  panels.sync(changed);
  network.render(s);
  restart();
}

/** Back to step 0 with the current configuration; a run that was playing plays on. */
function restart() {
  const wasPlaying = run.playing;
  pause();
  run.reset();
  output.clear();
  showCounters({ epoch: 0, step: 0, lr: null });
  run.advance(0).then((ok) => {
    if (ok && wasPlaying) play();
  });
}

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
  run.play(() => stepsPerEpoch(s)).finally(() => setPlaying(run.playing));
}

function pause() {
  run.pause();
  setPlaying(false);
}

const panels = buildControls({ state: s, change, regenerate: () => change({ seed: (s.seed % 9999) + 1 }) });

$("tr-play").addEventListener("click", () => (run.playing ? pause() : play()));
$("tr-step").addEventListener("click", () => {
  pause();
  run.advance(stepsPerEpoch(s));
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
    run.advance(stepsPerEpoch(s));
  } else if (event.key === "r") {
    pause();
    restart();
  } else return;
  event.preventDefault();
});

const GRAPH_BATCH = 4;
$("tr-graph-hint").textContent = t("train.openGraph.hint", { n: GRAPH_BATCH });
$("tr-graph-link").addEventListener("click", async (event) => {
  event.preventDefault();
  pause();
  try {
    location.assign(await run.graphLink(GRAPH_BATCH));
  } catch (error) {
    showError(error);
  }
});

onLanguageChange(() => {
  translate(document);
  network.retranslate();
  output.retranslate();
  $("tr-graph-hint").textContent = t("train.openGraph.hint", { n: GRAPH_BATCH });
  setPlaying(run.playing);
  if (run.last) showCounters(run.last);
});
document.addEventListener(THEME_EVENT, () => {
  panels.redrawThumbs();
  network.render(s, { force: true });
  if (run.last) run.redraw();
});

network.render(s);
setPlaying(false);
translate(document);
restart();
