"""The prebuilt detection evaluator: Kolena's metric names, and values equal to a direct computation of Kolena's
documented rules (per-image matching with each test case's own ground truths, F1-optimal thresholds per class from the
first test case, all-point AP, macro and micro averages)."""
from typing import Dict, List

import numpy as np
import pytest

from kolena_lab._experimental.object_detection import (
    ClassMetricsPerTestCase,
    GroundTruth,
    Inference,
    ObjectDetectionEvaluator,
    TestCaseMetrics,
    TestCaseMetricsSingleClass,
    TestSample,
    TestSampleMetrics,
    TestSampleMetricsSingleClass,
    TestSuiteMetrics,
    ThresholdConfiguration,
)
from kolena_lab._experimental.object_detection.utils import compute_average_precision, compute_pr_curve
from kolena_lab.errors import InputValidationError
from kolena_lab.metrics import compute_ap, match_arrays, match_inferences, match_inferences_multiclass
from kolena_lab.workflow.annotation import LabeledBoundingBox, ScoredLabeledBoundingBox
from kolena_lab.workflow.plot import ConfusionMatrix, CurvePlot

from tests.unit.evaluators import _data


def _suite(n: int, seed: int, classes: int = 3, ignored_images: float = 0.1):
    _, gts, infs = _data.detection(n, seed=seed, classes=classes, decimals=2, ignored_p=0.1)
    rng = np.random.default_rng(seed)
    samples = [TestSample(locator=f"s3://b/{i}.jpg", metadata={"i": i}) for i in range(n)]
    gts = [GroundTruth(bboxes=g.bboxes, ignored_bboxes=g.ignored_bboxes) for g in gts]
    infs = [Inference(bboxes=i.bboxes, ignored=bool(rng.random() < ignored_images)) for i in infs]
    groups = {"complete": np.arange(n), **_data.overlapping_groups(n, seed=seed, count=3)}
    return samples, gts, infs, groups


def _f1(tp, fp, fn):
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def _ref_threshold(scores, is_tp, n_gt) -> float:
    """Brute force: the distinct score maximising F1 (lowest on ties), 0 when F1 is 0 everywhere."""
    best, best_t = 0.0, 0.0
    for t in sorted(set(scores)):
        tp = sum(1 for s, m in zip(scores, is_tp) if s >= t and m)
        fp = sum(1 for s, m in zip(scores, is_tp) if s >= t and not m)
        f = _f1(tp, fp, n_gt - tp)
        if f > best + 1e-12:
            best, best_t = f, t
    return best_t


def _ref_ap(scores, is_tp, n_gt) -> float:
    """Area under the precision envelope of the (recall, precision) points taken at each distinct score."""
    if n_gt == 0 or not len(scores):
        return 0.0
    points = []
    for t in set(scores):
        tp = sum(1 for s, m in zip(scores, is_tp) if s >= t and m)
        fp = sum(1 for s, m in zip(scores, is_tp) if s >= t and not m)
        points.append((tp / n_gt, tp / (tp + fp)))
    levels = sorted({r for r, _ in points} | {0.0})
    return sum((b - a) * max(p for r, p in points if r >= b) for a, b in zip(levels, levels[1:]))


def _matches(gts, infs, idx, config, multiclass):
    match = match_inferences_multiclass if multiclass else match_inferences
    return [match(gts[i].bboxes, [b for b in infs[i].bboxes if b.score >= config.min_confidence_score],
                  ignored_ground_truths=gts[i].ignored_bboxes, iou_threshold=config.iou_threshold)
            for i in idx if not infs[i].ignored]


def _run(samples, gts, infs, groups, config, evaluator=None):
    """Sample metrics, test case metrics and plots by test case, and the suite's metrics."""
    cases = [(name, [(samples[i], gts[i], infs[i]) for i in idx]) for name, idx in groups.items()]
    return _data.evaluate_test_cases(evaluator or ObjectDetectionEvaluator([config]), cases, config)


