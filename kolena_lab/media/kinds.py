"""Media kinds, and what to preview for a locator, test sample or asset."""
import os
import posixpath
from dataclasses import dataclass
from enum import Enum
from typing import Optional, Union
from urllib.parse import urlsplit

from kolena_lab.workflow import DataObject
from kolena_lab.workflow.asset import (
    AudioAsset,
    BaseVideoAsset,
    BinaryAsset,
    DocumentAsset,
    ImageAsset,
    MeshAsset,
    PlainTextAsset,
    PointCloudAsset,
)
from kolena_lab.workflow.test_sample import (
    Audio,
    BaseVideo,
    Document,
    Image,
    ImagePair,
    ImageText,
    PointCloud,
    Text,
)


class MediaKind(str, Enum):
    """What a locator holds; every kind but ``IMAGE`` is previewed by a typed placeholder."""

    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    TEXT = "text"
    POINT_CLOUD = "point_cloud"
    MESH = "mesh"
    BINARY = "binary"


_EXTENSIONS = {
    MediaKind.VIDEO: ("mp4", "mov", "avi", "mkv", "webm", "m4v", "mpg", "mpeg", "wmv", "flv"),
    MediaKind.AUDIO: ("wav", "mp3", "flac", "ogg", "oga", "m4a", "aac", "opus", "wma", "aiff"),
    MediaKind.DOCUMENT: ("pdf", "doc", "docx", "odt", "rtf", "ppt", "pptx", "xls", "xlsx", "html", "htm"),
    MediaKind.TEXT: ("txt", "md", "csv", "tsv", "json", "jsonl", "xml", "yaml", "yml", "log"),
    MediaKind.POINT_CLOUD: ("pcd", "las", "laz", "xyz", "pts"),
    MediaKind.MESH: ("ply", "obj", "stl", "glb", "gltf", "off"),
    MediaKind.BINARY: ("bin", "npy", "npz", "pkl", "zip", "gz", "tar", "parquet"),
}
_KIND_BY_EXTENSION = {ext: kind for kind, exts in _EXTENSIONS.items() for ext in exts}

Source = Union[str, "os.PathLike[str]", DataObject]


def media_kind(locator: str) -> MediaKind:
    """The kind a locator's extension names; anything unrecognised is tried as an image."""
    path = urlsplit(locator).path if "://" in locator else locator
    ext = posixpath.splitext(path.replace("\\", "/"))[1].lower().lstrip(".")
    return _KIND_BY_EXTENSION.get(ext, MediaKind.IMAGE)


@dataclass(frozen=True)
class MediaSource:
    """What to show for one source: its kind and locator, the image locator to decode (if any) and a caption."""

    kind: MediaKind
    locator: str
    image_locator: Optional[str]
    caption: str


def _file_name(locator: str) -> str:
    path = urlsplit(locator).path if "://" in locator else locator
    return posixpath.basename(path.replace("\\", "/").rstrip("/")) or locator


def media_source(source: Source) -> MediaSource:
    """Resolve a locator, path, test sample or asset to what its thumbnail shows.

    Images are decoded; a video with a ``thumbnail`` asset shows that image; an image pair shows its first image;
    every other kind gets a typed placeholder captioned with its file name (or, for ``Text``, the text).
    """
    if isinstance(source, (str, os.PathLike)):
        locator = os.fspath(source)
        kind = media_kind(locator)
        return MediaSource(kind, locator, locator if kind is MediaKind.IMAGE else None, _file_name(locator))
    if isinstance(source, (Image, ImageAsset)):
        return MediaSource(MediaKind.IMAGE, source.locator, source.locator, _file_name(source.locator))
    if isinstance(source, ImagePair):
        return media_source(source.a)
    if isinstance(source, ImageText):
        return media_source(source.image)
    if isinstance(source, Text):
        return MediaSource(MediaKind.TEXT, "", None, source.text)
    if isinstance(source, (BaseVideo, BaseVideoAsset)):
        thumb = getattr(source, "thumbnail", None)
        return MediaSource(MediaKind.VIDEO, source.locator, thumb.locator if thumb else None,
                           _file_name(source.locator))
    for types, kind in (
        ((Document, DocumentAsset), MediaKind.DOCUMENT),
        ((PlainTextAsset,), MediaKind.TEXT),
        ((Audio, AudioAsset), MediaKind.AUDIO),
        ((PointCloud, PointCloudAsset), MediaKind.POINT_CLOUD),
        ((MeshAsset,), MediaKind.MESH),
        ((BinaryAsset,), MediaKind.BINARY),
    ):
        if isinstance(source, types):
            return MediaSource(kind, source.locator, None, _file_name(source.locator))
    if not isinstance(source, DataObject):
        raise TypeError(f"cannot preview {type(source).__name__}: pass a locator, a test sample or an asset")
    locator = getattr(source, "locator", None)
    if isinstance(locator, str):
        return media_source(locator)
    return MediaSource(MediaKind.BINARY, "", None, type(source).__name__)
