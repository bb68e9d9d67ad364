"""/docs and /docs/guide in Chromium: rendered text (no raw backticks), links back to the app and to
the guide, a working "Send", and no console error or CSP violation."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.api.test_apidocs import docs_app
from tests.browser.conftest import ARTIFACTS, PageProblems, _free_port, screenshot

pytestmark = pytest.mark.browser

# The policy A's middleware sends, enforced here as well so that this test holds on its own.
POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'"
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective));
"""


@pytest.fixture(scope="module")
def docs_server() -> Iterator[str]:
    """The app with the docs router, served by uvicorn in a thread."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(docs_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the docs server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture()
def docs_page(browser, docs_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=docs_server)

    def with_policy(route) -> None:
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": POLICY}
        route.fulfill(response=response, headers=headers)

    context.route("**/docs**", with_policy)
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    problems = PageProblems(docs_server)
    page.on("console", problems.on_console)
    page.on("pageerror", problems.on_page_error)
    page.on("request", problems.on_request)
    yield page
    violations = page.evaluate("window.__violations ?? []")
    context.close()
    assert violations == [] and problems.report() == [], (violations, problems.report())


def _until(page, expression: str, timeout: float = 15.0) -> None:
    """Poll from Python: wait_for_function's string predicate needs the eval the CSP forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def test_reference_renders_markdown_and_links_back(docs_page) -> None:
    page = docs_page
    page.goto("/docs")
    _until(page, "document.body.dataset.ready === 'true'")
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => d.open = true)")
    text = page.inner_text("body")
    assert "`" not in text  # every code span of every description rendered
    assert page.locator("#intro code").count() >= 2  # the description's code spans
    assert page.locator("#operations > details").count() >= 7
    assert page.locator("a[href='/']").count() >= 1 and page.locator("a[href^='/docs/guide?']").count() >= 1
    assert "Evaluate a graph" in page.inner_text("#operations")  # the routes' summaries
    screenshot(page, "docs-reference", full_page=False)
    evaluate = page.locator("#operations > details").filter(has_text="/api/v1/evaluate").first
    evaluate.locator("button").click()
    output = evaluate.locator("pre.output")
    deadline = time.monotonic() + 15
    while not output.inner_text().startswith("200"):
        assert time.monotonic() < deadline, output.inner_text()
        page.wait_for_timeout(50)
    assert '"output": "f"' in output.inner_text()
    evaluate.screenshot(path=str(ARTIFACTS / "docs-evaluate.png"))


def test_guide_is_served_and_links_back(docs_page) -> None:
    page = docs_page
    page.goto("/docs")
    _until(page, "document.body.dataset.ready === 'true'")
    page.click("nav.top a[href^='/docs/guide?']")
    page.wait_for_url("**/docs/guide?lang=en")  # the links carry the language
    assert page.inner_text("main:not([hidden]) h1") == "chainrule REST API"
    assert "`" not in page.inner_text("body")
    assert page.locator("main:not([hidden]) table").count() >= 3
    assert page.locator("main:not([hidden]) pre code").count() >= 8
    page.click("main:not([hidden]) >> text=deploy.md")
    page.wait_for_url("**/docs/guide/deploy?lang=en")
    assert page.inner_text("main:not([hidden]) h1") == "Deploying chainrule"
    page.go_back()
    page.locator("#limits").scroll_into_view_if_needed()
    screenshot(page, "docs-guide-limits")
    home = page.locator("nav.top a.home")
    assert home.get_attribute("href") == "/" and page.request.get("/").status == 200


