"""What exists only for speed. Never imported by the rest of the engine except through
`engine.seam.fast()`; deleting this package leaves every result the same (the reference computes it).

Each module here equals the reference in a property test (tests/engine/test_fast_equals_reference.py).
Submodules are imported lazily by whoever uses them (`seam.fast()` then `importlib`), so that
importing this package never imports the reference modules back (no import cycle).
"""
