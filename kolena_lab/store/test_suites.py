"""Test suites and their versions: which test case versions each holds, in order."""
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

from sqlalchemy.engine import Connection

from kolena_lab.store._sql import executemany, insert_named, run
from kolena_lab.store.checks import check_name, check_tags, check_text


class TestSuiteRow(NamedTuple):
    __test__ = False

    id: int
    name: str
    workflow: str
    description: str
    tags: str
    latest_version: int


class TestSuiteVersionRow(NamedTuple):
    __test__ = False

    id: int
    suite_id: int
    name: str
    workflow: str
    version: int
    latest_version: int


_SELECT = (
    "SELECT s.id, s.name, w.name, s.description, s.tags, s.latest_version FROM kl_test_suites s "
    "JOIN kl_workflows w ON w.id = s.workflow_id"
)


def get(conn: Connection, name: str) -> Optional[TestSuiteRow]:
    """The named suite, or None."""
    row = run(conn, f"{_SELECT} WHERE s.name = ?", (name,)).first()
    return TestSuiteRow(*row) if row else None


def list_all(conn: Connection, workflow: Optional[str] = None) -> List[TestSuiteRow]:
    """Every suite (of one workflow, if given), by name."""
    if workflow is None:
        return [TestSuiteRow(*r) for r in run(conn, f"{_SELECT} ORDER BY s.name")]
    return [TestSuiteRow(*r) for r in run(conn, f"{_SELECT} WHERE w.name = ? ORDER BY s.name", (workflow,))]


def latest_sizes(conn: Connection) -> Dict[int, int]:
    """The number of test cases of every suite's latest version, by suite id."""
    sql = ("SELECT s.id, (SELECT COUNT(*) FROM kl_test_suite_members m WHERE m.suite_version_id = v.id) "
           "FROM kl_test_suites s JOIN kl_test_suite_versions v ON v.suite_id = s.id AND v.version = s.latest_version")
    return {suite_id: n for suite_id, n in run(conn, sql)}


def versions(conn: Connection, suite_id: int) -> List[Tuple[int, int, Any]]:
    """``(version id, version, created at)`` of every version of a suite, oldest first."""
    return [tuple(r) for r in run(conn, "SELECT id, version, created_at FROM kl_test_suite_versions "
                                        "WHERE suite_id = ? ORDER BY version", (suite_id,))]


_SELECT_VERSION = (
    "SELECT v.id, s.id, s.name, w.name, v.version, s.latest_version FROM kl_test_suite_versions v "
    "JOIN kl_test_suites s ON s.id = v.suite_id JOIN kl_workflows w ON w.id = s.workflow_id"
)


def create(conn: Connection, workflow_id: int, name: str, description: str, tags: str) -> int:
    """A new suite at version 0; returns its id."""
    name = check_name(name, "test suite name")
    _check(name, description, tags)
    insert_named(conn, "test suite", name, "INSERT INTO kl_test_suites (workflow_id, name, description, tags, "
                 "latest_version) VALUES (?, ?, ?, ?, 0)", (workflow_id, name, description, tags))
    suite_id = run(conn, "SELECT id FROM kl_test_suites WHERE name = ?", (name,)).scalar_one()
    add_version(conn, suite_id, 0, [])
    return suite_id


def update(conn: Connection, suite_id: int, description: str, tags: str) -> None:
    """Change description and tags; no new version."""
    _check(run(conn, "SELECT name FROM kl_test_suites WHERE id = ?", (suite_id,)).scalar(), description, tags)
    run(conn, "UPDATE kl_test_suites SET description = ?, tags = ? WHERE id = ?", (description, tags, suite_id))


def _check(name: str, description: str, tags: str) -> None:
    check_text(description, f"description of test suite {name!r}")
    check_tags(tags, f"test suite {name!r}")


def version_id(conn: Connection, suite_id: int, version: int) -> Optional[int]:
    """The id of one version, or None."""
    return run(conn, "SELECT id FROM kl_test_suite_versions WHERE suite_id = ? AND version = ?",
               (suite_id, version)).scalar()


def add_version(conn: Connection, suite_id: int, version: int, test_case_version_ids: Sequence[int]) -> int:
    """Record a new version holding these test case versions, in order; returns its id."""
    run(conn, "INSERT INTO kl_test_suite_versions (suite_id, version) VALUES (?, ?)", (suite_id, version))
    run(conn, "UPDATE kl_test_suites SET latest_version = ? WHERE id = ?", (version, suite_id))
    vid = version_id(conn, suite_id, version)
    executemany(conn, "INSERT INTO kl_test_suite_members (suite_version_id, position, test_case_version_id) "
                      "VALUES (?, ?, ?)", [(vid, i, tcv) for i, tcv in enumerate(test_case_version_ids)])
    return vid  # type: ignore[return-value]


def members(conn: Connection, suite_version_id: int) -> List[Tuple[int, str, int]]:
    """``(test case version id, test case name, version)`` of a suite version's test cases, in order."""
    return [tuple(r) for r in run(
        conn,
        "SELECT m.test_case_version_id, c.name, v.version FROM kl_test_suite_members m "
        "JOIN kl_test_case_versions v ON v.id = m.test_case_version_id "
        "JOIN kl_test_cases c ON c.id = v.test_case_id WHERE m.suite_version_id = ? ORDER BY m.position",
        (suite_version_id,),
    )]


def version_row(conn: Connection, suite_version_id: int) -> TestSuiteVersionRow:
    """One suite version with its suite's name, workflow and latest version."""
    return TestSuiteVersionRow(*run(conn, f"{_SELECT_VERSION} WHERE v.id = ?", (suite_version_id,)).one())


def versions_holding(conn: Connection, test_case_id: int) -> List[TestSuiteVersionRow]:
    """Every suite version holding some version of the test case, by id."""
    return [TestSuiteVersionRow(*r) for r in run(
        conn,
        f"{_SELECT_VERSION} WHERE v.id IN (SELECT m.suite_version_id FROM kl_test_suite_members m "
        "JOIN kl_test_case_versions c ON c.id = m.test_case_version_id WHERE c.test_case_id = ?) ORDER BY v.id",
        (test_case_id,),
    )]
