"""Test runs and their metrics per sample, per test case (with plots) and per suite, keyed by configuration."""
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy.engine import Connection

from kolena_lab.store._sql import bulk_insert, chunks, fetch_all, run

SUITE_SCOPE = 0  # per-sample metrics computed once for a whole suite (function evaluators)


def upsert_run(conn: Connection, model_id: int, suite_id: int, evaluator: str, configurations: str,
               status: str, error: Optional[str] = None) -> None:
    """Create or update the test run keyed by (model, suite, evaluator display name)."""
    updated = run(
        conn,
        "UPDATE kl_test_runs SET configurations = ?, status = ?, error = ?, updated_at = CURRENT_TIMESTAMP "
        "WHERE model_id = ? AND suite_id = ? AND evaluator = ?",
        (configurations, status, error, model_id, suite_id, evaluator),
    ).rowcount
    if not updated:
        run(conn, "INSERT INTO kl_test_runs (model_id, suite_id, evaluator, configurations, status, error) "
                  "VALUES (?, ?, ?, ?, ?, ?)", (model_id, suite_id, evaluator, configurations, status, error))


def get_run(conn: Connection, model_id: int, suite_id: int, evaluator: str) -> Optional[Tuple[str, str, Optional[str]]]:
    """``(configurations JSON, status, error)`` of a test run, or None."""
    row = run(conn, "SELECT configurations, status, error FROM kl_test_runs "
                    "WHERE model_id = ? AND suite_id = ? AND evaluator = ?", (model_id, suite_id, evaluator)).first()
    return tuple(row) if row else None  # type: ignore[return-value]


def list_runs(conn: Connection, model_id: Optional[int] = None) -> List[tuple]:
    """``(model, suite, evaluator, configurations JSON, status, error, updated_at)`` rows."""
    sql = ("SELECT m.name, s.name, r.evaluator, r.configurations, r.status, r.error, r.updated_at "
           "FROM kl_test_runs r JOIN kl_models m ON m.id = r.model_id JOIN kl_test_suites s ON s.id = r.suite_id")
    if model_id is None:
        return [tuple(r) for r in run(conn, sql + " ORDER BY r.id")]
    return [tuple(r) for r in run(conn, sql + " WHERE r.model_id = ? ORDER BY r.id", (model_id,))]


def put_sample_metrics(conn: Connection, model_id: int, evaluator: str, configuration: str, scope: int,
                       rows: Sequence[Tuple[int, str]]) -> None:
    """Replace per-sample metrics ``(sample_id, JSON)`` of one scope (a test case version, or the suite).

    The suite scope is shared by every suite the samples belong to, so there only the given samples' rows go.
    """
    delete = ("DELETE FROM kl_sample_metrics WHERE model_id = ? AND evaluator = ? AND configuration = ? "
              "AND test_case_version_id = ?")
    if scope != SUITE_SCOPE:
        run(conn, delete, (model_id, evaluator, configuration, scope))
    else:
        for chunk in chunks([sample_id for sample_id, _ in rows]):
            run(conn, f"{delete} AND sample_id IN ({', '.join('?' * len(chunk))})",
                (model_id, evaluator, configuration, scope, *chunk))
    bulk_insert(conn, "kl_sample_metrics",
                ("model_id", "evaluator", "configuration", "test_case_version_id", "sample_id", "data"),
                [(model_id, evaluator, configuration, scope, sid, data) for sid, data in rows])


def put_case_metrics(conn: Connection, model_id: int, evaluator: str, configuration: str, test_case_version_id: int,
                     data: str, plots: str) -> None:
    """Replace one test case version's metrics and plots."""
    run(conn, "DELETE FROM kl_case_metrics WHERE model_id = ? AND evaluator = ? AND configuration = ? "
              "AND test_case_version_id = ?", (model_id, evaluator, configuration, test_case_version_id))
    run(conn, "INSERT INTO kl_case_metrics (model_id, evaluator, configuration, test_case_version_id, data, plots) "
              "VALUES (?, ?, ?, ?, ?, ?)", (model_id, evaluator, configuration, test_case_version_id, data, plots))


