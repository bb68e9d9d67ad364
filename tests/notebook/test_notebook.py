"""The notebook extension as a student meets it: a real kernel (nbclient + ipykernel) runs a
notebook that loads `app.notebook`, nbconvert exports it to HTML, and Chromium opens that file
with every network request refused — the lecture's numbers must be drawn, the stepper must step
with the keys, and no request may leave the page. Where nbconvert is not installed the outputs
are written into a bare page instead (what is checked is the outputs, self-contained either way).

Skips when nbclient, ipykernel, Playwright or Chromium are missing; fails instead when
CHAINRULE_REQUIRE_BROWSER=1 (CI installs the test extra).
"""

from __future__ import annotations

import html
import importlib
import json
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.browser.conftest import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "chainrule.ipynb"
LOCAL = ("data:", "blob:", "file:", "about:")
LECTURE = r"a = x + y\nb = max(y, z)\nf = a * b"
SCORER = r"z = W @ x + b\nh = sigmoid(z)\ns = dot(u, h)"
CELLS = [
    "%load_ext app.notebook",
    # An Evaluation, displayed as the cell's value.
    f'from engine import evaluate, parse\nevaluate(parse("{LECTURE}"), {{"x": 1, "y": 2, "z": 0}})',
    # A builder expression (its Vars carry the values).
    'from engine import Var, maximum\nx, y, z = Var("x", 1.0), Var("y", 2.0), Var("z", 0.0)\n'
    '((x + y).named("a") * maximum(y, z).named("b")).named("f")',
    # show(): any source and inputs, here tensors, at the first step, in Portuguese, gradients hidden.
    f'show("{SCORER}", {{"W": [[0.5, -0.2, 0.1], [0.3, 0.8, -0.5]], "x": [1.0, 2.0, -1.0], '
    '"b": [0.1, -0.1], "u": [1.0, -2.0]}, step=0, lang="pt-BR", hide="grads")',
]


def shot(locator, name: str) -> None:
    """One output's frame as a PNG under tests/artifacts/ (look at it)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def need(module: str) -> ModuleType:
    """Import `module`, or skip — or fail, when CI requires these tests to run."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        reason = f"{module} cannot be imported ({error}; pip install -e '.[test]')"
        if os.environ.get("CHAINRULE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"notebook tests required (CHAINRULE_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
        pytest.skip(reason)


def execute(notebook, folder: Path):
    """Run `notebook` in place with a real ipykernel on this Python, the checkout first on its path."""
    nbclient = need("nbclient")
    need("ipykernel")
    spec = folder / "kernels" / "chainrule-test"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "chainrule test",
                "language": "python",
                "env": {"PYTHONPATH": str(ROOT)},
            }
        )
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(folder))  # the kernel spec above, found by name
        client = nbclient.NotebookClient(
            notebook, kernel_name="chainrule-test", timeout=120, resources={"metadata": {"path": str(ROOT)}}
        )
        client.execute()
    return notebook


def frame_of(output: str) -> str:
    """The document inside an output's frame."""
    srcdoc = re.search(r'<iframe srcdoc="([^"]*)"', output)
    assert srcdoc, output[:200]
    return html.unescape(srcdoc[1])


def slides(notebook) -> list[str]:
    """The HTML of every output, in order; fails on any error output."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"{output.get('ename')}: {output.get('evalue')}"
            if "text/html" in output.get("data", {}):
                found.append(output["data"]["text/html"])
    return found


def export(notebook) -> str:
    """nbconvert's default HTML export (`jupyter nbconvert --to html`), or, without nbconvert,
    the outputs in a bare page."""
    try:
        from nbconvert import HTMLExporter
    except ImportError:
        outputs = "".join(f"<div class=output>{output}</div>" for output in slides(notebook))
        return f"<!doctype html><html><head><meta charset=utf-8><title>chainrule</title></head><body>{outputs}</body></html>"
    return HTMLExporter().from_notebook_node(notebook)[0]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict:
    """The notebook above, executed and exported to one HTML file."""
    nbformat = need("nbformat")
    folder = tmp_path_factory.mktemp("notebook")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    execute(notebook, folder)
    body = export(notebook)
    path = folder / "chainrule.html"
    path.write_text(body, encoding="utf-8")
    return {"notebook": notebook, "path": path, "html": body}


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's one Chromium (tests/conftest.py): Playwright's sync API allows one driver per thread."""
    need("playwright.sync_api")
    return browser


class Offline:
    """Refuses every request that would leave the file (routing all of them) and keeps a list:
    the exported page's own head asks for nbconvert's require.js and MathJax on a CDN, which are
    allowed to fail; anything else — above all from a chainrule frame — is a finding."""

    def __init__(self, exported_html: str) -> None:
        head = exported_html.split("<body", 1)[0]
        self.template_assets = set(re.findall(r'<script[^>]+src="(https?://[^"]+)"', head))
        self.requests: list[tuple[str, str]] = []
        self.errors: list[str] = []

    def route(self, route) -> None:
        request = route.request
        if request.url.startswith(LOCAL):
            route.continue_()
            return
        self.requests.append((request.url, request.frame.url))
        route.abort()

    def console(self, message) -> None:
        url = (message.location or {}).get("url", "")
        if message.type == "error" and url not in self.template_assets:
            self.errors.append(f"{message.text} ({url})")

    def findings(self) -> list[str]:
        leaving = [
            f"{url} from {frame}"
            for url, frame in self.requests
            if url not in self.template_assets or frame.startswith("about:srcdoc")
        ]
        return [f"request: {r}" for r in leaving] + [f"console: {e}" for e in self.errors]


