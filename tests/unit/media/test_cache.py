"""The on-disk cache: bounds, LRU eviction, atomic writes, and how thumbnails use it."""
import os
import threading
from pathlib import Path
from typing import List

import pytest
from PIL import Image

from kolena_lab.media import DiskCache, Overlay, default_cache, default_cache_dir, thumbnail
from kolena_lab.workflow.annotation import BoundingBox


def _files(root: Path) -> List[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_put_get_and_keys(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c")
    key = DiskCache.key("a.jpg", "123-4", (256, 256), None)
    assert key == DiskCache.key("a.jpg", "123-4", [256, 256], None) and len(key) == 64
    assert key != DiskCache.key("a.jpg", "123-5", (256, 256), None)
    assert cache.get(key) is None
    cache.put(key, b"blob")
    assert cache.get(key) == b"blob"
    cache.put(key, b"newer")
    assert cache.get(key) == b"newer"
    assert cache.total_bytes() == 5
    assert not [p for p in _files(tmp_path) if p.name.startswith(".tmp-")]  # written atomically
    cache.clear()
    assert cache.get(key) is None and cache.total_bytes() == 0


def test_least_recently_used_are_evicted_first(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c", max_bytes=1000)
    keys = [DiskCache.key(i) for i in range(4)]
    for age, key in enumerate(keys[:3]):
        cache.put(key, bytes(300))
        path = cache.root / key[:2] / key[2:]
        os.utime(path, ns=(10**18 + age, 10**18 + age))  # a, b, c in that order of last use
    assert cache.get(keys[0]) == bytes(300)  # a is now the most recent
    cache.put(keys[3], bytes(300))  # 1200 bytes > 1000: evict down to 800
    assert cache.get(keys[0]) is not None and cache.get(keys[3]) is not None
    assert cache.get(keys[1]) is None and cache.get(keys[2]) is None
    assert cache.total_bytes() == 600


def test_bound_holds_under_concurrent_writers(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c", max_bytes=20_000)

    def write(offset: int) -> None:
        for i in range(50):
            cache.put(DiskCache.key(offset, i), bytes(500))
            cache.get(DiskCache.key(offset, i // 2))

    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0 < cache.total_bytes() <= 20_000


def test_oversized_blobs_and_unwritable_roots_are_skipped(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c", max_bytes=10)
    cache.put(DiskCache.key(1), bytes(11))
    assert cache.total_bytes() == 0
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    unwritable = DiskCache(blocker / "cache")  # a path under a regular file can never be created
    unwritable.put(DiskCache.key(1), b"x")
    assert unwritable.get(DiskCache.key(1)) is None


def test_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KOLENA_LAB_CACHE", str(tmp_path / "k"))
    assert default_cache_dir() == tmp_path / "k" / "thumbnails"
    assert default_cache().root == tmp_path / "k" / "thumbnails" and default_cache() is default_cache()
    monkeypatch.delenv("KOLENA_LAB_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "kolena_lab" / "thumbnails"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "kolena_lab" / "thumbnails"


def test_thumbnails_hit_and_miss(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    Image.new("RGB", (64, 64), (10, 20, 30)).save(path)
    cache = DiskCache(tmp_path / "c")
    first = thumbnail(str(path), 32, cache=cache)
    again = thumbnail(str(path), 32, cache=cache)
    assert not first.cached and again.cached
    assert (again.data, again.width, again.height, again.mime_type) == (first.data, 32, 32, "image/jpeg")
    assert not thumbnail(str(path), 48, cache=cache).cached  # size
    assert not thumbnail(str(path), 32, format="PNG", cache=cache).cached  # format
    overlay = Overlay(ground_truths=[BoundingBox((1, 1), (30, 30))])
    assert not thumbnail(str(path), 32, overlay=overlay, cache=cache).cached  # overlay
    assert thumbnail(str(path), 32, overlay=overlay, cache=cache).cached
    assert not thumbnail(str(path), 32, overlay=Overlay(ground_truths=[BoundingBox((1, 1), (30, 30))],
                                                        show_ground_truths=False), cache=cache).cached
    assert not thumbnail(str(path), 32, cache=False).cached

    Image.new("RGB", (64, 32), (250, 250, 250)).save(path)  # the file changes: a new version
    os.utime(path, ns=(1, 1))
    changed = thumbnail(str(path), 32, cache=cache)
    assert not changed.cached and (changed.width, changed.height) == (32, 16)


def test_failures_are_not_cached(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c")
    (tmp_path / "junk.png").write_bytes(b"junk")
    for locator in (str(tmp_path / "missing.png"), str(tmp_path / "junk.png")):
        assert thumbnail(locator, cache=cache).error
    assert cache.total_bytes() == 0


def test_a_corrupt_entry_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    Image.new("RGB", (8, 8)).save(path)
    cache = DiskCache(tmp_path / "c")
    thumbnail(str(path), 8, cache=cache)
    [entry] = _files(cache.root)
    entry.write_bytes(b"not json\nxx")
    rebuilt = thumbnail(str(path), 8, cache=cache)
    assert rebuilt.error is None and not rebuilt.cached
