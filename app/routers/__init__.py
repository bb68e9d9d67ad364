"""HTTP routers: one per resource, thin — they translate, the engine computes.

HEAVY is the one limiter they share: one CPU-bound job at a time per worker (an evaluation, a
training call), whichever router takes it. Each job is Python holding the GIL, and the fewer
threads the event loop contends with, the sooner it answers everyone else (/healthz, small
requests); the others wait their turn without blocking the loop.
"""

import anyio

HEAVY = anyio.CapacityLimiter(1)
