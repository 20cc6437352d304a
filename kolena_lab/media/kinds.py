"""Media kinds, and what to preview for a locator, test sample or asset."""
import os
import posixpath
from dataclasses import dataclass
from enum import Enum
from typing import Any, Optional, Union
from urllib.parse import urlsplit

from kolena_lab.errors import LocatorError
from kolena_lab.media._data_objects import data_type_tag, is_data_object


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

# the ``data_type`` tags of the workflow's test samples and assets
_IMAGE_TAGS = frozenset({"TEST_SAMPLE/IMAGE", "ASSET/IMAGE"})
_VIDEO_TAGS = frozenset({"TEST_SAMPLE/VIDEO", "ASSET/VIDEO"})
_IMAGE_PAIR_TAG = "TEST_SAMPLE/IMAGE_PAIR"
_IMAGE_TEXT_TAG = "TEST_SAMPLE/IMAGE_TEXT"
_TEXT_TAG = "TEST_SAMPLE/TEXT"
_KIND_BY_TAG = {
    "TEST_SAMPLE/DOCUMENT": MediaKind.DOCUMENT,
    "ASSET/DOCUMENT": MediaKind.DOCUMENT,
    "ASSET/PLAIN_TEXT": MediaKind.TEXT,
    "TEST_SAMPLE/AUDIO": MediaKind.AUDIO,
    "ASSET/AUDIO": MediaKind.AUDIO,
    "TEST_SAMPLE/POINT_CLOUD": MediaKind.POINT_CLOUD,
    "ASSET/POINT_CLOUD": MediaKind.POINT_CLOUD,
    "ASSET/MESH": MediaKind.MESH,
    "ASSET/BINARY": MediaKind.BINARY,
}

Source = Union[str, "os.PathLike[str]", Any]
"""A locator or path, or a test sample or asset (a data object, told apart by its ``data_type`` tag)."""


def _path(locator: str) -> str:
    """The path part of a URL (a malformed one's text after the host), or the locator itself."""
    if "://" not in locator:
        return locator
    try:
        return urlsplit(locator).path
    except ValueError:  # e.g. an unclosed IPv6 bracket: reading it fails later with a LocatorError
        rest = locator.split("://", 1)[1]
        return rest[rest.find("/"):] if "/" in rest else ""


def media_kind(locator: str) -> MediaKind:
    """The kind a locator's extension names; anything unrecognised is tried as an image."""
    path = _path(locator)
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
    path = _path(locator)
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
    tag = data_type_tag(source)
    if tag in _IMAGE_TAGS:
        return MediaSource(MediaKind.IMAGE, source.locator, source.locator, _file_name(source.locator))
    if tag == _IMAGE_PAIR_TAG:
        return media_source(source.a)
    if tag == _IMAGE_TEXT_TAG:
        return media_source(source.image)
    if tag == _TEXT_TAG:
        return MediaSource(MediaKind.TEXT, "", None, source.text)
    if tag in _VIDEO_TAGS:
        thumb = getattr(source, "thumbnail", None)
        return MediaSource(MediaKind.VIDEO, source.locator, thumb.locator if thumb else None,
                           _file_name(source.locator))
    kind = _KIND_BY_TAG.get(tag or "")
    if kind is not None:
        return MediaSource(kind, source.locator, None, _file_name(source.locator))
    if not is_data_object(source):
        raise LocatorError(repr(source), f"cannot preview {type(source).__name__}: pass a locator, a test sample or "
                                         "an asset")
    locator = getattr(source, "locator", None)
    if isinstance(locator, str):
        return media_source(locator)
    return MediaSource(MediaKind.BINARY, "", None, type(source).__name__)
