"""CPU seconds of one /train frame in-process, for bench_classroom: run as a script in a child process.

    PYTHONPATH=<a checkout> python benchmarks/frame_cpu.py FRAMES EPOCHS...

drives `app.main:create_app()` of whatever checkout comes first on the path (the ASGI app itself:
middlewares, validation, the route and its JSON, no sockets) with the page's frame body, the state
of each answer passed back as the page does, and prints one JSON line: per kind of request (the
/healthz baseline, and a frame of each EPOCHS), the median of time.process_time() per request
and the response's size. process_time counts every thread of the process (a sync route runs in
the thread pool) and hardly depends on what else the machine runs, unlike requests per second.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

# What the page sends while playing (train-state.js trainConfig, train-run.js advance) with its
# defaults: 2-4-2-1 tanh on `circle`, Adam as optimizerBody spells it, one epoch = 100 training
# points in batches of 10, the loss curve once per epoch (curve_every: the steps of an epoch), the
# heatmap and every neuron's picture; the state is added per request.
PAGE = {
    "dataset": {"name": "circle", "samples": 200, "noise": 0, "test_fraction": 0.5, "seed": 1},
    "features": ["x1", "x2"],
    "model": {"layers": [4, 2], "activation": "tanh", "init": "xavier_uniform", "seed": 1},
    "loss": "logistic",
    "optimizer": {"name": "adam", "lr": 0.03, "betas": [0.9, 0.999], "amsgrad": False, "eps": 1e-8, "weight_decay": 0},
    "schedule": {"name": "constant"}, "l2": 0, "batch_size": 10,
    "steps": 10, "curve_every": 10, "grid": True, "neurons": True, "points": False,
}  # fmt: skip
EPOCH_STEPS = PAGE["steps"]


def page_body(epochs: int, extra: dict | None = None) -> dict:
    return {**PAGE, "steps": EPOCH_STEPS * epochs, **(extra or {})}


async def _call(app, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    """One request through the ASGI app, as uvicorn would hand it over."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    received, status, chunks = False, [0], []

    async def receive() -> dict:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the client stays connected
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status[0], b"".join(chunks)


def main(frames: int, epochs: list[int], extra: dict) -> dict:
    from app.main import create_app

    app, loop = create_app(), asyncio.new_event_loop()

    def call(method: str, path: str, body: bytes = b"") -> tuple[float, bytes]:
        started = time.process_time()
        status, data = loop.run_until_complete(_call(app, method, path, body))
        spent = time.process_time() - started
        if status != 200:
            raise RuntimeError(f"{path}: {status} {data[:300]!r}")
        return spent, data

    first = json.dumps({**PAGE, "steps": 0, "points": True}).encode()
    states = {k: json.loads(call("POST", "/api/v1/train", first)[1])["state"] for k in epochs}
    seconds: dict[str, list[float]] = {"healthz": [], **{f"frame_{k}": [] for k in epochs}}
    sizes: dict[str, int] = {}
    for round_ in range(frames + 3):  # the first 3 warm caches and imports up
        for _ in range(5):
            spent, _ = call("GET", "/healthz")
            if round_ >= 3:
                seconds["healthz"].append(spent)
        for k in epochs:
            body = json.dumps({**page_body(k, extra), "state": states[k]}).encode()
            spent, data = call("POST", "/api/v1/train", body)
            states[k] = json.loads(data)["state"]
            sizes[f"frame_{k}"] = len(data)
            if round_ >= 3:
                seconds[f"frame_{k}"].append(spent)
    return {
        "cpu_ms": {name: statistics.median(values) * 1e3 for name, values in seconds.items()},
        "bytes": sizes,
    }


if __name__ == "__main__":
    extra = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    print(json.dumps(main(int(sys.argv[1]), [int(k) for k in sys.argv[2].split(",")], extra)))
