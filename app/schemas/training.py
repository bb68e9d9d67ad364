"""Bodies and responses of POST /api/v1/train, POST /api/v1/optimize and GET /api/v1/optimizers.

Names and defaults are DESIGN.md's: data sets, activations, inits and losses as the engine
spells them; optimiser hyper-parameters and defaults as torch.optim's (unset ones take PyTorch's
default; one the optimiser does not have is a 400 `unknown_argument`). Every count is bounded
here (the settings' tighter limits are checked by the router), seeds are ≥ 0.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.data import MAX_CLASSES
from engine.optim import MAX_COUNT

Dataset = Literal["circle", "xor", "gauss", "spiral", "plane", "multi_gauss", "custom"]
Activation = Literal["sigmoid", "tanh", "hardtanh", "relu", "leaky_relu", "linear"]
Init = Literal["xavier_uniform", "he_uniform", "zeros", "uniform"]
Loss = Literal["mse", "cross_entropy", "logistic", "hinge"]
Feature = Literal["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]
OptimizerName = Literal["sgd", "adagrad", "rmsprop", "adam", "adamw", "sparse_adam"]
ScheduleName = Literal["constant", "step", "multistep", "exponential", "cosine", "inverse_time"]
MAX_POINTS = 10_000  # the schema's cap; settings.max_train_samples is the one that applies
MAX_STATE_DEPTH = 2  # every parameter and optimiser slot is a matrix, a vector or a number
Number = float | Literal["NaN", "Infinity", "-Infinity"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DatasetSpec(Strict):
    name: Dataset = "circle"
    samples: int = Field(
        200, ge=2, le=MAX_POINTS, description="points before the split (≤ max_train_samples)"
    )
    noise: float = Field(
        0.0, ge=0.0, le=1.0, description="the Playground's noise fraction (its slider is 0 … 0.5)"
    )
    test_fraction: float = Field(0.5, ge=0.0, lt=1.0)
    seed: int = Field(0, ge=0, le=2**64 - 1)
    classes: int = Field(2, ge=2, le=MAX_CLASSES, description="gauss and spiral: how many classes (2 … 5)")
    points: list[tuple[float, float, float]] | None = Field(
        None,
        max_length=MAX_POINTS,
        description='name "custom": the points [x1, x2, label] (≤ max_train_samples); labels are the '
        'classes 0 … 4, or the target when task is "regression"',
    )
    task: Literal["classification", "regression"] = Field(
        "classification", description='name "custom": what the third number of a point is'
    )


class ModelSpec(Strict):
    layers: list[int] = Field(default_factory=lambda: [8, 4], max_length=64, description="hidden layer sizes")
    activation: Activation = "tanh"
    init: Init = "xavier_uniform"
    seed: int = Field(0, ge=0, le=2**64 - 1, description="initial parameters and every epoch's shuffle")


class OptimizerSpec(Strict):
    """`name` and any of its torch.optim hyper-parameters; unset ones take PyTorch's defaults."""

    name: OptimizerName = "sgd"
    lr: float | None = Field(None, ge=0.0)
    momentum: float | None = Field(None, ge=0.0)
    dampening: float | None = None
    nesterov: bool | None = None
    weight_decay: float | None = Field(None, ge=0.0)
    lr_decay: float | None = Field(None, ge=0.0)
    initial_accumulator_value: float | None = Field(None, ge=0.0)
    eps: float | None = Field(None, ge=0.0)
    alpha: float | None = Field(None, ge=0.0)
    centered: bool | None = None
    betas: tuple[float, float] | None = None
    amsgrad: bool | None = None

    def hyper(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude={"name"}).items() if v is not None}


class ScheduleSpec(Strict):
    """lr at epoch e (PyTorch's schedulers in closed form): constant lr; step lr·gamma^⌊e/step_size⌋
    (defaults 3, 0.1); multistep lr·gamma^(milestones ≤ e) (defaults [3, 6], 0.1); exponential
    lr·gamma^e (0.95); cosine eta_min + (lr − eta_min)(1 + cos(πe/T_max))/2 (10, 0);
    inverse_time lr/(1 + decay_rate·e) (0.5)."""

    name: ScheduleName = "constant"
    step_size: int | None = Field(None, ge=1, le=MAX_COUNT)
    gamma: float | None = Field(None, gt=0.0)
    decay_rate: float | None = Field(None, ge=0.0)
    milestones: list[int] | None = Field(None, max_length=100)
    T_max: int | None = Field(None, ge=1, le=MAX_COUNT)
    eta_min: float | None = Field(None, ge=0.0)

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude={"name"}).items() if v is not None}


class TrainStateSpec(BaseModel):
    """The `state` a /train response returned, passed back unchanged to continue the run."""

    model_config = ConfigDict(extra="forbid")
    params: dict[str, Any] = Field(max_length=200)
    optimizer: dict[str, dict[str, Any]] = Field(max_length=200)
    order: list[Annotated[int, Field(ge=0, lt=MAX_POINTS)]] = Field(max_length=MAX_POINTS)
    position: int = Field(ge=0, le=MAX_COUNT)
    epoch: int = Field(ge=0, le=MAX_COUNT)
    step: int = Field(ge=0, le=MAX_COUNT)


