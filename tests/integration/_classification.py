"""A small classification workflow shared by the store-backed tests."""
from dataclasses import dataclass
from typing import List, Optional

from kolena_lab.workflow import (
    EvaluationResults,
    Evaluator,
    EvaluatorConfiguration,
    GroundTruth,
    Image,
    Inference,
    MetricsTestCase,
    MetricsTestSample,
    MetricsTestSuite,
    TestCases,
    define_workflow,
)
from kolena_lab.workflow.annotation import ClassificationLabel, ScoredClassificationLabel


@dataclass(frozen=True)
class Sample(Image):
    pass


@dataclass(frozen=True)
class GT(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class Inf(Inference):
    prediction: ScoredClassificationLabel


workflow, TestCase, TestSuite, Model = define_workflow("Test Classification", Sample, GT, Inf)


@dataclass(frozen=True)
class SampleMetrics(MetricsTestSample):
    correct: bool
    score: float


@dataclass(frozen=True)
class CaseMetrics(MetricsTestCase):
    n: int
    accuracy: float


@dataclass(frozen=True)
class SuiteMetrics(MetricsTestSuite):
    mean_accuracy: float


@dataclass(frozen=True)
class Threshold(EvaluatorConfiguration):
    threshold: float

    def display_name(self) -> str:
        return f"threshold={self.threshold}"


class AccuracyEvaluator(Evaluator):
    """Counts its calls, so tests can check how it is driven."""

    def __init__(self, configurations: Optional[List[EvaluatorConfiguration]] = None):
        super().__init__(configurations)
        self.sample_calls: list = []

    def compute_test_sample_metrics(self, test_case, inferences, configuration=None):
        self.sample_calls.append((test_case.name, configuration.display_name() if configuration else None))
        threshold = configuration.threshold if configuration else 0.0
        return [
            (ts, SampleMetrics(correct=inf.prediction.score >= threshold and gt.label.label == inf.prediction.label,
                               score=inf.prediction.score))
            for ts, gt, inf in inferences
        ]

    def compute_test_case_metrics(self, test_case, inferences, metrics, configuration=None):
        return CaseMetrics(n=len(metrics), accuracy=sum(m.correct for m in metrics) / max(len(metrics), 1))

    def compute_test_suite_metrics(self, test_suite, metrics, configuration=None):
        return SuiteMetrics(mean_accuracy=sum(m.accuracy for _, m in metrics) / len(metrics))


def sample(i: int, **metadata) -> Sample:
    return Sample(locator=f"s3://bucket/img{i:04d}.png", metadata=metadata)


def gt(label: str) -> GT:
    return GT(label=ClassificationLabel(label))


def members(n: int, offset: int = 0) -> list:
    return [(sample(i + offset, index=i + offset), gt("cat" if (i + offset) % 2 else "dog")) for i in range(n)]


def predict(s: Sample) -> Inf:
    index = int(s.locator[-8:-4])
    return Inf(prediction=ScoredClassificationLabel("cat" if index % 3 else "dog", score=(index % 10) / 10))


def function_evaluator(test_samples, ground_truths, inferences, test_cases: TestCases) -> EvaluationResults:
    per_sample = [SampleMetrics(correct=g.label.label == i.prediction.label, score=i.prediction.score)
                  for g, i in zip(ground_truths, inferences)]
    function_evaluator.calls.append(len(test_samples))
    per_case = [
        (tc, CaseMetrics(n=len(m), accuracy=sum(x.correct for x in m) / max(len(m), 1)))
        for tc, _, _, _, m in test_cases.iter(test_samples, ground_truths, inferences, per_sample)
    ]
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, per_sample)), metrics_test_case=per_case)


function_evaluator.calls = []


def configured_evaluator(test_samples, ground_truths, inferences, test_cases: TestCases,
                         configuration: Threshold) -> EvaluationResults:
    per_sample = [SampleMetrics(correct=i.prediction.score >= configuration.threshold, score=i.prediction.score)
                  for i in inferences]
    per_case = [
        (tc, CaseMetrics(n=len(m), accuracy=sum(x.correct for x in m) / max(len(m), 1)))
        for tc, _, _, _, m in test_cases.iter(test_samples, ground_truths, inferences, per_sample)
    ]
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, per_sample)), metrics_test_case=per_case,
                             metrics_test_suite=SuiteMetrics(mean_accuracy=0.5))
