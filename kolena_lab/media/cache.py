"""A size-bounded on-disk cache of small blobs (thumbnails), evicting the least recently used first.

Entries are files named by a key hash, written atomically (temporary file + rename) so readers in other threads,
kernels or processes never see a partial entry. A hit refreshes the file's modification time, which is the LRU
order. The cache is best effort: a full or read-only disk makes it a no-op, never an error.
"""
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

DEFAULT_MAX_BYTES = 512 * 2**20
_LOW_WATER = 0.8  # evict down to this fraction of the bound, so eviction scans stay rare
_TMP_PREFIX = ".tmp-"


def default_cache_dir() -> Path:
    """``$KOLENA_LAB_CACHE/thumbnails``, else ``$XDG_CACHE_HOME/kolena_lab/thumbnails`` (``~/.cache`` by default)."""
    root = os.environ.get("KOLENA_LAB_CACHE")
    if root:
        return Path(root).expanduser() / "thumbnails"
    return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "kolena_lab" / "thumbnails"


class DiskCache:
    """Blobs by key under ``root``, at most ``max_bytes`` of them in total (file sizes, not disk blocks)."""

    def __init__(self, root: Union[str, "os.PathLike[str]"], max_bytes: int = DEFAULT_MAX_BYTES):
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._total: Optional[int] = None  # bytes this process believes are stored; resynced by every scan

    @staticmethod
    def key(*parts: Any) -> str:
        """A stable hash of JSON-serialisable parts, e.g. locator, version, size and overlay spec."""
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key[2:]

    def get(self, key: str) -> Optional[bytes]:
        """The blob stored under ``key``, or None."""
        path = self._path(key)
        try:
            with open(path, "rb") as file:
                data = file.read()
            os.utime(path)
        except OSError:
            return None
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, evicting least recently used entries when over the bound."""
        if len(data) > self.max_bytes:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TMP_PREFIX)
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            return
        with self._lock:
            if self._total is None:
                self._total = sum(size for _, size, _ in self._entries())
            else:
                self._total += len(data)
            if self._total > self.max_bytes:
                self._evict()

    def _entries(self) -> List[Tuple[int, int, Path]]:
        """(last use, size, path) of every stored file."""
        entries = []
        try:
            shards = list(os.scandir(self.root))
        except OSError:
            return entries
        for shard in shards:
            if not shard.is_dir(follow_symlinks=False):
                continue
            try:
                for entry in os.scandir(shard.path):
                    st = entry.stat(follow_symlinks=False)
                    entries.append((st.st_mtime_ns, st.st_size, Path(entry.path)))
            except OSError:
                continue
        return entries

    def _evict(self) -> None:
        entries = sorted(self._entries())
        total = sum(size for _, size, _ in entries)
        target = self.max_bytes * _LOW_WATER
        for _, size, path in entries:
            if total <= target:
                break
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                continue
            total -= size
        self._total = total

    def total_bytes(self) -> int:
        """Bytes stored now (a directory scan)."""
        return sum(size for _, size, _ in self._entries())

    def clear(self) -> None:
        """Remove every entry."""
        with self._lock:
            shutil.rmtree(self.root, ignore_errors=True)
            self._total = 0


_DEFAULT_CACHES: Dict[Path, DiskCache] = {}
_DEFAULT_LOCK = threading.Lock()


def default_cache() -> DiskCache:
    """The thumbnail cache under :func:`default_cache_dir` (one instance per directory in a process)."""
    root = default_cache_dir()
    with _DEFAULT_LOCK:
        if root not in _DEFAULT_CACHES:
            _DEFAULT_CACHES[root] = DiskCache(root)
        return _DEFAULT_CACHES[root]