@pytest.mark.parametrize("seed,config", [
    (0, ThresholdConfiguration()),
    (1, ThresholdConfiguration(threshold_strategy=0.3, iou_threshold=0.3, min_confidence_score=0.2)),
    (2, ThresholdConfiguration(iou_threshold=0.6, min_confidence_score=0.25, multiclass=True)),
])
def test_multiclass_equals_kolenas_rules(seed, config):
    samples, gts, infs, groups = _suite(150, seed)
    per_sample, cases, plots, suite = _run(samples, gts, infs, groups, config)
    everything = _matches(gts, infs, range(len(samples)), config, True)
    labels = sorted({b.label for g in gts for b in g.bboxes} | {b.label for i in infs for b in i.bboxes})
    if config.threshold_strategy == "F1-Optimal":
        thr = {}
        for label in labels:
            scores, is_tp, n_gt = match_arrays(everything, label)
            absent = n_gt == 0 and not len(scores)  # no matching result of this label: the minimum confidence
            thr[label] = config.min_confidence_score if absent else _ref_threshold(list(scores), list(is_tp), n_gt)
    else:
        thr = {label: config.threshold_strategy for label in labels}
    for name, idx in groups.items():
        metrics = cases[name]
        if not len(idx) and config.multiclass is None:  # no labels: evaluated label-blind, as Kolena decides per case
            assert isinstance(metrics, TestCaseMetricsSingleClass) and metrics.Objects == metrics.AP == 0
            continue
        assert isinstance(metrics, TestCaseMetrics)
        case = _matches(gts, infs, idx, config, True)
        case_labels = sorted({b.label for i in idx for b in gts[i].bboxes} | {b.label for i in idx for b in
                                                                                infs[i].bboxes})
        assert [c.Class for c in metrics.PerClass] == case_labels
        totals = np.zeros(3, dtype=int)
        for row in metrics.PerClass:
            assert isinstance(row, ClassMetricsPerTestCase)
            scores, is_tp, n_gt = match_arrays(case, row.Class)
            tp = int(((scores >= thr[row.Class]) & is_tp).sum())
            fp = int(((scores >= thr[row.Class]) & ~is_tp).sum())
            assert (row.Threshold, row.TP, row.FP, row.FN) == (thr[row.Class], tp, fp, n_gt - tp)
            assert (row.Objects, row.Inferences) == (n_gt, tp + fp)
            assert row.F1 == pytest.approx(_f1(tp, fp, n_gt - tp))
            assert row.AP == pytest.approx(_ref_ap(list(scores), list(is_tp), n_gt))
            assert row.AP == pytest.approx(compute_ap(scores, is_tp, n_gt))
            assert row.nImages == sum(1 for m in case if any(g.label == row.Class for g, _ in m.matched)
                                      or any(g.label == row.Class for g, _ in m.unmatched_gt))
            totals += (tp, fp, n_gt - tp)
        assert (metrics.TP, metrics.FP, metrics.FN) == tuple(totals)
        assert metrics.nIgnored == sum(1 for i in idx if infs[i].ignored)
        assert metrics.mean_AP == pytest.approx(np.mean([c.AP for c in metrics.PerClass]) if len(idx) else 0.0)
        assert metrics.macro_F1 == pytest.approx(np.mean([c.F1 for c in metrics.PerClass]) if len(idx) else 0.0)
        assert metrics.micro_F1 == pytest.approx(_f1(*totals))
        if len(idx):
            assert [p.title for p in plots[name]][:2] == ["F1-Score vs. Confidence Threshold Per Class",
                                                          "Precision vs. Recall Per Class"]
    sample_metrics = per_sample["complete"]
    assert all(isinstance(m, TestSampleMetrics) for m in sample_metrics)
    assert sum(m.count_TP for m in sample_metrics) == cases["complete"].TP
    assert sum(m.count_FN for m in sample_metrics) == cases["complete"].FN
    for m, inf in zip(sample_metrics, infs):
        assert m.ignored == inf.ignored
        assert all(t.score == thr[t.label] for t in m.thresholds)
        assert all(b.score >= thr[b.label] for b in m.TP + m.FP + m.Confused)
        assert set(map(id, m.Confused)) <= set(map(id, m.FP))
    assert isinstance(suite, TestSuiteMetrics) and suite.threshold is None and suite.n_images == len(samples)
    aps = [m.mean_AP if isinstance(m, TestCaseMetrics) else m.AP for m in cases.values()]
    assert suite.mean_AP == pytest.approx(np.mean(aps))


@pytest.mark.parametrize("config", [ThresholdConfiguration(min_confidence_score=0.3),
                                    ThresholdConfiguration(threshold_strategy=0.5, multiclass=False)])
