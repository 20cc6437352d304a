"""Moving ground truths and inferences with a geometric perturbation (`move_annotations`)."""
import dataclasses
from typing import Any, List, Optional

import numpy as np

from kolena_lab.errors import InputValidationError
from kolena_lab.stress.transforms import IDENTITY, Perturbed
from kolena_lab.workflow.annotation import (
    BitmapMask,
    BoundingBox,
    Keypoints,
    Polygon,
    Polyline,
    SegmentationMask,
)

def move_annotations(value: Any, perturbed: Perturbed, width: int, height: int) -> Any:
    """A copy of ``value`` (a ground truth or inference, an annotation, or a list, tuple, dict or dataclass holding
    them) with every geometric annotation moved by ``perturbed.matrix`` onto the ``width`` x ``height`` image.

    - bounding boxes (`BoundingBox` and its labeled / scored kinds): the box enclosing the 4 moved corners, clipped
      to the image; a box that no longer overlaps the image is dropped from the list holding it (a box held alone
      in a field stays, clipped to zero area);
    - polygons: the moved polygon clipped to the image (Sutherland-Hodgman, so the shape is the exact
      intersection); one that no longer overlaps the image is dropped from its list like a box;
    - keypoints and polylines: every point moved; points leaving the image are kept, with their coordinates outside
      it (a keypoint metric can count them as invisible);
    - segmentation and bitmap masks are stored by locator and cannot be moved: a geometric perturbation of a value
      holding one is refused (`InputValidationError`); a photometric one keeps them.

    Every other field (labels, scores, metadata, extra attributes) is kept. With an identity matrix (photometric
    transforms) nothing moves and nothing is clipped or dropped.
    """
    moving = None if np.array_equal(np.asarray(perturbed.matrix, dtype=np.float64), IDENTITY) else perturbed
    return _kept(_walk(value, moving, width, height))


def _walk(value: Any, perturbed: Optional[Perturbed], width: int, height: int) -> Any:
    if isinstance(value, (BoundingBox, Polygon, Keypoints, Polyline)):
        return value if perturbed is None else _moved(value, perturbed, width, height)
    if isinstance(value, (SegmentationMask, BitmapMask)):
        if perturbed is not None:
            raise InputValidationError(f"a {type(value).__name__} (locator {value.locator}) cannot be moved by a "
                                       f"geometric perturbation; use photometric transforms for masks")
        return value
    if isinstance(value, list):
        return [v for v in (_walk(item, perturbed, width, height) for item in value) if not isinstance(v, _Dropped)]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(v for v in (_walk(item, perturbed, width, height) for item in value)
                     if not isinstance(v, _Dropped))
    if isinstance(value, dict):
        return {k: _kept(_walk(item, perturbed, width, height)) for k, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _rebuilt(value, lambda item: _walk(item, perturbed, width, height))
    return value


def _rebuilt(obj: Any, change: Any, **fields: Any) -> Any:
    """``obj`` built again with ``fields`` set and its other init fields and extra attributes passed through
    ``change`` (an annotation held alone in a field is kept even when it left the image)."""
    values = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.init}
    extras = getattr(obj, "_extras", None)
    names = list(extras()) if callable(extras) else []
    values.update({name: getattr(obj, name) for name in names})
    for name, value in values.items():
        if name not in fields:
            fields[name] = _kept(change(value))
    if names:
        return type(obj)(**fields)
    return dataclasses.replace(obj, **fields)


def _moved(annotation: Any, perturbed: Perturbed, width: int, height: int) -> Any:
    keep = lambda item: _walk(item, perturbed, width, height)  # noqa: E731 (nested annotations in extras)
    if isinstance(annotation, BoundingBox):
        (x1, y1), (x2, y2) = annotation.top_left, annotation.bottom_right
        corners = perturbed.move_points([(x1, y1), (x2, y1), (x2, y2), (x1, y2)])
        low, high = corners.min(axis=0), corners.max(axis=0)
        clipped_low = np.clip(low, 0, (width, height))
        clipped_high = np.clip(high, 0, (width, height))
        gone = np.any(clipped_high <= clipped_low) and np.all(high > low)
        box = _rebuilt(annotation, keep, top_left=(float(clipped_low[0]), float(clipped_low[1])),
                       bottom_right=(float(clipped_high[0]), float(clipped_high[1])))
        return _Dropped(box) if gone else box
    points = perturbed.move_points(annotation.points)
    if isinstance(annotation, Polygon):
        clipped = _clip_polygon(points, width, height)
        if len(clipped) < 3:
            return _Dropped(_rebuilt(annotation, keep, points=[tuple(p) for p in np.clip(points, 0, (width, height))
                                                               .tolist()]))
        return _rebuilt(annotation, keep, points=[tuple(p) for p in clipped])
    return _rebuilt(annotation, keep, points=[tuple(p) for p in points.tolist()])


class _Dropped:
    """An annotation that left the image: its list drops it, a field holding it alone keeps ``value``."""

    def __init__(self, value: Any):
        self.value = value


def _kept(value: Any) -> Any:
    return value.value if isinstance(value, _Dropped) else value


def _clip_polygon(points: np.ndarray, width: int, height: int) -> List[List[float]]:
    """The polygon ``points`` intersected with the image rectangle (Sutherland-Hodgman, edge by edge)."""
    polygon = [tuple(p) for p in points.tolist()]
    # each edge of the image: (axis, bound, keep values >= bound?)
    for axis, bound, above in ((0, 0.0, True), (0, float(width), False), (1, 0.0, True), (1, float(height), False)):
        if not polygon:
            break
        inside = [(p[axis] >= bound) if above else (p[axis] <= bound) for p in polygon]
        result = []
        for i, current in enumerate(polygon):
            previous, was_inside = polygon[i - 1], inside[i - 1]
            if inside[i] != was_inside:
                t = (bound - previous[axis]) / (current[axis] - previous[axis])
                crossing = [previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1])]
                crossing[axis] = bound
                result.append(tuple(crossing))
            if inside[i]:
                result.append(current)
        polygon = result
    unique = list(dict.fromkeys(polygon))
    if len(unique) < 3 or _area(np.array(unique)) == 0:
        return []
    return [list(p) for p in polygon]


def _area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)
