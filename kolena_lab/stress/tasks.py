"""The per-sample score a stress test compares between a clean sample and its perturbations, and what makes a
perturbed sample a failure.

Built-in scores (chosen by the workflow's ground-truth and inference field types, first matching field):

- classification (a ``ClassificationLabel`` ground truth, ``ScoredClassificationLabel`` inferences):
  ``"correct"`` (default): 1 when the top-scored label is the true one, else 0; ``"true_score"``: the score given to
  the true label (0 when absent). Higher is better; a sample fails below 0.5 (a wrong top label).
- detection (lists of bounding boxes): ``"f1"``: the image's F1 of inferences scoring at least 0.5 matched to ground
  truths of the same label at IoU >= 0.5 (``kolena_lab.metrics.match_inferences``, Pascal VOC rule); an image
  without ground truths nor inferences scores 1. Higher is better; a sample fails below 0.5.
- keypoints (``Keypoints`` in both): ``"nme"``: the normalised mean error over the points, normalised by the distance
  between the first two ground-truth points (inter-ocular); an inference without keypoints counts as NME 1. Lower is
  better; a sample fails above 0.1.

A custom score is ``metric(test_sample, ground_truth, inference) -> float`` with ``higher_is_better`` and a
``failure`` threshold. The rule: a perturbed sample is a failure when its score is on the failing side of the
threshold (below it, or above it for lower-is-better scores) while its clean parent's is not, or when its drop (how
much worse than the parent it is) is at least ``max_drop`` (when given).
"""
import dataclasses
import math
from typing import Any, Callable, Optional, Union

import numpy as np

from kolena_lab.errors import IncorrectUsageError, InputValidationError, shown
from kolena_lab.evaluators._fields import find_field, list_of, subclass_of
from kolena_lab.metrics import match_inferences, nme
from kolena_lab.workflow.annotation import BoundingBox, ClassificationLabel, Keypoints, ScoredClassificationLabel
from kolena_lab.workflow.workflow import Workflow

Metric = Callable[[Any, Any, Any], float]
BUILT_IN = ("correct", "true_score", "f1", "nme")
DETECTION_CONFIDENCE = 0.5
DETECTION_IOU = 0.5
MISSING_NME = 1.0


@dataclasses.dataclass(frozen=True)
class Task:
    """How samples are scored: ``score(sample, ground truth, inference)``, its direction and failure rule."""

    metric: str  # the built-in name, or the custom function's name
    score: Metric
    higher_is_better: bool
    failure: float
    max_drop: Optional[float] = None

    def fails(self, score: float) -> bool:
        """Whether a score is on the failing side of the threshold."""
        return score < self.failure if self.higher_is_better else score > self.failure

    def drop(self, clean: float, score: float) -> float:
        """How much worse ``score`` is than ``clean`` (negative when better)."""
        return clean - score if self.higher_is_better else score - clean

    def is_failure(self, clean: float, score: float) -> bool:
        """The failure rule (see the module's docstring)."""
        if self.fails(score) and not self.fails(clean):
            return True
        return self.max_drop is not None and self.drop(clean, score) >= self.max_drop

    def describe(self) -> dict:
        """JSON-able description (what a stored run records)."""
        return {"metric": self.metric, "higher_is_better": self.higher_is_better, "failure": self.failure,
                "max_drop": self.max_drop}


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(value)):
        raise InputValidationError(f"'{name}' must be a finite number, got {shown(value)}")
    return float(value)


def resolve_task(workflow: Workflow, metric: Union[str, Metric, None], higher_is_better: Optional[bool],
                 failure: Optional[float], max_drop: Optional[float]) -> Task:
    """The task of a stress test: the built-in score of the workflow (or the one named by ``metric``), or the custom
    ``metric`` function; ``failure`` and ``max_drop`` override the thresholds."""
    if max_drop is not None:
        max_drop = _number(max_drop, "max_drop")
    if failure is not None:
        failure = _number(failure, "failure")
    if callable(metric):
        if failure is None:
            raise IncorrectUsageError("a custom metric needs a failure threshold: pass failure=...")
        if higher_is_better is None:
            raise IncorrectUsageError("a custom metric needs its direction: pass higher_is_better=True or False")
        name = getattr(metric, "__name__", type(metric).__name__)
        return Task(name, metric, bool(higher_is_better), failure, max_drop)
    if metric is not None and metric not in BUILT_IN:
        raise InputValidationError(f"metric must be a function or one of {', '.join(map(repr, BUILT_IN))}, got "
                                   f"{shown(metric)}")
    if higher_is_better is not None:
        raise IncorrectUsageError("higher_is_better is for a custom metric; built-in metrics know their direction")
    task = _built_in(workflow, metric)
    return dataclasses.replace(task, failure=task.failure if failure is None else failure, max_drop=max_drop)


