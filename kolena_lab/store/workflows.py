"""Workflows: a name and the schema of its types."""
import json
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy.engine import Connection

from kolena_lab.errors import WorkflowMismatchError
from kolena_lab.store._sql import run
from kolena_lab.store.checks import check_name

_ROLES = ("test_sample", "ground_truth", "inference")


def get_or_create(conn: Connection, name: str, schema: str) -> int:
    """The workflow's id, creating the row (with its schema description) on first use.

    A stored workflow of that name must have the same types: other types would make its test cases unreadable, so
    they raise ``WorkflowMismatchError`` showing both. A schema stored before types carried their qualified class
    names is brought up to date when it agrees otherwise.
    """
    name = check_name(name, "workflow name")
    row = run(conn, "SELECT id, schema FROM kl_workflows WHERE name = ?", (name,)).first()
    if row is not None:
        if row[1] != schema:
            _check_same_types(name, json.loads(row[1]), json.loads(schema))
            run(conn, "UPDATE kl_workflows SET schema = ? WHERE id = ?", (schema, row[0]))
        return row[0]
    run(conn, "INSERT INTO kl_workflows (name, schema) VALUES (?, ?)", (name, schema))
    return run(conn, "SELECT id FROM kl_workflows WHERE name = ?", (name,)).scalar_one()


def _check_same_types(name: str, stored: Dict[str, Any], given: Dict[str, Any]) -> None:
    """Stored and given schemas describe the same types; a key the stored one lacks (an older format) is not
    compared."""
    differing = [role for role in _ROLES if _comparable(stored.get(role), given.get(role)) != stored.get(role)]
    if differing:
        lines = "; ".join(f"{role}: stored {describe(stored.get(role))}, given {describe(given.get(role))}"
                          for role in differing)
        raise WorkflowMismatchError(
            f"workflow '{name}' is stored with other types ({lines}): its test cases would no longer load, so "
            "nothing was written; define the new types under another workflow name (or use another store)",
        )


def _comparable(stored: Any, given: Any) -> Any:
    if not isinstance(stored, dict) or not isinstance(given, dict):
        return given
    return {key: value for key, value in given.items() if key in stored}


def describe(role_schema: Any) -> str:
    """One role of a workflow schema as ``Type(field: type, ...)``."""
    if not isinstance(role_schema, dict):
        return repr(role_schema)
    fields = ", ".join(f"{field}: {kind}" for field, kind in sorted(role_schema.get("fields", {}).items()))
    return f"{role_schema.get('class') or role_schema.get('type', '?')}({fields})"


def get(conn: Connection, name: str) -> Optional[Tuple[int, str]]:
    """``(id, schema JSON)`` of the named workflow, or None."""
    row = run(conn, "SELECT id, schema FROM kl_workflows WHERE name = ?", (name,)).first()
    return (row[0], row[1]) if row else None


def list_all(conn: Connection) -> List[Tuple[str, str]]:
    """``(name, schema JSON)`` of every workflow, by name."""
    return [tuple(r) for r in run(conn, "SELECT name, schema FROM kl_workflows ORDER BY name")]


def sizes(conn: Connection) -> Dict[str, Tuple[int, int, int]]:
    """``(test cases, test suites, models)`` of every workflow, by name."""
    sql = ("SELECT w.name, (SELECT COUNT(*) FROM kl_test_cases c WHERE c.workflow_id = w.id), "
           "(SELECT COUNT(*) FROM kl_test_suites s WHERE s.workflow_id = w.id), "
           "(SELECT COUNT(*) FROM kl_models m WHERE m.workflow_id = w.id) FROM kl_workflows w")
    return {name: (cases, suites, models) for name, cases, suites, models in run(conn, sql)}
