"""chainrule in Jupyter: evaluations drawn inline as the page's slide, stepper and all.

    %load_ext app.notebook
    from engine import Var, maximum
    x, y, z = Var("x", 1.0), Var("y", 2.0), Var("z", 0.0)
    f = ((x + y).named("a") * maximum(y, z).named("b")).named("f")
    f                                  # an Expr (or an Evaluation, a Graph) displays as the slide
    show("a = x + y; b = max(y, z); f = a * b", {"x": 1, "y": 2, "z": 0}, step=3)

netron's lesson: the page's own drawing serves the notebook. Each output is self-contained: the
document the API returns for the graph and the ES modules that draw it (static/js/notebook.js
and everything it imports) are written into an `<iframe srcdoc>`, whose loader turns the modules
into blob: URLs. No server, no request — so the output also shows in an exported HTML notebook.
The frame keeps the page's styles and the stepper's keys to one output. `engine/` knows nothing
of this.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from graphlib import TopologicalSorter
from itertools import chain
from typing import Any

import numpy as np

from app.errors import ApiError
from app.paths import STATIC_DIR, TEMPLATES_DIR
from app.serialize import document, dumps
from app.service import evaluation_document, graph_layout
from app.settings import Settings
from engine import EngineError, Evaluation, Expr, Graph, evaluate

ENTRY = "notebook.js"
# The frame is styled as the graph page is: the stylesheets its templates link, then its own.
PAGE_TEMPLATES = ("base.html", "index.html")
STYLESHEET = re.compile(r'<link rel="stylesheet" href="/static/css/([\w.-]+\.css)"')
OWN_STYLESHEET = "notebook.css"
MAX_DOCUMENT_CHARS = 10_000_000  # a notebook holding a larger output becomes slow to open and save
GRAPH_HEIGHT = (260, 560)  # px: the drawing's area, from the layout's height within these bounds
CHROME_HEIGHT = 230  # px: the toolbar above the drawing and the step panel below it
# A relative import of a sibling module: `from "./graph.js"`, `import "./x.js"`, `import("./x.js")`.
IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])\./([\w.-]+\.js)\2""")
MARK = "@chainrule-module/"  # what a specifier becomes; the loader swaps in the module's blob: URL

# Shown where the frame cannot be (an untrusted notebook drops it, a static viewer drops scripts).
UNTRUSTED = {
    "en": "chainrule: run this cell again, or trust the notebook (“Trust Notebook”), to see the graph.",
    "pt-BR": "chainrule: execute esta célula de novo, ou confie no notebook (“Trust Notebook”), para ver o grafo.",
}
FAILED = {
    "en": "chainrule: the drawing could not start",
    "pt-BR": "chainrule: o desenho não pôde começar",
}

# Where blob: scripts are refused (VS Code's notebook.experimental.enableCsp: script-src allows
# inline scripts and eval, not blob:), the same modules are linked into one function instead: each
# module's body in a closure returning its exports, an import a const read from the modules before
# it. The modules' forms allow it (tests/notebook/test_vscode.py links them all under that policy):
# imports of names, exports of function/const/class declarations; anything else is named, not run
# half-linked.
LINK = r"""const link = (order, sources) => {
    const code = ['"use strict"; const modules = {};'];
    for (const name of order) {
      const names = [];
      const body = sources[name]
        .replace(/^import\s*\{([^}]*)\}\s*from\s*"@chainrule-module\/([\w.-]+\.js)";?/gm,
          (all, list, dep) => `const {${list.replace(/\s+as\s+/g, ": ")}} = modules[${JSON.stringify(dep)}];`)
        .replace(/^import\s*"@chainrule-module\/[\w.-]+\.js";?/gm, "")
        .replace(/^export\s+((?:async\s+)?function\*?|const|class)\s+([\w$]+)/gm, (all, kind, id) => {
          names.push(id);
          return `${kind} ${id}`;
        });
      const left = body.match(/^(import|export)\b.*/m);
      if (left) throw new Error(`${name} cannot be linked without blob: modules: ${left[0]}`);
      code.push(`modules[${JSON.stringify(name)}] = (() => {\n${body}\nreturn { ${names.join(", ")} };\n})();`);
    }
    code.push(`return modules[${JSON.stringify(order[order.length - 1])}];`);
    return new Function(code.join("\n"))();
  };"""

