"""Annotations drawn over an image: boxes, polygons, keypoints and polylines with their labels and scores.

Ground truths and inferences are drawn in distinct colours (sky blue and orange by default, told apart with the
common colour-vision deficiencies too), inferences on top. Every group and every kind can be switched off.
Coordinates are pixels of the upright image (after EXIF orientation), scaled to the thumbnail by the caller.
Classification labels are listed in the top-left corner. Other annotation types (3D, masks, segments) are skipped.
Annotations are told apart by their ``data_type`` tag (``"ANNOTATION/BOUNDING_BOX"``, ...) and read by attribute:
``top_left``/``bottom_right`` of a box, ``points`` of the other shapes, ``label`` and ``score``.
"""
import hashlib
import json
import math
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

from PIL import Image, ImageDraw

from kolena_lab.media._data_objects import data_type_tag, is_data_object
from kolena_lab.media._text import Font, font

Color = Tuple[int, int, int]
Point = Tuple[float, float]

GROUND_TRUTH_COLOR: Color = (0, 170, 255)
INFERENCE_COLOR: Color = (255, 140, 0)
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
    are collected. ``show_*`` toggles hide a group, a kind of annotation, labels or scores.
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "ground_truths", tuple(collect_annotations(self.ground_truths)))
        object.__setattr__(self, "inferences", tuple(collect_annotations(self.inferences)))

    @cached_property
    def cache_key(self) -> str:
        """A hash of everything that changes the drawing."""
        spec = {f.name: getattr(self, f.name) for f in fields(self)}
        for group in ("ground_truths", "inferences"):
            spec[group] = [[type(a).__name__, vars(a)] for a in spec[group]]
        return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()

    def groups(self) -> List[Tuple[Tuple[Any, ...], Color]]:
        """The visible groups, ground truths first, each with its colour."""
        out = []
        if self.show_ground_truths:
            out.append((self.ground_truths, self.ground_truth_color))
        if self.show_inferences:
            out.append((self.inferences, self.inference_color))
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


def _draw_shape(pen: _Pen, annotation: Any, data_type: str, color: Color, overlay: Overlay, scale: Point) -> None:
    toggle = _SHAPE_TOGGLES.get(data_type)
    if toggle is None or not getattr(overlay, toggle):
        return
    caption = _caption(annotation, overlay)
    if data_type == _BOX:
        corners = _scaled([annotation.top_left, annotation.bottom_right], scale)
        if corners is None:
            return
        (x0, y0), (x1, y1) = corners
        x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        pen.draw.rectangle([x0, y0, x1, y1], outline=color, width=pen.width)
        anchor = (x0, y0)
    else:
        points = _scaled(annotation.points, scale)
        if not points:
            return
        if data_type == _POLYGON:
            pen.draw.polygon(points, outline=color, width=pen.width)
        elif data_type == _POLYLINE:
            pen.draw.line(points, fill=color, width=pen.width, joint="curve")
        else:
            r = pen.width + 1.5
            for x, y in points:
                pen.draw.ellipse([x - r, y - r, x + r, y + r], fill=color, outline=(0, 0, 0))
        anchor = min(points, key=lambda p: (p[1], p[0]))
    if caption:
        _tag(pen, anchor, caption, color)


def draw_overlay(image: Image.Image, overlay: Overlay, scale: Point = (1.0, 1.0)) -> Image.Image:
    """Draw ``overlay`` on ``image``, annotation coordinates multiplied by ``scale``; returns the image drawn on
    (``image`` itself when it is RGB or RGBA, else an RGB copy)."""
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    unit = min(image.size)
    pen = _Pen(ImageDraw.Draw(image), font(max(9, round(unit / 20))), max(1, round(unit / 128)), image.size)
    top = 0
    for annotations, color in overlay.groups():
        for annotation in annotations:
            data_type = data_type_tag(annotation) or ""
            if data_type == _LABEL:
                caption = _caption(annotation, overlay) if overlay.show_labels else ""
                if caption:
                    top += _tag(pen, (0, top), caption, color, above=False) + 1
            else:
                _draw_shape(pen, annotation, data_type, color, overlay, scale)
    return image
