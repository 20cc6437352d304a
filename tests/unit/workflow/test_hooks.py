"""Version hooks run inside the transaction that writes a test case or suite version: a hook that raises undoes it."""
from dataclasses import dataclass

import pytest

from kolena_lab.errors import NotFoundError
from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow, hooks


@dataclass(frozen=True)
class Label(GroundTruth):
    label: str


@dataclass(frozen=True)
class Prediction(Inference):
    label: str


workflow, TestCase, TestSuite, Model = define_workflow("Hooked Workflow", Image, Label, Prediction)


class Refused(Exception):
    pass


@pytest.fixture
def calls(monkeypatch):
    """The calls of a test case hook and a suite hook, registered only for the test."""
    monkeypatch.setattr(hooks, "_TEST_CASE_HOOKS", [])
    monkeypatch.setattr(hooks, "_TEST_SUITE_HOOKS", [])
    seen = []
    hooks.on_test_case_version(lambda conn, version_id: seen.append(("case", version_id)))
    hooks.on_test_suite_version(lambda conn, version_id, previous_id: seen.append(("suite", version_id, previous_id)))
    return seen


def _refuse(*_):
    raise Refused("no")


def _member(i: int):
    return Image(locator=f"/data/{i}.png"), Label("cat")


def test_hooks_see_each_new_version_once(sqlite_store, calls):
    hook = hooks.on_test_case_version(lambda conn, version_id: calls.append(("again", version_id)))
    assert hooks.on_test_case_version(hook) is hook
    case = TestCase("a", test_samples=[_member(0)])
    suite = TestSuite("s", test_cases=[case])
    case_v1, suite_v1 = case._version_id, suite._version_id
    with case.edit() as editor:
        editor.add(*_member(1))
    with suite.edit() as editor:
        editor.add(case)
    case_v2, suite_v2 = case._version_id, suite._version_id
    assert calls == [("case", case_v1), ("again", case_v1), ("suite", suite_v1, None), ("case", case_v2),
                     ("again", case_v2), ("suite", suite_v2, suite_v1)]


def test_a_test_case_hook_that_raises_rolls_the_version_back(sqlite_store, calls):
    hooks.on_test_case_version(_refuse)
    with pytest.raises(Refused):
        TestCase("a", test_samples=[_member(0)])
    with pytest.raises(NotFoundError):
        TestCase.load("a")

    hooks._TEST_CASE_HOOKS.remove(_refuse)
    case = TestCase("a", test_samples=[_member(0)])
    hooks.on_test_case_version(_refuse)
    with pytest.raises(Refused):
        with case.edit() as editor:
            editor.add(*_member(1))
    assert TestCase.load("a").version == 1 and len(TestCase.load("a").load_test_samples()) == 1


def test_a_test_suite_hook_that_raises_rolls_the_version_back(sqlite_store, calls):
    case = TestCase("a", test_samples=[_member(0)])
    other = TestCase("b", test_samples=[_member(1)])
    suite = TestSuite("s", test_cases=[case])
    hooks.on_test_suite_version(_refuse)
    with pytest.raises(Refused):
        with suite.edit() as editor:
            editor.add(other)
    assert [(tc.name, tc.version) for tc in TestSuite.load("s").test_cases] == [("a", 1)]
    assert TestSuite.load("s").version == 1
    with pytest.raises(Refused):
        TestSuite("t", test_cases=[case])
    with pytest.raises(NotFoundError):
        TestSuite.load("t")


def test_init_many_writes_each_version_through_the_hooks_and_a_refusal_undoes_all(sqlite_store, calls):
    existing = TestCase("existing", test_samples=[_member(0)])
    calls.clear()
    one, two, empty, again = TestCase.init_many(
        [("one", [_member(1)]), ("two", [_member(2)]), ("empty", []), ("existing", [_member(3)])], reset=True)
    assert calls == [("case", one._version_id), ("case", two._version_id), ("case", again._version_id)]
    assert again.version == existing.version + 1 and empty.version == 0
    hooks.on_test_case_version(_refuse)
    with pytest.raises(Refused):
        TestCase.init_many([("three", [_member(4)]), ("existing", [_member(5)])], reset=True)
    with pytest.raises(NotFoundError):
        TestCase.load("three")
    assert TestCase.load("existing").version == again.version
