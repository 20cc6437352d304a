"""Evaluators registered per workflow for automatic evaluation."""
from typing import Any, List, NamedTuple, Optional

from sqlalchemy.engine import Connection

from kolena_lab.store._sql import run
from kolena_lab.store.checks import check_json, check_name


class EvaluatorRow(NamedTuple):
    id: int
    workflow: str
    name: str
    kind: str
    target: str
    configurations: str
    secret: Optional[str]
    timeout: float
    working_dir: str
    created_at: Any


_SELECT = (
    "SELECT e.id, w.name, e.name, e.kind, e.target, e.configurations, e.secret, e.timeout, e.working_dir, "
    "e.created_at FROM kl_evaluators e JOIN kl_workflows w ON w.id = e.workflow_id"
)


def put(conn: Connection, workflow_id: int, name: str, kind: str, target: str, configurations: str,
        secret: Optional[str], timeout: float, working_dir: str) -> int:
    """Register an evaluator, replacing the definition of one of that name; returns its id."""
    name = check_name(name, "evaluator name")
    check_json(configurations, f"configurations of evaluator {name!r}")
    values = (kind, target, configurations, secret, timeout, working_dir)
    updated = run(conn, "UPDATE kl_evaluators SET kind = ?, target = ?, configurations = ?, secret = ?, timeout = ?, "
                        "working_dir = ? WHERE workflow_id = ? AND name = ?", (*values, workflow_id, name)).rowcount
    if not updated:
        run(conn, "INSERT INTO kl_evaluators (workflow_id, name, kind, target, configurations, secret, timeout, "
                  "working_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (workflow_id, name, *values))
    return run(conn, "SELECT id FROM kl_evaluators WHERE workflow_id = ? AND name = ?",
               (workflow_id, name)).scalar_one()


def get(conn: Connection, workflow: str, name: str) -> Optional[EvaluatorRow]:
    """The evaluator of that name registered for the workflow, or None."""
    row = run(conn, f"{_SELECT} WHERE w.name = ? AND e.name = ?", (workflow, name)).first()
    return EvaluatorRow(*row) if row else None


def list_all(conn: Connection, workflow: Optional[str] = None) -> List[EvaluatorRow]:
    """Every registered evaluator (of one workflow, if given), by workflow and name."""
    if workflow is None:
        return [EvaluatorRow(*r) for r in run(conn, f"{_SELECT} ORDER BY w.name, e.name")]
    return [EvaluatorRow(*r) for r in run(conn, f"{_SELECT} WHERE w.name = ? ORDER BY e.name", (workflow,))]
