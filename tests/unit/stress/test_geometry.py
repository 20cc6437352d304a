"""Geometric perturbations move annotations exactly where they move the image's pixels."""
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import pytest
from PIL import Image

from kolena_lab.errors import InputValidationError
from kolena_lab.stress.geometry import move_annotations
from kolena_lab.stress.transforms import apply
from kolena_lab.workflow import GroundTruth, Inference
from kolena_lab.workflow.annotation import (
    BitmapMask,
    BoundingBox,
    Keypoints,
    LabeledBoundingBox,
    LabeledPolygon,
    Polyline,
    ScoredLabeledBoundingBox,
)

W, H = 160, 120


@dataclass(frozen=True)
class Boxes(GroundTruth):
    boxes: List[LabeledBoundingBox]
    keypoints: Keypoints
    outline: List[LabeledPolygon]
    crop: Optional[BoundingBox] = None
    note: str = ""


def rotated(x, y, degrees):
    """Counter-clockwise on screen (y down) about the image centre, written out by hand."""
    a = np.radians(degrees)
    cx, cy = W / 2, H / 2
    return cx + (x - cx) * np.cos(a) + (y - cy) * np.sin(a), cy - (x - cx) * np.sin(a) + (y - cy) * np.cos(a)


EXPECTED = {  # transform, params -> the point (x, y) moves to
    ("rotate", (("degrees", 30.0),)): lambda x, y: rotated(x, y, 30.0),
    ("rotate", (("degrees", -90.0),)): lambda x, y: rotated(x, y, -90.0),
    ("scale", (("factor", 1.25),)): lambda x, y: (W / 2 + 1.25 * (x - W / 2), H / 2 + 1.25 * (y - H / 2)),
    ("scale", (("factor", 0.8),)): lambda x, y: (W / 2 + 0.8 * (x - W / 2), H / 2 + 0.8 * (y - H / 2)),
    ("translate", (("dx", 0.1), ("dy", -0.25))): lambda x, y: (x + 0.1 * W, y - 0.25 * H),
    ("hflip", (("flip", 1),)): lambda x, y: (W - x, y),
}
CASES = [pytest.param(name, dict(params), expected, id=f"{name}{dict(params)}")
         for (name, params), expected in EXPECTED.items()]


@pytest.mark.parametrize("name, params, expected", CASES)
def test_points_move_as_computed_by_hand(name, params, expected):
    perturbed = apply(name, np.zeros((H, W, 3), np.uint8), params)
    points = np.array([[10.0, 20.0], [80.0, 60.0], [150.5, 3.25], [0.0, 0.0]])
    want = np.array([expected(x, y) for x, y in points])
    np.testing.assert_allclose(perturbed.move_points(points), want, atol=1e-9)
    moved = move_annotations(Keypoints(points=[tuple(p) for p in points]), perturbed, W, H)
    np.testing.assert_allclose(moved.points, want, atol=1e-9)


@pytest.mark.parametrize("name, params, expected", CASES)
def test_a_box_becomes_the_clipped_box_around_its_moved_corners(name, params, expected):
    perturbed = apply(name, np.zeros((H, W, 3), np.uint8), params)
    box = ScoredLabeledBoundingBox((50, 40), (90, 70), label="car", score=0.75, occluded=True)
    corners = np.array([expected(x, y) for x, y in [(50, 40), (90, 40), (90, 70), (50, 70)]])
    low = np.clip(corners.min(axis=0), 0, (W, H))
    high = np.clip(corners.max(axis=0), 0, (W, H))
    moved = move_annotations(box, perturbed, W, H)
    np.testing.assert_allclose(moved.top_left, low, atol=1e-9)
    np.testing.assert_allclose(moved.bottom_right, high, atol=1e-9)
    assert (moved.label, moved.score, moved.occluded) == ("car", 0.75, True)
    assert moved.area == pytest.approx((high[0] - low[0]) * (high[1] - low[1]))


@pytest.mark.parametrize("name, params, expected", CASES)
def test_the_image_moves_where_the_keypoint_moves(name, params, expected, tmp_path):
    for column, row in [(40, 30), (100, 75), (81, 50)]:
        canvas = np.zeros((H, W, 3), np.uint8)
        canvas[row - 1:row + 2, column - 1:column + 2] = 255  # a 3x3 square centred on pixel (column, row)
        Image.fromarray(canvas).save(tmp_path / "dot.png")
        image = np.asarray(Image.open(tmp_path / "dot.png").convert("RGB"))
        perturbed = apply(name, image, params)
        weights = perturbed.image[..., 0].astype(float)
        ys, xs = np.mgrid[0:H, 0:W]
        found = ((xs + 0.5) * weights).sum() / weights.sum(), ((ys + 0.5) * weights).sum() / weights.sum()
        keypoint = move_annotations(Keypoints(points=[(column + 0.5, row + 0.5)]), perturbed, W, H).points[0]
        np.testing.assert_allclose(found, keypoint, atol=1.0)
        np.testing.assert_allclose(keypoint, expected(column + 0.5, row + 0.5), atol=1e-9)


