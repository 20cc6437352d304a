"""Store identity and change tokens in ``kl_meta``: a random store id, and a samples revision per workflow.

Caches of derived data name what they hold with these: the store id tells apart stores that reuse row ids (a
store deleted and created again), and a workflow's samples revision is replaced in the same transaction as any
change to the metadata of its samples.
"""
import uuid
from typing import NamedTuple, Optional

from sqlalchemy.engine import Connection

from kolena_lab.store._sql import run

STORE_ID = "store_id"
_REVISION = "samples_revision:"
_UPSERT = "INSERT INTO kl_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"


class VersionStamp(NamedTuple):
    """What names the contents of a test case version: its size, the store id and its workflow's samples revision."""

    n_samples: int
    store_id: Optional[str]
    samples_revision: str


def schema_version(conn: Connection) -> Optional[int]:
    """The schema version the store was written with, or None."""
    value = run(conn, "SELECT value FROM kl_meta WHERE key = 'schema_version'").scalar()
    return None if value is None else int(value)


def store_id(conn: Connection) -> Optional[str]:
    """The store's random id, or None for a store that has none yet."""
    return run(conn, "SELECT value FROM kl_meta WHERE key = ?", (STORE_ID,)).scalar()


def add_store_id(conn: Connection) -> None:
    """Give the store a random id unless it has one."""
    run(conn, "INSERT INTO kl_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (STORE_ID, _token()))


def bump_samples_revision(conn: Connection, workflow_id: int) -> None:
    """Replace the workflow's samples revision with a new random token (no read, so concurrent writers never race)."""
    run(conn, _UPSERT, (f"{_REVISION}{workflow_id}", _token()))


def version_stamp(conn: Connection, version_id: int) -> Optional[VersionStamp]:
    """The stamp of a test case version (None if there is no such version); revision ``"0"`` before any change."""
    row = run(
        conn,
        "SELECT v.n_samples, s.value, r.value FROM kl_test_case_versions v "
        "JOIN kl_test_cases c ON c.id = v.test_case_id "
        "LEFT JOIN kl_meta s ON s.key = ? "
        "LEFT JOIN kl_meta r ON r.key = ? || CAST(c.workflow_id AS VARCHAR(20)) "
        "WHERE v.id = ?",
        (STORE_ID, _REVISION, version_id),
    ).first()
    return None if row is None else VersionStamp(row[0], row[1], row[2] or "0")


def _token() -> str:
    return uuid.uuid4().hex
