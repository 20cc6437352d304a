"""``ObjectDetectionEvaluator``: the prebuilt detection workflow's evaluator, an ``Evaluator`` with Kolena's metrics
and rules.

Each test case is evaluated with its own ground truths (test cases may hold different ground truths for one image, e.g.
boxes moved to ``ignored_bboxes``). Per image (unless its inference is ``ignored``) inferences below
``min_confidence_score`` are dropped and the rest matched by Kolena's PASCAL rule: per label then label-blind in the
multiclass evaluation, label-blind otherwise. Unless the configuration says, a test case is evaluated multiclass when
its ground truths and inferences have two labels or more. AP is the all-point interpolated area under the
precision-recall curve, on every distinct score (Kolena samples at most 501 thresholds; see ``utils``).

Thresholds are fixed or F1-optimal (per label in the multiclass evaluation, the minimum confidence for a label without
matching results; label-blind, at least the minimum confidence). As in Kolena, F1-optimal thresholds are computed on
the first test case evaluated under a configuration (per kind of evaluation, multiclass or label-blind) and reused for
the suite's other test cases, so the suite's first test case should hold every sample. Unlike Kolena, which keeps them
for the evaluator's lifetime, they are forgotten once the suite's metrics are computed (or when a test case comes
again), so one evaluator can test several models and suites. A suite whose test cases were evaluated in both kinds has
the mean of their AP and mean AP and no threshold.
"""
from dataclasses import dataclass, field
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
from kolena_lab.errors import InputValidationError
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
from kolena_lab.workflow import Evaluator
from kolena_lab.workflow.annotation import ScoredLabel
from kolena_lab.workflow.plot import Plot

Matches = Union[InferenceMatches, MulticlassInferenceMatches]
Threshold = Callable[[str], float]
Triples = List[Tuple[Any, Any, Any]]
SampleMetrics = Union[TestSampleMetrics, TestSampleMetricsSingleClass]
CaseMetrics = Union[TestCaseMetrics, TestCaseMetricsSingleClass]


@dataclass
class _Case:
    """One test case's matching results (None for an ignored image) and the kind of its evaluation."""

    multiclass: bool
    matches: List[Optional[Matches]]
    locators: List[str]

    def kept(self) -> List[Any]:
        return [m for m in self.matches if m is not None]


@dataclass
class _Suite:
    """What the evaluation of one suite under one configuration holds: thresholds by kind, test cases by name."""

    thresholds: Dict[bool, Threshold] = field(default_factory=dict)
    cases: Dict[Any, _Case] = field(default_factory=dict)


