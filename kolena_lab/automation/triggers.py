"""The trigger policy: which evaluation jobs a new test case or suite version queues, in the transaction writing it.

A new test case version is evaluated in every suite whose latest version holds that test case; a new suite version
on its new or changed test cases (all of them for a new suite). Each such suite version gets a job for every model of
the workflow with inferences on it and every evaluator registered for the workflow, and the job's reason names the
version that triggered it. Registered with ``kolena_lab.workflow.hooks`` when ``kolena_lab.automation`` is imported.
"""
from typing import List, Optional

from sqlalchemy.engine import Connection

from kolena_lab import store
from kolena_lab.store.test_suites import TestSuiteVersionRow
from kolena_lab.workflow import hooks


@hooks.on_test_case_version
def queue_for_test_case_version(conn: Connection, test_case_version_id: int) -> None:
    """Queue the evaluation of a new test case version in the latest version of every suite that holds the test
    case."""
    name, version = store.test_cases.version_info(conn, test_case_version_id)
    test_case = store.test_cases.get(conn, name)
    assert test_case is not None
    if not store.evaluators.list_all(conn, test_case.workflow):
        return
    reason = f"test case '{name}' version {version}"
    for suite in store.test_suites.versions_holding(conn, test_case.id):
        if suite.version == suite.latest_version:
            _queue(conn, suite, [test_case_version_id], reason)


@hooks.on_test_suite_version
def queue_for_suite_version(conn: Connection, suite_version_id: int, previous_version_id: Optional[int]) -> None:
    """Queue the evaluation of a new suite version's new or changed test cases (the whole suite version when every
    test case is new)."""
    new = [test_case_version for test_case_version, _, _ in store.test_suites.members(conn, suite_version_id)]
    old = set() if previous_version_id is None else {
        test_case_version for test_case_version, _, _ in store.test_suites.members(conn, previous_version_id)}
    scope = [v for v in new if v not in old]
    if not scope:
        return
    suite = store.test_suites.version_row(conn, suite_version_id)
    _queue(conn, suite, None if len(scope) == len(new) else scope, f"test suite '{suite.name}' version {suite.version}")


def _queue(conn: Connection, suite: TestSuiteVersionRow, scope: Optional[List[int]], reason: str) -> None:
    evaluator_ids = sorted(e.id for e in store.evaluators.list_all(conn, suite.workflow))
    if not evaluator_ids:
        return
    for model_id in store.models.with_inferences_on(conn, suite.id):
        for evaluator_id in evaluator_ids:
            store.jobs.put(conn, model_id, suite.suite_id, suite.id, evaluator_id, scope, reason)


__all__ = ["queue_for_suite_version", "queue_for_test_case_version"]
