"""Lessons: data files (JSON, format in docs/lessons.md) that walk the notes' topics step by step.

The built-in ones live in `lessons/` beside `templates/` (a checkout, or `share/chainrule/` after a
regular install); a teacher's own folder (`chainrule serve --lessons DIR`, i.e. settings.lessons_dir
or CHAINRULE_LESSONS_DIR) adds to them and wins on a shared id. Files are read on each request, so
a teacher's edit shows on the next page load.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.paths import ROOT
from app.schemas.graph import Localized

BUILT_IN_DIR = ROOT / "lessons"
MAX_LESSON_BYTES = 200_000
MAX_STEPS = 100
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
log = logging.getLogger("chainrule.lessons")


class LessonStep(BaseModel):
    """One step: a page in some state, and the caption read aloud over it."""

    model_config = ConfigDict(extra="forbid")

    page: Literal["graph", "train", "optimizers"] = "graph"
    source: str | None = Field(default=None, max_length=20_000, description="graph: the expression")
    inputs: dict[str, Any] | None = Field(default=None, description="graph: a value for every free name")
    step: int | None = Field(
        default=None, ge=0, description="graph: the trace step shown (default: the last)"
    )
    step_to: int | None = Field(default=None, ge=0, description="graph: → walks the trace up to this step")
    highlight: list[str] = Field(default_factory=list, description="graph: node ids to point at")
    hide: list[Literal["grads", "values"]] = Field(
        default_factory=list, description="numbers hidden at first"
    )
    state: dict[str, Any] = Field(default_factory=dict, description="train/optimizers: the page's URL state")
    caption: Localized

    @model_validator(mode="after")
    def _graph_needs_source(self) -> LessonStep:
        if self.page == "graph" and not self.source:
            raise ValueError("a graph step needs a source")
        if self.step is not None and self.step_to is not None and self.step_to < self.step:
            raise ValueError("step_to must not come before step")
        return self


class Lesson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    order: int = Field(default=1000, description="position in the list (then by id)")
    title: Localized
    summary: Localized | None = None
    steps: list[LessonStep] = Field(min_length=1, max_length=MAX_STEPS)


class LessonError(ValueError):
    """A lesson file that cannot be used, with a message naming the file and the field."""


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the file"
    return f"{where}: {first['msg']}"


def parse_lesson(data: Any, name: str = "the lesson") -> dict[str, Any]:
    """A lesson as the API serves it (validated, defaults filled); LessonError says what is wrong."""
    try:
        lesson = Lesson.model_validate(data)
    except ValidationError as error:
        raise LessonError(f"{name}: {_describe(error)}") from None
    return lesson.model_dump(by_alias=True, exclude_none=True)


def read_lesson(path: Path) -> dict[str, Any]:
    if path.stat().st_size > MAX_LESSON_BYTES:
        raise LessonError(f"{path.name}: larger than {MAX_LESSON_BYTES} bytes")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LessonError(f"{path.name}: not valid JSON ({error})") from None
    if isinstance(data, dict):
        data.setdefault("id", path.stem)
        if data["id"] != path.stem:
            raise LessonError(f"{path.name}: id '{data['id']}' differs from the file name (use {path.stem})")
    return parse_lesson(data, path.name)


def lesson_dirs(configured: Path | str | None) -> list[Path]:
    """The built-in folder, then the teacher's (settings first, else CHAINRULE_LESSONS_DIR)."""
    extra = configured or os.environ.get("CHAINRULE_LESSONS_DIR") or None
    dirs = [BUILT_IN_DIR]
    if extra:
        dirs.append(Path(extra))
    return [d for d in dirs if d.is_dir()]


def _files(configured: Path | str | None) -> dict[str, Path]:
    """id (the file's stem) → file; a later folder wins."""
    files: dict[str, Path] = {}
    for folder in lesson_dirs(configured):
        for path in sorted(folder.glob("*.json")):
            files[path.stem] = path
    return files


def list_lessons(configured: Path | str | None = None) -> list[dict[str, Any]]:
    """`{id, title, steps}` of every usable lesson, by `order` then id; a broken file is logged, skipped."""
    found = []
    for path in _files(configured).values():
        try:
            lesson = read_lesson(path)
        except LessonError as error:
            log.warning("lesson skipped: %s", error)
            continue
        found.append((lesson["order"], lesson["id"], lesson["title"], len(lesson["steps"])))
    return [{"id": id, "title": title, "steps": steps} for _, id, title, steps in sorted(found)]


def get_lesson(lesson_id: str, configured: Path | str | None = None) -> dict[str, Any] | None:
    """The lesson (None when there is no such file); LessonError when its file is broken."""
    path = _files(configured).get(lesson_id)
    return None if path is None else read_lesson(path)
