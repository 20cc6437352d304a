"""Test sample types: what a model is tested on, referenced by locator (the data itself is never copied).

The base types declare no ``metadata`` field, so that a subclass may add required fields; they take a ``metadata=``
keyword all the same. A subclass that wants a typed field declares
``metadata: Metadata = dataclasses.field(default_factory=dict)`` after its required fields.
"""

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np

from kolena_lab.errors import InputValidationError
from kolena_lab.workflow._datatypes import DataType, TypedDataObject, _info
from kolena_lab.workflow._values import check_optional_numbers
from kolena_lab.workflow.asset import ImageAsset


class _StrictScalar:
    """A metadata scalar type that pydantic (v1) dataclasses check without coercion: ``640`` stays an int and
    ``True`` a bool, where the plain ``Union[str, ...]`` would turn both into strings. numpy scalars become Python's."""

    _accepts: ClassVar[Callable[[Any], bool]]

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], Any]]:
        yield cls._validate

    @classmethod
    def _validate(cls, value: Any) -> Any:
        if isinstance(value, np.generic):
            value = value.item()
        if not cls._accepts(value):
            raise TypeError(f"not a {cls.__name__[len('_Strict'):].lower()}: {type(value).__name__}")
        return value


class _StrictStr(_StrictScalar):
    _accepts = staticmethod(lambda v: isinstance(v, str))


class _StrictFloat(_StrictScalar):
    _accepts = staticmethod(lambda v: isinstance(v, float))


class _StrictInt(_StrictScalar):
    _accepts = staticmethod(lambda v: isinstance(v, int) and not isinstance(v, bool))


class _StrictBool(_StrictScalar):
    _accepts = staticmethod(lambda v: isinstance(v, bool))


# the strict types first (kept as given), then the plain ones for values that none of them accepts
_MetadataScalar = Union[None, _StrictStr, _StrictFloat, _StrictInt, _StrictBool, str, float, int, bool]
Metadata = Dict[str, Union[_MetadataScalar, List[_MetadataScalar]]]
"""Free-form scalar fields of a test sample (str, int, float, bool, None, or lists of them); not part of its
identity. Numbers and booleans keep their types under pydantic dataclasses too."""

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
    """Base of every test sample type; subclass one of the concrete bases (Image, Text, ...).

    Every test sample takes ``metadata=`` (a dict, ``{}`` when not given): a declared field or an extra attribute.
    The base types' ``==`` compares fields and metadata, and their hash the fields.
    """

    __test__ = False  # not a pytest test class
    # `metadata=` on a type that declares no such field is an extra, free-form as in Kolena, but a dict keyed by strings
    _extra_hints: ClassVar[Dict[str, Any]] = {METADATA_FIELD: Dict[str, Any]}
    _locator_fields: ClassVar[Tuple[str, ...]] = ("locator",)  # checked to be usable locators when built

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.CUSTOM

    @classmethod
    def _implicit_extras(cls) -> Tuple[Tuple[str, Callable[[], Any]], ...]:
        return ((METADATA_FIELD, dict),)  # `metadata=` on a type that declares no such field; {} when not given

    def __eq__(self, other: object) -> bool:
        """Same class, fields and metadata (a subclass's own dataclass ``==`` compares its declared fields only)."""
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self._field_values() == other._field_values()  # type: ignore[attr-defined]
                and getattr(self, METADATA_FIELD, None) == getattr(other, METADATA_FIELD, None))

    def __hash__(self) -> int:
        return hash(self._field_values())

    def _field_values(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in _info(type(self)).fields)


@dataclass(frozen=True, eq=False)
class Image(TestSample):
    """An image file."""

    locator: str

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.IMAGE


@dataclass(frozen=True, eq=False)
class Text(TestSample):
    """A piece of text, stored inline."""

    text: str

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.TEXT


@dataclass(frozen=True, eq=False)
class Document(TestSample):
    """A document file (PDF, text)."""

    locator: str

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.DOCUMENT


@dataclass(frozen=True, eq=False)
class BaseVideo(TestSample):
    """A video file."""

    locator: str

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.VIDEO


@dataclass(frozen=True, eq=False)
class Video(BaseVideo):
    """A video file, optionally clipped to ``[start, end]`` seconds, with a thumbnail."""

    thumbnail: Optional[ImageAsset] = None
    start: Optional[float] = None
    end: Optional[float] = None

    def __post_init__(self) -> None:
        check_optional_numbers(self, ("start", "end"))
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InputValidationError(f"Video {name} must be >= 0, got {value}")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise InputValidationError(f"Video start ({self.start}) must not be after end ({self.end})")


@dataclass(frozen=True, eq=False)
class PointCloud(TestSample):
    """A point-cloud file."""

    locator: str

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.POINT_CLOUD


@dataclass(frozen=True, eq=False)
class Audio(TestSample):
    """An audio file."""

    locator: str

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.AUDIO


@dataclass(frozen=True, eq=False)
class Composite(TestSample):
    """A sample made of other test samples (one level deep), e.g. a pair of images."""

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.COMPOSITE


@dataclass(frozen=True, eq=False)
class ImagePair(Composite):
    """Two images tested together."""

    a: Image
    b: Image

    @classmethod
    def _data_type(cls) -> _TestSampleType:
        return _TestSampleType.IMAGE_PAIR


@dataclass(frozen=True, eq=False)
class ImageText(Composite):
    """An image with a text."""

    image: Image
    text: Text

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
