"""Speed and scale measurements, run on demand (`python -m benchmarks`), never part of the tests."""
