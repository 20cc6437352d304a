"""The shape of Kolena's question answering example: a pydantic Text sample with required fields ahead of its
metadata, ground truths with a list of strings and a label, test cases made together with ``TestCase.init_many`` (one
left out below a size), and a configured function evaluator with per-suite metrics and bar plots."""
import dataclasses
from typing import List

import pytest
from pydantic.dataclasses import dataclass

from kolena_lab.workflow import (
    BarPlot,
    EvaluationResults,
    EvaluatorConfiguration,
    GroundTruth as BaseGroundTruth,
    Inference as BaseInference,
    Metadata,
    MetricsTestCase,
    MetricsTestSample,
    MetricsTestSuite,
    TestCases,
    Text,
    define_workflow,
    load_test_case_metrics,
    load_test_case_plots,
    load_test_sample_metrics,
    load_test_suite_metrics,
    test,
)
from kolena_lab.workflow.annotation import ClassificationLabel


@dataclass(frozen=True)
class Turn(Text):
    story_id: str
    question: str
    turn: int
    metadata: Metadata = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Answer(BaseGroundTruth):
    answer: str
    context: List[str]
    question_answer: ClassificationLabel


@dataclass(frozen=True)
class ModelAnswer(BaseInference):
    answer: ClassificationLabel
    total_tokens: int
    source: str


workflow, TestCase, TestSuite, Model = define_workflow("Example Story Questions", Turn, Answer, ModelAnswer)


@dataclass(frozen=True)
class AnswerMetrics(MetricsTestSample):
    is_correct: bool
    token_overlap: float


@dataclass(frozen=True)
class AnswerCaseMetrics(MetricsTestCase):
    n_correct: int
    n_incorrect: int
    mean_overlap: float


@dataclass(frozen=True)
class AnswerSuiteMetrics(MetricsTestSuite):
    n_stories: int
    n_questions: int
    overall_accuracy: float


@dataclass(frozen=True)
class OverlapThreshold(EvaluatorConfiguration):
    threshold: float = 0.5

    def display_name(self) -> str:
        return f"Overlap Above Threshold (threshold={self.threshold})"


def _overlap(expected: str, given: str) -> float:
    expected_words, given_words = set(expected.lower().split()), set(given.lower().split())
    return len(expected_words & given_words) / len(expected_words | given_words)


def evaluate_answers(test_samples: List[Turn], ground_truths: List[Answer], inferences: List[ModelAnswer],
                     test_cases: TestCases, configuration: OverlapThreshold) -> EvaluationResults:
    sample_metrics = []
    for gt, inf in zip(ground_truths, inferences):
        overlap = _overlap(gt.answer, inf.answer.label)
        sample_metrics.append(AnswerMetrics(is_correct=overlap >= configuration.threshold, token_overlap=overlap))
    case_metrics, case_plots = [], []
    for test_case, _, _, _, metrics in test_cases.iter(test_samples, ground_truths, inferences, sample_metrics):
        correct = sum(m.is_correct for m in metrics)
        overlap = sum(m.token_overlap for m in metrics) / len(metrics)
        case_metrics.append((test_case, AnswerCaseMetrics(n_correct=correct, n_incorrect=len(metrics) - correct,
                                                          mean_overlap=overlap)))
        case_plots.append((test_case, [BarPlot(title="answers", x_label="outcome", y_label="questions",
                                               labels=["correct", "incorrect"],
                                               values=[correct, len(metrics) - correct])]))
    suite = AnswerSuiteMetrics(n_stories=len({ts.story_id for ts in test_samples}), n_questions=len(test_samples),
                               overall_accuracy=sum(m.is_correct for m in sample_metrics) / len(sample_metrics))
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, sample_metrics)),
                             metrics_test_case=case_metrics, plots_test_case=case_plots, metrics_test_suite=suite)


STORIES = {"s1": "The cat sat on the red mat all day.", "s2": "Two friends walked to the old bridge at noon."}
QUESTIONS = [("what", "the red mat"), ("who", "two friends"), ("where", "the old bridge"), ("when", "at noon")]


def _turns():
    pairs, context = [], {story: [] for story in STORIES}
    for i in range(12):
        story = "s1" if i < 6 else "s2"
        kind, answer = QUESTIONS[i % 4]
        turn = len(context[story]) + 1
        context[story].append(f"{turn:02d} - Q: {kind} ? - A: {answer}")
        pairs.append((Turn(text=STORIES[story], story_id=story, question=f"{kind} question {i}?", turn=turn,
                           metadata={"type_of_question": kind, "answer_words": len(answer.split())}),
                      Answer(answer=answer, context=list(context[story]),
                             question_answer=ClassificationLabel(context[story][-1]))))
    return pairs


def test_story_questions_with_init_many_and_suite_metrics(sqlite_store):
    pairs = _turns()
    complete = TestCase("complete :: stories", test_samples=pairs, reset=True)
    by_type = {kind: [p for p in pairs if p[0].metadata["type_of_question"] == kind] for kind, _ in QUESTIONS}
    type_cases = TestCase.init_many([(f"question type :: {kind}", samples) for kind, samples in by_type.items()],
                                    reset=True)
    by_turn = {t: [p for p in pairs if p[0].turn == t] for t in sorted({p[0].turn for p in pairs})}
    turn_cases = TestCase.init_many([(f"turn :: {t:02d}", s) for t, s in by_turn.items() if len(s) >= 2], reset=True)
    TestSuite("question types :: stories", test_cases=[complete, *type_cases], reset=True)
    TestSuite("turns :: stories", test_cases=[complete, *turn_cases], reset=True)
    assert [tc.version for tc in type_cases] == [1, 1, 1, 1] and len(turn_cases) == 6

    answers = {p[0].question: p[1].answer for p in pairs}

    def infer(sample: Turn) -> ModelAnswer:
        answer = answers[sample.question] if sample.metadata["type_of_question"] != "where" else "under a tree"
        return ModelAnswer(answer=ClassificationLabel(answer), total_tokens=len(sample.text.split()) + 3,
                           source="s3://results/story-model.csv")

    model = Model("story-model", infer=infer)
    test(model, TestSuite.load("question types :: stories"), evaluate_answers, [OverlapThreshold(threshold=0.5)],
         reset=True)

    suite = TestSuite.load("question types :: stories")
    cases = load_test_case_metrics(model, suite).set_index("test_case")
    assert cases.loc["question type :: where", "n_correct"] == 0
    assert cases.loc["question type :: what", "n_incorrect"] == 0
    assert cases.loc["complete :: stories", "n_correct"] == 9
    suite_row = load_test_suite_metrics(model, suite).iloc[0]
    assert (suite_row["n_stories"], suite_row["n_questions"]) == (2, 12)
    assert suite_row["overall_accuracy"] == pytest.approx(0.75)
    bars = {tc.name: p.values for tc, _, _, p in load_test_case_plots(model, suite)}
    assert bars["complete :: stories"] == [9, 3]

    per_sample = load_test_sample_metrics(model, TestCase.load("question type :: who"))
    assert sorted(per_sample["story_id"]) == ["s1", "s1", "s2"] and per_sample["is_correct"].all()
    stored = dict((ts.question, gt) for ts, gt in complete.load_test_samples())
    assert stored["when question 11?"].context[-1] == "06 - Q: when ? - A: at noon"
