"""Every annotation and asset: constructors, derived fields, validation, tags and round trips."""
import json
from typing import Any, List

import numpy as np
import pytest

from kolena_lab.workflow import annotation as A
from kolena_lab.workflow import asset as S
from kolena_lab.workflow._datatypes import _deserialize
from kolena_lab.workflow.annotation import (
    BitmapMask,
    BoundingBox,
    BoundingBox3D,
    ClassificationLabel,
    CustomAnnotation,
    Keypoints,
    Keypoints3D,
    Label,
    LabeledBoundingBox,
    LabeledBoundingBox3D,
    LabeledPolygon,
    LabeledTextSegment,
    LabeledTimeSegment,
    Polygon,
    Polyline,
    Polyline3D,
    ScoredBoundingBox,
    ScoredBoundingBox3D,
    ScoredClassificationLabel,
    ScoredLabel,
    ScoredLabeledBoundingBox,
    ScoredLabeledBoundingBox3D,
    ScoredLabeledPolygon,
    ScoredLabeledTextSegment,
    ScoredLabeledTimeSegment,
    ScoredPolygon,
    ScoredTextSegment,
    ScoredTimeSegment,
    SegmentationMask,
    TextSegment,
    TimeSegment,
)
from kolena_lab.workflow.asset import (
    AudioAsset,
    BaseVideoAsset,
    BinaryAsset,
    DocumentAsset,
    ImageAsset,
    MeshAsset,
    PlainTextAsset,
    PointCloudAsset,
    VideoAsset,
)

TRIANGLE = [(0, 0), (4, 0), (4, 3)]
BOX3D = ((1, 2, 3), (2, 3, 4), (0, 0, 0.5))

ANNOTATIONS = [
    (BoundingBox((0, 0), (1, 1)), "BOUNDING_BOX"),
    (LabeledBoundingBox((0, 0), (1, 1), "a"), "BOUNDING_BOX"),
    (ScoredBoundingBox((0, 0), (1, 1), 0.5), "BOUNDING_BOX"),
    (ScoredLabeledBoundingBox((0, 0), (1, 1), "a", 0.5), "BOUNDING_BOX"),
    (Polygon(TRIANGLE), "POLYGON"),
    (LabeledPolygon(TRIANGLE, "a"), "POLYGON"),
    (ScoredPolygon(TRIANGLE, 0.5), "POLYGON"),
    (ScoredLabeledPolygon(TRIANGLE, "a", 0.5), "POLYGON"),
    (Keypoints([(0, 0), (1, 2)]), "KEYPOINTS"),
    (Keypoints3D([(0, 0, 0), (1, 2, 3)]), "KEYPOINTS_3D"),
    (Polyline([(0, 0), (1, 2)]), "POLYLINE"),
    (Polyline3D([(0, 0, 0), (1, 2, 3)]), "POLYLINE_3D"),
    (BoundingBox3D(*BOX3D), "BOUNDING_BOX_3D"),
    (LabeledBoundingBox3D(*BOX3D, "car"), "BOUNDING_BOX_3D"),
    (ScoredBoundingBox3D(*BOX3D, 0.5), "BOUNDING_BOX_3D"),
    (ScoredLabeledBoundingBox3D(*BOX3D, "car", 0.5), "BOUNDING_BOX_3D"),
    (SegmentationMask({1: "cat", 2: "dog"}, "s3://bucket/mask.png"), "SEGMENTATION_MASK"),
    (BitmapMask("gs://bucket/mask.png"), "BITMAP_MASK"),
    (ClassificationLabel("cat"), "CLASSIFICATION_LABEL"),
    (ScoredClassificationLabel("cat", 0.5), "CLASSIFICATION_LABEL"),
    (TimeSegment(1.0, 2.5), "TIME_SEGMENT"),
    (LabeledTimeSegment(1.0, 2.5, "speech"), "TIME_SEGMENT"),
    (ScoredTimeSegment(1.0, 2.5, 0.5), "TIME_SEGMENT"),
    (ScoredLabeledTimeSegment(1.0, 2.5, "speech", 0.5), "TIME_SEGMENT"),
    (TextSegment("text", 0, 5), "TEXT_SEGMENT"),
    (LabeledTextSegment("text", 0, 5, "greeting"), "TEXT_SEGMENT"),
    (ScoredTextSegment("text", 0, 5, 0.5), "TEXT_SEGMENT"),
    (ScoredLabeledTextSegment("text", 0, 5, "greeting", 0.5), "TEXT_SEGMENT"),
    (CustomAnnotation("heatmap", {"scale": 2}), "CUSTOM"),
]

