"""Test sample types: constructors, tags, metadata, composites, Video validation and round trips."""
import dataclasses
import json
from typing import Optional

import pytest

from kolena_lab.workflow import (
    Audio,
    BaseVideo,
    Composite,
    Document,
    Image,
    ImageAsset,
    ImagePair,
    ImageText,
    PointCloud,
    Text,
    Video,
)
from kolena_lab.workflow.annotation import BoundingBox

LOCATORS = ["local/a.png", "/abs/a.png", "s3://bucket/a.png?versionId=abc", "gs://bucket/a.png?generation=7",
            "https://example.com/a.png"]


def round_trip(obj):
    return type(obj)._from_dict(json.loads(json.dumps(obj._to_dict())))


@pytest.mark.parametrize("cls, tag", [
    (Image, "IMAGE"), (Document, "DOCUMENT"), (BaseVideo, "VIDEO"), (Video, "VIDEO"), (PointCloud, "POINT_CLOUD"),
    (Audio, "AUDIO"),
])
@pytest.mark.parametrize("locator", LOCATORS)
def test_locator_samples(cls, tag, locator):
    sample = cls(locator, metadata={"split": "test"})
    data = sample._to_dict()
    assert data["locator"] == locator and data["metadata"] == {"split": "test"}
    assert data["data_type"] == f"TEST_SAMPLE/{tag}"
    assert round_trip(sample) == sample


def test_text_sample():
    sample = Text("hello world")
    assert sample._to_dict() == {"text": "hello world", "metadata": {}, "data_type": "TEST_SAMPLE/TEXT"}
    assert round_trip(sample) == sample


def test_metadata_defaults_to_a_fresh_dict_and_is_part_of_equality():
    a, b = Image("a.png"), Image("a.png")
    assert a.metadata == {} and a.metadata is not b.metadata
    assert Image("a.png", metadata={"x": 1}) != Image("a.png")


def test_metadata_values_round_trip():
    metadata = {"s": "x", "f": 1.5, "i": 2, "b": True, "n": None, "l": [1, "a", None]}
    assert round_trip(Image("a.png", metadata=metadata)).metadata == metadata


def test_video_fields_and_round_trip():
    video = Video("v.mp4", thumbnail=ImageAsset("t.png"), start=1, end=2.5, metadata={"fps": 30})
    assert list(video._to_dict()) == ["locator", "thumbnail", "start", "end", "metadata", "data_type"]
    back = round_trip(video)
    assert back == video and type(back.thumbnail) is ImageAsset
    assert Video("v.mp4").start is None and Video("v.mp4", start=2, end=2).end == 2


@pytest.mark.parametrize("start, end, message", [
    (3, 2, "start"), (-1, None, "start"), (None, -0.5, "end"), (-2, -1, "start"),
])
def test_video_start_end_validation(start, end, message):
    with pytest.raises(ValueError, match=message):
        Video("v.mp4", start=start, end=end)


def test_image_pair_and_image_text():
    pair = ImagePair(Image("a.png", metadata={"k": 1}), Image("b.png"), metadata={"pair": True})
    data = pair._to_dict()
    assert data["data_type"] == "TEST_SAMPLE/IMAGE_PAIR"
    assert data["a"]["data_type"] == "TEST_SAMPLE/IMAGE" and data["a"]["metadata"] == {"k": 1}
    back = round_trip(pair)
    assert back == pair and type(back.a) is Image and type(back.b) is Image

    image_text = ImageText(Image("a.png"), Text("caption"))
    assert image_text._to_dict()["data_type"] == "TEST_SAMPLE/IMAGE_TEXT"
    back = round_trip(image_text)
    assert back == image_text and type(back.text) is Text


def test_user_composite_and_extended_image():
    @dataclasses.dataclass(frozen=True)
    class Stereo(Composite):
        left: Image
        right: Image

    @dataclasses.dataclass(frozen=True)
    class LabeledImage(Image):
        width: int = 0
        roi: Optional[BoundingBox] = None

    stereo = Stereo(Image("l.png"), Image("r.png"))
    assert stereo._to_dict()["data_type"] == "TEST_SAMPLE/COMPOSITE"
    assert round_trip(stereo) == stereo

    image = LabeledImage("a.png", width=640, roi=BoundingBox((0, 0), (5, 5)))
    data = image._to_dict()
    assert data["data_type"] == "TEST_SAMPLE/IMAGE" and list(data)[:4] == ["locator", "width", "roi", "metadata"]
    back = round_trip(image)
    assert back == image and type(back.roi) is BoundingBox
