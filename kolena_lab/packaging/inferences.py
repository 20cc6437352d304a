"""Predictions as a workflow's inferences, for the ready workflows: the converter fills the inference type's field that
can hold what the prediction has (keypoints, then boxes, then masks as polygons, then scored class labels).

- ``List[ScoredClassificationLabel]`` (classification): a label per class with its score; a single
  ``ScoredClassificationLabel`` field gets the top-scoring one.
- A list that holds ``ScoredLabeledBoundingBox`` / ``ScoredLabeledPolygon`` (detection): one object per row of
  ``boxes`` (x1, y1, x2, y2); without boxes (or when the list holds only polygons), one polygon per mask of
  ``masks`` (the outline of its largest region).
- ``Keypoints`` (keypoints): the top-scoring row of ``keypoints`` (None when there is none), with its score in a
  ``confidence`` or ``score`` number field if the type has one; a list of ``Keypoints`` gets every row.

Any other inference type needs the user's ``to_inference(prediction, test_sample)``.
"""
import dataclasses
import typing
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

from kolena_lab.errors import ModelPackageError
from kolena_lab.evaluators._fields import field_types
from kolena_lab.packaging.masks import mask_polygon
from kolena_lab.workflow.annotation import (
    Keypoints,
    ScoredClassificationLabel,
    ScoredLabeledBoundingBox,
    ScoredLabeledPolygon,
)
from kolena_lab.workflow.inference import Inference

ToInference = Callable[[Dict[str, Any], Any], Inference]
_KINDS = (("keypoints", Keypoints), ("boxes", ScoredLabeledBoundingBox), ("masks", ScoredLabeledPolygon),
          ("classes", ScoredClassificationLabel))
_SCORE_FIELDS = ("confidence", "score")


def _slot(tp: Any) -> Tuple[bool, Tuple[type, ...]]:
    """Whether a field type is a list, and the classes it (or its items) may be."""
    is_list = typing.get_origin(tp) is list
    if is_list:
        tp = typing.get_args(tp)[0] if typing.get_args(tp) else Any
    members = typing.get_args(tp) if typing.get_origin(tp) is typing.Union else (tp,)
    return is_list, tuple(m for m in members if isinstance(m, type))


def _holds(members: Tuple[type, ...], cls: type) -> bool:
    return any(issubclass(cls, m) for m in members)


class DefaultConverter:
    """Builds ``inference_type`` from a checked prediction (see the module's docstring); ``ModelPackageError`` when
    the type has no field a prediction fills, or a required field it does not."""

    def __init__(self, inference_type: type):
        self.inference_type = inference_type
        types = field_types(inference_type)
        self.targets: Dict[str, Tuple[str, bool]] = {}  # prediction key -> (field, is list)
        for key, cls in _KINDS:
            for name, tp in types.items():
                is_list, members = _slot(tp)
                if _holds(members, cls):
                    self.targets[key] = (name, is_list)
                    break
        self.score_field = next((n for n in _SCORE_FIELDS if types.get(n) in (float, int)), None)
        if not self.targets:
            raise ModelPackageError(
                f"inference type '{inference_type.__name__}' has no field for predictions (a list of "
                "ScoredClassificationLabel, of ScoredLabeledBoundingBox or ScoredLabeledPolygon, or Keypoints): "
                "pass to_inference=(prediction, test_sample) -> inference")
        filled = {name for name, _ in self.targets.values()} | ({self.score_field} if self.score_field else set())
        required = [f.name for f in dataclasses.fields(inference_type) if f.init and f.name not in filled
                    and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
        if required:
            raise ModelPackageError(f"inference type '{inference_type.__name__}' has fields a prediction does not "
                                    f"fill ({', '.join(required)}): pass to_inference=(prediction, test_sample) -> "
                                    "inference")

    def __call__(self, prediction: Dict[str, Any], sample: Any) -> Inference:
        key = next((k for k, _ in _KINDS if k in self.targets and prediction.get(k) is not None), None)
        if key is None:
            raise ModelPackageError(f"the prediction holds none of {sorted(self.targets)}, which inference type "
                                    f"'{self.inference_type.__name__}' needs")
        field, is_list = self.targets[key]
        labels, scores = prediction["classes"], prediction["scores"]
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        values: Dict[str, Any] = {}
        if key == "classes":
            objects: List[Any] = [ScoredClassificationLabel(label=labels[i], score=float(scores[i]))
                                  for i in range(len(labels))]
        elif key == "boxes":
            objects = [ScoredLabeledBoundingBox(top_left=(float(b[0]), float(b[1])),
                                                bottom_right=(float(b[2]), float(b[3])),
                                                label=labels[i], score=float(scores[i]))
                       for i, b in enumerate(prediction["boxes"])]
        elif key == "masks":
            objects = [ScoredLabeledPolygon(points=_polygon(mask, i), label=labels[i], score=float(scores[i]))
                       for i, mask in enumerate(prediction["masks"])]
        else:
            objects = [Keypoints(points=[(float(p[0]), float(p[1])) for p in points])
                       for points in prediction["keypoints"]]
            if self.score_field is not None and not is_list:
                values[self.score_field] = float(scores[order[0]]) if order else None
        if is_list:
            values[field] = objects
        else:
            values[field] = objects[order[0]] if order else None
        return self.inference_type(**values)


def _polygon(mask: np.ndarray, index: int) -> List[Tuple[float, float]]:
    points = mask_polygon(mask)
    if points is None:
        raise ModelPackageError(f"mask {index} is empty")
    return points


__all__ = ["DefaultConverter", "ToInference"]
