"""Toy data sets: seeded bytes, labels where the geometry puts them, the split, the features."""

from __future__ import annotations

import numpy as np
import pytest

from engine import EngineError
from engine.data import CLASSIFICATION, DATASETS, custom, features, generate, grid_points, make_dataset


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_same_seed_same_bytes_other_seed_other_points(name):
    X, y = generate(name, 100, 0.2, seed=3)
    X2, y2 = generate(name, 100, 0.2, seed=3)
    assert X.tobytes() == X2.tobytes() and y.tobytes() == y2.tobytes()
    assert X.shape == (100, 2) and y.shape == (100,) and X.dtype == np.float64
    assert not np.array_equal(X, generate(name, 100, 0.2, seed=4)[0])
    assert np.all(np.abs(X) <= 8.0)  # the data square [-6, 6]², with room for noise


@pytest.mark.parametrize("name", sorted(CLASSIFICATION))
def test_classification_labels_are_balanced_zero_one(name):
    _, y = generate(name, 200, 0.0, seed=0)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert 0.3 < y.mean() < 0.7


def test_noise_free_labels_follow_the_geometry():
    X, y = generate("circle", 300, 0.0, seed=1)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_array_equal(y, (r < 2.5).astype(float))
    X, y = generate("xor", 300, 0.0, seed=1)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(float))
    assert np.all(np.abs(X) >= 0.3)
    X, y = generate("plane", 300, 0.0, seed=1)
    np.testing.assert_allclose(y, np.clip((X[:, 0] + X[:, 1]) / 10, -1, 1))
    _, y = generate("multi_gauss", 300, 0.0, seed=1)
    assert np.all(np.abs(y) <= 1) and y.min() < -0.5 and y.max() > 0.5


def test_noise_flips_some_circle_labels():
    X, y = generate("circle", 400, 0.5, seed=2)
    r = np.hypot(X[:, 0], X[:, 1])
    flipped = np.mean(y != (r < 2.5))
    assert 0.02 < flipped < 0.5


def test_split_sizes_and_disjointness():
    data = make_dataset("spiral", 200, 0.1, test_fraction=0.3, seed=5)
    assert len(data.train_y) == 140 and len(data.test_y) == 60
    X, _ = generate("spiral", 200, 0.1, seed=5)
    both = np.concatenate([data.train_x, data.test_x])
    assert sorted(map(tuple, both)) == sorted(map(tuple, X))
    assert data.classification and not make_dataset("plane").classification


def test_features_are_the_playgrounds():
    points = np.array([[1.0, 2.0], [-0.5, 3.0]])
    names = ["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]
    expected = [[1, 2, 1, 4, 2, np.sin(1), np.sin(2)], [-0.5, 3, 0.25, 9, -1.5, np.sin(-0.5), np.sin(3)]]
    np.testing.assert_allclose(features(points, names), expected)
    with pytest.raises(EngineError):
        features(points, ["x3"])


def test_grid_rows_run_along_y():
    axis, points = grid_points(3)
    np.testing.assert_array_equal(axis, [-6, 0, 6])
    np.testing.assert_array_equal(points[:3], [[-6, -6], [0, -6], [6, -6]])


@pytest.mark.parametrize(
    ("args", "code"),
    [(("moons",), "unknown_dataset"), (("xor", 1), "invalid_value"), (("xor", 10, 2.0), "invalid_value")],
)
def test_bad_arguments_are_named(args, code):
    with pytest.raises(EngineError) as error:
        generate(*args)
    assert error.value.code == code


@pytest.mark.parametrize("name", ["gauss", "spiral"])
@pytest.mark.parametrize("classes", [3, 5])
def test_many_classes_are_balanced_and_two_keep_the_playgrounds_points(name, classes):
    X, y = generate(name, 100, 0.0, seed=2, classes=classes)
    assert X.shape == (100, 2) and set(np.unique(y)) == set(range(classes))
    counts = np.bincount(y.astype(int))
    assert counts.sum() == 100 and counts.max() - counts.min() <= 1  # balanced: 34, 33, 33
    two = generate(name, 100, 0.0, seed=2, classes=2)
    assert two[0].tobytes() == generate(name, 100, 0.0, seed=2)[0].tobytes()


def test_custom_points_split_seeded_and_count_their_classes():
    points = [[k, -k, k % 3] for k in range(20)]
    data = custom(points, test_fraction=0.25, seed=1)
    assert data.classes == 3 and len(data.train_y) == 15 and len(data.test_y) == 5
    assert custom(points, test_fraction=0.25, seed=1).train_x.tobytes() == data.train_x.tobytes()
    assert custom([[0, 0, 0], [1, 1, 0]]).classes == 2  # one label still makes a two-class problem
    regression = custom([[0, 0, 0.5], [1, 1, -2.25]], task="regression")
    assert regression.classes == 0 and not regression.classification


@pytest.mark.parametrize(
    ("points", "task", "words"),
    [
        ([[0, 0, 0]], "classification", "at least 2 points"),
        ([[0, 0, 0], [1, 1, 5]], "classification", "point 1 has label 5"),
        ([[0, 0, 0], [1, 1, -1]], "classification", "point 1 has label -1"),
        ([[0, 0, 0.5], [1, 1, 1]], "classification", "point 0 has label 0.5"),
        ([[0, float("nan"), 0], [1, 1, 1]], "classification", "finite"),
        ([[0, 0, 0], [1, 1, 1]], "ranking", "unknown task"),
    ],
)
def test_bad_custom_points_are_named(points, task, words):
    with pytest.raises(EngineError) as error:
        custom(points, task)
    assert error.value.code == "invalid_value" and words in error.value.message


def test_classes_apply_only_to_gauss_and_spiral():
    with pytest.raises(EngineError):
        generate("circle", 50, classes=3)
    with pytest.raises(EngineError):
        generate("gauss", 50, classes=6)
