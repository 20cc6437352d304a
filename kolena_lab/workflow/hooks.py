"""Extension points: functions that run inside the transaction writing a new test case or suite version.

The core writes versions; other layers react without the core knowing them. ``kolena_lab.automation`` registers its
trigger policy here (queue evaluation jobs for the changed test cases), so a curation click, ``TestCase.edit()``,
``from_dataframe`` and the CLI all trigger evaluation the same way. A hook that raises rolls the version back.
"""
from typing import Callable, List, Optional

from sqlalchemy.engine import Connection

TestCaseVersionHook = Callable[[Connection, int], None]
"""``hook(conn, test_case_version_id)``: a test case version was written."""
TestSuiteVersionHook = Callable[[Connection, int, Optional[int]], None]
"""``hook(conn, suite_version_id, previous_suite_version_id)``: a suite version was written (previous None for the
first)."""

_TEST_CASE_HOOKS: List[TestCaseVersionHook] = []
_TEST_SUITE_HOOKS: List[TestSuiteVersionHook] = []


def on_test_case_version(hook: TestCaseVersionHook) -> TestCaseVersionHook:
    """Register ``hook`` (once) to run after each new test case version, in its transaction; usable as a decorator."""
    if hook not in _TEST_CASE_HOOKS:
        _TEST_CASE_HOOKS.append(hook)
    return hook


def on_test_suite_version(hook: TestSuiteVersionHook) -> TestSuiteVersionHook:
    """Register ``hook`` (once) to run after each new test suite version, in its transaction."""
    if hook not in _TEST_SUITE_HOOKS:
        _TEST_SUITE_HOOKS.append(hook)
    return hook


def test_case_version_written(conn: Connection, version_id: int) -> None:
    """Run the test case version hooks (called by the core's versioning)."""
    for hook in _TEST_CASE_HOOKS:
        hook(conn, version_id)


def test_suite_version_written(conn: Connection, version_id: int, previous_id: Optional[int]) -> None:
    """Run the test suite version hooks (called by the core's versioning)."""
    for hook in _TEST_SUITE_HOOKS:
        hook(conn, version_id, previous_id)


__all__ = ["on_test_case_version", "on_test_suite_version", "TestCaseVersionHook", "TestSuiteVersionHook"]
