"""Annotations drawn over an image: boxes, polygons, keypoints and polylines with their labels and scores.

Ground truths and inferences are drawn in distinct colours (sky blue and orange by default, told apart with the
common colour-vision deficiencies too), ground truths on top so that many inferences never hide them; inferences can
instead take a stable colour per label (``color_by_label``). Inferences scored below ``min_score`` (one value, or one
per label) are not drawn. With matching outcomes, a true positive is solid, a false positive dashed and a missed
ground truth thick, dashed and red. Every group and every kind can be switched off.
Coordinates are pixels of the upright image (after EXIF orientation), scaled to the thumbnail by the caller.
Classification labels are listed in the top-left corner. Other annotation types (3D, masks, segments) are skipped.
Annotations are told apart by their ``data_type`` tag (``"ANNOTATION/BOUNDING_BOX"``, ...) and read by attribute:
``top_left``/``bottom_right`` of a box, ``points`` of the other shapes, ``label`` and ``score``.
"""
import hashlib
import json
import math
import zlib
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from PIL import Image, ImageDraw

from kolena_lab.media._data_objects import data_type_tag, is_data_object
from kolena_lab.media._text import Font, font

Color = Tuple[int, int, int]
Point = Tuple[float, float]

GROUND_TRUTH_COLOR: Color = (0, 170, 255)
INFERENCE_COLOR: Color = (255, 140, 0)
MISSED_COLOR: Color = (220, 0, 60)
"""A ground truth no inference matched (a false negative)."""
LABEL_PALETTE: Tuple[Color, ...] = (
    (230, 159, 0), (0, 158, 115), (240, 228, 66), (0, 114, 178), (204, 121, 167), (213, 94, 0),
    (148, 103, 189), (140, 86, 75), (188, 189, 34), (127, 127, 127),
)
"""Inference colours by label: none is the ground truths' sky blue or the missed ground truths' red."""
TRUE_POSITIVE, FALSE_POSITIVE, FALSE_NEGATIVE = "tp", "fp", "fn"
_OUTCOMES = ("", TRUE_POSITIVE, FALSE_POSITIVE, FALSE_NEGATIVE)
_LIMIT = 1e6  # coordinates are clamped to this many pixels, so absurd values cannot overflow the rasteriser

_ANNOTATION = "ANNOTATION/"
_BOX = "ANNOTATION/BOUNDING_BOX"
_POLYGON = "ANNOTATION/POLYGON"
_POLYLINE = "ANNOTATION/POLYLINE"
_KEYPOINTS = "ANNOTATION/KEYPOINTS"
_LABEL = "ANNOTATION/CLASSIFICATION_LABEL"
_SHAPE_TOGGLES = {_BOX: "show_boxes", _POLYGON: "show_polygons", _POLYLINE: "show_polylines",
                  _KEYPOINTS: "show_keypoints"}

Annotations = Union[Sequence[Any], Any]
"""Annotations (data objects tagged ``ANNOTATION/...``), or a data object or container holding them."""
MinScore = Union[None, float, Mapping[str, float]]
"""No threshold, one for every inference, or one per label (labels not in the mapping are all drawn)."""


def label_color(label: Any) -> Color:
    """The stable palette colour of a label (the same in every process and session)."""
    return LABEL_PALETTE[zlib.crc32(str(label).encode()) % len(LABEL_PALETTE)]


def below(annotation: Any, min_score: MinScore) -> bool:
    """Whether an annotation's finite score is under ``min_score`` (its label's, for a mapping)."""
    score = getattr(annotation, "score", None)
    if min_score is None or isinstance(score, bool) or not isinstance(score, (int, float)) \
            or not math.isfinite(score):
        return False
    if isinstance(min_score, Mapping):
        limit = min_score.get(str(getattr(annotation, "label", None)))
        return limit is not None and score < limit
    return score < min_score


def collect_annotations(obj: Any) -> List[Any]:
    """Every annotation in ``obj``: an annotation, a sequence, or a data object (fields and extras, nested)."""
    if (data_type_tag(obj) or "").startswith(_ANNOTATION):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [a for item in obj for a in collect_annotations(item)]
    if isinstance(obj, dict):
        return [a for item in obj.values() for a in collect_annotations(item)]
    if is_data_object(obj):
        return [a for value in vars(obj).values() for a in collect_annotations(value)]
    return []


