"""Test cases and their versions: each version's membership, order and ground truths."""
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

from sqlalchemy.engine import Connection

from kolena_lab.store._sql import bulk_insert, fetch_all, insert_named, run
from kolena_lab.store.checks import check_name, check_text


class TestCaseRow(NamedTuple):
    __test__ = False

    id: int
    name: str
    workflow: str
    description: str
    latest_version: int


_SELECT = (
    "SELECT c.id, c.name, w.name, c.description, c.latest_version FROM kl_test_cases c "
    "JOIN kl_workflows w ON w.id = c.workflow_id"
)


def get(conn: Connection, name: str) -> Optional[TestCaseRow]:
    """The named test case, or None."""
    row = run(conn, f"{_SELECT} WHERE c.name = ?", (name,)).first()
    return TestCaseRow(*row) if row else None


def list_all(conn: Connection, workflow: Optional[str] = None) -> List[TestCaseRow]:
    """Every test case (of one workflow, if given), by name."""
    if workflow is None:
        return [TestCaseRow(*r) for r in run(conn, f"{_SELECT} ORDER BY c.name")]
    return [TestCaseRow(*r) for r in run(conn, f"{_SELECT} WHERE w.name = ? ORDER BY c.name", (workflow,))]


def list_sized(conn: Connection, workflow: Optional[str] = None, offset: int = 0,
               limit: Optional[int] = None) -> List[Tuple[str, str, str, int, int]]:
    """``(name, workflow, description, latest version, its number of samples)`` of the test cases (of one workflow,
    if given), by name, from ``offset`` on (at most ``limit``): one query, read through the driver's cursor."""
    sql = ("SELECT c.name, w.name, c.description, c.latest_version, v.n_samples FROM kl_test_cases c "
           "JOIN kl_workflows w ON w.id = c.workflow_id "
           "JOIN kl_test_case_versions v ON v.test_case_id = c.id AND v.version = c.latest_version")
    params: List[Any] = []
    if workflow is not None:
        sql += " WHERE w.name = ?"
        params.append(workflow)
    sql += " ORDER BY c.name"
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    return fetch_all(conn, sql, params)


def count(conn: Connection, workflow: Optional[str] = None) -> int:
    """How many test cases there are (of one workflow, if given)."""
    if workflow is None:
        return run(conn, "SELECT COUNT(*) FROM kl_test_cases").scalar_one()
    return run(conn, "SELECT COUNT(*) FROM kl_test_cases c JOIN kl_workflows w ON w.id = c.workflow_id "
                     "WHERE w.name = ?", (workflow,)).scalar_one()


def latest_sizes(conn: Connection) -> Dict[int, int]:
    """The number of samples of every test case's latest version, by test case id."""
    sql = ("SELECT c.id, v.n_samples FROM kl_test_cases c "
           "JOIN kl_test_case_versions v ON v.test_case_id = c.id AND v.version = c.latest_version")
    return {test_case_id: n_samples for test_case_id, n_samples in run(conn, sql)}


def create(conn: Connection, workflow_id: int, name: str, description: str) -> int:
    """A new test case at version 0 (with an empty version-0 row); returns its id."""
    name = check_name(name, "test case name")
    check_text(description, f"description of test case {name!r}")
    insert_named(conn, "test case", name,
                 "INSERT INTO kl_test_cases (workflow_id, name, description, latest_version) VALUES (?, ?, ?, 0)",
                 (workflow_id, name, description))
    test_case_id = run(conn, "SELECT id FROM kl_test_cases WHERE name = ?", (name,)).scalar_one()
    add_version(conn, test_case_id, 0, 0)
    return test_case_id


def set_description(conn: Connection, test_case_id: int, description: str) -> None:
    """Change the description; no new version."""
    check_text(description, "test case description")
    run(conn, "UPDATE kl_test_cases SET description = ? WHERE id = ?", (description, test_case_id))


def version_id(conn: Connection, test_case_id: int, version: int) -> Optional[int]:
    """The id of one version, or None."""
    return run(conn, "SELECT id FROM kl_test_case_versions WHERE test_case_id = ? AND version = ?",
               (test_case_id, version)).scalar()


def version_info(conn: Connection, version_id_: int) -> Tuple[str, int]:
    """``(test case name, version)`` of a version id."""
    row = run(conn, "SELECT c.name, v.version FROM kl_test_case_versions v "
                    "JOIN kl_test_cases c ON c.id = v.test_case_id WHERE v.id = ?", (version_id_,)).one()
    return row[0], row[1]


def add_version(conn: Connection, test_case_id: int, version: int, n_samples: int) -> int:
    """Record a new version (members are inserted separately) and make it the latest; returns its id."""
    run(conn, "INSERT INTO kl_test_case_versions (test_case_id, version, n_samples) VALUES (?, ?, ?)",
        (test_case_id, version, n_samples))
    run(conn, "UPDATE kl_test_cases SET latest_version = ? WHERE id = ?", (version, test_case_id))
    return version_id(conn, test_case_id, version)  # type: ignore[return-value]


def insert_members(conn: Connection, version_id_: int, rows: Sequence[Tuple[int, int, Optional[str]]]) -> None:
    """Write ``(position, sample_id, ground truth JSON)`` rows of a version."""
    bulk_insert(conn, "kl_test_case_members", ("position", "sample_id", "ground_truth"), rows,
                constants={"version_id": version_id_})


def member_refs(conn: Connection, version_id_: int) -> List[Tuple[int, Optional[str]]]:
    """``(sample_id, ground truth JSON)`` of a version's members, in order."""
    return [tuple(r) for r in run(
        conn,
        "SELECT sample_id, ground_truth FROM kl_test_case_members WHERE version_id = ? ORDER BY position",
        (version_id_,),
    )]


def members(conn: Connection, version_id_: int,
            limit: Optional[int] = None) -> List[Tuple[int, str, str, Optional[str]]]:
    """``(sample_id, key JSON, metadata JSON, ground truth JSON)`` of a version's members (the first ``limit``), in
    order."""
    sql = ("SELECT m.sample_id, t.key, t.metadata, m.ground_truth FROM kl_test_case_members m "
           "JOIN kl_test_samples t ON t.id = m.sample_id WHERE m.version_id = ? ORDER BY m.position")
    if limit is None:
        return fetch_all(conn, sql, (version_id_,))
    return fetch_all(conn, f"{sql} LIMIT ?", (version_id_, int(limit)))


def versions(conn: Connection, test_case_id: int) -> List[Tuple[int, int, Any]]:
    """``(version, number of samples, created at)`` of every version, oldest first."""
    return [tuple(r) for r in run(conn, "SELECT version, n_samples, created_at FROM kl_test_case_versions "
                                        "WHERE test_case_id = ? ORDER BY version", (test_case_id,))]
