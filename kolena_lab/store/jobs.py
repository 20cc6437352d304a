"""The evaluation job queue: queueing, claiming, heartbeats and outcomes.

A job evaluates one model on one suite version with one registered evaluator, optionally only some test case
versions. Queueing for a (model, suite version, evaluator) that already has a queued job widens that job instead.
At most one job per (model, suite, evaluator) runs at a time: the claim checks it, and a partial unique index on
the running rows enforces it.
"""
import json
import time
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

from sqlalchemy.engine import Connection

from kolena_lab.store._sql import chunks, run

QUEUED, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, CANCELLED = (
    "queued", "running", "succeeded", "failed", "timed_out", "cancelled")
FINISHED = (SUCCEEDED, FAILED, TIMED_OUT, CANCELLED)
_MAX_REASON = 500


class JobRow(NamedTuple):
    id: int
    evaluator_id: int
    workflow: str
    evaluator: str
    model: str
    test_suite: str
    test_suite_version: int
    test_cases: Optional[List[Tuple[str, int]]]  # (name, version) to evaluate; None: every test case of the suite
    reason: str
    status: str
    cancel_requested: bool
    worker: Optional[str]
    pid: Optional[int]
    queued_at: float
    started_at: Optional[float]
    heartbeat_at: Optional[float]
    finished_at: Optional[float]
    exit_code: Optional[int]
    error: Optional[str]
    stdout: Optional[str]  # None when listed without output
    stderr: Optional[str]


_SELECT = (
    "SELECT j.id, j.evaluator_id, w.name, e.name, m.name, s.name, sv.version, j.test_case_version_ids, j.reason, "
    "j.status, j.cancel_requested, j.worker, j.pid, j.queued_at, j.started_at, j.heartbeat_at, j.finished_at, "
    "j.exit_code, j.error, {output} FROM kl_jobs j "
    "JOIN kl_evaluators e ON e.id = j.evaluator_id JOIN kl_workflows w ON w.id = e.workflow_id "
    "JOIN kl_models m ON m.id = j.model_id JOIN kl_test_suites s ON s.id = j.suite_id "
    "JOIN kl_test_suite_versions sv ON sv.id = j.suite_version_id"
)


def queue(conn: Connection, model_id: int, suite_version_id: int, evaluator_ids: Sequence[int],
          reason: str) -> List[int]:
    """Queue the evaluation of a whole suite version for one model with these evaluators. Returns job ids."""
    suite_id = run(conn, "SELECT suite_id FROM kl_test_suite_versions WHERE id = ?", (suite_version_id,)).scalar_one()
    return [put(conn, model_id, suite_id, suite_version_id, evaluator_id, None, reason)
            for evaluator_id in evaluator_ids]


def put(conn: Connection, model_id: int, suite_id: int, suite_version_id: int, evaluator_id: int,
        scope: Optional[List[int]], reason: str) -> int:
    """Queue one job evaluating ``scope`` (test case version ids; None: the whole suite version), or widen the queued
    job of that (model, suite version, evaluator) with ``scope`` and ``reason``. Returns the job id."""
    waiting = run(conn, "SELECT id, test_case_version_ids, reason FROM kl_jobs WHERE status = ? AND model_id = ? "
                        "AND suite_id = ? AND suite_version_id = ? AND evaluator_id = ? ORDER BY id",
                  (QUEUED, model_id, suite_id, suite_version_id, evaluator_id)).first()
    if waiting is not None:
        job_id, queued_scope, queued_reason = waiting
        if queued_scope is None or scope is None:
            merged = None
        else:
            earlier = json.loads(queued_scope)
            merged = earlier + [v for v in scope if v not in earlier]
        if reason not in queued_reason.split("; ") and len(queued_reason) < _MAX_REASON:
            queued_reason = f"{queued_reason}; {reason}"
        run(conn, "UPDATE kl_jobs SET test_case_version_ids = ?, reason = ? WHERE id = ?",
            (_scope_json(merged), queued_reason, job_id))
        return job_id
    return run(conn, "INSERT INTO kl_jobs (evaluator_id, model_id, suite_id, suite_version_id, test_case_version_ids, "
                     "reason, status, cancel_requested, queued_at, stdout, stderr) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, '', '') RETURNING id",
               (evaluator_id, model_id, suite_id, suite_version_id, _scope_json(scope), reason, QUEUED,
                time.time())).scalar_one()