@dataclass(frozen=True)
class Overlay:
    """What to draw over a thumbnail.

    ``ground_truths`` and ``inferences`` take annotations, or a ground truth / inference object whose annotations
    are collected. ``show_*`` toggles hide a group, a kind of annotation, labels or scores. ``min_score`` hides
    inferences scored below it; ``inference_outcomes`` (``"tp"``, ``"fp"`` or ``""`` per collected inference) and
    ``ground_truth_outcomes`` (``"tp"``, ``"fn"`` or ``""``) style matched detections; ``color_by_label`` colours
    inferences by label; label and score tags are drawn only while at most ``max_tags`` shapes are.
    """

    ground_truths: Annotations = ()
    inferences: Annotations = ()
    show_ground_truths: bool = True
    show_inferences: bool = True
    show_boxes: bool = True
    show_polygons: bool = True
    show_keypoints: bool = True
    show_polylines: bool = True
    show_labels: bool = True
    show_scores: bool = True
    ground_truth_color: Color = GROUND_TRUTH_COLOR
    inference_color: Color = INFERENCE_COLOR
    min_score: MinScore = None
    inference_outcomes: Sequence[str] = ()
    ground_truth_outcomes: Sequence[str] = ()
    color_by_label: bool = False
    max_tags: Optional[int] = None
    _hidden: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ground_truths", tuple(collect_annotations(self.ground_truths)))
        object.__setattr__(self, "inferences", tuple(collect_annotations(self.inferences)))
        if isinstance(self.min_score, Mapping):
            object.__setattr__(self, "min_score", {str(k): float(v) for k, v in self.min_score.items()})
        for name, group in (("inference_outcomes", self.inferences), ("ground_truth_outcomes", self.ground_truths)):
            outcomes = tuple(getattr(self, name))
            if outcomes and len(outcomes) != len(group):
                raise ValueError(f"{name} has {len(outcomes)} entries for {len(group)} annotations")
            if any(o not in _OUTCOMES for o in outcomes):
                raise ValueError(f"{name} must hold 'tp', 'fp', 'fn' or '', got {outcomes!r}")
            object.__setattr__(self, name, outcomes or ("",) * len(group))
        kept = tuple(a for a in self.inferences if not below(a, self.min_score))
        object.__setattr__(self, "_hidden", len(self.inferences) - len(kept))

    @cached_property
    def cache_key(self) -> str:
        """A hash of everything that changes the drawing."""
        spec = {f.name: getattr(self, f.name) for f in fields(self) if f.init}
        for group in ("ground_truths", "inferences"):
            spec[group] = [[type(a).__name__, vars(a)] for a in spec[group]]
        return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()

    @property
    def hidden_inferences(self) -> int:
        """How many inferences ``min_score`` hides."""
        return self._hidden

    def shown_inferences(self) -> List[Tuple[Any, str]]:
        """The inferences at or above ``min_score``, each with its outcome."""
        return [(a, o) for a, o in zip(self.inferences, self.inference_outcomes) if not below(a, self.min_score)]

    def color(self, annotation: Any, outcome: str, inference: bool) -> Color:
        """The colour an annotation is drawn in."""
        if not inference:
            return MISSED_COLOR if outcome == FALSE_NEGATIVE else self.ground_truth_color
        label = getattr(annotation, "label", None)
        return label_color(label) if self.color_by_label and label is not None else self.inference_color

    def groups(self) -> List[Tuple[List[Tuple[Any, str]], bool]]:
        """The visible groups in drawing order (inferences, then ground truths on top): annotations with their
        outcomes, and whether the group is the inferences."""
        out: List[Tuple[List[Tuple[Any, str]], bool]] = []
        if self.show_inferences:
            out.append((self.shown_inferences(), True))
        if self.show_ground_truths:
            out.append((list(zip(self.ground_truths, self.ground_truth_outcomes)), False))
        return out


def _caption(annotation: Any, overlay: Overlay) -> str:
    parts = []
    label = getattr(annotation, "label", None)
    if overlay.show_labels and label is not None:
        parts.append(str(label))
    score = getattr(annotation, "score", None)
    if overlay.show_scores and isinstance(score, (int, float)) and math.isfinite(score):
        parts.append(f"{score:.2f}")
    return " ".join(parts)


def _scaled(points: Iterable[Sequence[float]], scale: Point) -> Optional[List[Point]]:
    """Points in thumbnail pixels, or None when one is not finite."""
    out = []
    for x, y in points:
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        out.append((min(max(x * scale[0], -_LIMIT), _LIMIT), min(max(y * scale[1], -_LIMIT), _LIMIT)))
    return out


class _Pen(NamedTuple):
    draw: ImageDraw.ImageDraw
    face: Font
    width: int
    bounds: Tuple[int, int]


