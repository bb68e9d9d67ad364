"""POST /api/v1/train, POST /api/v1/optimize and GET /api/v1/optimizers: JSON to engine calls and back.

/train response:
    {"state": {"params": {"W1": [[…]], "b1": […], …},
               "optimizer": {"W1": {"step": 3, "exp_avg": [[…]], …}, …},
               "order": [indices of this epoch's shuffle], "position": int, "epoch": int, "step": int},
     "step": int (steps so far), "epoch": int (completed passes over the training split),
     "lr": number (the rate of the next step: the schedule at `epoch`),
     "kind": "classification" | "regression", "classes": int (0 for regression),
     "loss_curve": {"train": [one per step of this call], "test": […]},
     "metrics": {"train_loss", "test_loss", "train_accuracy"?, "test_accuracy"?},
     "gradient_norms": [[‖∂L/∂(W, b)‖ per layer] per step],
     "curve_steps"?: [the step after which each curve entry was taken],  # with curve_every > 1:
                     # only the steps whose count is a multiple of it are recorded
     "grid"?: {"size": n, "extent": [-6, 6], "values": [[row i: y = yᵢ] …],
               "classes"?: [[predicted class] …], "confidence"?: [[its probability] …],   # cross_entropy
               "neuron_size"?: m,       # with "neurons": true, on an m × m grid of the same square
               "neurons"?: [[m × m grid per neuron] per layer: hidden layers, then the output scores s]},
     "points"?: {"train": [[x1, x2, label], …], "test": […]},
     "graph"?: {"source": str, "inputs": {…}}}          # a valid /evaluate body
Grid axes: xⱼ = yⱼ = −6 + 12·j/(n − 1); values[i][j] is the output at (xⱼ, yᵢ): for two classes the
probability-like class-1 output (decision boundary at 0.5), for more classes the confidence of
the predicted class, for regression the prediction.

The state passed back may come with changed lr, l1, l2, optimiser hyper-parameters, schedule or
batch size: the run goes on from its step, as one run with the new settings from there would.

/optimize response:
    {"function": str, "path": [[x, y], …], "losses": […], "minimum": [x, y] | null,
     "x_range": [a, b], "y_range": [c, d],
     "grid"?: {"x": [n numbers], "y": [n numbers], "values": [[f(xⱼ, yᵢ) for j] for i]}}
Non-finite numbers are the strings "NaN", "Infinity", "-Infinity" everywhere, state included.
"""

from __future__ import annotations

import time
from functools import partial
from itertools import chain
from typing import Annotated, Any

import anyio
import numpy as np
from fastapi import APIRouter, Depends

from app.errors import ApiError
from app.routers import HEAVY
from app.schemas.graph import ErrorResponse
from app.schemas.training import (
    MAX_STATE_DEPTH,
    OptimizeRequest,
    OptimizeResponse,
    OptimizersResponse,
    TrainRequest,
    TrainResponse,
    TrainStateSpec,
)
from app.serialize import NON_FINITE, StrictJSONResponse, array
from app.settings import Settings, get_settings
from engine import optim, surfaces, training
from engine.data import SQUARE

router = APIRouter(tags=["training"])
SettingsDep = Annotated[Settings, Depends(get_settings)]
GRID_DECIMALS = 5  # heatmap values need no more
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The configuration or the state cannot be used."},
    422: {"model": ErrorResponse, "description": "The body does not have the documented form."},
}


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


_NUMBERS = frozenset((int, float))  # JSON's numbers as json.loads gives them (bool is not among them)


