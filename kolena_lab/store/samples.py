"""Test samples by identity: bulk upsert with metadata merge, and lookup."""
import json
from operator import itemgetter
from typing import Dict, Iterable, List, Sequence, Tuple

from sqlalchemy.engine import Connection

from kolena_lab.errors import StoreError
from kolena_lab.store._sql import bulk_insert, chunks, executemany, run
from kolena_lab.store.meta import bump_samples_revision

SampleRow = Tuple[int, str, str]  # id, identity key JSON, metadata JSON


def upsert(conn: Connection, workflow_id: int, rows: Sequence[SampleRow], in_id_order: bool = False) -> None:
    """Insert new samples; merge the given metadata into existing ones (last write wins per metadata key).

    The common case, all samples new, is one bulk insert, fastest in id order (fewer B-tree splits): rows are sorted
    unless ``in_id_order``. When some exist, their stored keys are checked against the given ones (a 64-bit id
    collision raises ``StoreError``) and their metadata merged.
    """
    ordered = rows if in_id_order else sorted(rows, key=itemgetter(0))
    inserted = bulk_insert(conn, "kl_test_samples", ("id", "key", "metadata"), ordered, ignore_conflicts=True,
                           constants={"workflow_id": workflow_id})
    if inserted == len(rows):
        return
    given = {sample_id: (key, metadata) for sample_id, key, metadata in rows}
    updates = []
    for sample_id, stored_workflow, stored_key, stored_metadata in _rows(conn, list(given)):
        key, metadata = given[sample_id]
        if stored_key != key or stored_workflow != workflow_id:
            raise StoreError(f"sample id collision between {key} and {stored_key}: nothing was written")
        if metadata != "{}" and metadata != stored_metadata:
            merged = json.dumps({**json.loads(stored_metadata), **json.loads(metadata)}, separators=(",", ":"))
            if merged != stored_metadata:
                updates.append((merged, sample_id))
    if updates:
        bump_samples_revision(conn, workflow_id)
    executemany(conn, "UPDATE kl_test_samples SET metadata = ? WHERE id = ?", updates)


def _rows(conn: Connection, sample_ids: List[int]) -> Iterable[Tuple[int, int, str, str]]:
    for chunk in chunks(sample_ids):
        marks = ", ".join("?" * len(chunk))
        yield from run(conn, f"SELECT id, workflow_id, key, metadata FROM kl_test_samples WHERE id IN ({marks})", chunk)


def load(conn: Connection, sample_ids: Iterable[int]) -> Dict[int, Tuple[str, str]]:
    """``{sample_id: (key JSON, metadata JSON)}`` for the given ids."""
    return {sid: (key, metadata) for sid, _, key, metadata in _rows(conn, list(sample_ids))}
