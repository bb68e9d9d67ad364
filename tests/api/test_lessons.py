"""GET /api/v1/lessons and /lessons/{id}: every built-in lesson evaluates step by step, its captions
exist in both languages and differ, and a teacher's folder adds lessons without touching code."""

from __future__ import annotations

import json
import re

import pytest

from app.lessons import BUILT_IN_DIR
from app.main import create_app
from app.settings import Settings
from tests.api.conftest import strict

TOPICS = [  # the list of topics, one lesson each
    "neuron",
    "nonlinearity",
    "lecture-forward",
    "backward",
    "fan-out",
    "gates",
    "matrix",
    "activations",
    "sgd",
    "optimizers",
    "l2",
    "xavier",
]
PLACEHOLDER = re.compile(r"\{(d:)?([A-Za-z_]\w*)\}")


def lesson_ids(client) -> list[str]:
    return [item["id"] for item in strict(client.get("/api/v1/lessons"))]


def test_the_list_has_every_topic_in_order_with_titles_in_both_languages(client):
    listed = strict(client.get("/api/v1/lessons"))
    assert [item["id"] for item in listed] == TOPICS
    for item in listed:
        assert set(item) == {"id", "title", "steps"}
        assert item["title"]["en"] and item["title"]["pt-BR"]
        assert item["title"]["en"] != item["title"]["pt-BR"]
        assert item["steps"] >= 3


@pytest.mark.parametrize("lesson_id", TOPICS)
def test_every_graph_step_evaluates_and_every_caption_is_in_both_languages(client, lesson_id):
    lesson = strict(client.get(f"/api/v1/lessons/{lesson_id}"))
    assert lesson["id"] == lesson_id
    assert lesson["steps"]
    for number, step in enumerate(lesson["steps"]):
        where = f"{lesson_id} step {number}"
        caption = step["caption"]
        assert caption["en"].strip() and caption["pt-BR"].strip(), where
        assert caption["en"] != caption["pt-BR"], where
        assert step["page"] in ("graph", "train", "optimizers")
        if step["page"] != "graph":
            assert step["state"], where  # the other page opens in the state the caption describes
            continue
        body = {key: step[key] for key in ("source", "inputs", "step") if key in step}
        response = client.post("/api/v1/evaluate", json=body)
        assert response.status_code == 200, (where, response.text)
        doc = strict(response)
        ids = {node["id"] for node in doc["nodes"]}
        count = len(strict(client.post("/api/v1/evaluate", json={**body, "step": None}))["steps"])
        assert step.get("step", 0) < count and step.get("step_to", 0) < count, where
        assert set(step["highlight"]) <= ids, where
        # A number in the caption is a placeholder filled from the live document: it must name a
        # scalar node in both languages (the same ones), so the text can never go stale.
        names = [PLACEHOLDER.findall(caption[lang]) for lang in ("en", "pt-BR")]
        assert sorted(names[0]) == sorted(names[1]), where
        by_id = {node["id"]: node for node in doc["nodes"]}
        for _, name in names[0]:
            assert name in by_id and not isinstance(by_id[name]["value"], list), (where, name)


def test_a_lesson_step_shows_the_trace_step_it_names(client):
    backward = strict(client.get("/api/v1/lessons/backward"))
    first = backward["steps"][0]
    doc = strict(client.post("/api/v1/evaluate", json={k: first[k] for k in ("source", "inputs")}))
    assert doc["steps"][first["step"]]["phase"] == "backward"
    assert doc["steps"][first["step"]]["node"] == doc["output"]  # the seed ∂f/∂f = 1


def test_unknown_lesson_is_404_and_a_bad_id_422(client):
    response = client.get("/api/v1/lessons/nope")
    assert response.status_code == 404
    assert strict(response)["error"]["code"] == "unknown_lesson"
    assert client.get("/api/v1/lessons/..%2Fsecrets").status_code in (404, 422)


TEACHER = {
    "title": {"en": "My chain", "pt-BR": "Minha cadeia"},
    "order": 1,
    "steps": [
        {
            "source": "f = x * x",
            "inputs": {"x": 3},
            "step": 2,
            "caption": {"en": "f = {f}", "pt-BR": "f vale {f}"},
        }
    ],
}


def teacher_client(folder):
    from fastapi.testclient import TestClient

    return TestClient(create_app(Settings(lessons_dir=folder)))


def test_a_teachers_folder_adds_lessons_and_a_broken_file_is_skipped_with_a_clear_error(tmp_path):
    (tmp_path / "my-chain.json").write_text(json.dumps(TEACHER), encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"title": {"en": "x"}, "steps": []}', encoding="utf-8")
    (tmp_path / "notjson.json").write_text("{nope", encoding="utf-8")
    client = teacher_client(tmp_path)
    ids = lesson_ids(client)
    assert ids[0] == "my-chain" and "broken" not in ids and "neuron" in ids
    lesson = strict(client.get("/api/v1/lessons/my-chain"))
    assert lesson["steps"][0]["page"] == "graph" and lesson["steps"][0]["highlight"] == []
    broken = client.get("/api/v1/lessons/broken")
    assert broken.status_code == 422
    error = strict(broken)["error"]
    assert error["code"] == "invalid_lesson" and "broken.json" in error["message"]
    assert "title.pt-BR" in error["message"]
    assert "not valid JSON" in strict(client.get("/api/v1/lessons/notjson"))["error"]["message"]


def test_the_environment_variable_names_the_folder_when_settings_do_not(tmp_path, monkeypatch, client):
    (tmp_path / "my-chain.json").write_text(json.dumps(TEACHER), encoding="utf-8")
    monkeypatch.setenv("CHAINRULE_LESSONS_DIR", str(tmp_path))
    assert "my-chain" in lesson_ids(client)


def test_check_validates_a_lesson_before_use(client):
    ok = client.post("/api/v1/lessons/check", json={"id": "mine", **TEACHER})
    assert ok.status_code == 200 and strict(ok)["steps"][0]["hide"] == []
    bad = client.post("/api/v1/lessons/check", json={"id": "mine", **TEACHER, "steps": [{"page": "graph"}]})
    assert bad.status_code == 422
    message = strict(bad)["error"]["message"]
    assert "steps.0" in message


def test_the_built_in_files_are_plain_json_named_by_their_id():
    for path in BUILT_IN_DIR.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["id"] == path.stem
