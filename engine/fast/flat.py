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
        return _layout(model.sizes)

    @classmethod
    def made(cls, model: nn.MLP) -> FlatLayout:
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


@lru_cache(maxsize=256)
def _layout(sizes: tuple[int, ...]) -> FlatLayout:
    """A network's layout depends only on its sizes: made once per architecture."""
    return FlatLayout.made(nn.MLP(sizes))


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
_LOGITS_T = np.swapaxes(_LOGITS, -1, -2)  # what matmul's VJP for a multiplies the upstream by
# What ndarray.max, .sum and np.mean reduce with (np.mean then divides by the count): called
# directly, without their Python wrappers.
_MAX, _SUM = np.maximum.reduce, np.add.reduce


@lru_cache(maxsize=64)
def _rows(n: int) -> tuple[Array, np.float64]:
    """A batch of n rows: their indices and the mean's factor seed/n (the same operands each step)."""
    rows = np.arange(n)
    rows.flags.writeable = False
    return rows, _SEED / n


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

    @cached_property
    def names(self) -> tuple[tuple[str, str], ...]:
        """(W_k, b_k) per layer, input side first."""
        return tuple((f"W{k}", f"b{k}") for k in range(1, self.layers + 1))

    def _forward(self, params: Mapping[str, Array], X: Array, stacked: bool = False) -> tuple[list, list]:
        """Each layer's input h and pre-activation z: z = h @ Wᵀ + b (Wᵀ the view, as transpose(W)
        gives it; b added in place, the same elementwise sums); over a stack of parameter sets
        (S, …) when `stacked`."""
        hs, zs, h = [X], [], X
        act, last = self.activation, self.layers
        for k, (w, b) in enumerate(self.names, 1):
            z = np.matmul(h, params[w].mT)
            z += params[b][:, None, :] if stacked else params[b]
            zs.append(z)
            h = z if k == last or act is None else act[0](z)
            hs.append(h)
        return hs, zs

    def gradients(
        self, params: Mapping[str, Array], X: Array, y: Array, into: list[tuple[Array, Array]] | None = None
    ) -> dict[str, Array]:
        """∂loss/∂parameter for the minibatch (X, y): nn.loss_and_gradients' gradients, bit for bit.

        With `into` (per layer, the views (∂L/∂Wᵀ, ∂L/∂b) of one gradient vector, see
        `FlatRun`) each gradient is written there instead: the same numbers, no dict to build."""
        hs, zs = self._forward(params, X)
        grads = self._penalties(params) if self.l1 > 0 or self.l2 > 0 else {}
        g = self._scores_gradient(hs[-1], y)
        act = self.activation
        for k in range(self.layers, 0, -1):  # z = h @ Wᵀ + b, from the output down
            w, b = self.names[k - 1]
            h = hs[k - 1]
            db = np.add.reduce(g, axis=0)  # b was added to every row
            dWT = np.matmul(h.mT, g)  # matmul's VJP for Wᵀ, aᵀ · upstream (the same swapped view)
            if k > 1:
                g = np.matmul(g, params[w])  # … and for h, upstream · (Wᵀ)ᵀ: W as it lies
                if act is not None:
                    g = g * act[1](zs[k - 2], h)
            # A penalised parameter's gradient: its penalty terms first, then the data term.
            pw, pb = grads.get(w), grads.get(b)
            if into is None:
                grads[w] = (dWT if pw is None else pw + dWT).T
                grads[b] = db if pb is None else pb + db
                continue
            wT, bias = into[k - 1]
            if pw is None:
                wT[...] = dWT
            else:
                np.add(pw, dWT, out=wT)
            if pb is None:
                bias[...] = db
            else:
                np.add(pb, db, out=bias)
        return grads

    def bound(self, run: FlatRun) -> Callable[[Array, Array], None]:
        """`gradients(run.params, X, y, into=run.into)` as a closure over the run's views, for the
        loop: every array, view and function looked up once per call of /train instead of once per
        step (W and b are views of θ, updated in place, so the closure's views stay current). The
        same operations on the same operands, so the same bits; with a penalty, `gradients` itself."""
        if self.l1 > 0 or self.l2 > 0:
            return partial(self.gradients, run.params, into=run.into)
        Ws = [run.params[w] for w, _ in self.names]
        layers = [(W.mT, run.params[b]) for W, (_, b) in zip(Ws, self.names, strict=True)]
        down = list(zip(range(self.layers - 1, -1, -1), reversed(run.into), strict=True))
        forward, local = self.activation or (None, None)
        last, scores, matmul, reduce = self.layers - 1, self._scores_gradient, np.matmul, np.add.reduce

        def step(X: Array, y: Array) -> None:
            hs, zs, h = [X], [], X
            for k, (WT, b) in enumerate(layers):
                z = matmul(h, WT)
                z += b
                zs.append(z)
                h = z if k == last or forward is None else forward(z)
                hs.append(h)
            g = scores(h, y)
            for k, (wT, bias) in down:  # as `gradients`: from the output down
                h = hs[k]
                bias[...] = reduce(g, axis=0)
                wT[...] = matmul(h.mT, g)
                if k:
                    g = matmul(g, Ws[k])
                    if local is not None:
                        g = g * local(zs[k - 1], h)

        return step

    def _penalties(self, params: Mapping[str, Array]) -> dict[str, Array]:
        """Each penalised parameter's gradient from the penalties, as the pass adds it up (a
        weight's in the shape of Wᵀ, the graph's transposed view)."""
        terms: dict[str, Array] = {}
        penalised = [(w, params[w].T) for w, _ in self.names]
        if self.biases:
            penalised += [(b, params[b]) for _, b in self.names]
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
            # cross_entropy's VJP, (softmax − onehot(y)) / N; softmax as ops' with its reductions' ufuncs
            e = np.exp(logits - _MAX(logits, axis=-1, keepdims=True))
            probs = e / _SUM(e, axis=-1, keepdims=True)
            k = y.astype(np.intp)
            rows, mean = _rows(len(k))
            probs[rows, k] -= 1.0
            g = mean * probs
            return np.matmul(g, _LOGITS_T) if self.loss == "logistic" else g  # matmul's VJP: g · bᵀ
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
        values["out"] = self.output(s)
        return values

    def output(self, s: Array) -> Array:
        """nn.predict's `out` from the scores s: the class probabilities, or one number per point."""
        if self.loss == "cross_entropy":
            return _SOFTMAX(s)
        score = np.matmul(s, _ONE_COLUMN)
        if self.loss == "logistic":
            score = _SIGMOID(score)
        elif self.loss == "hinge":
            score = (score + _ONE) / _TWO
        return score

    def stacked_losses(self, stacks: Mapping[str, Array], X: Array, Y: Array) -> list[float]:
        """The data loss over (X, Y) for each parameter set of the stacks (S, …): one forward pass
        over all of them, each set's mean reduced on its own contiguous row (the bits of one
        forward per set)."""
        return self.losses(self.stacked_scores(stacks, X), Y)

    def stacked_scores(self, stacks: Mapping[str, Array], X: Array) -> Array:
        """The scores s over X for each parameter set of the stacks: (S, rows, outputs), each
        set's slice the bits of its own forward pass."""
        return self._forward(stacks, X, stacked=True)[0][-1]

    def losses(self, s: Array, Y: Array) -> list[float]:
        """The data loss of each stack of scores s (S, rows, outputs) against Y: nn.data_loss's
        forward, each set's mean reduced on its own contiguous row."""
        S = len(s)
        if self.loss in ("logistic", "cross_entropy"):
            logits = np.matmul(s, _LOGITS) if self.loss == "logistic" else s
            # cross_entropy's forward; max, sum and mean as the ufunc reductions they call
            shifted = logits - _MAX(logits, axis=-1, keepdims=True)
            log_p = shifted - np.log(_SUM(np.exp(shifted), axis=-1, keepdims=True))
            k = Y.astype(np.intp)
            picks = np.ascontiguousarray(log_p[:, _rows(len(k))[0], k])
            losses = -(_SUM(picks, axis=1) / picks.shape[1])
        elif self.loss == "mse":
            diff = s - Y
            losses = np.mean(np.ascontiguousarray(diff * diff).reshape(S, -1), axis=1)
        else:
            out = np.ascontiguousarray(_HINGE.forward(Y * s, _ZERO)).reshape(S, -1)
            losses = np.sum(out, axis=1) / out.shape[1]
        return [float(value) for value in losses]


class FlatRun:
    """A run's θ and its gradient as one vector each, every parameter (and its gradient) a view
    of them: a step writes the gradient in place (`Network.gradients(…, into=run.into)`), the
    optimiser's new θ is copied into θ, and the views stay valid — no dict built, no flatten or
    split per step."""

    def __init__(self, layout: FlatLayout, params: Mapping[str, Array]):
        self.theta = layout.flatten(params)
        self.gradient = np.empty_like(self.theta)
        self.params = layout.split(self.theta)
        grads = layout.split(self.gradient)
        pairs = [(layout.names[k], layout.names[k + 1]) for k in range(0, len(layout.names), 2)]
        self.into = [(grads[w].T, grads[b]) for w, b in pairs]
        self._runs = [(grads[w].reshape(-1), grads[b]) for w, b in pairs]

    def norms(self) -> list[float]:
        """engine.training.layer_norms of the gradient: ‖(∂L/∂W, ∂L/∂b)‖ per layer, each from the
        C-order run of θ's gradient that ravel() would give."""
        return [math.sqrt(float(w.dot(w)) + float(b.dot(b))) for w, b in self._runs]
