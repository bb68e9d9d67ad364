// Export the drawing as a standalone SVG or a PNG (through a canvas), the document as JSON.
// Everything happens in the page: no request leaves it. The drawing's stylesheet (graph.css) is
// embedded in the file, so it looks the same anywhere.
import { fullDetail } from "./graph-lod.js";
import { svgStyle } from "./graph-style.js";
const VARS = ["--fg", "--muted", "--bg", "--surface", "--surface-2", "--border", "--accent", "--grad",
  "--wire", "--gate-fill", "--gate-stroke", "--bad", "--stroke", "--graph-text"];

/** A self-contained SVG string of the whole graph (not just the zoomed view), theme colours baked in. */
export function svgString(svg, { embedStyle = true } = {}) {
  const root = svg.querySelector(".viewport");
  const far = svg.classList.contains("far"); // the export always carries every label
  svg.classList.remove("far");
  const box = root.getBBox();
  if (far) svg.classList.add("far");
  const pad = 24;
  const clone = svg.cloneNode(true);
  fullDetail(clone); // every label, as at 100 % (the page's semantic zoom left some out)
  const width = Math.ceil(box.width + 2 * pad);
  const height = Math.ceil(box.height + 2 * pad);
  clone.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  clone.setAttribute("viewBox", `${Math.floor(box.x - pad)} ${Math.floor(box.y - pad)} ${width} ${height}`);
  clone.setAttribute("width", String(width));
  clone.setAttribute("height", String(height));
  clone.removeAttribute("tabindex");
  clone.removeAttribute("style");
  clone.classList.remove("far", "panning", "spotlight");
  clone.querySelector(".viewport").removeAttribute("transform");
  const computed = getComputedStyle(svg);
  const vars = VARS.map((name) => `${name}: ${computed.getPropertyValue(name).trim() || "initial"};`).join(" ");
  // A detached clone: its <style> is never applied to this page, so the CSP has nothing to block.
  if (embedStyle) { // a page showing the markup inline styles it with graph.css instead
    const style = document.createElementNS("http://www.w3.org/2000/svg", "style");
    style.textContent = `.graph { ${vars} }\n${svgStyle()}`;
    clone.insertBefore(style, clone.querySelector(".viewport"));
  }
  const background = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  for (const [k, v] of Object.entries({ x: box.x - pad, y: box.y - pad, width, height, fill: computed.getPropertyValue("--bg").trim() || "#ffffff" })) {
    background.setAttribute(k, String(v));
  }
  clone.querySelector(".viewport").prepend(background);
  // Hidden (not yet reached) labels stay hidden; gradients hidden with `g` are dropped.
  // Masks ("?") stay where a number is hidden; the hidden numbers themselves are dropped.
  if (svg.classList.contains("hide-grads")) clone.querySelectorAll("[data-node].grad:not(.revealed), [data-edge].grad:not(.revealed)").forEach((el) => el.remove());
  if (svg.classList.contains("hide-values")) clone.querySelectorAll("[data-op].val:not(.revealed)").forEach((el) => el.remove());
  clone.querySelectorAll("[tabindex]").forEach((el) => el.removeAttribute("tabindex"));
  return new XMLSerializer().serializeToString(clone);
}

export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function exportSvg(svg, filename = "chainrule-graph.svg") {
  download(new Blob([svgString(svg)], { type: "image/svg+xml" }), filename);
}

/** Rasterise the standalone SVG at 2× on a canvas. */
export function exportPng(svg, filename = "chainrule-graph.png", scale = 2) {
  const text = svgString(svg);
  const width = Number(/width="(\d+)"/.exec(text)?.[1] || 800);
  const height = Number(/height="(\d+)"/.exec(text)?.[1] || 600);
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = Math.min(8192, width * scale);
      canvas.height = Math.min(8192, height * scale);
      const context = canvas.getContext("2d");
      context.setTransform(canvas.width / width, 0, 0, canvas.height / height, 0, 0);
      context.drawImage(image, 0, 0, width, height);
      canvas.toBlob((blob) => {
        if (!blob) { reject(new Error("PNG encoding failed")); return; }
        download(blob, filename);
        resolve();
      }, "image/png");
    };
    image.onerror = () => reject(new Error("the SVG could not be rasterised"));
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  });
}

export function exportJson(doc, request, filename = "chainrule-graph.json") {
  // The API's document as it came, plus the request that reproduces it.
  const body = JSON.stringify({ ...doc, request }, null, 2);
  download(new Blob([body], { type: "application/json" }), filename);
}
