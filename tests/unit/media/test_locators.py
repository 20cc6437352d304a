"""Locators: local paths and file:// URLs, HTTP against a local server, s3/gs through a stand-in fsspec."""
import os
import sys
import types
from pathlib import Path

import pytest

from kolena_lab.media import FetchOptions, LocatorError, local_path, locator_version, open_locator, read_locator
from kolena_lab.errors import KolenaError

FAST = FetchOptions(timeout=(1.0, 0.3), deadline=0.5)


def _reason(locator: str, options: FetchOptions = FAST) -> str:
    with pytest.raises(LocatorError) as info:
        read_locator(locator, options)
    assert info.value.locator == locator
    assert str(info.value) == f"{info.value.reason}: {locator if locator.isprintable() else repr(locator)}"
    return info.value.reason


def test_local_path_and_file_url(tmp_path: Path) -> None:
    path = tmp_path / "a b.bin"
    path.write_bytes(b"abc")
    assert read_locator(str(path)) == b"abc"
    assert read_locator(path.as_uri()) == b"abc"  # percent-encoded space
    assert read_locator(f"file://localhost{path}") == b"abc"
    assert local_path(path.as_uri()) == str(path)
    with pytest.raises(LocatorError, match="not a local file locator"):
        local_path("https://host/a.png")


def test_home_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "x.bin").write_bytes(b"home")
    assert read_locator("~/x.bin") == b"home"


def test_version_changes_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"one")
    first = locator_version(str(path))
    assert locator_version(str(path)) == first
    path.write_bytes(b"two!")
    os.utime(path, ns=(1, 1))
    assert locator_version(str(path)) != first


@pytest.mark.parametrize("locator, reason", [
    ("", "empty locator"),
    ("/no/such/file.png", "file not found"),
    ("<script>alert(1)</script>.png", "file not found"),
    ("<img src=x onerror=alert(1)>", "file not found"),
    ("javascript:alert(1)", "file not found"),
    ("a\0b.png", "holds the control character '\\x00'"),
    ("ftp://host/a.png", "unsupported scheme 'ftp' (use a path, file://, http(s)://, s3:// or gs://)"),
    ("file://otherhost/a.png", "file:// URL names a remote host 'otherhost'"),
    ("http://[::1/a.png", "malformed URL"),
    ("http://exa mple.com:99999/a.png", "malformed URL"),
])
def test_bad_local_locators(locator: str, reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _reason(locator) == reason
    if locator and "://" not in locator or locator.startswith("file"):
        with pytest.raises(LocatorError):
            locator_version(locator)


def test_directory_and_fifo_are_refused_without_blocking(tmp_path: Path) -> None:
    assert _reason(str(tmp_path)) == "is a directory, not a file"
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.png"
        os.mkfifo(fifo)
        assert _reason(str(fifo)) == "not a regular file"


def test_errors_are_kolena_errors() -> None:
    assert issubclass(LocatorError, KolenaError)


def test_http_ok_redirect_and_etag(http_server) -> None:
    assert read_locator(http_server.url("/img.png")) == http_server.image
    assert read_locator(http_server.url("/redirect.png")) == http_server.image
    assert locator_version(http_server.url("/img.png")) == '"v1"'
    assert locator_version(http_server.url("/noetag.png")) == ""
    assert locator_version(http_server.url("/nohead.png")) == ""  # HEAD refused: the GET decides
    assert read_locator(http_server.url("/nohead.png")) == http_server.image


def test_http_404_has_a_clear_reason(http_server) -> None:
    assert _reason(http_server.url("/missing.png")) == "HTTP 404 Not Found"
    with pytest.raises(LocatorError, match="HTTP 404"):
        locator_version(http_server.url("/missing.png"))
    assert _reason(http_server.url("/<script>alert(1)</script>.png")) == "HTTP 404 Not Found"


def test_http_retries_a_503(http_server) -> None:
    url = http_server.url("/flaky.png")
    assert read_locator(url) == http_server.image
    assert http_server.hits["/flaky.png GET"] == 2


def test_http_5xx_after_retries(http_server) -> None:
    assert _reason(http_server.url("/always500.png")) == "HTTP 500 Internal Server Error"
    assert http_server.hits["/always500.png"] == 3  # the request and two retries


def test_http_timeout(http_server) -> None:
    assert _reason(http_server.url("/slow.png")) == "timed out: no data from 127.0.0.1 within 0.3 s"
    with pytest.raises(LocatorError, match="timed out"):
        locator_version(http_server.url("/slow.png"), FAST)


def test_http_trickle_stops_at_the_deadline(http_server) -> None:
    assert _reason(http_server.url("/drip.png")) == "download took longer than 0.5 s"


def test_http_size_limit(http_server) -> None:
    assert _reason(http_server.url("/huge.png")) == "larger than the 256 MB download limit"


def test_http_connection_refused(http_server) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert _reason(f"http://127.0.0.1:{port}/a.png") == "could not connect to 127.0.0.1"


def test_object_store_without_fsspec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)
    monkeypatch.setitem(sys.modules, "fsspec.core", None)
    assert _reason("s3://bucket/a.png") == "install fsspec and s3fs to read s3:// locators"
    assert _reason("gs://bucket/a.png") == "install fsspec and gcsfs to read gs:// locators"


