"""Keypoints: normalised mean error (NME) once per sample, then mean / median NME, failure rate and the area under
the cumulative error curve per test case, with a row per keypoint. A sample without predicted keypoints counts as a
failure and is left out of the NME means."""
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from kolena_lab.errors import InputValidationError
from kolena_lab.evaluators._common import ReadyEvaluator, case_masks, curve, first_type
from kolena_lab.workflow.directions import higher, lower, neutral
from kolena_lab.evaluators._fields import describe, find_field, is_number, subclass_of
from kolena_lab.metrics import failure_rate, failure_rate_curve, nme
from kolena_lab.workflow.annotation import Keypoints
from kolena_lab.workflow.evaluator import EvaluatorConfiguration, MetricsTestCase, MetricsTestSample, MetricsTestSuite
from kolena_lab.workflow.evaluator_function import EvaluationResults, TestCases
from kolena_lab.workflow.plot import BarPlot, CurvePlot, Histogram, Plot

NORMALIZATIONS = ("interocular", "box", "none")
_BINS = 20


@dataclass(frozen=True)
class KeypointsConfiguration(EvaluatorConfiguration):
    """``nme_threshold``: a sample fails when its NME exceeds it; the cumulative error curve runs from 0 to it."""

    nme_threshold: float = 0.1

    def __post_init__(self) -> None:
        if isinstance(self.nme_threshold, bool) or not isinstance(self.nme_threshold, (int, float)) \
                or not 0 < self.nme_threshold < np.inf:
            raise InputValidationError(f"'nme_threshold' must be a positive number, got {self.nme_threshold!r}")

    def display_name(self) -> str:
        return f"NME threshold={self.nme_threshold:g}"


@dataclass(frozen=True)
class KeypointsSampleMetrics(MetricsTestSample):
    """``nme`` is None when the inference has no keypoints."""

    nme: Optional[float] = lower(headline=1)
    failed: bool = lower()
    normalization: float = neutral()


@dataclass(frozen=True)
class KeypointMetrics(MetricsTestCase):
    """One keypoint (by index) over a test case: its mean normalised distance and how often it exceeds the
    threshold."""

    keypoint: str
    mean_nme: float = lower(headline=1)
    failure_rate: float = lower()


@dataclass(frozen=True)
class KeypointsTestCaseMetrics(MetricsTestCase):
    """A test case; ``auc`` is the normalised area under the cumulative error curve up to the threshold."""

    n_samples: int = neutral()
    n_missing: int = lower()
    mean_nme: float = lower(headline=1)
    median_nme: float = lower()
    failure_rate: float = lower(headline=2)
    auc: float = higher()
    per_keypoint: List[KeypointMetrics]


@dataclass(frozen=True)
class KeypointsTestSuiteMetrics(MetricsTestSuite):
    """The suite's unique samples taken together."""

    n_samples: int = neutral()
    n_missing: int = lower()
    mean_nme: float = lower(headline=1)
    median_nme: float = lower()
    failure_rate: float = lower(headline=2)
    auc: float = higher()


