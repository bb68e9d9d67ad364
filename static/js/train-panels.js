// The /train controls: data-set thumbnails, data sliders, model selects, the optimiser with its
// own hyper-parameters, the rate schedule, L2 and the view toggles — all built from the state's
// declarations; every edit goes through change(patch).
import { getLanguage, t } from "./i18n.js";
import { checkField, numberField, rangeField, selectField } from "./train-controls.js";
import { describe, OPTIMIZER_NAMES, renderParams } from "./train-optimizers.js";
import {
  ACTIVATIONS, DATASETS, INITS, isRegression, lossesFor, MAX_CLASSES, MULTICLASS, optimizerParams, SCHEDULES,
} from "./train-state.js";
import { drawThumb } from "./train-thumbs.js";

const $ = (id) => document.getElementById(id);
export const L2_VALUES = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
export const L1_VALUES = L2_VALUES;
const percent = (v) => `${Math.round(v * 100)} %`;

export function buildControls({ state: s, change, regenerate }) {
  const thumbs = $("tr-datasets");
  for (const name of DATASETS) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "tr-thumb";
    b.dataset.dataset = name;
    b.dataset.i18nTitle = `train.dataset.${name}`;
    b.dataset.i18nAriaLabel = `train.dataset.${name}`;
    b.title = t(`train.dataset.${name}`);
    b.setAttribute("aria-label", t(`train.dataset.${name}`));
    const c = document.createElement("canvas");
    c.width = 64;
    c.height = 64;
    c.setAttribute("aria-hidden", "true");
    b.append(c);
    b.addEventListener("click", () => {
      const patch = { dataset: name };
      const losses = lossesFor({ ...s, dataset: name });
      if (!losses.includes(s.loss)) patch.loss = losses[0];
      change(patch);
    });
    thumbs.append(b);
  }

  function redrawThumbs() {
    for (const b of thumbs.querySelectorAll(".tr-thumb")) {
      const name = b.dataset.dataset;
      drawThumb(b.querySelector("canvas"), name, name === "custom" ? s.points : null, s.task === "regression");
      b.setAttribute("aria-pressed", String(name === s.dataset));
      b.classList.toggle("tr-thumb-regression", isRegression(name) || (name === "custom" && s.task === "regression"));
      b.disabled = name === "custom" && !s.points.length && s.dataset !== "custom";
    }
  }

  const data = $("tr-data-fields");
  rangeField(data, {
    id: "tr-split", labelKey: "train.split", min: 0.1, max: 0.9, step: 0.1, value: s.testFraction,
    format: percent, onChange: (v) => change({ testFraction: v }),
  });
  const noise = rangeField(data, {
    id: "tr-noise", labelKey: "train.noise", min: 0, max: 0.5, step: 0.05, value: s.noise,
    format: percent, onChange: (v) => change({ noise: v }),
  });
  rangeField(data, {
    id: "tr-batch", labelKey: "train.batch", min: 1, max: 30, step: 1, value: s.batchSize,
    onChange: (v) => change({ batchSize: v }),
  });
  const samples = rangeField(data, {
    id: "tr-samples", labelKey: "train.samples", min: 50, max: 500, step: 50, value: s.samples,
    onChange: (v) => change({ samples: v }),
  });
  const classHost = document.createElement("div");
  classHost.className = "tr-classes-host";
  data.append(classHost);
  function classesView() {
    classHost.replaceChildren();
    classHost.hidden = !MULTICLASS.includes(s.dataset);
    // Your own data has its own points: no generator's count or noise.
    for (const input of [samples, noise]) input.closest(".cr-field").hidden = s.dataset === "custom";
    selectField(classHost, {
      id: "tr-classes", labelKey: "train.classes", value: String(s.classes),
      options: Array.from({ length: MAX_CLASSES - 1 }, (_, i) => ({ value: String(i + 2), key: `train.classes.${i + 2}` })),
      onChange: (v) => {
        const patch = { classes: Number(v) };
        const losses = lossesFor({ ...s, ...patch });
        if (!losses.includes(s.loss)) patch.loss = losses[0];
        change(patch);
      },
    });
  }
  $("tr-regenerate").addEventListener("click", regenerate);

  const model = $("tr-model-fields");
  selectField(model, {
    id: "tr-activation", labelKey: "train.activation", value: s.activation,
    options: ACTIVATIONS.map((a) => ({ value: a, key: `act.${a}` })), onChange: (v) => change({ activation: v }),
  });
  selectField(model, {
    id: "tr-init", labelKey: "train.init", value: s.init,
    options: INITS.map((a) => ({ value: a, key: `init.${a}` })), onChange: (v) => change({ init: v }),
  });
  const lossHost = document.createElement("div");
  lossHost.className = "tr-loss-host";
  model.append(lossHost);
  function lossSelect() {
    lossHost.replaceChildren();
    selectField(lossHost, {
      id: "tr-loss", labelKey: "train.loss", value: s.loss,
      options: lossesFor(s).map((a) => ({ value: a, key: `loss.${a}` })), onChange: (v) => change({ loss: v }),
    });
  }

  const learn = $("tr-learn-fields");
  selectField(learn, {
    id: "tr-optimizer", labelKey: "train.optimizer", value: s.optimizer,
    options: OPTIMIZER_NAMES.map((a) => ({ value: a, key: `optname.${a}` })), onChange: (v) => change({ optimizer: v }),
  });
  selectField(learn, {
    id: "tr-l2", labelKey: "train.l2", value: String(s.l2),
    options: L2_VALUES.map((v) => ({ value: String(v), key: `l2.${v}` })),
    onChange: (v) => change({ l2: Number(v) }),
  });
  selectField(learn, {
    id: "tr-l1", labelKey: "train.l1", value: String(s.l1),
    options: L1_VALUES.map((v) => ({ value: String(v), key: `l2.${v}` })),
    onChange: (v) => change({ l1: Number(v) }),
  });
  selectField(learn, {
    id: "tr-schedule", labelKey: "train.schedule", value: s.schedule,
    options: SCHEDULES.map((a) => ({ value: a, key: `sched.${a}` })), onChange: (v) => change({ schedule: v }),
  });

  function optimizerParamsView() {
    renderParams($("tr-opt-params"), s.optimizer, optimizerParams(s), {
      prefix: "tr-opt", labelFor: (k) => t(`opt.${k}`), about: describe(s.optimizer, getLanguage()),
      onChange: (key, value) => change({ [`${s.optimizer}.${key}`]: value }),
    });
  }

  function scheduleView() {
    const host = $("tr-sched-params");
    host.replaceChildren();
    if (s.schedule === "step") {
      numberField(host, { id: "tr-step-size", labelKey: "train.stepSize", min: 1, step: 1, value: s.stepSize,
        onChange: (v) => change({ stepSize: Math.max(1, Math.round(v)) }) });
      numberField(host, { id: "tr-gamma", labelKey: "train.gamma", min: 0, step: 0.05, value: s.gamma,
        onChange: (v) => change({ gamma: v }) });
    } else if (s.schedule === "multistep") {
      const input = document.createElement("input");
      Object.assign(input, { type: "text", id: "tr-milestones", value: s.milestones.join(", "), inputMode: "numeric" });
      input.addEventListener("change", () => {
        const list = input.value.split(/[\s,;]+/).filter(Boolean).map(Number);
        if (list.length && list.every((v) => Number.isInteger(v) && v > 0)) change({ milestones: [...new Set(list)].sort((a, b) => a - b) });
        else input.value = s.milestones.join(", ");
      });
      const wrap = document.createElement("label");
      wrap.className = "cr-field";
      wrap.htmlFor = input.id;
      const text = document.createElement("span");
      text.className = "cr-field-label";
      text.dataset.i18n = "train.milestones";
      text.textContent = t("train.milestones");
      wrap.append(text, input);
      host.append(wrap);
      numberField(host, { id: "tr-gamma", labelKey: "train.gamma", min: 0, step: 0.05, value: s.gamma,
        onChange: (v) => change({ gamma: v }) });
    } else if (s.schedule === "cosine") {
      numberField(host, { id: "tr-tmax", labelKey: "train.tMax", min: 1, step: 1, value: s.tMax,
        onChange: (v) => change({ tMax: Math.max(1, Math.round(v)) }) });
      numberField(host, { id: "tr-eta-min", labelKey: "train.etaMin", min: 0, step: 0.001, value: s.etaMin,
        onChange: (v) => change({ etaMin: Math.max(0, v) }) });
    } else if (s.schedule === "exponential") {
      numberField(host, { id: "tr-exp-gamma", labelKey: "train.gamma", min: 0, step: 0.01, value: s.expGamma,
        onChange: (v) => change({ expGamma: v }) });
    } else if (s.schedule === "inverse_time") {
      numberField(host, { id: "tr-decay-rate", labelKey: "train.decayRate", min: 0, step: 0.1, value: s.decayRate,
        onChange: (v) => change({ decayRate: v }) });
    }
  }

  const toggles = $("tr-toggles");
  checkField(toggles, { id: "tr-show-test", labelKey: "train.showTest", value: s.showTest,
    onChange: (v) => change({ showTest: v }) });
  checkField(toggles, { id: "tr-discretize", labelKey: "train.discretize", value: s.discretize,
    onChange: (v) => change({ discretize: v }) });

  /** Bring the controls that depend on other fields up to date after a change. */
  function sync(changed) {
    if (changed.includes("dataset") || changed.includes("points") || changed.includes("task")) {
      redrawThumbs();
      classesView();
    }
    if (["dataset", "loss", "classes", "points", "task"].some((n) => changed.includes(n))) lossSelect();
    if (changed.includes("optimizer")) optimizerParamsView();
    if (changed.includes("schedule")) scheduleView();
  }

  redrawThumbs();
  classesView();
  lossSelect();
  optimizerParamsView();
  scheduleView();
  /** Re-word what the server says, in the language of the moment. */
  function retranslate() {
    const about = document.querySelector("#tr-opt-params .opt-about");
    if (about) about.textContent = describe(s.optimizer, getLanguage());
  }

  return { sync, redrawThumbs, retranslate };
}
