"""The HTML pages: Jinja2 templates from `templates/` (see app.paths).

HEAD on each is answered by app.middleware.HeadMiddleware; the security headers (a CSP that
admits only this origin's scripts and styles) by HeadersMiddleware, so no page may carry an
inline <script>, <style> or style="" attribute.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.paths import TEMPLATES_DIR

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

router = APIRouter(include_in_schema=False)
FAVICON = "/static/icons/favicon.svg"


def _page(request: Request, name: str) -> Response:
    """Render templates/<name>; a plain placeholder while the template does not exist yet."""
    if not (TEMPLATES_DIR / name).is_file():
        body = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>chainrule</title></head>"
            f"<body><p>chainrule: the page template <code>templates/{name}</code> is not there yet.</p>"
            "<p>The API is at <a href='/docs'>/docs</a>.</p></body></html>"
        )
        return HTMLResponse(body)
    return templates.TemplateResponse(request, name, {"request": request})


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    return _page(request, "index.html")


@router.get("/train", response_class=HTMLResponse)
def train(request: Request) -> Response:
    return _page(request, "train.html")


@router.get("/optimizers", response_class=HTMLResponse)
def optimizers(request: Request) -> Response:
    return _page(request, "optimizers.html")


@router.get("/handout", response_class=HTMLResponse)
def handout(request: Request) -> Response:
    """One figure per step of the graph page's state (its #source=…&inputs=… or #lesson=ID), for print."""
    return _page(request, "handout.html")


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page links: send them to the SVG."""
    return RedirectResponse(FAVICON, status_code=308)