@pytest.fixture()
def exported_page(chromium, exported):
    """The exported HTML opened from disk, offline; fails its test if anything left the page."""
    # As wide as a notebook column in a laptop's JupyterLab: each frame is under 900 px.
    context = chromium.new_context(viewport={"width": 960, "height": 900})
    offline = Offline(exported["html"])
    context.route("**/*", offline.route)
    page = context.new_page()
    page.on("console", offline.console)
    page.on("pageerror", lambda error: offline.errors.append(f"uncaught: {error}"))
    page.goto(exported["path"].as_uri())
    yield page
    context.close()
    assert not offline.findings(), "\n".join(offline.findings())


def test_every_display_is_a_self_contained_slide(exported) -> None:
    outputs = slides(exported["notebook"])
    assert len(outputs) == 3  # the Evaluation, the Expr, show()
    for output in outputs:
        frame = frame_of(output)
        # Everything it runs is inside it: no script or stylesheet fetched, no URL but the SVG namespace.
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=", frame)
        assert set(re.findall(r"https?://[\w./-]+", frame)) == {"http://www.w3.org/2000/svg"}
        assert '"grad"' in frame and '"layout"' in frame  # the API's document, layout included
    print(f"one output: {len(outputs[0])} characters")


def test_exported_notebook_draws_the_lecture_and_steps_offline(exported_page) -> None:
    expect = need("playwright.sync_api").expect
    page = exported_page
    for index in (0, 1):  # the Evaluation and the builder expression draw the same slide
        frame = page.frame_locator("iframe").nth(index)
        expect(frame.locator(".step-counter")).to_have_text("Step 13 of 13")
        expect(frame.locator('text.val[data-node="f"]')).to_have_text("6")
        for node, grad in {"x": "2", "y": "5", "z": "0", "a": "2", "b": "3", "f": "1"}.items():
            expect(frame.locator(f'text.grad[data-node="{node}"]')).to_have_text(f"∇ {grad}")
    shot(page.locator("iframe").nth(0), "notebook-lecture")
    # The stage fills its frame: toolbar, drawing, panel, with no gap nor overflow between them.
    toolbar, canvas, panel, height = page.frames[1].evaluate(
        """() => [".toolbar", ".canvas", ".step-panel", "body"].map((s) => document.querySelector(s)
             .getBoundingClientRect()).map((r, i, all) => (i < 3 ? [r.top, r.bottom] : innerHeight))"""
    )
    assert toolbar[0] == 0 and canvas[0] == toolbar[1] and 0 <= panel[0] - canvas[1] <= 12
    assert height - 16 <= panel[1] <= height

    frame = page.frame_locator("iframe").nth(0)
    frame.locator("svg.graph").click(position={"x": 8, "y": 8})  # keys act on the output that has focus
    page.keyboard.press("Home")
    expect(frame.locator(".step-counter")).to_have_text("Step 1 of 13")
    expect(frame.locator('text.val[data-node="f"]')).to_have_attribute("visibility", "hidden")
    expect(frame.locator(".step-lines")).to_have_text("x = 1  (input)")
    page.keyboard.press("ArrowRight")
    expect(frame.locator(".step-counter")).to_have_text("Step 2 of 13")
    expect(frame.locator('text.val[data-node="y"]')).to_have_attribute("visibility", "visible")
    expect(frame.locator(".step-lines")).to_have_text("y = 2  (input)")
    frame.get_by_role("button", name="Next step (→)").click()
    expect(frame.locator(".step-counter")).to_have_text("Step 3 of 13")
    shot(page.locator("iframe").nth(0), "notebook-lecture-step-3")
    page.keyboard.press("End")
    expect(frame.locator(".step-counter")).to_have_text("Step 13 of 13")
    page.keyboard.press("g")  # the classroom key: gradients hidden until revealed
    expect(frame.locator('[data-view="grads"]')).to_have_attribute("aria-pressed", "false")
    expect(frame.locator('text.grad[data-node="f"]')).to_be_hidden()
    frame.locator('g.node[data-node="f"]').click()  # a click reveals that one node's gradient
    expect(frame.locator('text.grad[data-node="f"]')).to_be_visible()
    expect(frame.locator('text.grad[data-node="x"]')).to_be_hidden()
    page.keyboard.press("g")
    expect(frame.locator('text.grad[data-node="x"]')).to_be_visible()
    # The other outputs did not move.
    expect(page.frame_locator("iframe").nth(1).locator(".step-counter")).to_have_text("Step 13 of 13")


