"""Models and their inferences per test sample."""
from typing import Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

from sqlalchemy.engine import Connection

from kolena_lab.store._sql import bulk_insert, chunks, insert_named, run
from kolena_lab.store.checks import check_json, check_name, check_tags


class ModelRow(NamedTuple):
    id: int
    name: str
    workflow: str
    metadata: str
    tags: str


_SELECT = "SELECT m.id, m.name, w.name, m.metadata, m.tags FROM kl_models m JOIN kl_workflows w ON w.id = m.workflow_id"


def get(conn: Connection, name: str) -> Optional[ModelRow]:
    """The named model, or None."""
    row = run(conn, f"{_SELECT} WHERE m.name = ?", (name,)).first()
    return ModelRow(*row) if row else None


def list_all(conn: Connection, workflow: Optional[str] = None) -> List[ModelRow]:
    """Every model (of one workflow, if given), by name."""
    if workflow is None:
        return [ModelRow(*r) for r in run(conn, f"{_SELECT} ORDER BY m.name")]
    return [ModelRow(*r) for r in run(conn, f"{_SELECT} WHERE w.name = ? ORDER BY m.name", (workflow,))]


def create(conn: Connection, workflow_id: int, name: str, metadata: str, tags: str) -> int:
    """A new model; returns its id."""
    name = check_name(name, "model name")
    _check(name, metadata, tags)
    insert_named(conn, "model", name, "INSERT INTO kl_models (workflow_id, name, metadata, tags) VALUES (?, ?, ?, ?)",
                 (workflow_id, name, metadata, tags))
    return run(conn, "SELECT id FROM kl_models WHERE name = ?", (name,)).scalar_one()


def update(conn: Connection, model_id: int, metadata: str, tags: str) -> None:
    """Replace a model's metadata and tags."""
    _check(run(conn, "SELECT name FROM kl_models WHERE id = ?", (model_id,)).scalar(), metadata, tags)
    run(conn, "UPDATE kl_models SET metadata = ?, tags = ? WHERE id = ?", (metadata, tags, model_id))


def _check(name: str, metadata: str, tags: str) -> None:
    check_json(metadata, f"metadata of model {name!r}")
    check_tags(tags, f"model {name!r}")


def inferred_ids(conn: Connection, model_id: int, sample_ids: Sequence[int]) -> Set[int]:
    """Which of these samples already have an inference from the model."""
    found: Set[int] = set()
    for chunk in chunks(list(sample_ids)):
        marks = ", ".join("?" * len(chunk))
        rows = run(conn, f"SELECT sample_id FROM kl_inferences WHERE model_id = ? AND sample_id IN ({marks})",
                   (model_id, *chunk))
        found.update(r[0] for r in rows)
    return found


def with_inferences_on(conn: Connection, suite_version_id: int) -> List[int]:
    """Ids of the models of the suite's workflow with an inference on some sample of the suite version, by id."""
    return run(
        conn,
        "SELECT m.id FROM kl_models m JOIN kl_test_suites s ON s.workflow_id = m.workflow_id "
        "JOIN kl_test_suite_versions v ON v.suite_id = s.id WHERE v.id = ? AND EXISTS (SELECT 1 "
        "FROM kl_test_suite_members sm JOIN kl_test_case_members c ON c.version_id = sm.test_case_version_id "
        "JOIN kl_inferences i ON i.model_id = m.id AND i.sample_id = c.sample_id WHERE sm.suite_version_id = v.id) "
        "ORDER BY m.id",
        (suite_version_id,),
    ).scalars().all()


def put_inferences(conn: Connection, model_id: int, rows: Sequence[Tuple[int, str]]) -> None:
    """Store ``(sample_id, inference JSON)`` rows, replacing earlier inferences of those samples."""
    ids = [sample_id for sample_id, _ in rows]
    for chunk in chunks(ids):
        marks = ", ".join("?" * len(chunk))
        run(conn, f"DELETE FROM kl_inferences WHERE model_id = ? AND sample_id IN ({marks})", (model_id, *chunk))
    bulk_insert(conn, "kl_inferences", ("model_id", "sample_id", "data"),
                [(model_id, sample_id, data) for sample_id, data in rows])


def inferences(conn: Connection, model_id: int, sample_ids: Sequence[int]) -> Dict[int, str]:
    """``{sample_id: inference JSON}`` for those of the samples the model has inferred."""
    out: Dict[int, str] = {}
    for chunk in chunks(list(sample_ids)):
        marks = ", ".join("?" * len(chunk))
        rows = run(conn, f"SELECT sample_id, data FROM kl_inferences WHERE model_id = ? AND sample_id IN ({marks})",
                   (model_id, *chunk))
        out.update((r[0], r[1]) for r in rows)
    return out