# Runs in the frame: each module as a blob: URL, its imports pointing at the URLs made before it.
LOADER = (
    """(() => {
  const root = document.getElementById("chainrule");
  const read = (id) => JSON.parse(document.getElementById(id).textContent);
  const options = read("chainrule-options");
  const fail = (error) => { root.className = "nb-failed"; root.textContent = `${options.failed}: ${error}`; };
  // Nothing in an output asks the network for anything; should a module try, it fails here.
  window.fetch = (what) => Promise.reject(new TypeError(`a notebook output makes no request (${what})`));
  """
    + LINK
    + """
  try {
    if (options.lang) location.hash = `lang=${encodeURIComponent(options.lang)}`; // read by i18n.js
    const { order, sources } = read("chainrule-modules");
    const urls = {};
    for (const name of order) {
      const text = sources[name].replace(/@chainrule-module\\/([\\w.-]+\\.js)/g, (all, dep) => urls[dep]);
      urls[name] = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
    }
    import(urls[order[order.length - 1]])
      .catch((error) => { try { return link(order, sources); } catch { throw error; } })
      .then((module) => module.mount(root, read("chainrule-document"), options))
      .catch(fail);
  } catch (error) { fail(error); }
})();"""
)


def modules(entry: str = ENTRY) -> tuple[list[str], dict[str, str]]:
    """`entry` and every module it imports (transitively), each after its imports, with their
    import specifiers marked for the loader. Read from disk each time: the files may change."""
    folder = STATIC_DIR / "js"
    sources: dict[str, str] = {}
    imports: dict[str, set[str]] = {}
    pending = [entry]
    while pending:
        name = pending.pop()
        if name in sources:
            continue
        text = (folder / name).read_text(encoding="utf-8")
        imports[name] = {match[3] for match in IMPORT.finditer(text)}
        sources[name] = IMPORT.sub(lambda m: f"{m[1]}{m[2]}{MARK}{m[3]}{m[2]}", text)
        pending.extend(imports[name])
    # Blob URLs are made in order, so an import cycle cannot be resolved: graphlib raises CycleError.
    order = [name for name in TopologicalSorter(imports).static_order() if name != entry] + [entry]
    return order, sources


def _script_json(value: Any) -> str:
    """JSON safe inside <script>: no `</script>` or `<!--` can appear in it."""
    return value.replace("<", "\\u003c") if isinstance(value, str) else _script_json(dumps(value))


def stylesheets() -> list[str]:
    """The graph page's stylesheets, in the order its templates link them, then the notebook's."""
    linked = (
        STYLESHEET.findall((TEMPLATES_DIR / name).read_text(encoding="utf-8")) for name in PAGE_TEMPLATES
    )
    return list(dict.fromkeys([*chain.from_iterable(linked), OWN_STYLESHEET]))


def _stylesheet() -> str:
    return "\n".join((STATIC_DIR / "css" / name).read_text(encoding="utf-8") for name in stylesheets())


def _language(lang: str | None) -> str | None:
    if lang is None:
        return None
    if lang.lower().startswith("pt"):
        return "pt-BR"
    if lang.lower().startswith("en"):
        return "en"
    raise ValueError(f"lang must be 'en' or 'pt-BR', not {lang!r}")


def _hidden(hide: str | tuple[str, ...] | list[str]) -> list[str]:
    """What starts hidden until revealed: "grads" and/or "values" (as the page's g and v)."""
    kinds = [hide] if isinstance(hide, str) else list(hide)
    unknown = [kind for kind in kinds if kind not in ("grads", "values")]
    if unknown:
        raise ValueError(f"hide takes 'grads' and/or 'values', not {unknown[0]!r}")
    return kinds


def _initial_step(doc: Mapping[str, Any], step: int | None) -> int | None:
    """The step to open at (negative counts from the end, as in Python); None for the last."""
    if step is None:
        return None
    count = len(doc["steps"])
    if isinstance(step, bool) or not isinstance(step, int | np.integer) or not -count <= step < count:
        raise ValueError(
            f"step must be an integer from {-count} to {count - 1} (this graph has {count} steps)"
        )
    return int(step) % count