def put_suite_metrics(conn: Connection, model_id: int, evaluator: str, configuration: str, suite_version_id: int,
                      data: str) -> None:
    """Replace one suite version's metrics."""
    run(conn, "DELETE FROM kl_suite_metrics WHERE model_id = ? AND evaluator = ? AND configuration = ? "
              "AND suite_version_id = ?", (model_id, evaluator, configuration, suite_version_id))
    run(conn, "INSERT INTO kl_suite_metrics (model_id, evaluator, configuration, suite_version_id, data) "
              "VALUES (?, ?, ?, ?, ?)", (model_id, evaluator, configuration, suite_version_id, data))


def case_metrics(conn: Connection, model_id: int, test_case_version_ids: Sequence[int],
                 evaluator: Optional[str] = None) -> List[Tuple[int, str, str, str, str]]:
    """``(test case version id, evaluator, configuration, metrics JSON, plots JSON)`` rows."""
    if not test_case_version_ids:
        return []
    marks = ", ".join("?" * len(test_case_version_ids))
    sql = (f"SELECT test_case_version_id, evaluator, configuration, data, plots FROM kl_case_metrics "
           f"WHERE model_id = ? AND test_case_version_id IN ({marks})")
    params: list = [model_id, *test_case_version_ids]
    if evaluator is not None:
        sql += " AND evaluator = ?"
        params.append(evaluator)
    return [tuple(r) for r in run(conn, sql + " ORDER BY evaluator, configuration", params)]


def sample_metrics(conn: Connection, model_id: int, test_case_version_id: int,
                   evaluator: Optional[str] = None) -> List[Tuple[int, str, str, str]]:
    """``(sample_id, evaluator, configuration, metrics JSON)`` for a version's members in order (own scope first).

    One query per (evaluator, configuration) of the model, each walking the members and seeking the primary key,
    so the cost follows the test case's size, not the model's stored metrics.
    """
    out = []
    for ev, conf in _metric_configurations(conn, model_id, evaluator):
        best: Dict[int, Tuple[int, int, str]] = {}
        for position, sid, data, scope in fetch_all(
            conn,
            # CROSS JOIN keeps the members the outer loop in SQLite (each a primary-key seek of its metrics); without
            # statistics its planner may loop over the metrics and scan the members for each: quadratic
            "SELECT m.position, m.sample_id, x.data, x.test_case_version_id FROM kl_test_case_members m "
            "CROSS JOIN kl_sample_metrics x WHERE m.version_id = ? AND x.model_id = ? AND x.evaluator = ? "
            "AND x.configuration = ? AND x.test_case_version_id IN (?, ?) AND x.sample_id = m.sample_id",
            (test_case_version_id, model_id, ev, conf, test_case_version_id, SUITE_SCOPE),
        ):
            if sid not in best or scope != SUITE_SCOPE:
                best[sid] = (position, sid, data)
        out += [(position, sid, ev, conf, data) for position, sid, data in best.values()]
    out.sort(key=lambda r: r[0])  # stable: configurations stay in order within a sample
    return [row[1:] for row in out]


def _metric_configurations(conn: Connection, model_id: int, evaluator: Optional[str]) -> List[Tuple[str, str]]:
    """The (evaluator, configuration) pairs with per-sample metrics of a model, by seeks on the primary key."""
    pairs: List[Tuple[str, str]] = []
    where, params = "model_id = ?", [model_id]
    if evaluator is not None:
        where, params = where + " AND evaluator = ?", params + [evaluator]
    while True:
        after = " AND (evaluator > ? OR (evaluator = ? AND configuration > ?))" if pairs else ""
        last = [pairs[-1][0], pairs[-1][0], pairs[-1][1]] if pairs else []
        row = fetch_all(conn, f"SELECT evaluator, configuration FROM kl_sample_metrics WHERE {where}{after} "
                              "ORDER BY evaluator, configuration LIMIT 1", params + last)
        if not row:
            return pairs
        pairs.append(tuple(row[0]))  # type: ignore[arg-type]


def suite_metrics(conn: Connection, model_id: int, suite_version_id: int,
                  evaluator: Optional[str] = None) -> List[Tuple[str, str, str]]:
    """``(evaluator, configuration, metrics JSON)`` rows of a suite version."""
    sql = "SELECT evaluator, configuration, data FROM kl_suite_metrics WHERE model_id = ? AND suite_version_id = ?"
    params: list = [model_id, suite_version_id]
    if evaluator is not None:
        sql += " AND evaluator = ?"
        params.append(evaluator)
    return [tuple(r) for r in run(conn, sql + " ORDER BY evaluator, configuration", params)]
