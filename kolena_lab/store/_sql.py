"""Running SQL written with ``?`` placeholders on any driver, straight through the DBAPI for bulk speed."""
from typing import Any, Sequence

from sqlalchemy.engine import Connection, CursorResult


def _native(conn: Connection, sql: str) -> str:
    return sql if conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s")


def run(conn: Connection, sql: str, params: Sequence[Any] = ()) -> CursorResult:
    """Execute one statement."""
    return conn.exec_driver_sql(_native(conn, sql), tuple(params))


def executemany(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Execute one statement for many parameter rows."""
    if len(rows) == 0:
        return
    conn.exec_driver_sql(_native(conn, sql), rows if isinstance(rows, list) else list(rows))
