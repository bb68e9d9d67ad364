"""The shipped nginx config (deploy/nginx/) in front of the app, run as production would run it.

A module fixture renders the site file with deploy/nginx/render.py into a temporary prefix
(an unprivileged nginx: pid, logs and temporary files inside it), starts the app with
`python -m uvicorn app.main:app` on one free port and nginx on another, and the tests talk to
nginx over real sockets: timeouts, the body limit, the per-IP limits, static files, request ids.
The site is rendered for one student per address, so the tests reach its limits with a few
connections; the limits scale linearly with --students-per-ip (checked below). Last, every
`chainrule serve` command the deploy files and docs/deploy.md ship is parsed by the CLI itself.

Skipped when nginx is absent; failed instead when CHAINRULE_REQUIRE_NGINX=1 (CI sets it).
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.paths import STATIC_DIR
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
RENDER = ROOT / "deploy" / "nginx" / "render.py"
HEX_ID = re.compile(r"[0-9a-f]{32}")
SLACK = 5.0  # seconds beyond a configured timeout before a test calls it not enforced


def _load_render():
    spec = importlib.util.spec_from_file_location("chainrule_nginx_render", RENDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _load_render()


def _nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        if os.environ.get("CHAINRULE_REQUIRE_NGINX") == "1":
            pytest.fail("nginx required (CHAINRULE_REQUIRE_NGINX=1) but not installed", pytrace=False)
        pytest.skip("nginx tests skipped: nginx is not installed (apt-get install nginx)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seconds(site: str, directive: str) -> float:
    match = re.search(rf"^\s*{directive} (\d+)s;", site, re.M)
    assert match, f"{directive} missing from the site file"
    return float(match.group(1))


@dataclass
class Proxy:
    port: int
    prefix: Path
    site: str

    def request(self, method: str, path: str, body: bytes | None = None, headers=None, timeout=10.0):
        """(status, headers, body, seconds) of one request on a new connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read(), time.monotonic() - started
        finally:
            connection.close()


