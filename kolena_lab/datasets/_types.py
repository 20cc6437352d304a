"""The types of imported workflows, those the ready evaluators read: detection (``ObjectDetectionEvaluator``) and
classification (``ClassificationEvaluator``). Test samples are ``Image``s; what a file says about an image is its
metadata."""
from dataclasses import dataclass, field
from typing import List

from kolena_lab.workflow.annotation import (
    LabeledBoundingBox,
    LabeledPolygon,
    ScoredClassificationLabel,
    ScoredLabeledBoundingBox,
    ScoredLabeledPolygon,
)
from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.test_sample import Image


@dataclass(frozen=True)
class DetectionGroundTruth(GroundTruth):
    """An image's labeled boxes (crowd regions among them, ``iscrowd=1``: ignored by the evaluator) and the polygons
    of their segmentations, when given as polygons."""

    bboxes: List[LabeledBoundingBox]
    polygons: List[LabeledPolygon] = field(default_factory=list)


@dataclass(frozen=True)
class DetectionInference(Inference):
    """A model's scored labeled boxes of an image, and the polygons of their segmentations when given."""

    bboxes: List[ScoredLabeledBoundingBox]
    polygons: List[ScoredLabeledPolygon] = field(default_factory=list)


@dataclass(frozen=True)
class ClassificationGroundTruth(GroundTruth):
    """An image's class."""

    label: str


@dataclass(frozen=True)
class ClassificationInference(Inference):
    """A model's predicted class of an image and its score."""

    prediction: ScoredClassificationLabel


DETECTION_TYPES = (Image, DetectionGroundTruth, DetectionInference)
CLASSIFICATION_TYPES = (Image, ClassificationGroundTruth, ClassificationInference)
