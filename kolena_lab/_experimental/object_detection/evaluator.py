"""``ObjectDetectionEvaluator``: the prebuilt detection workflow's evaluator, with Kolena's metrics and rules.

Per image (unless its inference is ``ignored``) inferences below ``min_confidence_score`` are dropped and the rest
matched by Kolena's PASCAL rule (per label then label-blind in the multiclass evaluation, label-blind otherwise).
Thresholds are fixed or F1-optimal (per label in the multiclass evaluation); AP is the all-point interpolated area
under the precision-recall curve. Two deliberate differences: F1-optimal thresholds are computed on the whole suite
(Kolena uses the first test case, which it requires to hold every sample), and the multiclass evaluation is chosen
once for the suite (two labels or more among its ground truths and inferences) rather than per test case.
"""
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from kolena_lab._experimental.object_detection.utils import (
    compute_average_precision,
    compute_confusion_matrix_plot,
    compute_f1_plot,
    compute_f1_plot_multiclass,
    compute_optimal_f1_threshold,
    compute_optimal_f1_threshold_multiclass,
    compute_pr_curve,
    compute_pr_plot,
    compute_pr_plot_multiclass,
    filter_inferences,
)
from kolena_lab._experimental.object_detection.workflow import (
    F1_OPTIMAL,
    ClassMetricsPerTestCase,
    TestCaseMetrics,
    TestCaseMetricsSingleClass,
    TestSampleMetrics,
    TestSampleMetricsSingleClass,
    TestSuiteMetrics,
    ThresholdConfiguration,
)
from kolena_lab.evaluators import ReadyEvaluator
from kolena_lab.metrics import (
    InferenceMatches,
    MulticlassInferenceMatches,
    f1_score,
    match_arrays,
    match_inferences,
    match_inferences_multiclass,
    precision,
    recall,
)
from kolena_lab.workflow import EvaluationResults, TestCases
from kolena_lab.workflow.annotation import ScoredLabel
from kolena_lab.workflow.plot import Plot

Matches = Union[InferenceMatches, MulticlassInferenceMatches]
Threshold = Callable[[str], float]


class ObjectDetectionEvaluator(ReadyEvaluator):
    """Pass it to ``test(model, suite, ObjectDetectionEvaluator([ThresholdConfiguration(...), ...]))``; without
    configurations it uses ``ThresholdConfiguration()``. Works with any workflow whose ground truth has ``bboxes`` and
    ``ignored_bboxes`` and whose inference has ``bboxes`` and ``ignored`` (as the prebuilt workflow's types)."""

    configuration_type = ThresholdConfiguration

    def _evaluate(self, test_samples: List[Any], ground_truths: List[Any], inferences: List[Any],
                  test_cases: TestCases, configuration: ThresholdConfiguration) -> EvaluationResults:
        config = configuration
        multiclass = config.multiclass
        if multiclass is None:
            multiclass = len(set().union(*_labels(ground_truths, inferences, range(len(test_samples))))) >= 2
        matches = [None if inf.ignored else _match(gt, inf, config, multiclass)
                   for gt, inf in zip(ground_truths, inferences)]
        kept = [m for m in matches if m is not None]
        threshold = _thresholds(kept, config, multiclass)
        sample_metrics = [_sample_metrics(m, threshold, multiclass) for m in matches]
        case_metrics, case_plots = [], []
        for test_case, idx in test_cases.indices(test_samples):
            case_matches = [matches[i] for i in idx if matches[i] is not None]
            ignored = sum(1 for i in idx if matches[i] is None)
            if multiclass:
                labels = sorted(set().union(*_labels(ground_truths, inferences, idx)))
                metrics: Any = _case_metrics(case_matches, labels, threshold, ignored)
                plots = [compute_f1_plot_multiclass(case_matches), compute_pr_plot_multiclass(case_matches),
                         compute_confusion_matrix_plot(_above_threshold(case_matches, threshold))]
            else:
                metrics = _case_metrics_single_class([sample_metrics[i] for i in idx], case_matches)
                plots = [compute_pr_plot(case_matches), compute_f1_plot(case_matches)]
            case_metrics.append((test_case, metrics))
            case_plots.append((test_case, [p for p in plots if p is not None]))
        locators = {test_samples[i].locator for _, idx in test_cases.indices(test_samples) for i in idx}
        aps = [m.mean_AP if multiclass else m.AP for _, m in case_metrics]
        suite = TestSuiteMetrics(n_images=len(locators), mean_AP=float(np.mean(aps)) if aps else 0.0,
                                 threshold=None if multiclass else threshold(""))
        return EvaluationResults([(s, m) for s, m in zip(test_samples, sample_metrics)], case_metrics, case_plots,
                                 suite)


