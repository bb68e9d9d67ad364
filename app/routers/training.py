"""POST /api/v1/train and POST /api/v1/optimize: translate JSON to engine calls and back.

/train response:
    {"state": {"params": {"W1": [[…]], "b1": […], …},
               "optimizer": {"W1": {"step": 3, "exp_avg": [[…]], …}, …},
               "order": [indices of this epoch's shuffle], "position": int, "epoch": int, "step": int},
     "step": int (steps so far), "epoch": int (completed passes over the training split),
     "lr": number (the rate of the next step: the schedule at `epoch`),
     "kind": "classification" | "regression",
     "loss_curve": {"train": [one per step of this call], "test": […]},
     "metrics": {"train_loss", "test_loss", "train_accuracy"?, "test_accuracy"?},
     "gradient_norms": [[‖∂L/∂(W, b)‖ per layer] per step],
     "grid"?: {"size": n, "extent": [-6, 6], "values": [[row i: y = yᵢ] …],
               "neuron_size"?: m,       # with "neurons": true, on an m × m grid of the same square
               "neurons"?: [[m × m grid per neuron] per layer: hidden layers, then the output scores s]},
     "points"?: {"train": [[x1, x2, label], …], "test": […]},
     "graph"?: {"source": str, "inputs": {…}}}          # a valid /evaluate body
Grid axes: xⱼ = yⱼ = −6 + 12·j/(n − 1); values[i][j] is the output at (xⱼ, yᵢ); for
classification it is the probability-like class-1 output (decision boundary at 0.5).

/optimize response:
    {"function": str, "path": [[x, y], …], "losses": […], "minimum": [x, y] | null,
     "grid"?: {"x": [n numbers], "y": [n numbers], "values": [[f(xⱼ, yᵢ) for j] for i]}}
Non-finite numbers are the strings "NaN", "Infinity", "-Infinity" everywhere, state included.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from fastapi import APIRouter, Request

from app.errors import ApiError
from app.schemas.training import OptimizeRequest, TrainRequest, TrainStateSpec
from app.serialize import NON_FINITE, StrictJSONResponse, array
from app.settings import Settings, get_settings
from engine import surfaces, training
from engine.data import SQUARE

router = APIRouter(tags=["training"])
GRID_DECIMALS = 5  # heatmap values need no more


def _settings(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


def _limit(value: int, limit: int, code: str, what: str, variable: str) -> None:
    if value > limit:
        raise ApiError(422, code, f"{what} is {value}; the limit is {limit} (CHAINRULE_{variable})")


def _deadline(settings: Settings):
    ends = time.monotonic() + settings.request_timeout_seconds

    def check(_: int) -> None:
        if time.monotonic() > ends:
            raise ApiError(
                422,
                "timeout",
                f"training took longer than {settings.request_timeout_seconds:g} s: ask for fewer steps per call "
                "(CHAINRULE_REQUEST_TIMEOUT_SECONDS)",
            )

    return check


def _decode(raw: Any, where: str) -> np.ndarray:
    """A nested list (non-finite numbers as their names) back into a float64 array."""

    def restore(item: Any) -> Any:
        if isinstance(item, list):
            return [restore(x) for x in item]
        if isinstance(item, str) and item in NON_FINITE:
            return NON_FINITE[item]
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            raise ApiError(422, "invalid_state", f"state {where} must hold numbers")
        return item

    try:
        return np.array(restore(raw), dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ApiError(422, "invalid_state", f"state {where} is not a rectangular array of numbers") from None


def _state_in(spec: TrainStateSpec) -> training.TrainState:
    params = {name: _decode(value, f"params.{name}") for name, value in spec.params.items()}
    slots = {
        name: {
            key: value
            if value is None or isinstance(value, int)
            else _decode(value, f"optimizer.{name}.{key}")
            for key, value in slot.items()
        }
        for name, slot in spec.optimizer.items()
    }
    return training.TrainState(params, slots, np.asarray(spec.order), spec.position, spec.epoch, spec.step)


def _state_out(state: training.TrainState) -> dict[str, Any]:
    return {
        "params": {name: array(value) for name, value in state.params.items()},
        "optimizer": {
            name: {
                key: value if value is None or isinstance(value, int) else array(value)
                for key, value in slot.items()
            }
            for name, slot in state.optimizer.items()
        },
        "order": [int(i) for i in state.order],
        "position": state.position,
        "epoch": state.epoch,
        "step": state.step,
    }


def _config(body: TrainRequest, settings: Settings) -> training.TrainConfig:
    _limit(body.steps, settings.max_train_steps, "too_many_steps", "steps", "MAX_TRAIN_STEPS")
    _limit(
        body.dataset.samples,
        settings.max_train_samples,
        "too_many_samples",
        "dataset.samples",
        "MAX_TRAIN_SAMPLES",
    )
    _limit(
        len(body.model.layers),
        settings.max_layers,
        "too_many_layers",
        "the number of hidden layers",
        "MAX_LAYERS",
    )
    for size in body.model.layers:
        if size < 1:
            raise ApiError(422, "invalid_body", "model.layers: every hidden layer needs at least one neuron")
        _limit(size, settings.max_neurons, "too_many_neurons", "a hidden layer's size", "MAX_NEURONS")
    return training.TrainConfig(
        dataset=body.dataset.name,
        samples=body.dataset.samples,
        noise=body.dataset.noise,
        test_fraction=body.dataset.test_fraction,
        data_seed=body.dataset.seed,
        features=tuple(body.features),
        layers=tuple(body.model.layers),
        activation=body.model.activation,
        init=body.model.init,
        seed=body.model.seed,
        loss=body.loss,
        optimizer=body.optimizer.name,
        hyper=body.optimizer.hyper(),
        schedule=body.schedule.name,
        schedule_params=body.schedule.params(),
        l2=body.l2,
        l2_biases=body.l2_biases,
        batch_size=body.batch_size,
    )


def _grid(values: np.ndarray) -> Any:
    return array(np.round(values, GRID_DECIMALS))


@router.post("/train", response_class=StrictJSONResponse)
def train(body: TrainRequest, request: Request) -> StrictJSONResponse:
    """Stateless training steps: pass the returned `state` back to continue the run exactly."""
    settings = _settings(request)
    config = _config(body, settings)
    state = _state_in(body.state) if body.state is not None else None
    result = training.train(
        config,
        state,
        steps=body.steps,
        grid_size=body.grid_size if body.grid else None,
        neuron_grid_size=body.neuron_grid_size if body.neurons and body.grid else None,
        curve=body.curve,
        on_step=_deadline(settings),
    )
    out: dict[str, Any] = {
        "state": _state_out(result.state),
        "step": result.state.step,
        "epoch": result.epochs,
        "lr": result.lr,
        "kind": "classification" if result.classification else "regression",
        "loss_curve": result.loss_curve,
        "metrics": result.metrics,
        "gradient_norms": result.gradient_norms,
    }
    if result.grid is not None:
        out["grid"] = {"size": body.grid_size, "extent": list(SQUARE), "values": _grid(result.grid)}
        if result.neurons is not None:
            out["grid"]["neuron_size"] = body.neuron_grid_size
            out["grid"]["neurons"] = [_grid(layer) for layer in result.neurons]
    if body.points:
        data = config.data()
        out["points"] = {
            split: np.column_stack([X, y]).tolist()
            for split, X, y in (("train", data.train_x, data.train_y), ("test", data.test_x, data.test_y))
        }
    if body.graph:
        source, inputs = training.minibatch_graph(config, result.state, body.graph_batch)
        out["graph"] = {"source": source, "inputs": inputs}
    return StrictJSONResponse(out)


@router.post("/optimize", response_class=StrictJSONResponse)
def optimize(body: OptimizeRequest, request: Request) -> StrictJSONResponse:
    """One optimiser on a 2-d test function: its path from `start`, step by step, as torch.optim takes it."""
    settings = _settings(request)
    _limit(body.steps, settings.max_optimize_steps, "too_many_steps", "steps", "MAX_OPTIMIZE_STEPS")
    path, losses = surfaces.optimize(
        body.function, body.start, body.optimizer.name, body.optimizer.hyper(), body.steps
    )
    surface = surfaces.surface(body.function)
    out: dict[str, Any] = {
        "function": body.function,
        "path": [array(point) for point in path],
        "losses": [array(loss) for loss in losses],
        "minimum": list(surface.minimum) if surface.minimum is not None else None,
    }
    if body.grid:
        grid = surfaces.contour_grid(body.function, body.grid_size)
        out["grid"] = {"x": array(grid["x"]), "y": array(grid["y"]), "values": array(grid["values"])}
    return StrictJSONResponse(out)
