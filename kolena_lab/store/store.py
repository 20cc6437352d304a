"""Opening the store: engine, schema creation and versioning, transactions, and clear errors."""
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from sqlalchemy import create_engine, event, func, inspect, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from kolena_lab.errors import SchemaVersionError, StoreError
from kolena_lab.store import _tables as t
from kolena_lab.store import meta

ENV_URL = "KOLENA_LAB_URL"
DEFAULT_PATH = Path(".kolena_lab") / "lab.db"
LOCK_TIMEOUT_SECONDS = 15.0


def default_url() -> str:
    """``KOLENA_LAB_URL`` if set, else the SQLite file ``.kolena_lab/lab.db`` under the working directory."""
    return os.environ.get(ENV_URL) or f"sqlite:///{DEFAULT_PATH.resolve()}"


class Store:
    """One database holding every workflow's objects; each write is one transaction."""

    def __init__(self, url: str, lock_timeout: float = LOCK_TIMEOUT_SECONDS):
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._lock_timeout = lock_timeout
        if self.is_sqlite:
            self._prepare_sqlite_file(parsed.database)
            self.engine = create_engine(
                url,
                isolation_level="AUTOCOMMIT",  # transactions are begun explicitly, IMMEDIATE for writes
                connect_args={"timeout": lock_timeout, "check_same_thread": False},
                poolclass=NullPool if parsed.database in (None, "", ":memory:") else None,
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
        self._checkpointer = _Checkpointer(self.engine) if self.is_sqlite else None
        self._initialize_schema()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    @staticmethod
    def _prepare_sqlite_file(database: Optional[str]) -> None:
        if not database or database == ":memory:":
            raise StoreError("an in-memory SQLite store is not supported: give a file path")
        if database.startswith("file:"):  # a SQLite URI (e.g. ?mode=ro) names an existing file: leave it alone
            return
        path = Path(database)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as e:
            raise StoreError(f"cannot create the store file '{path}': {e.strerror}") from e

    def _initialize_schema(self) -> None:
        """Create the schema on first use (a write only then, so read-only stores open) and check its version.

        The store gets its random id with the schema; a store written by an older kolena_lab gets one on open when
        it can be written.
        """
        with self.read() as conn:
            stored = self._schema_version(conn)
            identified = stored is not None and meta.store_id(conn) is not None
        if stored is None:
            with self.transaction() as conn:
                t.metadata.create_all(conn)
                if self._schema_version(conn) is None:
                    conn.execute(t.meta.insert().values(key="schema_version", value=str(t.SCHEMA_VERSION)))
                meta.add_store_id(conn)
        elif stored == t.SCHEMA_VERSION and not identified:
            self._add_store_id()
        elif stored < t.SCHEMA_VERSION:
            self._migrate(stored)
        elif stored > t.SCHEMA_VERSION:
            raise SchemaVersionError(
                f"the store {self!r} has schema version {stored}, newer than this kolena_lab's "
                f"({t.SCHEMA_VERSION}): upgrade kolena_lab",
            )

    def _migrate(self, stored: int) -> None:
        """Bring a store of an older schema version up to date, in one transaction.

        Version 2 added the evaluator registry and job tables (``kl_evaluators``, ``kl_jobs``): creating the missing
        tables is the whole migration.
        """
        with self.transaction() as conn:
            if self._schema_version(conn) != stored:  # another process migrated meanwhile
                return
            t.metadata.create_all(conn)
            conn.execute(t.meta.update().where(t.meta.c.key == "schema_version").values(value=str(t.SCHEMA_VERSION)))
            meta.add_store_id(conn)

    def _add_store_id(self) -> None:
        """Write the store id; a store that cannot be written (read-only, no rights) stays without one."""
        try:
            with self.transaction() as conn:
                meta.add_store_id(conn)
        except (StoreError, DBAPIError):
            pass

    @staticmethod
    def _schema_version(conn: Connection) -> Optional[int]:
        if not inspect(conn).has_table(t.meta.name):
            return None
        value = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema_version")).scalar()
        return None if value is None else int(value)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a write transaction: committed on success, rolled back on any error."""
        with self._translate_errors(), self.engine.connect() as conn:
            if self.is_sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.exec_driver_sql("ROLLBACK")
                    raise
                conn.exec_driver_sql("COMMIT")
                self._checkpointer.request()  # type: ignore[union-attr]
            else:
                with conn.begin():
                    yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads, seeing one consistent snapshot."""
        with self._translate_errors(), self.engine.connect() as conn:
            if self.is_sqlite:
                conn.exec_driver_sql("BEGIN")
                try:
                    yield conn
                finally:
                    conn.exec_driver_sql("ROLLBACK")
            else:
                with conn.begin():
                    yield conn

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, DBAPIError) as e:
            message = str(getattr(e, "orig", e)).lower()
            where = repr(self)
            if "locked" in message or "busy" in message:
                raise StoreError(
                    f"the store {where} is locked by another process; gave up after {self._lock_timeout:g} s",
                ) from e
            if "readonly" in message or "read-only" in message:
                raise StoreError(f"the store {where} is read-only: nothing was written") from e
            if "not a database" in message or "malformed" in message:
                raise StoreError(f"the store {where} is corrupt or not a kolena_lab store") from e
            if "unable to open" in message:
                raise StoreError(f"the store {where} cannot be opened: check the path and permissions") from e
            raise

    def counts(self) -> Dict[str, int]:
        """How many objects of each kind the store holds."""
        with self.read() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in (("workflows", t.workflows), ("test_samples", t.test_samples),
                                    ("test_cases", t.test_cases), ("test_suites", t.test_suites),
                                    ("models", t.models), ("inferences", t.inferences))
            }

    def dispose(self) -> None:
        """Finish the pending checkpoint and close every pooled connection."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()


class _Checkpointer:
    """Copies SQLite's write-ahead log into the database file in a background thread after commits.

    SQLite's automatic checkpoint (turned off on our connections) would do this copy inside ``COMMIT``, so a bulk
    write would wait for it; the SQLite documentation suggests running it in a separate thread instead. A committed
    transaction is durable in the log either way, and a checkpoint that does not happen (the process exits) is done
    by the next connection.
    """

    IDLE_SECONDS = 5.0  # the thread ends after this long without commits, and starts again with the next one

    def __init__(self, engine: Any):
        self._engine = engine
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._stopped = False

    def request(self) -> None:
        """Ask for a checkpoint soon (after a commit)."""
        with self._lock:
            if self._stopped:
                return
            self._wanted.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="kolena-lab-checkpoint")
                self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Run a last checkpoint, then end the thread."""
        with self._lock:
            self._stopped, thread = True, self._thread
            self._wanted.set()
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wanted.wait(0 if self._stopped else self.IDLE_SECONDS)
            with self._lock:
                if not self._wanted.is_set():
                    self._thread = None
                    return
                self._wanted.clear()
            try:
                with self._engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # nothing is lost: the log keeps the data and a later checkpoint copies it
                pass


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run in the background (_Checkpointer)
    except Exception:  # a read-only file cannot switch journal mode; reads still work
        pass
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")  # up to 64 MiB of page cache per connection; bulk work asks for more
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


_lock = threading.Lock()
_current: Optional[Store] = None


def initialize(
    api_token: Optional[str] = None,
    *,
    url: Optional[str] = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    **_kolena_options: Any,
) -> Store:
    """Point kolena_lab at a store: a SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://...``).

    Without ``url``: ``KOLENA_LAB_URL``, else ``.kolena_lab/lab.db`` under the working directory. The signature
    accepts Kolena's ``initialize(api_token, verbose=..., proxies=...)`` so Kolena code runs unchanged: no token is
    needed, and one given is ignored (a first argument containing ``://`` is taken as the URL). ``lock_timeout`` is
    how long a write waits for another process holding the SQLite file before failing.
    """
    if url is None and api_token is not None and "://" in api_token:
        url = api_token
    global _current
    with _lock:
        if _current is not None:
            _current.dispose()
        _current = Store(url or default_url(), lock_timeout)
        return _current


def get_store() -> Store:
    """The current store, opened on first use from ``KOLENA_LAB_URL`` or the default SQLite file."""
    global _current
    with _lock:
        if _current is None:
            _current = Store(default_url())
        return _current