def _labels(ground_truths: List[Any], inferences: List[Any], idx: Sequence[int]) -> List[set]:
    """Per image of ``idx``: the labels of its ground truths and (unfiltered) inferences."""
    return [{b.label for b in ground_truths[i].bboxes} | {b.label for b in inferences[i].bboxes} for i in idx]


def _match(gt: Any, inf: Any, config: ThresholdConfiguration, multiclass: bool) -> Matches:
    match = match_inferences_multiclass if multiclass else match_inferences
    return match(gt.bboxes, filter_inferences(inf.bboxes, confidence_score=config.min_confidence_score),
                 ignored_ground_truths=gt.ignored_bboxes, mode="pascal", iou_threshold=config.iou_threshold)


def _thresholds(matches: List[Matches], config: ThresholdConfiguration, multiclass: bool) -> Threshold:
    """The confidence threshold of a label: fixed; F1-optimal per label (the minimum confidence for a label without
    matching results); or, labels disregarded, F1-optimal and at least the minimum confidence."""
    if config.threshold_strategy != F1_OPTIMAL:
        fixed = float(config.threshold_strategy)
        return lambda label: fixed
    if multiclass:
        per_label = compute_optimal_f1_threshold_multiclass(matches)  # type: ignore[arg-type]
        return lambda label: per_label.get(label, config.min_confidence_score)
    single = max(config.min_confidence_score, compute_optimal_f1_threshold(matches))
    return lambda label: single


def _sample_metrics(m: Optional[Matches], threshold: Threshold,
                    multiclass: bool) -> Union[TestSampleMetrics, TestSampleMetricsSingleClass]:
    if m is None:
        common: Dict[str, Any] = dict(TP=[], FP=[], FN=[], count_TP=0, count_FP=0, count_FN=0, has_TP=False,
                                      has_FP=False, has_FN=False, ignored=True, max_confidence_above_t=None,
                                      min_confidence_above_t=None)
        if multiclass:
            return TestSampleMetrics(**common, Confused=[], count_Confused=0, has_Confused=False, thresholds=[])
        return TestSampleMetricsSingleClass(**common, thresholds=threshold(""))
    tp = [inf for _, inf in m.matched if inf.score >= threshold(inf.label)]
    fp = [inf for inf in m.unmatched_inf if inf.score >= threshold(inf.label)]
    missed = [item[0] for item in m.unmatched_gt] if multiclass else list(m.unmatched_gt)
    fn = missed + [gt for gt, inf in m.matched if inf.score < threshold(inf.label)]
    scores = [inf.score for inf in tp + fp]
    common = dict(TP=tp, FP=fp, FN=fn, count_TP=len(tp), count_FP=len(fp), count_FN=len(fn), has_TP=bool(tp),
                  has_FP=bool(fp), has_FN=bool(fn), ignored=False,
                  max_confidence_above_t=max(scores) if scores else None,
                  min_confidence_above_t=min(scores) if scores else None)
    if not multiclass:
        return TestSampleMetricsSingleClass(**common, thresholds=threshold(""))
    confused = [inf for _, inf in m.unmatched_gt if inf is not None and inf.score >= threshold(inf.label)]
    labels = sorted({inf.label for _, inf in m.matched} | {inf.label for inf in m.unmatched_inf})
    return TestSampleMetrics(**common, Confused=confused, count_Confused=len(confused), has_Confused=bool(confused),
                             thresholds=[ScoredLabel(label=label, score=threshold(label)) for label in labels])


