"""The offline API reference page at /docs: drawn in the browser from /openapi.json.

FastAPI's Swagger UI loads its scripts from a CDN; chainrule works offline, so this small page
lists every operation with its schema, an example body and a "Send" button instead.
A Python module rather than an .html file so that it is installed with the package.
"""

HTML = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chainrule API reference</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 980px; padding: 1rem 1.5rem 4rem; color: #1d2330; }
  h1 { margin-bottom: .2rem; } .muted { color: #5b6475; }
  details { border: 1px solid #d5dae3; border-radius: 6px; margin: .6rem 0; background: #fbfcfe; }
  summary { cursor: pointer; padding: .5rem .8rem; font-family: ui-monospace, monospace; }
  .method { display: inline-block; min-width: 4.2rem; font-weight: 700; }
  .get { color: #1565c0; } .post { color: #2e7d32; }
  .body { padding: 0 1rem 1rem; }
  pre, textarea { font: 13px/1.4 ui-monospace, monospace; background: #f1f3f7; border-radius: 4px; padding: .6rem; overflow: auto; max-height: 24rem; }
  textarea { width: 100%; box-sizing: border-box; min-height: 8rem; border: 1px solid #c8ced9; }
  button { font: inherit; padding: .3rem 1rem; margin: .4rem 0; cursor: pointer; }
  table { border-collapse: collapse; } td { padding: .1rem .8rem .1rem 0; vertical-align: top; }
  a { color: #1565c0; }
</style>
</head>
<body>
<h1>chainrule API</h1>
<p class="muted">Generated in the browser from <a href="/openapi.json">/openapi.json</a>; no external resources.
  Every error is <code>{"error": {"code", "message", "line"?, "column"?}}</code>.</p>
<div id="intro"></div>
<div id="operations">Loading…</div>
<script type="module">
const spec = await (await fetch("/openapi.json")).json();
const schemas = spec.components?.schemas ?? {};

function resolve(schema, depth = 0) {
  if (!schema || depth > 6) return schema;
  if (schema.$ref) return resolve(schemas[schema.$ref.split("/").pop()], depth + 1);
  const out = Array.isArray(schema) ? [] : {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = value && typeof value === "object" ? resolve(value, depth + 1) : value;
  }
  return out;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, attributes);
  node.append(...children);
  return node;
}

function example(body) {
  const schema = body?.content?.["application/json"]?.schema;
  const resolved = resolve(schema);
  if (!resolved) return "";
  if (resolved.examples?.length) return JSON.stringify(resolved.examples[0], null, 2);
  const sample = {};
  for (const [name, property] of Object.entries(resolved.properties ?? {})) {
    if ("default" in property) sample[name] = property.default;
  }
  return JSON.stringify(sample, null, 2);
}

async function send(method, path, textarea, output) {
  output.textContent = "…";
  const options = { method, headers: {} };
  if (textarea) { options.body = textarea.value; options.headers["content-type"] = "application/json"; }
  const response = await fetch(path, options);
  const text = await response.text();
  let pretty = text;
  try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
  output.textContent = `${response.status} ${response.statusText}\n\n${pretty}`;
}

document.getElementById("intro").append(element("p", { textContent: spec.info?.description ?? "" }));
const list = document.getElementById("operations");
list.textContent = "";
for (const [path, methods] of Object.entries(spec.paths)) {
  for (const [method, operation] of Object.entries(methods)) {
    const body = element("div", { className: "body" });
    if (operation.description) body.append(element("p", { textContent: operation.description }));
    const parameters = operation.parameters ?? [];
    let target = path;
    if (parameters.length) {
      const rows = parameters.map((p) => element("tr", {}, element("td", {}, element("code", { textContent: p.name })),
        element("td", { textContent: `${p.in}${p.required ? ", required" : ""}` }),
        element("td", { textContent: p.description ?? "" })));
      body.append(element("h4", { textContent: "Parameters" }), element("table", {}, ...rows));
      target = path.replace(/\{(\w+)\}/g, (_, name) => (name === "example_id" ? "lecture" : name));
    }
    let textarea = null;
    if (operation.requestBody) {
      const schema = resolve(operation.requestBody.content?.["application/json"]?.schema);
      body.append(element("h4", { textContent: "Request body" }),
        element("pre", { textContent: JSON.stringify(schema, null, 2) }));
      textarea = element("textarea", { value: example(operation.requestBody), spellcheck: false });
      body.append(element("h4", { textContent: "Try it" }));
      const named = Object.entries(operation.requestBody.content?.["application/json"]?.examples ?? {});
      if (named.length) {
        const choose = element("select", {}, ...named.map(([key, item]) =>
          element("option", { value: key, textContent: item.summary ?? key })));
        choose.addEventListener("change", () => {
          textarea.value = JSON.stringify(Object.fromEntries(named)[choose.value].value, null, 2);
        });
        textarea.value = JSON.stringify(named[0][1].value, null, 2);
        body.append(element("div", {}, "Example: ", choose));
      }
      body.append(textarea);
    }
    const url = element("input", { value: target, size: 50 });
    const output = element("pre", { textContent: "" });
    const button = element("button", { textContent: `Send ${method.toUpperCase()}` });
    button.addEventListener("click", () => send(method.toUpperCase(), url.value, textarea, output));
    body.append(element("div", {}, url, " ", button), output);
    const responses = Object.entries(operation.responses ?? {}).map(([code, response]) =>
      element("tr", {}, element("td", {}, element("code", { textContent: code })),
        element("td", { textContent: response.description ?? "" })));
    body.append(element("h4", { textContent: "Responses" }), element("table", {}, ...responses));
    for (const [code, response] of Object.entries(operation.responses ?? {})) {
      const schema = response.content?.["application/json"]?.schema;
      if (schema && code.startsWith("2")) {
        body.append(element("details", {}, element("summary", { textContent: `${code} schema` }),
          element("pre", { textContent: JSON.stringify(resolve(schema), null, 2) })));
      }
    }
    const summary = element("summary", {},
      element("span", { className: `method ${method}`, textContent: method.toUpperCase() }),
      `${path}  `, element("span", { className: "muted", textContent: operation.summary ?? "" }));
    list.append(element("details", {}, summary, body));
  }
}
</script>
</body>
</html>
"""
