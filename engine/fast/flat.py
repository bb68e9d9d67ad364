"""Every parameter of a network as a slice of one vector θ, so that one optimiser call updates them all.

Speed only (engine/fast/): within a /train call the parameters live in θ (W1, b1, … are views of
it) and the optimiser takes one elementwise update of θ per step instead of one per array: each
element gets the very bits a per-parameter update gives, as the rule is elementwise. The
optimiser's state moves to θ's form and back (`flat_slots`, `split_slots`) where that is exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial

import numpy as np

from engine import nn, optim
from engine.nodes import as_value
from engine.ops import OPS_BY_FUNCTION, OPS_BY_NAME

Array = np.ndarray


@dataclass(frozen=True)
class FlatLayout:
    """Every parameter as a slice of one vector θ (C order): the optimiser updates all of them in
    one call, elementwise, so each element gets the very bits a per-parameter update gives."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    bounds: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, model: nn.MLP) -> FlatLayout:
        shapes = model.shapes()
        names = model.parameter_names
        sizes = [int(np.prod(shapes[name])) for name in names]
        ends = np.cumsum(sizes).tolist()
        bounds = tuple((end - size, end) for size, end in zip(sizes, ends, strict=True))
        return cls(names, tuple(shapes[name] for name in names), bounds)

    @property
    def size(self) -> int:
        return self.bounds[-1][1]

    @cached_property
    def _parts(self) -> list[tuple[str, tuple[int, ...], int, int]]:
        return [
            (name, shape, a, b)
            for name, shape, (a, b) in zip(self.names, self.shapes, self.bounds, strict=True)
        ]

    def flatten(self, arrays: Mapping[str, Array]) -> Array:
        """θ from the parameters (or from gradients, or from one optimiser slot), each array of its
        parameter's shape, read in C order (one concatenation: a step flattens its gradients)."""
        theta = np.concatenate([arrays[name] for name in self.names], axis=None, dtype=np.float64)
        if theta.size != self.size:
            raise ValueError(f"{theta.size} numbers for a layout of {self.size}")
        return theta

    @cached_property
    def _layers(self) -> list[tuple[int, int, int, int]]:
        """Per layer, the bounds of its W and its b in θ (W1, b1, W2, b2, … in that order)."""
        bounds = self.bounds
        return [(*bounds[k], *bounds[k + 1]) for k in range(0, len(bounds), 2)]

    def norms(self, gradient: Array) -> list[float]:
        """engine.training.layer_norms from θ's gradient: ‖(∂L/∂W, ∂L/∂b)‖ per layer, each W's and
        b's C-order run of θ being the very numbers (in the same order) that their ravel() holds."""
        norms = []
        for a, b, c, d in self._layers:
            w, bias = gradient[a:b], gradient[c:d]
            norms.append(math.sqrt(float(w.dot(w)) + float(bias.dot(bias))))
        return norms

    def split(self, theta: Array) -> dict[str, Array]:
        """Views of θ, each shaped as its parameter (θ may be a stack (S, n): views (S, *shape))."""
        if theta.ndim == 1:  # a bias's slice has its shape already
            return {
                name: theta[a:b] if len(shape) == 1 else theta[a:b].reshape(shape)
                for name, shape, a, b in self._parts
            }
        lead = theta.shape[:-1]
        return {name: theta[..., a:b].reshape(lead + shape) for name, shape, a, b in self._parts}


def flat_slots(optimizer: str, slots: optim.State, layout: FlatLayout) -> dict[str, object] | None:
    """The per-parameter optimiser state as θ's one state, or None where that cannot be exact:
    SparseAdam moves whole rows, and a handed-in state may count steps differently per parameter."""
    if not optim.optimizer(optimizer).elementwise:
        return None
    flat: dict[str, object] = {}
    for key in slots[layout.names[0]]:
        values = [slots[name][key] for name in layout.names]
        if all(value is None for value in values):
            flat[key] = None
        elif all(isinstance(value, int) for value in values):
            if len(set(values)) > 1:
                return None
            flat[key] = values[0]
        elif all(isinstance(value, np.ndarray) for value in values):
            flat[key] = layout.flatten(dict(zip(layout.names, values, strict=True)))
        else:
            return None
    return flat


