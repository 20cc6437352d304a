"""Bad evaluator results: refused before any of them is stored, naming the evaluator and what is wrong; the run is
recorded as failed, not succeeded."""
from typing import Any, Callable, Dict

import pytest

from kolena_lab.errors import DuplicateDatapointIdError, InputValidationError
from kolena_lab.workflow import EvaluationResults, TestCases, load_test_case_metrics, no_op_evaluator, test
from kolena_lab.workflow.evaluator import check_configurations
from kolena_lab.workflow.plot import BarPlot

from ..integration import _classification as c
from .conftest import store_contents
from . import test_inferences

nothing_stored = test_inferences.nothing_stored  # the fixture, shared

PLOT = BarPlot("counts", "label", "n", labels=["a", "b"], values=[1, 2])


@pytest.fixture
def model(sqlite_store):
    """A model whose inferences are stored, on a suite of two test cases of four samples (two shared)."""
    a = c.TestCase("a", test_samples=c.members(4))
    b = c.TestCase("b", test_samples=c.members(4, offset=2))
    suite = c.TestSuite("suite", test_cases=[a, b])
    model = c.Model("m", infer=c.predict)
    test(model, suite, no_op_evaluator)
    return model, suite


def evaluator_with(**methods: Callable) -> c.AccuracyEvaluator:
    """An AccuracyEvaluator whose named methods are replaced by functions of the same arguments."""
    cls = type("Broken", (c.AccuracyEvaluator,), {name: (lambda f: lambda self, *a: f(*a))(f)
                                                 for name, f in methods.items()})
    return cls()


def good_sample_metrics(test_case: Any, inferences: list, configuration: Any = None) -> list:
    return c.AccuracyEvaluator().compute_test_sample_metrics(test_case, inferences, configuration)


def first(test_case: Any, inferences: list, configuration: Any = None) -> list:
    return good_sample_metrics(test_case, inferences)[:1]


def twice(test_case: Any, inferences: list, configuration: Any = None) -> list:
    metrics = good_sample_metrics(test_case, inferences)
    return metrics + metrics[:1]


METRICS = c.SampleMetrics(correct=True, score=0.5)
CASE = c.CaseMetrics(n=1, accuracy=1.0)

# method -> its return value, and the error and message it must give
CLASS_RESULTS: Dict[str, tuple] = {
    "sample metrics of None": (dict(compute_test_sample_metrics=lambda tc, inf, conf: None), InputValidationError,
                               r"evaluator 'Broken': compute_test_sample_metrics of test case 'a' must be a list of "
                               r"\(test sample, MetricsTestSample\) pairs, got None"),
    "sample metrics as a dict": (dict(compute_test_sample_metrics=lambda tc, inf, conf: {s: METRICS
                                                                                          for s, _, _ in inf}),
                                 InputValidationError, r"compute_test_sample_metrics of test case 'a' must be a list"),
    "one sample metric for four samples": (dict(compute_test_sample_metrics=first), InputValidationError,
                                           r"test case 'a' holds metrics for 1 of 4 test samples; missing e.g. "
                                           r"'s3://bucket/img0001.png'"),
    "a sample's metrics twice": (dict(compute_test_sample_metrics=twice), DuplicateDatapointIdError,
                                 r"holds test sample 's3://bucket/img0000.png' twice \(items 0 and 4\)"),
    "metrics of a sample not in the test case": (
        dict(compute_test_sample_metrics=lambda tc, inf, conf: [(c.sample(99), METRICS)]), InputValidationError,
        r"holds metrics for test sample 's3://bucket/img0099.png', which is not being evaluated"),
    "None for a sample's metrics": (dict(compute_test_sample_metrics=lambda tc, inf, conf: [(s, None)
                                                                                             for s, _, _ in inf]),
                                    InputValidationError, r"\[0\] \(metrics of test sample 's3://bucket/img0000.png'\) "
                                                          r"must be a MetricsTestSample, got None"),
    "test case metrics for a sample": (
        dict(compute_test_sample_metrics=lambda tc, inf, conf: [(s, CASE) for s, _, _ in inf]), InputValidationError,
        r"must be a MetricsTestSample, got CaseMetrics"),
    "samples without metrics": (dict(compute_test_sample_metrics=lambda tc, inf, conf: [s for s, _, _ in inf]),
                                InputValidationError, r"\[0\] must be a \(test sample, MetricsTestSample\) pair"),
    "pairs the wrong way round": (dict(compute_test_sample_metrics=lambda tc, inf, conf: [(METRICS, s)
                                                                                           for s, _, _ in inf]),
                                  InputValidationError, r"\[0\] must pair a test sample with its metrics, got "
                                                        r"SampleMetrics"),
    "locators for samples": (dict(compute_test_sample_metrics=lambda tc, inf, conf: [(s.locator, METRICS)
                                                                                        for s, _, _ in inf]),
                             InputValidationError, r"must pair a test sample with its metrics, got str"),
    "test case metrics of None": (dict(compute_test_case_metrics=lambda tc, inf, m, conf: None), InputValidationError,
                                  r"evaluator 'Broken': compute_test_case_metrics of test case 'a' must be a "
                                  r"MetricsTestCase, got None"),
    "sample metrics for a test case": (dict(compute_test_case_metrics=lambda tc, inf, m, conf: METRICS),
                                       InputValidationError, r"must be a MetricsTestCase, got SampleMetrics"),
    "test case metrics as a dict": (dict(compute_test_case_metrics=lambda tc, inf, m, conf: {"accuracy": 1.0}),
                                    InputValidationError, r"must be a MetricsTestCase, got dict"),
    "suite metrics for a test case": (dict(compute_test_case_metrics=lambda tc, inf, m, conf: c.SuiteMetrics(1.0)),
                                      InputValidationError, r"must be a MetricsTestCase, got SuiteMetrics"),
    "a list of test case metrics": (dict(compute_test_case_metrics=lambda tc, inf, m, conf: [CASE]),
                                    InputValidationError, r"must be a MetricsTestCase, got list"),
    "a number for test case metrics": (dict(compute_test_case_metrics=lambda tc, inf, m, conf: 0.75),
                                       InputValidationError, r"must be a MetricsTestCase, got float 0.75"),
    "a plot for a list of plots": (dict(compute_test_case_plots=lambda tc, inf, m, conf: PLOT), InputValidationError,
                                   r"compute_test_case_plots of test case 'a' must be a list of plots, got BarPlot"),
    "a dict among the plots": (dict(compute_test_case_plots=lambda tc, inf, m, conf: [PLOT, {"title": "x"}]),
                               InputValidationError, r"compute_test_case_plots of test case 'a'\[1\] must be a plot"),
    "a string for plots": (dict(compute_test_case_plots=lambda tc, inf, m, conf: "counts"), InputValidationError,
                           r"must be a list of plots, got str"),
    "test case metrics for the suite": (dict(compute_test_suite_metrics=lambda ts, m, conf: CASE), InputValidationError,
                                        r"compute_test_suite_metrics must be a MetricsTestSuite, got CaseMetrics"),
    "suite metrics as a dict": (dict(compute_test_suite_metrics=lambda ts, m, conf: {"mean": 1.0}),
                                InputValidationError, r"compute_test_suite_metrics must be a MetricsTestSuite, got "
                                                      r"dict"),
}


