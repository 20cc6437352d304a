"""Assets: files attached to test samples, ground truths, inferences or metrics, referenced by locator."""

from dataclasses import dataclass
from typing import ClassVar, Optional, Tuple

from kolena_lab.errors import InputValidationError
from kolena_lab.workflow._datatypes import DataType, TypedDataObject
from kolena_lab.workflow._values import check_optional_numbers


class _AssetType(DataType):
    IMAGE = "IMAGE"
    PLAIN_TEXT = "PLAIN_TEXT"
    BINARY = "BINARY"
    POINT_CLOUD = "POINT_CLOUD"
    VIDEO = "VIDEO"
    AUDIO = "AUDIO"
    MESH = "MESH"
    DOCUMENT = "DOCUMENT"

    @staticmethod
    def _data_category() -> str:
        return "ASSET"


@dataclass(frozen=True)
class Asset(TypedDataObject):
    """Base of every asset; its numbers must be finite."""

    _finite_numbers: ClassVar[bool] = True
    _locator_fields: ClassVar[Tuple[str, ...]] = ("locator",)  # checked to be usable locators when built


@dataclass(frozen=True)
class ImageAsset(Asset):
    """An image file."""

    locator: str

    @classmethod
    def _data_type(cls) -> _AssetType:
        return _AssetType.IMAGE


@dataclass(frozen=True)
class PlainTextAsset(Asset):
    """A plain-text file."""

    locator: str

    @classmethod
    def _data_type(cls) -> _AssetType:
        return _AssetType.PLAIN_TEXT


@dataclass(frozen=True)
class BinaryAsset(Asset):
    """A file of any other kind."""

    locator: str

    @classmethod
    def _data_type(cls) -> _AssetType:
        return _AssetType.BINARY


@dataclass(frozen=True)
class PointCloudAsset(Asset):
    """A point-cloud file (.pcd)."""

    locator: str

    @classmethod
    def _data_type(cls) -> _AssetType:
        return _AssetType.POINT_CLOUD


@dataclass(frozen=True)
class BaseVideoAsset(Asset):
    """A video file."""

    locator: str

    @classmethod
    def _data_type(cls) -> _AssetType:
        return _AssetType.VIDEO


@dataclass(frozen=True)
class AudioAsset(Asset):
    """An audio file."""

    locator: str

    @classmethod
    def _data_type(cls) -> _AssetType:
        return _AssetType.AUDIO


@dataclass(frozen=True)
class MeshAsset(Asset):
    """A 3D mesh file (.ply)."""

    locator: str

    @classmethod
    def _data_type(cls) -> _AssetType:
        return _AssetType.MESH


@dataclass(frozen=True)
class DocumentAsset(Asset):
    """A document file (PDF, text)."""

    locator: str

    @classmethod
    def _data_type(cls) -> _AssetType:
        return _AssetType.DOCUMENT


@dataclass(frozen=True)
class VideoAsset(BaseVideoAsset):
    """A video file, optionally clipped to ``[start, end]`` seconds, with a thumbnail and frame rate."""

    thumbnail: Optional[ImageAsset] = None
    start: Optional[float] = None
    end: Optional[float] = None
    frame_rate: Optional[float] = None

    def __post_init__(self) -> None:
        check_optional_numbers(self, ("start", "end", "frame_rate"))
        if self.start is not None and self.start < 0:
            raise InputValidationError(f"VideoAsset start must be >= 0, got {self.start}")
        if self.end is not None and self.end < 0:
            raise InputValidationError(f"VideoAsset end must be >= 0, got {self.end}")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise InputValidationError(f"VideoAsset start ({self.start}) must not be after end ({self.end})")
        if self.frame_rate is not None and not self.frame_rate > 0:
            raise InputValidationError(f"VideoAsset frame_rate must be > 0, got {self.frame_rate}")


__all__ = [
    "Asset",
    "ImageAsset",
    "PlainTextAsset",
    "BinaryAsset",
    "PointCloudAsset",
    "BaseVideoAsset",
    "VideoAsset",
    "AudioAsset",
    "MeshAsset",
    "DocumentAsset",
]
