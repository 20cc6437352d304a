"""Subclassing the test sample bases as Kolena's workflows do: required fields after the base's, a `metadata` field
of the subclass's own, on stdlib and pydantic (v1) dataclasses; the bases themselves still take `metadata=`."""
import dataclasses
import json
from typing import Any, Callable, Dict, List, Optional

import pydantic.dataclasses
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
    Metadata,
    PointCloud,
    Text,
    Video,
)
from kolena_lab.workflow._codec import decode_sample, encode_sample, sample_key
from kolena_lab.workflow._dataframe import _fast_fields
from kolena_lab.workflow._validators import validate_test_sample_type
from kolena_lab.workflow.annotation import BoundingBox
from kolena_lab.workflow.asset import PointCloudAsset

DECORATORS: Dict[str, Callable[..., Any]] = {
    "stdlib": dataclasses.dataclass(frozen=True),
    "pydantic": pydantic.dataclasses.dataclass(frozen=True),
}

# each base, the arguments of its own fields
BASES = [
    (Image, ("a.png",)),
    (Text, ("some text",)),
    (Document, ("a.pdf",)),
    (BaseVideo, ("v.mp4",)),
    (Video, ("v.mp4",)),
    (PointCloud, ("a.pcd",)),
    (Audio, ("a.wav",)),
    (ImagePair, (Image("a.png"), Image("b.png"))),
    (ImageText, (Image("a.png"), Text("caption"))),
]
# Video's own fields have defaults: a required field goes on BaseVideo, as in Kolena
EXTENSIBLE = [(base, args) for base, args in BASES if base is not Video]


def round_trip(obj):
    return type(obj)._from_dict(json.loads(json.dumps(obj._to_dict())))


def subclass(decorator: Callable[..., Any], base: type, with_metadata: bool = True) -> type:
    """``class Sub(base): pairs: List[ImageAsset]; metadata: Metadata = field(default_factory=dict)``."""
    namespace: Dict[str, Any] = {"__annotations__": {"pairs": List[ImageAsset]}}
    if with_metadata:
        namespace["__annotations__"]["metadata"] = Metadata
        namespace["metadata"] = dataclasses.field(default_factory=dict)
    return decorator(type(f"Sub{base.__name__}", (base,), namespace))


@pytest.mark.parametrize("decorator", DECORATORS.values(), ids=list(DECORATORS))
@pytest.mark.parametrize("base, args", EXTENSIBLE, ids=[b.__name__ for b, _ in EXTENSIBLE])
def test_a_required_field_after_the_base_fields_and_an_own_metadata_field(decorator, base, args):
    cls = subclass(decorator, base)
    assert [f.name for f in dataclasses.fields(cls)][-2:] == ["pairs", "metadata"]
    validate_test_sample_type(cls)
    sample = cls(*args, [ImageAsset("p.png")], metadata={"width": 640, "night": True, "ratio": 0.5, "tag": "x"})
    assert sample.metadata == {"width": 640, "night": True, "ratio": 0.5, "tag": "x"}
    assert [type(v) for v in sample.metadata.values()] == [int, bool, float, str]
    assert cls(*args, [ImageAsset("p.png")]).metadata == {}
    back = round_trip(sample)
    assert back == sample and back.metadata == sample.metadata and type(back.pairs[0]) is ImageAsset
    assert sample_key(sample) == sample_key(cls(*args, [ImageAsset("p.png")], metadata={"other": 1}))
    key, metadata = encode_sample(sample)
    assert "metadata" not in json.loads(key) and json.loads(metadata) == sample.metadata
    assert decode_sample(cls, key, metadata) == sample


@pytest.mark.parametrize("decorator", DECORATORS.values(), ids=list(DECORATORS))
@pytest.mark.parametrize("base, args", EXTENSIBLE, ids=[b.__name__ for b, _ in EXTENSIBLE])
def test_a_subclass_without_a_metadata_field_still_takes_metadata(decorator, base, args):
    cls = subclass(decorator, base, with_metadata=False)
    assert "metadata" not in [f.name for f in dataclasses.fields(cls)]
    validate_test_sample_type(cls)
    sample = cls(*args, [ImageAsset("p.png")], metadata={"k": 1})
    assert sample.metadata == {"k": 1} and cls(*args, [ImageAsset("p.png")]).metadata == {}
    key, metadata = encode_sample(sample)
    assert "metadata" not in json.loads(key) and json.loads(metadata) == {"k": 1}
    assert decode_sample(cls, key, metadata).metadata == {"k": 1}
    assert sample_key(sample) == sample_key(cls(*args, [ImageAsset("p.png")]))