def test_show_draws_tensors_in_portuguese_at_the_step_asked_gradients_hidden(exported_page) -> None:
    expect = need("playwright.sync_api").expect
    frame = exported_page.frame_locator("iframe").nth(2)
    expect(frame.locator(".step-counter")).to_have_text("Passo 1 de 16")
    expect(frame.locator('g.tensor[data-node="W"] text.cell').first).to_have_text("0,5")
    expect(frame.locator('g.tensor[data-node="s"]')).to_have_count(0)  # s is a scalar
    expect(frame.locator('text.val[data-node="s"]')).to_have_attribute("visibility", "hidden")
    frame.locator("svg.graph").click(position={"x": 8, "y": 8})
    exported_page.keyboard.press("End")
    expect(frame.locator(".step-counter")).to_have_text("Passo 16 de 16")
    expect(frame.locator('text.val[data-node="s"]')).to_have_text("−1,29")  # 3 significant digits
    expect(frame.locator('[data-view="grads"]')).to_have_attribute("aria-pressed", "false")
    expect(frame.locator('text.grad[data-node="s"]')).to_be_hidden()
    expect(frame.locator(".step-lines")).to_contain_text("∂s/∂W = ?")  # the panel hides it too
    shot(exported_page.locator("iframe").nth(2), "notebook-tensor-pt-BR")


def test_example_notebook_runs(tmp_path) -> None:
    nbformat = need("nbformat")
    notebook = execute(nbformat.read(EXAMPLE, as_version=4), tmp_path)
    outputs = slides(notebook)
    assert outputs and all("<iframe srcdoc=" in output for output in outputs)


def test_the_extension_formats_evaluations_and_expressions_until_unloaded() -> None:
    interactiveshell = need("IPython.core.interactiveshell")
    from app import notebook
    from engine import Var, evaluate, parse

    shell = interactiveshell.InteractiveShell.instance()
    try:
        result = evaluate(parse(LECTURE.replace(r"\n", "\n")), {"x": 1, "y": 2, "z": 0})
        assert "text/html" not in shell.display_formatter.format(result)[0]
        notebook.load_ipython_extension(shell)
        assert "<iframe srcdoc=" in shell.display_formatter.format(result)[0]["text/html"]
        assert shell.user_ns["show"] is notebook.show
        # An expression whose Var has no value yet stays text: a display hook never raises.
        shown = shell.display_formatter.format(Var("w") * 2)[0]
        assert "text/html" not in shown and "Expr" in shown["text/plain"]
        notebook.unload_ipython_extension(shell)
        assert "text/html" not in shell.display_formatter.format(result)[0]
        assert "show" not in shell.user_ns
    finally:
        interactiveshell.InteractiveShell.clear_instance()


def test_bad_arguments_are_named() -> None:
    from app.notebook import Slide, document_of
    from engine import EngineError

    doc = document_of(LECTURE.replace(r"\n", "\n"), {"x": 1, "y": 2, "z": 0})
    assert len(doc["steps"]) == 13
    with pytest.raises(
        ValueError, match=r"step must be an integer from -13 to 12 \(this graph has 13 steps\)"
    ):
        Slide(doc, step=13)
    with pytest.raises(ValueError, match="lang must be 'en' or 'pt-BR', not 'fr'"):
        Slide(doc, lang="fr")
    with pytest.raises(ValueError, match="hide takes 'grads' and/or 'values', not 'grad'"):
        Slide(doc, hide=["values", "grad"])
    with pytest.raises(TypeError, match="not int"):
        document_of(3)
    with pytest.raises(EngineError) as error:
        document_of("f = x +", {})
    assert error.value.code == "syntax_error"
    options = re.search(r'id="chainrule-options">(.*?)</script>', frame_of(Slide(doc, step=-1)._repr_html_()))
    assert json.loads(options[1])["step"] == 12


def test_a_name_cannot_break_out_of_the_frame_s_data() -> None:
    from app.notebook import document_of, slide_html
    from engine import Var

    name = "</script><script>alert(1)</script>"
    output = slide_html(document_of((Var(name, 2.0) * 3).named("f")))
    frame = frame_of(output)
    # Four scripts (document, options, modules, loader), the name only inside the JSON, escaped.
    assert frame.count("<script") == frame.count("</script>") == 4
    assert name not in frame and "\\u003c/script>\\u003cscript>alert(1)" in frame
    assert output.count("<iframe") == 1


def test_the_frame_is_styled_as_the_graph_page() -> None:
    from app.notebook import stylesheets
    from app.paths import STATIC_DIR

    found = stylesheets()
    assert found[0] == "chainrule.css" and found[-1] == "notebook.css" and len(found) == len(set(found))
    assert all((STATIC_DIR / "css" / name).is_file() for name in found)


def test_the_modules_come_each_after_its_imports() -> None:
    from app.notebook import IMPORT, MARK, modules

    order, sources = modules()
    assert order[-1] == "notebook.js"
    assert {"graph.js", "stepper.js", "graph-explain.js", "i18n.js"} <= set(order)
    for name in order:
        assert not IMPORT.search(sources[name]), f"{name} still imports a file by its path"
        for dependency in re.findall(rf"{MARK}([\w.-]+\.js)", sources[name]):
            assert order.index(dependency) < order.index(name)
