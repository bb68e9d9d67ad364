"""Toy data sets, seeded, in the TensorFlow Playground's style (`dataset.ts`).

Every generator has one signature, `(samples, noise, rng) -> (X, y)`: X is (n, 2) in roughly
the square [-6, 6]², y holds class labels 0/1 (classification) or a target in [-1, 1]
(regression). `noise` is the Playground's fraction (0 … 0.5 there; anything in [0, 1] here).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import EngineError

Array = np.ndarray
Generator = Callable[[int, float, np.random.Generator], tuple[Array, Array]]
SQUARE = (-6.0, 6.0)  # the data square every grid and heatmap covers


def _uniform_noise(rng: np.random.Generator, n: int, scale: float, noise: float) -> Array:
    return rng.uniform(-scale, scale, size=(n, 2)) * noise


def circle(samples: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Class 1 inside radius 2.5, class 0 in the ring 3.5 … 5; labels from the noisy point."""
    radius = 5.0
    inner, outer = samples // 2, samples - samples // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, inner), rng.uniform(radius * 0.7, radius, outer)])
    angle = rng.uniform(0, 2 * np.pi, samples)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    noisy = X + _uniform_noise(rng, samples, radius, noise)
    y = (np.hypot(noisy[:, 0], noisy[:, 1]) < radius * 0.5).astype(np.float64)
    return X, y


