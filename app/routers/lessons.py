"""Lessons: GET /lessons, GET /lessons/{id}, POST /lessons/check (a teacher's file, before use)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path

from app.errors import ApiError
from app.lessons import ID_PATTERN, LessonError, get_lesson, list_lessons, parse_lesson
from app.schemas.graph import ErrorResponse
from app.serialize import StrictJSONResponse
from app.settings import Settings, get_settings

router = APIRouter(tags=["lessons"])
SettingsDep = Annotated[Settings, Depends(get_settings)]
LessonId = Annotated[str, Path(pattern=ID_PATTERN, description="The lesson's id (its file name).")]


def _configured(settings: Settings) -> Any:
    return getattr(settings, "lessons_dir", None)  # None: CHAINRULE_LESSONS_DIR, read by app.lessons


@router.get("/lessons", summary="Every lesson: id, title in English and Português (Brasil), step count")
def lessons(settings: SettingsDep) -> StrictJSONResponse:
    return StrictJSONResponse(list_lessons(_configured(settings)))


@router.get(
    "/lessons/{lesson_id}",
    summary="One lesson with its steps (docs/lessons.md)",
    responses={404: {"model": ErrorResponse, "description": "No such lesson."}},
)
def lesson(lesson_id: LessonId, settings: SettingsDep) -> StrictJSONResponse:
    try:
        found = get_lesson(lesson_id, _configured(settings))
    except LessonError as error:
        raise ApiError(422, "invalid_lesson", str(error)) from None
    if found is None:
        known = ", ".join(item["id"] for item in list_lessons(_configured(settings)))
        raise ApiError(404, "unknown_lesson", f"no lesson '{lesson_id}' (known: {known})")
    return StrictJSONResponse(found)


@router.post("/lessons/check", summary="Validate a lesson file's contents; returns it as it would be served")
def check(
    lesson: Annotated[dict[str, Any], Body(description="A lesson in the format of docs/lessons.md")],
) -> Any:
    try:
        return StrictJSONResponse(parse_lesson(lesson))
    except LessonError as error:
        raise ApiError(422, "invalid_lesson", str(error)) from None
