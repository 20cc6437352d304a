"""The shape of Kolena's semantic-textual-similarity example: a pydantic Composite of two Text members plus scalar
fields and metadata, a score ground truth and inference, and a function evaluator imported from
``workflow.evaluator_function`` with a metric-vs-metric curve."""
import dataclasses
from typing import List

import numpy as np
import pytest
from pydantic.dataclasses import dataclass

from kolena_lab.workflow import (
    Composite,
    Curve,
    CurvePlot,
    GroundTruth as BaseGroundTruth,
    Inference as BaseInference,
    Metadata,
    MetricsTestCase,
    MetricsTestSample,
    Text,
    define_workflow,
    load_test_case_metrics,
    load_test_case_plots,
    load_test_sample_metrics,
    test,
)
from kolena_lab.workflow.evaluator_function import EvaluationResults, TestCases


@dataclass(frozen=True)
class QueryPair(Composite):
    query: Text
    document: Text
    query_tokens: int
    document_tokens: int
    token_gap: int
    metadata: Metadata = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Relevance(BaseGroundTruth):
    score: float


@dataclass(frozen=True)
class PredictedRelevance(BaseInference):
    score: float


_, TestCase, TestSuite, Model = define_workflow("Example Query Relevance", QueryPair, Relevance, PredictedRelevance)


@dataclass(frozen=True)
class PairMetrics(MetricsTestSample):
    error: float
    abs_error: float


@dataclass(frozen=True)
class RelevanceCaseMetrics(MetricsTestCase):
    pearson: float
    mae: float
    rmse: float


def evaluate_relevance(test_samples: List[QueryPair], ground_truths: List[Relevance],
                       inferences: List[PredictedRelevance], test_cases: TestCases) -> EvaluationResults:
    sample_metrics = [PairMetrics(error=gt.score - inf.score, abs_error=abs(gt.score - inf.score))
                      for gt, inf in zip(ground_truths, inferences)]
    case_metrics, case_plots = [], []
    for test_case, samples, gts, infs, metrics in test_cases.iter(test_samples, ground_truths, inferences,
                                                                 sample_metrics):
        truth, predicted = np.array([g.score for g in gts]), np.array([i.score for i in infs])
        errors = np.array([m.error for m in metrics])
        case_metrics.append((test_case, RelevanceCaseMetrics(
            pearson=np.corrcoef(truth, predicted)[0, 1], mae=np.abs(errors).mean(), rmse=np.sqrt((errors ** 2).mean()),
        )))
        order = np.argsort([s.token_gap for s in samples])
        case_plots.append((test_case, [CurvePlot(
            title="abs error vs token gap", x_label="token gap", y_label="abs error",
            curves=[Curve(x=[samples[i].token_gap for i in order], y=[metrics[i].abs_error for i in order])],
        )]))
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, sample_metrics)),
                             metrics_test_case=case_metrics, plots_test_case=case_plots)


WORDS = "red green blue small large quick slow river stone cloud".split()


def _pairs():
    rows = []
    for i in range(16):
        query = " ".join(WORDS[(i + k) % 10] for k in range(2 + i % 3))
        document = " ".join(WORDS[(3 * i + k) % 10] for k in range(3 + i % 5)) + f" #{i}"
        q, d = len(query.split()), len(document.split())
        sample = QueryPair(query=Text(query), document=Text(document), query_tokens=q, document_tokens=d,
                           token_gap=abs(q - d), metadata={"source": "forum" if i % 2 else "news"})
        rows.append((sample, Relevance(score=(i % 6) / 5)))
    return rows


def test_composite_text_pairs_run_and_read_back(sqlite_store):
    pairs = _pairs()
    complete = TestCase("complete :: pairs", test_samples=pairs, reset=True)
    by_source = [TestCase(f"source :: {s}", test_samples=[p for p in pairs if p[0].metadata["source"] == s],
                          reset=True) for s in ["news", "forum"]]
    TestSuite("pairs", test_cases=[complete, *by_source], reset=True)

    truth = {(ts.query.text, ts.document.text): gt.score for ts, gt in pairs}

    def infer(pair: QueryPair) -> PredictedRelevance:
        score = truth[(pair.query.text, pair.document.text)]
        return PredictedRelevance(score=min(1.0, score + 0.05 * pair.token_gap))

    model = Model("bi-encoder-small", infer=infer)
    suite = TestSuite.load("pairs")
    test(model, suite, evaluate_relevance, reset=True)

    cases = load_test_case_metrics(model, suite).set_index("test_case")
    assert list(cases.index) == ["complete :: pairs", "source :: news", "source :: forum"]
    assert set(cases["evaluator"]) == {"evaluate_relevance"}
    predicted = [infer(ts).score for ts, _ in pairs]
    expected_errors = np.array([gt.score for _, gt in pairs]) - np.array(predicted)
    assert cases.loc["complete :: pairs", "mae"] == pytest.approx(np.abs(expected_errors).mean())
    assert cases.loc["complete :: pairs", "rmse"] == pytest.approx(np.sqrt((expected_errors ** 2).mean()))
    assert cases.loc["complete :: pairs", "pearson"] == pytest.approx(
        np.corrcoef([gt.score for _, gt in pairs], predicted)[0, 1])

    per_sample = load_test_sample_metrics(model, complete)
    assert len(per_sample) == len(pairs)
    assert {q.text for q in per_sample["query"]} == {ts.query.text for ts, _ in pairs}
    assert per_sample["abs_error"].to_numpy() == pytest.approx(np.abs(per_sample["error"].to_numpy()))

    plots = load_test_case_plots(model, suite)
    assert [tc.name for tc, _, _, _ in plots] == list(cases.index)
    assert all(len(p.curves[0].x) == len(tc.load_test_samples()) for tc, _, _, p in plots)

    stored = TestCase.load("source :: forum").load_test_samples()
    assert all(isinstance(ts.document, Text) and ts.metadata["source"] == "forum" for ts, _ in stored)
    assert {ts.token_gap for ts, _ in stored} == {p[0].token_gap for p in pairs if p[0].metadata["source"] == "forum"}