@pytest.mark.parametrize("name", list(CLASS_RESULTS))
def test_wrong_results_of_an_evaluator_class_store_nothing(model, nothing_stored, name):
    methods, error, match = CLASS_RESULTS[name]
    evaluator = evaluator_with(**methods)
    with nothing_stored(error, match=match):
        test(*model, evaluator)


def results_with(**changes: Any) -> Callable:
    """A function evaluator returning ``function_evaluator``'s results with some parts replaced (by a value, or by a
    function of the good results)."""

    def evaluate(test_samples: list, ground_truths: list, inferences: list, test_cases: TestCases) -> Any:
        good = c.function_evaluator(test_samples, ground_truths, inferences, test_cases)
        parts = {"metrics_test_sample": good.metrics_test_sample, "metrics_test_case": good.metrics_test_case,
                 "plots_test_case": good.plots_test_case, "metrics_test_suite": good.metrics_test_suite}
        parts.update({k: v(good) if callable(v) else v for k, v in changes.items()})
        return EvaluationResults(**parts)

    return evaluate


def returning(value: Callable[[list], Any]) -> Callable:
    def evaluate(test_samples: list, ground_truths: list, inferences: list, test_cases: TestCases) -> Any:
        return value(test_samples)

    return evaluate


FUNCTION_RESULTS: Dict[str, tuple] = {
    "None": (returning(lambda samples: None), InputValidationError,
             r"evaluator function 'evaluate' must return EvaluationResults, got None \(no_op_evaluator stores empty"),
    "a dict": (returning(lambda samples: {"accuracy": 1.0}), InputValidationError, r"must return EvaluationResults, "
                                                                                    r"got dict"),
    "a tuple of the parts": (returning(lambda samples: ([], [])), InputValidationError, r"got tuple"),
    "EvaluationResults(None, None)": (returning(lambda samples: EvaluationResults(None, None)), InputValidationError,
                                      r"evaluator function 'evaluate': metrics_test_sample must be a list of \(test "
                                      r"sample, MetricsTestSample\) pairs, got None"),
    "one sample metric for six samples": (results_with(metrics_test_sample=lambda r: r.metrics_test_sample[:1]),
                                          InputValidationError, r"metrics_test_sample holds metrics for 1 of 6 test "
                                                                r"samples"),
    "the same sample twice": (results_with(metrics_test_sample=lambda r: (r.metrics_test_sample
                                                                          + r.metrics_test_sample[2:3])),
                              DuplicateDatapointIdError, r"metrics_test_sample holds test sample "
                                                         r"'s3://bucket/img0002.png' twice \(items 2 and 6\)"),
    "sample metrics as a dict": (results_with(metrics_test_sample=lambda r: dict(r.metrics_test_sample)),
                                 InputValidationError, r"metrics_test_sample must be a list"),
    "test case metrics for a sample": (results_with(metrics_test_sample=lambda r: [(s, CASE) for s, _ in
                                                                                   r.metrics_test_sample]),
                                       InputValidationError, r"must be a MetricsTestSample, got CaseMetrics"),
    "sample metrics for a test case": (results_with(metrics_test_case=lambda r: [(tc, METRICS) for tc, _ in
                                                                                 r.metrics_test_case]),
                                       InputValidationError, r"metrics_test_case\[0\] \(metrics of test case 'a'\) "
                                                             r"must be a MetricsTestCase, got SampleMetrics"),
    "a test case twice": (results_with(metrics_test_case=lambda r: r.metrics_test_case + r.metrics_test_case[:1]),
                          InputValidationError, r"metrics_test_case holds test case 'a' twice"),
    "None for test case metrics": (results_with(metrics_test_case=lambda r: [(tc, None) for tc, _ in
                                                                             r.metrics_test_case]),
                                   InputValidationError, r"must be a MetricsTestCase, got None"),
    "test case metrics as a dict": (results_with(metrics_test_case=lambda r: dict(r.metrics_test_case)),
                                    InputValidationError, r"metrics_test_case must be a list of \(test case, "
                                                          r"MetricsTestCase\) pairs, got dict"),
    "a name for a test case": (results_with(metrics_test_case=lambda r: [(tc.name, m)
                                                                         for tc, m in r.metrics_test_case]),
                               InputValidationError, r"metrics_test_case\[0\] is for str 'a', which is not a test case "
                                                     r"being evaluated"),
    "plots as a dict": (results_with(plots_test_case=lambda r: {tc: [PLOT] for tc, _ in r.metrics_test_case}),
                        InputValidationError, r"plots_test_case must be a list of \(test case, list of plots\) pairs"),
    "a dict among a test case's plots": (results_with(plots_test_case=lambda r: [(r.metrics_test_case[0][0],
                                                                                   [{"title": "x"}])]),
                                         InputValidationError, r"plots_test_case \(plots of test case 'a'\)\[0\] "
                                                               r"must be a plot"),
    "plots of a name": (results_with(plots_test_case=[("a", [PLOT])]), InputValidationError,
                        r"plots_test_case\[0\] is for str 'a'"),
    "test case metrics for the suite": (results_with(metrics_test_suite=CASE), InputValidationError,
                                        r"metrics_test_suite must be a MetricsTestSuite, got CaseMetrics"),
}


