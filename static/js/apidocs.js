// The offline API reference at /docs, drawn from /openapi.json (Swagger UI would need a CDN),
// and the language switch of the guide pages (/docs/guide…), which the server renders in both
// languages, each in its own <main lang>: this script shows the one of the page's language.
// Descriptions are Markdown: code spans, links, **bold**, paragraphs and "- " lists are
// rendered as DOM nodes (never innerHTML), so the page runs under `script-src 'self'`.
// The page's own words are in the table below; the API's descriptions come from /openapi.json in
// English and read in Português (Brasil) through strings-apidocs.js.
import { addStrings, getLanguage, onLanguageChange, setLanguage, t, translate } from "./i18n.js";
import { apiText } from "./strings-apidocs.js";

const GUIDE = "/docs/guide";

addStrings({
  en: {
    "docs.page": "chainrule API reference", "docs.title": "chainrule API",
    "docs.lede": "Every operation of the REST API, drawn from /openapi.json with nothing loaded from "
      + "elsewhere; the API guide explains the evaluation document, errors and limits, with curl and Python examples.",
    "docs.nav.reference": "API reference", "docs.nav.guide": "API guide", "docs.nav.deploy": "Deployment",
    "docs.operations": "Operations", "docs.schemas": "Schemas", "docs.loading": "Loading…",
    "docs.parameters": "Parameters", "docs.body": "Request body", "docs.try": "Try it", "docs.example": "Example: ",
    "docs.send": "Send {method}", "docs.responses": "Responses", "docs.field": "field", "docs.type": "type",
    "docs.default": "default", "docs.meaning": "meaning", "docs.required": "required",
    "docs.array": "array of ", "docs.object": "object of ", "docs.defaults": "the defaults",
    "docs.response": "{code} response: {label}", "docs.path": "path", "docs.guide.english": "",
    "docs.sample": "example", "docs.in.query": "query", "docs.in.path": "path", "docs.in.header": "header",
    "docs.missing": "Not found", "docs.missing.text": "There is no guide page here; see the",
    "docs.missing.page": "chainrule: not found", "docs.language": "Language",
  },
  "pt-BR": {
    "docs.page": "Referência da API do chainrule", "docs.title": "API do chainrule",
    "docs.lede": "Todas as operações da API REST, geradas a partir de /openapi.json sem nada carregado de "
      + "fora; o guia da API explica o documento de avaliação, os erros e os limites, com exemplos em curl e Python.",
    "docs.nav.reference": "Referência da API", "docs.nav.guide": "Guia da API", "docs.nav.deploy": "Implantação",
    "docs.operations": "Operações", "docs.schemas": "Esquemas", "docs.loading": "Carregando…",
    "docs.parameters": "Parâmetros", "docs.body": "Corpo da requisição", "docs.try": "Experimente",
    "docs.example": "Exemplo: ", "docs.send": "Enviar {method}", "docs.responses": "Respostas",
    "docs.field": "campo", "docs.type": "tipo", "docs.default": "padrão", "docs.meaning": "significado",
    "docs.required": "obrigatório", "docs.array": "lista de ", "docs.object": "objeto de ",
    "docs.defaults": "os valores padrão", "docs.response": "resposta {code}: {label}", "docs.path": "caminho", "docs.sample": "exemplo",
    "docs.in.query": "consulta", "docs.in.path": "caminho", "docs.in.header": "cabeçalho",
    "docs.guide.english": "Esta página do guia ainda não foi traduzida; ela segue em inglês, e os exemplos funcionam como estão.",
    "docs.missing": "Página não encontrada", "docs.missing.text": "Não há página do guia aqui; veja o",
    "docs.missing.page": "chainrule: página não encontrada", "docs.language": "Idioma",
  },
});

// The language switch: translate the page's words in place (the hash keeps an anchor until a click).
const switches = [...document.querySelectorAll(".lang-switch button")];
function pressed() {
  for (const button of switches) button.setAttribute("aria-pressed", String(button.dataset.lang === getLanguage()));
}
for (const button of switches) button.addEventListener("click", () => setLanguage(button.dataset.lang));
translate(document);
pressed();
onLanguageChange(pressed);

