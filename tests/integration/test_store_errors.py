"""A store that is read-only, locked, corrupt or too new gets a clear error, and nothing is half-written."""
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest

import kolena_lab
from kolena_lab.errors import NotFoundError, SchemaVersionError, StoreError
from kolena_lab.store import Store

from . import _classification as c


def test_default_store_lives_under_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KOLENA_LAB_URL", raising=False)
    store = kolena_lab.initialize()
    assert (tmp_path / ".kolena_lab" / "lab.db").is_file()
    assert stat.S_IMODE(os.stat(tmp_path / ".kolena_lab" / "lab.db").st_mode) == 0o600
    store.dispose()
    monkeypatch.setenv("KOLENA_LAB_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    kolena_lab.initialize().dispose()
    assert (tmp_path / "elsewhere.db").is_file()
    kolena_lab.initialize("a-kolena-api-token", verbose=True).dispose()  # Kolena's call runs unchanged
    assert kolena_lab.initialize(f"sqlite:///{tmp_path / 'positional.db'}").url.endswith("positional.db")


def test_schema_version_is_recorded_and_a_newer_store_is_refused(sqlite_store, tmp_path):
    path = tmp_path / "lab.db"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM kl_meta WHERE key = 'schema_version'").fetchone() == ("2",)
        conn.execute("UPDATE kl_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SchemaVersionError, match="upgrade kolena_lab"):
        Store(f"sqlite:///{path}")


def test_a_version_1_store_is_migrated_keeping_its_data(sqlite_store, tmp_path):
    c.TestCase("kept", test_samples=c.members(3))
    sqlite_store.dispose()
    path = tmp_path / "lab.db"
    with sqlite3.connect(path) as conn:  # what kolena_lab wrote before the evaluator registry existed
        conn.execute("DROP TABLE kl_jobs")
        conn.execute("DROP TABLE kl_evaluators")
        conn.execute("UPDATE kl_meta SET value = '1' WHERE key = 'schema_version'")
    kolena_lab.initialize(url=f"sqlite:///{path}")
    assert len(c.TestCase("kept").load_test_samples()) == 3
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM kl_meta WHERE key = 'schema_version'").fetchone() == ("2",)
        assert conn.execute("SELECT count(*) FROM kl_jobs").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM kl_evaluators").fetchone() == (0,)


def test_corrupt_file(tmp_path):
    path = tmp_path / "lab.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="corrupt"):
        Store(f"sqlite:///{path}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_file(sqlite_store, tmp_path):
    c.TestCase("kept", test_samples=c.members(2))
    sqlite_store.dispose()
    os.chmod(tmp_path / "lab.db", 0o400)
    with pytest.raises(StoreError, match="read-only"):
        c.TestCase("new", test_samples=c.members(2))


def test_read_only_database(sqlite_store, tmp_path):
    c.TestCase("kept", test_samples=c.members(2))
    kolena_lab.initialize(url=f"sqlite:///file:{tmp_path / 'lab.db'}?mode=ro&uri=true")
    assert len(c.TestCase.load("kept").load_test_samples()) == 2
    with pytest.raises(StoreError, match="read-only"):
        c.TestCase("new", test_samples=c.members(2))


def test_locked_by_another_process_retries_then_fails_clearly(sqlite_store, tmp_path):
    c.TestCase("before", test_samples=c.members(1))
    kolena_lab.initialize(url=f"sqlite:///{tmp_path / 'lab.db'}", lock_timeout=0.5)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, time
        conn = sqlite3.connect({str(tmp_path / 'lab.db')!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert len(c.TestCase.load("before").load_test_samples()) == 1  # readers are not blocked
        with pytest.raises(StoreError, match="locked by another process; gave up after 0.5 s"):
            c.TestCase("during", test_samples=c.members(3))
    finally:
        holder.kill()
        holder.wait()
    with pytest.raises(NotFoundError):
        c.TestCase.load("during")
    assert c.TestCase("after", test_samples=c.members(3)).version == 1


def test_failed_write_leaves_store_as_before(lab):
    tc = c.TestCase("tc", test_samples=c.members(3))

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with tc.edit() as editor:
            editor.add(c.sample(50), c.gt("cat"))
            raise Boom()
    assert c.TestCase.load("tc").version == 1