ASSETS = [
    (ImageAsset("s3://bucket/a.png?versionId=1"), "IMAGE"),
    (PlainTextAsset("a.txt"), "PLAIN_TEXT"),
    (BinaryAsset("a.bin"), "BINARY"),
    (PointCloudAsset("a.pcd"), "POINT_CLOUD"),
    (BaseVideoAsset("a.mp4"), "VIDEO"),
    (VideoAsset("a.mp4", ImageAsset("t.png"), 1.0, 2.0, 30.0), "VIDEO"),
    (AudioAsset("gs://bucket/a.wav?generation=3"), "AUDIO"),
    (MeshAsset("a.ply"), "MESH"),
    (DocumentAsset("https://example.com/a.pdf"), "DOCUMENT"),
]


def test_every_public_annotation_and_asset_is_covered():
    covered = {type(obj) for obj, _ in ANNOTATIONS + ASSETS}
    public = {getattr(A, n) for n in A.__all__ if n != "Annotation"}
    public |= {getattr(S, n) for n in S.__all__ if n != "Asset"}
    assert public == covered


@pytest.mark.parametrize("obj, tag", ANNOTATIONS, ids=lambda v: type(v).__name__ if not isinstance(v, str) else "")
def test_annotation_tag_and_round_trip(obj, tag):
    data = obj._to_dict()
    assert data["data_type"] == f"ANNOTATION/{tag}"
    back = type(obj)._from_dict(json.loads(json.dumps(data)))
    assert back == obj and type(back) is type(obj)
    assert back._to_dict() == data


@pytest.mark.parametrize("obj, tag", ASSETS, ids=lambda v: type(v).__name__ if not isinstance(v, str) else "")
def test_asset_tag_and_round_trip(obj, tag):
    data = obj._to_dict()
    assert data["data_type"] == f"ASSET/{tag}"
    back = type(obj)._from_dict(json.loads(json.dumps(data)))
    assert back == obj and type(back) is type(obj)


def test_aliases():
    assert Label is ClassificationLabel
    assert ScoredLabel is ScoredClassificationLabel
    assert ScoredLabel("cat", 0.9) == ScoredClassificationLabel(label="cat", score=0.9)


# --- bounding boxes ---------------------------------------------------------------------------------------------------


def test_bounding_box_derived_fields():
    box = BoundingBox((10, 20), (40, 30))
    assert (box.width, box.height, box.area, box.aspect_ratio) == (30.0, 10.0, 300.0, 3.0)
    assert box.top_left == (10.0, 20.0) and box.bottom_right == (40.0, 30.0)


def test_bounding_box_width_and_height_are_absolute():
    box = BoundingBox((5, 5), (2, 1))
    assert (box.width, box.height, box.area) == (3.0, 4.0, 12.0)
    assert box.aspect_ratio == pytest.approx(0.75)


def test_bounding_box_aspect_ratio_is_zero_when_height_is_zero():
    box = BoundingBox((0, 3), (5, 3))
    assert box.height == 0 and box.area == 0 and box.aspect_ratio == 0


def test_bounding_box_derived_fields_are_not_constructor_arguments_and_are_recomputed_on_load():
    with pytest.raises(TypeError):
        BoundingBox((0, 0), (1, 1), width=5)  # type: ignore[call-arg]
    data = BoundingBox((0, 0), (2, 2))._to_dict()
    data["width"] = 99
    assert BoundingBox._from_dict(data).width == 2.0


def test_bounding_box_accepts_numpy_and_rejects_wrong_dimensions():
    box = ScoredLabeledBoundingBox(np.array([0, 0]), np.array([2.0, 4.0]), "a", np.float32(0.25))
    assert box == ScoredLabeledBoundingBox((0, 0), (2, 4), "a", 0.25)
    assert json.dumps(box._to_dict())
    with pytest.raises(ValueError, match="top_left"):
        BoundingBox((0,), (1, 1))
    with pytest.raises(ValueError, match="bottom_right"):
        BoundingBox((0, 0), ("a", 1))


def test_scored_labeled_bounding_box_fields():
    box = ScoredLabeledBoundingBox(top_left=(0, 0), bottom_right=(1, 1), label="a", score=0.5)
    assert (box.label, box.score) == ("a", 0.5)
    assert list(box._to_dict())[-3:] == ["label", "score", "data_type"]


def test_bounding_box_3d_volume():
    box = BoundingBox3D((0, 0, 0), (2, 3, 4), (0, 0, 0))
    assert box.volume == 24.0
    assert LabeledBoundingBox3D((0, 0, 0), (1, 1, 0.5), (0, 0, 1), "car").volume == 0.5
    with pytest.raises(ValueError, match="dimensions"):
        BoundingBox3D((0, 0, 0), (1, 1), (0, 0, 0))


# --- polygons and points ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls, extra", [
    (Polygon, ()), (LabeledPolygon, ("a",)), (ScoredPolygon, (0.5,)), (ScoredLabeledPolygon, ("a", 0.5)),
])
@pytest.mark.parametrize("n", [0, 1, 2])
def test_polygon_needs_three_points(cls, extra, n):
    with pytest.raises(ValueError) as info:
        cls([(i, i) for i in range(n)], *extra)
    assert str(info.value) == f"Polygon must have at least three points ({n} provided)"


