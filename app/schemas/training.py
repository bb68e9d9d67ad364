"""Request bodies of POST /api/v1/train and POST /api/v1/optimize (responses: docs in the router).

Names and defaults are DESIGN.md's: data sets, activations, inits and losses as the engine
spells them; optimiser hyper-parameters and defaults as torch.optim's (unset ones take PyTorch's
default; one the optimiser does not have is a 400 `unknown_argument`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Dataset = Literal["circle", "xor", "gauss", "spiral", "plane", "multi_gauss"]
Activation = Literal["sigmoid", "tanh", "hardtanh", "relu", "leaky_relu", "linear"]
Init = Literal["xavier_uniform", "he_uniform", "zeros", "uniform"]
Loss = Literal["mse", "cross_entropy", "logistic", "hinge"]
Feature = Literal["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]
OptimizerName = Literal["sgd", "adagrad", "rmsprop", "adam", "sparse_adam"]
ScheduleName = Literal["constant", "step", "exponential", "inverse_time"]
Function = Literal["bowl", "ravine", "rosenbrock", "saddle", "beale"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DatasetSpec(Strict):
    name: Dataset = "circle"
    samples: int = Field(200, ge=2, description="points before the split (≤ max_train_samples)")
    noise: float = Field(
        0.0, ge=0.0, le=1.0, description="the Playground's noise fraction (its slider is 0 … 0.5)"
    )
    test_fraction: float = Field(0.5, ge=0.0, lt=1.0)
    seed: int = 0


class ModelSpec(Strict):
    layers: list[int] = Field(default_factory=lambda: [8, 4], description="hidden layer sizes")
    activation: Activation = "tanh"
    init: Init = "xavier_uniform"
    seed: int = Field(0, description="initial parameters and every epoch's shuffle")


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
    """lr at epoch e: constant lr; step lr·gamma^⌊e/step_size⌋ (defaults 3, 0.1);
    exponential lr·gamma^e (default 0.95); inverse_time lr/(1 + decay_rate·e) (default 0.5)."""

    name: ScheduleName = "constant"
    step_size: int | None = Field(None, ge=1)
    gamma: float | None = Field(None, gt=0.0)
    decay_rate: float | None = Field(None, ge=0.0)

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude={"name"}).items() if v is not None}


class TrainStateSpec(BaseModel):
    """The `state` a /train response returned, passed back unchanged to continue the run."""

    model_config = ConfigDict(extra="forbid")
    params: dict[str, Any]
    optimizer: dict[str, dict[str, Any]]
    order: list[int]
    position: int = Field(ge=0)
    epoch: int = Field(ge=0)
    step: int = Field(ge=0)


def _default_optimizer() -> OptimizerSpec:
    return OptimizerSpec(name="adam", lr=0.03)


class TrainRequest(Strict):
    dataset: DatasetSpec = Field(default_factory=DatasetSpec)
    features: list[Feature] = Field(default_factory=lambda: ["x1", "x2"], min_length=1)
    model: ModelSpec = Field(default_factory=ModelSpec)
    loss: Loss = "logistic"
    optimizer: OptimizerSpec = Field(default_factory=_default_optimizer)
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    l2: float = Field(0.0, ge=0.0, description="adds (l2/2)·Σ‖W‖² to the loss")
    l2_biases: bool = False
    batch_size: int = Field(10, ge=1)
    steps: int = Field(1, ge=0, description="optimiser steps in this call (≤ max_train_steps)")
    state: TrainStateSpec | None = None
    grid: bool = Field(True, description="return the model's output over the data square")
    grid_size: int = Field(40, ge=2, le=100)
    neurons: bool = Field(
        False, description="with grid: every neuron's output over an m × m grid (m = neuron_grid_size)"
    )
    neuron_grid_size: int = Field(20, ge=2, le=40)
    points: bool = Field(False, description="return the train and test points with their labels")
    curve: bool = Field(True, description="record train/test loss after every step")
    graph: bool = Field(False, description="return the next minibatch's graph as an /evaluate body")
    graph_batch: int = Field(4, ge=1, le=16)


class OptimizeRequest(Strict):
    function: Function = "bowl"
    start: tuple[float, float] = (1.5, 1.5)
    optimizer: OptimizerSpec = Field(default_factory=OptimizerSpec)
    steps: int = Field(100, ge=0, description="≤ max_optimize_steps")
    grid: bool = Field(False, description="return the contour grid of the function")
    grid_size: int = Field(60, ge=2, le=200)