def _default_optimizer() -> OptimizerSpec:
    return OptimizerSpec(name="adam", lr=0.03)


class TrainRequest(Strict):
    dataset: DatasetSpec = Field(default_factory=DatasetSpec)
    features: list[Feature] = Field(default_factory=lambda: ["x1", "x2"], min_length=1, max_length=7)
    model: ModelSpec = Field(default_factory=ModelSpec)
    loss: Loss = "logistic"
    optimizer: OptimizerSpec = Field(default_factory=_default_optimizer)
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    l2: float = Field(0.0, ge=0.0, description="adds (l2/2)·Σ‖W‖² to the loss")
    l1: float = Field(0.0, ge=0.0, description="adds l1·Σ|W| to the loss")
    l2_biases: bool = Field(False, description="l2 and l1 cover the biases too")
    batch_size: int = Field(10, ge=1, le=MAX_POINTS)
    steps: int = Field(1, ge=0, le=1_000_000, description="optimiser steps in this call (≤ max_train_steps)")
    state: TrainStateSpec | None = None
    grid: bool = Field(True, description="return the model's output over the data square")
    grid_size: int = Field(40, ge=2, le=100)
    neurons: bool = Field(
        False, description="with grid: every neuron's output over an m × m grid (m = neuron_grid_size)"
    )
    neuron_grid_size: int = Field(20, ge=2, le=40)
    points: bool = Field(False, description="return the train and test points with their labels")
    curve: bool = Field(True, description="record train/test loss after every step")
    curve_every: int = Field(
        1,
        ge=1,
        le=MAX_COUNT,
        description="record loss_curve and gradient_norms only after the steps whose count is a multiple "
        "of curve_every (their steps in curve_steps); the page asks one entry per epoch, as the "
        "TensorFlow Playground's chart does",
    )
    graph: bool = Field(False, description="return the next minibatch's graph as an /evaluate body")
    graph_batch: int = Field(4, ge=1, le=16)


class OptimizeRequest(Strict):
    function: str = Field(
        "bowl",
        min_length=1,
        max_length=2_000,
        description="a built-in surface (bowl, ravine, rosenbrock, saddle, beale) or an expression in x "
        "and y in the graph language, e.g. (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2",
    )
    start: tuple[float, float] = (1.5, 1.5)
    optimizer: OptimizerSpec = Field(default_factory=OptimizerSpec)
    steps: int = Field(100, ge=0, le=1_000_000, description="≤ max_optimize_steps")
    grid: bool = Field(False, description="return the contour grid of the function")
    grid_size: int = Field(60, ge=2, le=200)
    x_range: tuple[float, float] | None = Field(None, description="an expression's square (default [-5, 5])")
    y_range: tuple[float, float] | None = None


# Responses (for OpenAPI: the router sends strict JSON, non-finite numbers as strings).


class TrainStateOut(BaseModel):
    params: dict[str, Any]
    optimizer: dict[str, dict[str, Any]]
    order: list[int]
    position: int
    epoch: int
    step: int


class GridOut(BaseModel):
    size: int
    extent: list[float] = Field(min_length=2, max_length=2)
    values: list[list[Number]] = Field(
        description="row i at y = yᵢ: the class-1 output (binary), the confidence (more classes) or the prediction"
    )
    classes: list[list[int]] | None = Field(None, description="cross-entropy: the predicted class per cell")
    confidence: list[list[Number]] | None = Field(None, description="cross-entropy: its probability")
    neuron_size: int | None = None
    neurons: list[list[list[list[Number]]]] | None = None


class TrainResponse(BaseModel):
    state: TrainStateOut
    step: int
    epoch: int
    lr: float
    kind: Literal["classification", "regression"]
    classes: int = Field(description="number of classes (0 for regression)")
    loss_curve: dict[str, list[Number | None]]
    metrics: dict[str, Number | None]
    gradient_norms: list[list[Number]]
    curve_steps: list[int] | None = Field(
        None, description="with curve_every > 1: the step count after which each entry was recorded"
    )
    grid: GridOut | None = None
    points: dict[str, list[list[float]]] | None = None
    graph: dict[str, Any] | None = None


class OptimizeResponse(BaseModel):
    function: str
    path: list[list[Number]]
    losses: list[Number]
    minimum: list[float] | None
    x_range: list[float] = Field(min_length=2, max_length=2)
    y_range: list[float] = Field(min_length=2, max_length=2)
    grid: dict[str, Any] | None = None


class OptimizerOut(BaseModel):
    name: str
    torch: str = Field(description="PyTorch's class, e.g. torch.optim.Adam")
    description: dict[str, str] = Field(description="one sentence, in en and pt-BR")
    defaults: dict[str, Any] = Field(description="hyper-parameter → PyTorch's default")
    state: list[str] = Field(description="what the optimiser keeps per parameter")


class ScheduleOut(BaseModel):
    name: str
    torch: str | None
    formula: str
    defaults: dict[str, Any]


class OptimizersResponse(BaseModel):
    optimizers: list[OptimizerOut]
    schedules: list[ScheduleOut]
