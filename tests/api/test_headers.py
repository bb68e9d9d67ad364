"""Security headers, request ids, HEAD and caching on every kind of response (issue 13, item 4)."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import LECTURE, make_client

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)

RESPONSES = {  # one of every kind: pages, API, static, docs, errors of each sort
    "page": lambda c: c.get("/"),
    "train page": lambda c: c.get("/train"),
    "docs": lambda c: c.get("/docs"),
    "openapi": lambda c: c.get("/openapi.json"),
    "healthz": lambda c: c.get("/healthz"),
    "evaluate": lambda c: c.post("/api/v1/evaluate", json=LECTURE),
    "ops": lambda c: c.get("/api/v1/ops"),
    "static js": lambda c: c.get("/static/js/api.js"),
    "static css": lambda c: c.get("/static/css/chainrule.css"),
    "favicon": lambda c: c.get("/favicon.ico", follow_redirects=False),
    "404 path": lambda c: c.get("/no/such/page"),
    "404 static": lambda c: c.get("/static/js/nope.js"),
    "405": lambda c: c.delete("/api/v1/ops"),
    "400 engine": lambda c: c.post("/api/v1/evaluate", json={"source": "f = x *"}),
    "422 body": lambda c: c.post("/api/v1/evaluate", json={"source": 3}),
    "413 body": lambda c: c.post("/api/v1/evaluate", content=b"x" * 1_000_001),
    "400 json": lambda c: c.post(
        "/api/v1/evaluate", content=b"{", headers={"content-type": "application/json"}
    ),
}


@pytest.mark.parametrize("kind", sorted(RESPONSES))
def test_every_response_carries_the_security_headers(client, kind):
    response = RESPONSES[kind](client)
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_the_policy_admits_no_inline_script_or_style():
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"


@pytest.mark.parametrize("path", ["/", "/train", "/optimizers", "/handout"])
def test_pages_have_no_inline_script_style_or_event_handler(client, path):
    """What the CSP would block: the pages keep every script and style in /static files."""
    html = client.get(path).text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html and not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"\son[a-z]+\s*=", html)  # onclick="…" is inline script too
    assert 'href="/static/icons/favicon.svg"' in html


def test_a_course_site_may_frame_the_pages_when_configured():
    course = make_client(frame_ancestors="'self' https://course.example.org")
    response = course.get("/")
    assert response.headers["content-security-policy"].endswith(
        "frame-ancestors 'self' https://course.example.org"
    )
    assert "x-frame-options" not in response.headers  # it cannot name an origin: the CSP decides


def test_a_frame_ancestors_setting_cannot_inject_a_directive():
    from app.settings import Settings

    for bad in ["'self'; script-src *", "'self'\r\nX-Evil: 1", "*, 'unsafe-inline'", ""]:
        with pytest.raises(ValueError, match="CHAINRULE_FRAME_ANCESTORS"):
            Settings(frame_ancestors=bad)
    assert Settings.from_env({"CHAINRULE_FRAME_ANCESTORS": "'none'"}).frame_ancestors == "'none'"


def test_a_sane_request_id_is_echoed_and_any_other_replaced(client):
    assert client.get("/healthz", headers={"x-request-id": "lab-3:42"}).headers["x-request-id"] == "lab-3:42"
    for hostile in ["a" * 200, "x y", "id\u00e9", "<script>"]:
        sent = hostile.encode("utf-8")  # raw bytes, as a client may send them
        answered = client.get("/healthz", headers={"x-request-id": sent}).headers["x-request-id"]
        assert answered != hostile and re.fullmatch(r"[0-9a-f]{32}", answered)
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5  # one per request


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/train",
        "/optimizers",
        "/handout",
        "/docs",
        "/healthz",
        "/api/v1/ops",
        "/openapi.json",
        "/static/js/api.js",
    ],
)
def test_head_answers_every_get_route_with_the_get_headers_and_no_body(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]


def test_head_on_a_post_only_route_is_405_not_run(client):
    response = client.head("/api/v1/evaluate")
    assert response.status_code == 405 and response.content == b""
    assert response.headers["allow"] == "POST"
    assert (
        client.get("/api/v1/evaluate").json()["error"]["message"] == "GET is not allowed on /api/v1/evaluate"
    )


def test_static_files_revalidate_with_their_etag(client):
    first = client.get("/static/js/api.js")
    assert first.headers["cache-control"] == "no-cache" and first.headers["etag"]
    again = client.get("/static/js/api.js", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["content-security-policy"] == CSP


def test_favicon_ico_leads_to_the_svg_icon(client):
    response = client.get("/favicon.ico", follow_redirects=False)
    assert response.status_code == 308 and response.headers["location"] == "/static/icons/favicon.svg"
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg") and "http" not in icon.text.replace("http://www.w3.org/2000/svg", "")


def test_docs_page_loads_no_inline_code_once_moved_to_static(client):
    """/docs under the CSP: its script and style must be files of this origin."""
    html = client.get("/docs").text
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts), scripts
    assert "<style" not in html
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(src).status_code == 200, src
