"""The shape of Kolena's speech recognition example: a pydantic Audio sample whose metadata holds the recording's
numbers, transcriptions as classification labels, test cases cut from the complete case's samples by metadata, and a
function evaluator with word-error metrics and log-scaled histograms."""
import dataclasses
from typing import List

import numpy as np
import pytest
from pydantic.dataclasses import dataclass

from kolena_lab.workflow import (
    Audio,
    AxisConfig,
    GroundTruth as BaseGroundTruth,
    Histogram,
    Inference as BaseInference,
    Metadata,
    MetricsTestCase,
    MetricsTestSample,
    MetricsTestSuite,
    define_workflow,
    load_test_case_metrics,
    load_test_case_plots,
    load_test_suite_metrics,
    test,
)
from kolena_lab.workflow.annotation import ClassificationLabel
from kolena_lab.workflow.evaluator_function import EvaluationResults, TestCases


@dataclass(frozen=True)
class Recording(Audio):
    metadata: Metadata = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Transcript(BaseGroundTruth):
    transcription: ClassificationLabel


@dataclass(frozen=True)
class Hypothesis(BaseInference):
    transcription: ClassificationLabel


_, TestCase, TestSuite, Model = define_workflow("Example Dictation", Recording, Transcript, Hypothesis)


@dataclass(frozen=True)
class WordMetrics(MetricsTestSample):
    word_errors: int
    word_error_rate: float


@dataclass(frozen=True)
class DictationCaseMetrics(MetricsTestCase):
    n_failed: int
    mean_word_error_rate: float


@dataclass(frozen=True)
class DictationSuiteMetrics(MetricsTestSuite):
    recordings: int
    mean_word_error_rate: float


def _word_errors(reference: List[str], hypothesis: List[str]) -> int:
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        previous, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ref != hyp))
    return row[-1]


def evaluate_dictation(test_samples: List[Recording], ground_truths: List[Transcript], inferences: List[Hypothesis],
                       test_cases: TestCases) -> EvaluationResults:
    sample_metrics = []
    for gt, inf in zip(ground_truths, inferences):
        reference = gt.transcription.label.lower().split()
        errors = _word_errors(reference, inf.transcription.label.lower().split())
        sample_metrics.append(WordMetrics(word_errors=errors, word_error_rate=errors / len(reference)))
    case_metrics, case_plots = [], []
    for test_case, _, _, _, metrics in test_cases.iter(test_samples, ground_truths, inferences, sample_metrics):
        rates = [m.word_error_rate for m in metrics]
        case_metrics.append((test_case, DictationCaseMetrics(n_failed=sum(r > 0 for r in rates),
                                                             mean_word_error_rate=np.mean(rates))))
        counts, edges = np.histogram(rates, bins=np.linspace(0, 1, 11))
        case_plots.append((test_case, [Histogram(title="word error rate", x_label="WER", y_label="recordings",
                                                 buckets=list(edges), frequency=list(counts),
                                                 y_config=AxisConfig(type="log"))]))
    suite = DictationSuiteMetrics(recordings=len(test_samples),
                                  mean_word_error_rate=np.mean([m.word_error_rate for m in sample_metrics]))
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, sample_metrics)),
                             metrics_test_case=case_metrics, plots_test_case=case_plots, metrics_test_suite=suite)


SENTENCES = ["turn the lights on", "what is the weather today", "call my sister", "play some jazz music please"]


def test_dictation_suites_from_metadata(sqlite_store):
    pairs = []
    for i in range(16):
        text = SENTENCES[i % 4].upper()
        duration = 1.5 + 0.5 * i
        metadata = {"speaker_sex": " F " if i % 2 else " M ", "duration_seconds": duration,
                    "word_count": np.int64(len(text.split())), "tempo": len(text.split()) / duration}
        pairs.append((Recording(locator=f"s3://dictation/clips/{i:02d}.flac", metadata=metadata),
                      Transcript(transcription=ClassificationLabel(text))))
    complete = TestCase("complete :: dictation", test_samples=pairs, reset=True)
    by_duration = {"short": lambda d: d < 4, "medium": lambda d: 4 <= d < 7, "long": lambda d: 7 <= d}
    duration_cases = [
        TestCase(f"duration :: {name}", test_samples=[(ts, gt) for ts, gt in complete.iter_test_samples()
                                                      if keep(ts.metadata["duration_seconds"])], reset=True)
        for name, keep in by_duration.items()
    ]
    sex_cases = [
        TestCase(f"speaker sex :: {name}", test_samples=[(ts, gt) for ts, gt in complete.iter_test_samples()
                                                         if ts.metadata["speaker_sex"] == code], reset=True)
        for name, code in [("male", " M "), ("female", " F ")]
    ]
    TestSuite("dictation :: duration", test_cases=[complete, *duration_cases], reset=True)
    TestSuite("dictation :: speaker sex", test_cases=[complete, *sex_cases], reset=True)
    assert [len(tc.load_test_samples()) for tc in duration_cases] == [5, 6, 5]

    def infer(sample: Recording) -> Hypothesis:
        index = int(sample.locator[-7:-5])
        words = SENTENCES[index % 4].split()
        if index % 4 == 3:
            words[-1] = "pleas"
        return Hypothesis(transcription=ClassificationLabel(" ".join(words)))

    model = Model("dictate-small", infer=infer, metadata={"family": "ctc"})
    for name in ["dictation :: duration", "dictation :: speaker sex"]:
        test(model, TestSuite.load(name), evaluate_dictation, reset=True)

    suite = TestSuite.load("dictation :: speaker sex")
    cases = load_test_case_metrics(model, suite).set_index("test_case")
    assert cases.loc["complete :: dictation", "n_failed"] == 4
    assert cases.loc["speaker sex :: female", "mean_word_error_rate"] == pytest.approx(4 * 0.2 / 8)  # i = 3, 7, 11, 15
    assert cases.loc["speaker sex :: male", "n_failed"] == 0
    plots = load_test_case_plots(model, suite)
    assert all(p.y_config == AxisConfig(type="log") and sum(p.frequency) == len(tc.load_test_samples())
               for tc, _, _, p in plots)
    suite_row = load_test_suite_metrics(model, suite).iloc[0]
    assert suite_row["recordings"] == 16 and suite_row["mean_word_error_rate"] == pytest.approx(4 * 0.2 / 16)
