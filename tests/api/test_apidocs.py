"""/docs and /docs/guide: pages that stand alone, with no inline script or style (the CSP)."""

from __future__ import annotations

import ast
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from app import apidocs
from app.apidocs import inline, markdown_html
from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
API_MD = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")


def docs_app():
    """The app with the docs router (main.py may include it already; then this adds nothing)."""
    application = create_app(Settings())
    if TestClient(application).get(apidocs.GUIDE).status_code == 404:
        application.include_router(apidocs.router)
    return application


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(docs_app())


class Page(HTMLParser):
    """What a CSP-bound page must not have, and what it links to."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[dict] = []
        self.inline: list[str] = []
        self.text: list[str] = []
        self._code = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self.links.append(attributes.get("href", ""))
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "style" or "style" in attributes or any(name.startswith("on") for name in attributes):
            self.inline.append(self.get_starttag_text())
        if tag in ("code", "pre"):
            self._code += 1

    def handle_endtag(self, tag):
        if tag in ("code", "pre"):
            self._code -= 1

    def handle_data(self, data):
        if not self._code:
            self.text.append(data)


def main_of(html: str, lang: str) -> str:
    """The guide's copy in one language: its <main lang> element."""
    found = re.search(rf'<main class="guide" lang="{lang}"[^>]*>(.*?)</main>', html, re.S)
    assert found, lang
    return found[0]


