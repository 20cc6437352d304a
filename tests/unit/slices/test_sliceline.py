"""The SliceLine kernel: the same top slices as brute-force enumeration, pruning and all; feature encoding."""
import itertools

import numpy as np
import pandas as pd
import pytest

from kolena_lab.metrics import InputValidationError
from kolena_lab.metrics.slices import Predicate, encode_features, slice_scores, sliceline


def _data(seed: int, n: int = 2000):
    rng = np.random.default_rng(seed)
    cardinalities = np.array([3, 4, 2, 5, 3, 2])
    codes = np.stack([rng.integers(0, c, n) for c in cardinalities], axis=1)
    errors = rng.random(n) * (rng.random(n) < 0.15)
    bad = (codes[:, 0] == 1) & (codes[:, 2] == 0) | (codes[:, 3] == 4) & (codes[:, 4] == 2) & (codes[:, 5] == 1)
    errors[bad] = rng.random(bad.sum())
    return codes, cardinalities, errors


def _brute_force(codes, cardinalities, errors, max_level, min_support, alpha):
    n, scored = len(errors), []
    for level in range(1, max_level + 1):
        for features in itertools.combinations(range(codes.shape[1]), level):
            for values in itertools.product(*[range(cardinalities[j]) for j in features]):
                mask = np.all([codes[:, j] == v for j, v in zip(features, values)], axis=0)
                if mask.sum() < min_support:
                    continue
                score = slice_scores(np.array([errors[mask].sum()]), np.array([mask.sum()]), n, errors.mean(),
                                     alpha)[0]
                if score > 0:
                    scored.append((score, tuple(zip(features, values))))
    return sorted(scored, key=lambda e: -e[0])


@pytest.mark.parametrize("seed,max_level,min_support,alpha", [(0, 3, 20, 0.95), (1, 2, 50, 0.8), (2, 3, 5, 0.9)])
def test_top_k_equals_brute_force(seed, max_level, min_support, alpha):
    codes, cardinalities, errors = _data(seed)
    found = sliceline(codes, errors, cardinalities=cardinalities, k=8, max_level=max_level,
                      min_support=min_support, alpha=alpha, skip_refinements=False)
    expected = _brute_force(codes, cardinalities, errors, max_level, min_support, alpha)[:8]
    assert len(expected) >= 3
    assert found.scores == pytest.approx([e[0] for e in expected])
    assert found.scores[0] == pytest.approx(expected[0][0]) and found.slices[0] == expected[0][1]
    for s, size in zip(found.slices, found.sizes):
        assert size == np.all([codes[:, j] == c for j, c in s], axis=0).sum() >= min_support
    assert found.evaluated[0] == cardinalities.sum()  # level 1: every one-hot column


def test_pruning_evaluates_fewer_candidates_than_the_lattice():
    codes, cardinalities, errors = _data(3)
    found = sliceline(codes, errors, cardinalities=cardinalities, k=4, max_level=3, min_support=450,
                      skip_refinements=False)  # the 5-valued feature's slices (about 400 samples) are too small
    expected = _brute_force(codes, cardinalities, errors, 3, 450, 0.95)[:4]
    assert found.scores == pytest.approx([e[0] for e in expected])
    pairs = sum(cardinalities[a] * cardinalities[b] for a, b in itertools.combinations(range(6), 2))
    assert found.evaluated[1] < pairs


def test_skip_refinements_lists_no_slice_under_a_better_listed_one():
    codes, cardinalities, errors = _data(0)
    found = sliceline(codes, errors, cardinalities=cardinalities, k=10, max_level=3, min_support=20)
    for i, child in enumerate(found.slices):
        for j, parent in enumerate(found.slices):
            if len(child) > len(parent) and set(parent) <= set(child):
                assert found.scores[i] > found.scores[j]
    plain = sliceline(codes, errors, cardinalities=cardinalities, k=10, max_level=3, min_support=20,
                      skip_refinements=False)
    assert found.slices[0] == plain.slices[0]


def test_no_errors_no_slices():
    codes, cardinalities, _ = _data(0)
    found = sliceline(codes, np.zeros(len(codes)), cardinalities=cardinalities)
    assert found.slices == [] and len(found.scores) == 0


@pytest.mark.parametrize("errors,codes,kwargs,message", [
    (np.array([-1.0, 0.0]), np.zeros((2, 1)), {}, "non-negative"),
    (np.array([np.nan, 0.0]), np.zeros((2, 1)), {}, "finite"),
    (np.array([1.0, 0.0]), np.zeros((3, 1)), {}, "shape"),
    (np.array([1.0, 0.0]), np.zeros((2, 1)), {"k": 0}, "k and max_level"),
    (np.array([1.0, 0.0]), np.zeros((2, 1)), {"alpha": 0.0}, "alpha"),
])
def test_bad_search_input(errors, codes, kwargs, message):
    with pytest.raises(InputValidationError, match=message):
        sliceline(codes, errors, **kwargs)


def test_encoding_bins_numbers_and_codes_categories_and_missing():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"brightness": rng.random(1000), "weather": rng.choice(["sun", "fog"], 1000),
                          "camera": rng.integers(0, 3, 1000), "night": rng.random(1000) < 0.5})
    frame.loc[::50, "brightness"] = np.nan
    frame.loc[::70, "weather"] = None
    encoded = encode_features(frame, ["brightness", "weather", "camera", "night"], bins=4)
    brightness, weather, camera, night = encoded.predicates
    assert [p.op for p in brightness] == ["<", "between", "between", ">=", "missing"]
    assert [p.value for p in weather] == ["fog", "sun", None] and weather[-1].op == "missing"
    assert [p.value for p in camera] == [0, 1, 2] and [p.value for p in night] == [False, True]
    assert str(brightness[1]) == f"{brightness[1].value[0]!r} <= brightness < {brightness[1].value[1]!r}"
    for j, name in enumerate(encoded.names):
        for code, predicate in enumerate(encoded.predicates[j]):
            np.testing.assert_array_equal(predicate.mask(frame[name]), encoded.codes[:, j] == code)
    edges = [p.value for p in brightness[:-1]]
    assert edges[0] == pytest.approx(0.25, abs=0.05) and len(repr(edges[0])) <= 6  # rounded, short


def test_encoding_rounds_edges_only_as_far_as_they_stay_apart():
    values = pd.Series(1000.0 + np.linspace(0.0, 0.9, 200))
    predicates = encode_features(pd.DataFrame({"x": values}), ["x"]).predicates[0]
    edges = [predicates[0].value, *(p.value[1] for p in predicates[1:-1])]
    assert len(set(edges)) == len(edges) == 4 and all(1000.0 < e < 1001.0 for e in edges)


@pytest.mark.parametrize("column,message", [
    ([1, 1, 1, 1], "is constant"),
    ([[1], [2], [3], [4]], "holds list values"),
    ([f"id{i}" for i in range(60)], "has 60 distinct values"),
])
def test_unusable_features(column, message):
    with pytest.raises(InputValidationError, match=f"feature 'x' {message}"):
        encode_features(pd.DataFrame({"x": column}), ["x"])


def test_predicate_text():
    assert str(Predicate("weather", "==", "fog")) == "weather = fog"
    assert str(Predicate("brightness", "<", 0.31)) == "brightness < 0.31"
    assert str(Predicate("camera", "==", 3)) == "camera = 3"
    assert str(Predicate("x", "missing")) == "x is missing"
