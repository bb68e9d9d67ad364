"""Graph endpoints: evaluate, ops, examples, gradcheck. Thin: app.service does the work."""

from __future__ import annotations

import email.message
import json
from collections import OrderedDict
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import ApiError
from app.examples import EXAMPLES, EXAMPLES_BY_ID
from app.schemas.graph import (
    ErrorResponse,
    EvaluateRequest,
    EvaluationDocument,
    Example,
    GradcheckOut,
    OpOut,
)
from app.serialize import StrictJSONResponse
from app.service import document_bytes, gradcheck_document, prepare
from app.settings import Settings
from engine import OPS

router = APIRouter(tags=["graph"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The source or the inputs cannot be evaluated."},
}


def _body_example(example_id: str, summary: str, **extra: Any) -> dict[str, Any]:
    example = EXAMPLES_BY_ID[example_id]
    return {"summary": summary, "value": {"source": example["source"], "inputs": example["inputs"], **extra}}


EVALUATE_EXAMPLES = {
    "lecture": _body_example("lecture", "The lecture example f = (x + y) · max(y, z)"),
    "snapshot": _body_example("lecture", "The same, as it stands after step 7", step=7),
    "tensors": _body_example("window_score", "Tensors: the score s = uᵀσ(Wx + b)"),
    "seed": _body_example("fan_out", "A seed gradient ∂L/∂f = 2", seed_gradient=2.0),
}
GRADCHECK_EXAMPLES = {
    "neuron": _body_example("sigmoid_neuron", "A sigmoid neuron"),
    "mlp": _body_example("mlp_mse", "A 2-layer MLP with MSE"),
}
GradcheckBody = Annotated[EvaluateRequest, Body(openapi_examples=GRADCHECK_EXAMPLES)]


INLINE_BODY_BYTES = 2_048
INLINE_ELEMENTS = 2_000  # elements the forward pass computes
INLINE_NODES = 200


DocumentKey = tuple[bytes, int | None, Settings]


class DocumentCache:
    """The last documents served, by request body and step: an evaluation is a pure function of
    them, so a class of students opening the same example costs one evaluation per worker."""

    def __init__(self, entries: int = 256, max_bytes: int = 64_000) -> None:
        self.entries, self.max_bytes = entries, max_bytes
        self.documents: OrderedDict[DocumentKey, bytes] = OrderedDict()

    def get(self, key: DocumentKey) -> bytes | None:
        found = self.documents.get(key)
        if found is not None:
            self.documents.move_to_end(key)
        return found

    def put(self, key: DocumentKey, content: bytes) -> None:
        if len(content) <= self.max_bytes and len(key[0]) <= self.max_bytes:
            self.documents[key] = content
            if len(self.documents) > self.entries:
                self.documents.popitem(last=False)


DOCUMENTS = DocumentCache()


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _json_content_type(value: str | None) -> bool:
    """FastAPI's test: application/json or application/*+json (a missing type is not JSON)."""
    if value is None:
        return False
    if value == "application/json":
        return True
    message = email.message.Message()
    message["content-type"] = value
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


STEP_DESCRIPTION = "Snapshot after this step (overrides the body)."
STEP_QUERY: TypeAdapter[int | None] = TypeAdapter(Annotated[int | None, Field(ge=0)])
STEP_PARAMETER = {
    "name": "step",
    "in": "query",
    "required": False,
    "schema": {
        "anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}],
        "description": STEP_DESCRIPTION,
        "title": "Step",
    },
    "description": STEP_DESCRIPTION,
}


def _step_query(raw: str | None) -> int | None:
    """?step=k, validated as a `Query(ge=0)` parameter would be."""
    if raw is None:
        return None
    try:
        return STEP_QUERY.validate_python(raw)
    except ValidationError as error:
        problems = error.errors(include_url=False)
        raise RequestValidationError([{**p, "loc": ("query", "step", *p["loc"])} for p in problems]) from None


def evaluate_request(raw: bytes, content_type: str | None) -> EvaluateRequest:
    """The body as FastAPI would read it for an `EvaluateRequest` parameter, and the same errors,
    without its general machinery (which costs more than evaluating the lecture example)."""
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    body: Any = raw
    if _json_content_type(content_type):
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as error:
            raise RequestValidationError(
                [
                    {
                        "type": "json_invalid",
                        "loc": ("body", error.pos),
                        "msg": "JSON decode error",
                        "input": {},
                        "ctx": {"error": error.msg},
                    }
                ]  # fmt: skip
            ) from None
        except (ValueError, RecursionError):  # not UTF-8, or nested too deeply
            raise StarletteHTTPException(400, "There was an error parsing the body") from None
    try:
        return EvaluateRequest.model_validate(body)
    except ValidationError as error:
        problems = error.errors(include_url=False)
        raise RequestValidationError([{**p, "loc": ("body", *p["loc"])} for p in problems]) from None


@router.post(
    "/evaluate",
    response_model=None,
    responses={200: {"model": EvaluationDocument, "description": "The evaluation document."}, **ERRORS},
    summary="Evaluate a graph: forward, backward, every edge's upstream × local = downstream",
    openapi_extra={  # evaluate_request reads these; this documents them as FastAPI parameters would
        "parameters": [STEP_PARAMETER],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/EvaluateRequest"},
                    "examples": EVALUATE_EXAMPLES,
                }
            },
        },
    },
)
async def evaluate(request: Request) -> Response:
    step = _step_query(request.query_params.get("step")) if request.scope.get("query_string") else None
    raw = await request.body()
    settings = _settings(request)
    key = (raw, step, settings)  # the limits decide whether a body is accepted: part of the key
    cached = DOCUMENTS.get(key)
    if cached is not None:
        return Response(cached, media_type="application/json")
    body = evaluate_request(raw, request.headers.get("content-type"))
    call = partial(prepare, body.source, body.inputs, settings, body.output, body.seed_gradient)
    # Small work is cheaper done here than after a hop to a worker thread; anything bigger is
    # done in the thread pool so that the event loop keeps answering other requests.
    small = len(raw) <= INLINE_BODY_BYTES
    prepared = call() if small else await run_in_threadpool(call)
    finish = partial(document_bytes, prepared, step if step is not None else body.step)
    if small and prepared.cost <= INLINE_ELEMENTS and len(prepared.graph) <= INLINE_NODES:
        content = finish()
    else:
        content = await run_in_threadpool(finish)
    DOCUMENTS.put(key, content)
    return Response(content, media_type="application/json")


