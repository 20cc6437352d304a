"""Annotations: the geometric and label types ground truths and inferences are made of."""

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, FrozenSet, List, Optional, Tuple

import numpy as np

from kolena_lab.errors import InputValidationError, shown
from kolena_lab.workflow._datatypes import DataType, TypedDataObject, _alias_tag
from kolena_lab.workflow._values import checking



class _AnnotationType(DataType):
    BOUNDING_BOX = "BOUNDING_BOX"
    POLYGON = "POLYGON"
    POLYLINE = "POLYLINE"
    KEYPOINTS = "KEYPOINTS"
    BOUNDING_BOX_3D = "BOUNDING_BOX_3D"
    POLYLINE_3D = "POLYLINE_3D"
    KEYPOINTS_3D = "KEYPOINTS_3D"
    SEGMENTATION_MASK = "SEGMENTATION_MASK"
    BITMAP_MASK = "BITMAP_MASK"
    CLASSIFICATION_LABEL = "CLASSIFICATION_LABEL"
    TIME_SEGMENT = "TIME_SEGMENT"
    TEXT_SEGMENT = "TEXT_SEGMENT"
    CUSTOM = "CUSTOM"

    @staticmethod
    def _data_category() -> str:
        return "ANNOTATION"


def _name(obj: Any, field_name: str, index: Optional[int] = None) -> str:
    return f"{type(obj).__name__}.{field_name}" + ("" if index is None else f"[{index}]")


def _number(obj: Any, value: Any, field_name: str) -> float:
    """``value`` as a finite float; ``InputValidationError`` naming the field otherwise."""
    try:
        if isinstance(value, (str, bytes)):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise InputValidationError(f"{_name(obj, field_name)} must be a number, got {shown(value)}") from None
    if not math.isfinite(number) and checking():
        raise InputValidationError(f"{_name(obj, field_name)} must be a finite number, got {shown(value)}")
    return number


def _point(obj: Any, value: Any, dims: int, field_name: str, index: Optional[int] = None) -> Tuple[float, ...]:
    """``value`` as a tuple of ``dims`` finite floats; ``InputValidationError`` naming the field otherwise (the name
    is only formatted then: this runs for every coordinate of every annotation)."""
    try:
        if isinstance(value, (str, bytes, dict)):
            raise TypeError
        coords = tuple(map(float, value))
    except (TypeError, ValueError):
        raise InputValidationError(f"{_name(obj, field_name, index)} must be a sequence of {dims} numbers, got "
                                   f"{shown(value)}") from None
    if len(coords) != dims:
        raise InputValidationError(f"{_name(obj, field_name, index)} must have {dims} coordinates, got "
                                   f"{len(coords)}: {shown(value)}")
    if not all(map(math.isfinite, coords)):
        raise InputValidationError(f"{_name(obj, field_name, index)} must hold finite numbers, got "
                                   f"{shown(value)}")
    return coords


def _points(obj: Any, value: Any, dims: int) -> List[Tuple[float, ...]]:
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise InputValidationError(f"{_name(obj, 'points')} must be a list of points, got {shown(value)}")
    return [_point(obj, p, dims, "points", i) for i, p in enumerate(value)]


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class Annotation(TypedDataObject):
    """Base of every annotation; its numbers (coordinates, scores, times) must be finite."""

    _finite_numbers: ClassVar[bool] = True


@dataclass(frozen=True)
class BoundingBox(Annotation):
    """An axis-aligned box from its top-left to its bottom-right corner (pixels)."""

    top_left: Tuple[float, float]
    bottom_right: Tuple[float, float]
    width: float = field(init=False)
    height: float = field(init=False)
    area: float = field(init=False)
    aspect_ratio: float = field(init=False)
    _post_init_checked: ClassVar[FrozenSet[str]] = frozenset({"top_left", "bottom_right"})

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.BOUNDING_BOX

    def __post_init__(self) -> None:
        _set(self, "top_left", _point(self, self.top_left, 2, "top_left"))
        _set(self, "bottom_right", _point(self, self.bottom_right, 2, "bottom_right"))
        width = abs(self.bottom_right[0] - self.top_left[0])
        height = abs(self.bottom_right[1] - self.top_left[1])
        _set(self, "width", width)
        _set(self, "height", height)
        _set(self, "area", width * height)
        _set(self, "aspect_ratio", width / height if height != 0 else 0.0)


@dataclass(frozen=True)
class LabeledBoundingBox(BoundingBox):
    """A bounding box with a label."""

    label: str


