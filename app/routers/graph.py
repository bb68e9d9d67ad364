"""Graph endpoints: evaluate, gradcheck, ops, examples. Thin: app.service does the work.

Bodies are typed (`EvaluateRequest`), settings come from the `get_settings` dependency, and
every error is raised for app.errors to word. Responses are declared by model for OpenAPI and
returned as bytes: /evaluate serves the service's pre-rendered JSON text as it is.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app import examples as example_data
from app.errors import ApiError
from app.examples import EXAMPLES, EXAMPLES_BY_ID
from app.routers import HEAVY
from app.schemas.graph import (
    MAX_STEP,
    ErrorResponse,
    EvaluateRequest,
    EvaluationDocument,
    Example,
    GradcheckOut,
    OpOut,
)
from app.serialize import StrictJSONResponse
from app.service import document_bytes, gradcheck_document, prepare
from app.settings import Settings, get_settings
from engine import OPS

router = APIRouter(tags=["graph"])
SettingsDep = Annotated[Settings, Depends(get_settings)]

ENGINE_ERRORS: dict[int | str, dict[str, Any]] = {
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
StepQuery = Annotated[
    int | None,
    Query(
        ge=0, le=MAX_STEP, description="Return the snapshot after this step (overrides the body's `step`)."
    ),
]

INLINE_BODY_BYTES = 2_048
INLINE_ELEMENTS = 2_000  # elements the forward pass computes
INLINE_NODES = 200


DocumentKey = tuple[bytes, int | None, Settings]


class DocumentCache:
    """The last documents served, by request body and step: an evaluation is a pure function of
    them, so a class of students opening the same example costs one evaluation per worker.
    Bounded in bytes (keys and documents), and a document over `max_entry_bytes` is never kept."""

    def __init__(self, max_entry_bytes: int = 64_000) -> None:
        self.max_entry_bytes = max_entry_bytes
        self.documents: OrderedDict[DocumentKey, bytes] = OrderedDict()
        self.size = 0

    def get(self, key: DocumentKey) -> bytes | None:
        found = self.documents.get(key)
        if found is not None:
            self.documents.move_to_end(key)
        return found

    def put(self, key: DocumentKey, content: bytes, budget: int) -> None:
        """Keep `content` if it is small, dropping the oldest until all fit in `budget` bytes."""
        cost = len(content) + len(key[0])
        if cost > self.max_entry_bytes or cost > budget or key in self.documents:
            return
        self.documents[key] = content
        self.size += cost
        while self.size > budget:
            old_key, old = self.documents.popitem(last=False)
            self.size -= len(old) + len(old_key[0])


DISCONNECT_POLL_SECONDS = 0.05


async def _off_the_loop(request: Request, work: Callable[..., bytes]) -> bytes:
    """`work(cancelled=…)` in a worker thread; a client that goes away stops it (the service's
    Budget checks `cancelled` as the engine goes)."""
    gone = threading.Event()

    async def watch() -> None:
        while not gone.is_set():
            if await request.is_disconnected():
                gone.set()
                return
            await anyio.sleep(DISCONNECT_POLL_SECONDS)

    outcome: dict[str, Any] = {}
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(watch)
        try:
            outcome["content"] = await anyio.to_thread.run_sync(
                partial(work, cancelled=gone.is_set), limiter=HEAVY
            )
        except Exception as error:  # raised after the group, not wrapped in an ExceptionGroup
            outcome["error"] = error
        finally:
            gone.set()  # the watcher ends
            tasks.cancel_scope.cancel()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["content"]


DOCUMENTS = DocumentCache()
DOCUMENT_SHARE = 4  # this cache may use 1/4 of CHAINRULE_CACHE_BYTES; the service's caches the rest


def _lecture_example() -> tuple[dict[str, Any], dict[str, Any]]:
    """The lecture example's document and gradcheck, computed once: OpenAPI's response examples."""
    lecture, settings = EXAMPLES_BY_ID["lecture"], Settings()
    document = json.loads(document_bytes(prepare(lecture["source"], lecture["inputs"], settings)))
    return document, gradcheck_document(lecture["source"], lecture["inputs"], settings)


LECTURE_DOCUMENT, LECTURE_GRADCHECK = _lecture_example()


def _example_response(description: str, example: Any) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {"application/json": {"example": example}}}}


@router.post(
    "/evaluate",
    response_model=EvaluationDocument,
    responses={**_example_response("The evaluation document.", LECTURE_DOCUMENT), **ENGINE_ERRORS},
    summary="Evaluate a graph: forward, backward, every edge's upstream × local = downstream",
    description="The graph of `source` with every node's value and gradient, every edge's forward value "
    "and upstream, local and downstream gradients, the forward/backward/accumulate steps in order and "
    "a layout. With `step` (query or body) every node and edge as it stands after that step.",
)
async def evaluate(
    body: EvaluateBody, request: Request, settings: SettingsDep, step: StepQuery = None
) -> Response:
    step = step if step is not None else body.step
    raw = await request.body()  # already read (and cached) by FastAPI: the cache's key
    key = (raw, step, settings)  # the limits decide whether a body is accepted: part of the key
    cached = DOCUMENTS.get(key)
    if cached is not None:
        return Response(cached, media_type="application/json")
    call = partial(prepare, body.source, body.inputs, settings, body.output, body.seed_gradient, body.unroll)
    # Small work is cheaper done here than after a hop to a worker thread; anything bigger is
    # done in the thread pool so that the event loop keeps answering other requests.
    small = len(raw) <= INLINE_BODY_BYTES
    prepared = call() if small else await run_in_threadpool(call)
    if small and prepared.cost <= INLINE_ELEMENTS and len(prepared.graph) <= INLINE_NODES:
        content = document_bytes(prepared, step)
    else:
        content = await _off_the_loop(request, partial(document_bytes, prepared, step))
    DOCUMENTS.put(key, content, settings.cache_bytes // DOCUMENT_SHARE)
    return Response(content, media_type="application/json")


@router.post(
    "/gradcheck",
    response_model=GradcheckOut,
    responses={
        **_example_response("Analytic against numeric gradients.", LECTURE_GRADCHECK),
        **ENGINE_ERRORS,
    },
    summary="Check the engine's gradients against central finite differences",
    description="Same body as /evaluate. For every input element, the analytic gradient against "
    "(f(x + h) − f(x − h)) / 2h in float64; `passed` when every relative error is small.",
)
def gradcheck(body: GradcheckBody, settings: SettingsDep) -> StrictJSONResponse:
    result = gradcheck_document(body.source, body.inputs, settings, body.output, body.seed_gradient)
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
    "/ops",
    response_model=list[OpOut],
    responses=_example_response("Every op, in the engine's order.", OPS_LIST[:2]),
    summary="List every op: symbol, arity and the formula of each local gradient",
)
def ops() -> StrictJSONResponse:
    return StrictJSONResponse(OPS_LIST)


@router.get(
    "/examples",
    response_model=list[Example],
    responses=_example_response("The built-in graphs, the lecture example first.", list(EXAMPLES[:1])),
    summary="List the built-in graphs, each a valid /evaluate body",
)
def examples() -> StrictJSONResponse:
    return StrictJSONResponse(list(EXAMPLES))


ExampleId = Annotated[str, Path(max_length=100, description="An id from GET /api/v1/examples.")]
SeedQuery = Annotated[
    int | None,
    Query(
        ge=0, le=2**32 - 1, description="Draw fresh inputs from this seed (each student their own numbers)."
    ),
]


@router.get(
    "/examples/{example_id}",
    response_model=Example,
    responses={
        **_example_response("One built-in graph.", EXAMPLES[0]),
        404: {"model": ErrorResponse, "description": "No such example."},
    },
    summary="Get one built-in graph, optionally with inputs drawn from a seed",
)
def example(example_id: ExampleId, seed: SeedQuery = None) -> StrictJSONResponse:
    found = EXAMPLES_BY_ID.get(example_id)
    if found is None:
        known = ", ".join(EXAMPLES_BY_ID)
        raise ApiError(404, "unknown_example", f"no example '{example_id}' (known: {known})")
    example_for = getattr(example_data, "example_for", None)  # seeded numbers, where available
    if example_for is not None:
        found = example_for(example_id, seed)
    return StrictJSONResponse(found)