@pytest.mark.parametrize("base, args", BASES, ids=[b.__name__ for b, _ in BASES])
def test_the_bases_declare_no_metadata_field_but_take_and_round_trip_metadata(base, args):
    assert "metadata" not in [f.name for f in dataclasses.fields(base)]
    sample = base(*args, metadata={"split": "test", "n": 3})
    assert sample.metadata == {"split": "test", "n": 3} and base(*args).metadata == {}
    assert base(*args).metadata is not base(*args).metadata
    back = round_trip(sample)
    assert back == sample and back.metadata == {"split": "test", "n": 3}
    assert sample != base(*args) and sample_key(sample) == sample_key(base(*args))
    assert hash(sample) == hash(base(*args))  # hashable: fields only, as metadata is no identity


def test_kolena_style_workflow_types_define_on_pydantic():
    @pydantic.dataclasses.dataclass(frozen=True)
    class QuestionSample(Text):
        data_id: str
        question: str
        turn: int
        metadata: Metadata = dataclasses.field(default_factory=dict)

    @pydantic.dataclasses.dataclass(frozen=True)
    class SentencePair(Composite):
        sentence1: Text
        sentence2: Text
        word_count_diff: int
        metadata: Metadata = dataclasses.field(default_factory=dict)

    @pydantic.dataclasses.dataclass(frozen=True)
    class LidarSample(Image):
        velodyne: PointCloudAsset
        transformation: List[float]
        right: Optional[ImageAsset] = None

        def __post_init__(self) -> None:
            if len(self.transformation) != 2:
                raise ValueError("two values expected")

    for cls in (QuestionSample, SentencePair, LidarSample):
        validate_test_sample_type(cls)
    question = QuestionSample("story", "s1", "why?", "2", metadata={"type": "why", "turn": 2})
    assert question.turn == 2 and question.metadata == {"type": "why", "turn": 2}
    pair = SentencePair(Text("a"), Text("b"), 0, metadata={"similar": True})
    assert round_trip(pair) == pair and round_trip(pair).metadata == {"similar": True}
    lidar = LidarSample("a.png", PointCloudAsset("a.pcd"), [1, 2], metadata={"k": 1})
    assert lidar.transformation == [1.0, 2.0] and round_trip(lidar).metadata == {"k": 1}
    with pytest.raises(ValueError, match="two values"):
        LidarSample("a.png", PointCloudAsset("a.pcd"), [1])


def test_positional_arguments_follow_the_declared_fields():
    assert Video("v.mp4", ImageAsset("t.png"), 1, 2).thumbnail == ImageAsset("t.png")

    @dataclasses.dataclass(frozen=True)
    class Region(Image):
        region: BoundingBox

    assert Region("a.png", BoundingBox((0, 0), (1, 1))).region == BoundingBox((0, 0), (1, 1))


def test_a_subclass_metadata_field_compares_like_any_field_and_extras_do_not():
    @dataclasses.dataclass(frozen=True)
    class WithMetadata(Image):
        metadata: Metadata = dataclasses.field(default_factory=dict)

    @dataclasses.dataclass(frozen=True)
    class Plain(Image):
        width: int = 0

    assert WithMetadata("a.png", metadata={"x": 1}) != WithMetadata("a.png", metadata={"x": 2})
    assert Plain("a.png", metadata={"x": 1}) == Plain("a.png", metadata={"x": 2})  # an extra, as in Kolena


def test_a_video_subclass_adds_defaulted_fields_and_its_own_metadata():
    @pydantic.dataclasses.dataclass(frozen=True)
    class Clip(Video):
        fps: float = 30.0
        metadata: Metadata = dataclasses.field(default_factory=dict)

    validate_test_sample_type(Clip)
    clip = Clip("v.mp4", start=1, end=2, fps="25", metadata={"frames": 25})
    assert (clip.fps, clip.start, clip.metadata) == (25.0, 1.0, {"frames": 25})
    assert round_trip(clip) == clip
    with pytest.raises(ValueError, match="start"):
        Clip("v.mp4", start=3, end=2)


def test_a_pydantic_composite_leaves_its_member_type_on_the_column_wise_path():
    @dataclasses.dataclass(frozen=True)
    class Page(Document):
        pass

    @pydantic.dataclasses.dataclass(frozen=True)
    class Pages(Composite):
        first: Page
        second: Page

    @pydantic.dataclasses.dataclass(frozen=True)
    class CheckedPage(Document):
        number: int = 1

    assert Pages(Page("a.pdf"), Page("b.pdf")).first == Page("a.pdf")
    assert "__pydantic_model__" in vars(Page)  # pydantic adds its validators to a member type in place
    assert _fast_fields(Page) == ["locator"]  # yet Page itself validates nothing: its columns are encoded as they are
    assert _fast_fields(CheckedPage) is None