def test_single_class_equals_kolenas_rules(config):
    samples, gts, infs, groups = _suite(120, seed=5, classes=1 if config.multiclass is None else 3)
    per_sample, cases, plots, suite = _run(samples, gts, infs, groups, config)
    everything = _matches(gts, infs, range(len(samples)), config, False)
    if config.threshold_strategy == "F1-Optimal":
        scores, is_tp, n_gt = match_arrays(everything)
        thr = max(config.min_confidence_score, _ref_threshold(list(scores), list(is_tp), n_gt))
    else:
        thr = config.threshold_strategy
    for name, idx in groups.items():
        metrics = cases[name]
        assert isinstance(metrics, TestCaseMetricsSingleClass)
        scores, is_tp, n_gt = match_arrays(_matches(gts, infs, idx, config, False))
        tp, fp = int(((scores >= thr) & is_tp).sum()), int(((scores >= thr) & ~is_tp).sum())
        assert (metrics.TP, metrics.FP, metrics.FN, metrics.Objects) == (tp, fp, n_gt - tp, n_gt)
        assert metrics.F1 == pytest.approx(_f1(tp, fp, n_gt - tp))
        assert metrics.AP == pytest.approx(_ref_ap(list(scores), list(is_tp), n_gt))
        if len(idx):
            assert [p.title for p in plots[name]] == ["Precision vs. Recall", "F1-Score vs. Confidence Threshold"]
    assert all(isinstance(m, TestSampleMetricsSingleClass) and m.thresholds == thr
               for metrics in per_sample.values() for m in metrics)
    assert suite.threshold == thr


def test_confusion_matrix_and_confused_objects():
    box = lambda x, label: LabeledBoundingBox((x, 0), (x + 10, 10), label)  # noqa: E731
    det = lambda x, label, s: ScoredLabeledBoundingBox((x, 0), (x + 10, 10), label, s)  # noqa: E731
    samples = [TestSample(locator="a.jpg"), TestSample(locator="b.jpg")]
    gts = [GroundTruth(bboxes=[box(0, "cat"), box(20, "dog")]), GroundTruth(bboxes=[box(0, "dog")])]
    infs = [Inference(bboxes=[det(0, "cat", 0.9), det(20, "cat", 0.8)]), Inference(bboxes=[det(0, "dog", 0.7)])]
    config = ThresholdConfiguration(threshold_strategy=0.5)
    per_sample, cases, plots, _ = _run(samples, gts, infs, {"all": [0, 1]}, config)
    first = per_sample["all"][0]
    assert (first.count_TP, first.count_FP, first.count_FN, first.count_Confused) == (1, 1, 1, 1)
    assert first.Confused[0].label == "cat" and first.FN[0].label == "dog"
    assert [(t.label, t.score) for t in first.thresholds] == [("cat", 0.5)]
    matrix = [p for p in plots["all"] if isinstance(p, ConfusionMatrix)][0]
    assert matrix.labels == ["cat", "dog"] and np.asarray(matrix.matrix).tolist() == [[1, 0], [1, 1]]
    per_class = {c.Class: c for c in cases["all"].PerClass}
    assert (per_class["dog"].nImages, per_class["dog"].TP, per_class["dog"].FN) == (2, 1, 1)
    assert (per_class["cat"].TP, per_class["cat"].FP, per_class["cat"].AP) == (1, 1, 1.0)
    assert per_class["dog"].AP == pytest.approx(0.5)
    assert all(isinstance(p, (CurvePlot, ConfusionMatrix)) for p in plots["all"])


def test_average_precision_helpers():
    assert compute_average_precision([1.0, 0.5], [0.5, 1.0]) == pytest.approx(0.75)
    assert compute_average_precision([], []) == 0.0
    with pytest.raises(ValueError):
        compute_average_precision([1.0], [])
    samples, gts, infs, _ = _suite(60, seed=9, classes=1, ignored_images=0.0)
    matches = _matches(gts, infs, range(60), ThresholdConfiguration(), False)
    curve = compute_pr_curve(matches)
    scores, is_tp, n_gt = match_arrays(matches)
    assert len(set(curve.x)) == len(curve.x) and curve.x[-1] == 0.0
    assert compute_average_precision(curve.y, curve.x) == pytest.approx(compute_ap(scores, is_tp, n_gt))