def split_slots(flat: Mapping[str, object], layout: FlatLayout) -> optim.State:
    arrays = {key: layout.split(value) for key, value in flat.items() if isinstance(value, np.ndarray)}
    return {
        name: {key: arrays[key][name] if key in arrays else value for key, value in flat.items()}
        for name in layout.names
    }


# The minibatch graph of nn.MLP.loss as straight-line numpy. Every number comes from the ops'
# own declarations (engine.ops: forward, local, VJP), called with the arguments, in the layouts
# and in the order engine.fast.run's backward pass uses on that graph; only the per-node
# bookkeeping is gone. Fan-out sums keep the pass's order: a penalised parameter's gradient is
# ((l1 term + l2 term) + l2 term) + the data term, the penalties' nodes coming after the data loss.
_MATMUL_A = OPS_BY_NAME["matmul"].vjp[0]  # upstream · bᵀ
_SOFTMAX = OPS_BY_NAME["softmax"].forward
_SIGMOID = OPS_BY_NAME["sigmoid"].forward
_SIGN = OPS_BY_NAME["abs"].local[0]
_MSE_VJP = OPS_BY_NAME["mse"].vjp[0]
_MEAN_VJP = OPS_BY_NAME["mean"].vjp[0]
_HINGE = OPS_BY_NAME["hinge"]
_SEED = np.array(1.0)  # the seed gradient of the scalar loss
# nn's constants, as its graphs hold them: the logistic loss's logits (0, s), the output's s @ [1],
# (score + 1) / 2 for hinge, and hinge's 0.
_LOGITS = as_value([[0.0, 1.0]], "constant")
_ONE_COLUMN = as_value([1.0], "constant")
_ONE, _TWO, _ZERO = (as_value(v, "constant") for v in (1, 2, 0.0))


def _activation(name: str) -> tuple[Callable, Callable] | None:
    """The activation's forward and local gradient, its literal attributes at their defaults
    (what fn.<name>(z) builds); None for a linear network."""
    if name == "linear":
        return None
    op = OPS_BY_FUNCTION[name]
    attrs = {key: float(value) for key, value in op.attrs}
    if not attrs:
        return op.forward, op.local[0]
    return partial(op.forward, **attrs), partial(op.local[0], **attrs)


