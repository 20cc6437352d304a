"""Function evaluators: one call per configuration with every unique sample of the suite."""
import inspect
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

import numpy as np

from kolena_lab.errors import InputValidationError
from kolena_lab.workflow._codec import sample_key
from kolena_lab.workflow.evaluator import EvaluatorConfiguration, MetricsTestCase, MetricsTestSample, MetricsTestSuite
from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.plot import Plot
from kolena_lab.workflow.test_sample import TestSample


@dataclass(frozen=True)
class EvaluationResults:
    """What a function evaluator returns."""

    metrics_test_sample: List[Tuple[TestSample, MetricsTestSample]]
    metrics_test_case: List[Tuple[Any, MetricsTestCase]]
    plots_test_case: List[Tuple[Any, List[Plot]]] = field(default_factory=list)
    metrics_test_suite: Optional[MetricsTestSuite] = None


class TestCases:
    """The suite's test cases, handed to function evaluators to split results per test case."""

    __test__ = False

    def __init__(self, memberships: Sequence[Tuple[Any, Set[str]]], keys: Optional[Dict[int, str]] = None):
        self._memberships = list(memberships)
        self._keys = keys or {}  # id(sample) -> identity key of the samples test() hands out, known in advance

    def _key(self, sample: TestSample) -> str:
        key = self._keys.get(id(sample))
        return key if key is not None else sample_key(sample)

    def iter(
        self,
        test_samples: List[TestSample],
        ground_truths: List[GroundTruth],
        inferences: List[Inference],
        metrics_test_samples: List[MetricsTestSample],
    ) -> Iterator[Tuple[Any, List[TestSample], List[GroundTruth], List[Inference], List[MetricsTestSample]]]:
        """Yield ``(test_case, samples, ground_truths, inferences, sample_metrics)`` per test case, in suite order."""
        lengths = [len(test_samples), len(ground_truths), len(inferences), len(metrics_test_samples)]
        if len(set(lengths)) != 1:
            raise InputValidationError("test_cases.iter: test_samples, ground_truths, inferences and "
                                       f"metrics_test_samples must have equal lengths, got {lengths}")
        keys = [self._key(s) for s in test_samples]
        for test_case, members in self._memberships:
            idx = [i for i, k in enumerate(keys) if k in members]
            yield (
                test_case,
                [test_samples[i] for i in idx],
                [ground_truths[i] for i in idx],
                [inferences[i] for i in idx],
                [metrics_test_samples[i] for i in idx],
            )

    def indices(self, test_samples: List[TestSample]) -> List[Tuple[Any, np.ndarray]]:
        """``(test_case, positions)`` per test case, in suite order: the ascending positions in ``test_samples`` of the
        test case's samples. Keys are computed once, so evaluators can slice per-sample arrays per test case."""
        position = {self._key(s): i for i, s in enumerate(test_samples)}
        return [
            (test_case, np.sort(np.fromiter((position[k] for k in members if k in position), dtype=np.intp)))
            for test_case, members in self._memberships
        ]


ConfiguredEvaluatorFunction = Callable[
    [List[TestSample], List[GroundTruth], List[Inference], TestCases, EvaluatorConfiguration],
    Optional[EvaluationResults],
]
UnconfiguredEvaluatorFunction = Callable[
    [List[TestSample], List[GroundTruth], List[Inference], TestCases],
    Optional[EvaluationResults],
]
BasicEvaluatorFunction = Union[ConfiguredEvaluatorFunction, UnconfiguredEvaluatorFunction]


def is_configured(evaluator: Callable) -> bool:
    """A function evaluator is configured when its fifth parameter is annotated with an EvaluatorConfiguration.

    A callable object (e.g. the ready evaluators of ``kolena_lab.evaluators``) is judged by its ``__call__``.
    """
    params = list(inspect.signature(evaluator).parameters)
    if len(params) != 5:
        return False
    annotated = evaluator if inspect.isroutine(evaluator) or isinstance(evaluator, type) else evaluator.__call__
    try:
        hints = typing.get_type_hints(annotated)
    except Exception:  # unresolvable forward references
        hints = getattr(annotated, "__annotations__", {})
    annotation = hints.get(params[4])
    return isinstance(annotation, type) and issubclass(annotation, EvaluatorConfiguration)


def no_op_evaluator(
    test_samples: List[TestSample],
    ground_truths: List[GroundTruth],
    inferences: List[Inference],
    test_cases: TestCases,
) -> EvaluationResults:
    """Store empty metrics, so a model's inferences can be browsed without computing anything."""
    empty = MetricsTestSample()
    sample_metrics = [(ts, empty) for ts in test_samples]
    case_metrics: List[Tuple[Any, MetricsTestCase]] = [(tc, MetricsTestCase()) for tc, _ in test_cases._memberships]
    return EvaluationResults(metrics_test_sample=sample_metrics, metrics_test_case=case_metrics)


__all__ = [
    "EvaluationResults",
    "TestCases",
    "ConfiguredEvaluatorFunction",
    "UnconfiguredEvaluatorFunction",
    "BasicEvaluatorFunction",
    "no_op_evaluator",
]