@pytest.mark.parametrize("name", list(FUNCTION_RESULTS))
def test_wrong_results_of_an_evaluator_function_store_nothing(model, nothing_stored, name):
    evaluate, error, match = FUNCTION_RESULTS[name]
    with nothing_stored(error, match=match):
        test(*model, evaluate)


def test_test_cases_iter_with_lists_of_different_lengths_is_refused(model, nothing_stored):
    def evaluate(test_samples, ground_truths, inferences, test_cases):
        list(test_cases.iter(test_samples, ground_truths, inferences, []))

    with nothing_stored(InputValidationError, match=r"test_cases.iter: .* must have equal lengths, got \[6, 6, 6, 0\]"):
        test(*model, evaluate)


def test_metrics_for_a_test_case_of_another_suite_are_refused(model, nothing_stored):
    other = c.TestCase("other", test_samples=c.members(2))

    def evaluate(test_samples, ground_truths, inferences, test_cases):
        good = c.function_evaluator(test_samples, ground_truths, inferences, test_cases)
        return EvaluationResults(good.metrics_test_sample, good.metrics_test_case + [(other, CASE)])

    with nothing_stored(InputValidationError, match=r"metrics_test_case\[2\] is for TestCase .*which is not a test "
                                                    r"case being evaluated"):
        test(*model, evaluate)


def test_a_failed_evaluation_is_recorded_failed_and_a_fixed_one_succeeds(model, sqlite_store):
    broken = evaluator_with(compute_test_sample_metrics=first)
    with pytest.raises(InputValidationError):
        test(*model, broken)
    runs = store_contents(sqlite_store)["kl_test_runs"]
    assert any("failed" in row and "Broken" in row for row in runs)
    test(*model, c.AccuracyEvaluator())
    assert len(load_test_case_metrics(*model, evaluator="AccuracyEvaluator")) == 2


def test_a_configuration_name_with_escapes_or_too_long_is_refused():
    from dataclasses import dataclass as _dataclass

    from kolena_lab.workflow import EvaluatorConfiguration

    @_dataclass(frozen=True)
    class Named(EvaluatorConfiguration):
        text: str = ""

        def display_name(self) -> str:
            return self.text

    for bad, match in (("bad\x1b[31mname", "control"), ("x" * 600, "512")):
        with pytest.raises(InputValidationError, match=f"configuration name.*{match}|{match}.*configuration name"):
            check_configurations([Named(bad)])
