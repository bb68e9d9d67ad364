"""Issue 12 item 7: a classroom of 60 students training at once on a 2-worker server.

(1) The page's per-frame request (train-run.js: one epoch — or k epochs, as the pacer asks when
    the server is slow — with the loss once per epoch, the heatmap and every neuron's picture, the
    returned state passed back; frame_cpu.PAGE) in-process: CPU milliseconds per request by time.process_time (medians), beside
    /healthz, for this checkout, for its reference path (CHAINRULE_FAST=0) and, with
    CHAINRULE_BENCH_BEFORE=<git ref>, for that commit — each in its own process
    (benchmarks/frame_cpu.py), alternating rounds so that the machine's load hits all alike.
    CPU per request hardly depends on what else the machine runs; requests per second do.
(2) 60 clients each repeat that request against /healthz at the same concurrency, alternating
    rounds: the ratio of requests/s (goal ≥ 0.5), each student's epochs per second (goal ≥ 20),
    the workers' CPU per request, and one round through the shipped nginx site (a classroom
    behind one address must not hit its limits). Load generator: wrk with a Lua script
    (Debian's `wrk`), else Python threads; the output says which, and the load average.

    python -m benchmarks classroom        (also run by `python -m benchmarks load`)
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.bench_load import JSON, ROOT, _free_port, _percentile, _start, _stop, _up, _workers
from benchmarks.frame_cpu import EPOCH_STEPS, PAGE

STUDENTS = 60
# A round is long beside a request's latency under load (seconds): the requests still in flight
# when it ends are not counted, nor the CPU they used.
ROUND_SECONDS, ROUNDS = 10, 3
CPU_FRAMES, CPU_ROUNDS, CPU_EPOCHS = 40, 3, (1, 4, 16)
# Epochs per request in the load's second figures: what the pacer (static/js/train-pace.js) asks
# of a busy server — about 16 where 60 students share 2 workers with the CPUs to themselves, its
# most (32) when they do not.
BATCHED = (16, 32)


# --- (1) CPU per frame, in-process ------------------------------------------------------------------


def _checkout(ref: str) -> Path:
    """The tree of commit `ref` in a temporary directory (git archive: nothing in this checkout moves)."""
    target = Path(tempfile.mkdtemp(prefix="chainrule-bench-before-"))
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _frame_cpu(tree: Path, fast: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "OPENBLAS_NUM_THREADS": "1"}
    if not fast:
        env["CHAINRULE_FAST"] = "0"
    # Each tree's own frame_cpu.py: its own page's body (an older page asked the curve every step).
    command = [sys.executable, str(tree / "benchmarks" / "frame_cpu.py"), str(CPU_FRAMES)]
    command.append(",".join(map(str, CPU_EPOCHS)))
    out = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_frame_cpu() -> dict[str, float]:
    """Medians over alternating rounds of CPU ms per request; returns this checkout's."""
    before = os.environ.get("CHAINRULE_BENCH_BEFORE")
    trees = {"this checkout": (ROOT, True), "its reference path (CHAINRULE_FAST=0)": (ROOT, False)}
    if before:
        trees[f"before ({before})"] = (_checkout(before), True)
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    try:
        for _ in range(CPU_ROUNDS):
            for name, (tree, fast) in trees.items():
                runs[name].append(_frame_cpu(tree, fast)["cpu_ms"])
    finally:
        if before:
            shutil.rmtree(trees[f"before ({before})"][0], ignore_errors=True)
    print(f"bench_classroom (1): CPU per request in-process (process_time; median of {CPU_ROUNDS} "
          f"alternating rounds × {CPU_FRAMES} requests), the page's frame with the state passed back")  # fmt: skip
    medians = {
        name: {k: statistics.median(r[k] for r in rounds) for k in rounds[0]} for name, rounds in runs.items()
    }
    for name, cpu in medians.items():
        frames = ", ".join(f"{k} epoch{'s' if k > 1 else ''} {cpu[f'frame_{k}']:6.2f} ms" for k in CPU_EPOCHS)
        print(f"    {name:44s} /healthz {cpu['healthz']:5.2f} ms; frame of {frames}")
    now = medians["this checkout"]
    for name, cpu in medians.items():
        if name != "this checkout":
            print(f"    {name} ÷ this checkout, 1-epoch frame: {cpu['frame_1'] / now['frame_1']:.1f}×")
    per_epoch = (now[f"frame_{CPU_EPOCHS[-1]}"] - now["frame_1"]) / (CPU_EPOCHS[-1] - 1)
    print(f"    frame ÷ /healthz by CPU: {now['frame_1'] / now['healthz']:.1f}; one more epoch in a request:"
          f" {per_epoch:.2f} ms; one core at 20 epochs/s per student, {CPU_EPOCHS[-1]} epochs a request:"
          f" {1000 / (now[f'frame_{CPU_EPOCHS[-1]}'] / CPU_EPOCHS[-1]) / 20:.0f} students")  # fmt: skip
    print(f"    (load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    return now


# --- the classroom's load on a 2-worker server ------------------------------------------------------

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


def bench_load() -> None:
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
        batched = {k: _round(port, k, state, use_wrk, workers, 2 * ROUND_SECONDS) for k in BATCHED}
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
        f"bench_classroom (2): a classroom, {STUDENTS} clients on 2 uvicorn workers; load generator: {generator}"
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
    for k, result in batched.items():
        print(_line(f"POST /train, {k} epochs per request", result, h))
        print(f"      each student: {result['rps'] * k / STUDENTS:5.2f} epochs/s   (goal ≥ 20)")
    if proxied:
        print(_line("POST /train (1 epoch) through nginx", proxied, h))
        print("      (the shipped deploy/nginx site for 60 students per IP: any 429 would be its limits)")
    per_epoch = [result["cpu_ms"] / k / 1e3 for k, result in batched.items()]
    best, cpu_epoch = min(alone), min(alone_cpu, p["cpu_ms"] / 1e3, *per_epoch)
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
    bench_frame_cpu()
    print(flush=True)
    bench_load()


if __name__ == "__main__":
    main()
