"""Test samples by identity: bulk staging, upsert with metadata merge, and lookup."""
import json
from typing import Dict, Iterable, List, Sequence, Tuple

from sqlalchemy.engine import Connection

from kolena_lab.store._sql import executemany, run

_STAGING = "kl_staging"
StagedRow = Tuple[int, str, str, str, "str | None"]  # position, key hash, key, metadata JSON, ground truth JSON


def stage(conn: Connection, rows: Sequence[StagedRow]) -> None:
    """Fill this connection's staging table with samples (and their ground truths) to write in bulk."""
    run(conn, f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} "
              "(pos INTEGER, key_hash VARCHAR(32), key TEXT, metadata TEXT, ground_truth TEXT)")
    run(conn, f"DELETE FROM {_STAGING}")
    executemany(conn, f"INSERT INTO {_STAGING} (pos, key_hash, key, metadata, ground_truth) VALUES (?, ?, ?, ?, ?)",
                rows)


def upsert_staged(conn: Connection, workflow_id: int) -> None:
    """Insert staged samples that are new; merge staged metadata into existing ones (last write wins per key)."""
    existing = run(
        conn,
        f"SELECT t.id, t.metadata, s.metadata FROM {_STAGING} s "
        "JOIN kl_test_samples t ON t.workflow_id = ? AND t.key_hash = s.key_hash WHERE s.metadata <> '{}'",
        (workflow_id,),
    ).fetchall()
    updates = []
    for sample_id, old, new in existing:
        merged = {**json.loads(old), **json.loads(new)}
        dumped = json.dumps(merged)
        if dumped != old:
            updates.append((dumped, sample_id))
    if updates:
        executemany(conn, "UPDATE kl_test_samples SET metadata = ? WHERE id = ?", updates)
    run(
        conn,
        "INSERT INTO kl_test_samples (workflow_id, key_hash, key, metadata) "
        f"SELECT ?, s.key_hash, s.key, s.metadata FROM {_STAGING} s WHERE NOT EXISTS "
        "(SELECT 1 FROM kl_test_samples t WHERE t.workflow_id = ? AND t.key_hash = s.key_hash) ORDER BY s.pos",
        (workflow_id, workflow_id),
    )


def staged_ids(conn: Connection, workflow_id: int) -> Dict[str, int]:
    """Map each staged key hash to its sample id."""
    rows = run(
        conn,
        f"SELECT s.key_hash, t.id FROM {_STAGING} s "
        "JOIN kl_test_samples t ON t.workflow_id = ? AND t.key_hash = s.key_hash",
        (workflow_id,),
    )
    return dict(rows.fetchall())


def insert_members_from_staging(conn: Connection, version_id: int, workflow_id: int) -> None:
    """Write the staged rows as a test case version's members, in staged order."""
    run(
        conn,
        "INSERT INTO kl_test_case_members (version_id, position, sample_id, ground_truth) "
        f"SELECT ?, s.pos, t.id, s.ground_truth FROM {_STAGING} s "
        "JOIN kl_test_samples t ON t.workflow_id = ? AND t.key_hash = s.key_hash",
        (version_id, workflow_id),
    )


def load(conn: Connection, sample_ids: Iterable[int]) -> Dict[int, Tuple[str, str]]:
    """``{sample_id: (key JSON, metadata JSON)}`` for the given ids."""
    out: Dict[int, Tuple[str, str]] = {}
    ids: List[int] = list(sample_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in run(conn, f"SELECT id, key, metadata FROM kl_test_samples WHERE id IN ({marks})", chunk):
            out[row[0]] = (row[1], row[2])
    return out
