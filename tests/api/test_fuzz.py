"""Random well-formed programs over every op, random shapes and extreme values: the API answers
each with a document or a 4xx in the error shape — never a 500 internal_error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import OPS
from tests.api.conftest import strict

FUNCTIONS = [op for op in OPS if op.function]
NAMES = ["x", "y", "W"]
LEAVES = NAMES + ["2", "-1", "0", "0.5", "[1, 2]", "[[1, 0], [0, 1]]"]
NUMBERS = st.sampled_from([0, 1, -1, 2.5, -0.5, 1e300, -1e300, 1e-300, 7])
VALUES = st.one_of(
    NUMBERS,
    st.lists(NUMBERS, min_size=0, max_size=3),
    st.lists(st.lists(NUMBERS, min_size=2, max_size=2), min_size=1, max_size=3),
)


@st.composite
def expressions(draw, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["leaf", "binary", "call"] if depth < 3 else ["leaf"]))
    if kind == "leaf":
        return draw(st.sampled_from(LEAVES))
    if kind == "binary":
        operator = draw(st.sampled_from(["+", "-", "*", "/", "**", "@"]))
        return f"({draw(expressions(depth + 1))} {operator} {draw(expressions(depth + 1))})"
    op = draw(st.sampled_from(FUNCTIONS))
    args = [draw(expressions(depth + 1)) for _ in range(op.arity)]
    return f"{op.function}({', '.join(args)})"


@st.composite
def bodies(draw) -> dict:
    source = f"a = {draw(expressions())}\nf = a * {draw(expressions())}"
    inputs = {name: draw(VALUES) for name in NAMES if name in source}
    body = {"source": source, "inputs": inputs}
    if draw(st.booleans()):
        body["step"] = draw(st.integers(min_value=0, max_value=40))
    return body


@given(body=bodies())
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_random_programs_get_a_document_or_a_clean_error(client, app, body):
    for path in ("/api/v1/evaluate", "/api/v1/gradcheck"):
        response = client.post(path, json=body)
        payload = strict(response)
        if response.status_code == 200:
            continue
        assert 400 <= response.status_code < 500, response.text
        assert set(payload) == {"error"} and payload["error"]["code"] != "internal_error"
    assert app.state.unexpected_errors == 0