def _wait_until(check, seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    detail = log.read_text()[-2000:] if log and log.exists() else ""
    raise AssertionError(f"{what} did not start within {seconds:g} s\n{detail}")


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    nginx = _nginx()
    app_port, proxy_port = _free_port(), _free_port()
    # Directly under /tmp: when the tests run as root, nginx's workers run as `nobody` and must
    # reach their temporary files (pytest's own tmp_path lies inside a 0700 folder).
    prefix = Path(tempfile.mkdtemp(prefix="chainrule-nginx-"))
    site = render.render_site(
        listen=f"127.0.0.1:{proxy_port}",
        upstreams=[f"127.0.0.1:{app_port}"],
        students_per_ip=1,
        static_dir=str(STATIC_DIR),
        access_log=str(prefix / "access.log"),
    )
    conf = render.write_standalone(prefix, site)
    app_log = prefix / "uvicorn.log"
    with app_log.open("wb") as log:
        app = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
            + ["--port", str(app_port), "--log-level", "warning", "--no-access-log"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
        )
    server = None
    try:
        _wait_until(lambda: _get_status(app_port, "/healthz") == 200, 60, "uvicorn", app_log)
        server = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", conf.name, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until(lambda: _get_status(proxy_port, "/healthz") == 200, 20, "nginx", prefix / "error.log")
        yield Proxy(proxy_port, prefix, site)
    finally:
        for process in (server, app):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(prefix, ignore_errors=True)


def _get_status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def _error(body: bytes, code: str) -> dict:
    payload = json.loads(body)
    assert payload["error"]["code"] == code, payload
    assert payload["error"]["message"]
    return payload["error"]


# ---------------------------------------------------------------------------------------------


def test_healthz_through_nginx_carries_one_request_id_end_to_end(proxy: Proxy) -> None:
    status, headers, body, _ = proxy.request("GET", "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["Server"] == "nginx"  # the answer came through nginx, version not shown
    generated = headers["X-Request-ID"]
    assert HEX_ID.fullmatch(generated)
    # The id the app echoed is the one nginx generated and logged: the same id on both sides.
    _wait_until(lambda: f"rid={generated}" in (proxy.prefix / "access.log").read_text(), 5, "access log")

    status, headers, _, _ = proxy.request("GET", "/healthz", headers={"X-Request-ID": "lesson-3.student-42"})
    assert (status, headers["X-Request-ID"]) == (200, "lesson-3.student-42")
    status, headers, _, _ = proxy.request("GET", "/healthz", headers={"X-Request-ID": "a b<script>"})
    assert status == 200 and HEX_ID.fullmatch(headers["X-Request-ID"])  # not a token: replaced


def _slow_client(kind: str, port: int, results: dict, give_up: float) -> None:
    """Open a connection that misbehaves in one way; record when (and how) nginx ended it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=give_up)
    started = time.monotonic()
    sock.settimeout(0.5)
    trickle = b"GET /healthz HTTP/1.1\r\nHost: classroom\r\nX-Padding: " + b"p" * 200
    if kind == "partial line":
        sock.sendall(b"GET /heal")
    elif kind == "body never sent":
        sock.sendall(
            b"POST /api/v1/evaluate HTTP/1.1\r\nHost: classroom\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        )
    sent = 0
    try:
        while time.monotonic() - started < give_up:
            if kind == "header trickle":  # one byte every half second: never a whole header
                sock.sendall(trickle[sent : sent + 1] or b"p")
                sent += 1
            try:
                data = sock.recv(4096)
            except TimeoutError:
                continue
            results[kind].append((time.monotonic() - started, data[:12] or b"closed"))
            return
    except (ConnectionResetError, BrokenPipeError):
        results[kind].append((time.monotonic() - started, b"reset"))
        return
    finally:
        sock.close()
    results[kind].append((None, b"still open"))


def test_slow_clients_are_cut_off_while_healthz_stays_fast(proxy: Proxy) -> None:
    header_timeout = _seconds(proxy.site, "client_header_timeout")
    body_timeout = _seconds(proxy.site, "client_body_timeout")
    assert header_timeout <= 10 and body_timeout <= 10  # tight (nginx's defaults are 60 s)
    kinds = {"silent": 10, "partial line": 10, "header trickle": 4, "body never sent": 2}
    results: dict[str, list] = {kind: [] for kind in kinds}
    give_up = max(header_timeout, body_timeout) + SLACK
    threads = [
        threading.Thread(target=_slow_client, args=(kind, proxy.port, results, give_up))
        for kind, count in kinds.items()
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    probes = []
    while any(thread.is_alive() for thread in threads):
        probes.append(proxy.request("GET", "/healthz", timeout=5)[::3])
        time.sleep(0.2)
    for thread in threads:
        thread.join()

    for kind, count in kinds.items():
        limit = body_timeout if kind == "body never sent" else header_timeout
        assert len(results[kind]) == count
        for seconds, how in results[kind]:
            assert seconds is not None, f"{kind}: still open after {give_up:g} s"
            # Ended by the timeout (not before it), closed or answered 408, within generous slack.
            assert limit - 1 <= seconds <= limit + SLACK, (kind, seconds, how)
            assert how in (b"closed", b"reset") or how.startswith(b"HTTP/1.1 408"), (kind, how)
    assert len(probes) >= 10
    assert all(status == 200 for status, _ in probes), probes
    slowest = max(seconds for _, seconds in probes)
    assert slowest < 1.0, f"/healthz took {slowest:.2f} s while slow clients were connected"


def test_oversized_body_is_refused_by_nginx_at_the_apps_limit(proxy: Proxy) -> None:
    limit = Settings().max_body_bytes
    assert f"client_max_body_size {limit};" in proxy.site  # the same limit on both sides

    # Only the headers: nginx refuses from Content-Length alone, before any of the body is sent
    # (uvicorn never sees the request: nginx passes a body on only once it has all of it).
    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    connection.putrequest("POST", "/api/v1/evaluate")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(limit + 1))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    assert response.headers["Content-Type"] == "application/json"
    assert _error(response.read(), "body_too_large")["request_id"] == response.headers["X-Request-ID"]
    connection.close()

    # Without a Content-Length (chunked), nginx counts what arrives.
    chunks = (b" " * 100_000 for _ in range(limit // 100_000 + 1))
    status, _, body, _ = proxy.request(
        "POST", "/api/v1/evaluate", body=chunks, headers={"Content-Type": "application/json"}
    )
    assert status == 413
    _error(body, "body_too_large")

    # Exactly at the limit the body reaches the app, which finds it is not JSON (400, not 413).
    status, headers, body, _ = proxy.request(
        "POST", "/api/v1/evaluate", body=b"x" * limit, headers={"Content-Type": "application/json"}
    )
    assert status == 400, body
    _error(body, "invalid_json")


def test_static_files_are_served_by_nginx_with_revalidation(proxy: Proxy) -> None:
    status, headers, body, _ = proxy.request("GET", "/static/js/api.js")
    assert status == 200
    assert body == (STATIC_DIR / "js" / "api.js").read_bytes()
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"
    from app.middleware import csp

    assert headers["Content-Security-Policy"] == csp("'self'")  # the app's policy, on nginx's files too
    assert headers["Referrer-Policy"] == "no-referrer"
    assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', headers["ETag"])  # nginx's ETag, not the app's
    status, _, body, _ = proxy.request("GET", "/static/js/api.js", headers={"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


def test_connection_limit_per_address_answers_429_but_not_to_health_checks(proxy: Proxy) -> None:
    allowed = render.CONNECTIONS_PER_STUDENT  # the site was rendered for one student per address
    assert f"limit_conn chainrule_conn {allowed};" in proxy.site
    holders = []
    try:
        for _ in range(allowed):  # requests in progress: headers read, the body still awaited
            sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
            sock.sendall(
                b"POST /api/v1/evaluate HTTP/1.1\r\nHost: classroom\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            )
            holders.append(sock)
        time.sleep(0.3)
        for path in ("/api/v1/ops", "/"):
            status, headers, body, _ = proxy.request("GET", path)
            assert status == 429, (path, status)
            assert headers["Retry-After"] == "1"
            _error(body, "rate_limited")
        status, _, _, seconds = proxy.request("GET", "/healthz")
        assert status == 200 and seconds < 1.0
    finally:
        for sock in holders:
            sock.close()
    # Once those requests end, the address is served again.
    _wait_until(lambda: proxy.request("GET", "/api/v1/ops")[0] == 200, 5, "the freed address")


def test_request_rate_limit_admits_the_burst_then_answers_429(proxy: Proxy) -> None:
    rate, burst = render.REQUESTS_PER_SECOND_PER_STUDENT, render.BURST_PER_STUDENT
    assert f"rate={rate}r/s;" in proxy.site and f"burst={burst} nodelay;" in proxy.site
    statuses: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client() -> None:  # keep-alive, a path the app answers cheaply (404)
        connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
        while not stop.is_set():
            connection.request("GET", "/api/v1/no-such-route")
            response = connection.getresponse()
            response.read()
            with lock:
                statuses.append(response.status)
                if statuses.count(429) >= 20 or len(statuses) >= 5000 or time.monotonic() > give_up:
                    stop.set()
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(render.CONNECTIONS_PER_STUDENT - 1)]
    started = time.monotonic()
    give_up = started + 20
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    elapsed = time.monotonic() - started
    admitted = statuses.count(404)
    assert set(statuses) <= {404, 429}, set(statuses)
    assert statuses.count(429) >= 20, f"no rate limit after {len(statuses)} requests in {elapsed:.1f} s"
    # The burst goes through at once; beyond it, no more than the rate over the elapsed time.
    assert burst + 1 <= admitted <= burst + 1 + rate * elapsed + 5, (admitted, elapsed)
    status, headers, body, _ = proxy.request("GET", "/api/v1/no-such-route")
    if status == 429:
        assert headers["Retry-After"] == "1"
        _error(body, "rate_limited")
    assert proxy.request("GET", "/healthz")[0] == 200  # health checks are never rate limited
    time.sleep(burst / rate + 0.5)  # let the bucket drain for whatever runs next


def test_render_cli_writes_a_drop_in_site_that_nginx_accepts(tmp_path: Path) -> None:
    nginx = _nginx()
    assert render.DEFAULT_MAX_BODY_BYTES == Settings().max_body_bytes
    output = subprocess.run(
        [sys.executable, str(RENDER), "--listen", "8080"]
        + ["--upstream", "10.0.0.1:8000", "--upstream", "10.0.0.2:8000", "--upstream", "10.0.0.3:8000"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert not re.search(r"@[A-Z_]+@", output)  # every placeholder filled
    assert re.findall(r"^\s*server (10\.0\.0\.\d:8000);", output, re.M) == [
        "10.0.0.1:8000",
        "10.0.0.2:8000",
        "10.0.0.3:8000",
    ]
    students = render.DEFAULT_STUDENTS_PER_IP
    assert f"limit_conn chainrule_conn {render.CONNECTIONS_PER_STUDENT * students};" in output
    assert f"rate={render.REQUESTS_PER_SECOND_PER_STUDENT * students}r/s;" in output
    assert "location /static/" not in output  # without --static-dir the app serves them
    assert "/var/log/nginx/chainrule.access.log" in output
    # nginx -t on the very text a production install would copy to sites-available/.
    site = output.replace("/var/log/nginx/chainrule.access.log", str(tmp_path / "access.log"))
    conf = render.write_standalone(tmp_path, site)
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", conf.name], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    refused = subprocess.run(
        [sys.executable, str(RENDER), "--upstream", "x; evil"], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "--upstream" in refused.stderr


def _serve(command: list[str]):
    """A shipped `chainrule serve …` command as the CLI parses it: a flag it lacks fails here."""
    from app.cli import _parser

    assert command[0].endswith("chainrule") and command[1] == "serve", command
    try:
        return _parser().parse_args(command[1:])
    except SystemExit:
        pytest.fail(f"chainrule does not accept: {' '.join(command)}", pytrace=False)


def test_shipped_serve_commands_are_ones_the_cli_accepts() -> None:
    yaml = pytest.importorskip("yaml")
    deploy = ROOT / "deploy"
    objects = {
        (o["kind"], o["metadata"]["name"]): o
        for o in yaml.safe_load_all((deploy / "kubernetes.yaml").read_text())
    }
    pod = objects["Deployment", "chainrule"]["spec"]["template"]["spec"]["containers"][0]
    served = _serve(pod["args"])
    assert (served.host, served.port, served.workers) == ("0.0.0.0", 8000, 1) and served.limit_max_requests
    assert pod["readinessProbe"]["httpGet"]["path"] == pod["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert objects["Service", "chainrule"]["spec"]["ports"][0]["port"] == served.port
    assert objects["Service", "chainrule-proxy"]["spec"]["externalTrafficPolicy"] == "Local"

    unit = (deploy / "systemd" / "chainrule@.service").read_text()
    served = _serve(re.search(r"^ExecStart=(.*)$", unit, re.M).group(1).replace("%i", "8001").split())
    assert (served.host, served.port) == ("127.0.0.1", 8001) and served.limit_max_requests
    command = json.loads(re.search(r"^CMD (\[.*\])$", (deploy / "Dockerfile").read_text(), re.M).group(1))
    assert _serve(command).host == "0.0.0.0"

    guide = (ROOT / "docs" / "deploy.md").read_text()
    shown = re.findall(r"^(?:\S*/)?(chainrule serve [^&\n]*)", guide, re.M)
    assert len(shown) >= 2
    for line in shown:
        _serve(line.split())
