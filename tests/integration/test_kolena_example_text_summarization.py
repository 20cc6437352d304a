"""The shape of Kolena's text summarization example: a Text sample with an ``id`` and word count, inferences whose
cost and timing fields are optional (left out when the model failed), and test cases by a metadata category."""
import dataclasses
from typing import List, Optional

import numpy as np
import pytest
from pydantic.dataclasses import dataclass

from kolena_lab.workflow import (
    GroundTruth as BaseGroundTruth,
    Inference as BaseInference,
    Metadata,
    MetricsTestCase,
    MetricsTestSample,
    Text,
    define_workflow,
    load_test_case_metrics,
    load_test_sample_metrics,
    test,
)
from kolena_lab.workflow.evaluator_function import EvaluationResults, TestCases


@dataclass(frozen=True)
class Article(Text):
    id: str
    word_count: int
    metadata: Metadata = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class ReferenceSummary(BaseGroundTruth):
    summary: str
    word_count: int


@dataclass(frozen=True)
class GeneratedSummary(BaseInference):
    summary: str
    word_count: int
    is_failure: bool = False
    inference_time: Optional[float] = None
    cost: Optional[float] = None


_, TestCase, TestSuite, Model = define_workflow("Example Article Summaries", Article, ReferenceSummary,
                                                GeneratedSummary)


@dataclass(frozen=True)
class SummaryMetrics(MetricsTestSample):
    unigram_recall: float
    length_ratio: float


@dataclass(frozen=True)
class SummaryCaseMetrics(MetricsTestCase):
    n_failures: int
    failure_rate: float
    total_cost: float
    avg_inference_time: float
    avg_unigram_recall: float


def evaluate_summaries(test_samples: List[Article], ground_truths: List[ReferenceSummary],
                       inferences: List[GeneratedSummary], test_cases: TestCases) -> EvaluationResults:
    sample_metrics = []
    for gt, inf in zip(ground_truths, inferences):
        reference, generated = set(gt.summary.split()), set(inf.summary.split())
        sample_metrics.append(SummaryMetrics(unigram_recall=len(reference & generated) / len(reference),
                                             length_ratio=inf.word_count / gt.word_count))
    case_metrics = []
    for test_case, _, _, infs, metrics in test_cases.iter(test_samples, ground_truths, inferences, sample_metrics):
        failures = sum(inf.is_failure for inf in infs)
        case_metrics.append((test_case, SummaryCaseMetrics(
            n_failures=failures, failure_rate=failures / len(infs),
            total_cost=sum(inf.cost for inf in infs if inf.cost is not None),
            avg_inference_time=np.mean([inf.inference_time for inf in infs if inf.inference_time is not None]),
            avg_unigram_recall=np.mean([m.unigram_recall for m in metrics]))))
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, sample_metrics)),
                             metrics_test_case=case_metrics)


def test_summaries_with_optional_inference_fields(sqlite_store):
    pairs = []
    for i in range(10):
        text = " ".join(f"word{k}" for k in range(20 + i))
        reference = "word0 word1 word2 word3"
        pairs.append((Article(text=text, id=f"article-{i}", word_count=20 + i,
                              metadata={"category": "sport" if i % 2 else "world", "moderation_score": i / 10}),
                      ReferenceSummary(summary=reference, word_count=4)))
    complete = TestCase("complete :: articles", test_samples=pairs, reset=True)
    categories = sorted({ts.metadata["category"] for ts, _ in pairs})
    by_category = [TestCase(f"category :: {c}", test_samples=[p for p in pairs if p[0].metadata["category"] == c],
                            reset=True) for c in categories]
    TestSuite("articles :: category", test_cases=[complete, *by_category], reset=True)

    def infer(article: Article) -> GeneratedSummary:
        index = int(article.id.split("-")[1])
        if index == 9:
            return GeneratedSummary(summary="", word_count=0, is_failure=True)
        return GeneratedSummary(summary="word0 word1 other", word_count=3, inference_time=0.5 + index / 10,
                                cost=0.01)

    model = Model("summarizer-small", infer=infer)
    test(model, TestSuite.load("articles :: category"), evaluate_summaries, reset=True)

    frame = load_test_case_metrics(model, TestSuite.load("articles :: category")).set_index("test_case")
    assert list(frame.index) == ["complete :: articles", "category :: sport", "category :: world"]
    assert frame.loc["category :: sport", "n_failures"] == 1 and frame.loc["category :: world", "n_failures"] == 0
    assert frame.loc["complete :: articles", "total_cost"] == pytest.approx(0.09)
    assert frame.loc["complete :: articles", "avg_inference_time"] == pytest.approx(np.mean([0.5 + i / 10
                                                                                            for i in range(9)]))
    assert frame.loc["category :: world", "avg_unigram_recall"] == pytest.approx(0.5)
    failed = [inf for ts, _, inf in model.load_inferences(complete) if ts.id == "article-9"][0]
    assert failed.is_failure and failed.cost is None and failed.inference_time is None
    per_sample = load_test_sample_metrics(model, complete)
    assert sorted(per_sample["id"]) == sorted(ts.id for ts, _ in pairs)
