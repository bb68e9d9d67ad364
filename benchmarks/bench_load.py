"""A 2-worker server under load; every figure beside a baseline measured in the same run.

(a) Issue 13: 4 clients send the most expensive /api/v1/evaluate the limits accept (one input of
    max_elements_per_value numbers read by as many `dot`s as a throwaway server accepts, with or
    without ?step=, whichever is slower) while /healthz is probed on a keep-alive connection held
    on each worker and on new connections: p99 against idle (goal ≤ 50 ms); each worker's RSS
    before, at its peak and 5 s after (goal ≤ 1.2× its baseline); workers uvicorn had to replace.
(b) Issue 12 item 7: 60 clients each repeat the /train page's per-frame request (train-run.js: one
    epoch, grid and neuron pictures, the returned state passed back) against /healthz at the same
    concurrency, alternating rounds: the ratio of requests/s (goal ≥ 0.5), each student's epochs
    per second (goal ≥ 20), the workers' CPU per request, and one round through the shipped nginx
    site (a classroom behind one address must not hit its limits). Load generator: wrk with a Lua
    script (Debian's `wrk`), else Python threads; the output says which.

    python -m benchmarks load
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = 60
HEAVY_CLIENTS, HEAVY_REPEATS = 4, 2
# A round is long beside a request's latency under load (seconds): the requests still in flight
# when it ends are not counted, nor the CPU they used.
ROUND_SECONDS, ROUNDS = 10, 3
JSON = {"Content-Type": "application/json"}
# What the page sends while playing (train-state.js trainConfig, train-run.js advance) with its
# defaults: 2-4-2-1 tanh on `circle`, Adam as optimizerBody spells it, one epoch = 100 training
# points in batches of 10, the heatmap and every neuron's picture; the state is added per request.
PAGE = {
    "dataset": {"name": "circle", "samples": 200, "noise": 0, "test_fraction": 0.5, "seed": 1},
    "features": ["x1", "x2"],
    "model": {"layers": [4, 2], "activation": "tanh", "init": "xavier_uniform", "seed": 1},
    "loss": "logistic",
    "optimizer": {"name": "adam", "lr": 0.03, "betas": [0.9, 0.999], "amsgrad": False, "eps": 1e-8, "weight_decay": 0},
    "schedule": {"name": "constant"}, "l2": 0, "batch_size": 10,
    "steps": 10, "grid": True, "neurons": True, "points": False,
}  # fmt: skip
EPOCH_STEPS = PAGE["steps"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(workers: int = 2, log: Path | None = None) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "info" if log else "warning", "--no-access-log"]
    err = log.open("wb") if log else subprocess.DEVNULL
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 60
    spawned = workers if workers > 1 else 0  # one worker runs in the parent process itself
    while not (_up(port) and len(_workers(server.pid)) >= spawned):
        if time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.2)
    return server, port


def _up(port: int) -> bool:
    try:
        return _request(port, "GET", "/healthz")[0] == 200
    except OSError:
        return False


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()


def _request(port: int, method: str, path: str, body: bytes | None = None, cap: int = 1 << 62):
    """(status, bytes received, what it was) on a new connection; stops reading past `cap` bytes.
    What it was: the status, with the error's code for an error ("422 timeout")."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request(method, path, body=body, headers=JSON if body else {})
        response, size, first = connection.getresponse(), 0, b""
        while size <= cap and (chunk := response.read(1 << 20)):
            first, size = first or chunk, size + len(chunk)
        what = str(response.status)
        if response.status != 200:
            try:
                what += " " + json.loads(first)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                pass
        return response.status, size, what
    finally:
        connection.close()


# --- /proc: the workers, their memory, which of them holds a connection --------------------------


