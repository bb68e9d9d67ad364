"""The offline API reference at /docs and the API guide (docs/*.md) rendered at /docs/guide.

FastAPI's Swagger UI loads its scripts from a CDN; chainrule works offline, so /docs is a small
page that static/js/apidocs.js draws from /openapi.json. Both pages load only this origin's
script and stylesheet (the CSP allows nothing inline); the pages' own words are in English and
Português (Brasil) (the i18n table in apidocs.js), the API's descriptions through strings-apidocs.js.

The guide is written in both languages: docs/X.md and its translation docs/pt-BR/X.md. A guide page
carries both, each in its own `<main lang>`, and the script shows the one of the page's language,
switching at once with the nav's switch (no reload, nothing fetched, so it works offline);
`?lang=pt-BR` picks the one shown before the script runs (a link to share, or no script at all).
Headings keep the English anchors in both languages (the k-th heading of the translation takes
the k-th English id), so `#limits` is the same place in either; only the shown copy has ids.
A page not yet translated is served in English with a note that says so in Portuguese.

The guide is Markdown rendered here by a small renderer of the subset docs/ uses — headings,
fenced code, paragraphs, "- " lists, pipe tables, code spans, links, **bold** — rather than a
new runtime dependency: the files are ours, and tests/api/test_apidocs.py renders each of them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.paths import ROOT

DOCS_DIR = ROOT / "docs"
PT = "pt-BR"
TRANSLATIONS = {PT: DOCS_DIR / PT}
GUIDE = "/docs/guide"
ICON = "/static/icons/favicon.svg"

NAV = f"""<nav class="top">
<a class="home" href="/">← chainrule</a>
<a href="/docs" data-i18n="docs.nav.reference">API reference</a>
<a href="{GUIDE}" data-i18n="docs.nav.guide">API guide</a>
<a href="{GUIDE}/deploy" data-i18n="docs.nav.deploy">Deployment</a>
<a href="/openapi.json">openapi.json</a>
<span class="lang-switch" role="group" aria-label="Language" data-i18n-aria-label="docs.language">
<button type="button" data-lang="en" lang="en" aria-pressed="true">English</button>
<button type="button" data-lang="pt-BR" lang="pt-BR" aria-pressed="false">Português (Brasil)</button>
</span>
</nav>"""


def _page(title: str, body: str, title_key: str = "", lang: str = "en") -> str:
    """A page of these docs: this origin's stylesheet and script only (the nav's language switch)."""
    key = f' data-i18n="{title_key}"' if title_key else ""
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title{key}>{html.escape(title)}</title>
<link rel="icon" href="{ICON}" type="image/svg+xml">
<link rel="stylesheet" href="/static/css/apidocs.css">
<script type="module" src="/static/js/apidocs.js"></script>
</head>
<body>
{NAV}
{body}
</body>
</html>
"""


HTML = _page(
    "chainrule API reference",
    """<h1 data-i18n="docs.title">chainrule API</h1>
<p class="muted" data-i18n="docs.lede">Every operation of the REST API, drawn from /openapi.json with
nothing loaded from elsewhere; the API guide explains the evaluation document, errors and limits,
with curl and Python examples.</p>
<div id="intro"></div>
<h2 data-i18n="docs.operations">Operations</h2>
<div id="operations" data-i18n="docs.loading">Loading…</div>
<h2 data-i18n="docs.schemas">Schemas</h2>
<div id="schemas"></div>""",
    title_key="docs.page",
)

# ---------------------------------------------------------------------------------------------
# Markdown (the subset docs/*.md use) → HTML. Everything from the file is escaped; only the
# constructs below become tags, and a link goes only to http(s), this origin or another guide page
# (any other link, e.g. to a repository file the app does not serve, is its label alone).

_INLINE = re.compile(r"`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\*\*(.+?)\*\*")
_DOC_LINK = re.compile(r"^(?:\.\./)*(?:docs/)?([a-z][\w-]*)\.md(#[\w-]*)?$")
_DOCS_PAGE = re.compile(r"^(/docs(?:/guide(?:/[a-z][\w-]*)?)?)(#[\w-]*)?$")  # these pages, no query yet
_BLOCK_START = re.compile(r"^(#{1,6} |```|\|)|^- ")


def _href(target: str, lang: str = "en") -> str | None:
    """Where a link may go: a guide page for docs/*.md (in the translation, the same page in its
    language), this origin's paths, anchors, http(s)."""
    doc = _DOC_LINK.match(target)
    if doc:
        target = (GUIDE if doc[1] == "api" else f"{GUIDE}/{doc[1]}") + (doc[2] or "")
    if lang != "en" and (page := _DOCS_PAGE.match(target)):
        return f"{page[1]}?lang={lang}{page[2] or ''}"
    return target if re.match(r"^(https?://|/|#)", target) else None


def inline(text: str, lang: str = "en") -> str:
    """Code spans, links and **bold** as tags; everything else escaped."""
    out, last = [], 0
    for match in _INLINE.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        code, label, target, bold = match.groups()
        if code is not None:
            out.append(f"<code>{html.escape(code)}</code>")
        elif label is not None:
            href = _href(target, lang)  # none: a file the app does not serve, or not a safe target
            out.append(
                f'<a href="{html.escape(href)}">{inline(label, lang)}</a>' if href else inline(label, lang)
            )
        else:
            out.append(f"<strong>{inline(bold, lang)}</strong>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")


def _cells(row: str) -> list[str]:
    """A table row's cells: split on | but not on \\| (an escaped bar inside a cell)."""
    parts = re.split(r"(?<!\\)\|", row.strip().strip("|"))
    return [part.strip().replace("\\|", "|") for part in parts]


