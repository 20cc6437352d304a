"""The shape of Kolena's speaker diarization example: Audio samples whose ground truths and inferences are lists of
labeled time segments carrying an extra ``group`` (the speaker), test cases by tertiles of a metadata number, a
tagged suite found again with ``load_all(tags=...)``, and per-sample metrics holding lists of time segments."""
import dataclasses
from typing import List

import numpy as np
import pytest
from pydantic.dataclasses import dataclass

from kolena_lab.workflow import (
    Audio,
    GroundTruth as BaseGroundTruth,
    Inference as BaseInference,
    Metadata,
    MetricsTestCase,
    MetricsTestSample,
    define_workflow,
    load_test_case_metrics,
    load_test_sample_metrics,
    test,
)
from kolena_lab.workflow.annotation import LabeledTimeSegment, TimeSegment
from kolena_lab.workflow.evaluator_function import EvaluationResults, TestCases


@dataclass(frozen=True)
class Meeting(Audio):
    metadata: Metadata = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Turns(BaseGroundTruth):
    transcription: List[LabeledTimeSegment]


@dataclass(frozen=True)
class PredictedTurns(BaseInference):
    transcription: List[LabeledTimeSegment]


_, TestCase, TestSuite, Model = define_workflow("Example Meeting Diarization", Meeting, Turns, PredictedTurns)


@dataclass(frozen=True)
class TurnMetrics(MetricsTestSample):
    speaker_error_seconds: float
    speaker_error_rate: float
    wrong_speaker: List[TimeSegment]


@dataclass(frozen=True)
class MeetingCaseMetrics(MetricsTestCase):
    speaker_error_rate: float


def _speaker_at(turns: List[LabeledTimeSegment], t: float):
    return next((turn.group for turn in turns if turn.start <= t < turn.end), None)


def evaluate_meetings(test_samples: List[Meeting], ground_truths: List[Turns], inferences: List[PredictedTurns],
                      test_cases: TestCases) -> EvaluationResults:
    sample_metrics = []
    for gt, inf in zip(ground_truths, inferences):
        wrong = [TimeSegment(turn.start, turn.end) for turn in gt.transcription
                 if _speaker_at(inf.transcription, (turn.start + turn.end) / 2) != turn.group]
        speech = sum(turn.end - turn.start for turn in gt.transcription)
        error = sum(seg.end - seg.start for seg in wrong)
        sample_metrics.append(TurnMetrics(speaker_error_seconds=error, speaker_error_rate=error / speech,
                                          wrong_speaker=wrong))
    case_metrics = [
        (test_case, MeetingCaseMetrics(speaker_error_rate=np.mean([m.speaker_error_rate for m in metrics])))
        for test_case, _, _, _, metrics in test_cases.iter(test_samples, ground_truths, inferences, sample_metrics)
    ]
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, sample_metrics)),
                             metrics_test_case=case_metrics)


def _tertiles(test_case, feature: str) -> dict:
    values = [ts.metadata[feature] for ts, _ in test_case.iter_test_samples()]
    low, high = np.percentile(values, [100 / 3, 200 / 3])
    return {"1st tertile": lambda x: x < low, "2nd tertile": lambda x: low <= x < high,
            "3rd tertile": lambda x: high <= x}


def _meeting(i: int):
    turns = [LabeledTimeSegment(start=2.0 * k, end=2.0 * k + 1.5, label=f"utterance {k}", group="AB"[k % 2])
             for k in range(4)]
    metadata = {"Average_Amplitude": 0.1 * (i + 1), "Num_Speakers": np.int64(2), "transcription_path": f"audio/{i}.csv"}
    return Meeting(locator=f"s3://meetings/audio/{i:02d}.wav", metadata=metadata), Turns(transcription=turns)


def test_meeting_diarization_by_amplitude_tertile(sqlite_store):
    pairs = [_meeting(i) for i in range(9)]
    complete = TestCase("complete :: meetings", test_samples=pairs, reset=True)
    tertiles = _tertiles(complete, "Average_Amplitude")
    cases = [TestCase(f"average amplitude :: {name} :: meetings",
                      test_samples=[(ts, gt) for ts, gt in complete.iter_test_samples()
                                    if keep(ts.metadata["Average_Amplitude"])], reset=True)
             for name, keep in tertiles.items()]
    TestSuite("meetings :: average amplitude", test_cases=[complete, *cases], reset=True,
              tags={"meetings", "meetings :: average amplitude"})
    assert [len(tc.load_test_samples()) for tc in cases] == [3, 3, 3]
    loaded_turn = complete.load_test_samples()[0][1].transcription[1]
    assert (loaded_turn.label, loaded_turn.group) == ("utterance 1", "B")

    def infer(sample: Meeting) -> PredictedTurns:
        index = int(sample.locator[-6:-4])
        turns = [LabeledTimeSegment(start=2.0 * k, end=2.0 * k + 1.5, label="", group="AB"[k % 2]) for k in range(4)]
        if index >= 6:  # the loudest meetings: the last turn goes to the wrong speaker
            turns[-1] = LabeledTimeSegment(start=6.0, end=7.5, label="", group="A")
        return PredictedTurns(transcription=turns)

    model = Model("diarizer", infer=infer, metadata={"model family": "clustering"})
    suites = TestSuite.load_all(tags={"meetings"})
    assert [s.name for s in suites] == ["meetings :: average amplitude"]
    for suite in suites:
        test(model, suite, evaluate_meetings, reset=True)

    frame = load_test_case_metrics(model, suites[0]).set_index("test_case")
    assert frame.loc["average amplitude :: 1st tertile :: meetings", "speaker_error_rate"] == 0.0
    assert frame.loc["average amplitude :: 3rd tertile :: meetings", "speaker_error_rate"] == pytest.approx(0.25)
    assert frame.loc["complete :: meetings", "speaker_error_rate"] == pytest.approx(0.25 / 3)
    per_sample = load_test_sample_metrics(model, complete).set_index("locator")
    assert per_sample.loc["s3://meetings/audio/08.wav", "wrong_speaker"] == [TimeSegment(6.0, 7.5)]
    assert per_sample.loc["s3://meetings/audio/00.wav", "wrong_speaker"] == []
