"""Resolve locators to readable bytes and to a version string that changes when the bytes do.

Supported: local paths (``~`` expanded; a relative path is taken from the data root, see :func:`set_data_root`,
else the working directory), ``file://`` URLs, ``http(s)://`` through requests (timeouts, retries with
backoff on connection errors and 5xx), and ``s3://`` / ``gs://`` (``gcs://``) through fsspec when it is installed.
The whole locator, query included, is handed to ``fsspec.core.url_to_fs``: s3fs reads ``?versionId=`` and gcsfs
``?generation=`` (or ``#generation``) from it and turn on ``version_aware`` themselves, so a pinned version is read.

Every failure raises :class:`LocatorError` with a short plain-text reason; anything else is a bug.
"""
import functools
import io
import json
import os
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Iterator, Optional, Tuple, Union
from urllib.parse import urlsplit
from urllib.request import url2pathname

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import DecodeError, HTTPError, ProtocolError, ReadTimeoutError
from urllib3.util.retry import Retry

from kolena_lab.errors import LocatorError

HTTP_RETRIES = 2
"""Retries of an HTTP request after a connection error or a 500/502/503/504 answer (never after a read timeout)."""
_RETRY_STATUSES = (500, 502, 503, 504)
_FSSPEC_PACKAGES = {"s3": "s3fs", "gs": "gcsfs", "gcs": "gcsfs"}
_CHUNK = 1 << 16
_MAX_REASON = 200
MAX_LOCATOR_LENGTH = 4096  # PATH_MAX on Linux; longer paths cannot be opened, longer URLs are refused by servers
_CONTROL = frozenset(map(chr, [*range(0x20), 0x7F]))


@dataclass(frozen=True)
class FetchOptions:
    """How remote locators are read.

    ``timeout`` is seconds to connect and between bytes read (one number or ``(connect, read)``); ``deadline`` bounds
    a whole HTTP download, so a server that trickles bytes cannot hold a thumbnail forever; ``max_bytes`` is the
    largest HTTP body read into memory.
    """

    timeout: Union[float, Tuple[float, float]] = (3.05, 10.0)
    deadline: float = 60.0
    max_bytes: int = 256 * 2**20


DEFAULT_FETCH = FetchOptions()

DATA_ROOT_ENV = "KOLENA_LAB_DATA_ROOT"
_data_root: Optional[str] = None


def set_data_root(path: Optional[Union[str, os.PathLike]]) -> None:
    """Take relative local locators from ``path`` (``None``: from ``KOLENA_LAB_DATA_ROOT``, else the working
    directory). Samples stored with locators relative to a project's data folder keep their identity when the folder
    moves: point the data root at its new place."""
    global _data_root
    if path is not None and not os.path.isdir(os.path.expanduser(path)):
        raise LocatorError(str(path), "data root is not a directory")
    _data_root = None if path is None else os.path.abspath(os.path.expanduser(path))


def data_root() -> Optional[str]:
    """The folder relative local locators are read from (None: the working directory)."""
    return _data_root or os.environ.get(DATA_ROOT_ENV) or None


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 3] + "..."


def locator_problem(locator: str) -> Optional[str]:
    """Why a text cannot be a locator (empty, a control character such as NUL or a newline, longer than
    ``MAX_LOCATOR_LENGTH``, a malformed URL), or None. The scheme is not judged: a model may read what we cannot."""
    if not locator:
        return "empty locator"
    if len(locator) > MAX_LOCATOR_LENGTH:
        return f"too long ({len(locator):,} characters; at most {MAX_LOCATOR_LENGTH:,})"
    if not _CONTROL.isdisjoint(locator):
        return f"holds the control character {next(c for c in locator if c in _CONTROL)!r}"
    if "://" in locator:
        try:
            urlsplit(locator)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            return "malformed URL"
    return None