def _counts(scores: np.ndarray, is_tp: np.ndarray, n_gt: int, threshold: float) -> Tuple[int, int, int]:
    """``(TP, FP, FN)`` at ``threshold``: a matched ground truth whose inference is below it is missed."""
    above = scores >= threshold
    tp = int((above & is_tp).sum())
    return tp, int((above & ~is_tp).sum()), n_gt - tp


def _average_precision(matches: Sequence[Matches]) -> float:
    curve = compute_pr_curve(matches)
    return 0.0 if curve is None else compute_average_precision(curve.y, curve.x)


def _class_metrics(matches: List[MulticlassInferenceMatches], label: str, threshold: float) -> ClassMetricsPerTestCase:
    scores, is_tp, n_gt = match_arrays(matches, label)
    tp, fp, fn = _counts(scores, is_tp, n_gt, threshold)
    images = sum(1 for m in matches if any(gt.label == label for gt, _ in m.matched)
                 or any(gt.label == label for gt, _ in m.unmatched_gt))
    own = [MulticlassInferenceMatches([(g, i) for g, i in m.matched if g.label == label],
                                      [(g, i) for g, i in m.unmatched_gt if g.label == label],
                                      [i for i in m.unmatched_inf if i.label == label]) for m in matches]
    return ClassMetricsPerTestCase(
        Class=label, nImages=images, Threshold=threshold, Objects=tp + fn, Inferences=tp + fp, TP=tp, FN=fn, FP=fp,
        Precision=precision(tp, fp), Recall=recall(tp, fn), F1=f1_score(tp, fp, fn), AP=_average_precision(own))


def _mean(values: List[float]) -> float:
    return float(np.mean(values)) if values else 0.0


def _case_metrics(matches: List[MulticlassInferenceMatches], labels: List[str], threshold: Threshold,
                  ignored: int) -> TestCaseMetrics:
    per_class = [_class_metrics(matches, label, threshold(label)) for label in labels]
    tp, fp, fn = (sum(getattr(c, name) for c in per_class) for name in ("TP", "FP", "FN"))
    return TestCaseMetrics(
        PerClass=per_class, Objects=tp + fn, Inferences=tp + fp, TP=tp, FN=fn, FP=fp, nIgnored=ignored,
        macro_Precision=_mean([c.Precision for c in per_class]), macro_Recall=_mean([c.Recall for c in per_class]),
        macro_F1=_mean([c.F1 for c in per_class]), mean_AP=_mean([c.AP for c in per_class]),
        micro_Precision=precision(tp, fp), micro_Recall=recall(tp, fn), micro_F1=f1_score(tp, fp, fn))


def _case_metrics_single_class(metrics: List[Any], matches: List[InferenceMatches]) -> TestCaseMetricsSingleClass:
    tp, fp, fn = (sum(getattr(m, name) for m in metrics) for name in ("count_TP", "count_FP", "count_FN"))
    return TestCaseMetricsSingleClass(
        Objects=tp + fn, Inferences=tp + fp, TP=tp, FN=fn, FP=fp, nIgnored=sum(1 for m in metrics if m.ignored),
        Precision=precision(tp, fp), Recall=recall(tp, fn), F1=f1_score(tp, fp, fn),
        AP=_average_precision(matches))


def _above_threshold(matches: List[MulticlassInferenceMatches], threshold: Threshold) -> List[Any]:
    """The matched and confused pairs whose inference is at its label's threshold: the confusion matrix's input."""
    return [MulticlassInferenceMatches(
        [(g, i) for m in matches for g, i in m.matched if i.score >= threshold(i.label)],
        [(g, i) for m in matches for g, i in m.unmatched_gt if i is not None and i.score >= threshold(i.label)],
        [])]


__all__ = ["ObjectDetectionEvaluator"]
