"""The minibatch graph /train opens in the graph playground (issue 10 item 6): its source reads as
the notes write it — every statement under a comment, the logistic loss's logit pair named — and it
computes bit for bit the loss and gradients of the training step it shows."""

from __future__ import annotations

import numpy as np
import pytest

from engine import parse
from engine.nn import LOSSES, MLP, loss_and_gradients, minibatch_source, targets
from engine.training import TrainConfig, minibatch_graph
from tests.api.conftest import strict

RNG = np.random.default_rng(11)
X = RNG.normal(size=(6, 2))
LABELS = np.array([0, 1, 1, 0, 1, 0], dtype=float)


def _statements(text: str) -> list[tuple[list[str], str]]:
    """(the comment lines right above it, the statement) for every statement of the source."""
    out, comments = [], []
    for line in text.splitlines():
        if line.startswith("#"):
            comments.append(line)
        else:
            out.append((comments, line))
            comments = []
    return out


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("penalties", [(0.0, 0.0), (0.05, 0.01)])
def test_the_commented_source_computes_the_training_step_bit_for_bit(loss, penalties):
    l2, l1 = penalties
    outputs = 2 if loss == "cross_entropy" else 1
    model = MLP((2, 4, 3, outputs), "tanh")
    params = model.init("xavier_uniform", seed=3)
    y = targets(loss, LABELS, outputs)
    text, inputs = minibatch_source(model, params, X, y, loss, l2=l2, l1=l1)
    graph = parse(text)
    value, grads = graph.value_and_gradients(
        {name: np.asarray(v, dtype=float) for name, v in inputs.items()}, wrt=model.parameter_names
    )
    expected, expected_grads = loss_and_gradients(model, params, X, y, loss, l2=l2, l1=l1)
    assert float(value) == expected
    for name in model.parameter_names:
        assert grads[name].tobytes() == expected_grads[name].tobytes(), name
    assert graph.output == "loss"
    statements = _statements(text)
    assert all(comments for comments, _ in statements)  # every statement is explained
    assert text.startswith("# One minibatch: 6 training points (the rows of X, 6×2)")


def test_the_logistic_loss_is_named_and_explained_not_a_bare_matrix_product():
    model = MLP((2, 3, 1), "relu")
    params = model.init("he_uniform", seed=1)
    text, _ = minibatch_source(model, params, X[:4], targets("logistic", LABELS[:4]), "logistic")
    assert "cross_entropy(s @ [[0, 1]], y)" not in text
    statements = dict((line, comments) for comments, line in _statements(text))
    assert "logits = s @ [[0, 1]]" in statements
    assert "loss = cross_entropy(logits, y)" in statements
    explained = " ".join(statements["loss = cross_entropy(logits, y)"])
    assert "logistic loss" in explained and "σ(s)" in explained and "log(1 + eˢ) − y·s" in explained
    assert "(0, s)" in " ".join(statements["logits = s @ [[0, 1]]"])
    # the logits really are (0, s) per point
    graph = parse(text)
    names = [node.id for node in graph.nodes]
    forward = dict(zip(names, graph.forward({**params, "X": X[:4], "y": LABELS[:4]}), strict=True))
    np.testing.assert_array_equal(forward["logits"][:, 0], 0.0)
    np.testing.assert_array_equal(forward["logits"][:, 1], forward["s"][:, 0])


@pytest.mark.parametrize("size", [1, 7, 16])
def test_the_header_states_the_real_batch_size(size):
    config = TrainConfig(batch_size=size)
    text, inputs = minibatch_graph(config, size=size)
    assert len(inputs["X"]) == size
    word = "point" if size == 1 else "points"
    assert text.splitlines()[0].startswith(
        f"# One minibatch: {size} training {word} (the rows of X, {size}×2)"
    )


def test_a_graph_of_the_first_points_of_a_larger_minibatch_says_so():
    model = MLP((2, 3, 1), "tanh")
    params = model.init("xavier_uniform", seed=2)
    text, inputs = minibatch_source(model, params, X[:4], LABELS[:4], "logistic", batch_size=25)
    assert text.splitlines()[0] == (
        "# The first 4 of the 25 training points of one minibatch (the rows of X, 4×2) and their labels y,"
    )
    same, _ = minibatch_source(model, params, X[:4], LABELS[:4], "logistic", batch_size=4)
    assert same.startswith("# One minibatch: 4 training points") and len(inputs["X"]) == 4


def test_the_api_graph_evaluates_to_the_engine_step(client):
    """POST /train with graph: true, then /evaluate on it: the loss and ∂loss/∂W equal nn's step."""
    body = strict(
        client.post(
            "/api/v1/train",
            json={"steps": 3, "batch_size": 5, "graph": True, "graph_batch": 5, "grid": False},
        )
    )
    graph = body["graph"]
    assert graph["source"].startswith("# One minibatch: 5 training points")
    document = strict(client.post("/api/v1/evaluate", json=graph))
    nodes = {node["id"]: node for node in document["nodes"]}
    inputs = {name: np.asarray(v, dtype=float) for name, v in graph["inputs"].items()}
    model = MLP((2, *[len(inputs[f"b{k}"]) for k in range(1, 4)]), "tanh")
    params = {name: inputs[name] for name in model.parameter_names}
    value, grads = loss_and_gradients(model, params, inputs["X"], inputs["y"], "logistic")
    assert nodes["loss"]["value"] == value
    for name in model.parameter_names:
        np.testing.assert_array_equal(np.asarray(nodes[name]["grad"], dtype=float), grads[name])
