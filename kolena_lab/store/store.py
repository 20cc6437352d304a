"""Opening the store: engine, schema creation and versioning, transactions, and clear errors."""
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import create_engine, event, func, inspect, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from kolena_lab.errors import InputValidationError, KolenaError, SchemaVersionError, StoreError
from kolena_lab.store import _tables as t
from kolena_lab.store import meta

ENV_URL = "KOLENA_LAB_URL"
DEFAULT_PATH = Path(".kolena_lab") / "lab.db"
LOCK_TIMEOUT_SECONDS = 15.0
_BACKENDS = ("sqlite", "postgresql")
_PASSWORD = re.compile(r"(://[^:/@\s]*:)\S*@")
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#\s]*", re.IGNORECASE)  # libpq also takes it as a parameter


def default_url() -> str:
    """``KOLENA_LAB_URL`` if set, else the SQLite file ``.kolena_lab/lab.db`` under the working directory."""
    return os.environ.get(ENV_URL) or f"sqlite:///{DEFAULT_PATH.resolve()}"


class Store:
    """One database holding every workflow's objects; each write is one transaction."""

    def __init__(self, url: str, lock_timeout: float = LOCK_TIMEOUT_SECONDS):
        """Open (creating on first use) the store at ``url``; a URL that cannot name a store raises
        ``InputValidationError``, a store that cannot be reached or read raises ``StoreError``."""
        self.url = url
        parsed = _parse_url(url)
        self._shown = repr(_hide_password(url.strip()))
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._lock_timeout = lock_timeout
        self._checkpointer: Optional[_Checkpointer] = None
        try:
            if self.is_sqlite:
                self._prepare_sqlite_file(parsed.database)
                self.engine = create_engine(
                    _read_only_snapshot(parsed) or parsed,
                    isolation_level="AUTOCOMMIT",  # transactions are begun explicitly, IMMEDIATE for writes
                    connect_args={"timeout": lock_timeout, "check_same_thread": False},
                )
                event.listen(self.engine, "connect", _sqlite_pragmas)
            else:
                self.engine = create_engine(parsed, pool_pre_ping=True)
        except KolenaError:
            raise
        except ImportError as e:
            raise StoreError(f"the database driver of the store URL {self._shown} is not installed ({e})") from None
        except (ArgumentError, NoSuchModuleError, TypeError, ValueError) as e:
            raise InputValidationError(f"the store URL {self._shown} cannot be used: {e}") from None
        self._dbapi = self.engine.dialect.dbapi
        self._checkpointer = _Checkpointer(self.engine) if self.is_sqlite else None
        try:
            self._initialize_schema()
        except BaseException:
            self.dispose()
            raise

    def __repr__(self) -> str:
        return f"Store({self._shown})"

    @property
    def database_path(self) -> Optional[Path]:
        """A SQLite store's file (see ``database_file``); None for PostgreSQL."""
        return database_file(self.url) if self.is_sqlite else None

    @property
    def display_url(self) -> str:
        """The store's URL as given, its password hidden."""
        return _hide_password(self.url.strip())

    @staticmethod
    def _prepare_sqlite_file(database: Optional[str]) -> None:
        if not database or database == ":memory:":
            raise InputValidationError("an in-memory SQLite store is not supported: give a file path")
        if database.startswith("file:"):  # a SQLite URI (e.g. ?mode=ro) names an existing file: leave it alone
            return
        path = Path(database)
        try:
            if path.is_dir():
                raise InputValidationError(f"the store URL names a directory, '{path}': give a file path such as "
                                           f"'sqlite:///{path / 'lab.db'}'")
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
        """A connection in a write transaction: committed on success, rolled back on any error (a failed commit
        too)."""
        with self._translate_errors(), self.engine.connect() as conn:
            if self.is_sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.exec_driver_sql("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise
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
                    _rollback(conn)
            else:
                with conn.begin():
                    yield conn

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        """The one place where database errors become ``kolena_lab`` errors: no SQLAlchemy, sqlite3 or psycopg
        exception leaves the store."""
        try:
            yield
        except KolenaError:
            raise
        except (SQLAlchemyError, self._dbapi.Error) as e:
            raise self._translated(e) from e

    def _translated(self, error: Exception) -> KolenaError:
        """The ``kolena_lab`` error saying what a database error means for the user."""
        original = getattr(error, "orig", None) or error
        text = _without_password(" ".join(str(original).split()) or type(original).__name__, self.url)
        message, where = text.lower(), repr(self)
        if isinstance(original, self._dbapi.IntegrityError):
            return InputValidationError(f"the store {where} refused the write, which would break its integrity "
                                        f"({_cut(text)}): nothing was written")
        if isinstance(original, self._dbapi.DataError):
            return InputValidationError(f"the store {where} refused a value ({_cut(text)}): nothing was written")
        if "locked" in message or "busy" in message:
            return StoreError(f"the store {where} is locked by another process; gave up after {self._lock_timeout:g} s")
        if "readonly" in message or "read-only" in message or "read only" in message:
            return StoreError(f"the store {where} is read-only: nothing was written")
        if "full" in message and ("disk" in message or "database" in message) or "no space left" in message:
            return StoreError(f"the store {where} is full (no space left on its disk, or its size limit reached): "
                              "nothing was written")
        if "not a database" in message or "malformed" in message:
            return StoreError(f"the store {where} is corrupt or not a kolena_lab store")
        if "unable to open" in message:
            return StoreError(f"the store {where} cannot be opened: check the path and permissions")
        if isinstance(original, self._dbapi.OperationalError) and not self.is_sqlite:
            return StoreError(f"the store {where} cannot be reached: {_cut(text)}")
        return StoreError(f"the store {where} failed ({type(original).__name__}: {_cut(text)})")

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


def database_file(sqlite_url: str) -> Path:
    """The absolute path of a SQLite URL's file: where the files kept beside a store go (frame snapshots,
    stress-test media)."""
    database = make_url(sqlite_url).database or ""
    if database.startswith("file:"):
        database = unquote(urlsplit(database).path)
    return Path(os.path.abspath(database))


def _parse_url(url: Any) -> Any:
    """``url`` parsed, naming a SQLite file or a PostgreSQL database, or an ``InputValidationError`` showing it
    (passwords hidden)."""
    if not isinstance(url, str) or not url.strip():
        raise InputValidationError(f"the store URL must be a non-empty string, got {url!r}")
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError) as e:
        raise InputValidationError(
            f"the store URL {_cut(repr(_hide_password(url)))} is not a URL ({_cut(str(e))}): give "
            "'sqlite:///path/to/lab.db' or 'postgresql+psycopg://user@host/database'",
        ) from None
    backend = parsed.get_backend_name()
    if backend not in _BACKENDS:
        raise InputValidationError(
            f"the store URL {_cut(repr(_hide_password(url)))} names the database '{backend}': "
            "kolena_lab stores in a SQLite file ('sqlite:///path/to/lab.db') or PostgreSQL "
            "('postgresql+psycopg://user@host/database')",
        )
    return parsed


