"""The prebuilt 2D object detection workflow ("Object Detection"): its data types, bound classes, metrics types and
evaluator configuration, with Kolena's names and fields.

As in Kolena, the test sample, ground truth and inference are pydantic dataclasses, so that a subclass may narrow an
inherited field (e.g. ``bboxes: List[ExtendedBoundingBox]``) under pydantic's ``@dataclass``."""
import dataclasses
from dataclasses import dataclass
from typing import List, Optional, Union

import pydantic.dataclasses

from kolena_lab.errors import InputValidationError
from kolena_lab.workflow import EvaluatorConfiguration
from kolena_lab.workflow import GroundTruth as BaseGroundTruth
from kolena_lab.workflow import Image
from kolena_lab.workflow import Inference as BaseInference
from kolena_lab.workflow import Metadata, MetricsTestCase, MetricsTestSample, MetricsTestSuite, define_workflow
from kolena_lab.workflow.directions import higher, lower, neutral
from kolena_lab.workflow.annotation import (
    LabeledBoundingBox,
    LabeledPolygon,
    ScoredLabel,
    ScoredLabeledBoundingBox,
    ScoredLabeledPolygon,
)

WORKFLOW_NAME = "Object Detection"
F1_OPTIMAL = "F1-Optimal"
GroundTruthObject = Union[LabeledBoundingBox, LabeledPolygon]
InferenceObject = Union[ScoredLabeledBoundingBox, ScoredLabeledPolygon]


@pydantic.dataclasses.dataclass(frozen=True)
class TestSample(Image):
    """An image with optional metadata."""

    __test__ = False
    metadata: Metadata = dataclasses.field(default_factory=dict)


@pydantic.dataclasses.dataclass(frozen=True)
class GroundTruth(BaseGroundTruth):
    """The image's labeled boxes or polygons, those to ignore in evaluation, and their count (``n_bboxes``, set from
    ``bboxes``)."""

    bboxes: List[GroundTruthObject]
    ignored_bboxes: List[GroundTruthObject] = dataclasses.field(default_factory=list)
    n_bboxes: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_bboxes", len(self.bboxes))


@pydantic.dataclasses.dataclass(frozen=True)
class Inference(BaseInference):
    """The model's scored labeled boxes or polygons; ``ignored`` leaves the image out of the evaluation."""

    bboxes: List[InferenceObject]
    ignored: bool = False


workflow, TestCase, TestSuite, Model = define_workflow(WORKFLOW_NAME, TestSample, GroundTruth, Inference)


@dataclass(frozen=True)
class TestSampleMetricsSingleClass(MetricsTestSample):
    """One image, labels disregarded: objects at the confidence threshold ``thresholds``."""

    TP: List[InferenceObject]
    FP: List[InferenceObject]
    FN: List[GroundTruthObject]
    count_TP: int
    count_FP: int
    count_FN: int
    has_TP: bool
    has_FP: bool
    has_FN: bool
    ignored: bool
    max_confidence_above_t: Optional[float]
    min_confidence_above_t: Optional[float]
    thresholds: float


@dataclass(frozen=True)
class TestCaseMetricsSingleClass(MetricsTestCase):
    """A test case, labels disregarded."""

    Objects: int = neutral()
    Inferences: int = neutral()
    TP: int = higher()
    FN: int = lower()
    FP: int = lower()
    nIgnored: int = neutral()
    Precision: float = higher()
    Recall: float = higher()
    F1: float = higher(2)
    AP: float = higher(1)


@dataclass(frozen=True)
class TestSampleMetrics(MetricsTestSample):
    """One image at its classes' thresholds; ``Confused`` are false positives overlapping a ground truth of another
    class, ``thresholds`` the threshold of each class the image's inferences have."""

    TP: List[InferenceObject]
    FP: List[InferenceObject]
    FN: List[GroundTruthObject]
    Confused: List[InferenceObject]
    count_TP: int
    count_FP: int
    count_FN: int
    count_Confused: int
    has_TP: bool
    has_FP: bool
    has_FN: bool
    has_Confused: bool
    ignored: bool
    max_confidence_above_t: Optional[float]
    min_confidence_above_t: Optional[float]
    thresholds: List[ScoredLabel]


