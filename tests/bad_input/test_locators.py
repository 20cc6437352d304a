"""Malformed and hostile locators: reading one raises ``LocatorError`` / ``ImageDecodeError`` with a plain reason, and
a thumbnail of one is a placeholder saying why (a page of thumbnails never breaks on one)."""
import io
import os
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from kolena_lab.errors import ImageDecodeError, LocatorError, MediaError
from kolena_lab.media import thumbnail
from kolena_lab.media.locators import locator_version, read_locator


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.fixture
def files(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    (tmp_path / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    (tmp_path / "header-only.png").write_bytes(_png_header(64, 64)[:30])
    (tmp_path / "bomb.png").write_bytes(_png_header(100_000, 100_000))
    (tmp_path / "text.png").write_text("not an image at all")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "folder.png").mkdir()
    os.mkfifo(tmp_path / "fifo.png")
    return tmp_path


UNREADABLE = {
    "unclosed IPv6 bracket": ("http://[::1", "malformed URL"),
    "IPv6 port out of range": ("https://[::1]:99999/x.png", "malformed URL"),
    "no host": ("http://", "malformed URL"),
    "port without host": ("http://:80/x.png", "malformed URL"),
    "space in host": ("http://exa mple.com/x.png", "malformed URL"),
    "empty": ("", "empty locator"),
    "NUL byte": ("images/a\x00b.png", "control character"),
    "file URL with a host": ("file://server/share/x.png", "remote host 'server'"),
    "file URL without a path": ("file://", "not found"),
    "ftp": ("ftp://host/x.png", "unsupported scheme 'ftp'"),
    "javascript": ("javascript://alert(1)", "unsupported scheme"),
    "very long name": ("x" * 5000 + ".png", "too long"),
    "very deep path": ("/" + "d/" * 3000 + "x.png", "too long"),
    "missing file": ("/no/such/dir/x.png", "file not found"),
    "unknown user home": ("~no-such-user-here/x.png", "not found"),
    "connection refused": ("http://127.0.0.1:1/x.png", "could not connect"),
    "not a string": (12345, "must be a string, not int"),
    "None": (None, "must be a string, not NoneType"),
    "bytes": (b"/x.png", "must be a string, not bytes"),
}


@pytest.mark.parametrize("locator, reason", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_unreadable_locator(locator, reason):
    for read in (read_locator, locator_version):
        with pytest.raises(LocatorError, match=reason):
            read(locator)


@pytest.mark.parametrize("locator, reason", [v for k, v in UNREADABLE.items() if isinstance(v[0], str)],
                         ids=[k for k, v in UNREADABLE.items() if isinstance(v[0], str)])
def test_thumbnail_of_unreadable_locator_is_a_placeholder(locator, reason):
    thumb = thumbnail(locator, cache=False)
    assert thumb.placeholder and thumb.locator == locator
    if locator.endswith(".png"):  # other names may be placeholders of a non-image kind, drawn without reading
        assert reason.split("'")[0].strip() in thumb.error


@pytest.mark.parametrize("name, error, reason", [
    ("folder.png", LocatorError, "is a directory"),
    ("fifo.png", LocatorError, "not a regular file"),
])
def test_local_file_that_is_not_a_file(files, name, error, reason):
    with pytest.raises(error, match=reason):
        read_locator(str(files / name))
    assert reason in thumbnail(str(files / name), cache=False).error


@pytest.mark.parametrize("name, reason", [
    ("truncated.jpg", "corrupt .*Truncated"),
    ("header-only.png", "not an image|truncated|decode"),
    ("bomb.png", "too large: 100000 x 100000"),
    ("text.png", "not an image"),
    ("empty.png", "not an image|empty"),
], ids=["truncated JPEG", "PNG cut in its header", "decompression bomb", "text named .png", "empty file"])
def test_bytes_that_are_not_a_safe_image(files, name, reason):
    thumb = thumbnail(str(files / name), cache=False)
    assert thumb.placeholder and thumb.error is not None
    assert re.search(reason, thumb.error), thumb.error


def test_media_errors_are_kolena_errors():
    with pytest.raises(MediaError):
        read_locator("ftp://x/y.png")
    assert issubclass(ImageDecodeError, MediaError) and issubclass(LocatorError, MediaError)
