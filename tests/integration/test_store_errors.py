"""A store that is read-only, locked, corrupt or too new gets a clear error, and nothing is half-written."""
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection

import kolena_lab
from kolena_lab.errors import InputValidationError, NameConflictError, NotFoundError, SchemaVersionError, StoreError
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


def _fill_limit(store: Store, extra_pages: int) -> None:
    """Let the store's file grow by only ``extra_pages`` pages from now on: SQLite then fails a write with
    'database or disk is full', as it does on a full disk."""
    with sqlite3.connect(store.engine.url.database) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    store.engine.dispose()
    event.listen(store.engine, "connect",
                 lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count={pages + extra_pages}"))


def test_a_full_disk_is_a_store_error_and_nothing_is_written(sqlite_store):
    c.TestCase("kept", test_samples=c.members(3))
    before = sqlite_store.counts()
    _fill_limit(sqlite_store, 2)
    with pytest.raises(StoreError, match="is full .no space left on its disk, or its size limit reached.: nothing "
                                         "was written") as info:
        c.TestCase("big", test_samples=c.members(3000))
    assert "database or disk is full" in str(info.value.__cause__)
    assert sqlite_store.counts() == before
    assert len(c.TestCase.load("kept").load_test_samples()) == 3  # reads still work
    with pytest.raises(NotFoundError):
        c.TestCase.load("big")


def test_a_failed_commit_rolls_back_and_the_connection_stays_usable(sqlite_store, monkeypatch):
    c.TestCase("kept", test_samples=c.members(2))
    real = Connection.exec_driver_sql

    def failing_commit(self, statement, *args, **kwargs):
        if statement == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, statement, *args, **kwargs)

    monkeypatch.setattr(Connection, "exec_driver_sql", failing_commit)
    with pytest.raises(StoreError, match="is full"):
        c.TestCase("new", test_samples=c.members(4))
    monkeypatch.undo()
    with pytest.raises(NotFoundError):
        c.TestCase.load("new")
    assert c.TestCase("after", test_samples=c.members(4)).version == 1


_READ_ONLY_PROBE = textwrap.dedent("""
    import os, sys
    import kolena_lab
    from kolena_lab.errors import StoreError
    from kolena_lab.workflow import catalog
    from tests.integration import _classification as c
    kolena_lab.initialize(url=sys.argv[2]).dispose()  # every module the probe needs is imported before
    if os.geteuid() == 0:  # root ignores file modes: probe as an unprivileged user
        os.setgid(65534)
        os.setuid(65534)
    kolena_lab.initialize(url=sys.argv[1])
    print(len(c.TestCase.load("kept").load_test_samples()), catalog.store_info()["test_cases"])
    try:
        c.TestCase("new", test_samples=c.members(2))
    except StoreError as e:
        print(e)
""")


@pytest.fixture
def open_tmp_path():
    """A folder every user may enter (pytest's own is private to its user)."""
    path = Path(tempfile.mkdtemp(prefix="kolena-lab-ro-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_store_opens_for_reading_and_refuses_writes_clearly(open_tmp_path, what):
    tmp_path = open_tmp_path
    folder = tmp_path / "shared"
    url = f"sqlite:///{folder / 'lab.db'}"
    kolena_lab.initialize(url=url)
    c.TestCase("kept", test_samples=c.members(3))
    kolena_lab.initialize(url=f"sqlite:///{tmp_path / 'warm.db'}").dispose()
    assert not (folder / "lab.db-wal").exists()
    os.chmod(folder / "lab.db", 0o444)
    os.chmod(folder, 0o555 if what == "folder" else 0o777)
    try:
        probe = subprocess.run([sys.executable, "-c", _READ_ONLY_PROBE, url, f"sqlite:///{tmp_path / 'warm.db'}"],
                               capture_output=True, text=True, cwd=os.getcwd(), timeout=120)
    finally:
        os.chmod(folder, 0o755)
    assert probe.returncode == 0, probe.stderr
    counted, refused = probe.stdout.strip().splitlines()
    assert counted == "3 1"
    assert refused == f"the store Store({url!r}) is read-only: nothing was written"


def test_a_failed_initialize_leaves_no_store_in_use(sqlite_store, tmp_path):
    c.TestCase("kept", test_samples=c.members(2))
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="corrupt"):
        kolena_lab.initialize(url=f"sqlite:///{corrupt}")
    for attempt in (lambda: c.TestCase("elsewhere", test_samples=c.members(2)), lambda: c.TestCase.load("kept")):
        with pytest.raises(StoreError, match=r"no store is in use: the last initialize\(\) failed \(the store "
                                             r"Store\('sqlite:///.*corrupt.db'\) is corrupt"):
            attempt()
    kolena_lab.initialize(url=f"sqlite:///{tmp_path / 'lab.db'}")
    with pytest.raises(NotFoundError):
        c.TestCase.load("elsewhere")
    assert len(c.TestCase.load("kept").load_test_samples()) == 2


@pytest.mark.parametrize("url, error, match", [
    ("garbage", InputValidationError, "the store URL 'garbage' is not a URL"),
    ("foo://x", InputValidationError, "names the database 'foo': kolena_lab stores in a SQLite file"),
    ("mysql://user:hunter2@db/lab", InputValidationError, r"'mysql://user:\*\*\*@db/lab' names the database 'mysql'"),
    ("postgresql://u:hunter2@h:notaport/db", InputValidationError, r"'postgresql://u:\*\*\*@h:notaport/db' is not"),
    ("sqlite:///:memory:", InputValidationError, "in-memory SQLite store is not supported"),
    ("", InputValidationError, "must be a non-empty string"),
    ("postgresql+psycopg://u:hunter2@127.0.0.1:1/db", StoreError, r"u:\*\*\*@127.0.0.1:1/db'\) cannot be reached"),
])
def test_store_urls_that_name_no_store(url, error, match):
    with pytest.raises(error, match=match) as info:
        Store(url)
    assert "hunter2" not in str(info.value)


def test_a_url_naming_a_folder_or_a_file_in_place_of_a_folder(tmp_path):
    with pytest.raises(InputValidationError, match="names a directory"):
        Store(f"sqlite:///{tmp_path}")
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="cannot create the store file"):
        Store(f"sqlite:///{tmp_path / 'file' / 'lab.db'}")
    created = Store(f"sqlite:///{tmp_path / 'new' / 'deeper' / 'lab.db'}")  # missing folders are made
    created.dispose()
    assert (tmp_path / "new" / "deeper" / "lab.db").is_file()