class ObjectDetectionEvaluator(Evaluator):
    """Pass it to ``test(model, suite, ObjectDetectionEvaluator([ThresholdConfiguration(...), ...]))``; without
    configurations it uses ``ThresholdConfiguration()``. Works with any workflow whose ground truth has ``bboxes`` and
    ``ignored_bboxes`` and whose inference has ``bboxes`` and ``ignored`` (as the prebuilt workflow's types)."""

    def __init__(self, configurations: Optional[List[ThresholdConfiguration]] = None):
        configs = [ThresholdConfiguration()] if configurations is None else list(configurations)
        for i, c in enumerate(configs):
            if not isinstance(c, ThresholdConfiguration):
                raise InputValidationError(f"configurations[{i}] must be a ThresholdConfiguration, "
                                           f"got {type(c).__name__}")
        super().__init__(configs)  # type: ignore[arg-type]
        self._suites: Dict[str, _Suite] = {}  # by configuration display name

    def compute_test_sample_metrics(self, test_case: Any, inferences: Triples,
                                    configuration: Optional[ThresholdConfiguration] = None,
                                    ) -> List[Tuple[Any, SampleMetrics]]:
        config = self._configuration(configuration)
        suite = self._suites.setdefault(config.display_name(), _Suite())
        if _name(test_case) in suite.cases:  # a test case seen again: a new evaluation
            suite = self._suites[config.display_name()] = _Suite()
        multiclass = config.multiclass
        if multiclass is None:
            multiclass = len(_labels(inferences)) >= 2
        case = _Case(multiclass, [None if inf.ignored else _match(gt, inf, config, multiclass)
                                  for _, gt, inf in inferences], [ts.locator for ts, _, _ in inferences])
        suite.cases[_name(test_case)] = case
        if multiclass not in suite.thresholds:
            suite.thresholds[multiclass] = _thresholds(case.kept(), config, multiclass)
        threshold = suite.thresholds[multiclass]
        return [(ts, _sample_metrics(m, threshold, multiclass)) for (ts, _, _), m in zip(inferences, case.matches)]

    def compute_test_case_metrics(self, test_case: Any, inferences: Triples, metrics: List[SampleMetrics],
                                  configuration: Optional[ThresholdConfiguration] = None) -> CaseMetrics:
        case, threshold = self._case(test_case, inferences, configuration)
        if case.multiclass:
            ignored = sum(1 for m in case.matches if m is None)
            return _case_metrics(case.kept(), sorted(_labels(inferences)), threshold, ignored)
        return _case_metrics_single_class(metrics, case.kept())

    def compute_test_case_plots(self, test_case: Any, inferences: Triples, metrics: List[SampleMetrics],
                                configuration: Optional[ThresholdConfiguration] = None) -> Optional[List[Plot]]:
        case, threshold = self._case(test_case, inferences, configuration)
        kept = case.kept()
        if case.multiclass:
            plots = [compute_f1_plot_multiclass(kept), compute_pr_plot_multiclass(kept),
                     compute_confusion_matrix_plot(_above_threshold(kept, threshold))]
        else:
            plots = [compute_pr_plot(kept), compute_f1_plot(kept)]
        return [p for p in plots if p is not None]

    def compute_test_suite_metrics(self, test_suite: Any, metrics: List[Tuple[Any, CaseMetrics]],
                                   configuration: Optional[ThresholdConfiguration] = None) -> TestSuiteMetrics:
        config = self._configuration(configuration)
        suite = self._suites.pop(config.display_name(), _Suite())
        cases = [suite.cases.get(_name(test_case)) for test_case, _ in metrics]
        locators = {locator for case in cases if case is not None for locator in case.locators}
        aps = [m.mean_AP if isinstance(m, TestCaseMetrics) else m.AP for _, m in metrics]
        label_blind = bool(metrics) and all(isinstance(m, TestCaseMetricsSingleClass) for _, m in metrics)
        threshold = suite.thresholds.get(False) if label_blind else None
        return TestSuiteMetrics(n_images=len(locators), mean_AP=_mean(aps),
                                threshold=None if threshold is None else threshold(""))

    def _configuration(self, configuration: Optional[ThresholdConfiguration]) -> ThresholdConfiguration:
        if configuration is None:
            return self.configurations[0]  # type: ignore[return-value]
        if not isinstance(configuration, ThresholdConfiguration):
            raise InputValidationError(f"'configuration' must be a ThresholdConfiguration, "
                                       f"got {type(configuration).__name__}")
        return configuration

    def _case(self, test_case: Any, inferences: Triples,
              configuration: Optional[ThresholdConfiguration]) -> Tuple[_Case, Threshold]:
        """The test case's matching results and thresholds, computed now if its sample metrics were not."""
        config = self._configuration(configuration)
        suite = self._suites.get(config.display_name())
        if suite is None or _name(test_case) not in suite.cases:
            self.compute_test_sample_metrics(test_case, inferences, config)
            suite = self._suites[config.display_name()]
        case = suite.cases[_name(test_case)]
        return case, suite.thresholds[case.multiclass]


def _name(test_case: Any) -> Any:
    return getattr(test_case, "name", test_case)


def _labels(inferences: Triples) -> set:
    """The labels of the ground truths and (unfiltered) inferences of a test case."""
    return ({b.label for _, gt, _ in inferences for b in gt.bboxes}
            | {b.label for _, _, inf in inferences for b in inf.bboxes})


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
                    multiclass: bool) -> SampleMetrics:
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
