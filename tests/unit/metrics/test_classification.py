"""Label-based classification metrics against scikit-learn on generated data (fixed seeds)."""
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from kolena_lab.metrics import (
    InputValidationError,
    accuracy_score,
    confusion_matrix,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    top_k_accuracy_score,
)

TOL = 1e-9


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def labels_case(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    k = int(rng.integers(2, 7))
    names = np.array(["ant", "bee", "cat", "dog", "eel", "fox"])[:k] if seed % 3 == 0 else np.arange(k) * 3 - 2
    t = names[rng.integers(0, k, n)]
    p = np.where(rng.random(n) < 0.6, t, names[rng.integers(0, max(k - 1, 1), n)])  # the last class rarely predicted
    return t, p, names


def close(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL, equal_nan=True)


@pytest.mark.parametrize("seed", range(30))
def test_labels_against_sklearn(seed):
    t, p, names = labels_case(seed)
    assert accuracy_score(t, p) == pytest.approx(skm.accuracy_score(t, p), abs=TOL)
    np.testing.assert_array_equal(confusion_matrix(t, p), skm.confusion_matrix(t, p))
    for norm in ("true", "pred", "all"):
        close(confusion_matrix(t, p, normalize=norm), skm.confusion_matrix(t, p, normalize=norm))
    subset = list(names[::-1][:3])
    if np.intersect1d(t, subset).size:  # scikit-learn refuses labels absent from y_true; we count zeros
        np.testing.assert_array_equal(confusion_matrix(t, p, labels=subset),
                                      skm.confusion_matrix(t, p, labels=subset))
    np.testing.assert_array_equal(multilabel_confusion_matrix(t, p), skm.multilabel_confusion_matrix(t, p))
    for zd in (0.0, 1.0, np.nan):
        for avg in (None, "micro", "macro", "weighted"):
            for labels in (None, subset):
                ours = precision_recall_fscore_support(t, p, average=avg, zero_division=zd, labels=labels)
                ref = skm.precision_recall_fscore_support(t, p, average=avg, zero_division=zd, labels=labels)
                for a, b in zip(ours[:3], ref[:3]):
                    close(a, b)
                if avg is None:
                    np.testing.assert_array_equal(ours[3], ref[3])
                else:
                    assert ours[3] is None
        beta = float([0.5, 2.0, 0.0][seed % 3])
        close(precision_recall_fscore_support(t, p, beta=beta, zero_division=zd)[2],
              skm.fbeta_score(t, p, beta=beta, average=None, zero_division=zd))


@pytest.mark.parametrize("seed", range(10))
def test_binary_average_against_sklearn(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 40))
    t = rng.integers(0, 2, n)
    p = rng.integers(0, 2, n) if seed % 4 else np.zeros(n, dtype=int)  # never predicts the positive class
    for zd in (0.0, 1.0, np.nan):
        ours = precision_recall_fscore_support(t, p, average="binary", zero_division=zd)
        ref = skm.precision_recall_fscore_support(t, p, average="binary", zero_division=zd)
        for a, b in zip(ours[:3], ref[:3]):
            close(a, b)
    s = np.where(t == 1, "yes", "no")
    q = np.where(p == 1, "yes", "no")
    ours = precision_recall_fscore_support(s, q, average="binary", pos_label="no")
    ref = skm.precision_recall_fscore_support(s, q, average="binary", pos_label="no", zero_division=0)
    for a, b in zip(ours[:3], ref[:3]):
        close(a, b)


@pytest.mark.parametrize("seed", range(15))
def test_multilabel_against_sklearn(seed):
    rng = np.random.default_rng(200 + seed)
    n, k = int(rng.integers(1, 30)), int(rng.integers(2, 6))
    t = (rng.random((n, k)) < 0.4).astype(int)
    p = (rng.random((n, k)) < 0.4).astype(int)
    t[:, 0] = 0  # a label nobody has
    assert accuracy_score(t, p) == pytest.approx(skm.accuracy_score(t, p), abs=TOL)
    np.testing.assert_array_equal(multilabel_confusion_matrix(t, p), skm.multilabel_confusion_matrix(t, p))
    np.testing.assert_array_equal(multilabel_confusion_matrix(t, p, samplewise=True),
                                  skm.multilabel_confusion_matrix(t, p, samplewise=True))
    for zd in (0.0, 1.0, np.nan):
        for avg in (None, "micro", "macro", "weighted", "samples"):
            ours = precision_recall_fscore_support(t, p, average=avg, zero_division=zd)
            ref = skm.precision_recall_fscore_support(t, p, average=avg, zero_division=zd)
            for a, b in zip(ours[:3], ref[:3]):
                close(a, b)