class KeypointsEvaluator(ReadyEvaluator):
    """Keypoints evaluator: ``KeypointsEvaluator(configurations, normalization="interocular", reference_points=(0,
    1))`` passed to ``test(model, suite, evaluator)``. ``normalization``: "interocular" (distance between the two
    ``reference_points`` of the ground truth), "box" (square root of the area of the ground-truth keypoints' bounding
    box), "none" (pixels), or the name of a number field of the ground truth. Fields default to the first
    ``Keypoints`` field of each type."""

    configuration_type = KeypointsConfiguration

    def __init__(self, configurations: Optional[Sequence[KeypointsConfiguration]] = None, *,
                 ground_truth: Optional[str] = None, inference: Optional[str] = None,
                 normalization: str = "interocular", reference_points: Tuple[int, int] = (0, 1),
                 name: Optional[str] = None):
        super().__init__(configurations, name=name)
        if not isinstance(normalization, str) or not normalization:
            raise InputValidationError(f"'normalization' must be one of {NORMALIZATIONS} or a ground-truth field "
                                       f"name, got {normalization!r}")
        if len(tuple(reference_points)) != 2 or not all(isinstance(i, int) and i >= 0 for i in reference_points) \
                or reference_points[0] == reference_points[1]:
            raise InputValidationError(f"'reference_points' must be two distinct keypoint indices, "
                                       f"got {reference_points!r}")
        self.ground_truth, self.inference = ground_truth, inference
        self.normalization, self.reference_points = normalization, tuple(reference_points)

    def _evaluate(self, test_samples: List[Any], ground_truths: List[Any], inferences: List[Any],
                  test_cases: TestCases, configuration: KeypointsConfiguration) -> EvaluationResults:
        gt_type = first_type(ground_truths, "ground truth", test_samples)
        gt_field = find_field(gt_type, self.ground_truth, subclass_of(Keypoints), role="ground truth",
                              expected="Keypoints", parameter="ground_truth")
        inf_field = find_field(first_type(inferences, "inference", test_samples), self.inference,
                               subclass_of(Keypoints), role="inference", expected="Keypoints", parameter="inference")
        norm_field = None
        if self.normalization not in NORMALIZATIONS:
            norm_field = find_field(gt_type, self.normalization, is_number, role="ground truth", expected="float",
                                    parameter="normalization")
        gt_pts, pred_pts, present = _points(test_samples, ground_truths, inferences, gt_field, inf_field)
        norm = self._normalization(test_samples, ground_truths, gt_pts, norm_field)
        thr = configuration.nme_threshold
        n, k = gt_pts.shape[:2]
        per_point = np.full((n, k), np.nan)
        nmes = np.full(n, np.nan)
        if present.any():
            nmes[present] = nme(gt_pts[present], pred_pts[present], norm[present])
            for j in range(k):
                per_point[present, j] = nme(gt_pts[present, j:j + 1], pred_pts[present, j:j + 1], norm[present])
        failed = ~present | (np.nan_to_num(nmes, nan=np.inf) > thr)
        sample_metrics = [(s, KeypointsSampleMetrics(nme=None if not present[i] else float(nmes[i]),
                                                     failed=bool(failed[i]), normalization=float(norm[i])))
                          for i, s in enumerate(test_samples)]
        case_metrics, case_plots = [], []
        for test_case, mask in case_masks(test_cases, test_samples):
            case_metrics.append((test_case, _aggregate(nmes[mask], present[mask], per_point[mask], thr)))
            case_plots.append((test_case, _plots(nmes[mask], present[mask], per_point[mask], thr)
                               if mask.any() else []))
        whole = _aggregate(nmes, present, per_point, thr)
        suite = KeypointsTestSuiteMetrics(n_samples=whole.n_samples, n_missing=whole.n_missing,
                                          mean_nme=whole.mean_nme, median_nme=whole.median_nme,
                                          failure_rate=whole.failure_rate, auc=whole.auc)
        return EvaluationResults(sample_metrics, case_metrics, case_plots, suite)

    def _normalization(self, samples: List[Any], gts: List[Any], points: np.ndarray,
                       field: Optional[str]) -> np.ndarray:
        if field is not None:
            norm = np.array([float(getattr(g, field) if getattr(g, field) is not None else np.nan) for g in gts])
        elif self.normalization == "interocular":
            a, b = self.reference_points
            if max(a, b) >= points.shape[1]:
                raise InputValidationError(f"'reference_points' {self.reference_points} must index the "
                                           f"{points.shape[1]} ground-truth keypoints")
            norm = np.linalg.norm(points[:, a] - points[:, b], axis=1)
        elif self.normalization == "box":
            extent = points.max(axis=1) - points.min(axis=1)
            norm = np.sqrt(extent[:, 0] * extent[:, 1])
        else:
            norm = np.ones(len(points))
        bad = ~(np.isfinite(norm) & (norm > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputValidationError(f"test sample {describe(samples[i])}: the '{self.normalization}' "
                                       f"normalization is {float(norm[i])!r}; it must be a positive number")
        return norm


def _points(samples: List[Any], gts: List[Any], infs: List[Any], gt_field: str,
            inf_field: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(ground truths (N, K, 2), predictions (N, K, 2), present (N,))``; every sample must have K keypoints."""
    gt_list, pred_list, present = [], [], []
    size = None
    for sample, gt, inf in zip(samples, gts, infs):
        g = None if gt is None else getattr(gt, gt_field, None)
        if g is None:
            raise InputValidationError(f"test sample {describe(sample)} has no ground-truth keypoints "
                                       f"('{gt_field}')")
        pts = np.asarray(g.points, dtype=np.float64).reshape(-1, 2)
        size = len(pts) if size is None else size
        if len(pts) != size:
            raise InputValidationError(f"test sample {describe(sample)} has {len(pts)} ground-truth keypoints; "
                                       f"the others have {size}")
        p = None if inf is None else getattr(inf, inf_field, None)
        pred = pts * np.nan if p is None else np.asarray(p.points, dtype=np.float64).reshape(-1, 2)
        if len(pred) != size:
            raise InputValidationError(f"test sample {describe(sample)}: inference '{inf_field}' has {len(pred)} "
                                       f"keypoints, the ground truth {size}")
        gt_list.append(pts)
        pred_list.append(pred)
        present.append(p is not None)
    size = size or 0
    return (np.array(gt_list).reshape(-1, size, 2), np.array(pred_list).reshape(-1, size, 2),
            np.array(present, dtype=bool))


def _aggregate(nmes: np.ndarray, present: np.ndarray, per_point: np.ndarray,
               thr: float) -> KeypointsTestCaseMetrics:
    n, valid = len(nmes), nmes[present]
    share = len(valid) / n if n else 0.0
    rate = (n - len(valid) + failure_rate(valid, thr) * len(valid)) / n if n else 0.0
    auc = failure_rate_curve(valid, max_threshold=thr).auc * share
    rows = [KeypointMetrics(keypoint=str(j), mean_nme=float(per_point[present, j].mean()) if len(valid) else 0.0,
                            failure_rate=failure_rate(per_point[present, j], thr)) for j in range(per_point.shape[1])]
    return KeypointsTestCaseMetrics(
        n_samples=n, n_missing=n - len(valid), mean_nme=float(valid.mean()) if len(valid) else 0.0,
        median_nme=float(np.median(valid)) if len(valid) else 0.0, failure_rate=float(rate), auc=float(auc),
        per_keypoint=rows if n else [])


def _plots(nmes: np.ndarray, present: np.ndarray, per_point: np.ndarray, thr: float) -> List[Plot]:
    valid = nmes[present]
    edges = np.linspace(0.0, 2 * thr, _BINS + 1)
    plots: List[Plot] = [Histogram(title="NME (values above the range in the last bucket)", x_label="NME",
                                   y_label="Samples", buckets=edges,
                                   frequency=np.histogram(np.clip(valid, 0, edges[-1]), bins=edges)[0])]
    ced = failure_rate_curve(valid, max_threshold=thr)
    share = len(valid) / len(nmes)
    plots.append(CurvePlot(title="Cumulative Error Distribution", x_label="NME", y_label="Share of Samples",
                           curves=[curve(ced.thresholds, (1 - ced.failure_rate) * share)]))
    if per_point.shape[1] and len(valid):
        plots.append(BarPlot(title="Mean NME per Keypoint", x_label="Keypoint", y_label="Mean NME",
                             labels=[str(j) for j in range(per_point.shape[1])],
                             values=per_point[present].mean(axis=0)))
    return plots
