"""Test suites: named, versioned lists of test cases."""
import json
import warnings
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Set

from kolena_lab import store
from kolena_lab.errors import InputValidationError, NameConflictError, NotFoundError, WorkflowMismatchError, shown
from kolena_lab.workflow import catalog
from kolena_lab.workflow._bound import WorkflowBound, bind
from kolena_lab.workflow._versioning import write_test_suite_version
from kolena_lab.workflow.test_case import TestCase
from kolena_lab.workflow.workflow import check_name


class TestSuite(WorkflowBound, abstract=True):
    """A named list of test cases; membership changes make a new version, description and tags do not.

    The constructor loads the suite if it exists and creates it otherwise.
    """

    __test__ = False
    _kind = "test suite"

    name: str
    version: int
    description: str
    test_cases: List[TestCase]
    tags: Set[str]

    def __init__(
        self,
        name: str,
        version: Optional[int] = None,
        description: Optional[str] = None,
        test_cases: Optional[List[TestCase]] = None,
        reset: bool = False,
        tags: Optional[Set[str]] = None,
    ):
        name = check_name(name, "test suite name")
        with self._store().read() as conn:
            row = store.test_suites.get(conn, name)
        if row is None:
            if version is not None:
                raise NotFoundError(f"test suite '{name}' does not exist, so version {version} cannot be loaded")
            self._create(name, description, test_cases, tags)
            return
        self._check_workflow(name, row.workflow)
        self._load(name, version)
        if test_cases is not None and self.version > 0 and not reset:
            warnings.warn(
                f"test suite '{name}' already has test cases (version {self.version}); the given test cases were "
                "ignored. Pass reset=True to replace them.",
                stacklevel=2,
            )
            test_cases = None
        if test_cases is not None or (description is not None and description != self.description) or (
            tags is not None and set(tags) != self.tags
        ):
            with self.edit(reset=test_cases is not None) as editor:
                if description is not None:
                    editor.description(description)
                for test_case in test_cases or []:
                    editor.add(test_case)
                if tags is not None:
                    editor.tags = set(tags)

    @classmethod
    def create(
        cls,
        name: str,
        description: Optional[str] = None,
        test_cases: Optional[List[TestCase]] = None,
        tags: Optional[Set[str]] = None,
    ) -> "TestSuite":
        """Create a new suite; an existing name raises ``NameConflictError``."""
        obj = cls.__new__(cls)
        obj._create(check_name(name, "test suite name"), description, test_cases, tags)
        return obj

    @classmethod
    def load(cls, name: str, version: Optional[int] = None) -> "TestSuite":
        """Load a suite (its latest version unless one is given)."""
        obj = cls.__new__(cls)
        obj._load(check_name(name, "test suite name"), version)
        return obj

    @classmethod
    def list(cls, tags: Optional[Set[str]] = None) -> List["TestSuite"]:
        """The latest version of every suite of this workflow holding all the given tags, by name."""
        return [cls.load(info.name) for info in catalog.list_test_suites(cls.workflow.name, tags)]

    @classmethod
    def load_all(cls, tags: Optional[Set[str]] = None) -> List["TestSuite"]:
        """Kolena's name for :meth:`list`."""
        return cls.list(tags)

    def _create(self, name: str, description: Optional[str], test_cases: Optional[List[TestCase]],
                tags: Optional[Set[str]]) -> None:
        by_name: Dict[str, int] = {}
        for test_case in test_cases or []:
            version_id = self._test_case_version_id(test_case)
            by_name.pop(test_case.name, None)
            by_name[test_case.name] = version_id
        version_ids = list(by_name.values())
        with self._store().transaction() as conn:
            if store.test_suites.get(conn, name) is not None:
                raise NameConflictError(f"test suite '{name}' already exists")
            suite_id = store.test_suites.create(conn, self.workflow._register(conn), name, description or "",
                                                json.dumps(sorted(tags or ())))
            if version_ids:
                write_test_suite_version(conn, suite_id, 1, version_ids, None)
        self._load(name, None)

    def _load(self, name: str, version: Optional[int]) -> None:
        with self._store().read() as conn:
            row = store.test_suites.get(conn, name)
            if row is None:
                raise NotFoundError(f"test suite '{name}' does not exist")
            self._check_workflow(name, row.workflow)
            version = row.latest_version if version is None else version
            version_id = store.test_suites.version_id(conn, row.id, version)
            if version_id is None:
                raise NotFoundError(f"test suite '{name}' has no version {version} (latest: {row.latest_version})")
            members = store.test_suites.members(conn, version_id)
        test_case_type = bind(TestCase, self.workflow)
        test_cases = [test_case_type.load(tc_name, tc_version) for _, tc_name, tc_version in members]
        self._set(name=row.name, version=version, description=row.description, tags=set(json.loads(row.tags)),
                  test_cases=test_cases, _id=row.id, _version_id=version_id, _frozen=True)

    def _test_case_version_id(self, test_case: TestCase) -> int:
        if not isinstance(test_case, TestCase):
            raise InputValidationError(f"a test suite holds TestCase objects, got {type(test_case).__name__} "
                                       f"{shown(test_case)}")
        if test_case.workflow.name != self.workflow.name:
            raise WorkflowMismatchError(
                f"test case '{test_case.name}' belongs to workflow '{test_case.workflow.name}', "
                f"not '{self.workflow.name}'",
            )
        return test_case._version_id

    @contextmanager
    def edit(self, reset: bool = False) -> Iterator["TestSuite.Editor"]:
        """Edit the suite; on leaving the block a new version is committed if its test cases changed."""
        editor = TestSuite.Editor(self, reset)
        yield editor
        with self._store().transaction() as conn:
            row = store.test_suites.get(conn, self.name)
            assert row is not None
            latest = store.test_suites.version_id(conn, row.id, row.latest_version)
            old = [tcv for tcv, _, _ in store.test_suites.members(conn, latest)]  # type: ignore[arg-type]
            new = list(editor._test_cases.values())
            if new != old:
                write_test_suite_version(conn, row.id, row.latest_version + 1, new, latest)
            tags = json.dumps(sorted(editor.tags))
            if editor._description != row.description or tags != row.tags:
                store.test_suites.update(conn, row.id, editor._description, tags)
        self._load(self.name, None)

    class Editor:
        """Collects edits of a suite; committed when the ``edit()`` block ends. ``tags`` is a mutable set."""

        def __init__(self, suite: "TestSuite", reset: bool):
            self._suite = suite
            self._description = suite.description
            self._test_cases: Dict[str, int] = {} if reset else {
                tc.name: tc._version_id for tc in suite._latest_test_cases()
            }
            self.tags: Set[str] = set(suite.tags)

        def description(self, description: str) -> None:
            """Set a new description (no new version)."""
            self._description = description

        def add(self, test_case: TestCase) -> None:
            """Add a test case, replacing one of the same name (e.g. an older version of it)."""
            version_id = self._suite._test_case_version_id(test_case)
            self._test_cases.pop(test_case.name, None)
            self._test_cases[test_case.name] = version_id

        def remove(self, test_case: TestCase) -> None:
            """Remove the test case of that name (no-op when absent)."""
            self._test_cases.pop(test_case.name, None)

    def _latest_test_cases(self) -> List[TestCase]:
        with self._store().read() as conn:
            row = store.test_suites.get(conn, self.name)
        if row is None or row.latest_version == self.version:
            return self.test_cases
        return type(self).load(self.name).test_cases


__all__ = ["TestSuite"]
