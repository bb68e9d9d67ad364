"""Request and response models of the graph endpoints (OpenAPI documentation and validation).

Values are numbers or nested lists; in responses a non-finite number is one of the strings
"NaN", "Infinity", "-Infinity". Input arrays are checked in `app.service.check_tensor`
against the limits of the running settings, so the models only describe their shape.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

NUMBER_OR_NAME = {"anyOf": [{"type": "number"}, {"type": "string", "enum": ["NaN", "Infinity", "-Infinity"]}]}
TENSOR_OUT = {
    "anyOf": [*NUMBER_OR_NAME["anyOf"], {"type": "array", "items": {}}, {"type": "null"}],
    "description": 'A number, a nested list (tensor), null (not reached yet), or "NaN"/"Infinity"/"-Infinity".',
}
TENSOR_IN = {
    "anyOf": [{"type": "number"}, {"type": "array", "items": {}}],
    "description": "A number or a rectangular nested list of numbers.",
}

TensorIn = Annotated[Any, WithJsonSchema(TENSOR_IN)]
TensorOut = Annotated[Any, WithJsonSchema(TENSOR_OUT)]
NumberOut = Annotated[Any, WithJsonSchema(NUMBER_OR_NAME)]

MAX_SOURCE_TEXT = 1_000_000  # the body limit's order: CHAINRULE_MAX_SOURCE_CHARS is the real bound
MAX_NAME = 1_000  # characters of an input or output name
MAX_INPUTS = 10_000  # free names of one graph (a graph has at most CHAINRULE_MAX_NODES nodes)

LECTURE = {"source": "a = x + y\nb = max(y, z)\nf = a * b", "inputs": {"x": 1, "y": 2, "z": 0}}


MAX_STEP = 2**31 - 1  # far past any graph's last step (2 × max_nodes + accumulates): a clean 400 above


class EvaluateRequest(BaseModel):
    """A graph in the expression language and a value for each free name.

    The schema bounds every field; the running settings bound them further (source length,
    nodes, elements: CHAINRULE_MAX_*), checked in app.service with errors that name the limit.
    Input values are read level by level, never recursively, whatever their nesting."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [LECTURE]})

    source: str = Field(
        max_length=MAX_SOURCE_TEXT,
        description="Statements `name = expression`, one per line or separated by `;` "
        "(at most CHAINRULE_MAX_SOURCE_CHARS characters).",
    )
    inputs: dict[str, TensorIn] = Field(  # names unbounded here: the graph's names bound them
        default_factory=dict, max_length=MAX_INPUTS, description="A value for every free name."
    )
    output: str | None = Field(
        default=None,
        max_length=MAX_NAME,
        description="The node to differentiate; default the last statement.",
    )
    seed_gradient: TensorIn | None = Field(default=None, description="∂L/∂output; default ones of its shape.")
    step: int | None = Field(
        default=None, ge=0, le=MAX_STEP, description="Return the snapshot after this step (from 0)."
    )
    unroll: bool = Field(
        default=False,
        description="Expand every tensor op into scalar gates (W @ x → the products W[i,j]·x[j] and their "
        "sums); inputs become scalar nodes named like `W[0,1]`. Values of at most 64 elements.",
    )


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable and machine-readable, e.g. `syntax_error`, `missing_input`.")
    message: str = Field(description="What is wrong, naming the field, text or limit, in English.")
    line: int | None = Field(default=None, description="1-based line of the offending source text.")
    column: int | None = Field(default=None, description="1-based column of the offending source text.")
    input: str | None = Field(default=None, description="The input the error is about, by its name.")


class ErrorResponse(BaseModel):
    """A request the API refuses: fix what `error` names and send it again."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": {
                        "code": "syntax_error",
                        "message": "invalid syntax: 'f = a *'",
                        "line": 2,
                        "column": 8,
                    }
                },
                {"error": {"code": "missing_input", "message": "no value for input 'z'", "input": "z"}},
            ]
        }
    )

    error: ErrorDetail


class InternalErrorDetail(BaseModel):
    code: Literal["internal_error"]
    message: str
    request_id: str = Field(description="The X-Request-ID under which the server logged the traceback.")


class InternalErrorResponse(BaseModel):
    """Our bug, not the request's: report it with the request id."""

    error: InternalErrorDetail


class NodeOut(BaseModel):
    id: str
    kind: Literal["input", "constant", "op"]
    op: str | None
    symbol: str
    label: str
    inputs: list[str]
    aliases: list[str] = Field(
        default_factory=list, description="Other names the source gives this node (`t = x`)."
    )
    shape: list[int]
    value: TensorOut
    grad: TensorOut
    formula: str
    line: int | None
    column: int | None


class EdgeOut(BaseModel):
    id: str
    source: str
    target: str
    slot: int
    value: TensorOut
    local: TensorOut
    local_kind: Literal["scalar", "elementwise", "jacobian", "omitted"]
    upstream: TensorOut
    downstream: TensorOut
    formula: str


class StepOut(BaseModel):
    index: int
    phase: Literal["forward", "backward", "accumulate"]
    node: str
    edges: list[str]
    value: TensorOut = None
    grad: TensorOut = None
    terms: list[TensorOut] | None = None


class NodeBox(BaseModel):
    x: float = Field(description="The gate's centre.")
    y: float
    width: float = Field(description="The whole reserved box: the gate and its labels' shelf.")
    height: float
    layer: int
    half: float | None = Field(None, description="Half the gate's width.")
    shelf: float | None = Field(
        None, description="The run of wire right of the gate carrying the value above, the gradient below."
    )
    above: float | None = Field(None, description="Room reserved over the shelf's wire for the value.")
    below: float | None = Field(None, description="Room reserved under it for the gradient.")


class Column(BaseModel):
    x: float
    left: float
    right: float


class Layout(BaseModel):
    nodes: dict[str, NodeBox]
    columns: list[Column] = Field(default_factory=list, description="Per layer: its x and edges.")
    bends: dict[str, list[list[float]]] = Field(
        default_factory=dict,
        description="Waypoints of wires that span several layers, keyed 'source->target'.",
    )
    width: float
    height: float


class EvaluationDocument(BaseModel):
    output: str
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    order: list[str]
    steps: list[StepOut]
    layout: Layout
    step: int | None = Field(default=None, description="Present in a snapshot: the step it stands after.")


class OpOut(BaseModel):
    name: str
    symbol: str
    arity: int
    formulas: list[str]
    description: str
    function: str | None
    operator: str | None
    attrs: dict[str, float | Literal["Infinity", "-Infinity"] | list[int] | None] = Field(
        description="Literal-only arguments with their defaults: a slope, clamp's bounds (±Infinity: "
        "none), an axis (null: every axis), an index."
    )
    elementwise: bool


class Localized(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    en: str
    pt_BR: str = Field(alias="pt-BR")


class Example(BaseModel):
    id: str
    title: Localized
    explanation: Localized
    source: str
    inputs: dict[str, TensorIn]


class InputCheckOut(BaseModel):
    analytic: TensorOut
    numeric: TensorOut
    relative_error: NumberOut
    worst_index: list[int]


class GradcheckOut(BaseModel):
    max_relative_error: NumberOut
    passed: bool
    inputs: dict[str, InputCheckOut]


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"]
