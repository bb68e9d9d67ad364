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
    assert '<h1 id="chainrule-rest-api">chainrule REST API</h1>' in response.text
    assert "`" not in "".join(page.text)  # every code span rendered
    assert response.text.count("<table>") == API_MD.count("\n|---")
    assert response.text.count("<pre><code") == API_MD.count("\n```") // 2
    assert {"/", "/docs"} <= set(page.links)
    for link in page.links:  # nothing outside this app: its own paths and anchors on the page
        assert link.startswith(("/", "#")), link
        if link.startswith("#"):
            assert link[1:] in page.ids, link
        elif link.startswith("/docs/guide"):
            assert client.get(link.split("#")[0]).status_code == 200, link


def test_docs_refer_to_nothing_outside_the_repository():
    for target in re.findall(r"\]\(([^)]+)\)", API_MD):
        if target.startswith(("#", "/")):
            continue
        assert (ROOT / "docs" / target.split("#")[0]).is_file(), target
    assert "DESIGN.md" not in API_MD and "/work/" not in API_MD


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
    assert inline("[x](javascript:alert(1))") == "[x](javascript:alert(1))"
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
