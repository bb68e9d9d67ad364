"""Each op's float kernels (Op.floats, the trace's path for all-scalar graphs) give the bits its
array functions give on 0-d arrays — or raise ArithmeticError, where the trace takes the array path."""

from __future__ import annotations

import itertools
import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import OPS

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e-310, -1e-310, 1e300, -1e300, 710.0, -710.0,
           math.inf, -math.inf, math.nan, 1.0 - 1e-16, 3.0]  # fmt: skip
FLOAT_OPS = [op for op in OPS if op.floats is not None]


def _same(float_result: float, array_result: object) -> bool:
    """Equal bits (a NaN equals any NaN: its payload and sign are not part of the contract)."""
    expected = float(np.asarray(array_result, dtype=np.float64))
    if math.isnan(expected):
        return math.isnan(float_result)
    return struct.pack("<d", float_result) == struct.pack("<d", expected)


def _check(op, args: tuple[float, ...]) -> None:
    attrs = dict(op.attrs)
    arrays = [np.array(a) for a in args]
    with np.errstate(all="ignore"):
        try:
            out = op.floats[0](*args, **attrs)
        except ArithmeticError:
            return  # allowed: the trace falls back to the array functions
        assert type(out) is float, (op.name, args, type(out))
        array_out = np.asarray(op.forward(*arrays, **attrs), dtype=np.float64)
        assert _same(out, array_out), (op.name, args, out, array_out)
        for slot in range(op.arity):
            try:
                local = op.floats[1 + slot](*args, out, **attrs)
            except ArithmeticError:
                continue
            assert type(local) is float, (op.name, slot, args, type(local))
            expected = op.local[slot](*arrays, array_out, **attrs)
            assert _same(local, expected), (op.name, slot, args, local, expected)


def test_float_kernels_cover_the_elementwise_ops():
    assert {op.name for op in FLOAT_OPS} == {op.name for op in OPS if op.elementwise}
    for op in FLOAT_OPS:
        assert len(op.floats) == 1 + op.arity, op.name


@pytest.mark.parametrize("op", FLOAT_OPS, ids=lambda op: op.name)
def test_float_kernels_match_the_array_functions_on_special_values(op):
    for args in itertools.product(SPECIAL, repeat=op.arity):
        _check(op, args)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(FLOAT_OPS),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=2, max_size=2),
)
def test_float_kernels_match_the_array_functions_on_any_floats(op, pair):
    _check(op, tuple(pair[: op.arity]))
