"""A 2-worker server under load; every figure beside a baseline measured in the same run.

(a) Issue 13: 4 clients send the most expensive /api/v1/evaluate the limits accept (one input of
    max_elements_per_value numbers read by as many `dot`s as a throwaway server accepts, with or
    without ?step=, whichever is slower) while /healthz is probed on a keep-alive connection held
    on each worker and on new connections: p99 against idle (goal ≤ 50 ms); each worker's RSS
    before, at its peak and 5 s after (goal ≤ 1.2× its baseline); workers uvicorn had to replace.
(b) Issue 12 item 7, a classroom on /train: benchmarks/bench_classroom.py (run here after (a)).

    python -m benchmarks load
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY_CLIENTS, HEAVY_REPEATS = 4, 2
JSON = {"Content-Type": "application/json"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(workers: int = 2, log: Path | None = None) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--http", "app.serving:H11Protocol"]  # as `chainrule serve` runs it (Nagle off)
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


def main() -> None:
    from benchmarks import bench_classroom  # (b): imports this module's server helpers

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    bench_heavy()
    print(flush=True)
    bench_classroom.main()


if __name__ == "__main__":
    main()
