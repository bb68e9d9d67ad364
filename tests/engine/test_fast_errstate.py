"""engine.fast.errstate: numpy's error state set in two C calls, used only where it works."""

from __future__ import annotations

import numpy as np
import pytest

errstate = pytest.importorskip("engine.fast.errstate", reason="engine/fast/ is absent: the reference alone")
IGNORE, _Errstate, _works, ignore_all = (
    errstate.IGNORE,
    errstate._Errstate,
    errstate._works,
    errstate.ignore_all,
)


def test_the_fallback_error_state_enters_and_leaves_an_errstate() -> None:
    before = np.geterr()
    for state in (IGNORE, _Errstate()):
        token = state.set(ignore_all())
        try:
            assert set(np.geterr().values()) == {"ignore"}
        finally:
            state.reset(token)
        assert np.geterr() == before


def test_the_fast_error_state_is_used_only_where_it_does_what_errstate_does() -> None:
    class DoesNothing:
        def set(self, _: object) -> None:
            return None

        def reset(self, _: object) -> None:
            return None

    assert _works(IGNORE, ignore_all) and _works(_Errstate(), ignore_all)
    assert not _works(DoesNothing(), ignore_all)
