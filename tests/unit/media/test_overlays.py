"""Overlays: shapes at the right pixels, ground truth and inference colours, toggles, labels and scores."""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
from PIL import Image

from kolena_lab.media import GROUND_TRUTH_COLOR, INFERENCE_COLOR, Overlay, collect_annotations, draw_overlay, thumbnail
from kolena_lab.workflow import GroundTruth, Inference
from kolena_lab.workflow.annotation import (
    BoundingBox,
    BoundingBox3D,
    ClassificationLabel,
    Keypoints,
    LabeledBoundingBox,
    LabeledPolygon,
    Polygon,
    Polyline,
    ScoredClassificationLabel,
    ScoredLabeledBoundingBox,
    TimeSegment,
)

from .conftest import pixel

GT = [BoundingBox((20, 20), (100, 100))]
INF = [BoundingBox((120, 120), (180, 180))]


def _draw(overlay: Overlay, scale=(1.0, 1.0), size=(200, 200)) -> np.ndarray:
    return np.asarray(draw_overlay(Image.new("RGB", size), overlay, scale))


def _count(pixels: np.ndarray, color) -> int:
    return int(np.all(pixels == np.array(color, dtype=np.uint8), axis=-1).sum())


def test_boxes_in_ground_truth_and_inference_colours() -> None:
    pixels = _draw(Overlay(ground_truths=GT, inferences=INF))
    assert tuple(pixels[60, 20]) == GROUND_TRUTH_COLOR and tuple(pixels[20, 60]) == GROUND_TRUTH_COLOR
    assert tuple(pixels[150, 120]) == INFERENCE_COLOR and tuple(pixels[180, 150]) == INFERENCE_COLOR
    assert tuple(pixels[60, 60]) == (0, 0, 0)  # outlines only
    assert GROUND_TRUTH_COLOR != INFERENCE_COLOR


def test_group_and_kind_toggles() -> None:
    both = Overlay(ground_truths=GT, inferences=INF)
    assert _count(_draw(both), GROUND_TRUTH_COLOR) > 0 and _count(_draw(both), INFERENCE_COLOR) > 0
    no_gt = _draw(Overlay(ground_truths=GT, inferences=INF, show_ground_truths=False))
    assert _count(no_gt, GROUND_TRUTH_COLOR) == 0 and _count(no_gt, INFERENCE_COLOR) > 0
    no_inf = _draw(Overlay(ground_truths=GT, inferences=INF, show_inferences=False))
    assert _count(no_inf, INFERENCE_COLOR) == 0 and _count(no_inf, GROUND_TRUTH_COLOR) > 0
    assert not _draw(Overlay(ground_truths=GT, inferences=INF, show_boxes=False)).any()

    shapes = [Polygon([(10, 10), (60, 10), (35, 50)]), Polyline([(10, 100), (190, 100)]),
              Keypoints([(150, 30), (170, 40)])]
    drawn = _draw(Overlay(ground_truths=shapes))
    assert tuple(drawn[10, 35]) == GROUND_TRUTH_COLOR  # polygon top edge
    assert tuple(drawn[100, 95]) == GROUND_TRUTH_COLOR  # polyline
    assert tuple(drawn[30, 150]) == GROUND_TRUTH_COLOR  # keypoint centre
    for toggle, (y, x) in (("show_polygons", (10, 35)), ("show_polylines", (100, 95)), ("show_keypoints", (30, 150))):
        off = _draw(Overlay(ground_truths=shapes, **{toggle: False}))
        assert tuple(off[y, x]) == (0, 0, 0), toggle
        assert _count(off, GROUND_TRUTH_COLOR) > 0  # the other kinds stay


def test_labels_and_scores() -> None:
    boxes = [ScoredLabeledBoundingBox((20, 60), (100, 100), "car", 0.87)]
    full = _draw(Overlay(inferences=boxes))
    no_score = _draw(Overlay(inferences=boxes, show_scores=False))
    bare = _draw(Overlay(inferences=boxes, show_labels=False, show_scores=False))
    outline = _count(_draw(Overlay(inferences=[BoundingBox((20, 60), (100, 100))])), INFERENCE_COLOR)
    assert _count(bare, INFERENCE_COLOR) == outline
    assert _count(full, INFERENCE_COLOR) > _count(no_score, INFERENCE_COLOR) > outline  # the tag grows with text
    assert tuple(full[58, 20]) == INFERENCE_COLOR and tuple(bare[58, 20]) == (0, 0, 0)  # a tag above the box

    labels = _draw(Overlay(ground_truths=[ClassificationLabel("cat")],
                           inferences=[ScoredClassificationLabel("dog", 0.4)]))
    assert tuple(labels[2, 1]) == GROUND_TRUTH_COLOR and _count(labels, INFERENCE_COLOR) > 0
    assert not _draw(Overlay(ground_truths=[ClassificationLabel("cat")], show_labels=False)).any()