def _workers(parent: int) -> list[int]:
    """uvicorn's worker processes: the parent's children started by multiprocessing's spawn."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def _rss_mib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # the process is gone
        return float("nan")
    rss = [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:")]
    return rss[0] if rss else float("nan")  # a zombie has no VmRSS


def _owner(workers: list[int], server_port: int, client_port: int) -> int | None:
    """The worker whose socket is the server end of the connection from `client_port`."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
        if (local, remote) == (server_port, client_port):
            inode = fields[9]
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# --- (a) heavy /evaluate requests ----------------------------------------------------------------


def _heavy_body(dots: int, elements: int) -> bytes:
    """x of `elements` numbers; s_k = s_{k-1} + dot(x, x): every edge out of x carries all of x."""
    rng = random.Random(0)
    x = [rng.uniform(-1, 1) for _ in range(elements)]
    lines = ["s0 = dot(x, x)"] + [f"s{k} = s{k - 1} + dot(x, x)" for k in range(1, dots)]
    return json.dumps({"source": "\n".join(lines), "inputs": {"x": x}}).encode()


def _heaviest(settings) -> tuple[str, bytes, float, int, str]:
    """(path, body, seconds, document bytes, how found) of the slowest request the server accepts."""
    server, port = _start(workers=1)
    # A document over the documented limit counts as refused (the server should have refused it);
    # it is never read to its end.
    cap = settings.max_document_bytes

    def attempt(dots: int, path: str = "/api/v1/evaluate") -> tuple[str, float, int]:
        started = time.perf_counter()
        status, size, what = _request(
            port, "POST", path, _heavy_body(dots, settings.max_elements_per_value), cap
        )
        return (
            (what if size <= cap else "a document over the limit, sent"),
            time.perf_counter() - started,
            size,
        )

    try:
        most = min(
            (settings.max_nodes - 1) // 2, settings.max_total_elements - settings.max_elements_per_value
        )
        accepted, refused, dots, why = 0, most + 1, 1, "the node and element limits"
        while dots <= most:  # double until refused, then bisect
            what, _, _ = attempt(dots)
            if what != "200":
                refused, why = dots, what
                break
            accepted, dots = dots, dots * 2
        while refused - accepted > max(1, accepted // 4):
            middle = (accepted + refused) // 2
            accepted, refused = (middle, refused) if attempt(middle)[0] == "200" else (accepted, middle)
        if not accepted:
            raise RuntimeError(f"the server refuses even one dot of the largest input: {why}")
        candidates = [("/api/v1/evaluate", *attempt(accepted)[1:])]
        step = f"/api/v1/evaluate?step={2 * accepted}"  # the snapshot between forward and backward
        what, seconds, size = attempt(accepted, step)
        if what == "200":
            candidates.append((step, seconds, size))
        path, seconds, size = max(candidates, key=lambda c: c[1])
        why = f"{accepted} dots accepted, {refused} refused ({why})"
        return path, _heavy_body(accepted, settings.max_elements_per_value), seconds, size, why
    finally:
        _stop(server)


def _probe_connections(port: int, workers: list[int]) -> dict[int, http.client.HTTPConnection]:
    """One keep-alive connection held on each worker (the kernel picks the worker at accept)."""
    held: dict[int, http.client.HTTPConnection] = {}
    for _ in range(64):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        owner = _owner(workers, port, connection.sock.getsockname()[1])
        if owner in workers and owner not in held:
            held[owner] = connection
        else:
            connection.close()
        if len(held) == len(workers):
            break
    return held


def _timed(send) -> float:
    """Seconds `send()` took, or infinity when the connection broke (its worker died)."""
    started = time.perf_counter()
    try:
        send()
    except (OSError, http.client.HTTPException):
        return float("inf")
    return time.perf_counter() - started


def _health_probes(port: int, held: dict, stop: threading.Event, out: dict) -> list[threading.Thread]:
    """Started threads probing /healthz every 20 ms until `stop`: one per held keep-alive
    connection (given up when it breaks), one on a new connection each time. Each on its own, so
    that a stalled worker delays only its own probes."""

    def probe(key, send) -> None:
        while not stop.is_set():
            out.setdefault(key, []).append(seconds := _timed(send))
            if seconds == float("inf") and key != "new":
                return
            time.sleep(0.02)

    def on(connection: http.client.HTTPConnection) -> None:
        connection.request("GET", "/healthz")
        connection.getresponse().read()

    targets = [(pid, lambda c=connection: on(c)) for pid, connection in held.items()]
    targets.append(("new", lambda: _request(port, "GET", "/healthz")))
    threads = [threading.Thread(target=probe, args=target, daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    return threads


def _ms(values: list[float], q: float) -> str:
    value = _percentile(values, q) * 1e3
    return f"{value:7.1f}" if value != float("inf") else "   lost"


def bench_heavy() -> None:
    from app.settings import Settings

    settings = Settings.from_env()
    path, body, alone, size, why = _heaviest(settings)
    log = Path(tempfile.mkstemp(prefix="chainrule-bench-", suffix=".log")[1])
    server, port = _start(workers=2, log=log)
    try:
        workers = _workers(server.pid)
        for k in range(20):  # warm both workers on small requests, then take the baseline
            small = {"source": "f = x * y", "inputs": {"x": k, "y": 2}}
            _request(port, "POST", "/api/v1/evaluate", json.dumps(small).encode())
        held = _probe_connections(port, workers)
        idle: dict = {}
        stop = threading.Event()
        probes = _health_probes(port, held, stop, idle)
        time.sleep(3)
        stop.set()
        for thread in probes:
            thread.join()
        baseline = {pid: _rss_mib(pid) for pid in workers}
        peak, loaded, statuses, stop = dict(baseline), {}, [], threading.Event()

        def client() -> None:
            for _ in range(HEAVY_REPEATS):
                try:
                    statuses.append(_request(port, "POST", path, body)[2])
                except (OSError, http.client.HTTPException):
                    statuses.append("connection lost")

        clients = [threading.Thread(target=client, daemon=True) for _ in range(HEAVY_CLIENTS)]
        started = time.monotonic()
        probes = _health_probes(port, held, stop, loaded)
        for thread in clients:
            thread.start()
        try:
            while any(thread.is_alive() for thread in clients):
                peak = {pid: max(peak[pid], _rss_mib(pid)) for pid in workers}
                time.sleep(0.1)
        finally:
            burst = time.monotonic() - started
            stop.set()
            for thread in probes:
                thread.join()
        time.sleep(5)
        now = _workers(server.pid)
        after = {pid: _rss_mib(pid) for pid in {*workers, *now}}
    finally:
        _stop(server)
        deaths = [line for line in log.read_text(errors="replace").splitlines() if "died" in line]
        log.unlink()
    print(
        f"bench_load (a): 2 uvicorn workers; {HEAVY_CLIENTS} clients × {HEAVY_REPEATS} of the heaviest accepted request"
    )
    print(f"  request: POST {path}, x of {settings.max_elements_per_value} numbers; {why}")
    print(f"    {len(body) / 1e3:.0f} kB body → {size / 1e6:.1f} MB document in {alone:.2f} s alone")
    print(f"  burst: {burst:.1f} s; responses {dict(Counter(statuses))}")
    for line in deaths:
        print(f"  uvicorn: {line.strip()}")
    print("  GET /healthz latency, idle → during the burst, ms (p50 / p99 → p50 / p99 / max)")
    for key in [*workers, "new"]:
        label = f"keep-alive on worker {key}" if key != "new" else "a new connection each"
        if key not in loaded:
            print(f"    {label:32s} (no connection held on this worker)")
            continue
        i, b = idle[key], loaded[key]
        line = f"    {label:30s}{_ms(i, 50)} /{_ms(i, 99)} →{_ms(b, 50)} /{_ms(b, 99)} /{_ms(b, 100)}"
        ratio = _percentile(b, 99) / _percentile(i, 99)
        print(line + (f"   p99 {ratio:.0f}× idle" if ratio != float("inf") else "") + f" (n={len(b)})")
    worst = max(_percentile(loaded[k], 99) for k in loaded)
    verdict = "met" if worst <= 0.05 else "NOT met"
    shown = f"{worst * 1e3:.1f} ms" if worst != float("inf") else "a connection lost (its worker died)"
    print(f"  worst p99 during the burst: {shown} (goal ≤ 50 ms: {verdict})")
    print("  worker RSS, MiB: baseline → peak → 5 s after (goal: after ≤ 1.2× baseline)")
    for pid in workers:
        ratio = after[pid] / baseline[pid]
        verdict = (
            f"{ratio:.2f}× ({'met' if ratio <= 1.2 else 'NOT met'})"
            if pid in now
            else "died during the burst"
        )
        print(f"    worker {pid}: {baseline[pid]:7.1f} → {peak[pid]:7.1f} → {after[pid]:7.1f}   {verdict}")
    for pid in sorted(set(now) - set(workers)):
        print(f"    worker {pid}, started by uvicorn in place of a dead one: {after[pid]:7.1f} 5 s after")


# --- (b) a classroom on /train ---------------------------------------------------------------------

LUA_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "seconds": %f, "bad_status": %d, "timeouts": %d, '
    .. '"socket_errors": %d, "p50_ms": %f, "p99_ms": %f}\\n', summary.requests,
    summary.duration / 1e6, e.status, e.timeout, e.connect + e.read + e.write,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
"""

# Each request continues a run: the page's configuration with the state of an earlier response
# (a queue per wrk thread: which connection's state comes back is not tracked, but every state is
# a real one, used once), the freshly initialised state until responses come back.
LUA_TRAIN = """
local prefix, initial = [==[PREFIX]==], [==[INITIAL]==]
local queue, head, tail = {}, 1, 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local function state_of(body)
  local s = body:find('"state":', 1, true)
  if not s then return nil end
  local i = body:find("{", s, true)
  local depth, j = 0, i
  while j do
    j = body:find("[{}]", j)
    if not j then return nil end
    if body:byte(j) == 123 then depth = depth + 1 else depth = depth - 1 end
    if depth == 0 then return body:sub(i, j) end
    j = j + 1
  end
end

function request()
  local state = initial
  if head <= tail then state = queue[head]; queue[head] = nil; head = head + 1 end
  return wrk.format(nil, nil, nil, prefix .. state .. "}")
end

function response(status, headers, body)
  if status == 200 then
    local state = state_of(body)
    if state then tail = tail + 1; queue[tail] = state end
  end
end
"""


def _page_body(epochs: int) -> dict:
    return {**PAGE, "steps": EPOCH_STEPS * epochs}


def _initial_state(port: int) -> str:
    """The page's first call (steps 0, the data points): the freshly initialised network's state."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({**PAGE, "steps": 0, "points": True}).encode()
    connection.request("POST", "/api/v1/train", body=body, headers=JSON)
    response = connection.getresponse()
    assert response.status == 200, response.read()[:300]
    return json.dumps(json.loads(response.read())["state"], separators=(",", ":"))


def _wrk(port: int, path: str, script: str, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script + LUA_DONE)
    try:
        command = ["wrk", "-t2", f"-c{STUDENTS}", f"-d{seconds:g}s", "--timeout", "30s", "-s", file.name]
        out = subprocess.run(
            command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
        )
    finally:
        os.unlink(file.name)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def _threads(port: int, path: str, body: dict | None, state: str, seconds: float) -> dict:
    """The same load from Python threads: each a keep-alive client passing its own state back."""
    counts, latencies, bad = [0] * STUDENTS, [], [0]
    stop = time.monotonic() + seconds

    def student(slot: int) -> None:
        connection, mine = http.client.HTTPConnection("127.0.0.1", port, timeout=60), json.loads(state)
        while time.monotonic() < stop:
            started = time.perf_counter()
            payload = json.dumps({**body, "state": mine}).encode() if body else None
            connection.request("POST" if body else "GET", path, body=payload, headers=JSON if body else {})
            response = connection.getresponse()
            data = response.read()
            latencies.append(time.perf_counter() - started)
            if response.status != 200:
                bad[0] += 1
            elif body:
                mine = json.loads(data)["state"]
            counts[slot] += 1

    threads = [threading.Thread(target=student, args=(i,)) for i in range(STUDENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "requests": sum(counts), "seconds": elapsed, "rps": sum(counts) / elapsed, "bad_status": bad[0],
        "timeouts": 0, "socket_errors": 0, "p50_ms": _percentile(latencies, 50) * 1e3,
        "p99_ms": _percentile(latencies, 99) * 1e3,
    }  # fmt: skip


def _alone(port: int, state: str, count: int = 30) -> list[float]:
    """Seconds of the page's frame for one student alone, one request at a time, state passed
    back: the least of them is the frame's cost with a core to itself, whatever else runs."""
    connection, times = http.client.HTTPConnection("127.0.0.1", port, timeout=60), []
    for _ in range(count):
        body = json.dumps({**_page_body(1), "state": json.loads(state)}).encode()
        started = time.perf_counter()
        connection.request("POST", "/api/v1/train", body=body, headers=JSON)
        state = json.dumps(json.loads(connection.getresponse().read())["state"])
        times.append(time.perf_counter() - started)
    return times


def _cpu(pids: list[int]) -> float:
    """CPU seconds the processes have used (user + system, from /proc)."""
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _round(
    port: int, epochs: int | None, state: str, use_wrk: bool, workers: list[int], seconds=ROUND_SECONDS
):
    """One round of /healthz (epochs None) or of the page's request with `epochs` per call,
    with the workers' CPU time per request: unlike requests/s, it hardly depends on what else
    the machine is running."""
    before = _cpu(workers)
    if epochs is None:
        result = (
            _wrk(port, "/healthz", "", seconds)
            if use_wrk
            else _threads(port, "/healthz", None, state, seconds)
        )
    elif not use_wrk:
        result = _threads(port, "/api/v1/train", _page_body(epochs), state, seconds)
    else:
        prefix = json.dumps(_page_body(epochs), separators=(",", ":"))[:-1] + ',"state":'
        script = LUA_TRAIN.replace("PREFIX", prefix, 1).replace("INITIAL", state, 1)
        result = _wrk(port, "/api/v1/train", script, seconds)
    result["cpu_ms"] = (_cpu(workers) - before) / max(1, result["requests"]) * 1e3
    return result


def _behind_nginx(port: int):
    """nginx with the shipped site (60 students per IP) in front of `port`, or None without nginx."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if nginx is None:
        return None
    import importlib.util

    spec = importlib.util.spec_from_file_location("render", ROOT / "deploy" / "nginx" / "render.py")
    render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render)
    prefix, listen = Path(tempfile.mkdtemp(prefix="chainrule-bench-nginx-")), _free_port()
    upstream, log = [f"127.0.0.1:{port}"], str(prefix / "access.log")
    site = render.render_site(listen=f"127.0.0.1:{listen}", upstreams=upstream, access_log=log)
    conf = render.write_standalone(prefix, site)
    process = subprocess.Popen([nginx, "-p", str(prefix), "-c", conf.name, "-g", "daemon off;"])
    deadline = time.monotonic() + 10
    while not _up(listen) and time.monotonic() < deadline:
        time.sleep(0.1)
    return process, listen, prefix


def _line(label: str, result: dict, baseline: dict | None = None) -> str:
    text = f"    {label:36s}{result['rps']:7.1f} req/s"
    text += f"  ratio {result['rps'] / baseline['rps']:4.2f}" if baseline else " " * 12
    text += f"   latency p50 {result['p50_ms']:6.0f} ms, p99 {result['p99_ms']:6.0f} ms"
    text += f"   server CPU {result['cpu_ms']:5.2f} ms/request"
    errors = result["bad_status"] + result["timeouts"] + result["socket_errors"]
    return text + (f"   {errors} errors ({result['bad_status']} bad status)" if errors else "")


def _median(rounds: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def bench_classroom() -> None:
    use_wrk = shutil.which("wrk") is not None
    server, port = _start(workers=2)
    try:
        workers = _workers(server.pid)
        state = _initial_state(port)
        before = _cpu(workers)
        alone = _alone(port, state)
        alone_cpu = (_cpu(workers) - before) / len(alone)
        _round(port, None, state, use_wrk, workers, 2)  # warm-up: connections, imports, caches
        _round(port, 1, state, use_wrk, workers, 2)
        health, page = [], []
        for _ in range(ROUNDS):  # alternating, so that a change in the machine's load hits both
            health.append(_round(port, None, state, use_wrk, workers))
            page.append(_round(port, 1, state, use_wrk, workers))
        batched = _round(port, 4, state, use_wrk, workers, 2 * ROUND_SECONDS)  # 4× longer requests
        proxied = None
        if use_wrk and (front := _behind_nginx(port)):
            process, listen, prefix = front
            try:
                proxied = _round(listen, 1, state, use_wrk, workers)
            finally:
                process.terminate()
                process.wait(timeout=10)
                shutil.rmtree(prefix, ignore_errors=True)
    finally:
        _stop(server)
    generator = "wrk -t2 (Lua: each state passed back)" if use_wrk else "Python threads (wrk not found)"
    print(
        f"bench_load (b): a classroom, {STUDENTS} clients on 2 uvicorn workers; load generator: {generator}"
    )
    print(
        f"  medians of {ROUNDS} alternating rounds of {ROUND_SECONDS} s; the load generator shares the CPUs"
    )
    h, p = _median(health), _median(page)
    print(_line("GET /healthz (baseline)", h))
    print(_line("POST /train, the page's frame (1 epoch)", p, h) + "   (goal ratio ≥ 0.5)")
    cpu_ratio = h["cpu_ms"] / p["cpu_ms"]
    print(f"      by server CPU per request: ratio {cpu_ratio:.2f} (healthz's CPU / the frame's)")
    print(f"      each student: {p['rps'] / STUDENTS:5.2f} epochs/s   (goal ≥ 20)")
    print(_line("POST /train, 4 epochs per request", batched, h))
    print(f"      each student: {batched['rps'] * 4 / STUDENTS:5.2f} epochs/s")
    if proxied:
        print(_line("POST /train (1 epoch) through nginx", proxied, h))
        print("      (the shipped deploy/nginx site for 60 students per IP: any 429 would be its limits)")
    best, cpu_epoch = min(alone), min(alone_cpu, p["cpu_ms"] / 1e3, batched["cpu_ms"] / 4e3)
    print(
        f"  one student alone, frame after frame: least {best * 1e3:.0f} ms, median"
        f" {statistics.median(alone) * 1e3:.0f} ms; worker CPU {alone_cpu * 1e3:.1f} ms/frame"
        f" (at {STUDENTS} clients: {p['cpu_ms']:.1f})"
    )
    print(
        f"  one core: {1 / cpu_epoch:.0f} epochs/s by the least worker CPU per epoch, i.e. {1 / cpu_epoch / 20:.1f}"
        f" students at 20 epochs/s ({p['rps'] / 2 / 20:.1f} by this run's throughput under load)"
    )
    print(f"  (load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


def main() -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    bench_heavy()
    print(flush=True)
    bench_classroom()


if __name__ == "__main__":
    main()
