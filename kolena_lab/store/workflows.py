"""Workflows: a name and the schema of its types."""
from typing import List, Optional, Tuple

from sqlalchemy.engine import Connection

from kolena_lab.store._sql import run


def get_or_create(conn: Connection, name: str, schema: str) -> int:
    """The workflow's id, creating the row (with its schema description) on first use."""
    row = run(conn, "SELECT id FROM kl_workflows WHERE name = ?", (name,)).first()
    if row is not None:
        run(conn, "UPDATE kl_workflows SET schema = ? WHERE id = ? AND schema <> ?", (schema, row[0], schema))
        return row[0]
    run(conn, "INSERT INTO kl_workflows (name, schema) VALUES (?, ?)", (name, schema))
    return run(conn, "SELECT id FROM kl_workflows WHERE name = ?", (name,)).scalar_one()


def get(conn: Connection, name: str) -> Optional[Tuple[int, str]]:
    """``(id, schema JSON)`` of the named workflow, or None."""
    row = run(conn, "SELECT id, schema FROM kl_workflows WHERE name = ?", (name,)).first()
    return (row[0], row[1]) if row else None


def list_all(conn: Connection) -> List[Tuple[str, str]]:
    """``(name, schema JSON)`` of every workflow, by name."""
    return [tuple(r) for r in run(conn, "SELECT name, schema FROM kl_workflows ORDER BY name")]