def parsed(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_reference_page_loads_only_its_own_script_and_style(client):
    response = client.get("/docs")
    assert response.status_code == 200
    page = parsed(response.text)
    assert page.inline == []
    assert page.scripts == [{"type": "module", "src": "/static/js/apidocs.js"}]
    assert '<link rel="stylesheet" href="/static/css/apidocs.css">' in response.text
    assert {"/", "/docs/guide"} <= set(page.links)
    for asset in ("/static/js/apidocs.js", "/static/css/apidocs.css", apidocs.ICON):
        assert client.get(asset).status_code == 200, asset


def test_guide_renders_docs_api_md(client):
    response = client.get("/docs/guide")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = parsed(response.text)
    assert page.inline == [] and page.scripts == [{"type": "module", "src": "/static/js/apidocs.js"}]
    assert (
        '<h1 id="chainrule-rest-api" data-anchor="chainrule-rest-api">chainrule REST API</h1>'
        in response.text
    )
    assert "`" not in "".join(page.text)  # every code span rendered, in both languages
    english = main_of(response.text, "en")
    assert english.count("<table>") == API_MD.count("\n|---")
    assert english.count("<pre><code") == API_MD.count("\n```") // 2
    assert {"/", "/docs"} <= set(page.links)
    for link in page.links:  # nothing outside this app: its own paths and anchors on the page
        assert link.startswith(("/", "#")), link
        if link.startswith("#"):
            assert link[1:] in page.ids, link
        elif link.startswith("/docs/guide"):
            assert client.get(link.split("#")[0]).status_code == 200, link


def test_docs_refer_to_nothing_outside_the_repository():
    for folder in (ROOT / "docs", ROOT / "docs" / "pt-BR"):
        for path in folder.glob("*.md"):
            text = path.read_text(encoding="utf-8")
            for target in re.findall(r"\]\(([^)]+)\)", text):
                if not target.startswith(("#", "/")):
                    assert (folder / target.split("#")[0]).is_file(), (path, target)
            assert "DESIGN.md" not in text and "/work/" not in text, path


def test_other_guide_pages_and_nothing_else(client):
    deploy = client.get("/docs/guide/deploy")
    assert deploy.status_code == 200 and "<h1" in deploy.text and "Deploying chainrule" in deploy.text
    for bad in ("/docs/guide/nope", "/docs/guide/..%2F..%2Fpyproject", "/docs/guide/API", "/docs/guide/.env"):
        assert client.get(bad).status_code == 404, bad


def test_limits_table_is_the_settings_documentation():
    rows = re.findall(r"^\| `(CHAINRULE_\w+)` \| (.*?) \| (.*) \|$", API_MD, re.M)
    documented = [(variable, default, meaning.replace("\\|", "|")) for variable, default, meaning in rows]

    def shown(default: str) -> str:
        if default == "None":
            return "unset"
        return f"`{ast.literal_eval(default)}`" if default[0] in "'\"" else default

    assert documented == [(v, shown(d), m) for v, d, m in Settings.documentation()]


def test_markdown_escapes_and_links_only_safely():
    assert inline("a `<b>` and <i>") == "a <code>&lt;b&gt;</code> and &lt;i&gt;"
    assert inline("[x](javascript:alert)") == "x"  # the label alone, no link
    assert "href" not in inline("[x](javascript:alert(1))") and "href" not in inline("[x](data:text/html,1)")
    assert inline("[`a.ipynb`](../examples/a.ipynb)") == "<code>a.ipynb</code>"  # not served by the app
    assert inline("[deploy](deploy.md#one) [ops](#get-api-v1-ops)") == (
        '<a href="/docs/guide/deploy#one">deploy</a> <a href="#get-api-v1-ops">ops</a>'
    )
    assert inline("**bold `code`**") == "<strong>bold <code>code</code></strong>"
    table = markdown_html("| a | b |\n|---|---|\n| `x \\| y` | 1 |")
    assert table == (
        "<table><thead><tr><th>a</th><th>b</th></tr></thead>"
        "<tbody><tr><td><code>x | y</code></td><td>1</td></tr></tbody></table>"
    )
    assert markdown_html("- one\n  more\n- two\n\ntext\nnext") == (
        "<ul><li>one more</li><li>two</li></ul>\n<p>text next</p>"
    )
    assert (
        markdown_html("```sh\n<x> & y\n```")
        == '<pre><code class="language-sh">&lt;x&gt; &amp; y</code></pre>'
    )


# ---------------------------------------------------------------------------------------------
# The guide in Português (Brasil): docs/pt-BR/X.md beside every docs/X.md.

FENCE = re.compile(r"^```[^\n]*\n.*?^```", re.M | re.S)
GUIDE_PAGES = sorted((ROOT / "docs").glob("*.md"))


COMMENT = re.compile(r"(^|\s+)#\s.*$", re.M)


def code_of(block: str) -> tuple[str, int]:
    """A code block without its `# comments` (each kept as a mark: none may go missing), and how
    many it had."""
    return COMMENT.sub(lambda found: " #" if found.group(1) else "#", block), len(COMMENT.findall(block))


def test_a_code_blocks_comment_is_translated_but_not_its_code():
    english = "curl -s http://x/healthz     # the answer\nchainrule serve  # Ctrl+C stops it\n"
    assert code_of(english) == code_of(
        "curl -s http://x/healthz # a resposta\nchainrule serve  # Ctrl+C o encerra\n"
    )
    assert code_of(english) != code_of(
        "curl -s http://y/healthz     # the answer\nchainrule serve  # Ctrl+C stops it\n"
    )
    assert code_of(english) != code_of("curl -s http://x/healthz\nchainrule serve  # Ctrl+C o encerra\n")


def headings(text: str) -> list[str]:
    """The heading levels in order, outside fenced code (a `# comment` in a shell block is code)."""
    return re.findall(r"^(#{1,6}) ", FENCE.sub("", text), re.M)


@pytest.mark.parametrize("english", GUIDE_PAGES, ids=lambda path: path.name)
def test_every_guide_page_has_a_translation_with_the_same_code_and_headings(english):
    """An English edit that forgets the translation fails here: the same code blocks in the same
    order — byte for byte but for the words of their comments, which are translated (a comment
    that shows a program's output stays as it is) — and the same headings (the anchors are the
    English ones, taken by position)."""
    translation = ROOT / "docs" / "pt-BR" / english.name
    assert translation.is_file(), f"docs/pt-BR/{english.name} is missing"
    en, pt = english.read_text(encoding="utf-8"), translation.read_text(encoding="utf-8")
    assert [code_of(block) for block in FENCE.findall(pt)] == [code_of(block) for block in FENCE.findall(en)]
    assert headings(pt) == headings(en) and headings(en)
    assert pt.splitlines()[0] != en.splitlines()[0]  # the title is translated, not copied


# Code spans that are words for people (pseudo-code), translated on purpose.
SPANS_IN_WORDS = {
    "name = expression": "nome = expressão",
    "students ÷ (students per core)": "alunos ÷ (alunos por núcleo)",
}


def structure(text: str, words: dict[str, str] | None = None) -> tuple:
    """What a faithful translation keeps: table rows, list items and every code span (the API's
    names, paths, codes and fields, as a sorted list, line breaks aside)."""
    prose = FENCE.sub("", text)
    spans = [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)]
    spans = sorted((words or {}).get(span, span) for span in spans)
    return len(re.findall(r"^\|", prose, re.M)), len(re.findall(r"^- ", prose, re.M)), spans


