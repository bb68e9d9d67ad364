// "Link for the class": the TensorFlow Playground's hide-controls panel. The teacher ticks what the
// students should not see (and presenter / embed / quiz / hidden gradients); the link is this page
// as it is now plus those choices, ready to paste into a course page or an assignment.
import { t } from "./i18n.js";

const HIDE = { editor: "editor.label", inputs: "inputs.label", presets: "preset.label", lessons: "lesson.label",
  legend: "legend.label", check: "check.label", export: "export.label", keys: "keys.label" };
const MODES = { present: "share.present", embed: "share.embed", quiz: "share.quiz", quiz2: "share.quizForward",
  grads: "share.grads" };

export function createShare(page) {
  const { $ } = page;
  const box = $("share-options");

  function option(name, key) {
    const label = document.createElement("label");
    label.className = "share-option";
    const input = document.createElement("input");
    input.type = "checkbox";
    input.value = name;
    input.addEventListener("change", update);
    const text = document.createElement("span");
    text.dataset.key = key;
    text.textContent = t(key);
    label.append(input, text);
    return label;
  }

  function build() {
    const checked = new Set([...box.querySelectorAll("input:checked")].map((el) => el.value));
    const title = document.createElement("span");
    title.className = "share-title";
    title.textContent = t("share.hideTitle");
    box.replaceChildren(...Object.entries(MODES).map(([name, key]) => option(name, key)), title,
      ...Object.entries(HIDE).map(([name, key]) => option(`hide:${name}`, key)));
    for (const input of box.querySelectorAll("input")) input.checked = checked.has(input.value);
    update();
  }

  /** The current page's link with the ticked choices. */
  function link() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const ticked = [...box.querySelectorAll("input:checked")].map((el) => el.value);
    const hide = ticked.filter((v) => v.startsWith("hide:")).map((v) => v.slice(5));
    for (const name of ["present", "embed", "hide", "quiz", "grads", "view"]) params.delete(name);
    if (hide.length) params.set("hide", hide.join(","));
    if (ticked.includes("present")) params.set("present", "1");
    if (ticked.includes("embed")) params.set("embed", "1");
    if (ticked.includes("quiz") || ticked.includes("quiz2")) params.set("quiz", ticked.includes("quiz2") ? "2" : "1");
    if (ticked.includes("grads")) params.set("grads", "0");
    return `${location.origin}${location.pathname}#${params.toString()}`;
  }

  function update() {
    $("share-link").value = link();
    $("share-status").textContent = "";
  }

  $("share-copy").addEventListener("click", async () => {
    update();
    $("share-link").select();
    try {
      await navigator.clipboard.writeText($("share-link").value);
      $("share-status").textContent = t("share.copied");
    } catch {
      $("share-status").textContent = t("share.select"); // no clipboard here: the text is selected
    }
  });
  page.on("draw", update);
  page.on("document", update);
  return { build, link };
}
