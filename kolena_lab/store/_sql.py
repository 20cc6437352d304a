"""Running SQL written with ``?`` placeholders on any driver, straight through the DBAPI for bulk speed."""
from typing import Any, Iterator, Sequence

from sqlalchemy.engine import Connection, CursorResult

CHUNK = 500  # ids per ``IN (...)`` list: well under every driver's parameter limit


def _native(conn: Connection, sql: str) -> str:
    return sql if conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s")


def run(conn: Connection, sql: str, params: Sequence[Any] = ()) -> CursorResult:
    """Execute one statement."""
    return conn.exec_driver_sql(_native(conn, sql), tuple(params))


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
