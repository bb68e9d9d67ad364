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

LECTURE = {"source": "a = x + y\nb = max(y, z)\nf = a * b", "inputs": {"x": 1, "y": 2, "z": 0}}


class EvaluateRequest(BaseModel):
    """A graph in the expression language and a value for each free name."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [LECTURE]})

    source: str = Field(description="Statements `name = expression`, one per line or separated by `;`.")
    inputs: dict[str, TensorIn] = Field(default_factory=dict, description="A value for every free name.")
    output: str | None = Field(
        default=None, description="The node to differentiate; default the last statement."
    )
    seed_gradient: TensorIn | None = Field(default=None, description="∂L/∂output; default ones of its shape.")
    step: int | None = Field(default=None, ge=0, description="Return the snapshot after this step.")


class ErrorDetail(BaseModel):
    code: str
    message: str
    line: int | None = None
    column: int | None = None
    input: str | None = None  # the input the error is about (missing, unknown, invalid, too large)


class ErrorResponse(BaseModel):
    error: ErrorDetail


class NodeOut(BaseModel):
    id: str
    kind: Literal["input", "constant", "op"]
    op: str | None
    symbol: str
    label: str
    inputs: list[str]
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
    x: float
    y: float
    width: float
    height: float
    layer: int


class Layout(BaseModel):
    nodes: dict[str, NodeBox]
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
    attrs: dict[str, float]
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
    status: Literal["ok"]