def test_a_bad_url_in_the_environment_is_named(monkeypatch):
    import kolena_lab.store.store as store_module

    monkeypatch.setenv("KOLENA_LAB_URL", "garbage")
    monkeypatch.setattr(store_module, "_current", None)
    monkeypatch.setattr(store_module, "_failed", None)
    with pytest.raises(InputValidationError, match="^KOLENA_LAB_URL: the store URL 'garbage' is not a URL"):
        kolena_lab.store.get_store()


def test_a_name_written_meanwhile_is_a_name_conflict(sqlite_store):
    with pytest.raises(NameConflictError, match="a test case named 'twice' exists already: nothing was written"):
        with sqlite_store.transaction() as conn:
            workflow_id = c.workflow._register(conn)
            kolena_lab.store.test_cases.create(conn, workflow_id, "twice", "")
            kolena_lab.store.test_cases.create(conn, workflow_id, "twice", "")
    assert sqlite_store.counts()["test_cases"] == 0


def test_no_database_error_leaves_the_store(sqlite_store):
    from kolena_lab.store._sql import run

    with pytest.raises(InputValidationError, match="refused the write, which would break its integrity"):
        with sqlite_store.transaction() as conn:
            run(conn, "INSERT INTO kl_meta (key, value) VALUES ('a', NULL)")
    with pytest.raises(StoreError, match=r"failed \(OperationalError: no such table: nowhere\)"):
        with sqlite_store.read() as conn:
            run(conn, "SELECT * FROM nowhere")
    with pytest.raises(StoreError, match="failed"):
        with sqlite_store.read() as conn:
            conn.connection.driver_connection.execute("SELECT * FROM nowhere")  # the driver's own error


def test_database_errors_are_translated_on_both_backends(lab):
    from kolena_lab.store._sql import fetch_all, run

    with pytest.raises(InputValidationError, match="refused the write, which would break its integrity"):
        with lab.transaction() as conn:
            run(conn, "INSERT INTO kl_meta (key, value) VALUES ('a', NULL)")
    with pytest.raises(StoreError, match="failed"):
        with lab.read() as conn:
            fetch_all(conn, "SELECT * FROM nowhere")
    with pytest.raises(NameConflictError, match="a test suite named 's' exists already"):
        with lab.transaction() as conn:
            workflow_id = c.workflow._register(conn)
            kolena_lab.store.test_suites.create(conn, workflow_id, "s", "", "[]")
            kolena_lab.store.test_suites.create(conn, workflow_id, "s", "", "[]")
    if not lab.is_sqlite:  # PostgreSQL enforces column widths and refuses NUL in text
        with pytest.raises(InputValidationError, match="refused a value"):
            with lab.transaction() as conn:
                run(conn, "INSERT INTO kl_meta (key, value) VALUES (?, 'x')", ("k" * 100,))
    assert lab.counts() == {name: 0 for name in lab.counts()}
    assert c.TestCase("after", test_samples=c.members(2)).version == 1
