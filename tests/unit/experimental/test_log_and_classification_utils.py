"""kolena_lab._utils.log and kolena_lab._experimental.classification.utils: numbers equal scikit-learn's and numpy's."""
import logging

import numpy as np
import pytest
from sklearn import metrics as skm

from kolena_lab._experimental.classification.utils import (
    compute_confusion_matrix,
    compute_roc_curves,
    compute_threshold_curves,
    create_histogram,
    get_histogram_range,
    get_label_confidence,
)
from kolena_lab._utils import log
from kolena_lab.workflow.annotation import Label, ScoredLabel
from kolena_lab.workflow.plot import ConfusionMatrix, CurvePlot, Histogram


def test_log_prints_and_logs(capsys, caplog):
    with caplog.at_level(logging.INFO, logger=log.LOGGER_NAME):
        log.info("hello")
        log.warn("careful")
    out = capsys.readouterr()
    assert out.out == "kolena_lab> hello\n"
    assert out.err == "kolena_lab> careful\n"
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [("INFO", "hello"), ("WARNING", "careful")]


def test_progress_bar_yields_every_item(capsys):
    assert list(log.progress_bar(iter(range(5)), desc="counting", total=5)) == [0, 1, 2, 3, 4]
    assert "counting" in capsys.readouterr().err


@pytest.mark.parametrize("values,expected", [
    ([0.1, 0.5], (0.1, 0.5, 20)),
    ([0.3], (0.3, 0.32, 1)),
    ([0.7, 0.7], (0.68, 0.7, 1)),
    ([0.0, 1.0], (0.0, 1.0, 50)),
    ([0.013, 0.951], (0.0, 0.96, 48)),
])
def test_histogram_range_covers_values_on_the_grid(values, expected):
    low, high, bins = get_histogram_range(values)
    assert (low, high, bins) == pytest.approx(expected)
    assert low <= min(values) and max(values) <= high and isinstance(bins, int)


@pytest.mark.parametrize("values", [[], [-0.1, 0.5], [0.2, 1.5]])
def test_histogram_range_rejects_bad_values(values, capsys):
    assert get_histogram_range(values) is None
    assert "kolena_lab>" in capsys.readouterr().err


def test_create_histogram_equals_numpy():
    values = np.random.default_rng(0).random(200).tolist()
    rng = get_histogram_range(values)
    h = create_histogram(values, rng, title="t", x_label="x", y_label="y")
    frequency, buckets = np.histogram(values, bins=rng[2], range=rng[:2])
    assert isinstance(h, Histogram) and h.title == "t"
    np.testing.assert_allclose(h.buckets, buckets)
    assert list(h.frequency) == frequency.tolist() and sum(h.frequency) == 200


def test_confusion_matrix_equals_sklearn():
    rng = np.random.default_rng(1)
    gt = rng.choice(["cat", "dog", "eel"], 100).tolist()
    inf = rng.choice(["cat", "dog", "eel", "fox"], 100).tolist()
    cm = compute_confusion_matrix(gt, inf)
    assert isinstance(cm, ConfusionMatrix) and cm.labels == ["cat", "dog", "eel", "fox"]
    assert np.asarray(cm.matrix).tolist() == skm.confusion_matrix(gt, inf, labels=cm.labels).tolist()
    picked = compute_confusion_matrix(gt, inf, title="sub", labels=["eel", "cat"])
    assert np.asarray(picked.matrix).tolist() == skm.confusion_matrix(gt, inf, labels=["eel", "cat"]).tolist()
    assert compute_confusion_matrix(gt, inf[:-1]) is None
    assert compute_confusion_matrix(["a"], ["a"]) is None
    assert compute_confusion_matrix([], []) is None


def _scored(classes, probs):
    return [[ScoredLabel(c, float(p)) for c, p in zip(classes, row)] for row in probs]


def test_roc_curves_equal_sklearn_one_vs_rest():
    rng = np.random.default_rng(2)
    classes = ["a", "b", "c"]
    truth = rng.integers(3, size=150)
    probs = np.round(rng.dirichlet(np.ones(3), 150) + np.eye(3)[truth] * 0.3, 2)  # rounded: score ties
    plot = compute_roc_curves([Label(classes[t]) for t in truth], _scored(classes, probs))
    assert isinstance(plot, CurvePlot) and plot.title == "Receiver Operating Characteristic (One-vs-Rest)"
    assert [c.label for c in plot.curves] == classes
    for k, curve in enumerate(plot.curves):
        fpr, tpr, _ = skm.roc_curve(truth == k, probs[:, k])
        np.testing.assert_allclose(curve.x, fpr)
        np.testing.assert_allclose(curve.y, tpr)


def test_roc_binary_with_none_negatives_and_missing_classes():
    gts = [Label("yes"), None, Label("yes"), None, None]
    infs = [[ScoredLabel("yes", s)] for s in (0.9, 0.4, 0.35, 0.8, 0.1)]
    plot = compute_roc_curves(gts, infs)
    assert plot.title == "Receiver Operating Characteristic" and len(plot.curves) == 1
    fpr, tpr, _ = skm.roc_curve([1, 0, 1, 0, 0], [0.9, 0.4, 0.35, 0.8, 0.1])
    np.testing.assert_allclose(plot.curves[0].x, fpr)
    np.testing.assert_allclose(plot.curves[0].y, tpr)
    assert compute_roc_curves([None, None, None], infs[:3], labels=["yes"]) is None  # no positives: no curve
    assert compute_roc_curves(gts[:2], infs[:2]) is None
    assert get_label_confidence("no", infs[0]) == 0


def test_threshold_curves_equal_sklearn_at_each_threshold():
    rng = np.random.default_rng(3)
    truth = rng.random(80) < 0.4
    scores = np.round(np.clip(rng.normal(0.4 + 0.3 * truth, 0.2), 0, 1), 3)
    gts = [Label("p") if t else None for t in truth]
    curves = compute_threshold_curves(gts, [ScoredLabel("p", float(s)) for s in scores])
    assert [c.label for c in curves] == ["Precision", "Recall", "F1"]
    xs = curves[0].x
    assert xs[0] == 0.0 and all(b - a >= 0.01 - 1e-12 for a, b in zip(xs, xs[1:]))
    tenths = set(np.linspace(0, 1, 11).tolist())
    assert all(t in tenths or t in set(scores.tolist()) for t in xs) and len(xs) >= 11
    for i, t in enumerate(xs):
        p, r, f, _ = skm.precision_recall_fscore_support(truth, scores >= t, average="binary", zero_division=0)
        assert (curves[0].y[i], curves[1].y[i], curves[2].y[i]) == pytest.approx((p, r, f))
    fixed = compute_threshold_curves(gts, [ScoredLabel("p", float(s)) for s in scores], thresholds=[0.5, 0.2, 0.5])
    assert fixed[0].x == [0.2, 0.5]
    assert compute_threshold_curves(gts, [ScoredLabel("p" if i else "q", 0.5) for i in range(80)]) is None
