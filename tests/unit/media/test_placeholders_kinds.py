"""Placeholders for each kind and for errors; kinds from extensions; sources from samples and assets."""
from dataclasses import dataclass

import numpy as np
import pytest

from kolena_lab.errors import LocatorError
from kolena_lab.media import MediaKind, MediaSource, error_placeholder, media_kind, media_source, placeholder
from kolena_lab.workflow import Image, ImageAsset, TestSample
from kolena_lab.workflow.asset import BinaryAsset, MeshAsset, PlainTextAsset, VideoAsset
from kolena_lab.workflow.test_sample import Document, ImagePair, ImageText, Text, Video


@pytest.mark.parametrize("kind", list(MediaKind))
def test_each_kind_draws_its_own_placeholder(kind: MediaKind) -> None:
    image = placeholder(kind, (160, 120), "file.bin")
    assert image.size == (160, 120) and image.mode == "RGB"
    pixels = np.asarray(image)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 2  # an icon and text, not a blank tile
    others = [np.asarray(placeholder(k, (160, 120), "file.bin")) for k in MediaKind if k is not kind]
    assert all((pixels != other).any() for other in others)


def test_error_placeholder_shows_the_reason() -> None:
    a = np.asarray(error_placeholder("file not found", (128, 128)))
    b = np.asarray(error_placeholder("HTTP 404 Not Found", (128, 128)))
    html = np.asarray(error_placeholder("<script>alert(1)</script>" * 20, (128, 128)))
    assert a.shape == (128, 128, 3) and (a != b).any() and (a != html).any()
    assert (np.asarray(error_placeholder("", (20, 10))).shape == (16, 20, 3))  # tiny sizes stay drawable


@pytest.mark.parametrize("locator, kind", [
    ("a.JPG", MediaKind.IMAGE), ("no_extension", MediaKind.IMAGE), ("https://h/x.mp4?sig=1", MediaKind.VIDEO),
    ("s3://b/clip.mov", MediaKind.VIDEO), ("x.WAV", MediaKind.AUDIO), ("d.pdf", MediaKind.DOCUMENT),
    ("t.txt", MediaKind.TEXT), ("p.pcd", MediaKind.POINT_CLOUD), ("m.ply", MediaKind.MESH),
    ("w.npy", MediaKind.BINARY), ("C:\\data\\a.avi", MediaKind.VIDEO),
])
def test_kind_from_extension(locator: str, kind: MediaKind) -> None:
    assert media_kind(locator) is kind


def test_sources() -> None:
    assert media_source("dir/a.png").image_locator == "dir/a.png"
    assert media_source("https://h/dir/clip.mp4?x=1").caption == "clip.mp4"
    assert media_source(Image("a.png")).image_locator == "a.png"
    assert media_source(ImageText(Image("i.png"), Text("hello"))).image_locator == "i.png"
    assert media_source(Text("a long text")).caption == "a long text"
    video = media_source(VideoAsset("v.mp4", thumbnail=ImageAsset("v.jpg")))
    assert (video.kind, video.locator, video.image_locator) == (MediaKind.VIDEO, "v.mp4", "v.jpg")
    assert media_source(Video("v.mp4")).image_locator is None
    assert media_source(PlainTextAsset("notes.md")).kind is MediaKind.TEXT
    assert media_source(BinaryAsset("x.png")).kind is MediaKind.BINARY  # the declared type wins over the name


def test_a_placeholder_reports_the_size_it_is_drawn_at(tmp_path):
    import io

    from PIL import Image

    from kolena_lab.media import thumbnail

    thumb = thumbnail(str(tmp_path / "clip.mp4"), (8, 8), cache=None)
    with Image.open(io.BytesIO(thumb.data)) as drawn:
        assert (thumb.width, thumb.height) == drawn.size == (16, 16)


def test_sources_follow_the_declared_type_of_subclasses_and_custom_samples() -> None:
    @dataclass(frozen=True)
    class Photo(Image):
        camera: str = "front"

    @dataclass(frozen=True)
    class Scan(TestSample):
        locator: str

    @dataclass(frozen=True)
    class Reading(TestSample):
        value: float = 0.0

    assert media_source(Photo("p.png", camera="rear")) == MediaSource(MediaKind.IMAGE, "p.png", "p.png", "p.png")
    assert media_source(ImagePair(Photo("a.png"), Image("b.png"))).image_locator == "a.png"
    assert media_source(Scan("s3://b/scan.pcd")) == MediaSource(MediaKind.POINT_CLOUD, "s3://b/scan.pcd", None,
                                                                "scan.pcd")  # untyped: by its locator's name
    assert media_source(Reading()) == MediaSource(MediaKind.BINARY, "", None, "Reading")
    assert media_source(Document("r.png")).kind is MediaKind.DOCUMENT
    assert media_source(MeshAsset("m.bin")).kind is MediaKind.MESH
    for source in (object(), Image, {"locator": "a.png"}):
        with pytest.raises(LocatorError, match="cannot preview"):
            media_source(source)
