"""Regression of one number per sample: errors computed once per sample, MAE / MSE / RMSE / R² per test case
(equal to scikit-learn's on its samples), error histograms on bins shared by every test case of the suite."""
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence

import numpy as np

from kolena_lab.errors import InputValidationError
from kolena_lab.evaluators._common import ReadyEvaluator, case_masks, curve, first_type
from kolena_lab.workflow.directions import higher, lower, neutral
from kolena_lab.evaluators._fields import describe, find_field, is_number
from kolena_lab.metrics import mean_absolute_error, mean_squared_error, r2_score, root_mean_squared_error
from kolena_lab.workflow.evaluator import EvaluatorConfiguration, MetricsTestCase, MetricsTestSample, MetricsTestSuite
from kolena_lab.workflow.evaluator_function import EvaluationResults, TestCases
from kolena_lab.workflow.plot import CurvePlot, Histogram, Plot

_BINS = 20


@dataclass(frozen=True)
class RegressionConfiguration(EvaluatorConfiguration):
    """``tolerance``: when set, the share of samples whose absolute error is at most this is reported."""

    tolerance: Optional[float] = None

    def __post_init__(self) -> None:
        if self.tolerance is not None and (isinstance(self.tolerance, bool) or not isinstance(
                self.tolerance, (int, float)) or not np.isfinite(self.tolerance) or self.tolerance < 0):
            raise InputValidationError(f"'tolerance' must be None or a non-negative number, got {self.tolerance!r}")

    def display_name(self) -> str:
        return "errors" if self.tolerance is None else f"tolerance={self.tolerance:g}"


@dataclass(frozen=True)
class RegressionSampleMetrics(MetricsTestSample):
    """``error`` is predicted minus true."""

    error: float = neutral()
    absolute_error: float = lower(headline=1)
    squared_error: float = lower()
    within_tolerance: Optional[bool] = higher()


@dataclass(frozen=True)
class RegressionTestCaseMetrics(MetricsTestCase):
    """A test case's error summary; ``r2`` is NaN below two samples."""

    n_samples: int = neutral()
    mean_error: float = neutral()
    mae: float = lower(headline=1)
    mse: float = lower()
    rmse: float = lower(headline=2)
    r2: float = higher()
    within_tolerance: Optional[float] = higher()


@dataclass(frozen=True)
class RegressionTestSuiteMetrics(MetricsTestSuite):
    """The suite's unique samples taken together."""

    n_samples: int = neutral()
    mean_error: float = neutral()
    mae: float = lower(headline=1)
    mse: float = lower()
    rmse: float = lower(headline=2)
    r2: float = higher()
    within_tolerance: Optional[float] = higher()


class RegressionEvaluator(ReadyEvaluator):
    """Regression evaluator: ``RegressionEvaluator(configurations, ground_truth=..., inference=...)`` passed to
    ``test(model, suite, evaluator)``; fields default to the first ``float`` / ``int`` field of each type."""

    configuration_type = RegressionConfiguration

    def __init__(self, configurations: Optional[Sequence[RegressionConfiguration]] = None, *,
                 ground_truth: Optional[str] = None, inference: Optional[str] = None, name: Optional[str] = None):
        super().__init__(configurations, name=name)
        self.ground_truth, self.inference = ground_truth, inference

    def _evaluate(self, test_samples: List[Any], ground_truths: List[Any], inferences: List[Any],
                  test_cases: TestCases, configuration: RegressionConfiguration) -> EvaluationResults:
        gt_field = find_field(first_type(ground_truths, "ground truth", test_samples), self.ground_truth, is_number,
                              role="ground truth", expected="float or int", parameter="ground_truth")
        inf_field = find_field(first_type(inferences, "inference", test_samples), self.inference, is_number,
                               role="inference", expected="float or int", parameter="inference")
        y_true = _values(ground_truths, gt_field, test_samples, "ground truth")
        y_pred = _values(inferences, inf_field, test_samples, "inference")
        error = y_pred - y_true
        tol = configuration.tolerance
        within = None if tol is None else np.abs(error) <= tol
        sample_metrics = [(s, RegressionSampleMetrics(
            error=float(e), absolute_error=float(abs(e)), squared_error=float(e * e),
            within_tolerance=None if within is None else bool(within[i])))
            for i, (s, e) in enumerate(zip(test_samples, error))]
        edges = _edges(error)
        case_metrics, case_plots = [], []
        for test_case, mask in case_masks(test_cases, test_samples):
            case_metrics.append((test_case, _aggregate(y_true[mask], y_pred[mask], within, mask)))
            case_plots.append((test_case, _plots(error[mask], edges) if mask.any() else []))
        whole = _aggregate(y_true, y_pred, within, np.ones(len(y_true), dtype=bool))
        suite = RegressionTestSuiteMetrics(**{k: getattr(whole, k) for k in (
            "n_samples", "mean_error", "mae", "mse", "rmse", "r2", "within_tolerance")})
        return EvaluationResults(sample_metrics, case_metrics, case_plots, suite)


def _values(objects: List[Any], field: str, samples: List[Any], role: str) -> np.ndarray:
    out = np.empty(len(objects))
    for i, (obj, sample) in enumerate(zip(objects, samples)):
        value = None if obj is None else getattr(obj, field, None)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value):
            raise InputValidationError(f"{role} field '{field}' of test sample {describe(sample)} must be a finite "
                                       f"number, got {value!r}")
        out[i] = value
    return out


def _aggregate(y_true: np.ndarray, y_pred: np.ndarray, within: Optional[np.ndarray],
               mask: np.ndarray) -> RegressionTestCaseMetrics:
    n = len(y_true)
    return RegressionTestCaseMetrics(
        n_samples=n, mean_error=float(np.mean(y_pred - y_true)) if n else 0.0,
        mae=mean_absolute_error(y_true, y_pred), mse=mean_squared_error(y_true, y_pred),
        rmse=root_mean_squared_error(y_true, y_pred), r2=r2_score(y_true, y_pred),
        within_tolerance=None if within is None else (float(within[mask].mean()) if n else 0.0))


def _edges(error: np.ndarray) -> np.ndarray:
    """Histogram bins over the suite's error range, so every test case's histogram shares them."""
    lo, hi = (float(error.min()), float(error.max())) if len(error) else (0.0, 0.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, _BINS + 1)


def _plots(error: np.ndarray, edges: np.ndarray) -> List[Plot]:
    counts = np.histogram(np.clip(error, edges[0], edges[-1]), bins=edges)[0]
    absolute = np.sort(np.abs(error))
    share = np.arange(1, len(absolute) + 1) / len(absolute)
    return [
        Histogram(title="Error (predicted - true)", x_label="Error", y_label="Samples", buckets=edges,
                  frequency=counts),
        CurvePlot(title="Cumulative Absolute Error", x_label="Absolute Error", y_label="Share of Samples",
                  curves=[curve(absolute, share)]),
    ]