def _field(cls: type, accepts: Callable[[Any], bool]) -> Optional[str]:
    try:
        return find_field(cls, None, accepts, role="", expected="", parameter="")
    except ValueError:
        return None


def _built_in(workflow: Workflow, metric: Optional[str]) -> Task:
    gt_type, inf_type = workflow.ground_truth_type, workflow.inference_type
    fields = {
        "classification": (_field(gt_type, subclass_of(ClassificationLabel)),
                           _field(inf_type, lambda tp: subclass_of(ScoredClassificationLabel)(tp)
                                  or list_of(ScoredClassificationLabel)(tp))),
        "detection": (_field(gt_type, list_of(BoundingBox)), _field(inf_type, list_of(BoundingBox))),
        "keypoints": (_field(gt_type, subclass_of(Keypoints)), _field(inf_type, subclass_of(Keypoints))),
    }
    kind = next((k for k, (gt, inf) in fields.items() if gt and inf), None)
    wanted = {"correct": "classification", "true_score": "classification", "f1": "detection", "nme": "keypoints"}
    if kind is None or (metric is not None and wanted[metric] != kind):
        what = f"metric {metric!r}" if metric else "a built-in metric"
        raise IncorrectUsageError(f"workflow '{workflow.name}' has no fields for {what} (classification, detection "
                                  "or keypoints ground truth and inference): pass metric=function(test_sample, "
                                  "ground_truth, inference), higher_is_better and failure")
    gt_field, inf_field = fields[kind]
    if kind == "classification":
        name = metric or "correct"
        return Task(name, _classification(gt_field, inf_field, name == "true_score"), True, 0.5)
    if kind == "detection":
        return Task("f1", _detection(gt_field, inf_field), True, 0.5)
    return Task("nme", _keypoints(gt_field, inf_field), False, 0.1)


def _scored(value: Any) -> list:
    return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]


def _classification(gt_field: str, inf_field: str, true_score: bool) -> Metric:
    def score(_sample: Any, ground_truth: Any, inference: Any) -> float:
        truth = str(getattr(ground_truth, gt_field).label)
        scored = [(str(s.label), float(s.score)) for s in _scored(getattr(inference, inf_field))]
        if true_score:
            return max((s for label, s in scored if label == truth), default=0.0)
        if not scored:
            return 0.0
        return float(max(scored, key=lambda pair: pair[1])[0] == truth)
    return score


def _detection(gt_field: str, inf_field: str) -> Metric:
    def score(_sample: Any, ground_truth: Any, inference: Any) -> float:
        gts = list(getattr(ground_truth, gt_field) or [])
        infs = [b for b in getattr(inference, inf_field) or [] if getattr(b, "score", 1.0) >= DETECTION_CONFIDENCE]
        if not gts and not infs:
            return 1.0
        labelled = all(hasattr(b, "label") for b in gts + infs)
        matches = match_inferences(gts, infs, iou_threshold=DETECTION_IOU,
                                   required_match_fields=["label"] if labelled else None)
        tp, fn, fp = len(matches.matched), len(matches.unmatched_gt), len(matches.unmatched_inf)
        return 2 * tp / (2 * tp + fp + fn)
    return score


def _keypoints(gt_field: str, inf_field: str) -> Metric:
    def score(_sample: Any, ground_truth: Any, inference: Any) -> float:
        truth = np.asarray(getattr(ground_truth, gt_field).points, dtype=float)
        predicted = getattr(inference, inf_field)
        if predicted is None or len(predicted.points) != len(truth) or len(truth) < 2:
            return MISSING_NME
        norm = float(np.linalg.norm(truth[0] - truth[1]))
        if norm <= 0:
            return MISSING_NME
        return float(nme(truth[None], np.asarray(predicted.points, dtype=float)[None], [norm])[0])
    return score
