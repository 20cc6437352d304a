"""Running SQL written with ``?`` placeholders on any driver, straight through the DBAPI for bulk speed."""
from typing import Any, Iterator, Sequence

from sqlalchemy.engine import Connection, CursorResult

CHUNK = 500  # ids per ``IN (...)`` list: well under every driver's parameter limit


def _native(conn: Connection, sql: str) -> str:
    return sql if conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s")


def run(conn: Connection, sql: str, params: Sequence[Any] = ()) -> CursorResult:
    """Execute one statement."""
    return conn.exec_driver_sql(_native(conn, sql), tuple(params))


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


def chunks(ids: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Slices of at most ``CHUNK`` items."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def bulk_insert(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                ignore_conflicts: bool = False) -> int:
    """Insert many rows, skipping rows whose key exists when ``ignore_conflicts``; returns how many were inserted.

    SQLite takes one prepared statement for every row; PostgreSQL takes ``COPY`` (through a temporary table when
    conflicts are to be skipped), which is an order of magnitude faster there than row-by-row inserts.
    """
    if len(rows) == 0:
        return 0
    names = ", ".join(columns)
    skip = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if conn.dialect.name != "postgresql":
        marks = ", ".join("?" * len(columns))
        return executemany(conn, f"INSERT INTO {table} ({names}) VALUES ({marks}){skip}", rows)
    target = f"kl_copy_{table}" if ignore_conflicts else table
    with conn.connection.driver_connection.cursor() as cursor:
        if ignore_conflicts:
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {target} (LIKE {table} INCLUDING DEFAULTS)")
        with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if not ignore_conflicts:
            return len(rows)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {target}{skip}")
        inserted = cursor.rowcount
        cursor.execute(f"TRUNCATE {target}")
        return inserted