def _read_only_snapshot(parsed: Any) -> Any:
    """For a SQLite file in a folder this process cannot write, whose write-ahead log is empty: the URL reading it
    as an unchanging file. SQLite reads a file in WAL mode through a shared-memory file beside it, which it cannot
    create there; the file alone holds every committed transaction then. The store is read as it was when opened:
    what another user with write access commits later is seen once it is opened again. None for any other store."""
    database = parsed.database or ""
    if database.startswith("file:"):
        return None
    path = Path(database).absolute()
    shared, log = Path(f"{path}-shm"), Path(f"{path}-wal")
    if not path.is_file() or os.access(path.parent, os.W_OK) or shared.exists():
        return None
    if log.exists() and log.stat().st_size > 0:
        return None
    return parsed.set(database=f"file:{quote(str(path))}?mode=ro&immutable=1", query={"uri": "true"})


def _hide_password(url: str) -> str:
    return _QUERY_PASSWORD.sub(r"\1***", _PASSWORD.sub(r"\1***@", url))


def _without_password(text: str, url: str) -> str:
    """``text`` (a driver's message) without any part of the password in ``url``, even one the driver took for a
    host name (a password holding an unescaped ``@``)."""
    secrets = set()
    found = _PASSWORD.search(url)
    if found is not None:
        password = found.group(0)[len(found.group(1)):-1]
        secrets |= {password, unquote(password), *password.split("@"), *unquote(password).split("@")}
    for match in _QUERY_PASSWORD.finditer(url):
        value = match.group(0)[len(match.group(1)):]
        secrets |= {value, unquote(value)}
    for part in sorted(secrets, key=len, reverse=True):
        if len(part) >= 3:
            text = text.replace(part, "***")
    return text


def _cut(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _rollback(conn: Connection) -> None:
    """Roll the transaction back; a connection where that fails (its transaction is gone) is discarded."""
    try:
        conn.exec_driver_sql("ROLLBACK")
    except Exception:
        conn.invalidate()


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
_failed: Optional[str] = None  # why the last initialize() failed; no store is current until the next one succeeds


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

    A store that cannot be opened raises, and leaves no store in use: until an ``initialize`` succeeds, every call
    needing the store raises ``StoreError`` rather than write elsewhere.
    """
    if url is None and isinstance(api_token, str) and "://" in api_token:
        url = api_token
    global _current, _failed
    with _lock:
        if _current is not None:
            _current.dispose()
            _current = None
        try:
            _current = _open(url, lock_timeout)
        except KolenaError as e:
            _failed = str(e)
            raise
        _failed = None
        return _current


def current() -> Optional[Store]:
    """The store in use, or None when none was opened (or the last ``initialize`` failed); opens nothing."""
    with _lock:
        return _current


def check_url(url: Any) -> None:
    """Raise ``InputValidationError`` (password hidden) unless ``url`` names a SQLite file or a PostgreSQL database;
    opens nothing."""
    _parse_url(url)


def shown_url(url: str) -> str:
    """``url`` with its password hidden."""
    return _hide_password(url.strip())


def get_store() -> Store:
    """The current store, opened on first use from ``KOLENA_LAB_URL`` or the default SQLite file."""
    global _current
    with _lock:
        if _current is None:
            if _failed is not None:
                raise StoreError(f"no store is in use: the last initialize() failed ({_failed}); call initialize() "
                                 "again")
            _current = _open(None, LOCK_TIMEOUT_SECONDS)
        return _current


def _open(url: Optional[str], lock_timeout: float) -> Store:
    """The store at ``url``, else at ``default_url()``; a bad URL from ``KOLENA_LAB_URL`` is said to come from it."""
    if url is not None or not os.environ.get(ENV_URL):
        return Store(url or default_url(), lock_timeout)
    try:
        return Store(default_url(), lock_timeout)
    except InputValidationError as e:
        raise InputValidationError(f"{ENV_URL}: {e}") from None
