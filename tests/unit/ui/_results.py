"""A small classification workflow with every kind of result the widgets show: scalar and per-class metrics,
curves, histograms, bars and confusion matrices, under two configurations."""
from dataclasses import dataclass, field
from typing import List

import numpy as np

from kolena_lab.workflow import (
    BarPlot,
    ConfusionMatrix,
    Curve,
    CurvePlot,
    Evaluator,
    EvaluatorConfiguration,
    GroundTruth,
    Histogram,
    Image,
    Inference,
    MetricsTestCase,
    MetricsTestSample,
    define_workflow,
    test,
)
from kolena_lab.workflow.annotation import ClassificationLabel, ScoredClassificationLabel

LABELS = ["cat", "dog", "fox"]


@dataclass(frozen=True)
class Sample(Image):
    pass


@dataclass(frozen=True)
class GT(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class Inf(Inference):
    prediction: ScoredClassificationLabel


workflow, TestCase, TestSuite, Model = define_workflow("UI Results", Sample, GT, Inf)


@dataclass(frozen=True)
class SampleMetrics(MetricsTestSample):
    correct: bool
    score: float


@dataclass(frozen=True)
class PerClass(MetricsTestCase):
    label: str
    recall: float


@dataclass(frozen=True)
class CaseMetrics(MetricsTestCase):
    n: int
    accuracy: float = field(metadata={"higher_is_better": True})
    error_rate: float = field(metadata={"higher_is_better": False})
    per_class: List[PerClass]


@dataclass(frozen=True)
class Threshold(EvaluatorConfiguration):
    threshold: float

    def display_name(self) -> str:
        return f"threshold={self.threshold}"


class AccuracyEvaluator(Evaluator):
    def compute_test_sample_metrics(self, test_case, inferences, configuration=None):
        t = configuration.threshold if configuration else 0.0
        return [(ts, SampleMetrics(correct=inf.prediction.score >= t and inf.prediction.label == gt.label.label,
                                   score=inf.prediction.score)) for ts, gt, inf in inferences]

    def compute_test_case_metrics(self, test_case, inferences, metrics, configuration=None):
        accuracy = sum(m.correct for m in metrics) / max(len(metrics), 1)
        per_class = []
        for label in LABELS:
            hits = [m.correct for (_, gt, _), m in zip(inferences, metrics) if gt.label.label == label]
            per_class.append(PerClass(label=label, recall=sum(hits) / len(hits) if hits else 0.0))
        return CaseMetrics(n=len(metrics), accuracy=accuracy, error_rate=1 - accuracy, per_class=per_class)

    def compute_test_case_plots(self, test_case, inferences, metrics, configuration=None):
        scores = np.array([m.score for m in metrics])
        matrix = np.zeros((3, 3), dtype=int)
        for _, gt, inf in inferences:
            matrix[LABELS.index(gt.label.label), LABELS.index(inf.prediction.label)] += 1
        thresholds = np.linspace(0, 1, 11)
        return [
            CurvePlot(title="Accuracy vs threshold", x_label="threshold", y_label="accuracy",
                      curves=[Curve(x=thresholds, y=[float(np.mean(scores >= t)) for t in thresholds])]),
            Histogram(title="Scores", x_label="score", y_label="count", buckets=np.linspace(0, 1, 6),
                      frequency=np.histogram(scores, bins=np.linspace(0, 1, 6))[0]),
            BarPlot(title="Samples per class", x_label="class", y_label="count", labels=LABELS,
                    values=matrix.sum(axis=1)),
            ConfusionMatrix(title="Confusion", labels=LABELS, matrix=matrix),
        ]


def sample(i: int) -> Sample:
    return Sample(locator=f"/data/img{i:04d}.png", metadata={"index": i})


def truth(i: int) -> GT:
    return GT(label=ClassificationLabel(LABELS[i % 3]))


def predictor(skill: int):
    """A model right on sample i unless i % 10 >= skill (so higher skill, more correct)."""
    def infer(s: Sample) -> Inf:
        i = int(s.locator[-8:-4])
        label = LABELS[i % 3] if i % 10 < skill else LABELS[(i + 1) % 3]
        return Inf(prediction=ScoredClassificationLabel(label, score=0.5 + (i % 5) / 10))
    return infer


def build(n_samples: int = 60, skills=(5, 9, 3), evaluate: bool = True):
    """Two test cases (first half, everything) in one suite; a model per skill, tested under two thresholds."""
    members = [(sample(i), truth(i)) for i in range(n_samples)]
    half = TestCase("half", test_samples=members[: n_samples // 2])
    everything = TestCase("all", test_samples=members)
    suite = TestSuite("ui suite", test_cases=[half, everything])
    models = [Model(f"model-{skill}", infer=predictor(skill), metadata={"skill": skill}) for skill in skills]
    if evaluate:
        evaluator = AccuracyEvaluator(configurations=[Threshold(0.0), Threshold(0.7)])
        for model in models:
            test(model, suite, evaluator)
    return suite, models