def slide_html(
    doc: Mapping[str, Any],
    *,
    step: int | None = None,
    lang: str | None = None,
    height: int | None = None,
    hide: str | tuple[str, ...] | list[str] = (),
) -> str:
    """The HTML of one output: the document `doc` drawn as the page draws it, self-contained."""
    language = _language(lang)
    options = {
        "step": _initial_step(doc, step),
        "lang": language,
        "hide": _hidden(hide),
        "failed": FAILED[language or "en"],
    }
    order, sources = modules()
    text = dumps(doc)
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ValueError(f"the document has {len(text)} characters, over {MAX_DOCUMENT_CHARS} for one output")
    frame = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<style>{_stylesheet()}</style></head><body>"
        '<div id="chainrule"></div>'
        f'<script type="application/json" id="chainrule-document">{_script_json(text)}</script>'
        f'<script type="application/json" id="chainrule-options">{_script_json(options)}</script>'
        '<script type="application/json" id="chainrule-modules">'
        f"{_script_json({'order': order, 'sources': sources})}</script>"
        f"<script>{LOADER}</script></body></html>"
    )
    if height is None:
        low, high = GRAPH_HEIGHT
        height = CHROME_HEIGHT + int(min(high, max(low, float(doc.get("layout", {}).get("height", low)))))
    title = html.escape(f"chainrule: {doc.get('output', '')}", quote=True)
    # The notice sits under the frame: seen only where the frame is removed.
    return (
        f'<div class="chainrule-output" style="position:relative;width:100%;height:{int(height)}px">'
        f'<p style="position:absolute;margin:0.5em">{html.escape(UNTRUSTED[language or "en"])}</p>'
        f'<iframe srcdoc="{html.escape(frame, quote=True)}" title="{title}" '
        'style="position:absolute;inset:0;width:100%;height:100%;border:1px solid #dcdfe3;'
        'border-radius:10px;background:#f6f6f3"></iframe></div>'
    )


def evaluation_doc(evaluation: Evaluation) -> dict[str, Any]:
    """The API's document for an evaluation made in Python (layout included)."""
    return document(evaluation, graph_layout(evaluation))


def _plain(value: object) -> object:
    """numpy values as the JSON-like numbers and nested lists the service checks."""
    return value.tolist() if isinstance(value, np.ndarray | np.generic) else value


def document_of(
    what: object, inputs: Mapping[str, object] | None = None, output: str | None = None
) -> dict[str, Any]:
    """The document of a source (checked and bounded as the API checks it), an Evaluation, an
    Expr (evaluated with its Vars' values) or a Graph (with its defaults and `inputs`)."""
    if isinstance(what, str):
        given = {name: _plain(value) for name, value in (inputs or {}).items()}
        return evaluation_document(what, given, Settings.from_env(), output)
    if isinstance(what, Evaluation):
        return evaluation_doc(what)
    if isinstance(what, Expr):
        what = what.graph()
    if isinstance(what, Graph):
        graph = what if output is None else what.with_output(output)
        return evaluation_doc(evaluate(graph, inputs))
    raise TypeError(f"show() draws a source, an Evaluation, an Expr or a Graph, not {type(what).__name__}")


class Slide:
    """A displayable slide: `Slide(doc)` shows in any notebook, extension loaded or not."""

    def __init__(
        self,
        doc: Mapping[str, Any],
        step: int | None = None,
        lang: str | None = None,
        height: int | None = None,
        hide: str | tuple[str, ...] | list[str] = (),
    ) -> None:
        self.doc, self.step, self.lang, self.height, self.hide = doc, step, lang, height, hide
        # A bad argument is the caller's error now, not a blank output later.
        _initial_step(doc, step)
        _language(lang)
        _hidden(hide)

    def _repr_html_(self) -> str:
        return slide_html(self.doc, step=self.step, lang=self.lang, height=self.height, hide=self.hide)

    def __repr__(self) -> str:
        return f"<chainrule slide of {self.doc.get('output')}: {len(self.doc['nodes'])} nodes, {len(self.doc['steps'])} steps>"


def show(
    source: object,
    inputs: Mapping[str, object] | None = None,
    output: str | None = None,
    step: int | None = None,
    *,
    lang: str | None = None,
    height: int | None = None,
    hide: str | tuple[str, ...] | list[str] = (),
) -> None:
    """Display the slide of `source` (graph-language text, an Evaluation, an Expr or a Graph)
    with `inputs`, opened at `step` (default: the last, everything computed), with `hide`
    ("grads", "values") hidden until revealed."""
    from IPython.display import display

    display(Slide(document_of(source, inputs, output), step=step, lang=lang, height=height, hide=hide))


def _formatted(what: object) -> str | None:
    """The HTML of an Evaluation, Expr or Graph; None (plain text instead) when it cannot be drawn,
    such as an Expr whose Vars have no values yet."""
    try:
        return slide_html(document_of(what))
    except (EngineError, ApiError, ValueError):  # not drawable: the text repr shows instead
        return None


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext app.notebook`: Evaluations, Exprs and Graphs display as slides; `show` is defined."""
    formatter = ipython.display_formatter.formatters["text/html"]
    for kind in (Evaluation, Expr, Graph):
        formatter.for_type(kind, _formatted)
    ipython.push({"show": show})


def unload_ipython_extension(ipython: Any) -> None:
    formatter = ipython.display_formatter.formatters["text/html"]
    for kind in (Evaluation, Expr, Graph):
        formatter.pop(kind, None)
    if ipython.user_ns.get("show") is show:
        ipython.drop_by_id({"show": show})