def _scheme(locator: str) -> str:
    """``file``, ``http``, ``https``, ``s3``, ``gs`` or ``gcs``; anything without ``://`` is a local path."""
    if not isinstance(locator, str):
        raise LocatorError(repr(locator), f"a locator must be a string, not {type(locator).__name__}")
    problem = locator_problem(locator)
    if problem is not None:
        raise LocatorError(locator, problem)
    if "://" not in locator:
        return "file"
    scheme = urlsplit(locator).scheme.lower()
    if scheme in ("file", "http", "https") or scheme in _FSSPEC_PACKAGES:
        return scheme
    raise LocatorError(locator,
                       f"unsupported scheme '{_short(scheme)}' (use a path, file://, http(s)://, s3:// or gs://)")


def local_path(locator: str) -> str:
    """The file-system path of a local path or ``file://`` locator."""
    if _scheme(locator) != "file":
        raise LocatorError(locator, "not a local file locator")
    if "://" not in locator:
        path, root = os.path.expanduser(locator), data_root()
        return os.path.join(root, path) if root and not os.path.isabs(path) else path
    parts = urlsplit(locator)
    if parts.netloc not in ("", "localhost"):
        raise LocatorError(locator, f"file:// URL names a remote host '{_short(parts.netloc)}'")
    return url2pathname(parts.path)


def _local_error(locator: str, exc: Exception) -> LocatorError:
    if isinstance(exc, FileNotFoundError):
        return LocatorError(locator, "file not found")
    if isinstance(exc, PermissionError):
        return LocatorError(locator, "permission denied")
    if isinstance(exc, OSError) and exc.strerror:
        return LocatorError(locator, _short(exc.strerror.lower()))
    return LocatorError(locator, f"invalid path ({_short(str(exc))})")


