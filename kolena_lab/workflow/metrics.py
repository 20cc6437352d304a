"""Kolena's ``kolena.workflow.metrics``: count formulas, IoU and inference matching, with Kolena's names and signatures,
computed by the kernels of ``kolena_lab.metrics``."""
from typing import List, Literal, Optional, TypeVar, Union

from kolena_lab import metrics as _kernels
from kolena_lab.errors import InputValidationError
from kolena_lab.metrics import InferenceMatches, MulticlassInferenceMatches
from kolena_lab.metrics.matching import with_iou
from kolena_lab.workflow.annotation import (
    BoundingBox,
    Polygon,
    ScoredBoundingBox,
    ScoredLabeledBoundingBox,
    ScoredLabeledPolygon,
    ScoredPolygon,
)

GT = TypeVar("GT", bound=Union[BoundingBox, Polygon])
Inf = TypeVar("Inf", bound=Union[ScoredBoundingBox, ScoredPolygon, ScoredLabeledBoundingBox, ScoredLabeledPolygon])


def accuracy(true_positives: int, false_positives: int, false_negatives: int, true_negatives: int) -> float:
    """(TP + TN) / (TP + FP + FN + TN); 0 when there is nothing to count."""
    return _kernels.accuracy(true_positives, false_positives, false_negatives, true_negatives)


def precision(true_positives: int, false_positives: int) -> float:
    """TP / (TP + FP): the share of inferences that are correct; 0 when there are none."""
    return _kernels.precision(true_positives, false_positives)


def recall(true_positives: int, false_negatives: int) -> float:
    """TP / (TP + FN): the share of ground truths found; 0 when there are none."""
    return _kernels.recall(true_positives, false_negatives)


def f1_score(true_positives: int, false_positives: int, false_negatives: int) -> float:
    """The harmonic mean of precision and recall; 0 when both are 0."""
    return _kernels.f1_score(true_positives, false_positives, false_negatives)


def fpr(true_negatives: int, false_positives: int) -> float:
    """False positive rate FP / (FP + TN); 0 when there are no negatives."""
    return _kernels.fpr(true_negatives, false_positives)


def specificity(true_negatives: int, false_positives: int) -> float:
    """True negative rate TN / (TN + FP); 0 when there are no negatives."""
    return _kernels.specificity(true_negatives, false_positives)


def iou(a: Union[BoundingBox, Polygon], b: Union[BoundingBox, Polygon]) -> float:
    """Intersection over union of two boxes, two polygons, or a box and a polygon (0 when they only touch)."""
    return _kernels.iou(a, b)


def _check_mode(mode: str) -> None:
    if mode != "pascal":
        raise InputValidationError(f"mode {mode!r} is not a valid mode: only 'pascal' is available")


def match_inferences(
    ground_truths: List[GT],
    inferences: List[Inf],
    *,
    ignored_ground_truths: Optional[List[GT]] = None,
    mode: Literal["pascal"] = "pascal",
    iou_threshold: float = 0.5,
    required_match_fields: Optional[List[str]] = None,
) -> InferenceMatches[GT, Inf]:
    """Match one image's scored inferences to its ground truths, ignoring labels, by the PASCAL VOC rule.

    By descending score, each inference takes the ground truth (regular, then ignored) of highest IoU at or above
    ``iou_threshold``; it is unmatched when there is none or that ground truth is taken, and dropped when it is an
    ignored one. Returned inferences carry ``iou``; ``required_match_fields`` names attributes that must be equal.
    """
    _check_mode(mode)
    return _kernels.match_inferences(ground_truths, inferences, ignored_ground_truths=ignored_ground_truths,
                                     mode=mode, iou_threshold=iou_threshold,
                                     required_match_fields=required_match_fields)


def match_inferences_multiclass(
    ground_truths: List[GT],
    inferences: List[Inf],
    *,
    ignored_ground_truths: Optional[List[GT]] = None,
    mode: Literal["pascal"] = "pascal",
    iou_threshold: float = 0.5,
    required_match_fields: Optional[List[str]] = None,
) -> MulticlassInferenceMatches[GT, Inf]:
    """``match_inferences`` per ``label``, then a label-blind pass between the leftovers to find confusions.

    ``unmatched_gt`` holds ``(ground truth, confused inference)`` pairs, the inference carrying its IoU with that
    ground truth, then ``(ground truth, None)``; a confused inference also stays in ``unmatched_inf``.
    """
    _check_mode(mode)
    matches = _kernels.match_inferences_multiclass(
        ground_truths, inferences, ignored_ground_truths=ignored_ground_truths, mode=mode,
        iou_threshold=iou_threshold, required_match_fields=required_match_fields)
    unmatched_gt = [(gt, None if inf is None else with_iou(inf, _kernels.iou(gt, inf)))
                    for gt, inf in matches.unmatched_gt]
    return MulticlassInferenceMatches(matches.matched, unmatched_gt, matches.unmatched_inf)


__all__ = [
    "accuracy",
    "f1_score",
    "fpr",
    "InferenceMatches",
    "iou",
    "match_inferences",
    "match_inferences_multiclass",
    "MulticlassInferenceMatches",
    "precision",
    "recall",
    "specificity",
]
