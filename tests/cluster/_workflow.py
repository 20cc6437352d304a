"""A small classification workflow and a deterministic numpy model, importable by the Dask workers."""
import hashlib
import os
import threading
import time
from dataclasses import dataclass
from typing import List

import numpy as np

from kolena_lab.workflow import (
    EvaluationResults,
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
from kolena_lab.workflow.plot import Curve, CurvePlot


@dataclass(frozen=True)
class Sample(Image):
    pass


@dataclass(frozen=True)
class GT(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class Inf(Inference):
    prediction: ScoredClassificationLabel


workflow, TestCase, TestSuite, Model = define_workflow("Cluster Classification", Sample, GT, Inf)
LABELS = ["cat", "dog", "bird"]


def samples(n: int, offset: int = 0) -> list:
    return [(Sample(locator=f"s3://bucket/img{i:05d}.png"), GT(label=ClassificationLabel(LABELS[i % 3])))
            for i in range(offset, offset + n)]


def suite(name: str, n: int = 200) -> "TestSuite":
    a = TestCase(f"{name} a", test_samples=samples(n // 2 + 20))
    b = TestCase(f"{name} b", test_samples=samples(n // 2, offset=n // 2))
    return TestSuite(name, test_cases=[a, b])


def _scores(locator: str) -> np.ndarray:
    """A small float computation seeded by the locator: the same bits wherever it runs."""
    seed = int.from_bytes(hashlib.sha256(locator.encode()).digest()[:8], "little")
    x = np.random.default_rng(seed).standard_normal((16, 16))
    logits = (x @ x.T)[:3, 0] / 7.0
    return np.exp(logits) / np.exp(logits).sum()


def predict(sample: Sample) -> Inf:
    scores = _scores(sample.locator)
    best = int(np.argmax(scores))
    return Inf(prediction=ScoredClassificationLabel(label=LABELS[best], score=float(scores[best])))


def predict_batch(batch: List[Sample]) -> List[Inf]:
    return [predict(sample) for sample in batch]


class Failing:
    """An ``infer`` that raises on one locator."""

    def __init__(self, locator: str):
        self.locator = locator

    def __call__(self, sample: Sample) -> Inf:
        if sample.locator == self.locator:
            raise RuntimeError("model exploded")
        return predict(sample)


class Slow:
    """An ``infer`` taking ``seconds`` a sample."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def __call__(self, sample: Sample) -> Inf:
        time.sleep(self.seconds)
        return predict(sample)


class Unpicklable:
    """An ``infer`` holding a lock: it cannot be pickled."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, sample: Sample) -> Inf:
        return predict(sample)


@dataclass(frozen=True)
class SampleMetrics(MetricsTestSample):
    correct: bool
    score: float


@dataclass(frozen=True)
class CaseMetrics(MetricsTestCase):
    n: int
    accuracy: float
    mean_score: float


@dataclass(frozen=True)
class SuiteMetrics(MetricsTestSuite):
    n_cases: int


def evaluate(test_samples, ground_truths, inferences, test_cases: TestCases) -> EvaluationResults:
    per_sample = [SampleMetrics(correct=gt.label.label == inf.prediction.label, score=inf.prediction.score)
                  for gt, inf in zip(ground_truths, inferences)]
    case_metrics, plots = [], []
    for test_case, samples_, _, _, metrics in test_cases.iter(test_samples, ground_truths, inferences, per_sample):
        scores = np.array([m.score for m in metrics])
        accuracy = float(np.mean([m.correct for m in metrics]))
        case_metrics.append((test_case, CaseMetrics(len(metrics), accuracy, float(scores.mean()))))
        ordered = np.sort(scores)
        plots.append((test_case, [CurvePlot(title="scores", x_label="rank", y_label="score",
                                            curves=[Curve(x=list(range(len(ordered))), y=ordered.tolist())])]))
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, per_sample)), metrics_test_case=case_metrics,
                             plots_test_case=plots, metrics_test_suite=SuiteMetrics(n_cases=len(case_metrics)))



class Flaky:
    """An ``infer`` that raises once on ``locator`` (the first time any process infers it: ``marker`` records it)."""

    def __init__(self, locator: str, marker: str):
        self.locator, self.marker = locator, marker

    def __call__(self, sample: Sample) -> Inf:
        if sample.locator == self.locator and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            raise RuntimeError("a passing hiccup")
        return predict(sample)


class Fatal(BaseException):
    """What no per-sample error policy catches: the whole partition fails (as when its workers keep dying)."""


class Doomed:
    """An ``infer`` raising ``Fatal`` on one locator."""

    def __init__(self, locator: str):
        self.locator = locator

    def __call__(self, sample: Sample) -> Inf:
        if sample.locator == self.locator:
            raise Fatal("the partition cannot be inferred")
        return predict(sample)