def _scope_json(scope: Optional[List[int]]) -> Optional[str]:
    return None if scope is None else json.dumps(scope)


def claim(conn: Connection, worker: str, job_ids: Optional[Sequence[int]] = None) -> Optional[int]:
    """Mark the oldest claimable queued job (of ``job_ids``, if given) running for ``worker``; its id, or None.

    A job is claimable when no job of the same (model, suite, evaluator) is running. On PostgreSQL the table is
    locked against concurrent writers for the claim, so two workers never both pass that check (SQLite's write
    transactions are serial already).
    """
    if conn.dialect.name == "postgresql":
        run(conn, "LOCK TABLE kl_jobs IN EXCLUSIVE MODE")
    sql = (f"SELECT j.id FROM kl_jobs j WHERE j.status = '{QUEUED}' AND NOT EXISTS (SELECT 1 FROM kl_jobs r "
           f"WHERE r.status = '{RUNNING}' AND r.model_id = j.model_id AND r.suite_id = j.suite_id "
           "AND r.evaluator_id = j.evaluator_id)")
    params: List[Any] = []
    if job_ids is not None:
        if not job_ids:
            return None
        sql += f" AND j.id IN ({', '.join('?' * len(job_ids))})"
        params.extend(job_ids)
    job_id = run(conn, sql + " ORDER BY j.id", params).scalar()
    if job_id is None:
        return None
    now = time.time()
    claimed = run(conn, "UPDATE kl_jobs SET status = ?, worker = ?, started_at = ?, heartbeat_at = ? "
                        "WHERE id = ? AND status = ?", (RUNNING, worker, now, now, job_id, QUEUED)).rowcount
    return job_id if claimed else None


def set_pid(conn: Connection, job_id: int, worker: str, pid: int) -> None:
    """Record the process running the job (so a later worker can stop it if this worker dies)."""
    run(conn, "UPDATE kl_jobs SET pid = ? WHERE id = ? AND worker = ?", (pid, job_id, worker))


def heartbeat(conn: Connection, job_id: int, worker: str, stdout: str, stderr: str) -> Optional[bool]:
    """Record that the worker is alive, with the output so far; whether cancellation was requested, or None when the
    job is no longer this worker's (e.g. it was marked failed meanwhile)."""
    updated = run(conn, "UPDATE kl_jobs SET heartbeat_at = ?, stdout = ?, stderr = ? "
                        "WHERE id = ? AND worker = ? AND status = ?",
                  (time.time(), stdout, stderr, job_id, worker, RUNNING)).rowcount
    if not updated:
        return None
    return bool(run(conn, "SELECT cancel_requested FROM kl_jobs WHERE id = ?", (job_id,)).scalar_one())


def finish(conn: Connection, job_id: int, worker: str, status: str, exit_code: Optional[int], stdout: str,
           stderr: str, error: Optional[str]) -> bool:
    """Record the outcome of a job this worker runs; False when the job is no longer this worker's."""
    return bool(run(
        conn,
        "UPDATE kl_jobs SET status = ?, finished_at = ?, exit_code = ?, stdout = ?, stderr = ?, error = ? "
        "WHERE id = ? AND worker = ? AND status = ?",
        (status, time.time(), exit_code, stdout, stderr, error, job_id, worker, RUNNING),
    ).rowcount)


def running(conn: Connection) -> List[Tuple[int, str, Optional[int], float]]:
    """``(id, worker, pid, heartbeat_at)`` of every running job."""
    return [tuple(r) for r in run(conn, "SELECT id, worker, pid, heartbeat_at FROM kl_jobs WHERE status = ? "
                                        "ORDER BY id", (RUNNING,))]


def fail_abandoned(conn: Connection, job_id: int, worker: str, error: str) -> bool:
    """Mark a running job whose worker is gone failed; False if it is no longer running for that worker."""
    return bool(run(conn, "UPDATE kl_jobs SET status = ?, finished_at = ?, error = ? "
                          "WHERE id = ? AND worker = ? AND status = ?",
                    (FAILED, time.time(), error, job_id, worker, RUNNING)).rowcount)