@router.post(
    "/gradcheck",
    response_model=None,
    responses={200: {"model": GradcheckOut, "description": "Analytic against numeric gradients."}, **ERRORS},
    summary="Check the engine's gradients against central finite differences",
)
def gradcheck(body: GradcheckBody, request: Request) -> StrictJSONResponse:
    result = gradcheck_document(body.source, body.inputs, _settings(request), body.output, body.seed_gradient)
    return StrictJSONResponse(result)


def _op(op: Any) -> dict[str, Any]:
    return {
        "name": op.name,
        "symbol": op.symbol,
        "arity": op.arity,
        "formulas": list(op.formulas),
        "description": op.description,
        "function": op.function,
        "operator": op.operator,
        "attrs": dict(op.attrs),
        "elementwise": op.elementwise,
    }


OPS_LIST = [_op(op) for op in OPS]


@router.get(
    "/ops", response_model=None, responses={200: {"model": list[OpOut]}}, summary="Every op the engine knows"
)
def ops() -> StrictJSONResponse:
    return StrictJSONResponse(OPS_LIST)


@router.get(
    "/examples", response_model=None, responses={200: {"model": list[Example]}}, summary="The built-in graphs"
)
def examples() -> StrictJSONResponse:
    return StrictJSONResponse(list(EXAMPLES))


@router.get(
    "/examples/{example_id}",
    response_model=None,
    responses={200: {"model": Example}, 404: {"model": ErrorResponse, "description": "No such example."}},
    summary="One built-in graph",
)
def example(example_id: str) -> StrictJSONResponse:
    found = EXAMPLES_BY_ID.get(example_id)
    if found is None:
        known = ", ".join(EXAMPLES_BY_ID)
        raise ApiError(404, "unknown_example", f"no example '{example_id}' (known: {known})")
    return StrictJSONResponse(found)
