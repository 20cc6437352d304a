"""SQLite's write-ahead log is copied into the database file by a background checkpoint, not inside COMMIT."""
import sqlite3
import threading
import time

import kolena_lab

from . import _classification as c


def _checkpoint_threads() -> list:
    return [t for t in threading.enumerate() if t.name == "kolena-lab-checkpoint"]


def _samples_in_file_alone(path, tmp_path) -> int:
    """The samples the database file holds by itself, without its write-ahead log."""
    copy = tmp_path / "copy.db"
    copy.write_bytes(path.read_bytes())
    with sqlite3.connect(copy) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return conn.execute("SELECT count(*) FROM kl_test_samples").fetchone()[0] if "kl_test_samples" in tables else 0


def test_a_background_checkpoint_copies_committed_writes_into_the_file(tmp_path):
    path = tmp_path / "lab.db"
    store = kolena_lab.initialize(url=f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    c.TestCase("big", test_samples=c.members(3000))
    deadline = time.monotonic() + 15
    while _samples_in_file_alone(path, tmp_path) < 3000 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _samples_in_file_alone(path, tmp_path) == 3000, "the committed pages never reached the database file"
    store.dispose()
    assert not _checkpoint_threads()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_the_checkpoint_thread_ends_when_idle_and_comes_back_with_the_next_commit(tmp_path, monkeypatch):
    from kolena_lab.store.store import _Checkpointer

    monkeypatch.setattr(_Checkpointer, "IDLE_SECONDS", 0.1)
    store = kolena_lab.initialize(url=f"sqlite:///{tmp_path / 'lab.db'}")
    c.TestCase("one", test_samples=c.members(3))
    deadline = time.monotonic() + 10
    while _checkpoint_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _checkpoint_threads()
    c.TestCase("two", test_samples=c.members(3))
    assert len(c.TestCase("two").load_test_samples()) == 3
    store.dispose()