@dataclass(frozen=True)
class Network:
    """One configuration's network: its gradients, predictions and stacked losses."""

    layers: int
    activation: tuple[Callable, Callable] | None
    loss: str
    l2: float
    l1: float
    biases: bool

    @staticmethod
    @lru_cache(maxsize=64)
    def of(sizes: tuple[int, ...], activation: str, loss: str, l2: float, l1: float, biases: bool) -> Network:
        return Network(len(sizes) - 1, _activation(activation), loss, l2, l1, biases)

    def _forward(self, params: Mapping[str, Array], X: Array, stacked: bool = False) -> tuple[list, list]:
        """Each layer's input h and pre-activation z: z = h @ Wᵀ + b (Wᵀ the view, as transpose(W)
        gives it); over a stack of parameter sets (S, …) when `stacked`."""
        hs, zs, h = [X], [], X
        for k in range(1, self.layers + 1):
            W, b = params[f"W{k}"], params[f"b{k}"]
            z = np.matmul(h, W.mT) + (b[:, None, :] if stacked else b)
            zs.append(z)
            h = z if k == self.layers or self.activation is None else self.activation[0](z)
            hs.append(h)
        return hs, zs

    def gradients(self, params: Mapping[str, Array], X: Array, y: Array) -> dict[str, Array]:
        """∂loss/∂parameter for the minibatch (X, y): nn.loss_and_gradients' gradients, bit for bit."""
        hs, zs = self._forward(params, X)
        weights = [params[f"W{k}"].T for k in range(1, self.layers + 1)]
        grads = self._penalties(params, weights)
        g = self._scores_gradient(hs[-1], y)
        for k in range(self.layers, 0, -1):  # z = h @ Wᵀ + b, from the output down
            h = hs[k - 1]
            db = np.add.reduce(g, axis=0)  # b was added to every row
            dWT = np.matmul(h.mT, g)  # matmul's VJP for Wᵀ, aᵀ · upstream (the same swapped view)
            if k > 1:
                g = np.matmul(g, params[f"W{k}"])  # … and for h, upstream · (Wᵀ)ᵀ: W as it lies
                if self.activation is not None:
                    g = g * self.activation[1](zs[k - 2], h)
            for name, down in ((f"W{k}", dWT), (f"b{k}", db)):
                grads[name] = down if name not in grads else grads[name] + down
            grads[f"W{k}"] = grads[f"W{k}"].T
        return grads

    def _penalties(self, params: Mapping[str, Array], weights: list[Array]) -> dict[str, Array]:
        """Each penalised parameter's gradient from the penalties, as the pass adds it up."""
        terms: dict[str, Array] = {}
        if not (self.l1 > 0 or self.l2 > 0):
            return terms
        penalised = [(f"W{k}", W) for k, W in enumerate(weights, 1)]
        if self.biases:
            penalised += [(f"b{k}", params[f"b{k}"]) for k in range(1, self.layers + 1)]
        l1, half_l2 = _SEED * np.asarray(self.l1), _SEED * np.asarray(self.l2 / 2)
        for name, P in penalised:
            total = l1 * _SIGN(P, None) if self.l1 > 0 else None  # l1·Σ|P|: l1 · sign(P)
            if self.l2 > 0:  # (l2/2)·Σ P ⊙ P: the product's two inputs, one after the other
                down = half_l2 * P
                total = down + down if total is None else total + down + down
            terms[name] = total
        return terms

    def _scores_gradient(self, s: Array, y: Array) -> Array:
        """∂(data loss)/∂s, the scores' upstream gradient (nn.data_loss's graph, backward)."""
        if self.loss in ("logistic", "cross_entropy"):
            logits = np.matmul(s, _LOGITS) if self.loss == "logistic" else s
            probs = _SOFTMAX(logits)  # cross_entropy's VJP: (softmax − onehot(y)) / N
            k = y.astype(np.intp)
            probs[np.arange(len(k)), k] -= 1.0
            g = _SEED / len(k) * probs
            return _MATMUL_A(g, s, _LOGITS, None) if self.loss == "logistic" else g
        if self.loss == "mse":
            return _MSE_VJP(_SEED, s, y, None)
        margin = y * s  # mean(hinge(y ⊙ s, 0))
        out = _HINGE.forward(margin, _ZERO)
        g = _MEAN_VJP(_SEED, out, None, axis=None)
        return g * _HINGE.local[0](margin, _ZERO, out) * y

    def predict(self, params: Mapping[str, Array], X: Array) -> dict[str, Array]:
        """nn.predict's `out` and each layer's activations (h1, …, or z1, … when linear; then s)."""
        hs, _ = self._forward(params, X)
        hidden = "h" if self.activation is not None else "z"
        values = {f"{hidden}{k}": hs[k] for k in range(1, self.layers)}
        s = values["s"] = hs[-1]
        if self.loss == "cross_entropy":
            values["out"] = _SOFTMAX(s)
            return values
        score = np.matmul(s, _ONE_COLUMN)
        if self.loss == "logistic":
            score = _SIGMOID(score)
        elif self.loss == "hinge":
            score = (score + _ONE) / _TWO
        values["out"] = score
        return values

    def stacked_losses(self, stacks: Mapping[str, Array], X: Array, Y: Array) -> list[float]:
        """The data loss over (X, Y) for each parameter set of the stacks (S, …): one forward pass
        over all of them, each set's mean reduced on its own contiguous row (the bits of one
        forward per set)."""
        s = self._forward(stacks, X, stacked=True)[0][-1]
        S = len(s)
        if self.loss in ("logistic", "cross_entropy"):
            logits = np.matmul(s, _LOGITS) if self.loss == "logistic" else s
            shifted = logits - logits.max(axis=-1, keepdims=True)  # cross_entropy's forward
            log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
            k = Y.astype(np.intp)
            picks = np.ascontiguousarray(log_p[:, np.arange(len(k)), k])
            losses = -np.mean(picks, axis=1)
        elif self.loss == "mse":
            diff = s - Y
            losses = np.mean(np.ascontiguousarray(diff * diff).reshape(S, -1), axis=1)
        else:
            out = np.ascontiguousarray(_HINGE.forward(Y * s, _ZERO)).reshape(S, -1)
            losses = np.sum(out, axis=1) / out.shape[1]
        return [float(value) for value in losses]
