"""ClassificationEvaluator: per test case equal to scikit-learn on its samples; F1-optimal threshold on the suite."""
from dataclasses import dataclass

import numpy as np
import pytest

from kolena_lab.evaluators import ClassificationConfiguration, ClassificationEvaluator
from kolena_lab.metrics import f1_optimal_threshold
from kolena_lab.workflow import GroundTruth, Inference
from kolena_lab.workflow.annotation import ScoredClassificationLabel
from kolena_lab.workflow.plot import ConfusionMatrix, CurvePlot

from . import _data

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def _arrays(gts, infs):
    names = sorted({g.label.label for g in gts} | {s.label for i in infs for s in i.scores})
    truth = np.array([g.label.label for g in gts])
    scores = np.array([[next(s.score for s in i.scores if s.label == n) for n in names] for i in infs])
    top = np.array(names)[scores.argmax(axis=1)]
    return names, truth, scores, top


def test_each_test_case_equals_scikit_learn():
    samples, gts, infs = _data.classification(300, seed=0)
    groups = _data.overlapping_groups(300, seed=2)
    result = ClassificationEvaluator()(samples, gts, infs, _data.test_cases(samples, groups), None)
    names, truth, scores, top = _arrays(gts, infs)
    for (name, metrics), idx in zip(result.metrics_test_case, groups.values()):
        if not len(idx):
            assert (metrics.n_samples, metrics.per_class, metrics.accuracy) == (0, [], 0.0)
            continue
        t, p, s = truth[idx], top[idx], scores[idx]
        present = sorted(set(t) | set(p))
        assert metrics.accuracy == sklearn_metrics.accuracy_score(t, p)
        precision, recall, f1, support = sklearn_metrics.precision_recall_fscore_support(t, p, labels=present,
                                                                                          zero_division=0)
        assert [r.label for r in metrics.per_class] == present
        assert [r.precision for r in metrics.per_class] == pytest.approx(precision, abs=1e-15)
        assert [r.recall for r in metrics.per_class] == pytest.approx(recall, abs=1e-15)
        assert [r.f1 for r in metrics.per_class] == pytest.approx(f1, abs=1e-15)
        assert [r.n_samples for r in metrics.per_class] == list(support)
        assert metrics.macro_f1 == pytest.approx(sklearn_metrics.f1_score(t, p, average="macro", zero_division=0))
        for row in metrics.per_class:
            k = names.index(row.label)
            assert row.roc_auc == pytest.approx(sklearn_metrics.roc_auc_score(t == row.label, s[:, k]), abs=1e-12)
            assert row.average_precision == pytest.approx(
                sklearn_metrics.average_precision_score(t == row.label, s[:, k]), abs=1e-12)
        matrix = next(p_ for p_ in dict(result.plots_test_case)[name] if isinstance(p_, ConfusionMatrix))
        assert np.array_equal(matrix.matrix, sklearn_metrics.confusion_matrix(t, p, labels=present))


def test_f1_optimal_threshold_is_suite_wide_and_withholds_low_scores():
    samples, gts, infs = _data.classification(400, seed=1, classes=3)
    names, truth, scores, top = _arrays(gts, infs)
    top_score = scores.max(axis=1)
    expected = f1_optimal_threshold(top_score, top == truth, len(truth))[0]
    first_only = f1_optimal_threshold(top_score[:50], (top == truth)[:50], 50)[0]
    assert expected != first_only
    groups = {"first": np.arange(50), "rest": np.arange(50, 400)}
    config = ClassificationConfiguration(threshold_strategy="F1-Optimal")
    result = ClassificationEvaluator([config])(samples, gts, infs, _data.test_cases(samples, groups), config)
    for (name, metrics), idx in zip(result.metrics_test_case, groups.values()):
        assert metrics.threshold == expected
        kept = top_score[idx] >= expected
        assert metrics.n_withheld == int((~kept).sum())
        predicted = np.where(kept, top[idx], "withheld")
        assert metrics.accuracy == sklearn_metrics.accuracy_score(truth[idx], predicted)
        present = sorted(set(truth[idx]) | set(top[idx][kept]))
        recall = sklearn_metrics.recall_score(truth[idx], predicted, labels=present, average=None, zero_division=0)
        assert [r.recall for r in metrics.per_class] == pytest.approx(recall, abs=1e-15)
    assert result.metrics_test_suite.threshold == expected
    withheld = [m for _, m in result.metrics_test_sample if m.classification is None]
    assert len(withheld) == int((top_score < expected).sum()) and not any(m.is_correct for m in withheld)


@dataclass(frozen=True)
class StrGT(GroundTruth):
    name: str


@dataclass(frozen=True)
class TopInf(Inference):
    top: ScoredClassificationLabel


def test_label_field_and_single_scored_label():
    samples = _data.images(4)
    gts = [StrGT("cat"), StrGT("dog"), StrGT("cat"), StrGT("dog")]
    infs = [TopInf(ScoredClassificationLabel("cat", 0.9)), TopInf(ScoredClassificationLabel("cat", 0.6)),
            TopInf(ScoredClassificationLabel("dog", 0.3)), TopInf(ScoredClassificationLabel("dog", 0.8))]
    config = ClassificationConfiguration(threshold_strategy=0.5)
    result = ClassificationEvaluator([config])(samples, gts, infs, _data.test_cases(samples, {"all": range(4)}), None)
    metrics = result.metrics_test_case[0][1]
    assert (metrics.n_correct, metrics.n_withheld, metrics.accuracy) == (2, 1, 0.5)
    assert all(np.isnan(r.roc_auc) for r in metrics.per_class)  # no inference scores every class
    plots = result.plots_test_case[0][1]
    assert next(p for p in plots if isinstance(p, ConfusionMatrix)).labels == ["cat", "dog", "no prediction"]
    assert not any(isinstance(p, CurvePlot) and p.title.startswith("ROC") for p in plots)


def test_bad_input_is_named():
    samples, gts, infs = _data.classification(3)
    cases = _data.test_cases(samples, {"all": range(3)})
    with pytest.raises(ValueError, match="inference type 'DetInf' has no field typed ScoredClassificationLabel"):
        ClassificationEvaluator()(samples, gts, [_data.DetInf(bboxes=[])] * 3, cases, None)
    with pytest.raises(ValueError, match="score must be a finite number"):
        ScoredClassificationLabel("k0", float("nan"))  # refused on construction; the evaluator checks all the same
    nan_label = ScoredClassificationLabel("k0", 0.5)
    object.__setattr__(nan_label, "score", float("nan"))
    bad = _data.ClsInf(scores=[nan_label])
    with pytest.raises(ValueError, match="img00001.jpg must hold ScoredClassificationLabels with finite scores"):
        ClassificationEvaluator()(samples, gts, [infs[0], bad, infs[2]], cases, None)
    with pytest.raises(ValueError, match="'threshold_strategy'"):
        ClassificationConfiguration(threshold_strategy=2.0)
    high = [_data.ClsInf(scores=[ScoredClassificationLabel("k0", 3.0)])] * 3
    with pytest.raises(ValueError, match="F1-optimal threshold needs scores in \\[0, 1\\]"):
        ClassificationEvaluator([ClassificationConfiguration(threshold_strategy="F1-Optimal")])(
            samples, gts, high, cases, None)