def _table(rows: list[str], lang: str) -> str:
    head, body = _cells(rows[0]), [_cells(r) for r in rows[2:]]
    header = "".join(f"<th>{inline(c, lang)}</th>" for c in head)
    lines = "".join("<tr>" + "".join(f"<td>{inline(c, lang)}</td>" for c in row) + "</tr>" for row in body)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{lines}</tbody></table>"


def _blocks(lines: list[str], lang: str, anchors: Iterator[str] | None, ids: bool) -> Iterator[str]:
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("```"):
            language = line[3:].strip()
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), len(lines))
            code = html.escape("\n".join(lines[i + 1 : end]))
            kind = f' class="language-{html.escape(language)}"' if language else ""
            yield f"<pre><code{kind}>{code}</code></pre>"
            i = end + 1
        elif heading := re.match(r"^(#{1,6}) (.*)$", line):
            level, text = len(heading[1]), heading[2].strip()
            anchor = html.escape(next(anchors, _slug(text)) if anchors else _slug(text))
            shown = f' id="{anchor}"' if ids else ""
            yield f'<h{level}{shown} data-anchor="{anchor}">{inline(text, lang)}</h{level}>'
            i += 1
        elif line.startswith("|"):
            end = next((j for j in range(i, len(lines)) if not lines[j].startswith("|")), len(lines))
            yield _table(lines[i:end], lang)
            i = end
        elif line.startswith("- "):
            items: list[str] = []
            while i < len(lines) and (lines[i].startswith("- ") or lines[i].startswith("  ")):
                if lines[i].startswith("- "):
                    items.append(lines[i][2:].strip())
                else:  # an indented line continues the item above it
                    items[-1] += " " + lines[i].strip()
                i += 1
            yield "<ul>" + "".join(f"<li>{inline(item, lang)}</li>" for item in items) + "</ul>"
        else:
            end = next(
                (j for j in range(i + 1, len(lines)) if not lines[j].strip() or _BLOCK_START.match(lines[j])),
                len(lines),
            )
            yield f"<p>{inline(' '.join(part.strip() for part in lines[i:end]), lang)}</p>"
            i = end


def markdown_html(text: str, lang: str = "en", anchors: list[str] | None = None, ids: bool = True) -> str:
    """The Markdown subset docs/*.md use, as HTML. `anchors`: the headings' ids in order (a
    translation takes the original's); `ids=False` keeps them in data-anchor only (a hidden copy)."""
    return "\n".join(_blocks(text.splitlines(), lang, iter(anchors) if anchors else None, ids))


def heading_ids(text: str) -> list[str]:
    """The ids of a page's headings, in order (code blocks skipped, as the renderer skips them)."""
    return re.findall(r'<h[1-6] data-anchor="([^"]*)"', markdown_html(text, ids=False))


# ---------------------------------------------------------------------------------------------

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def reference() -> HTMLResponse:
    """The API reference, drawn in the browser from /openapi.json."""
    return HTMLResponse(HTML)


def _title(text: str, default: str) -> str:
    return next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), default)


def _language(lang: str) -> str:
    """?lang= as i18n.js reads it: pt, pt-br, pt-BR, … are Português (Brasil); anything else English."""
    return PT if lang.lower().startswith("pt") else "en"


def _guide_page(path: Path, lang: str = "") -> HTMLResponse:
    if not path.is_file():
        body = (
            '<h1 data-i18n="docs.missing">Not found</h1><p><span data-i18n="docs.missing.text">'
            f"There is no guide page here; see the</span> <a href='{GUIDE}' data-i18n='docs.nav.guide'>"
            "API guide</a>.</p>"
        )
        return HTMLResponse(_page("chainrule: not found", body, "docs.missing.page"), status_code=404)
    wanted = _language(lang)
    english = path.read_text(encoding="utf-8")
    copies = {"en": english}
    translation = TRANSLATIONS[PT] / path.name
    if translation.is_file():
        copies[PT] = translation.read_text(encoding="utf-8")
    shown = wanted if wanted in copies else "en"
    english_ids = heading_ids(english)
    mains = []
    for language, text in copies.items():
        body = markdown_html(text, language, english_ids, ids=language == shown)
        title = html.escape(_title(text, path.stem))
        hidden = "" if language == shown else " hidden"
        mains.append(f'<main class="guide" lang="{language}" data-title="{title}"{hidden}>\n{body}\n</main>')
    # Not yet translated: the note is empty in English and says so in Portuguese (docs.guide.english).
    note = "" if PT in copies else '<p class="muted" data-i18n="docs.guide.english"></p>\n'
    title = _title(copies[shown], path.stem)
    return HTMLResponse(_page(title, note + "\n".join(mains), lang=shown if PT in copies else wanted))


@router.get(GUIDE, response_class=HTMLResponse)
def guide(lang: str = "") -> HTMLResponse:
    """docs/api.md and its translation, rendered: the API guide (`?lang=pt-BR`: shown in Portuguese)."""
    return _guide_page(DOCS_DIR / "api.md", lang)


@router.get(GUIDE + "/{name}", response_class=HTMLResponse)
def guide_page(name: str, lang: str = "") -> HTMLResponse:
    """Another page of docs/ (deploy, lessons, …) by its file name without .md; nothing else."""
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,40}", name):
        return _guide_page(DOCS_DIR / "-")  # not a name docs/ uses: the 404 page
    return _guide_page(DOCS_DIR / f"{name}.md", lang)