@dataclass(frozen=True)
class ScoredBoundingBox(BoundingBox):
    """A bounding box with a confidence score."""

    score: float
    _post_init_checked: ClassVar[FrozenSet[str]] = frozenset({"top_left", "bottom_right", "score"})

    def __post_init__(self) -> None:
        super().__post_init__()
        _set(self, "score", _number(self, self.score, "score"))


@dataclass(frozen=True)
class ScoredLabeledBoundingBox(BoundingBox):
    """A bounding box with a label and a confidence score."""

    label: str
    score: float
    _post_init_checked: ClassVar[FrozenSet[str]] = frozenset({"top_left", "bottom_right", "score"})

    def __post_init__(self) -> None:
        super().__post_init__()
        _set(self, "score", _number(self, self.score, "score"))


@dataclass(frozen=True)
class Polygon(Annotation):
    """A closed polygon of at least three points."""

    points: List[Tuple[float, float]]
    _post_init_checked: ClassVar[FrozenSet[str]] = frozenset({"points"})

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.POLYGON

    def __post_init__(self) -> None:
        points = _points(self, self.points, 2)
        if len(points) < 3:
            raise InputValidationError(f"Polygon must have at least three points ({len(points)} provided)")
        _set(self, "points", points)


@dataclass(frozen=True)
class LabeledPolygon(Polygon):
    """A polygon with a label."""

    label: str


@dataclass(frozen=True)
class ScoredPolygon(Polygon):
    """A polygon with a confidence score."""

    score: float


@dataclass(frozen=True)
class ScoredLabeledPolygon(Polygon):
    """A polygon with a label and a confidence score."""

    label: str
    score: float


@dataclass(frozen=True)
class Keypoints(Annotation):
    """An ordered set of 2D points."""

    points: List[Tuple[float, float]]
    _post_init_checked: ClassVar[FrozenSet[str]] = frozenset({"points"})

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.KEYPOINTS

    def __post_init__(self) -> None:
        _set(self, "points", _points(self, self.points, 2))


@dataclass(frozen=True)
class Polyline(Annotation):
    """An open line through 2D points."""

    points: List[Tuple[float, float]]
    _post_init_checked: ClassVar[FrozenSet[str]] = frozenset({"points"})

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.POLYLINE

    def __post_init__(self) -> None:
        _set(self, "points", _points(self, self.points, 2))


@dataclass(frozen=True)
class Keypoints3D(Annotation):
    """An ordered set of 3D points."""

    points: List[Tuple[float, float, float]]
    _post_init_checked: ClassVar[FrozenSet[str]] = frozenset({"points"})

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.KEYPOINTS_3D

    def __post_init__(self) -> None:
        _set(self, "points", _points(self, self.points, 3))


@dataclass(frozen=True)
class Polyline3D(Annotation):
    """An open line through 3D points."""

    points: List[Tuple[float, float, float]]
    _post_init_checked: ClassVar[FrozenSet[str]] = frozenset({"points"})

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.POLYLINE_3D

    def __post_init__(self) -> None:
        _set(self, "points", _points(self, self.points, 3))


@dataclass(frozen=True)
class BoundingBox3D(Annotation):
    """A 3D box: centre, dimensions (x, y, z) and rotations (radians) about each axis."""

    center: Tuple[float, float, float]
    dimensions: Tuple[float, float, float]
    rotations: Tuple[float, float, float]
    volume: float = field(init=False)
    _post_init_checked: ClassVar[FrozenSet[str]] = frozenset({"center", "dimensions", "rotations"})

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.BOUNDING_BOX_3D

    def __post_init__(self) -> None:
        _set(self, "center", _point(self, self.center, 3, "center"))
        _set(self, "dimensions", _point(self, self.dimensions, 3, "dimensions"))
        _set(self, "rotations", _point(self, self.rotations, 3, "rotations"))
        _set(self, "volume", abs(math.prod(self.dimensions)))


@dataclass(frozen=True)
class LabeledBoundingBox3D(BoundingBox3D):
    """A 3D box with a label."""

    label: str


@dataclass(frozen=True)
class ScoredBoundingBox3D(BoundingBox3D):
    """A 3D box with a confidence score."""

    score: float


@dataclass(frozen=True)
class ScoredLabeledBoundingBox3D(BoundingBox3D):
    """A 3D box with a label and a confidence score."""

    label: str
    score: float