class _FakeFileSystem:
    def __init__(self, files: dict):
        self.files = files

    def info(self, path: str) -> dict:
        if path not in self.files:
            raise FileNotFoundError(path)
        return {"size": len(self.files[path]), "ETag": '"e"', "VersionId": path.partition("versionId=")[2] or None}

    def open(self, path: str, mode: str):
        import io

        if path not in self.files:
            raise FileNotFoundError(path)
        return io.BytesIO(self.files[path])


@pytest.fixture
def fake_fsspec(monkeypatch: pytest.MonkeyPatch) -> list:
    """A stand-in for fsspec recording the URLs given to ``url_to_fs`` (fsspec is not a dependency)."""
    calls: list = []
    fs = _FakeFileSystem({"bucket/a.png?versionId=v7": b"seven", "bucket/a.png": b"latest",
                          "bucket/b.png#123": b"generation"})

    def url_to_fs(url: str, **options):
        calls.append((url, options))
        if url.startswith("gs://nogcsfs"):
            raise ImportError("Install gcsfs to access Google Storage")
        return fs, url.split("://", 1)[1]

    core = types.ModuleType("fsspec.core")
    core.url_to_fs = url_to_fs
    module = types.ModuleType("fsspec")
    module.core = core
    monkeypatch.setitem(sys.modules, "fsspec", module)
    monkeypatch.setitem(sys.modules, "fsspec.core", core)
    return calls


def test_object_store_versions_pass_through(fake_fsspec: list) -> None:
    assert read_locator("s3://bucket/a.png?versionId=v7") == b"seven"
    assert read_locator("s3://bucket/a.png") == b"latest"
    assert read_locator("gs://bucket/b.png#123") == b"generation"
    assert [url for url, _ in fake_fsspec] == ["s3://bucket/a.png?versionId=v7", "s3://bucket/a.png",
                                               "gs://bucket/b.png#123"]
    assert '"VersionId": "v7"' in locator_version("s3://bucket/a.png?versionId=v7")
    assert locator_version("s3://bucket/a.png?versionId=v7") != locator_version("s3://bucket/a.png")


def test_object_store_errors(fake_fsspec: list) -> None:
    assert _reason("s3://bucket/missing.png") == "object not found"
    with pytest.raises(LocatorError, match="object not found"):
        locator_version("gs://bucket/missing.png")
    assert _reason("gs://nogcsfs/a.png") == "install fsspec and gcsfs to read gs:// locators"


def test_open_locator_is_seekable(tmp_path: Path, http_server) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"0123456789")
    for locator in (str(path), http_server.url("/img.png")):
        with open_locator(locator) as file:
            head = file.read(4)
            file.seek(0)
            assert file.read(4) == head
