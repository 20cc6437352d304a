"""Thumbnails from real files: orientation, formats, modes, bad data, kinds, batches."""
import importlib
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kolena_lab.errors import LocatorError
from kolena_lab.media import FetchOptions, MediaKind, Thumbnail, thumbnail, thumbnails
from kolena_lab.workflow import Image as ImageSample
from kolena_lab.workflow import ImageAsset
from kolena_lab.workflow.asset import AudioAsset, DocumentAsset, MeshAsset, PointCloudAsset, VideoAsset
from kolena_lab.workflow.test_sample import Audio, Document, ImagePair, PointCloud, Text, Video

from .conftest import huge_png_header, noise_jpeg, pixel, png_bytes

RED, BLUE = (220, 20, 20), (20, 20, 220)


def _close(actual, expected, tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected))


def _halves(width: int, height: int) -> Image.Image:
    """Red left half, blue right half."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return image


def _decoded(thumb: Thumbnail) -> Image.Image:
    image = Image.open(io.BytesIO(thumb.data))
    assert image.size == (thumb.width, thumb.height)
    return image.convert("RGB")


def test_jpeg_is_scaled_to_fit(tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    _halves(1024, 768).save(path, quality=90)
    thumb = thumbnail(str(path), 256)
    assert (thumb.width, thumb.height, thumb.mime_type, thumb.kind) == (256, 192, "image/jpeg", MediaKind.IMAGE)
    assert thumb.error is None and not thumb.placeholder
    assert _close(pixel(thumb.data, (10, 96)), RED) and _close(pixel(thumb.data, (246, 96)), BLUE)
    assert (thumbnail(str(path), (100, 300)).width, thumbnail(str(path), (100, 300)).height) == (100, 75)


@pytest.mark.parametrize("fmt, orientation", [("JPEG", 6), ("JPEG", 8), ("JPEG", 3), ("PNG", 6)])
def test_exif_orientation_makes_the_thumbnail_upright(tmp_path: Path, fmt: str, orientation: int) -> None:
    path = tmp_path / f"rotated.{fmt.lower()}"
    exif = Image.Exif()
    exif[0x0112] = orientation
    _halves(400, 200).save(path, fmt, exif=exif.tobytes())
    thumb = thumbnail(str(path), 100, format="PNG")
    top, bottom = pixel(thumb.data, (thumb.width // 2, 5)), pixel(thumb.data, (thumb.width // 2, thumb.height - 5))
    left, right = pixel(thumb.data, (5, thumb.height // 2)), pixel(thumb.data, (thumb.width - 5, thumb.height // 2))
    if orientation == 6:  # stored content turned 90 degrees clockwise: the red left half is now on top
        assert (thumb.width, thumb.height) == (50, 100)
        assert _close(top, RED) and _close(bottom, BLUE)
    elif orientation == 8:  # turned counter-clockwise: red at the bottom
        assert (thumb.width, thumb.height) == (50, 100)
        assert _close(top, BLUE) and _close(bottom, RED)
    else:  # upside down: red on the right
        assert (thumb.width, thumb.height) == (100, 50)
        assert _close(left, BLUE) and _close(right, RED)


def test_formats(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    _halves(64, 32).save(path)
    for fmt, mime in (("png", "image/png"), ("WEBP", "image/webp"), ("jpeg", "image/jpeg")):
        thumb = thumbnail(str(path), 32, format=fmt)
        assert thumb.mime_type == mime and Image.open(io.BytesIO(thumb.data)).format == fmt.upper()
        assert thumb.data_url.startswith(f"data:{mime};base64,")
    with pytest.raises(ValueError, match="format must be one of"):
        thumbnail(str(path), format="GIF")
    for size in (0, -5, (10,), (10, 0), 2.5):
        with pytest.raises(ValueError, match="size must be"):
            thumbnail(str(path), size)  # type: ignore[arg-type]


def test_small_images_are_scaled_up(tmp_path: Path) -> None:
    path = tmp_path / "tiny.png"
    _halves(8, 4).save(path)
    thumb = thumbnail(str(path), 64, format="PNG")
    assert (thumb.width, thumb.height) == (64, 32)
    assert pixel(thumb.data, (31, 16)) == RED and pixel(thumb.data, (32, 16)) == BLUE  # nearest: crisp pixels


def test_modes_are_displayable(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    rgba.paste((0, 200, 0, 255), (0, 0, 20, 40))
    (tmp_path / "rgba.png").write_bytes(png_bytes(rgba))
    thumb = thumbnail(str(tmp_path / "rgba.png"), 40)  # JPEG: transparency flattened on white
    assert _close(pixel(thumb.data, (35, 20)), (255, 255, 255), 10) and _close(pixel(thumb.data, (5, 20)), (0, 200, 0))
    assert Image.open(io.BytesIO(thumbnail(str(tmp_path / "rgba.png"), 40, format="PNG").data)).mode == "RGBA"

    depth = np.zeros((20, 20), dtype=np.uint16)
    depth[:, 10:] = 4000  # 16-bit: stretched to the full 8-bit range
    Image.fromarray(depth).save(tmp_path / "depth.png")
    thumb = thumbnail(str(tmp_path / "depth.png"), 20, format="PNG")
    assert pixel(thumb.data, (2, 10)) == (0, 0, 0) and pixel(thumb.data, (17, 10)) == (255, 255, 255)

    Image.new("P", (10, 10), 3).save(tmp_path / "palette.gif")
    Image.new("CMYK", (10, 10), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")
    for name in ("palette.gif", "cmyk.jpg"):
        assert thumbnail(str(tmp_path / name), 10).error is None


def _error(tmp_path: Path, name: str, data: bytes, **kwargs) -> Thumbnail:
    path = tmp_path / name
    path.write_bytes(data)
    thumb = thumbnail(str(path), 128, **kwargs)
    assert thumb.placeholder and thumb.error and thumb.mime_type == "image/png"
    assert Image.open(io.BytesIO(thumb.data)).size == (128, 128)
    return thumb


def test_bad_files_give_a_placeholder_with_the_reason(tmp_path: Path) -> None:
    assert _error(tmp_path, "text.png", b"hello, not an image").error == \
        "not an image (unrecognised or unsupported format)"
    assert _error(tmp_path, "empty.jpg", b"").error == "empty file"
    jpeg = noise_jpeg(200, 150)
    assert _error(tmp_path, "cut.jpg", jpeg[: len(jpeg) // 2]).error == \
        "truncated image file: the data ends before the picture does"
    png = png_bytes(Image.fromarray(np.random.default_rng(1).integers(0, 256, (150, 200, 3), dtype=np.uint8)))
    assert "truncated" in _error(tmp_path, "cut.png", png[: len(png) // 2]).error


def test_decompression_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    thumb = _error(tmp_path, "bomb.png", huge_png_header(20000, 20000))
    assert thumb.error == "image too large: 20000 x 20000 pixels (400 MP); the limit is 64 MP"
    thumb = _error(tmp_path, "bomb2.png", huge_png_header(20000, 20000), max_pixels=1000)
    assert thumb.error.endswith("the limit is 0.001 MP")


def test_large_jpegs_decode_at_reduced_size(tmp_path: Path) -> None:
    path = tmp_path / "large.jpg"
    Image.new("RGB", (4000, 3000), RED).save(path)
    thumb = thumbnail(str(path), 128, max_pixels=1_000_000)  # 12 MP on disk, decoded at 1/8: 0.19 MP
    assert thumb.error is None and (thumb.width, thumb.height) == (128, 96)
    thumb = thumbnail(str(path), 128, max_pixels=100_000, cache=False)
    assert thumb.error == ("image too large: 4000 x 3000 pixels (12 MP, 0.188 MP even at reduced size); "
                           "the limit is 0.1 MP")


def test_missing_and_html_locators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    locator = '<script>alert("x")</script><img src=x onerror=alert(1)>.png'
    thumb = thumbnail(locator)
    assert (thumb.error, thumb.locator, thumb.placeholder) == ("file not found", locator, True)
    assert thumbnail(str(tmp_path / "missing.jpg")).error == "file not found"


def test_http_thumbnails(http_server) -> None:
    fast = FetchOptions(timeout=(1.0, 0.3))
    ok = thumbnail(http_server.url("/img.png"), 32, fetch=fast)
    assert ok.error is None and (ok.width, ok.height) == (32, 24)
    assert thumbnail(http_server.url("/img.png"), 32, fetch=fast).cached  # keyed by the ETag
    assert thumbnail(http_server.url("/missing.png"), fetch=fast).error == "HTTP 404 Not Found"
    assert thumbnail(http_server.url("/slow.png"), fetch=fast).error.startswith("timed out")
    assert thumbnail(http_server.url("/page.html.png"), fetch=fast).error.startswith("not an image")


def test_a_page_of_bad_locators_never_raises(tmp_path: Path, http_server) -> None:
    (tmp_path / "bomb.png").write_bytes(huge_png_header(20000, 20000))
    (tmp_path / "junk.jpg").write_bytes(b"\x89PNG\r\n\x1a\n" + b"junk" * 10)
    sources = [str(tmp_path / "bomb.png"), str(tmp_path / "junk.jpg"), "nope.png", "ftp://x/y.png",
               http_server.url("/missing.png"), "s3://bucket/a.png", str(tmp_path)]
    page = thumbnails(sources, 64, workers=4)
    assert [t.locator for t in page] == sources
    assert all(t.placeholder and t.error for t in page)


def test_unexpected_errors_become_placeholders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.png"
    _halves(8, 8).save(path)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    module = importlib.import_module("kolena_lab.media.thumbnails")  # the package's `thumbnails` is the function
    monkeypatch.setattr(module, "_decode", broken)
    assert thumbnail(str(path)).error == "unexpected error: RuntimeError: boom"


def test_batches_keep_order_with_and_without_threads(tmp_path: Path) -> None:
    paths = []
    for i in range(6):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.new("RGB", (10 + i, 10), (40 * i, 0, 0)).save(paths[-1])
    for workers in (1, 3):
        page = thumbnails(paths, 64, workers=workers, format="PNG", cache=False)
        assert [t.width for t in page] == [64] * 6
        assert [pixel(t.data, (1, 1))[0] for t in page] == [40 * i for i in range(6)]
    with pytest.raises(ValueError, match="2 overlays for 6 sources"):
        thumbnails(paths, overlays=[None, None])


def test_kinds_get_typed_placeholders(tmp_path: Path) -> None:
    image = tmp_path / "frame.png"
    _halves(40, 20).save(image)
    cases = [
        ("clip.mp4", MediaKind.VIDEO), (Video("clip.mov"), MediaKind.VIDEO), (VideoAsset("v.webm"), MediaKind.VIDEO),
        ("talk.wav", MediaKind.AUDIO), (Audio("a.flac"), MediaKind.AUDIO), (AudioAsset("a.mp3"), MediaKind.AUDIO),
        ("report.pdf", MediaKind.DOCUMENT), (Document("d.docx"), MediaKind.DOCUMENT),
        (DocumentAsset("d.pdf"), MediaKind.DOCUMENT), (Text("some words"), MediaKind.TEXT),
        ("notes.txt", MediaKind.TEXT), ("scan.pcd", MediaKind.POINT_CLOUD),
        (PointCloud("s3://b/scan.las"), MediaKind.POINT_CLOUD), (PointCloudAsset("x.pcd"), MediaKind.POINT_CLOUD),
        (MeshAsset("m.ply"), MediaKind.MESH), ("weights.npz", MediaKind.BINARY),
    ]
    seen = set()
    for source, kind in cases:
        thumb = thumbnail(source, (120, 90))
        assert (thumb.kind, thumb.placeholder, thumb.error, thumb.mime_type) == (kind, True, None, "image/png")
        assert (thumb.width, thumb.height) == (120, 90)
        seen.add(thumb.data)
    assert len(seen) > 8  # kinds and captions draw differently

    with_thumb = thumbnail(Video("missing.mp4", thumbnail=ImageAsset(str(image))), 40, format="PNG")
    assert (with_thumb.kind, with_thumb.placeholder, with_thumb.locator) == (MediaKind.VIDEO, False, "missing.mp4")
    assert pixel(with_thumb.data, (2, 10)) == RED
    for source in (ImageSample(str(image)), ImageAsset(str(image)), ImagePair(ImageSample(str(image)),
                                                                             ImageSample("b.png"))):
        assert thumbnail(source, 40).placeholder is False
    with pytest.raises(LocatorError, match="cannot preview int"):
        thumbnail(5)  # type: ignore[arg-type]
