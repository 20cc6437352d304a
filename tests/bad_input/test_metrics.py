"""Metric functions against scikit-learn on hostile input: where scikit-learn raises ``ValueError`` ours raises
``InputValidationError`` (a ``ValueError``), where it answers ours gives the same numbers; each deliberate departure
is checked against scikit-learn's behaviour too, so a change on either side shows."""
import warnings
from typing import Any, Callable

import numpy as np
import pytest
import sklearn.metrics as skm

import kolena_lab.metrics as km
from kolena_lab.errors import InputValidationError

Call = Callable[[Any], Any]
THREE = [[0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.3, 0.6, 0.1]]

# Inputs scikit-learn refuses with a ValueError: ours must refuse too, naming the argument or the problem.
REFUSED = {
    "confusion_matrix labels none in y_true": (lambda m: m.confusion_matrix([0, 1], [0, 1], labels=[5, 6]), "labels"),
    "confusion_matrix labels only in y_pred": (lambda m: m.confusion_matrix([0, 1], [0, 2], labels=[2]), "y_true"),
    "confusion_matrix empty labels": (lambda m: m.confusion_matrix([0, 1], [0, 1], labels=[]), "labels"),
    "confusion_matrix continuous": (lambda m: m.confusion_matrix([0.5, 1.2], [0.5, 1.2]), "continuous"),
    "accuracy continuous": (lambda m: m.accuracy_score([0.5, 1.0], [0.5, 1.0]), "continuous.*'y_true'\\[0\\] is 0.5"),
    "accuracy continuous y_pred": (lambda m: m.accuracy_score([0, 1], [0.0, 0.25]), "continuous.*'y_pred'\\[1\\]"),
    "prfs continuous": (lambda m: m.precision_recall_fscore_support([0.5, 1.2], [0.5, 1.2]), "continuous"),
    "multilabel_confusion_matrix continuous": (
        lambda m: m.multilabel_confusion_matrix([0.5, 1.2], [0.5, 1.2]), "continuous"),
    "top_k continuous": (lambda m: m.top_k_accuracy_score([0.5, 1.5], [[0.2, 0.8], [0.6, 0.4]], k=1), "continuous"),
    "top_k two score columns without labels": (
        lambda m: m.top_k_accuracy_score([0, 1, 1], [[0.2, 0.8], [0.6, 0.4], [0.3, 0.7]], k=1), "columns"),
    "top_k two score columns with two labels": (
        lambda m: m.top_k_accuracy_score([0, 1, 1], [[0.2, 0.8], [0.6, 0.4], [0.3, 0.7]], k=1, labels=[0, 1]),
        "columns"),
    "top_k three columns, binary y_true": (lambda m: m.top_k_accuracy_score([0, 1, 1], THREE, k=1), "columns"),
    "top_k 1-D scores, multiclass": (lambda m: m.top_k_accuracy_score([0, 1, 2], [0.2, 0.7, 0.1]), "2-D"),
    "top_k unsorted labels": (lambda m: m.top_k_accuracy_score([0, 1, 2], THREE, k=1, labels=[2, 1, 0]), "sorted"),
    "top_k duplicate labels": (lambda m: m.top_k_accuracy_score([0, 1, 1], THREE, k=1, labels=[0, 1, 1]), "unique"),
    "top_k NaN score": (lambda m: m.top_k_accuracy_score([0, 1, 2], [[np.nan, 0.5, 0.5]] + THREE[1:]), "NaN"),
    "roc_curve continuous y_true": (lambda m: m.roc_curve([0.5, 1.5], [0.1, 0.2], pos_label=1.5), "continuous"),
    "roc_auc continuous y_true": (lambda m: m.roc_auc_score([0.5, 1.5], [0.1, 0.2]), "continuous"),
    "average_precision continuous y_true": (
        lambda m: m.average_precision_score([0.5, 1.5], [0.1, 0.2], pos_label=1.5), "continuous"),
    "roc_curve multiclass without pos_label": (lambda m: m.roc_curve([0, 1, 2], [0.1, 0.2, 0.3]), "pos_label"),
    "roc_curve strings without pos_label": (lambda m: m.roc_curve(["a", "b"], [0.1, 0.5]), "pos_label"),
    "roc_curve NaN score": (lambda m: m.roc_curve([0, 1], [np.nan, 0.5]), "NaN"),
    "roc_curve infinite score": (lambda m: m.roc_curve([0, 1], [np.inf, 0.5]), "infinite"),
    "roc_curve length mismatch": (lambda m: m.roc_curve([0, 1], [0.5]), "length"),
    "roc_curve 2-D scores": (lambda m: m.roc_curve([0, 1], [[0.2, 0.8], [0.7, 0.3]]), "dimensional"),
    "roc_auc NaN score": (lambda m: m.roc_auc_score([0, 1], [np.nan, 0.5]), "NaN"),
    "average_precision NaN score": (lambda m: m.average_precision_score([0, 1], [np.nan, 0.5]), "NaN"),
    "precision_recall_curve NaN score": (lambda m: m.precision_recall_curve([0, 1], [0.5, np.nan]), "NaN"),
    "accuracy length mismatch": (lambda m: m.accuracy_score([0, 1], [0]), "length mismatch"),
    "accuracy strings and numbers": (lambda m: m.accuracy_score(["a", "b"], [0, 1]), "string and numeric"),
    "accuracy NaN label": (lambda m: m.confusion_matrix([np.nan, 1], [1, 1]), "NaN"),
    "accuracy infinite label": (lambda m: m.accuracy_score([np.inf, 1.0], [1, 1]), "infinite"),
    "accuracy None label": (lambda m: m.confusion_matrix([None, 1], [1, 1]), "None"),
    "accuracy a string, not a sequence": (lambda m: m.accuracy_score("ab", "ab"), "sequence"),
    "accuracy a scalar": (lambda m: m.accuracy_score(1, 1), "sequence"),
    "accuracy a dict": (lambda m: m.accuracy_score({0: 1}, {0: 1}), "sequence"),
    "roc_auc a scalar": (lambda m: m.roc_auc_score(1, 0.5), "sequence"),
    "average_precision a string": (lambda m: m.average_precision_score("01", [0.1, 0.2]), "sequence"),
    "accuracy multilabel vs labels": (lambda m: m.accuracy_score([[0, 1], [1, 0]], [0, 1]), "multilabel"),
    "prfs binary on three classes": (
        lambda m: m.precision_recall_fscore_support([0, 1, 2], [0, 1, 2], average="binary"), "binary"),
    "prfs binary pos_label absent": (
        lambda m: m.precision_recall_fscore_support([0, 2], [0, 2], average="binary"), "pos_label"),
}