@dataclass(frozen=True)
class SegmentationMask(Annotation):
    """A raster mask whose pixel values map to labels; the mask image is referenced by locator."""

    labels: Dict[int, str]
    locator: str

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.SEGMENTATION_MASK

    def __post_init__(self) -> None:
        if not isinstance(self.labels, dict):
            raise InputValidationError("SegmentationMask.labels must be a dict of pixel values to labels, got "
                                       f"{shown(self.labels)}")
        labels = {}
        for key, label in self.labels.items():
            try:
                labels[int(key)] = label
            except (TypeError, ValueError):
                raise InputValidationError("SegmentationMask.labels keys must be pixel values (ints), got "
                                           f"{shown(key)}") from None
        _set(self, "labels", labels)


@dataclass(frozen=True)
class BitmapMask(Annotation):
    """An arbitrary bitmap overlay, referenced by locator."""

    locator: str

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.BITMAP_MASK


@dataclass(frozen=True)
class ClassificationLabel(Annotation):
    """A class label."""

    label: str

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.CLASSIFICATION_LABEL


@dataclass(frozen=True)
class ScoredClassificationLabel(ClassificationLabel):
    """A class label with a confidence score."""

    score: float
    _post_init_checked: ClassVar[FrozenSet[str]] = frozenset({"score"})

    def __post_init__(self) -> None:
        _set(self, "score", _number(self, self.score, "score"))


Label = ClassificationLabel
ScoredLabel = ScoredClassificationLabel
_alias_tag("ANNOTATION/LABEL", ClassificationLabel)  # Kolena 1.x's tag of the same type


@dataclass(frozen=True)
class TimeSegment(Annotation):
    """A segment of time in seconds, ``start <= end``."""

    start: float
    end: float

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.TIME_SEGMENT

    def __post_init__(self) -> None:
        start, end = _number(self, self.start, "start"), _number(self, self.end, "end")
        if start > end:
            raise InputValidationError(f"TimeSegment start ({self.start}) must not be after end ({self.end})")


@dataclass(frozen=True)
class LabeledTimeSegment(TimeSegment):
    """A time segment with a label."""

    label: str


@dataclass(frozen=True)
class ScoredTimeSegment(TimeSegment):
    """A time segment with a confidence score."""

    score: float


@dataclass(frozen=True)
class ScoredLabeledTimeSegment(TimeSegment):
    """A time segment with a label and a confidence score."""

    label: str
    score: float


@dataclass(frozen=True)
class TextSegment(Annotation):
    """A span ``[start, end)`` of characters in the text field named ``text_field``."""

    text_field: str
    start: int
    end: int

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.TEXT_SEGMENT

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            integral = isinstance(value, (int, np.integer)) or isinstance(value, float) and value.is_integer()
            if isinstance(value, bool) or not integral:  # an int, or an integral float as for any int field
                raise InputValidationError(f"TextSegment {name} must be an int, got {shown(value)}")
        if not 0 <= self.start < self.end:
            raise InputValidationError(f"TextSegment needs 0 <= start < end, got start={self.start}, end={self.end}")


@dataclass(frozen=True)
class LabeledTextSegment(TextSegment):
    """A text segment with a label."""

    label: str


@dataclass(frozen=True)
class ScoredTextSegment(TextSegment):
    """A text segment with a confidence score."""

    score: float


@dataclass(frozen=True)
class ScoredLabeledTextSegment(TextSegment):
    """A text segment with a label and a confidence score."""

    label: str
    score: float


@dataclass(frozen=True)
class CustomAnnotation(Annotation):
    """An annotation of a kind kolena_lab does not define; its contents are extra attributes."""

    kind: str
    data: Optional[Dict[str, Any]] = None

    @classmethod
    def _data_type(cls) -> _AnnotationType:
        return _AnnotationType.CUSTOM


__all__ = [
    "Annotation",
    "BoundingBox",
    "LabeledBoundingBox",
    "ScoredBoundingBox",
    "ScoredLabeledBoundingBox",
    "Polygon",
    "LabeledPolygon",
    "ScoredPolygon",
    "ScoredLabeledPolygon",
    "Keypoints",
    "Keypoints3D",
    "Polyline",
    "Polyline3D",
    "BoundingBox3D",
    "LabeledBoundingBox3D",
    "ScoredBoundingBox3D",
    "ScoredLabeledBoundingBox3D",
    "SegmentationMask",
    "BitmapMask",
    "ClassificationLabel",
    "ScoredClassificationLabel",
    "Label",
    "ScoredLabel",
    "TimeSegment",
    "LabeledTimeSegment",
    "ScoredTimeSegment",
    "ScoredLabeledTimeSegment",
    "TextSegment",
    "LabeledTextSegment",
    "ScoredTextSegment",
    "ScoredLabeledTextSegment",
    "CustomAnnotation",
]
