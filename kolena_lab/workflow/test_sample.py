"""Test sample types: what a model is tested on, referenced by locator (the data itself is never copied)."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from kolena_lab.workflow._datatypes import DataType, TypedDataObject
from kolena_lab.workflow.asset import ImageAsset

_MetadataScalar = Union[None, str, float, int, bool]
Metadata = Dict[str, Union[_MetadataScalar, List[_MetadataScalar]]]
"""Free-form scalar fields of a test sample; not part of its identity."""

METADATA_FIELD = "metadata"


class _TestSampleType(DataType):
    IMAGE = "IMAGE"
    IMAGE_PAIR = "IMAGE_PAIR"
    TEXT = "TEXT"
    IMAGE_TEXT = "IMAGE_TEXT"
    VIDEO = "VIDEO"
    DOCUMENT = "DOCUMENT"
    POINT_CLOUD = "POINT_CLOUD"
    AUDIO = "AUDIO"
    COMPOSITE = "COMPOSITE"
    CUSTOM = "CUSTOM"

    @staticmethod
    def _data_category() -> str:
        return "TEST_SAMPLE"


@dataclass(frozen=True)
class TestSample(TypedDataObject):
    """Base of every test sample type; subclass one of the concrete bases (Image, Text, ...)."""

    __test__ = False  # not a pytest test class

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.CUSTOM


@dataclass(frozen=True)
class Image(TestSample):
    """An image file."""

    locator: str
    metadata: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.IMAGE


@dataclass(frozen=True)
class Text(TestSample):
    """A piece of text, stored inline."""

    text: str
    metadata: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.TEXT


@dataclass(frozen=True)
class Document(TestSample):
    """A document file (PDF, text)."""

    locator: str
    metadata: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.DOCUMENT


@dataclass(frozen=True)
class BaseVideo(TestSample):
    """A video file."""

    locator: str
    metadata: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.VIDEO


@dataclass(frozen=True)
class Video(BaseVideo):
    """A video file, optionally clipped to ``[start, end]`` seconds, with a thumbnail."""

    thumbnail: Optional[ImageAsset] = None
    start: Optional[float] = None
    end: Optional[float] = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"Video {name} must be >= 0, got {value}")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"Video start ({self.start}) must not be after end ({self.end})")


@dataclass(frozen=True)
class PointCloud(TestSample):
    """A point-cloud file."""

    locator: str
    metadata: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.POINT_CLOUD


@dataclass(frozen=True)
class Audio(TestSample):
    """An audio file."""

    locator: str
    metadata: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.AUDIO


@dataclass(frozen=True)
class Composite(TestSample):
    """A sample made of other test samples (one level deep), e.g. a pair of images."""

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.COMPOSITE


@dataclass(frozen=True)
class ImagePair(Composite):
    """Two images tested together."""

    a: Image
    b: Image
    metadata: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.IMAGE_PAIR


@dataclass(frozen=True)
class ImageText(Composite):
    """An image with a text."""

    image: Image
    text: Text
    metadata: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.IMAGE_TEXT


def sample_label(sample: TestSample) -> str:
    """What to show for a sample: its locator, or its text, or its printed form."""
    for attribute in ("locator", "text"):
        value = getattr(sample, attribute, None)
        if isinstance(value, str):
            return value
    return str(sample)


__all__ = [
    "Metadata",
    "TestSample",
    "Image",
    "Text",
    "Document",
    "BaseVideo",
    "Video",
    "PointCloud",
    "Audio",
    "Composite",
    "ImagePair",
    "ImageText",
    "sample_label",
]