def test_scale_and_bad_coordinates() -> None:
    pixels = _draw(Overlay(ground_truths=[BoundingBox((80, 80), (400, 400))]), scale=(0.25, 0.25))
    assert tuple(pixels[50, 20]) == GROUND_TRUTH_COLOR and tuple(pixels[20, 50]) == GROUND_TRUTH_COLOR
    nan_box, inf_polygon = BoundingBox((0, 0), (10, 10)), Polygon([(0, 0), (5, 5), (5, 5)])
    object.__setattr__(nan_box, "top_left", (float("nan"), 0))  # refused on construction, yet drawn safely
    object.__setattr__(inf_polygon, "points", [(0, 0), (float("inf"), 5), (5, 5)])
    odd = [nan_box, inf_polygon, BoundingBox((1e30, -1e30), (-1e30, 1e30)), BoundingBox((50, 50), (10, 10)),
           Keypoints([])]
    drawn = _draw(Overlay(ground_truths=odd))
    assert tuple(drawn[30, 10]) == GROUND_TRUTH_COLOR  # the reversed box is drawn; the others never raise


def test_collect_annotations_from_data_objects() -> None:
    @dataclass(frozen=True)
    class GT(GroundTruth):
        boxes: List[LabeledBoundingBox]
        region: Optional[LabeledPolygon] = None

    @dataclass(frozen=True)
    class Inf(Inference):
        boxes: List[ScoredLabeledBoundingBox]

    gt = GT(boxes=[LabeledBoundingBox((0, 0), (5, 5), "a")], region=LabeledPolygon([(0, 0), (1, 0), (1, 1)], "r"),
            extra_keypoints=Keypoints([(1, 1)]))
    assert [type(a).__name__ for a in collect_annotations(gt)] == ["LabeledBoundingBox", "LabeledPolygon",
                                                                   "Keypoints"]
    overlay = Overlay(ground_truths=gt, inferences=Inf(boxes=[ScoredLabeledBoundingBox((0, 0), (5, 5), "a", 0.5)]))
    assert len(overlay.ground_truths) == 3 and len(overlay.inferences) == 1
    assert overlay.cache_key == Overlay(ground_truths=gt, inferences=list(overlay.inferences)).cache_key
    assert overlay.cache_key != Overlay(ground_truths=gt).cache_key


def test_thumbnail_overlays_use_upright_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 400x200, shown 200x400
    Image.new("RGB", (400, 200), (128, 128, 128)).save(path, exif=exif.tobytes())
    overlay = Overlay(ground_truths=[BoundingBox((20, 300), (180, 380))],
                      inferences=[BoundingBox((20, 20), (180, 100))])
    thumb = thumbnail(str(path), 100, overlay=overlay, format="PNG")
    assert (thumb.width, thumb.height) == (50, 100)
    assert pixel(thumb.data, (5, 85)) == GROUND_TRUTH_COLOR  # left edge of the box scaled by 1/4
    assert pixel(thumb.data, (25, 5)) == INFERENCE_COLOR  # top edge of the inference box
    assert pixel(thumb.data, (25, 50)) == (128, 128, 128)


def test_subclassed_and_nested_annotations_draw_and_others_are_skipped() -> None:
    @dataclass(frozen=True)
    class Vehicle(LabeledBoundingBox):
        wheels: int = 4

    @dataclass(frozen=True)
    class Part(GroundTruth):
        outline: Polygon

    @dataclass(frozen=True)
    class Scene(GroundTruth):
        vehicles: Dict[str, List[Vehicle]]
        part: Part
        span: TimeSegment
        cube: BoundingBox3D

    scene = Scene(vehicles={"left": [Vehicle((20, 20), (100, 100), "car")]},
                  part=Part(Polygon([(120, 120), (180, 120), (150, 180)])), span=TimeSegment(0, 1),
                  cube=BoundingBox3D((0, 0, 0), (1, 1, 1), (0, 0, 0)), note=Keypoints([(150, 30)]))
    assert [type(a).__name__ for a in collect_annotations(scene)] == ["Vehicle", "Polygon", "TimeSegment",
                                                                      "BoundingBox3D", "Keypoints"]
    drawn = _draw(Overlay(ground_truths=scene))
    assert tuple(drawn[60, 20]) == GROUND_TRUTH_COLOR  # the subclassed box
    assert tuple(drawn[120, 150]) == GROUND_TRUTH_COLOR  # the nested polygon's top edge
    assert tuple(drawn[30, 150]) == GROUND_TRUTH_COLOR  # the extra keypoint
    assert tuple(_draw(Overlay(ground_truths=scene, show_boxes=False))[60, 20]) == (0, 0, 0)
    assert not _draw(Overlay(ground_truths=[TimeSegment(0, 1), BoundingBox3D((5, 5, 5), (9, 9, 9), (0, 0, 0))])).any()