# Inputs scikit-learn answers: ours must answer with the same values.
ANSWERED = {
    "roc_curve multiclass with pos_label (one-vs-rest)": lambda m: m.roc_curve([0, 1, 2, 1], [0.1, 0.5, 0.9, 0.3],
                                                                                pos_label=1),
    "precision_recall_curve multiclass with pos_label": lambda m: m.precision_recall_curve(
        [0, 1, 2, 1], [0.1, 0.5, 0.9, 0.3], pos_label=1),
    "roc_curve string multiclass with pos_label": lambda m: m.roc_curve(["a", "b", "c"], [0.1, 0.5, 0.9],
                                                                         pos_label="a"),
    "roc_curve pos_label absent from y_true": lambda m: m.roc_curve([0, 0, 2], [0.1, 0.5, 0.9], pos_label=1),
    "confusion_matrix labels partly absent": lambda m: m.confusion_matrix([0, 1], [0, 1], labels=[1, 6]),
    "accuracy integral floats are labels": lambda m: m.accuracy_score([0.0, 1.0, 2.0], [0, 1, 1]),
    "top_k labels wider than y_true": lambda m: m.top_k_accuracy_score([0, 1, 1], THREE, k=1, labels=[0, 1, 2]),
    "top_k binary 1-D scores": lambda m: m.top_k_accuracy_score([0, 1, 1], [0.2, 0.8, 0.4], k=1),
    "top_k binary single score column": lambda m: m.top_k_accuracy_score([0, 1, 1], [[0.2], [0.8], [0.4]], k=1),
    "multilabel_confusion_matrix labels absent": lambda m: m.multilabel_confusion_matrix([0, 1], [0, 1], labels=[5]),
    "prfs empty labels": lambda m: m.precision_recall_fscore_support([0, 1], [0, 1], labels=[]),
    "confusion_matrix booleans": lambda m: m.confusion_matrix([True, False], [True, True]),
}


def _sklearn(call: Call) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(skm)


@pytest.mark.parametrize("call, match", REFUSED.values(), ids=REFUSED.keys())
def test_refused_like_sklearn(call: Call, match: str):
    with pytest.raises(ValueError):
        _sklearn(call)
    with pytest.raises(InputValidationError, match=match):
        call(km)


def _assert_same(ours: Any, theirs: Any) -> None:
    if isinstance(theirs, tuple):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b)
    else:
        np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), equal_nan=True)


@pytest.mark.parametrize("call", ANSWERED.values(), ids=ANSWERED.keys())
def test_answered_like_sklearn(call: Call):
    _assert_same(call(km), _sklearn(call))


@pytest.mark.parametrize("call, ours", [
    (lambda m: m.accuracy_score([], []), 0.0),
    (lambda m: m.top_k_accuracy_score([], np.zeros((0, 3)), k=2, labels=[0, 1, 2]), 0.0),
    (lambda m: m.average_precision_score([], []), 0.0),
], ids=["accuracy", "top_k", "average_precision"])
def test_departure_empty_input_is_allowed(call: Call, ours: float):
    """Empty test cases are common in evaluation: scores follow the documented empty-input rules instead of raising."""
    with pytest.raises((ValueError, IndexError)):
        _sklearn(call)
    assert call(km) == ours


@pytest.mark.parametrize("call", [
    lambda m: m.confusion_matrix([0, 1], [0, 1], labels=[0, 0, 1]),
    lambda m: m.precision_recall_fscore_support([0, 1], [0, 1], labels=[0, 0, 1]),
    lambda m: m.multilabel_confusion_matrix([0, 1], [0, 1], labels=[0, 0, 1]),
], ids=["confusion_matrix", "prfs", "multilabel_confusion_matrix"])
def test_departure_duplicate_labels_refused(call: Call):
    """scikit-learn repeats a row for a duplicate label; ours refuses it as a mistake."""
    _sklearn(call)
    with pytest.raises(InputValidationError, match="unique"):
        call(km)


@pytest.mark.parametrize("call", [
    lambda m: m.accuracy_score([0, "a"], [0, "a"]),
    lambda m: m.confusion_matrix([0, 1], [0, 1], labels=["a", 0]),
], ids=["targets", "labels"])
def test_departure_mixed_label_types_refused(call: Call):
    """scikit-learn compares mixed labels as objects; ours refuses a sequence mixing strings and numbers."""
    _sklearn(call)
    with pytest.raises(InputValidationError, match="mixes label types"):
        call(km)