def _tag(pen: _Pen, at: Point, text: str, color: Color, above: bool = True) -> int:
    """``text`` on a filled tag at ``at`` (its bottom-left if ``above`` and there is room, else its top-left),
    kept inside the image; returns the tag's height."""
    left, top, right, bottom = pen.draw.textbbox((0, 0), text, font=pen.face)
    pad = 2
    width, height = right - left + 2 * pad, bottom - top + 2 * pad
    size = pen.bounds
    x = min(max(at[0], 0), max(0, size[0] - width))
    y = at[1] - height if above and at[1] - height >= 0 else at[1]
    y = min(max(y, 0), max(0, size[1] - height))
    pen.draw.rectangle([x, y, x + width - 1, y + height - 1], fill=color)
    ink = (0, 0, 0) if sum(c * w for c, w in zip(color, (0.299, 0.587, 0.114))) > 140 else (255, 255, 255)
    pen.draw.text((x + pad - left, y + pad - top), text, fill=ink, font=pen.face)
    return height


def _dashed(pen: _Pen, points: Sequence[Point], color: Color, width: int, closed: bool) -> None:
    """A dashed line through ``points`` (closed into a ring when ``closed``)."""
    dash = max(3, 3 * width)
    ring = [*points, points[0]] if closed else list(points)
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        length = math.hypot(x1 - x0, y1 - y0)
        steps = max(1, int(length // dash))
        for k in range(0, steps, 2):
            a, b = k / steps, min(1.0, (k + 1) / steps)
            pen.draw.line([(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)],
                          fill=color, width=width)


def _outline(pen: _Pen, points: Sequence[Point], color: Color, outcome: str, closed: bool, width: int) -> None:
    """A shape's outline: dashed for a false positive, thick and dashed for a missed ground truth, else solid."""
    if outcome in (FALSE_POSITIVE, FALSE_NEGATIVE):
        _dashed(pen, points, color, width * (2 if outcome == FALSE_NEGATIVE else 1), closed)
    elif closed:
        pen.draw.polygon(list(points), outline=color, width=width)
    else:
        pen.draw.line(list(points), fill=color, width=width, joint="curve")


def _draw_shape(pen: _Pen, annotation: Any, data_type: str, color: Color, overlay: Overlay, scale: Point,
                outcome: str = "", tags: bool = True, inference: bool = True) -> None:
    """One shape; a true-positive inference is a pixel wider so that its ground truth, drawn over it, leaves it
    showing; ground-truth tags sit inside the shape's top-left corner, inference tags above it."""
    width = pen.width + 1 if inference and outcome == TRUE_POSITIVE else pen.width
    toggle = _SHAPE_TOGGLES.get(data_type)
    if toggle is None or not getattr(overlay, toggle):
        return
    caption = _caption(annotation, overlay) if tags else ""
    if data_type == _BOX:
        corners = _scaled([annotation.top_left, annotation.bottom_right], scale)
        if corners is None:
            return
        (x0, y0), (x1, y1) = corners
        x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        if outcome:
            _outline(pen, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], color, outcome, True, width)
        else:
            pen.draw.rectangle([x0, y0, x1, y1], outline=color, width=width)
        anchor = (x0, y0)
    else:
        points = _scaled(annotation.points, scale)
        if not points:
            return
        if data_type in (_POLYGON, _POLYLINE):
            _outline(pen, points, color, outcome, data_type == _POLYGON, width)
        else:
            r = pen.width + 1.5
            for x, y in points:
                pen.draw.ellipse([x - r, y - r, x + r, y + r], fill=color, outline=(0, 0, 0))
        anchor = min(points, key=lambda p: (p[1], p[0]))
    if caption:
        _tag(pen, anchor, caption, color, above=inference)


def draw_overlay(image: Image.Image, overlay: Overlay, scale: Point = (1.0, 1.0)) -> Image.Image:
    """Draw ``overlay`` on ``image``, annotation coordinates multiplied by ``scale``; returns the image drawn on
    (``image`` itself when it is RGB or RGBA, else an RGB copy)."""
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    unit = min(image.size)
    pen = _Pen(ImageDraw.Draw(image), font(max(9, round(unit / 20))), max(1, round(unit / 128)), image.size)
    groups = overlay.groups()
    shapes = sum(1 for annotations, _ in groups for a, _ in annotations if data_type_tag(a) != _LABEL)
    tags = overlay.max_tags is None or shapes <= overlay.max_tags
    top = 0
    for annotations, inference in sorted(groups, key=lambda g: g[1]):  # class labels: ground truths first
        for annotation, outcome in annotations:
            if data_type_tag(annotation) == _LABEL and overlay.show_labels:
                caption = _caption(annotation, overlay)
                if caption:
                    top += _tag(pen, (0, top), caption, overlay.color(annotation, outcome, inference), above=False) + 1
    for annotations, inference in groups:
        for annotation, outcome in annotations:
            data_type = data_type_tag(annotation) or ""
            if data_type != _LABEL:
                _draw_shape(pen, annotation, data_type, overlay.color(annotation, outcome, inference), overlay,
                            scale, outcome, tags, inference)
    return image
