"""POST /api/v1/evaluate with "unroll": true — the scalar graph's document."""

from __future__ import annotations

import numpy as np

from tests.api.conftest import strict

SCORE = {
    "source": "z = W @ x + b\nh = sigmoid(z)\ns = dot(u, h)",
    "inputs": {
        "W": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]],
        "x": [1.0, -2.0, 0.5],
        "b": [0.1, -0.2],
        "u": [1.0, -1.0],
    },
}


def test_the_unrolled_document_has_scalar_inputs_named_by_index_and_the_tensor_gradients(client):
    tensor = strict(client.post("/api/v1/evaluate", json=SCORE))
    scalar = strict(client.post("/api/v1/evaluate", json={**SCORE, "unroll": True}))
    nodes = {n["id"]: n for n in scalar["nodes"]}
    assert all(n["shape"] == [] for n in scalar["nodes"])
    assert {"W[0,1]", "x[2]", "b[1]", "u[0]", "z[0]", "h[1]"} <= set(nodes)
    grads = {n["id"]: np.asarray(n["grad"]) for n in tensor["nodes"]}
    for name in ("W", "x", "b", "u"):
        for position in np.ndindex(*grads[name].shape):
            key = f"{name}[{','.join(map(str, position))}]"
            assert nodes[key]["grad"] == np.float64(grads[name][position]).item() or np.isclose(
                nodes[key]["grad"], grads[name][position], rtol=1e-12
            )
    assert len(scalar["steps"]) >= 2 * len(scalar["nodes"]) and scalar["layout"]["nodes"]


def test_too_large_to_unroll_is_a_clear_4xx(client):
    response = client.post(
        "/api/v1/evaluate", json={"source": "f = sum(x)", "inputs": {"x": [1.0] * 65}, "unroll": True}
    )
    assert response.status_code == 400
    error = strict(response)["error"]
    assert error["code"] == "too_large_to_unroll" and "64" in error["message"]
