"""Running SQL written with ``?`` placeholders on any driver, straight through the DBAPI for bulk speed."""
import sqlite3
from contextlib import contextmanager
from itertools import chain
from typing import Any, Dict, Iterator, Optional, Sequence

from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import IntegrityError

from kolena_lab.errors import NameConflictError

CHUNK = 500  # ids per ``IN (...)`` list: well under every driver's parameter limit
ROWS_PER_STATEMENT = 8_192  # SQLite bulk inserts, within the build's limit on parameters per statement


def _native(conn: Connection, sql: str) -> str:
    return sql if conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s")


def run(conn: Connection, sql: str, params: Sequence[Any] = ()) -> CursorResult:
    """Execute one statement."""
    return conn.exec_driver_sql(_native(conn, sql), tuple(params))


def insert_named(conn: Connection, kind: str, name: str, sql: str, params: Sequence[Any]) -> None:
    """Insert a named object's row: a row of that name stored meanwhile (by another process) raises
    ``NameConflictError`` naming it."""
    try:
        run(conn, sql, params)
    except IntegrityError as e:
        raise NameConflictError(f"a {kind} named {name!r} exists already: nothing was written") from e


def fetch_all(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list:
    """Every row of a query as plain tuples, read through the driver's own cursor (no per-row wrapping)."""
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(_native(conn, sql), tuple(params))
        return cursor.fetchall()
    finally:
        cursor.close()


def executemany(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    """Execute one statement for many parameter rows; returns the number of rows changed."""
    if len(rows) == 0:
        return 0
    result = conn.exec_driver_sql(_native(conn, sql), rows if isinstance(rows, list) else list(rows))
    return result.rowcount


@contextmanager
def page_cache(conn: Connection, mib: int) -> Iterator[None]:
    """On SQLite, give this connection a page cache of ``mib`` MiB for the block, then the previous size back (which
    frees the difference). Writing or joining many rows keyed by random ids touches pages all over a table: a cache
    that holds them saves reading each again; a caller already holding much memory may want a small one instead."""
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = int(run(conn, "PRAGMA cache_size").scalar())
    run(conn, f"PRAGMA cache_size=-{int(mib) * 1024}")
    try:
        yield
    finally:
        run(conn, f"PRAGMA cache_size={previous}")


def chunks(ids: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Slices of at most ``CHUNK`` items."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _insert_many_per_statement(conn: Connection, head: str, row: str, tail: str,
                               rows: Sequence[Sequence[Any]]) -> int:
    """SQLite: insert thousands of rows per statement. The driver releases the GIL while a statement runs and must
    win it back after, which can take a whole thread switch interval when another thread computes: one row per
    statement would starve the writer of a pipeline."""
    driver = conn.connection.driver_connection
    width = row.count("?")
    limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if hasattr(driver, "getlimit") else 999
    per = max(1, min(ROWS_PER_STATEMENT, limit // width))
    whole = len(rows) - len(rows) % per
    flat = list(chain.from_iterable(rows[:whole]))
    step = per * width
    cursor = driver.cursor()
    try:
        changed = 0
        if whole:
            groups = [flat[i:i + step] for i in range(0, whole * width, step)]
            cursor.executemany(head + ",".join([row] * per) + tail, groups)
            changed += cursor.rowcount
        if whole < len(rows):
            rest = rows[whole:]
            cursor.execute(head + ",".join([row] * len(rest)) + tail, list(chain.from_iterable(rest)))
            changed += cursor.rowcount
        return changed
    finally:
        cursor.close()


def bulk_insert(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                ignore_conflicts: bool = False, constants: Optional[Dict[str, int]] = None) -> int:
    """Insert many rows, skipping rows whose key exists when ``ignore_conflicts``; returns how many were inserted.

    ``constants`` are integer columns with the same value in every row, given once rather than per row. SQLite takes
    one prepared statement for every row; PostgreSQL takes ``COPY`` (through a temporary table when conflicts are to
    be skipped), which is an order of magnitude faster there than row-by-row inserts.
    """
    if len(rows) == 0:
        return 0
    constants = {name: int(value) for name, value in (constants or {}).items()}
    names = ", ".join([*constants, *columns])
    skip = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if conn.dialect.name != "postgresql":
        row = "(" + ", ".join([*map(str, constants.values()), *("?" * len(columns))]) + ")"
        return _insert_many_per_statement(conn, f"INSERT INTO {table} ({names}) VALUES ", row, skip, rows)
    target = f"kl_copy_{table}" if ignore_conflicts else table
    fixed = tuple(constants.values())
    with conn.connection.driver_connection.cursor() as cursor:
        if ignore_conflicts:
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {target} (LIKE {table} INCLUDING DEFAULTS)")
        with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(fixed + tuple(row))
        if not ignore_conflicts:
            return len(rows)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {target}{skip}")
        inserted = cursor.rowcount
        cursor.execute(f"TRUNCATE {target}")
        return inserted
