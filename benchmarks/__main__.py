"""Run every benchmarks/bench_*.py module's main() in turn, or only those named on the command line.

python -m benchmarks              # all of them
python -m benchmarks engine api   # bench_engine.py and bench_api.py only
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import benchmarks  # the package only: nothing that loads numpy yet

# One BLAS thread: on a small shared machine, threaded BLAS turns the timings into noise, and every
# candidate in a benchmark (numpy, the engine, PyTorch) then runs under the same conditions.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def available() -> list[str]:
    return sorted(
        info.name.removeprefix("bench_")
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )


def main(argv: list[str]) -> int:
    # With no names, bench_load runs bench_classroom itself (its part b): not twice.
    names = [name.removeprefix("bench_").removesuffix(".py") for name in argv] or [
        name for name in available() if name != "classroom"
    ]
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    for name in names:
        print(f"== bench_{name} ==", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").main()
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