@dataclass(frozen=True)
class ClassMetricsPerTestCase(MetricsTestCase):
    """One class of a test case; ``nImages`` counts the images with a ground truth of the class."""

    Class: str
    nImages: int = neutral()
    Threshold: float = neutral()
    Objects: int = neutral()
    Inferences: int = neutral()
    TP: int = higher()
    FN: int = lower()
    FP: int = lower()
    Precision: float = higher()
    Recall: float = higher()
    F1: float = higher(2)
    AP: float = higher(1)


@dataclass(frozen=True)
class TestCaseMetrics(MetricsTestCase):
    """A test case: pooled counts, macro averages over its classes and micro averages of the pooled counts."""

    PerClass: List[ClassMetricsPerTestCase]
    Objects: int = neutral()
    Inferences: int = neutral()
    TP: int = higher()
    FN: int = lower()
    FP: int = lower()
    nIgnored: int = neutral()
    macro_Precision: float = higher()
    macro_Recall: float = higher()
    macro_F1: float = higher(2)
    mean_AP: float = higher(1)
    micro_Precision: float = higher()
    micro_Recall: float = higher()
    micro_F1: float = higher()


@dataclass(frozen=True)
class TestSuiteMetrics(MetricsTestSuite):
    """The suite: its distinct images, the mean of its test cases' (mean) AP and, labels disregarded, the threshold."""

    n_images: int
    mean_AP: float
    threshold: Optional[float] = None


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputValidationError(f"'{name}' must be a number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class ThresholdConfiguration(EvaluatorConfiguration):
    """``threshold_strategy``: ``"F1-Optimal"`` (per class) or a fixed confidence threshold for every class;
    ``iou_threshold``: the IoU a match needs; ``min_confidence_score``: inferences below it are dropped before
    matching; ``multiclass``: force the multiclass (True) or label-blind (False) evaluation, by default multiclass
    when the test case has two labels or more."""

    threshold_strategy: Union[str, float] = F1_OPTIMAL
    iou_threshold: float = 0.5
    min_confidence_score: float = 0.0
    multiclass: Optional[bool] = None

    def __post_init__(self) -> None:
        if self.threshold_strategy != F1_OPTIMAL:
            try:
                object.__setattr__(self, "threshold_strategy", _number(self.threshold_strategy, "threshold_strategy"))
            except InputValidationError:
                raise InputValidationError(f"'threshold_strategy' must be {F1_OPTIMAL!r} or a number, got "
                                           f"{self.threshold_strategy!r}") from None
        object.__setattr__(self, "iou_threshold", _number(self.iou_threshold, "iou_threshold"))
        object.__setattr__(self, "min_confidence_score", _number(self.min_confidence_score, "min_confidence_score"))
        if self.multiclass is not None and not isinstance(self.multiclass, bool):
            raise InputValidationError(f"'multiclass' must be None, True or False, got {self.multiclass!r}")

    def display_name(self) -> str:
        kind = "" if self.multiclass is None else ("Multiclass, " if self.multiclass else "SingleClass, ")
        return (f"{kind}Confidence Threshold: {self.threshold_strategy}, IoU: {self.iou_threshold}, "
                f"min confidence ≥ {self.min_confidence_score}")


__all__ = [
    "WORKFLOW_NAME", "F1_OPTIMAL", "workflow", "TestSample", "GroundTruth", "Inference", "TestCase", "TestSuite",
    "Model", "TestSampleMetricsSingleClass", "TestCaseMetricsSingleClass", "TestSampleMetrics",
    "ClassMetricsPerTestCase", "TestCaseMetrics", "TestSuiteMetrics", "ThresholdConfiguration",
]