def _local_stat(locator: str) -> Tuple[str, os.stat_result]:
    path = local_path(locator)
    try:
        st = os.stat(path)
    except (OSError, ValueError) as exc:  # ValueError: an embedded NUL byte
        raise _local_error(locator, exc) from None
    if stat.S_ISDIR(st.st_mode):
        raise LocatorError(locator, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
        raise LocatorError(locator, "not a regular file")
    return path, st


@functools.lru_cache(maxsize=None)
def _http_session() -> requests.Session:
    retry = Retry(
        total=HTTP_RETRIES, connect=HTTP_RETRIES, read=False, status=HTTP_RETRIES, other=0,
        status_forcelist=_RETRY_STATUSES, allowed_methods=frozenset({"GET", "HEAD"}), backoff_factor=0.25,
        raise_on_status=False, respect_retry_after_header=False,  # a Retry-After of an hour must not stall a page
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry, pool_connections=8, pool_maxsize=32)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _http_error(locator: str, exc: Exception, options: FetchOptions) -> LocatorError:
    """A reason for a requests or (while streaming a body) urllib3 exception."""
    host = urlsplit(locator).hostname or "?"
    if isinstance(exc, requests.ConnectTimeout):
        return LocatorError(locator, f"timed out connecting to {_short(host)}")
    if isinstance(exc, (requests.Timeout, ReadTimeoutError)):
        read = options.timeout[1] if isinstance(options.timeout, tuple) else options.timeout
        return LocatorError(locator, f"timed out: no data from {_short(host)} within {read:g} s")
    if isinstance(exc, (ProtocolError, DecodeError)):
        return LocatorError(locator, "connection broken during download")
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return LocatorError(locator, "malformed URL")
    if isinstance(exc, requests.TooManyRedirects):
        return LocatorError(locator, "too many redirects")
    if isinstance(exc, requests.ConnectionError):
        return LocatorError(locator, f"could not connect to {_short(host)}")
    return LocatorError(locator, f"HTTP request failed ({type(exc).__name__})")


def _check_status(locator: str, response: requests.Response) -> None:
    if response.status_code >= 400:
        raise LocatorError(locator, _short(f"HTTP {response.status_code} {response.reason or ''}".strip()))


def _http_read(locator: str, options: FetchOptions) -> bytes:
    deadline = time.monotonic() + options.deadline
    too_large = f"larger than the {options.max_bytes // 2**20} MB download limit"
    try:
        with _http_session().get(locator, timeout=options.timeout, stream=True) as response:
            _check_status(locator, response)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > options.max_bytes:
                raise LocatorError(locator, too_large)
            read = getattr(response.raw, "read1", response.raw.read)  # read1: what has arrived, so a trickle
            body = bytearray()                                          # cannot outlast the deadline
            while chunk := read(_CHUNK, decode_content=True):
                body += chunk
                if len(body) > options.max_bytes:
                    raise LocatorError(locator, too_large)
                if time.monotonic() > deadline:
                    raise LocatorError(locator, f"download took longer than {options.deadline:g} s")
            return bytes(body)
    except (requests.RequestException, HTTPError) as exc:
        raise _http_error(locator, exc, options) from None


def _http_version(locator: str, options: FetchOptions) -> str:
    try:
        response = _http_session().head(locator, timeout=options.timeout, allow_redirects=True)
    except requests.RequestException as exc:
        raise _http_error(locator, exc, options) from None
    if response.status_code in (404, 410):
        _check_status(locator, response)
    if response.status_code >= 400:  # e.g. a URL signed for GET only: let the GET decide
        return ""
    headers = response.headers
    if headers.get("ETag"):
        return headers["ETag"]
    if headers.get("Last-Modified"):
        return f"{headers['Last-Modified']}|{headers.get('Content-Length', '')}"
    return ""


def _fsspec(locator: str, scheme: str):  # type: ignore[no-untyped-def]
    """The fsspec file system and path of an object-store locator."""
    missing = f"install fsspec and {_FSSPEC_PACKAGES[scheme]} to read {scheme}:// locators"
    try:
        import fsspec.core
    except ImportError:
        raise LocatorError(locator, missing) from None
    try:
        return fsspec.core.url_to_fs(locator)
    except ImportError:
        raise LocatorError(locator, missing) from None
    except Exception as exc:  # credentials, bad bucket names: backends raise their own types
        raise _store_error(locator, exc) from None


def _store_error(locator: str, exc: Exception) -> LocatorError:
    if isinstance(exc, FileNotFoundError):
        return LocatorError(locator, "object not found")
    if isinstance(exc, PermissionError):
        return LocatorError(locator, "access denied")
    return LocatorError(locator, _short(f"{type(exc).__name__}: {exc}"))


_VERSION_FIELDS = ("VersionId", "generation", "ETag", "etag", "LastModified", "updated", "mtime", "size")


def locator_version(locator: str, options: FetchOptions = DEFAULT_FETCH) -> str:
    """A string that changes when the locator's bytes change: mtime and size, ETag, version id or generation.

    Raises :class:`LocatorError` when the locator cannot be read. ``""`` means the server gave nothing to tell
    versions apart (the locator is then treated as immutable).
    """
    scheme = _scheme(locator)
    if scheme == "file":
        _, st = _local_stat(locator)
        return f"{st.st_mtime_ns}-{st.st_size}"
    if scheme in ("http", "https"):
        return _http_version(locator, options)
    fs, path = _fsspec(locator, scheme)
    try:
        info = fs.info(path)
    except Exception as exc:
        raise _store_error(locator, exc) from None
    return json.dumps({k: str(info[k]) for k in _VERSION_FIELDS if info.get(k) is not None}, sort_keys=True)


@contextmanager
def open_locator(locator: str, options: FetchOptions = DEFAULT_FETCH) -> Iterator[IO[bytes]]:
    """A seekable binary file of the locator's bytes: the file itself, a downloaded body, or an fsspec file.

    Raises :class:`LocatorError` when it cannot be opened (errors while reading an fsspec file surface as theirs).
    """
    scheme = _scheme(locator)
    if scheme == "file":
        path, _ = _local_stat(locator)
        try:
            file = open(path, "rb")
        except (OSError, ValueError) as exc:
            raise _local_error(locator, exc) from None
        with file:
            yield file
    elif scheme in ("http", "https"):
        yield io.BytesIO(_http_read(locator, options))
    else:
        fs, path = _fsspec(locator, scheme)
        try:
            file = fs.open(path, "rb")
        except Exception as exc:
            raise _store_error(locator, exc) from None
        with file:
            yield file


def read_locator(locator: str, options: FetchOptions = DEFAULT_FETCH) -> bytes:
    """All bytes behind a locator; raises :class:`LocatorError` when it cannot be read."""
    with open_locator(locator, options) as file:
        try:
            return file.read()
        except OSError as exc:
            raise _store_error(locator, exc) from None
