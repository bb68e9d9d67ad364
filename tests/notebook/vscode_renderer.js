// VS Code's notebook output webview, reduced to what decides how a text/html output runs, ported
// from microsoft/vscode for tests/notebook/test_vscode.py (MIT, © Microsoft Corporation):
//
// - extensions/notebook-renderers/src/index.ts @ 079eae28c0534c3408864bbc5126946a3aaee412:
//   renderHTML (clear the output element, a new <div>, innerHTML = the output's text through the
//   trusted-types policy, append it, then domEval), domEval (every <script> re-created with its
//   text and only the type/src/nonce/noModule/async attributes, appended and removed at once, so
//   classic scripts run in the ONE document shared by every output, and type="module" ones too),
//   renderOutputItem ('remove-padding' on the element; the first <div> inside gets tabIndex 0)
//   and the <style> activate() adds to the document;
// - extensions/notebook-renderers/src/htmlHelper.ts @ 2d77bf8faac5dc8cee43591b6f865bc74e5958ec:
//   ttPolicy = trustedTypes.createPolicy('notebookRenderer', {createHTML: v => v, createScript: v => v});
// - src/vs/workbench/contrib/notebook/browser/view/renderers/webviewPreloads.ts (OutputElement):
//   each output is a div.output with the output's id, position absolute, inside the cell's
//   div.cell_container > div.output_container, all under #container of the one webview document.
//
// The webview document itself (generateContent) and its frame (sandbox, document.write) are set
// up by the test; this module is the preload that renders what the "kernel" sends.

const ttPolicy = window.trustedTypes?.createPolicy("notebookRenderer", {
  createHTML: (value) => value,
  createScript: (value) => value,
});

function clearContainer(container) {
  while (container.firstChild) container.firstChild.remove();
}

const preservedScriptAttributes = ["type", "src", "nonce", "noModule", "async"];

const domEval = (container) => {
  const arr = Array.from(container.getElementsByTagName("script"));
  for (let n = 0; n < arr.length; n++) {
    const node = arr[n];
    const scriptTag = document.createElement("script");
    const trustedScript = ttPolicy?.createScript(node.innerText) ?? node.innerText;
    scriptTag.text = trustedScript;
    for (const key of preservedScriptAttributes) {
      const val = node[key] || (node.getAttribute && node.getAttribute(key));
      if (val) scriptTag.setAttribute(key, val);
    }
    container.appendChild(scriptTag).parentNode.removeChild(scriptTag);
  }
};

function renderHTML(htmlContent, container) {
  clearContainer(container);
  const element = document.createElement("div");
  const trustedHtml = ttPolicy?.createHTML(htmlContent) ?? htmlContent;
  element.innerHTML = trustedHtml;
  container.appendChild(element);
  domEval(element);
}

// activate(): the renderer's own stylesheet in the shared document (the rules that touch an output's box).
const style = document.createElement("style");
style.textContent = `
  #container div.output.remove-padding { padding-left: 0; padding-right: 0; }
  #container div.output>div {
    padding-left: var(--notebook-output-node-left-padding);
    padding-right: var(--notebook-output-node-padding);
    box-sizing: border-box; border-width: 1px; border-style: solid; border-color: transparent;
  }
  #container div.output>div:focus { outline: 0; border-color: var(--theme-input-focus-border-color); }`;
document.body.appendChild(style);

/** One output of one cell, as the preload's OutputElement and the built-in renderer make it. */
window.renderOutput = (cellId, outputId, mime, text, top) => {
  let cell = document.getElementById(cellId);
  if (!cell) {
    cell = document.createElement("div");
    cell.id = cellId;
    cell.className = "cell_container";
    cell.style.cssText = `position: absolute; top: ${top}px; width: 100%`;
    const outputs = document.createElement("div");
    outputs.className = "output_container";
    cell.appendChild(outputs);
    document.getElementById("container").appendChild(cell);
  }
  const element = document.createElement("div");
  element.id = outputId;
  element.classList.add("output");
  element.style.position = "relative"; // absolute at top 0 in VS Code, each cell placed by the editor
  element.style.padding = "0px";
  cell.querySelector(".output_container").appendChild(element);
  element.classList.add("remove-padding");
  if (mime !== "text/html") throw new Error(`this port renders text/html only, not ${mime}`);
  renderHTML(text, element);
  if (element.querySelector("div")) element.querySelector("div").tabIndex = 0;
};
