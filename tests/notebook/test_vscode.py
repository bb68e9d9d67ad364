"""The notebook display as VS Code shows it, emulated in Chromium (VS Code itself cannot be
installed here). What VS Code does with a text/html output, from its sources (microsoft/vscode):

- the webview (src/vs/workbench/contrib/webview/browser/pre/index.html @ 03ed7529): an iframe with
  sandbox="allow-same-origin allow-pointer-lock allow-scripts allow-downloads" (a notebook's
  webview has allowScripts and no allowForms: backLayerWebView.ts _createInset) loads fake.html
  and, once it is loaded, document.write()s the notebook's one document into it;
- that document (backLayerWebView.ts generateContent @ f0c844bf): #container for every cell's
  outputs, the preload as an inline module, and a Content-Security-Policy <meta> only when the
  user sets notebook.experimental.enableCsp (script-src https://*.vscode-cdn.net 'unsafe-inline'
  'unsafe-eval', no blob:);
- the built-in renderer (extensions/notebook-renderers/src/index.ts @ 079eae28): innerHTML of a new
  div in the output's element, through the 'notebookRenderer' trusted-types policy (a pass-through:
  neither document requires trusted types), then every <script> re-created so that it runs —
  ported in vscode_renderer.js.

An output's <iframe srcdoc> inherits the webview frame's sandbox flags and the document's policy.

So every output of a notebook shares ONE document: two displays of the same graph must not clash
by element ids, globals, CSS or a top-level `const` declared twice. The outputs are made by
app.notebook as a kernel makes them (a Slide's _repr_html_ is the text/html of its display).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.notebook.test_notebook import ARTIFACTS, need

HERE = Path(__file__).resolve().parent
ORIGIN = "https://vscode-webview.test"  # a made-up origin: the test serves it (nothing goes out)
LECTURE = ("a = x + y\nb = max(y, z)\nf = a * b", {"x": 1, "y": 2, "z": 0})
SCORER = (
    "z = W @ x + b\nh = sigmoid(z)\ns = dot(u, h)",
    {"W": [[0.5, -0.2, 0.1], [0.3, 0.8, -0.5]], "x": [1.0, 2.0, -1.0], "b": [0.1, -0.1], "u": [1.0, -2.0]},
)
# generateContent's policy when notebook.experimental.enableCsp is on (webviewGenericCspSource filled in).
ENABLE_CSP = (
    "default-src 'none'; script-src https://*.vscode-cdn.net 'unsafe-inline' 'unsafe-eval'; "
    "style-src https://*.vscode-cdn.net 'unsafe-inline'; img-src https://*.vscode-cdn.net https: http: data:; "
    "font-src https://*.vscode-cdn.net https:; connect-src https:; child-src https: data:;"
)
SANDBOX = "allow-same-origin allow-pointer-lock allow-scripts allow-downloads"

HOST = "<!DOCTYPE html><html lang=en style='width:100%;height:100%'><head><meta charset=UTF-8></head><body style='margin:0;overflow:hidden;width:100%;height:100%'></body></html>"

# pre/index.html's frame dance: a sandboxed iframe at fake.html, and once it is loaded the notebook
# document written into it (document.open/write/close, after a setTimeout as VS Code does).
MOUNT = """async ([doc, sandbox]) => {
  const frame = document.createElement('iframe');
  frame.id = 'pending-frame';
  frame.setAttribute('frameborder', '0');
  frame.setAttribute('sandbox', sandbox);
  frame.setAttribute('allow', 'cross-origin-isolated; autoplay; clipboard-read; clipboard-write;');
  frame.src = './fake.html?id=notebook';
  frame.style.cssText = 'display: block; margin: 0; overflow: hidden; position: absolute; width: 100%; height: 100%; visibility: hidden';
  document.body.appendChild(frame);
  await new Promise((resolve) => {
    const poll = setInterval(() => {
      const d = frame.contentDocument;
      if (d && d.location.pathname.endsWith('/fake.html') && d.readyState !== 'loading') { clearInterval(poll); resolve(); }
    }, 10);
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  const d = frame.contentDocument;
  d.open(); d.write(doc); d.close();
  frame.id = 'active-frame';
  frame.style.visibility = 'visible';
}"""

WORLD = """() => ({
  globals: Object.getOwnPropertyNames(window).filter((k) => !/^\\d+$/.test(k)).sort(),
  sheets: document.styleSheets.length,
  ids: [...document.querySelectorAll('[id]')].map((e) => e.id).sort(),
  scripts: document.querySelectorAll('#container script').length,
  font: getComputedStyle(document.body).fontFamily,
  storage: Object.keys(localStorage).sort(),  // the outputs' frames share the webview's origin
  hash: location.hash,
})"""


def notebook_document(csp: str | None) -> str:
    """backLayerWebView.generateContent, as toContentHtml() hands it to the frame: the vscode API
    script and default styles first, the CSP <meta> when enabled, #container, the preload."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{csp}">' if csp else ""
    preload = (HERE / "vscode_renderer.js").read_text(encoding="utf-8")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head>'
        '<script id="_vscodeApiScript">globalThis.acquireVsCodeApi = () => ({ postMessage() {}, setState(s) { return s; }, getState() {} });</script>'
        "<style>body { margin: 0; padding: 0 20px; color: #3b3b3b; font-family: system-ui; font-size: 13px; }"
        " img, video { max-width: 100%; max-height: 100%; }</style>"
        f'<meta charset="UTF-8"><base href="{ORIGIN}/notebooks/">{meta}'
        "<style>#container > div > div > div.output { width: calc(100% - 40px); margin-left: 30px; }"
        " body { padding: 0; height: 100%; width: 100%; } table, th, tr { text-align: right; }</style>"
        '</head><body style="overflow: hidden;" role="document">'
        "<div id='findStart' tabIndex=-1></div>"
        '<div id=\'container\' class="widgetarea" style="position: absolute;width:100%;top: 0px"></div>'
        f'<script type="module">{preload}</script></body></html>'
    )


def displays() -> list[str]:
    """Three outputs as a kernel sends them: the lecture twice (the same ids, the same code) and
    the tensor graph in Portuguese at step 1 with gradients hidden."""
    from app.notebook import Slide, document_of

    lecture = Slide(document_of(*LECTURE))._repr_html_()
    tensors = Slide(document_of(*SCORER), step=0, lang="pt-BR", hide="grads")._repr_html_()
    return [lecture, tensors, lecture]


class Webview:
    """A Chromium context where ORIGIN serves the webview host and fake.html, and nothing else
    answers: every other request is refused and listed."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1000, "height": 2400})
        self.refused: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self.route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def route(self, route) -> None:
        url = route.request.url
        if url.startswith(("blob:", "data:", "about:")):
            route.continue_()
        elif url == f"{ORIGIN}/index.html":
            route.fulfill(content_type="text/html", body=HOST)
        elif url.startswith(f"{ORIGIN}/fake.html"):
            route.fulfill(
                content_type="text/html",
                body="<!DOCTYPE html><html lang=en><head><meta charset=UTF-8><title>Fake</title></head><body></body></html>",
            )
        else:
            self.refused.append(url)
            route.abort()

    def open(self, csp: str | None):
        self.page.goto(f"{ORIGIN}/index.html")
        self.page.evaluate(MOUNT, [notebook_document(csp), SANDBOX])
        frame = next(f for f in self.page.frames if f.url.startswith(f"{ORIGIN}/fake.html"))
        self.page.wait_for_timeout(50)
        for _ in range(100):
            if frame.evaluate("() => typeof window.renderOutput === 'function'"):
                return frame
            self.page.wait_for_timeout(50)
        raise AssertionError(f"the preload did not run: {self.errors}")

    def render(self, frame, outputs: list[str], first: int = 0) -> None:
        top = 0
        for index, text in enumerate(outputs, start=first):
            frame.evaluate(
                "(a) => window.renderOutput(...a)",
                [f"cell-{index}", f"output-{index}", "text/html", text, top],
            )
            top += int(re.search(r"height:(\d+)px", text)[1]) + 24


@pytest.fixture()
def webview(browser):
    need("playwright.sync_api")
    view = Webview(browser)
    yield view
    view.context.close()


def test_two_displays_in_one_vscode_webview_draw_and_step_apart(webview) -> None:
    expect = need("playwright.sync_api").expect
    outputs = displays()
    frame = webview.open(None)
    before = frame.evaluate(WORLD)
    webview.render(frame, outputs)
    shown = webview.page.frame_locator("#active-frame").frame_locator("div.output iframe")
    lecture, tensors, again = shown.nth(0), shown.nth(1), shown.nth(2)
    for display in (lecture, again):  # each copy draws its numbers
        expect(display.locator(".step-counter")).to_have_text("Step 13 of 13")
        expect(display.locator('text.val[data-node="f"]')).to_have_text("6")
        for node, grad in {"x": "2", "y": "5", "a": "2", "b": "3"}.items():
            expect(display.locator(f'text.grad[data-node="{node}"]')).to_have_text(f"∇ {grad}")
    expect(tensors.locator(".step-counter")).to_have_text("Passo 1 de 16")
    expect(tensors.locator('g.tensor[data-node="W"] text.cell').first).to_have_text("0,5")

    # Each stepper moves its own display only (the two lecture copies have the same ids and code).
    lecture.locator("svg.graph").click(position={"x": 8, "y": 8})
    webview.page.keyboard.press("Home")
    expect(lecture.locator(".step-counter")).to_have_text("Step 1 of 13")
    expect(lecture.locator(".step-lines")).to_have_text("x = 1  (input)")
    expect(again.locator(".step-counter")).to_have_text("Step 13 of 13")
    again.get_by_role("button", name="Previous step (←)").click()
    expect(again.locator(".step-counter")).to_have_text("Step 12 of 13")
    expect(lecture.locator(".step-counter")).to_have_text("Step 1 of 13")
    tensors.locator("svg.graph").click(position={"x": 8, "y": 8})
    webview.page.keyboard.press("End")
    expect(tensors.locator(".step-counter")).to_have_text("Passo 16 de 16")
    expect(tensors.locator('text.val[data-node="s"]')).to_have_text("−1,29")
    expect(tensors.locator(".step-lines")).to_contain_text("na linha i de ∂outᵢ/∂W, 0 nos demais")  # W's step
    assert "in row" not in tensors.locator(".step-lines").inner_text()
    expect(lecture.locator(".step-counter")).to_have_text("Step 1 of 13")  # the English ones stay English
    webview.page.keyboard.press("g")  # a key in one output: the other outputs' gradients stay shown
    expect(tensors.locator('[data-view="grads"]')).to_have_attribute("aria-pressed", "true")
    expect(again.locator('[data-view="grads"]')).to_have_attribute("aria-pressed", "true")

    # The shared document is as it was: no global, stylesheet, element id or script left in it by
    # an output (a top-level `const` run twice would have thrown into webview.errors).
    after = frame.evaluate(WORLD)
    new_ids = sorted(set(after.pop("ids")) - set(before.pop("ids")))
    assert new_ids == sorted([f"cell-{i}" for i in range(3)] + [f"output-{i}" for i in range(3)])
    assert after == before
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    webview.page.screenshot(
        path=str(ARTIFACTS / "notebook-vscode-webview.png"),
        clip={"x": 0, "y": 0, "width": 1000, "height": 1500},
    )
    assert not webview.errors, webview.errors
    assert not webview.refused, webview.refused  # no output asked the network for anything

    # The port runs scripts as VS Code does, so the checks above could fail: an output with a
    # top-level `const`, shown twice, throws the second time; module scripts run, each in its scope.
    probe = (
        "<div class=probe></div><script>const chainruleProbe = (window.probeRuns = (window.probeRuns || 0) + 1);</script>"
        '<script type="module">window.probeModules = (window.probeModules || 0) + 1;</script>'
    )
    webview.render(frame, [probe.replace("<div", "<div style='height:1px'")] * 2, first=3)
    webview.page.wait_for_timeout(200)
    assert frame.evaluate("() => [window.probeRuns, window.probeModules]") == [1, 2]
    assert any("already been declared" in error for error in webview.errors), webview.errors
    webview.errors.clear()


def test_with_vscode_s_experimental_csp_the_display_still_draws(webview) -> None:
    """notebook.experimental.enableCsp puts a policy on the webview document that an output's
    frame inherits: inline scripts and eval are allowed, blob: scripts are not."""
    expect = need("playwright.sync_api").expect
    frame = webview.open(ENABLE_CSP)
    webview.render(frame, displays()[:2])
    shown = webview.page.frame_locator("#active-frame").frame_locator("div.output iframe")
    expect(shown.nth(0).locator('text.val[data-node="f"]')).to_have_text("6")
    expect(shown.nth(1).locator(".step-counter")).to_have_text("Passo 1 de 16")
    shown.nth(0).locator("svg.graph").click(position={"x": 8, "y": 8})
    webview.page.keyboard.press("Home")
    expect(shown.nth(0).locator(".step-counter")).to_have_text("Step 1 of 13")
    refused = [e for e in webview.errors if "Content Security Policy" in e]
    assert webview.errors == refused, webview.errors
    assert not webview.refused, webview.refused
