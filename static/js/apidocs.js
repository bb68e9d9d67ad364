// The offline API reference at /docs, drawn from /openapi.json (Swagger UI would need a CDN).
// Descriptions are Markdown: code spans, links, **bold**, paragraphs and "- " lists are
// rendered as DOM nodes (never innerHTML), so the page runs under `script-src 'self'`.

const GUIDE = "/docs/guide";

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, attributes);
  node.append(...children);
  return node;
}

// A link the page may follow: this origin's paths, anchors, http(s); a docs/*.md file is its
// rendered page. Anything else (javascript:, data:) stays text.
function safeHref(href) {
  const doc = href.match(/^(?:\.\.\/)*(?:docs\/)?([a-z][\w-]*)\.md(#[\w-]*)?$/);
  if (doc) return (doc[1] === "api" ? GUIDE : `${GUIDE}/${doc[1]}`) + (doc[2] ?? "");
  return /^(https?:\/\/|\/|#)/.test(href) ? href : null;
}

const INLINE = /`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*|\bdocs\/([a-z][\w-]*)\.md\b/g;

export function inline(text) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    const [whole, code, label, href, bold, docName] = match;
    if (code !== undefined) out.push(element("code", { textContent: code }));
    else if (label !== undefined) {
      const target = safeHref(href);
      out.push(target ? element("a", { href: target }, ...inline(label)) : whole);
    } else if (bold !== undefined) out.push(element("strong", {}, ...inline(bold)));
    else out.push(element("a", { href: safeHref(`${docName}.md`) }, element("code", { textContent: whole })));
    last = match.index + whole.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

// Blocks: paragraphs apart by blank lines; a block whose lines start with "- " is a list
// (an indented line continues the item above it).
export function markdown(text) {
  const blocks = [];
  for (const block of (text ?? "").trim().split(/\n\s*\n/)) {
    const lines = block.split("\n");
    if (lines[0].startsWith("- ")) {
      const items = [];
      for (const line of lines) {
        if (line.startsWith("- ")) items.push(line.slice(2));
        else items[items.length - 1] += ` ${line.trim()}`;
      }
      blocks.push(element("ul", {}, ...items.map((item) => element("li", {}, ...inline(item)))));
    } else if (block.trim()) {
      blocks.push(element("p", {}, ...inline(lines.map((line) => line.trim()).join(" "))));
    }
  }
  return blocks;
}

const spec = await (await fetch("/openapi.json")).json();
const schemas = spec.components?.schemas ?? {};
const refName = (ref) => ref.split("/").pop();

function resolve(schema, depth = 0) {
  if (!schema || depth > 6) return schema;
  if (schema.$ref) return resolve(schemas[refName(schema.$ref)], depth + 1);
  return schema;
}

// A schema's type in a few words; a named schema links to its entry under "Schemas".
function typeOf(schema) {
  if (!schema) return ["any"];
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return [element("a", { href: `#schema-${name}`, textContent: name })];
  }
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.flatMap((part, i) => (i ? [" | ", ...typeOf(part)] : typeOf(part)));
  if (schema.enum) return [schema.enum.map((v) => JSON.stringify(v)).join(" | ")];
  if (schema.const !== undefined) return [JSON.stringify(schema.const)];
  if (schema.type === "array") {
    if (schema.prefixItems) return [`[${schema.prefixItems.map((p) => p.type ?? "any").join(", ")}]`];
    return ["array of ", ...typeOf(schema.items)];
  }
  if (schema.type === "object" && schema.additionalProperties) {
    return ["object of ", ...typeOf(schema.additionalProperties)];
  }
  return [schema.type ?? "any"];
}

function fields(schema) {
  const resolved = resolve(schema);
  const properties = Object.entries(resolved?.properties ?? {});
  if (!properties.length) return element("p", {}, ...typeOf(schema));
  const required = new Set(resolved.required ?? []);
  const head = element("tr", {}, ...["field", "type", "default", "meaning"].map((t) => element("th", { textContent: t })));
  const rows = properties.map(([name, property]) =>
    element("tr", {},
      element("td", {}, element("code", { textContent: name }), required.has(name) ? " (required)" : ""),
      element("td", {}, ...typeOf(property)),
      element("td", {}, "default" in property ? element("code", { textContent: JSON.stringify(property.default) }) : ""),
      element("td", {}, ...inline(property.description ?? property.title ?? ""))));
  return element("table", { className: "fields" }, head, ...rows);
}

function bodyExample(content) {
  const named = Object.entries(content?.examples ?? {});
  if (named.length) return named;
  const resolved = resolve(content?.schema);
  if (resolved?.examples?.length) return [["example", { value: resolved.examples[0] }]];
  const sample = {};
  for (const [name, property] of Object.entries(resolved?.properties ?? {})) {
    if ("default" in property) sample[name] = property.default;
  }
  return [["defaults", { summary: "the defaults", value: sample }]];
}

async function send(method, path, textarea, output) {
  output.textContent = "…";
  const options = { method, headers: {} };
  if (textarea) {
    options.body = textarea.value;
    options.headers["content-type"] = "application/json";
  }
  const response = await fetch(path, options);
  const text = await response.text();
  let pretty = text;
  try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
  output.textContent = `${response.status} ${response.statusText}\n\n${pretty}`;
}

function tryIt(method, path, operation) {
  const parts = [element("h4", { textContent: "Try it" })];
  const target = path.replace(/\{(\w+)\}/g, (_, name) => (name === "example_id" ? "lecture" : name));
  let textarea = null;
  const content = operation.requestBody?.content?.["application/json"];
  if (content) {
    const examples = bodyExample(content);
    textarea = element("textarea", { value: JSON.stringify(examples[0][1].value, null, 2), spellcheck: false });
    if (examples.length > 1) {
      const choose = element("select", {}, ...examples.map(([key, item]) =>
        element("option", { value: key, textContent: item.summary ?? key })));
      choose.addEventListener("change", () => {
        textarea.value = JSON.stringify(Object.fromEntries(examples)[choose.value].value, null, 2);
      });
      parts.push(element("label", {}, "Example: ", choose));
    }
    parts.push(textarea);
  }
  const url = element("input", { value: target, size: 50, ariaLabel: "path" });
  const output = element("pre", { className: "output" });
  const button = element("button", { textContent: `Send ${method.toUpperCase()}` });
  button.addEventListener("click", () => send(method.toUpperCase(), url.value, textarea, output));
  parts.push(element("div", { className: "send" }, url, button), output);
  return parts;
}

function responses(operation) {
  const rows = Object.entries(operation.responses ?? {}).map(([code, response]) => {
    const schema = response.content?.["application/json"]?.schema;
    return element("tr", {}, element("td", {}, element("code", { textContent: code })),
      element("td", {}, ...inline(response.description ?? "")),
      element("td", {}, ...(schema ? typeOf(schema) : [])));
  });
  const examples = Object.entries(operation.responses ?? {}).flatMap(([code, response]) => {
    const content = response.content?.["application/json"] ?? {};
    const named = Object.entries(content.examples ?? {}).map(([key, item]) => [item.summary ?? key, item.value]);
    if ("example" in content) named.unshift(["example", content.example]);
    return named.map(([label, value]) => element("details", { className: "example" },
      element("summary", { textContent: `${code} response: ${label}` }),
      element("pre", { textContent: JSON.stringify(value, null, 2) })));
  });
  return [element("h4", { textContent: "Responses" }), element("table", { className: "fields" }, ...rows), ...examples];
}

function renderOperation(path, method, operation) {
  const body = element("div", { className: "body" }, ...markdown(operation.description));
  const parameters = operation.parameters ?? [];
  if (parameters.length) {
    const rows = parameters.map((p) => element("tr", {},
      element("td", {}, element("code", { textContent: p.name })),
      element("td", { textContent: `${p.in}${p.required ? ", required" : ""}` }),
      element("td", {}, ...typeOf(p.schema)),
      element("td", {}, ...inline(p.description ?? ""))));
    body.append(element("h4", { textContent: "Parameters" }), element("table", { className: "fields" }, ...rows));
  }
  const content = operation.requestBody?.content?.["application/json"];
  if (content) body.append(element("h4", { textContent: "Request body" }), fields(content.schema));
  body.append(...tryIt(method, path, operation), ...responses(operation));
  const summary = element("summary", {},
    element("span", { className: `method ${method}`, textContent: method.toUpperCase() }),
    element("code", { className: "path", textContent: path }),
    element("span", { className: "muted", textContent: operation.summary ?? "" }));
  return element("details", { id: operation.operationId ?? `${method}-${path}` }, summary, body);
}

document.getElementById("intro").append(...markdown(spec.info?.description));
const list = document.getElementById("operations");
list.textContent = "";
for (const [path, methods] of Object.entries(spec.paths)) {
  for (const [method, operation] of Object.entries(methods)) list.append(renderOperation(path, method, operation));
}
const named = document.getElementById("schemas");
for (const [name, schema] of Object.entries(schemas)) {
  named.append(element("details", { id: `schema-${name}` },
    element("summary", {}, element("code", { textContent: name })),
    element("div", { className: "body" }, ...markdown(schema.description), fields(schema))));
}
// An anchor to an operation or a schema opens its entry.
function openTarget() {
  if (location.hash.length > 1) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.setAttribute("open", "");
}
window.addEventListener("hashchange", openTarget);
openTarget();
document.body.dataset.ready = "true";
