// Every step of the trace as its own SVG, in one ZIP, with the written-out steps as text: the
// figures for a teacher's slides. The drawing is moved through the steps (attribute flips only)
// and put back where it was.
import { download, svgString } from "./export.js";
import { explainStep, linesText } from "./graph-explain.js";
import { t } from "./i18n.js";
import { zipBlob } from "./zip.js";

export function exportAllSteps(graph, doc, backTo, filename = "chainrule-steps.zip") {
  const files = [];
  const text = [];
  const width = String(doc.steps.length).length;
  for (let k = 0; k < doc.steps.length; k++) {
    graph.setStep(k);
    const name = `step-${String(k + 1).padStart(width, "0")}.svg`;
    files.push({ name, text: svgString(graph.svg) });
    const { phase, node, lines } = explainStep(doc, k);
    text.push(`${name}  ${t(`phase.${phase}`)} · ${t("phase.node", { name: node })}\n${linesText(lines)}\n`);
  }
  graph.setStep(backTo);
  files.push({ name: "steps.txt", text: text.join("\n") });
  download(zipBlob(files), filename);
  return files.length;
}