def test_polygon_points_from_numpy():
    polygon = Polygon(np.array([[0, 0], [1, 0], [1, 1]]))
    assert polygon.points == [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]
    assert polygon == Polygon([(0, 0), (1, 0), (1, 1)])


def test_keypoints_and_polylines():
    assert Keypoints([]).points == []
    assert Keypoints([(1, 2)]).points == [(1.0, 2.0)]
    assert Polyline3D([(1, 2, 3)]).points == [(1.0, 2.0, 3.0)]
    with pytest.raises(ValueError, match=r"points\[0\]"):
        Keypoints3D([(0, 0)])
    with pytest.raises(ValueError, match=r"points\[1\]"):
        Polyline([(0, 0), (1, 2, 3)])


# --- masks, labels, custom --------------------------------------------------------------------------------------------


def test_segmentation_mask_keys_are_ints_after_a_round_trip():
    mask = SegmentationMask({1: "cat", 255: "ignore"}, "mask.png")
    data = json.loads(json.dumps(mask._to_dict()))
    assert data["labels"] == {"1": "cat", "255": "ignore"}
    assert SegmentationMask._from_dict(data).labels == {1: "cat", 255: "ignore"}


def test_custom_annotation_keeps_its_extras():
    custom = CustomAnnotation("heatmap", data={"a": [1, 2]}, opacity=0.5)
    back = CustomAnnotation._from_dict(json.loads(json.dumps(custom._to_dict())))
    assert back.opacity == 0.5 and back.data == {"a": [1, 2]}  # type: ignore[attr-defined]


# --- segments ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("start, end", [(0, 0.0), (1, 2), (2.5, 2.5)])
def test_time_segment_accepts_start_at_or_before_end(start, end):
    assert TimeSegment(start, end).end == end


@pytest.mark.parametrize("cls, extra", [
    (TimeSegment, ()), (LabeledTimeSegment, ("a",)), (ScoredTimeSegment, (0.5,)),
    (ScoredLabeledTimeSegment, ("a", 0.5)),
])
def test_time_segment_rejects_start_after_end(cls, extra):
    with pytest.raises(ValueError, match="TimeSegment"):
        cls(3, 2, *extra)


@pytest.mark.parametrize("start, end", [(0, 1), (3, 10)])
def test_text_segment_accepts_valid_spans(start, end):
    segment = ScoredLabeledTextSegment("summary", start, end, "name", 0.9)
    assert (segment.text_field, segment.start, segment.end) == ("summary", start, end)


@pytest.mark.parametrize("cls, extra", [
    (TextSegment, ()), (LabeledTextSegment, ("a",)), (ScoredTextSegment, (0.5,)),
    (ScoredLabeledTextSegment, ("a", 0.5)),
])
@pytest.mark.parametrize("start, end", [(-1, 3), (3, 3), (4, 3)])
def test_text_segment_needs_0_le_start_lt_end(cls, extra, start, end):
    with pytest.raises(ValueError, match="start < end"):
        cls("text", start, end, *extra)


# --- video asset ------------------------------------------------------------------------------------------------------


def test_video_asset_defaults_and_fields():
    video = VideoAsset("a.mp4")
    assert (video.thumbnail, video.start, video.end, video.frame_rate) == (None, None, None, None)
    full = VideoAsset("a.mp4", thumbnail=ImageAsset("t.png"), start=0, end=0, frame_rate=24)
    assert full.thumbnail == ImageAsset("t.png")
    back = VideoAsset._from_dict(json.loads(json.dumps(full._to_dict())))
    assert type(back.thumbnail) is ImageAsset and back == full


@pytest.mark.parametrize("frame_rate", [0, -1, -0.5])
def test_video_asset_frame_rate_must_be_positive(frame_rate):
    with pytest.raises(ValueError, match="frame_rate"):
        VideoAsset("a.mp4", frame_rate=frame_rate)


@pytest.mark.parametrize("start, end", [(5, 1), (-1, None), (None, -1)])
def test_video_asset_start_end(start, end):
    with pytest.raises(ValueError, match="VideoAsset"):
        VideoAsset("a.mp4", start=start, end=end)


def test_subclassed_asset_with_extra_fields():
    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class CaptionedImage(ImageAsset):
        caption: str = ""

    asset = CaptionedImage("a.png", caption="hi")
    data = asset._to_dict()
    assert data == {"locator": "a.png", "caption": "hi", "data_type": "ASSET/IMAGE"}
    assert CaptionedImage._from_dict(data) == asset


def test_kolena_label_tag_decodes_as_a_classification_label():
    data = {"label": "cat", "data_type": "ANNOTATION/LABEL"}
    assert _deserialize(data, Any) == ClassificationLabel("cat")
    assert _deserialize([{**data, "score": 0.5}], List[ScoredLabel]) == [ScoredLabel("cat", 0.5)]
    assert ClassificationLabel("cat")._to_dict()["data_type"] == "ANNOTATION/CLASSIFICATION_LABEL"  # ours unchanged
