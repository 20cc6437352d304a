"""Intersection over union of boxes and polygons.

A box is an object with ``top_left=(x1, y1)`` and ``bottom_right=(x2, y2)`` attributes (Kolena's ``BoundingBox``) or a
plain sequence ``[x1, y1, x2, y2]``; a polygon is an object with a ``points`` attribute or a sequence of at least three
``(x, y)`` points. Coordinates are used as given (no +1 pixel convention); boxes that only touch have IoU 0, and two
degenerate (zero-area) boxes have IoU 0.
"""
from typing import Any, Sequence, Tuple

import numpy as np

from kolena_lab.metrics._validation import InputValidationError, boxes_array, check_xyxy
from kolena_lab.metrics.polygon import as_polygon, intersection_area, polygon_area


def _box_from_object(obj: Any, name: str) -> np.ndarray:
    try:
        (x1, y1), (x2, y2) = obj.top_left, obj.bottom_right
        box = np.array([x1, y1, x2, y2], dtype=np.float64)
    except (TypeError, ValueError):
        raise InputValidationError(f"'{name}' has malformed top_left/bottom_right") from None
    if not np.isfinite(box).all():
        raise InputValidationError(f"'{name}' has NaN or infinite coordinates: {box.tolist()}")
    check_xyxy(box[None, :], name, single=True)
    return box


def as_geometry(obj: Any, name: str) -> Tuple[str, np.ndarray]:
    """``("box", [x1, y1, x2, y2])`` or ``("polygon", (K, 2) points)`` for a box- or polygon-like value."""
    if hasattr(obj, "top_left") and hasattr(obj, "bottom_right"):
        return "box", _box_from_object(obj, name)
    if hasattr(obj, "points"):
        return "polygon", as_polygon(obj.points, name)
    try:
        arr = np.asarray(obj, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputValidationError(f"'{name}' is neither a box nor a polygon: {obj!r}") from None
    if arr.shape == (4,):
        box = boxes_array(arr, name)
        check_xyxy(box, name, single=True)
        return "box", box[0]
    if arr.ndim == 2 and arr.shape[1] == 2 and arr.shape[0] >= 3:
        return "polygon", as_polygon(arr, name)
    raise InputValidationError(
        f"'{name}' must be [x1, y1, x2, y2] or a list of >= 3 (x, y) points, got shape {arr.shape}")


def _box_to_polygon(box: np.ndarray) -> np.ndarray:
    x1, y1, x2, y2 = box
    return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], dtype=np.float64)


def _box_iou_values(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise IoU of broadcastable ``(..., 4)`` xyxy arrays (Kolena's closed form); areas that overflow to inf
    make no warning, and their IoU is 0 (not a number), as for any degenerate box."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        iw = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
        ih = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
        inter = np.where((iw > 0) & (ih > 0), iw * ih, 0.0)
        area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
        area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
        union = area_a + area_b - inter
        iou = np.where((inter > 0) & (union > 0), inter / np.where(union > 0, union, 1.0), 0.0)
    return np.where(np.isfinite(iou), iou, 0.0)


def iou(a: Any, b: Any) -> float:
    """IoU of two boxes, two polygons, or a box and a polygon (exact polygon intersection, see ``polygon``)."""
    kind_a, ga = as_geometry(a, "a")
    kind_b, gb = as_geometry(b, "b")
    if kind_a == "box" and kind_b == "box":
        return float(_box_iou_values(ga, gb))
    pa = _box_to_polygon(ga) if kind_a == "box" else ga
    pb = _box_to_polygon(gb) if kind_b == "box" else gb
    inter = intersection_area(pa, pb)
    union = polygon_area(pa, "a") + polygon_area(pb, "b") - inter
    return inter / union if inter > 0 and union > 0 else 0.0


def as_boxes(boxes: Any, name: str) -> np.ndarray:
    """``(N, 4)`` xyxy array from an array-like or a list of box objects; validated (finite, x1 <= x2, y1 <= y2)."""
    if isinstance(boxes, np.ndarray):
        arr = boxes_array(boxes, name)
    else:
        items = list(boxes)
        if items and hasattr(items[0], "top_left"):
            arr = np.stack([_box_from_object(o, f"{name}[{i}]") for i, o in enumerate(items)])
        else:
            arr = boxes_array(items, name)
    check_xyxy(arr, name)
    return arr


def iou_matrix(a_boxes: Any, b_boxes: Any) -> np.ndarray:
    """``(N, M)`` IoU of every box in ``a_boxes`` (N x 4, xyxy) with every box in ``b_boxes`` (M x 4)."""
    a = as_boxes(a_boxes, "a_boxes")
    b = as_boxes(b_boxes, "b_boxes")
    return _box_iou_values(a[:, None, :], b[None, :, :])


def geometry_iou_matrix(a: Sequence[Any], b: Sequence[Any], names: Tuple[str, str] = ("a", "b")) -> np.ndarray:
    """IoU matrix of two lists of boxes and/or polygons; box-box pairs are vectorised, polygon pairs computed one by
    one after a bounding-box overlap filter."""
    ga = [as_geometry(o, f"{names[0]}[{i}]") for i, o in enumerate(a)]
    gb = [as_geometry(o, f"{names[1]}[{i}]") for i, o in enumerate(b)]
    if all(k == "box" for k, _ in ga) and all(k == "box" for k, _ in gb):
        xa = np.array([g for _, g in ga]).reshape(-1, 4)
        xb = np.array([g for _, g in gb]).reshape(-1, 4)
        return _box_iou_values(xa[:, None, :], xb[None, :, :])
    pa = [_box_to_polygon(g) if k == "box" else g for k, g in ga]
    pb = [_box_to_polygon(g) if k == "box" else g for k, g in gb]
    bba = np.array([[p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()] for p in pa]).reshape(-1, 4)
    bbb = np.array([[p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()] for p in pb]).reshape(-1, 4)
    out = np.zeros((len(pa), len(pb)))
    overlap = _box_iou_values(bba[:, None, :], bbb[None, :, :]) > 0
    areas_a = [polygon_area(p) for p in pa]
    areas_b = [polygon_area(p) for p in pb]
    for i, j in zip(*np.nonzero(overlap)):
        inter = intersection_area(pa[i], pb[j], names=(f"{names[0]}[{i}]", f"{names[1]}[{j}]"))
        union = areas_a[i] + areas_b[j] - inter
        out[i, j] = inter / union if inter > 0 and union > 0 else 0.0
    return out