// The guide: the copy in the page's language (English when there is none), the headings' ids on
// the shown copy only (both use the English anchors), and the reader kept at the same section.
const copies = [...document.querySelectorAll("main.guide[lang]")];

function sectionAtTop(main) {
  if (window.scrollY <= 0) return null;
  const below = (document.querySelector("nav.top")?.getBoundingClientRect().bottom ?? 0) + 40;  // the sticky nav
  let last = null;
  for (const heading of main.querySelectorAll("[data-anchor]")) {
    if (heading.getBoundingClientRect().top > below) break;
    last = heading.dataset.anchor;
  }
  return last;
}

function showGuide() {
  if (!copies.length) return;
  const shown = copies.find((main) => main.lang === getLanguage()) ?? copies.find((main) => main.lang === "en");
  const before = copies.find((main) => !main.hidden);
  const section = before && before !== shown ? sectionAtTop(before) : null;
  for (const main of copies) {
    main.hidden = main !== shown;
    for (const heading of main.querySelectorAll("[data-anchor]")) {
      if (main === shown) heading.id = heading.dataset.anchor;
      else heading.removeAttribute("id");
    }
  }
  document.title = shown.dataset.title || document.title;
  if (section) document.getElementById(section)?.scrollIntoView();
  return section;
}

// Links to these pages carry the language, so that a page opened from a shared ?lang= link leads
// on in that language, whatever the browser remembers.
function localiseLinks() {
  for (const link of document.querySelectorAll("a[href^='/docs']")) {
    const url = new URL(link.getAttribute("href"), location.origin);
    url.searchParams.set("lang", getLanguage());
    link.setAttribute("href", `${url.pathname}${url.search}${url.hash}`);
  }
}

// The address after a switch: ?lang= and the anchor (the section read, else the one opened), where
// i18n.js would leave "#limits=&lang=pt-BR", a link that no longer lands anywhere.
function tidyAddress(section) {
  const anchor = section ?? [...new URLSearchParams(location.hash.slice(1))]
    .find(([key, value]) => key !== "lang" && value === "" && document.getElementById(key))?.[0];
  const query = new URLSearchParams(location.search);
  query.set("lang", getLanguage());
  history.replaceState(history.state, "", `${location.pathname}?${query}${anchor ? `#${anchor}` : ""}`);
}

showGuide();
localiseLinks();
onLanguageChange(() => { tidyAddress(showGuide()); localiseLinks(); });

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

const list = document.getElementById("operations");
const spec = list ? await (await fetch("/openapi.json")).json() : { paths: {} };
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
    return [t("docs.array"), ...typeOf(schema.items)];
  }
  if (schema.type === "object" && schema.additionalProperties) {
    return [t("docs.object"), ...typeOf(schema.additionalProperties)];
  }
  return [schema.type ?? "any"];
}

function fields(schema) {
  const resolved = resolve(schema);
  const properties = Object.entries(resolved?.properties ?? {});
  if (!properties.length) return element("p", {}, ...typeOf(schema));
  const required = new Set(resolved.required ?? []);
  const head = element("tr", {}, ...["field", "type", "default", "meaning"].map((key) =>
    element("th", { textContent: t(`docs.${key}`) })));
  const rows = properties.map(([name, property]) =>
    element("tr", {},
      element("td", {}, element("code", { textContent: name }), required.has(name) ? ` (${t("docs.required")})` : ""),
      element("td", {}, ...typeOf(property)),
      element("td", {}, "default" in property ? element("code", { textContent: JSON.stringify(property.default) }) : ""),
      element("td", {}, ...inline(apiText(property.description ?? property.title ?? "")))));
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
  return [["defaults", { summary: t("docs.defaults"), value: sample }]];
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
  const parts = [element("h4", { textContent: t("docs.try") })];
  const target = path.replace(/\{(\w+)\}/g, (_, name) => (name === "example_id" ? "lecture" : name));
  let textarea = null;
  const content = operation.requestBody?.content?.["application/json"];
  if (content) {
    const examples = bodyExample(content);
    textarea = element("textarea", { value: JSON.stringify(examples[0][1].value, null, 2), spellcheck: false });
    if (examples.length > 1) {
      const choose = element("select", {}, ...examples.map(([key, item]) =>
        element("option", { value: key, textContent: apiText(item.summary ?? key) })));
      choose.addEventListener("change", () => {
        textarea.value = JSON.stringify(Object.fromEntries(examples)[choose.value].value, null, 2);
      });
      parts.push(element("label", {}, t("docs.example"), choose));
    }
    parts.push(textarea);
  }
  const url = element("input", { value: target, size: 50, ariaLabel: t("docs.path") });
  const output = element("pre", { className: "output" });
  const button = element("button", { textContent: t("docs.send", { method: method.toUpperCase() }) });
  button.addEventListener("click", () => send(method.toUpperCase(), url.value, textarea, output));
  parts.push(element("div", { className: "send" }, url, button), output);
  return parts;
}