def test_configuration_names_and_validation():
    default = "Confidence Threshold: F1-Optimal, IoU: 0.5, min confidence ≥ 0.0"
    assert ThresholdConfiguration().display_name() == default
    assert ThresholdConfiguration(0.3, 0.3, 0.2, False).display_name() == \
        "SingleClass, Confidence Threshold: 0.3, IoU: 0.3, min confidence ≥ 0.2"
    assert ThresholdConfiguration(threshold_strategy=1).threshold_strategy == 1.0
    with pytest.raises(InputValidationError):
        ThresholdConfiguration(threshold_strategy="best")
    assert GroundTruth(bboxes=[LabeledBoundingBox((0, 0), (1, 1), "a")] * 2).n_bboxes == 2
    with pytest.raises(InputValidationError):
        ObjectDetectionEvaluator([object()])  # type: ignore[list-item]
    evaluator = ObjectDetectionEvaluator()
    assert evaluator.configurations == [ThresholdConfiguration()]
    assert evaluator.display_name() == "ObjectDetectionEvaluator"
    with pytest.raises(InputValidationError):
        evaluator.compute_test_sample_metrics("case", [], object())  # type: ignore[arg-type]


def _counts_by_label(objs) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for o in objs:
        out[o.label] = out.get(o.label, 0) + 1
    return out


def test_sample_lists_partition_the_objects():
    samples, gts, infs, groups = _suite(80, seed=4)
    per_sample, _, _, _ = _run(samples, gts, infs, groups, ThresholdConfiguration(threshold_strategy=0.0))
    for m, g, inf in zip(per_sample["complete"], gts, infs):
        if inf.ignored:
            assert m.TP == m.FP == m.FN == [] and m.max_confidence_above_t is None
            continue
        assert m.count_TP + m.count_FN == len(g.bboxes)
        assert _counts_by_label(m.TP + m.FN) == _counts_by_label(g.bboxes)
        kept: List[float] = [b.score for b in m.TP + m.FP]
        assert m.max_confidence_above_t == (max(kept) if kept else None)


def test_each_test_case_is_evaluated_with_its_own_ground_truths():
    box = lambda x, label: LabeledBoundingBox((x, 0), (x + 10, 10), label)  # noqa: E731
    det = lambda x, label, s: ScoredLabeledBoundingBox((x, 0), (x + 10, 10), label, s)  # noqa: E731
    sample = TestSample(locator="a.jpg")
    inference = Inference(bboxes=[det(0, "car", 0.9), det(20, "bus", 0.8)])
    complete = GroundTruth(bboxes=[box(0, "car"), box(20, "bus")])
    cars = GroundTruth(bboxes=[box(0, "car")], ignored_bboxes=[box(20, "bus")])
    config = ThresholdConfiguration(threshold_strategy=0.5, multiclass=False)
    _, cases, _, suite = _data.evaluate_test_cases(ObjectDetectionEvaluator([config]), [
        ("complete", [(sample, complete, inference)]), ("cars", [(sample, cars, inference)])], config)
    assert (cases["complete"].TP, cases["complete"].FP, cases["complete"].FN) == (2, 0, 0)
    assert (cases["cars"].TP, cases["cars"].FP, cases["cars"].FN) == (1, 0, 0)  # the bus lands on an ignored box
    assert suite.n_images == 1 and suite.threshold == 0.5


def test_f1_optimal_thresholds_come_from_the_first_test_case_of_each_evaluation():
    samples, gts, infs, groups = _suite(120, seed=7, classes=1, ignored_images=0.0)
    config = ThresholdConfiguration()
    first, rest = groups["case0"], np.arange(len(samples))
    scores, is_tp, n_gt = match_arrays(_matches(gts, infs, first, config, False))
    expected = _ref_threshold(list(scores), list(is_tp), n_gt)
    everything = match_arrays(_matches(gts, infs, rest, config, False))
    assert expected != _ref_threshold(*map(list, everything[:2]), everything[2])  # the order matters here
    evaluator = ObjectDetectionEvaluator([config])
    per_sample, cases, _, suite = _run(samples, gts, infs, {"case0": first, "complete": rest}, config, evaluator)
    assert suite.threshold == expected
    assert all(m.thresholds == expected for metrics in per_sample.values() for m in metrics)
    tp = int(((everything[0] >= expected) & everything[1]).sum())
    assert cases["complete"].TP == tp
    # once the suite's metrics are computed, the same evaluator starts afresh (e.g. for another model)
    _, _, _, again = _run(samples, gts, infs, {"complete": rest, "case0": first}, config, evaluator)
    assert again.threshold == _ref_threshold(*map(list, everything[:2]), everything[2])
