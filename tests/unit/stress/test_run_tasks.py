"""The built-in per-sample scores a stress test compares, and the failure rule."""
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pytest

from kolena_lab.errors import IncorrectUsageError
from kolena_lab.stress.tasks import resolve_task
from kolena_lab.workflow import GroundTruth, Image, Inference, Workflow
from kolena_lab.workflow.annotation import (
    ClassificationLabel,
    Keypoints,
    LabeledBoundingBox,
    ScoredClassificationLabel,
    ScoredLabeledBoundingBox,
)

from tests.unit.stress import _models as m


@dataclass(frozen=True)
class KpGT(GroundTruth):
    face: Keypoints


@dataclass(frozen=True)
class KpInf(Inference):
    face: Optional[Keypoints] = None


@dataclass(frozen=True)
class Age(GroundTruth):
    age: float


@dataclass(frozen=True)
class AgeInf(Inference):
    age: float


KEYPOINTS = Workflow("stress keypoints", Image, KpGT, KpInf)
AGES = Workflow("stress ages", Image, Age, AgeInf)
SAMPLE = Image("x.png")


def test_classification_correct_and_true_score():
    correct = resolve_task(m.CLS[0], None, None, None, None)
    assert (correct.metric, correct.higher_is_better, correct.failure) == ("correct", True, 0.5)
    gt = m.ClsGT(ClassificationLabel("cat"))
    scores = m.ClsInf([ScoredClassificationLabel("dog", 0.6), ScoredClassificationLabel("cat", 0.4)])
    assert correct.score(SAMPLE, gt, scores) == 0.0
    assert correct.score(SAMPLE, gt, m.ClsInf([ScoredClassificationLabel("cat", 0.9)])) == 1.0
    assert correct.score(SAMPLE, gt, m.ClsInf([])) == 0.0
    true_score = resolve_task(m.CLS[0], "true_score", None, None, None)
    assert true_score.score(SAMPLE, gt, scores) == 0.4
    assert true_score.score(SAMPLE, gt, m.ClsInf([ScoredClassificationLabel("dog", 1.0)])) == 0.0


def test_detection_f1_of_confident_boxes_matched_by_label_at_iou_half():
    task = resolve_task(m.DET[0], None, None, None, None)
    assert (task.metric, task.higher_is_better) == ("f1", True)
    gt = m.DetGT([LabeledBoundingBox((0, 0), (10, 10), "a"), LabeledBoundingBox((20, 20), (30, 30), "b")])
    inf = m.DetInf([ScoredLabeledBoundingBox((0, 0), (10, 9), "a", 0.9),       # TP (IoU 0.9)
                    ScoredLabeledBoundingBox((20, 20), (30, 30), "a", 0.9),     # FP: wrong label; b is a FN
                    ScoredLabeledBoundingBox((40, 40), (50, 50), "b", 0.3)])    # below the confidence: ignored
    assert task.score(SAMPLE, gt, inf) == pytest.approx(2 * 1 / (2 * 1 + 1 + 1))
    assert task.score(SAMPLE, m.DetGT([]), m.DetInf([])) == 1.0
    assert task.score(SAMPLE, gt, m.DetInf([])) == 0.0


def test_keypoints_nme_over_the_first_two_points():
    task = resolve_task(KEYPOINTS, None, None, None, None)
    assert (task.metric, task.higher_is_better, task.failure) == ("nme", False, 0.1)
    truth = np.array([[10.0, 10.0], [30.0, 10.0], [20.0, 25.0]])
    predicted = truth + np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
    expected = np.mean([1.0, 2.0, 5.0]) / 20.0
    score = task.score(SAMPLE, KpGT(Keypoints(truth.tolist())), KpInf(Keypoints(predicted.tolist())))
    assert score == pytest.approx(expected)
    assert task.score(SAMPLE, KpGT(Keypoints(truth.tolist())), KpInf(None)) == 1.0
    assert task.is_failure(0.05, 0.2) and not task.is_failure(0.2, 0.3) and task.drop(0.05, 0.2) == pytest.approx(0.15)


def test_failure_rule_and_custom_metrics():
    task = resolve_task(m.CLS[0], "true_score", None, 0.4, 0.3)
    assert task.is_failure(0.9, 0.35)          # crosses the threshold
    assert not task.is_failure(0.3, 0.2)       # the parent failed already, drop 0.1 < 0.3
    assert task.is_failure(0.95, 0.6)          # a drop of 0.35 >= max_drop
    with pytest.raises(IncorrectUsageError, match="a custom metric needs a failure threshold"):
        resolve_task(m.CLS[0], lambda s, g, i: 1.0, True, None, None)
    with pytest.raises(IncorrectUsageError, match="a custom metric needs its direction"):
        resolve_task(m.CLS[0], lambda s, g, i: 1.0, None, 0.5, None)
    with pytest.raises(IncorrectUsageError, match="higher_is_better is for a custom metric"):
        resolve_task(m.CLS[0], None, True, None, None)

    def brightness(sample, ground_truth, inference):
        return 0.0

    custom = resolve_task(m.TEXT[0], brightness, False, 2.0, None)
    assert (custom.metric, custom.higher_is_better, custom.failure) == ("brightness", False, 2.0)
    with pytest.raises(IncorrectUsageError, match="workflow 'stress ages' has no fields for a built-in metric"):
        resolve_task(AGES, None, None, None, None)
    with pytest.raises(IncorrectUsageError, match="workflow 'stress keypoints' has no fields for metric 'correct'"):
        resolve_task(KEYPOINTS, "correct", None, None, None)