@pytest.mark.parametrize("english", GUIDE_PAGES, ids=lambda path: path.name)
def test_translations_keep_every_row_item_and_code_span(english):
    """A row, a list item or a field name added to the English page and not to its translation fails."""
    translation = ROOT / "docs" / "pt-BR" / english.name
    en, pt = english.read_text(encoding="utf-8"), translation.read_text(encoding="utf-8")
    assert structure(pt) == structure(en, SPANS_IN_WORDS)


def test_guide_in_both_languages_with_the_same_anchors(client):
    english = client.get("/docs/guide")
    assert 'lang="en"' in english.text.split("<head>")[0]
    shown, hidden = main_of(english.text, "en"), main_of(english.text, "pt-BR")
    assert "hidden" not in shown.split(">")[0] and " hidden>" in hidden.split("\n")[0]
    assert "docs.guide.english" not in english.text  # no "English only" note: there is a translation
    anchors = re.findall(r'data-anchor="([^"]+)"', shown)
    assert anchors == re.findall(r'data-anchor="([^"]+)"', hidden) and "limits" in anchors
    assert re.findall(r' id="([^"]+)"', shown) == anchors and " id=" not in hidden  # ids once per page

    portuguese = client.get("/docs/guide?lang=pt-BR")
    assert (
        '<html lang="pt-BR">' in portuguese.text and "<title>API REST do chainrule</title>" in portuguese.text
    )
    shown = main_of(portuguese.text, "pt-BR")
    assert '<h2 id="limits" data-anchor="limits">Limites</h2>' in shown
    assert '<h2 id="errors" data-anchor="errors">Erros</h2>' in shown
    assert " hidden>" in main_of(portuguese.text, "en").split("\n")[0]
    assert "Cliente Python" in shown and "Python client" not in shown
    links = Page()
    links.feed(shown)
    guide_links = [link for link in links.links if link.startswith("/docs")]
    assert "/docs/guide/deploy?lang=pt-BR" in guide_links  # [deploy.md](deploy.md), in Portuguese
    assert all("lang=pt-BR" in link for link in guide_links), guide_links
    for link in links.links:
        if link.startswith("#"):
            assert f'id="{link[1:]}"' in shown, link  # the English anchors, on the Portuguese copy
    deploy = client.get("/docs/guide/deploy?lang=pt")  # pt, pt-br, pt-BR as i18n.js reads them
    assert "<title>Implantação do chainrule</title>" in deploy.text
    assert "/docs/guide?lang=pt-BR#limits" in main_of(deploy.text, "pt-BR")  # [api.md](api.md#limits)


@pytest.mark.parametrize("name", [path.stem for path in GUIDE_PAGES])
def test_every_guide_page_renders_in_both_languages(client, name):
    url = apidocs.GUIDE if name == "api" else f"{apidocs.GUIDE}/{name}"
    for lang in ("en", "pt-BR"):
        response = client.get(f"{url}?lang={lang}")
        assert (
            response.status_code == 200 and f'<main class="guide" lang="{lang}" data-title=' in response.text
        )
        page = parsed(response.text)
        assert "`" not in "".join(page.text), (
            name,
            lang,
        )  # no raw Markdown: every code span and link rendered
        assert "](" not in "".join(page.text), (name, lang)


def test_an_untranslated_page_is_english_with_a_note(client, tmp_path, monkeypatch):
    monkeypatch.setitem(apidocs.TRANSLATIONS, apidocs.PT, tmp_path)  # no docs/pt-BR/*.md at all
    response = client.get("/docs/guide/deploy?lang=pt-BR")
    assert response.status_code == 200 and '<html lang="pt-BR">' in response.text  # the nav in Portuguese
    assert '<p class="muted" data-i18n="docs.guide.english"></p>' in response.text
    assert response.text.count("<main") == 1 and "<title>Deploying chainrule</title>" in response.text
    assert '<h1 id="deploying-chainrule"' in main_of(response.text, "en")
    assert " hidden" not in main_of(response.text, "en").split("\n")[0]
