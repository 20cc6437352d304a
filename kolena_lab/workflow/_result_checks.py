"""Checking what an evaluator returns before anything of it is stored; errors name the evaluator and what is wrong."""
from typing import Any, Dict, List, Optional, Sequence, Tuple

from kolena_lab.errors import DuplicateDatapointIdError, InputValidationError, shown

from kolena_lab.workflow.evaluator import MetricsTestCase, MetricsTestSample, MetricsTestSuite
from kolena_lab.workflow.evaluator_function import EvaluationResults
from kolena_lab.workflow.plot import Plot
from kolena_lab.workflow.test_sample import TestSample, sample_label


def _got(value: Any) -> str:
    return "None" if value is None else f"{type(value).__name__} {shown(value)}"


def _pairs(value: Any, what: str, where: str) -> List[Tuple[Any, Any]]:
    if value is None or isinstance(value, (dict, str, bytes)) or not hasattr(value, "__iter__"):
        raise InputValidationError(f"{where} must be a list of ({what}) pairs, got {_got(value)}")
    pairs = list(value)
    for i, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InputValidationError(f"{where}[{i}] must be a ({what}) pair, got {_got(pair)}")
    return pairs


def _metrics(value: Any, cls: type, where: str) -> None:
    if not isinstance(value, cls):
        raise InputValidationError(f"{where} must be a {cls.__name__}, got {_got(value)}")


def sample_metrics(value: Any, where: str) -> List[Tuple[TestSample, MetricsTestSample]]:
    """``(test sample, MetricsTestSample)`` pairs, as a list."""
    pairs = _pairs(value, "test sample, MetricsTestSample", where)
    for i, (sample, metrics) in enumerate(pairs):
        if not isinstance(sample, TestSample):
            raise InputValidationError(f"{where}[{i}] must pair a test sample with its metrics, got {_got(sample)}")
        _metrics(metrics, MetricsTestSample,
                 f"{where}[{i}] (metrics of test sample {shown(sample_label(sample))})")
    return pairs


def sample_coverage(ids: Sequence[int], samples: Sequence[TestSample], expected: Dict[int, TestSample],
                    where: str) -> None:
    """Every expected sample has exactly one row of metrics: none twice (``DuplicateDatapointIdError``), none
    missing."""
    seen: Dict[int, int] = {}
    for position, sample_id in enumerate(ids):
        if sample_id in seen:
            raise DuplicateDatapointIdError(f"{where} holds test sample {shown(sample_label(samples[position]))} "
                                            f"twice (items {seen[sample_id]} and {position})")
        seen[sample_id] = position
    missing = [sample for sample_id, sample in expected.items() if sample_id not in seen]
    if missing:
        raise InputValidationError(f"{where} holds metrics for {len(seen)} of {len(expected)} test samples; missing "
                                   f"e.g. {shown(sample_label(missing[0]))}")


def case_metrics(value: Any, where: str) -> MetricsTestCase:
    """A ``MetricsTestCase`` (not None, not another metrics type)."""
    _metrics(value, MetricsTestCase, where)
    return value


def plots(value: Any, where: str) -> List[Plot]:
    """A list of plots; None is no plot."""
    if value is None:
        return []
    if isinstance(value, (dict, str, bytes, Plot)) or not hasattr(value, "__iter__"):
        raise InputValidationError(f"{where} must be a list of plots, got {_got(value)}")
    out = list(value)
    for i, plot in enumerate(out):
        if not isinstance(plot, Plot):
            raise InputValidationError(f"{where}[{i}] must be a plot (CurvePlot, Histogram, ...), got {_got(plot)}")
    return out


def suite_metrics(value: Any, where: str) -> Optional[MetricsTestSuite]:
    """A ``MetricsTestSuite`` or None."""
    if value is not None:
        _metrics(value, MetricsTestSuite, where)
    return value


def per_test_case(pairs: List[Tuple[Any, Any]], test_cases: Sequence[Any], where: str) -> Dict[Any, Any]:
    """``{test case: value}`` from ``(test case, value)`` pairs: each for a test case being evaluated, none twice."""
    known = set(test_cases)
    out: Dict[Any, Any] = {}
    for i, (test_case, value) in enumerate(pairs):
        try:
            hash(test_case)
        except TypeError:
            raise InputValidationError(f"{where}[{i}] must pair a test case with its value, got {_got(test_case)}"
                                       ) from None
        if test_case not in known:
            raise InputValidationError(f"{where}[{i}] is for {_got(test_case)}, which is not a test case being "
                                       "evaluated")
        if test_case in out:
            raise InputValidationError(f"{where} holds test case '{test_case.name}' twice")
        out[test_case] = value
    return out


def case_metric_pairs(value: Any, test_cases: Sequence[Any], where: str) -> List[Tuple[Any, MetricsTestCase]]:
    """``(test case, MetricsTestCase)`` pairs: at most one for each test case being evaluated (a function evaluator may
    leave a test case without metrics)."""
    pairs = _pairs(value, "test case, MetricsTestCase", where)
    per_test_case(pairs, test_cases, where)
    for i, (test_case, metrics) in enumerate(pairs):
        _metrics(metrics, MetricsTestCase, f"{where}[{i}] (metrics of test case '{test_case.name}')")
    return pairs


def case_plot_pairs(value: Any, test_cases: Sequence[Any], where: str) -> Dict[Any, List[Plot]]:
    """``{test case: plots}`` from ``(test case, list of plots)`` pairs; a test case may have none."""
    pairs = _pairs(value, "test case, list of plots", where)
    return {test_case: plots(items, f"{where} (plots of test case '{test_case.name}')")
            for test_case, items in per_test_case(pairs, test_cases, where).items()}


def evaluation_results(value: Any, evaluator: str) -> EvaluationResults:
    """What a function evaluator returned, checked to be an ``EvaluationResults`` (None is refused: it would leave a
    run marked succeeded without results; ``no_op_evaluator`` stores empty metrics)."""
    if not isinstance(value, EvaluationResults):
        raise InputValidationError(f"evaluator function '{evaluator}' must return EvaluationResults, got "
                                   f"{_got(value)} (no_op_evaluator stores empty metrics)")
    return value