def test_page_words_in_portuguese(docs_page) -> None:
    page = docs_page
    page.goto("/docs#get-api-v1-ops")
    _until(page, "document.body.dataset.ready === 'true'")
    page.click(".lang-switch button[data-lang='pt-BR']")
    _until(page, "document.documentElement.lang === 'pt-BR'")
    assert page.inner_text("h1") == "API do chainrule"
    assert [h.strip() for h in page.locator("h2").all_inner_texts()] == ["Operações", "Esquemas"]
    evaluate = page.locator("#operations > details").filter(has_text="/api/v1/evaluate").first
    evaluate.locator(":scope > summary").click()
    body = evaluate.inner_text()
    for word in (
        "Corpo da requisição",
        "Experimente",
        "Enviar POST",
        "Respostas",
        "significado",
        "resposta 200",
    ):
        assert word in body, word
    for english in ("Request body", "Try it", "Send POST", "Responses", "meaning"):
        assert english not in body, english
    screenshot(page, "docs-pt-BR")
    page.click("nav.top a[href^='/docs/guide?']")
    page.wait_for_url("**/docs/guide?lang=pt-BR")  # the guide opens in the page's language
    _until(page, "document.body.dataset.ready === 'true'")
    assert page.inner_text("nav.top a[href^='/docs/guide?']") == "Guia da API"
    assert page.inner_text("main:not([hidden]) h1") == "API REST do chainrule"


def test_guide_switches_to_portuguese_and_back(docs_page) -> None:
    """One load of /docs/guide: English first; the switch shows the Portuguese copy at once (no
    reload, no request), at the section the reader was at, with no English paragraph; and back."""
    page = docs_page
    page.goto("/docs/guide#limits")
    _until(page, "document.body.dataset.ready === 'true'")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.inner_text("main:not([hidden]) h1") == "chainrule REST API"
    english = page.locator("main[lang='en'] p").all_text_contents()
    english_headings = page.locator("main[lang='en'] h2").all_inner_texts()
    requests: list[str] = []
    page.on(  # a reload or a fetch would show here (Chromium may ask for the favicon again: not counted)
        "request",
        lambda request: (
            requests.append(request.url) if request.resource_type in ("document", "fetch", "xhr") else None
        ),
    )

    page.click(".lang-switch button[data-lang='pt-BR']")
    _until(page, "document.documentElement.lang === 'pt-BR'")
    assert page.locator("main[lang='en']").is_hidden() and page.locator("main[lang='pt-BR']").is_visible()
    assert page.inner_text("main:not([hidden]) h1") == "API REST do chainrule"
    assert page.title() == "API REST do chainrule"
    headings = page.locator("main:not([hidden]) h2").all_inner_texts()
    assert len(headings) == len(english_headings)
    for word in ("Erros", "Limites", "Cliente Python", "Linha de comando", "A linguagem de expressões"):
        assert word in headings, (word, headings)
    for word in ("Errors", "Limits", "Python client", "Command line", "The expression language"):
        assert word not in headings, word
    paragraphs = page.locator("main:not([hidden]) p").all_text_contents()
    assert len(paragraphs) >= 20 and not set(paragraphs) & set(english), set(paragraphs) & set(english)
    limits = page.locator("#limits")  # the anchor moved to the Portuguese heading, still on screen
    assert limits.inner_text() == "Limites" and 0 <= limits.bounding_box()["y"] < 800
    assert page.locator("[id='limits']").count() == 1
    assert page.url.endswith("/docs/guide?lang=pt-BR#limits")  # a link to share: this page, this place
    assert page.get_attribute(".lang-switch", "aria-label") == "Idioma"
    links = page.locator("main:not([hidden]) a[href^='/docs/guide/']").evaluate_all(
        "(as) => as.map((a) => a.getAttribute('href'))"
    )
    assert links and all("lang=pt-BR" in link for link in links), links
    assert requests == [], requests  # both copies came with the page
    screenshot(page, "docs-guide-pt-BR-limits")  # the sticky nav over the table, the section kept
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, "docs-guide-pt-BR")

    page.click(".lang-switch button[data-lang='en']")
    _until(page, "document.documentElement.lang === 'en'")
    assert page.inner_text("main:not([hidden]) h1") == "chainrule REST API"
    assert page.locator("main[lang='pt-BR']").is_hidden() and page.title() == "chainrule REST API"
    assert page.locator("#limits").inner_text() == "Limits" and page.url.endswith("?lang=en#limits")
    screenshot(page, "docs-guide-en")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the switch on screen, nothing wider
    page.evaluate("() => window.scrollTo(0, 0)")
    switch = page.locator(".lang-switch button[data-lang='pt-BR']").bounding_box()
    assert switch["x"] + switch["width"] <= 390 and switch["y"] + switch["height"] <= 844, switch
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