def test_a_ground_truth_is_copied_with_its_annotations_moved_and_the_rest_kept():
    truth = Boxes(boxes=[LabeledBoundingBox((10, 10), (30, 20), "car", difficult=True),
                         LabeledBoundingBox((140, 100), (150, 110), "far")],
                  keypoints=Keypoints([(10, 10), (150, 110)]),
                  outline=[LabeledPolygon([(20, 20), (60, 20), (60, 50)], "roof")],
                  crop=BoundingBox((150, 0), (160, 10)), note="kept", source="camera 2")
    perturbed = apply("translate", np.zeros((H, W, 3), np.uint8), {"dx": 0.25, "dy": 0.0})
    moved = move_annotations(truth, perturbed, W, H)
    assert isinstance(moved, Boxes) and moved is not truth
    assert (moved.note, moved.source) == ("kept", "camera 2")
    assert moved.boxes == [LabeledBoundingBox((50, 10), (70, 20), "car", difficult=True)]  # the second left
    assert moved.keypoints.points == [(50, 10), (190, 110)]  # a keypoint that left keeps its coordinates
    assert moved.outline == [LabeledPolygon([(60, 20), (100, 20), (100, 50)], "roof")]
    assert moved.crop == BoundingBox((160, 0), (160, 10))  # alone in its field: kept, clipped to no area
    assert truth.boxes[1].top_left == (140, 100)  # the original is untouched


def test_a_polygon_is_cut_exactly_at_the_image_edge():
    square = LabeledPolygon([(120, 40), (150, 40), (150, 80), (120, 80)], "sign")
    perturbed = apply("translate", np.zeros((H, W, 3), np.uint8), {"dx": 0.125, "dy": 0.0})  # +20 px
    moved = move_annotations([square], perturbed, W, H)
    assert len(moved) == 1
    assert sorted(moved[0].points) == [(140, 40), (140, 80), (160, 40), (160, 80)]
    gone = move_annotations([square], apply("translate", np.zeros((H, W, 3), np.uint8), {"dx": 0.5}), W, H)
    assert gone == []


def test_a_rotated_box_grows_to_enclose_its_corners():
    box = BoundingBox((70, 50), (90, 70))  # 20x20 around the centre
    moved = move_annotations(box, apply("rotate", np.zeros((H, W, 3), np.uint8), {"degrees": 45}), W, H)
    half = 10 * np.sqrt(2)
    np.testing.assert_allclose(moved.top_left, (80 - half, 60 - half), atol=1e-9)
    np.testing.assert_allclose(moved.bottom_right, (80 + half, 60 + half), atol=1e-9)


def test_photometric_transforms_leave_annotations_as_they_are():
    truth = Boxes(boxes=[LabeledBoundingBox((-5, 10), (30, 200), "partly outside")],
                  keypoints=Keypoints([(1, 2)]), outline=[], note="x")
    for name, params in [("brightness", {"delta": 0.2}), ("corruption_fog", {"severity": 3}), ("hflip", {})]:
        moved = move_annotations(truth, apply(name, np.zeros((H, W, 3), np.uint8), params), W, H)
        assert moved == truth


def test_inferences_lists_and_polylines_move_too():
    @dataclass(frozen=True)
    class Lanes(Inference):
        lanes: List[Polyline]
        scores: dict

    perturbed = apply("hflip", np.zeros((H, W, 3), np.uint8), {"flip": 1})
    moved = move_annotations([Lanes([Polyline([(0, 0), (10, 120)])], {"box": BoundingBox((0, 0), (10, 10))})],
                             perturbed, W, H)
    assert moved[0].lanes[0].points == [(160, 0), (150, 120)]
    assert moved[0].scores["box"] == BoundingBox((150, 0), (160, 10))


def test_masks_cannot_follow_a_geometric_perturbation():
    mask = BitmapMask(locator="masks/1.png")
    perturbed = apply("rotate", np.zeros((H, W, 3), np.uint8), {"degrees": 5})
    with pytest.raises(InputValidationError, match="BitmapMask .*masks/1.png.* cannot be moved"):
        move_annotations([mask], perturbed, W, H)
    assert move_annotations([mask], apply("blur", np.zeros((H, W, 3), np.uint8), {"sigma": 2}), W, H) == [mask]
