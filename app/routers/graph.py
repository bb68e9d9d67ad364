"""Graph endpoints: evaluate, ops, examples, gradcheck. Thin: app.service does the work."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

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
from app.service import evaluation_document, gradcheck_document
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
EvaluateBody = Annotated[EvaluateRequest, Body(openapi_examples=EVALUATE_EXAMPLES)]
GradcheckBody = Annotated[EvaluateRequest, Body(openapi_examples=GRADCHECK_EXAMPLES)]


def _settings(request: Request) -> Settings:
    return request.app.state.settings


@router.post(
    "/evaluate",
    response_model=None,
    responses={200: {"model": EvaluationDocument, "description": "The evaluation document."}, **ERRORS},
    summary="Evaluate a graph: forward, backward, every edge's upstream × local = downstream",
)
def evaluate(
    body: EvaluateBody,
    request: Request,
    step: int | None = Query(
        default=None, ge=0, description="Snapshot after this step (overrides the body)."
    ),
) -> StrictJSONResponse:
    doc = evaluation_document(
        body.source,
        body.inputs,
        _settings(request),
        body.output,
        body.seed_gradient,
        step if step is not None else body.step,
    )
    return StrictJSONResponse(doc)


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