function responses(operation) {
  const rows = Object.entries(operation.responses ?? {}).map(([code, response]) => {
    const schema = response.content?.["application/json"]?.schema;
    return element("tr", {}, element("td", {}, element("code", { textContent: code })),
      element("td", {}, ...inline(apiText(response.description ?? ""))),
      element("td", {}, ...(schema ? typeOf(schema) : [])));
  });
  const examples = Object.entries(operation.responses ?? {}).flatMap(([code, response]) => {
    const content = response.content?.["application/json"] ?? {};
    const named = Object.entries(content.examples ?? {}).map(([key, item]) => [apiText(item.summary ?? key), item.value]);
    if ("example" in content) named.unshift([t("docs.sample"), content.example]);
    return named.map(([label, value]) => element("details", { className: "example" },
      element("summary", { textContent: t("docs.response", { code, label }) }),
      element("pre", { textContent: JSON.stringify(value, null, 2) })));
  });
  return [element("h4", { textContent: t("docs.responses") }), element("table", { className: "fields" }, ...rows),
    ...examples];
}

function renderOperation(path, method, operation) {
  const body = element("div", { className: "body" }, ...markdown(apiText(operation.description)));
  const parameters = operation.parameters ?? [];
  if (parameters.length) {
    const rows = parameters.map((p) => element("tr", {},
      element("td", {}, element("code", { textContent: p.name })),
      element("td", { textContent: `${t(`docs.in.${p.in}`)}${p.required ? `, ${t("docs.required")}` : ""}` }),
      element("td", {}, ...typeOf(p.schema)),
      element("td", {}, ...inline(apiText(p.description ?? "")))));
    body.append(element("h4", { textContent: t("docs.parameters") }), element("table", { className: "fields" }, ...rows));
  }
  const content = operation.requestBody?.content?.["application/json"];
  if (content) body.append(element("h4", { textContent: t("docs.body") }), fields(content.schema));
  body.append(...tryIt(method, path, operation), ...responses(operation));
  const summary = element("summary", {},
    element("span", { className: `method ${method}`, textContent: method.toUpperCase() }),
    element("code", { className: "path", textContent: path }),
    element("span", { className: "muted", textContent: apiText(operation.summary ?? "") }));
  return element("details", { id: operation.operationId ?? `${method}-${path}` }, summary, body);
}

// The reference: drawn once, and again in the other language (open entries stay open).
function render() {
  const open = new Set([...document.querySelectorAll("details[open]")].map((d) => d.id));
  document.getElementById("intro").replaceChildren(...markdown(apiText(spec.info?.description)));
  list.removeAttribute("data-i18n");  // no longer "Loading…": translate() must leave it alone
  list.replaceChildren();
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(methods)) list.append(renderOperation(path, method, operation));
  }
  document.getElementById("schemas").replaceChildren(...Object.entries(schemas).map(([name, schema]) =>
    element("details", { id: `schema-${name}` },
      element("summary", {}, element("code", { textContent: name })),
      element("div", { className: "body" }, ...markdown(apiText(schema.description)), fields(schema)))));
  for (const id of open) document.getElementById(id)?.setAttribute("open", "");
}

// An anchor to an operation or a schema opens its entry.
function openTarget() {
  if (location.hash.length > 1) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.setAttribute("open", "");
}

if (list) {
  render();
  localiseLinks();
  onLanguageChange(() => { render(); localiseLinks(); });
  window.addEventListener("hashchange", openTarget);
  openTarget();
}
document.body.dataset.ready = "true";