def cancel(conn: Connection, job_id: int) -> Optional[str]:
    """Cancel a queued job, or ask the worker of a running one to stop it; the job's status after that (a running
    job stays ``running`` until its worker stops it), or None if there is no such job."""
    status = run(conn, "SELECT status FROM kl_jobs WHERE id = ?", (job_id,)).scalar()
    if status == QUEUED:
        run(conn, "UPDATE kl_jobs SET status = ?, finished_at = ? WHERE id = ? AND status = ?",
            (CANCELLED, time.time(), job_id, QUEUED))
        return CANCELLED
    if status == RUNNING:
        run(conn, "UPDATE kl_jobs SET cancel_requested = 1 WHERE id = ?", (job_id,))
    return status


def get(conn: Connection, job_id: int) -> Optional[JobRow]:
    """One job with its output, or None."""
    rows = _rows(conn, _SELECT.format(output="j.stdout, j.stderr") + " WHERE j.id = ?", (job_id,))
    return rows[0] if rows else None


def list_jobs(conn: Connection, workflow: Optional[str] = None, model: Optional[str] = None,
              test_suite: Optional[str] = None, evaluator: Optional[str] = None,
              statuses: Optional[Sequence[str]] = None, ids: Optional[Sequence[int]] = None,
              limit: Optional[int] = None, offset: int = 0) -> List[JobRow]:
    """Jobs matching every filter given, newest first (after skipping ``offset``), without their output."""
    where, params = _filters(workflow, model, test_suite, evaluator, statuses, ids)
    sql = _SELECT.format(output="NULL, NULL") + where + " ORDER BY j.id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    elif offset:
        sql += f" LIMIT {-1 if conn.dialect.name == 'sqlite' else 'ALL'} OFFSET {int(offset)}"
    return _rows(conn, sql, params)


def count(conn: Connection, workflow: Optional[str] = None, model: Optional[str] = None,
          test_suite: Optional[str] = None, evaluator: Optional[str] = None,
          statuses: Optional[Sequence[str]] = None) -> int:
    """How many jobs match every filter given."""
    where, params = _filters(workflow, model, test_suite, evaluator, statuses, None)
    return run(conn, f"SELECT COUNT(*) FROM kl_jobs j{where}", params).scalar_one()


_BY_NAME = {
    "workflow": "j.evaluator_id IN (SELECT e.id FROM kl_evaluators e JOIN kl_workflows w ON w.id = e.workflow_id "
                "WHERE w.name = ?)",
    "model": "j.model_id IN (SELECT id FROM kl_models WHERE name = ?)",
    "test_suite": "j.suite_id IN (SELECT id FROM kl_test_suites WHERE name = ?)",
    "evaluator": "j.evaluator_id IN (SELECT id FROM kl_evaluators WHERE name = ?)",
}


def _filters(workflow: Optional[str], model: Optional[str], test_suite: Optional[str], evaluator: Optional[str],
             statuses: Optional[Sequence[str]], ids: Optional[Sequence[int]]) -> Tuple[str, List[Any]]:
    """The WHERE clause (empty, or starting with a space) and its parameters of the jobs matching every filter."""
    where: List[str] = []
    params: List[Any] = []
    for key, value in (("workflow", workflow), ("model", model), ("test_suite", test_suite),
                       ("evaluator", evaluator)):
        if value is not None:
            where.append(_BY_NAME[key])
            params.append(value)
    for column, values in (("j.status", statuses), ("j.id", ids)):
        if values is not None:
            where.append(f"{column} IN ({', '.join('?' * len(values))})" if values else "1 = 0")
            params.extend(values)
    return (" WHERE " + " AND ".join(where) if where else ""), params


def _rows(conn: Connection, sql: str, params: Sequence[Any]) -> List[JobRow]:
    raw = [list(r) for r in run(conn, sql, params)]
    scopes = {r[0]: json.loads(r[7]) if r[7] is not None else None for r in raw}
    names = _version_names(conn, sorted({v for scope in scopes.values() if scope for v in scope}))
    for r in raw:
        scope = scopes[r[0]]
        r[7] = None if scope is None else [names[v] for v in scope if v in names]
        r[10] = bool(r[10])
    return [JobRow(*r) for r in raw]


def _version_names(conn: Connection, version_ids: List[int]) -> Dict[int, Tuple[str, int]]:
    names: Dict[int, Tuple[str, int]] = {}
    for chunk in chunks(version_ids):
        rows = run(conn, f"SELECT v.id, c.name, v.version FROM kl_test_case_versions v JOIN kl_test_cases c "
                         f"ON c.id = v.test_case_id WHERE v.id IN ({', '.join('?' * len(chunk))})", chunk)
        names.update((r[0], (r[1], r[2])) for r in rows)
    return names