@pytest.mark.parametrize("seed", range(15))
def test_top_k_against_sklearn(seed):
    rng = np.random.default_rng(300 + seed)
    n, k = int(rng.integers(1, 50)), int(rng.integers(3, 7))
    t = rng.integers(0, k, n)
    t[:k] = np.arange(k)[: min(k, n)]
    scores = np.round(rng.random((n, k)), 1)  # ties among scores
    if len(np.unique(t)) == k:
        for top in (1, 2, k - 1):
            assert top_k_accuracy_score(t, scores, k=top) == pytest.approx(
                skm.top_k_accuracy_score(t, scores, k=top), abs=TOL)
    labels = np.arange(k)
    assert top_k_accuracy_score(t, scores, k=2, labels=labels) == pytest.approx(
        skm.top_k_accuracy_score(t, scores, k=2, labels=labels), abs=TOL)
    b = rng.integers(0, 2, n)
    b[:2] = [0, 1][: min(2, n)]
    if len(np.unique(b)) == 2:
        s1 = rng.random(n)
        assert top_k_accuracy_score(b, s1, k=1) == pytest.approx(skm.top_k_accuracy_score(b, s1, k=1), abs=TOL)
        s2 = rng.normal(0, 1, n)  # decision values: threshold 0
        assert top_k_accuracy_score(b, s2, k=1) == pytest.approx(skm.top_k_accuracy_score(b, s2, k=1), abs=TOL)


def test_single_column_indicator_is_plain_labels():
    t, p = np.array([[0], [1], [1]]), np.array([[1], [1], [0]])
    np.testing.assert_array_equal(multilabel_confusion_matrix(t, p), skm.multilabel_confusion_matrix(t, p))


def test_empty_inputs_have_defined_results():
    assert accuracy_score([], []) == 0.0
    assert confusion_matrix([], []).shape == (0, 0)
    np.testing.assert_array_equal(confusion_matrix([], [], labels=[1, 2]), np.zeros((2, 2)))
    p, r, f, s = precision_recall_fscore_support([], [], labels=[0, 1])
    np.testing.assert_array_equal(p, [0, 0]) and np.testing.assert_array_equal(s, [0, 0])
    assert precision_recall_fscore_support([], [], average="macro")[0] != precision_recall_fscore_support(
        [], [], average="macro")[0]  # no labels at all: NaN, as scikit-learn's average of nothing
    assert top_k_accuracy_score([], np.zeros((0, 3)), k=2, labels=[0, 1, 2]) == 0.0


@pytest.mark.parametrize("call, match", [
    (lambda: accuracy_score([1, 2], [1]), "length mismatch"),
    (lambda: accuracy_score([1, "a"], [1, 1]), "mixes label types"),
    (lambda: accuracy_score(["a", "b"], [1, 2]), "mix string and numeric"),
    (lambda: accuracy_score([1.0, float("nan")], [1, 1]), "NaN"),
    (lambda: accuracy_score([[0, 1]], [1]), "mix multilabel"),
    (lambda: precision_recall_fscore_support([0, 1, 2], [0, 1, 2], average="binary"), "binary"),
    (lambda: precision_recall_fscore_support([0, 1], [0, 1], average="mean"), "average"),
    (lambda: precision_recall_fscore_support([0, 1], [0, 1], zero_division=5), "zero_division"),
    (lambda: precision_recall_fscore_support(["a", "b"], ["a", "b"], average="binary"), "pos_label"),
    (lambda: precision_recall_fscore_support([0, 1], [0, 1], average="samples"), "samples"),
    (lambda: confusion_matrix([0, 1], [0, 1], normalize="rows"), "normalize"),
    (lambda: confusion_matrix([0, 1], [0, 1], labels=[0, 0]), "unique"),
    (lambda: top_k_accuracy_score([0, 1, 2], np.ones((3, 2))), "columns"),
    (lambda: top_k_accuracy_score([0, 1, 2], np.full((3, 3), np.nan)), "NaN"),
    (lambda: multilabel_confusion_matrix([[0, 2]], [[0, 1]]), "indicator"),
])
def test_bad_inputs(call, match):
    with pytest.raises(InputValidationError, match=match):
        call()