def _decode(raw: Any, where: str) -> np.ndarray:
    """A number, vector or matrix (non-finite numbers as their names) back into a float64 array.

    Walked with a queue, not recursion, and refused past two levels of nesting: a body nested
    500 deep is a clear 422, never a RecursionError."""
    if type(raw) is list:  # the usual state: plain numbers, told apart by their types in one pass
        rows = raw if raw and all(type(row) is list for row in raw) else None
        kinds = set(map(type, chain.from_iterable(rows) if rows is not None else raw))
        if kinds <= _NUMBERS:
            try:
                return np.array(raw, dtype=np.float64)
            except (TypeError, ValueError, OverflowError):
                raise ApiError(
                    422, "invalid_state", f"state {where} is not a rectangular array of numbers"
                ) from None
    level, depth = [raw], 0
    while any(isinstance(item, list) for item in level):
        depth += 1
        if depth > MAX_STATE_DEPTH:
            raise ApiError(422, "invalid_state", f"state {where} is nested deeper than a matrix")
        level = [x for item in level for x in (item if isinstance(item, list) else [item])]
    for item in level:  # numbers, or the names of non-finite ones (_restore turns them back)
        if not (isinstance(item, str) and item in NON_FINITE) and (
            isinstance(item, bool) or not isinstance(item, (int, float))
        ):
            raise ApiError(422, "invalid_state", f"state {where} must hold numbers")
    try:
        return np.array(_restore(raw), dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ApiError(422, "invalid_state", f"state {where} is not a rectangular array of numbers") from None


def _restore(item: Any) -> Any:
    """Non-finite names back to floats, in a list at most two deep (checked by _decode)."""
    if isinstance(item, list):
        return [_restore(x) for x in item]
    return NON_FINITE.get(item, item) if isinstance(item, str) else item


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


def _arrays(values: list[np.ndarray]) -> list[Any]:
    """`array` of each, with one finiteness check for all of them (a state's dozen small arrays)."""
    if values and np.isfinite(np.concatenate([np.ravel(v) for v in values])).all():
        return [np.asarray(v, dtype=np.float64).tolist() for v in values]
    return [array(v) for v in values]


def _state_out(state: training.TrainState) -> dict[str, Any]:
    slots = [(name, key, value) for name, slot in state.optimizer.items() for key, value in slot.items()]
    arrays = [value for _, _, value in slots if not (value is None or isinstance(value, int))]
    written = iter(_arrays([*state.params.values(), *arrays]))
    params = {name: next(written) for name in state.params}
    optimizer: dict[str, dict[str, Any]] = {name: {} for name in state.optimizer}
    for name, key, value in slots:
        optimizer[name][key] = value if value is None or isinstance(value, int) else next(written)
    return {
        "params": params,
        "optimizer": optimizer,
        "order": state.order.tolist(),
        "position": state.position,
        "epoch": state.epoch,
        "step": state.step,
    }


def _config(body: TrainRequest, settings: Settings) -> training.TrainConfig:
    _limit(body.steps, settings.max_train_steps, "too_many_steps", "steps", "MAX_TRAIN_STEPS")
    data = body.dataset
    samples = len(data.points or ()) if data.name == "custom" else data.samples
    where = "the number of dataset.points" if data.name == "custom" else "dataset.samples"
    _limit(samples, settings.max_train_samples, "too_many_samples", where, "MAX_TRAIN_SAMPLES")
    if data.name == "custom" and not data.points:
        raise ApiError(
            422, "invalid_body", 'dataset.points: a "custom" data set needs its points [[x1, x2, label], …]'
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
        classes=body.dataset.classes,
        points=tuple(map(tuple, body.dataset.points or ())),
        task=body.dataset.task,
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
        l1=body.l1,
        l2_biases=body.l2_biases,
        batch_size=body.batch_size,
    )


def _grid(values: np.ndarray) -> Any:
    return array(np.round(values, GRID_DECIMALS))


def _pictures(layers: list[np.ndarray]) -> list[Any]:
    """Every layer's neuron pictures (k, m, m), rounded and listed at once, then cut per layer."""
    listed = _grid(np.concatenate(layers))
    ends = np.cumsum([len(layer) for layer in layers]).tolist()
    return [listed[end - len(layer) : end] for end, layer in zip(ends, layers, strict=True)]


# A request whose work is at most about this many small steps runs on the event loop, holding the
# shared limiter: a page's frame (a few epochs of a small network) takes milliseconds, and handing
# it to a worker thread cost about as much again (the hop, then the loop and the thread taking
# turns at the GIL at each numpy call that releases it). A larger one goes to the thread, so the
# loop never waits long for it. Step-equivalents: a step of batch × parameters multiply-adds
# counts as one per INLINE_STEP_WORK of them; the pictures count likewise.
INLINE_STEPS = 400
INLINE_STEP_WORK = 4096


def _inline(body: TrainRequest) -> bool:
    sizes = [len(body.features), *body.model.layers, 5]  # 5: the most outputs (classes)
    weights = sum((a + 1) * b for a, b in zip(sizes, sizes[1:], strict=False))
    pictures = (body.grid_size**2 + body.neuron_grid_size**2) if body.grid else 0
    work = body.steps * (1 + body.batch_size * weights // INLINE_STEP_WORK)
    work += pictures * weights // INLINE_STEP_WORK
    return work <= INLINE_STEPS and not body.graph and body.dataset.name != "custom"


@router.post("/train", response_class=StrictJSONResponse, response_model=TrainResponse, responses=ERRORS)
async def train(body: TrainRequest, settings: SettingsDep) -> StrictJSONResponse:
    """Stateless training steps: pass the returned `state` back to continue the run exactly."""
    # One CPU-bound job at a time per worker, as /evaluate's heavy work: forty threads would only
    # take turns at the GIL, and each request's time limit would be spent waiting for the others.
    if _inline(body):
        async with HEAVY:
            return _train(body, settings)
    return await anyio.to_thread.run_sync(partial(_train, body, settings), limiter=HEAVY)


def _train(body: TrainRequest, settings: Settings) -> StrictJSONResponse:
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
        curve_every=body.curve_every,
    )
    out: dict[str, Any] = {
        "state": _state_out(result.state),
        "step": result.state.step,
        "epoch": result.epochs,
        "lr": result.lr,
        "kind": "classification" if result.classification else "regression",
        "classes": result.classes,
        "loss_curve": result.loss_curve,
        "metrics": result.metrics,
        "gradient_norms": result.gradient_norms,
    }
    if body.curve_every > 1:
        out["curve_steps"] = result.curve_steps
    if result.grid is not None:
        out["grid"] = {"size": body.grid_size, "extent": list(SQUARE), "values": _grid(result.grid)}
        if result.grid_class is not None:
            out["grid"]["classes"] = result.grid_class.tolist()
            out["grid"]["confidence"] = _grid(result.grid_confidence)
        if result.neurons is not None:
            out["grid"]["neuron_size"] = body.neuron_grid_size
            out["grid"]["neurons"] = _pictures(result.neurons)
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


@router.post(
    "/optimize", response_class=StrictJSONResponse, response_model=OptimizeResponse, responses=ERRORS
)
def optimize(body: OptimizeRequest, settings: SettingsDep) -> StrictJSONResponse:
    """One optimiser on a 2-d test function — a built-in name or an expression in x and y — its
    path from `start`, step by step, as torch.optim takes it."""
    _limit(body.steps, settings.max_optimize_steps, "too_many_steps", "steps", "MAX_OPTIMIZE_STEPS")
    surface = surfaces.surface(body.function, body.x_range, body.y_range)
    path, losses = surfaces.optimize(
        surface, body.start, body.optimizer.name, body.optimizer.hyper(), body.steps
    )
    out: dict[str, Any] = {
        "function": body.function,
        "path": [array(point) for point in path],
        "losses": [array(loss) for loss in losses],
        "minimum": list(surface.minimum) if surface.minimum is not None else None,
        "x_range": list(surface.x_range),
        "y_range": list(surface.y_range),
    }
    if body.grid:
        grid = surfaces.contour_grid(surface, body.grid_size)
        out["grid"] = {"x": array(grid["x"]), "y": array(grid["y"]), "values": array(grid["values"])}
    return StrictJSONResponse(out)


@router.get("/optimizers", response_model=OptimizersResponse)
def optimizers() -> dict[str, Any]:
    """Every optimiser's declaration (PyTorch's class, hyper-parameter names and defaults, the
    state it keeps) and every learning-rate schedule's: the pages read these, no second copy."""
    return {
        "optimizers": [
            {
                "name": o.name,
                "torch": o.torch,
                "description": dict(o.description),
                "defaults": {k: list(v) if isinstance(v, tuple) else v for k, v in o.defaults.items()},
                "state": list(o.state),
            }
            for o in optim.OPTIMIZERS.values()
        ],
        "schedules": [
            {
                "name": s.name,
                "torch": s.torch,
                "formula": s.formula,
                "defaults": {k: list(v) if isinstance(v, tuple) else v for k, v in s.defaults.items()},
            }
            for s in optim.SCHEDULES.values()
        ],
    }