def xor(samples: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Quadrants: class 1 where x₁x₂ ≥ 0; points kept 0.3 away from the axes."""
    X = rng.uniform(-5, 5, size=(samples, 2))
    X = X + np.where(X > 0, 0.3, -0.3)
    noisy = X + _uniform_noise(rng, samples, 5.0, noise)
    y = (noisy[:, 0] * noisy[:, 1] >= 0).astype(np.float64)
    return X, y


def gauss(samples: int, noise: float, rng: np.random.Generator, classes: int = 2) -> tuple[Array, Array]:
    """Two gaussians at (2, 2) (class 1) and (−2, −2) (class 0); variance 0.5 … 4 with noise.

    With k > 2 classes, k gaussians on the circle of radius 3.5, class j at angle 2πj/k."""
    variance = 0.5 + np.clip(noise, 0.0, 0.5) / 0.5 * 3.5
    if classes > 2:
        labels = np.arange(samples) % classes
        angle = 2 * np.pi * labels / classes
        centres = 3.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        return centres + rng.normal(0.0, np.sqrt(variance), size=(samples, 2)), labels.astype(np.float64)
    half = samples // 2
    centres = np.concatenate([np.full((half, 2), 2.0), np.full((samples - half, 2), -2.0)])
    X = centres + rng.normal(0.0, np.sqrt(variance), size=(samples, 2))
    y = np.concatenate([np.ones(half), np.zeros(samples - half)])
    return X, y


def spiral(samples: int, noise: float, rng: np.random.Generator, classes: int = 2) -> tuple[Array, Array]:
    """Two interleaved spirals, r = 5·i/n, t = 1.75·2π·i/n (+π for class 0); with k > 2 classes,
    k arms, class j turned by 2πj/k."""
    half = samples // 2
    arms = [(half, 0.0, 1.0), (samples - half, np.pi, 0.0)]
    if classes > 2:
        counts = [samples // classes + (j < samples % classes) for j in range(classes)]
        arms = [(counts[j], 2 * np.pi * j / classes, float(j)) for j in range(classes)]
    parts = []
    for count, delta, label in arms:
        i = np.arange(count, dtype=np.float64)
        r = i / max(count, 1) * 5.0
        t = 1.75 * i / max(count, 1) * 2 * np.pi + delta
        points = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        parts.append((points + rng.uniform(-1, 1, size=(count, 2)) * noise, np.full(count, label)))
    return np.concatenate([p for p, _ in parts]), np.concatenate([lab for _, lab in parts])


def plane(samples: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Regression: target (x₁ + x₂)/10 of the noisy point, clipped to [−1, 1]."""
    X = rng.uniform(-6, 6, size=(samples, 2))
    noisy = X + _uniform_noise(rng, samples, 6.0, noise)
    return X, np.clip((noisy[:, 0] + noisy[:, 1]) / 10.0, -1.0, 1.0)


GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def multi_gauss(samples: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Regression: six signed bumps; the target is the strongest ±(1 − distance/2), clamped."""
    X = rng.uniform(-6, 6, size=(samples, 2))
    noisy = X + _uniform_noise(rng, samples, 6.0, noise)
    best = np.zeros(samples)
    for cx, cy, sign in GAUSSIANS:
        distance = np.hypot(noisy[:, 0] - cx, noisy[:, 1] - cy)
        label = sign * np.clip(1.0 - distance / 2.0, 0.0, 1.0)
        best = np.where(np.abs(label) > np.abs(best), label, best)
    return X, best


CLASSIFICATION: dict[str, Generator] = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral}
REGRESSION: dict[str, Generator] = {"plane": plane, "multi_gauss": multi_gauss}
DATASETS: dict[str, Generator] = {**CLASSIFICATION, **REGRESSION}

FEATURES: dict[str, Callable[[Array, Array], Array]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1_squared": lambda x1, x2: x1 * x1,
    "x2_squared": lambda x1, x2: x2 * x2,
    "x1_x2": lambda x1, x2: x1 * x2,
    "sin_x1": lambda x1, x2: np.sin(x1),
    "sin_x2": lambda x1, x2: np.sin(x2),
}
DEFAULT_FEATURES = ("x1", "x2")


def features(points: Array, names: Sequence[str] = DEFAULT_FEATURES) -> Array:
    """The Playground's input features of (n, 2) points, one column per name."""
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise EngineError(
            "unknown_feature",
            f"unknown feature '{unknown[0]}' (known: {', '.join(FEATURES)})",
            params={"name": unknown[0], "known": list(FEATURES)},
        )
    if not names:
        raise EngineError("no_features", "choose at least one input feature")
    return np.stack([FEATURES[n](points[:, 0], points[:, 1]) for n in names], axis=1)


@dataclass(frozen=True)
class Dataset:
    """A generated data set split into train and test; points are raw (x₁, x₂)."""

    name: str
    train_x: Array
    train_y: Array
    test_x: Array
    test_y: Array
    classes: int = 2  # 0: a regression set (y is a number to fit)

    @property
    def classification(self) -> bool:
        return self.classes > 0


MAX_CLASSES = 5
MANY_CLASSES = ("gauss", "spiral")  # the sets that take `classes`


def generate(
    name: str, samples: int = 200, noise: float = 0.0, seed: int = 0, classes: int = 2
) -> tuple[Array, Array]:
    """X (n, 2) and y (n,) for a named data set; the same arguments give the same bytes."""
    if name not in DATASETS:
        raise EngineError(
            "unknown_dataset",
            f"unknown data set '{name}' (known: {', '.join(DATASETS)})",
            params={"name": name, "known": list(DATASETS)},
        )
    if samples < 2:
        raise EngineError(
            "invalid_value", "a data set needs at least 2 samples", params={"field": "samples", "min": 2}
        )
    if not 0.0 <= noise <= 1.0:
        raise EngineError(
            "invalid_value", "noise must lie between 0 and 1", params={"field": "noise", "min": 0, "max": 1}
        )
    if classes != 2:
        if name not in MANY_CLASSES:
            raise EngineError(
                "invalid_value",
                f"'{name}' has two classes; classes apply to gauss and spiral",
                params={"field": "classes", "reason": "two_classes", "name": name},
            )
        if not 2 <= classes <= MAX_CLASSES:
            raise EngineError(
                "invalid_value",
                f"classes must lie between 2 and {MAX_CLASSES}",
                params={"field": "classes", "min": 2, "max": MAX_CLASSES},
            )
        return DATASETS[name](samples, float(noise), np.random.default_rng(seed), classes)
    return DATASETS[name](samples, float(noise), np.random.default_rng(seed))


def make_dataset(
    name: str,
    samples: int = 200,
    noise: float = 0.0,
    test_fraction: float = 0.5,
    seed: int = 0,
    classes: int = 2,
) -> Dataset:
    """Generate, shuffle (seeded) and split: the first (1 − test_fraction)·n points train."""
    X, y = generate(name, samples, noise, seed, classes)
    return split(name, X, y, test_fraction, seed, (classes if name in CLASSIFICATION else 0))


def custom(
    points: Sequence[Sequence[float]], task: str = "classification", test_fraction: float = 0.5, seed: int = 0
) -> Dataset:
    """A data set from the user's points [x1, x2, label]: labels 0 … 4 are classes (as many
    classes as the largest label + 1, at least 2); for `task` "regression" the label is the target."""
    array = np.asarray(points, dtype=np.float64).reshape(-1, 3) if len(points) else np.zeros((0, 3))
    if len(array) < 2:
        raise EngineError(
            "invalid_value", "a custom data set needs at least 2 points", params={"field": "points", "min": 2}
        )
    if not np.isfinite(array).all():
        raise EngineError(
            "invalid_value",
            "custom points must be finite numbers",
            params={"field": "points", "reason": "finite"},
        )
    X, y = array[:, :2], array[:, 2]
    if task == "regression":
        return split("custom", X, y, test_fraction, seed, 0)
    if task != "classification":
        raise EngineError(
            "invalid_value",
            f"unknown task '{task}' (known: classification, regression)",
            params={"field": "task", "name": task, "known": ["classification", "regression"]},
        )
    bad = np.flatnonzero((y != np.round(y)) | (y < 0) | (y >= MAX_CLASSES))
    if len(bad):
        raise EngineError(
            "invalid_value",
            f"custom point {int(bad[0])} has label {y[bad[0]]:g}: classes are the integers 0 to {MAX_CLASSES - 1}",
            params={
                "field": "points",
                "reason": "label",
                "index": int(bad[0]),
                "value": float(y[bad[0]]),
                "max": MAX_CLASSES - 1,
            },
        )
    return split("custom", X, y, test_fraction, seed, max(2, int(y.max()) + 1))


def split(name: str, X: Array, y: Array, test_fraction: float, seed: int, classes: int) -> Dataset:
    """Shuffle (seeded) and split: the first (1 − test_fraction)·n points train."""
    if not 0.0 <= test_fraction < 1.0:
        raise EngineError("invalid_value", "test_fraction must lie in [0, 1)")
    order = np.random.default_rng([seed, 1]).permutation(len(y))
    X, y = X[order], y[order]
    n_train = max(1, min(len(y), int(round(len(y) * (1.0 - test_fraction)))))
    return Dataset(name, X[:n_train], y[:n_train], X[n_train:], y[n_train:], classes)


def grid_points(size: int, square: tuple[float, float] = SQUARE) -> tuple[Array, Array]:
    """Axis values and the (size², 2) points of a size × size grid; row i has y = axis[i]."""
    axis = np.linspace(square[0], square[1], size)
    xs, ys = np.meshgrid(axis, axis)
    return axis, np.stack([xs.ravel(), ys.ravel()], axis=1)
