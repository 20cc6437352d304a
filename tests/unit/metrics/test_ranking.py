"""ROC / PR curves, ROC AUC and average precision against scikit-learn on generated data (fixed seeds)."""
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from kolena_lab.metrics import (
    InputValidationError,
    auc,
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

TOL = 1e-9


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def same(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL, equal_nan=True)


def binary_case(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 200))
    t = (rng.random(n) < rng.uniform(0.1, 0.9)).astype(int)
    decimals = [1, 2, 6][seed % 3]  # few distinct scores (many ties) to all distinct
    s = np.round(np.clip(rng.normal(0.5 + 0.2 * (2 * t - 1), 0.25), 0, 1), decimals)
    return t, s


@pytest.mark.parametrize("seed", range(30))
def test_binary_curves_and_scores(seed):
    t, s = binary_case(seed)
    for drop in (True, False):
        for a, b in zip(roc_curve(t, s, drop_intermediate=drop), skm.roc_curve(t, s, drop_intermediate=drop)):
            same(a, b)
        for a, b in zip(precision_recall_curve(t, s, drop_intermediate=drop),
                        skm.precision_recall_curve(t, s, drop_intermediate=drop)):
            same(a, b)
    same(roc_auc_score(t, s), skm.roc_auc_score(t, s))
    assert average_precision_score(t, s) == pytest.approx(skm.average_precision_score(t, s), abs=TOL)
    pm = np.where(t == 1, 1, -1)  # {-1, 1} labels
    same(roc_curve(pm, s)[1], skm.roc_curve(pm, s)[1])
    names = np.where(t == 1, "pos", "neg")
    same(roc_curve(names, s, pos_label="neg")[0], skm.roc_curve(names, s, pos_label="neg")[0])
    same(roc_auc_score(names, s), skm.roc_auc_score(names, s))
    assert average_precision_score(names, s, pos_label="pos") == pytest.approx(
        skm.average_precision_score(names, s, pos_label="pos"), abs=TOL)
    fpr, tpr, _ = skm.roc_curve(t, s)
    same(auc(fpr, tpr), skm.auc(fpr, tpr))
    same(auc(fpr[::-1], tpr[::-1]), skm.auc(fpr[::-1], tpr[::-1]))


def test_single_class_conventions_match_sklearn():
    t, s = np.zeros(5, dtype=int), np.linspace(0, 1, 5)
    for a, b in zip(roc_curve(t, s), skm.roc_curve(t, s)):
        same(a, b)
    for a, b in zip(precision_recall_curve(t, s), skm.precision_recall_curve(t, s)):
        same(a, b)
    assert np.isnan(roc_auc_score(t, s)) and np.isnan(skm.roc_auc_score(t, s))
    assert average_precision_score(t, s) == pytest.approx(skm.average_precision_score(t, s), abs=TOL)
    assert average_precision_score(np.ones(5, dtype=int), s) == pytest.approx(
        skm.average_precision_score(np.ones(5, dtype=int), s), abs=TOL)


@pytest.mark.parametrize("seed", range(15))
def test_multilabel(seed):
    rng = np.random.default_rng(50 + seed)
    n, k = int(rng.integers(5, 60)), int(rng.integers(2, 6))
    t = (rng.random((n, k)) < 0.4).astype(int)
    t[0], t[1] = 1, 0  # every column has both classes
    s = np.round(rng.random((n, k)), 2)
    for avg in (None, "micro", "macro", "weighted", "samples"):
        if avg != "samples":
            same(roc_auc_score(t, s, average=avg), skm.roc_auc_score(t, s, average=avg))
        same(average_precision_score(t, s, average=avg), skm.average_precision_score(t, s, average=avg))


@pytest.mark.parametrize("seed", range(15))
def test_multiclass(seed):
    rng = np.random.default_rng(80 + seed)
    n, k = int(rng.integers(10, 80)), int(rng.integers(3, 6))
    t = rng.integers(0, k, n)
    t[:k] = np.arange(k)
    raw = rng.random((n, k)) + 0.8 * np.eye(k)[t]
    s = raw / raw.sum(axis=1, keepdims=True)
    for avg in ("macro", "weighted", None, "micro"):
        same(roc_auc_score(t, s, multi_class="ovr", average=avg),
             skm.roc_auc_score(t, s, multi_class="ovr", average=avg))
    for avg in ("macro", "weighted"):
        same(roc_auc_score(t, s, multi_class="ovo", average=avg),
             skm.roc_auc_score(t, s, multi_class="ovo", average=avg))
    for avg in ("macro", "weighted", None, "micro"):
        same(average_precision_score(t, s, average=avg), skm.average_precision_score(t, s, average=avg))
    names = np.array(["a", "b", "c", "d", "e"])[:k][t]
    same(roc_auc_score(names, s, multi_class="ovr"), skm.roc_auc_score(names, s, multi_class="ovr"))
    labels = np.arange(k + 1)
    s_extra = np.concatenate([s, np.zeros((n, 1))], axis=1)
    same(roc_auc_score(t, s_extra, multi_class="ovr", labels=labels, average=None)[:k],
         skm.roc_auc_score(t, s_extra, multi_class="ovr", labels=labels, average=None)[:k])


def test_empty():
    fpr, tpr, thr = roc_curve([], [])
    assert np.isnan(fpr).all() and np.isnan(tpr).all() and thr.tolist() == [np.inf]
    p, r, thr = precision_recall_curve([], [])
    assert p.tolist() == [1.0] and r.tolist() == [0.0] and thr.size == 0
    assert np.isnan(roc_auc_score([], []))
    assert average_precision_score([], []) == 0.0


@pytest.mark.parametrize("call, match", [
    (lambda: roc_curve([0, 1], [0.5]), "length mismatch"),
    (lambda: roc_curve([0, 1], [0.5, np.nan]), "NaN"),
    (lambda: roc_curve([0, 2], [0.5, 0.1]), "pos_label"),
    (lambda: roc_curve(["a", "b"], [0.5, 0.1]), "pos_label"),
    (lambda: roc_auc_score([0, 1, 2], np.eye(3)), "multi_class"),
    (lambda: roc_auc_score([0, 1, 2], np.eye(3) * 2, multi_class="ovr"), "probabilities"),
    (lambda: roc_auc_score([0, 1, 2], np.eye(3), multi_class="ovo", average=None), "average"),
    (lambda: average_precision_score([0, 1], [0.1, 0.2], pos_label=3), "pos_label"),
    (lambda: average_precision_score([[0, 1], [1, 0]], [[0.1, 0.2]]), "shape|length"),
    (lambda: auc([0, 1, 0.5], [1, 1, 1]), "increasing"),
])
def test_bad_inputs(call, match):
    with pytest.raises(InputValidationError, match=match):
        call()
