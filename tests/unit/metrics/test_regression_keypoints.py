"""Regression metrics against scikit-learn; keypoint NME and failure-rate curves against plain loops."""
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from kolena_lab.metrics import (
    InputValidationError,
    error_histogram,
    failure_rate,
    failure_rate_curve,
    mean_absolute_error,
    mean_squared_error,
    nme,
    r2_score,
    root_mean_squared_error,
)


@pytest.mark.parametrize("seed", range(20))
def test_regression_against_sklearn(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 100))
    shape = (n,) if seed % 2 else (n, int(rng.integers(1, 4)))
    t = rng.normal(0, 3, shape)
    p = t + rng.normal(0, 1, shape)
    if seed % 5 == 0:
        t[...] = 2.0  # constant target: R² convention
    if seed % 7 == 0:
        p = t.copy()  # perfect fit
    assert mean_absolute_error(t, p) == pytest.approx(skm.mean_absolute_error(t, p), abs=1e-12)
    assert mean_squared_error(t, p) == pytest.approx(skm.mean_squared_error(t, p), abs=1e-12)
    assert root_mean_squared_error(t, p) == pytest.approx(skm.root_mean_squared_error(t, p), abs=1e-12)
    assert r2_score(t, p) == pytest.approx(skm.r2_score(t, p), abs=1e-12)


def test_regression_edges():
    assert mean_absolute_error([], []) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(r2_score([1.0], [2.0])) and np.isnan(skm.r2_score([1.0], [2.0]))
    with pytest.raises(InputValidationError, match="shape"):
        mean_absolute_error([1, 2], [1, 2, 3])
    with pytest.raises(InputValidationError, match="NaN"):
        r2_score([1, np.nan], [1, 2])


def test_error_histogram():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    p = np.array([0.5, 0.0, 2.0, 5.0])
    h = error_histogram(t, p, bins=[-2, -0.5, 0.5, 3])
    np.testing.assert_array_equal(h.counts, [1, 1, 2])  # errors 0.5, -1, 0, 2
    h = error_histogram(t, p, bins=4, absolute=True)
    assert h.counts.sum() == 4 and h.edges[0] == 0.0 and h.edges[-1] == 2.0
    with pytest.raises(InputValidationError, match="bins"):
        error_histogram(t, p, bins=[1, 0])


def test_nme_against_loop():
    rng = np.random.default_rng(0)
    gt = rng.uniform(0, 100, (6, 5, 2))
    pred = gt + rng.normal(0, 3, gt.shape)
    norm = rng.uniform(10, 50, 6)
    visible = rng.random((6, 5)) < 0.8
    visible[0] = False
    expected = []
    for i in range(6):
        d = [np.hypot(*(pred[i, k] - gt[i, k])) for k in range(5) if visible[i, k]]
        expected.append(np.mean(d) / norm[i] if d else np.nan)
    np.testing.assert_allclose(nme(gt, pred, norm, visible=visible), expected, rtol=1e-12)
    all_visible = [np.mean([np.hypot(*(pred[i, k] - gt[i, k])) for k in range(5)]) / norm[i] for i in range(6)]
    np.testing.assert_allclose(nme(gt, pred, norm), all_visible, rtol=1e-12)
    assert nme(gt[0], pred[0], [norm[0]])[0] == pytest.approx(all_visible[0])


def test_failure_rate_curve():
    values = [0.01, 0.03, 0.05, 0.2]
    assert failure_rate(values, 0.04) == 0.5
    curve = failure_rate_curve(values, [0.0, 0.03, 0.05, 0.1])
    np.testing.assert_allclose(curve.failure_rate, [1.0, 0.5, 0.25, 0.25])  # "> threshold" fails
    expected_auc = (0.03 * (0 + 0.5) / 2 + 0.02 * (0.5 + 0.75) / 2 + 0.05 * 0.75) / 0.1
    assert curve.auc == pytest.approx(expected_auc)
    default = failure_rate_curve(values)
    assert len(default.thresholds) == 101 and default.thresholds[-1] == pytest.approx(0.1)
    assert failure_rate([], 0.1) == 0.0


@pytest.mark.parametrize("call, match", [
    (lambda: nme(np.zeros((2, 3, 2)), np.zeros((2, 4, 2)), [1, 1]), "shape"),
    (lambda: nme(np.zeros((2, 3, 2)), np.zeros((2, 3, 2)), [1]), "normalization"),
    (lambda: nme(np.zeros((2, 3, 2)), np.zeros((2, 3, 2)), [1, 0]), "positive"),
    (lambda: nme(np.full((1, 3, 2), np.nan), np.zeros((1, 3, 2)), [1]), "NaN"),
    (lambda: failure_rate([0.1, np.nan], 0.1), "NaN"),
    (lambda: failure_rate_curve([0.1], [0.2, 0.1]), "increasing"),
])
def test_keypoint_bad_inputs(call, match):
    with pytest.raises(InputValidationError, match=match):
        call()
