// The output column of /train: the metrics, the decision-boundary heatmap with the data points,
// the train/test loss curves and the per-layer gradient norms.
import { formatNumber, t } from "./i18n.js";
import { drawClassMap, drawHeatmap, drawPoints, palette } from "./heatmap.js";
import { createLineChart } from "./linechart.js";
import { classCount, isRegression, SQUARE } from "./train-state.js";

const $ = (id) => document.getElementById(id);
// Okabe–Ito colours with a dash pattern each, so no series is told by colour alone.
export const SERIES_STYLE = [
  { color: "#0072B2", dash: "none" },
  { color: "#D55E00", dash: "6 4" },
  { color: "#009E73", dash: "2 3" },
  { color: "#CC79A7", dash: "9 3 2 3" },
  { color: "#E69F00", dash: "12 4" },
  { color: "#56B4E9", dash: "4 2" },
  { color: "#000000", dash: "1 2" },
];

export function createOutputView({ state: s }) {
  const canvas = $("tr-heatmap");
  const lossHost = $("tr-loss-chart");
  const gradHost = $("tr-grad-chart");
  let lossChart = null;
  let gradChart = null;
  let gradLayers = 0;
  let last = null;

  function makeLossChart() {
    lossHost.replaceChildren();
    lossChart = createLineChart(lossHost, {
      ariaLabel: t("train.lossChart.aria"),
      series: [
        { key: "train", label: t("train.series.train"), ...SERIES_STYLE[0] },
        { key: "test", label: t("train.series.test"), ...SERIES_STYLE[1] },
      ],
    });
  }

  function makeGradChart(n) {
    gradHost.replaceChildren();
    gradLayers = n;
    gradChart = createLineChart(gradHost, {
      ariaLabel: t("train.gradChart.aria"),
      height: 130,
      series: Array.from({ length: n }, (_, i) => ({
        key: `W${i + 1}`, label: t("train.layerN", { n: i + 1 }), ...SERIES_STYLE[i % SERIES_STYLE.length],
      })),
    });
  }

  function setText(id, value, digits = 3) {
    $(id).textContent = value === undefined || value === null ? "–" : formatNumber(value, digits);
  }

  function setPercent(id, value) {
    $(id).textContent = typeof value === "number" && Number.isFinite(value)
      ? `${formatNumber(Math.round(value * 1000) / 10, 3)} %` : "–";
  }

  /** Draw one response (see train-run.js's view). */
  function draw(view) {
    last = view;
    const m = view.metrics || {};
    setText("tr-test-loss", m.test_loss);
    setText("tr-train-loss", m.train_loss);
    setPercent("tr-test-acc", m.test_accuracy);
    setPercent("tr-train-acc", m.train_accuracy);
    for (const el of document.querySelectorAll(".tr-acc")) el.hidden = !view.classification;
    legend(view.classification, view.classCount);
    drawMap(view);
    if (!lossChart) makeLossChart();
    const h = view.history;
    // The x-axis is the step counter's own scale; marks show where a setting changed.
    const marks = h.marks.map((m) => ({ x: m.step, label: markLabel(m.label) }));
    const perEpoch = view.trainCount ? Math.ceil(view.trainCount / Math.max(1, s.batchSize)) : null;
    const xLabel = perEpoch ? t("train.axis.stepEpoch", { n: perEpoch }) : t("train.axis.step");
    const axis = { maxX: Math.max(1, view.step), xLabel, marks };
    lossChart.update(h.loss, { log: false, ...axis });
    const n = Object.keys(h.norms).length - 1;
    if (n > 0 && (!gradChart || gradLayers !== n)) makeGradChart(n);
    if (gradChart) gradChart.update(h.norms, { log: true, ...axis });
    lossHost.dataset.marks = String(marks.length);
  }

  function markLabel(label) {
    return t(`train.mark.${label}`) === `train.mark.${label}` ? label : t(`train.mark.${label}`);
  }

  /** Two classes: the theme's two colours; more: one swatch per class; regression: the ramp. */
  function legend(classification, k) {
    for (const el of document.querySelectorAll(".tr-point-legend li")) {
      if (el.querySelector(".tr-dot-test")) continue;
      if (el.classList.contains("tr-legend-target")) el.hidden = classification;
      else if (el.classList.contains("tr-legend-class")) el.hidden = !classification || k <= 2 || Number(el.dataset.class) >= k;
      else el.hidden = !classification || k > 2;
    }
  }

  let previewing = null;

  /** Show neuron `id`'s own output in the big heatmap (null: back to the network's output). */
  function preview(id) {
    previewing = id && last?.neuronGrids[id] ? id : null;
    if (last) drawMap(last);
    canvas.closest("figure").classList.toggle("tr-previewing", Boolean(previewing));
  }

  function drawMap(view) {
    const domain = view.classification ? [0, 1] : [-1, 1];
    const pal = palette();
    canvas.dataset.classes = String(view.classes ? view.classCount : view.classification ? 2 : 0);
    if (view.classes && !previewing) {
      drawClassMap(canvas, view.classes, view.classCount, { pal, strength: s.discretize ? 0.8 : 0.75 });
      canvas.dataset.predicted = String(new Set(view.classes.flat().map(([c]) => c)).size);
    } else if (previewing && view.neuronGrids[previewing]) {
      drawHeatmap(canvas, view.neuronGrids[previewing], { domain: view.neuronDomains[previewing], pal, strength: 0.72 });
    } else if (view.grid) {
      const cut = (domain[0] + domain[1]) / 2;
      const values = s.discretize
        ? view.grid.map((row) => row.map((v) => (v >= cut ? domain[1] : domain[0])))
        : view.grid;
      drawHeatmap(canvas, values, { domain, pal, strength: 0.72 });
    }
    const points = (editing || view.points || []).filter((p) => s.showTest || !p.test);
    drawPoints(canvas, points, { extent: SQUARE, domain, pal, continuous: !view.classification, classes: view.classCount });
  }

  let editing = null;

  /** Draw points being edited (before the server has answered, or when it refused them). */
  function drawEditing(points) {
    editing = points ? points.map(([x, y, label]) => ({ x, y, label, test: false })) : null;
    if (last && editing) {
      drawMap(last);
      return;
    }
    if (!editing) return;
    const k = classCount(s);
    const regression = isRegression(s);
    legend(!regression, k);
    const ctx = canvas.getContext("2d");
    const pal = palette();
    ctx.fillStyle = `rgb(${pal.mid.join(",")})`;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    drawPoints(canvas, editing, { extent: SQUARE, domain: regression ? [-1, 1] : [0, 1], pal, continuous: regression, classes: k });
  }

  function clear() {
    last = null;
    editing = null;
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    makeLossChart();
    lossChart.update({ train: [], test: [] });
    makeGradChart(s.layers.length + 1);
    gradChart.update({});
    for (const id of ["tr-test-loss", "tr-train-loss", "tr-test-acc", "tr-train-acc"]) $(id).textContent = "–";
  }

  function retranslate() {
    lossChart?.setLabels({ train: t("train.series.train"), test: t("train.series.test") }, t("train.lossChart.aria"));
    if (last) draw(last);
  }

  return { draw, clear, retranslate, preview, drawEditing, redraw: () => last && draw(last), canvas };
}
