"""What the store holds, by name: listing and describing workflows, test cases, suites and models, and the edits
made by name (the command line and the REST API, which have no Python types of the workflow at hand).

Everything here returns plain frozen records with ``to_dict()`` (JSON-ready, stable field names); the typed objects
come from ``TestCase.list()``, ``TestSuite.list()`` and ``Model.list()`` of a workflow's bound classes. Edits go
through the same versioning as ``TestCase.edit()`` and ``TestSuite.edit()``, so they trigger evaluation alike.
"""
import dataclasses
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import pandas as pd

from kolena_lab import store
from kolena_lab.errors import InputValidationError, NameConflictError, NotFoundError, WorkflowMismatchError
from kolena_lab.workflow import query
from kolena_lab.workflow._records import Record
from kolena_lab.workflow._versioning import Ref, write_test_case_version, write_test_suite_version
from kolena_lab.workflow.workflow import check_name


@dataclasses.dataclass(frozen=True)
class WorkflowInfo(Record):
    """A stored workflow: its name and the type names and fields of its test sample, ground truth and inference."""

    name: str
    test_sample: str
    ground_truth: str
    inference: str
    schema: Dict[str, Any]


@dataclasses.dataclass(frozen=True)
class VersionInfo(Record):
    """One version of a test case: its number, size and when it was written."""

    version: int
    n_samples: int
    created_at: Optional[datetime]


@dataclasses.dataclass(frozen=True)
class TestCaseInfo(Record):
    """A stored test case at its latest version."""

    __test__ = False

    name: str
    workflow: str
    description: str
    latest_version: int
    n_samples: int


@dataclasses.dataclass(frozen=True)
class TestSuiteInfo(Record):
    """A stored test suite at its latest version, with the test case versions it holds."""

    __test__ = False

    name: str
    workflow: str
    description: str
    tags: Tuple[str, ...]
    latest_version: int
    test_cases: Tuple[Tuple[str, int], ...]  # (test case name, version), in order


@dataclasses.dataclass(frozen=True)
class TestRunInfo(Record):
    """The latest run of one evaluator for a model on a suite."""

    __test__ = False

    model: str
    test_suite: str
    evaluator: str
    status: str
    error: Optional[str]
    updated_at: Optional[datetime]


@dataclasses.dataclass(frozen=True)
class ModelInfo(Record):
    """A stored model: metadata and tags."""

    name: str
    workflow: str
    metadata: Dict[str, Any]
    tags: Tuple[str, ...]


def store_info() -> Dict[str, Any]:
    """The store in use (its URL, passwords hidden) and how many objects of each kind it holds."""
    current = store.get_store()
    return {"store": current.display_url, **current.counts()}


def media_folder() -> Path:
    """Where media made for the store's samples are written (e.g. stress-test images): ``media/`` beside a SQLite
    file, else ``kolena_lab/media/<store id>`` in the user's cache (``XDG_CACHE_HOME`` or ``~/.cache``). The folder
    is created on first use."""
    current = store.get_store()
    database = current.database_path
    if database is not None:
        folder = database.parent / "media"
    else:
        with current.read() as conn:
            store_id = store.meta.store_id(conn) or ""
        store_id = store_id if re.fullmatch(r"[0-9a-f]{32}", store_id) else "default"  # never a path of its own
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = cache / "kolena_lab" / "media" / store_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def list_workflows() -> List[WorkflowInfo]:
    """Every stored workflow, by name."""
    with store.get_store().read() as conn:
        rows = store.workflows.list_all(conn)
    return [_workflow_info(name, schema) for name, schema in rows]


def workflow_info(name: str) -> WorkflowInfo:
    """The stored workflow of that name (``NotFoundError`` when there is none)."""
    with store.get_store().read() as conn:
        row = store.workflows.get(conn, name)
    if row is None:
        raise NotFoundError(f"workflow '{name}' does not exist")
    return _workflow_info(name, row[1])


def _workflow_info(name: str, schema_json: str) -> WorkflowInfo:
    schema = json.loads(schema_json)
    types = {role: schema.get(role, {}).get("type", "") for role in ("test_sample", "ground_truth", "inference")}
    return WorkflowInfo(name, schema=schema, **types)


def list_test_cases(workflow: Optional[str] = None) -> List[TestCaseInfo]:
    """Every test case (of one workflow, if given) at its latest version, by name."""
    with store.get_store().read() as conn:
        rows = store.test_cases.list_all(conn, workflow)
        sizes = store.test_cases.latest_sizes(conn)
    return [TestCaseInfo(r.name, r.workflow, r.description, r.latest_version, sizes.get(r.id, 0)) for r in rows]


def test_case_info(name: str) -> TestCaseInfo:
    """One test case at its latest version (``NotFoundError`` when there is none)."""
    with store.get_store().read() as conn:
        row = _test_case_row(conn, name)
        versions = store.test_cases.versions(conn, row.id)
    return TestCaseInfo(row.name, row.workflow, row.description, row.latest_version, versions[-1][1])


def test_case_versions(name: str) -> List[VersionInfo]:
    """Every version of a test case, oldest first (version 0 is the empty one it was created with)."""
    with store.get_store().read() as conn:
        row = _test_case_row(conn, name)
        return [VersionInfo(*v) for v in store.test_cases.versions(conn, row.id)]


def list_test_suites(workflow: Optional[str] = None, tags: Optional[Set[str]] = None) -> List[TestSuiteInfo]:
    """Every suite (of one workflow, holding all ``tags``, if given) at its latest version, by name."""
    wanted = set(tags or ())
    with store.get_store().read() as conn:
        rows = [r for r in store.test_suites.list_all(conn, workflow) if wanted <= set(json.loads(r.tags))]
        return [_suite_info(conn, r, r.latest_version) for r in rows]


def test_suite_info(name: str, version: Optional[int] = None) -> TestSuiteInfo:
    """One suite at a version (the latest by default), with its test cases."""
    with store.get_store().read() as conn:
        row = store.test_suites.get(conn, name)
        if row is None:
            raise NotFoundError(f"test suite '{name}' does not exist")
        return _suite_info(conn, row, row.latest_version if version is None else version)


def _suite_info(conn: Any, row: Any, version: int) -> TestSuiteInfo:
    version_id = store.test_suites.version_id(conn, row.id, version)
    if version_id is None:
        raise NotFoundError(f"test suite '{row.name}' has no version {version} (latest: {row.latest_version})")
    members = tuple((tc, v) for _, tc, v in store.test_suites.members(conn, version_id))
    return TestSuiteInfo(row.name, row.workflow, row.description, tuple(json.loads(row.tags)), version, members)


def list_models(workflow: Optional[str] = None, tags: Optional[Set[str]] = None) -> List[ModelInfo]:
    """Every model (of one workflow, holding all ``tags``, if given), by name."""
    wanted = set(tags or ())
    with store.get_store().read() as conn:
        rows = store.models.list_all(conn, workflow)
    infos = [_model_info(r) for r in rows]
    return [info for info in infos if wanted <= set(info.tags)]


def model_info(name: str) -> ModelInfo:
    """One model (``NotFoundError`` when there is none)."""
    with store.get_store().read() as conn:
        row = store.models.get(conn, name)
    if row is None:
        raise NotFoundError(f"model '{name}' does not exist")
    return _model_info(row)


def _model_info(row: Any) -> ModelInfo:
    return ModelInfo(row.name, row.workflow, json.loads(row.metadata), tuple(json.loads(row.tags)))


def list_test_runs(model: Optional[str] = None) -> List[TestRunInfo]:
    """The test runs (of one model, if given), oldest first."""
    with store.get_store().read() as conn:
        model_id = None
        if model is not None:
            row = store.models.get(conn, model)
            if row is None:
                raise NotFoundError(f"model '{model}' does not exist")
            model_id = row.id
        runs = store.results.list_runs(conn, model_id)
    return [TestRunInfo(m, s, evaluator, status, error, at) for m, s, evaluator, _, status, error, at in runs]


def edit_model_metadata(name: str, set_values: Optional[Dict[str, Any]] = None,
                        unset: Sequence[str] = ()) -> ModelInfo:
    """Set and remove keys of a stored model's metadata, in one transaction; the model after the edit."""
    with store.get_store().transaction() as conn:
        row = store.models.get(conn, name)
        if row is None:
            raise NotFoundError(f"model '{name}' does not exist")
        metadata = {k: v for k, v in json.loads(row.metadata).items() if k not in set(unset)}
        metadata.update(set_values or {})
        store.models.update(conn, row.id, json.dumps(metadata, sort_keys=True, default=str), row.tags)
    return model_info(name)


def samples_frame(test_case: str) -> pd.DataFrame:
    """The latest version of a test case as a DataFrame without its workflow's types: the sample's top-level fields
    and its metadata keys (the query engine's fields), one row per member, in order."""
    with store.get_store().read() as conn:
        row = _test_case_row(conn, test_case)
        version_id = store.test_cases.version_id(conn, row.id, row.latest_version)
        members = store.test_cases.members(conn, version_id)  # type: ignore[arg-type]
    return _frame([(json.loads(key), json.loads(metadata)) for _, key, metadata, _ in members])


def _frame(samples: Sequence[Tuple[Dict[str, Any], Dict[str, Any]]]) -> pd.DataFrame:
    records = [{**{k: v for k, v in key.items() if k != "data_type"}, **metadata} for key, metadata in samples]
    return pd.DataFrame.from_records(records) if records else pd.DataFrame()


def create_test_case_from(name: str, sources: Sequence[str], where: Optional[str] = None,
                          filters: Sequence[query.Filter] = (), description: str = "") -> TestCaseInfo:
    """A new test case of the samples (and ground truths) of existing test cases' latest versions that match a query
    over their fields and metadata (see ``kolena_lab.workflow.query``); each sample once, in the sources' order."""
    name = check_name(name, "test case name")
    if not sources:
        raise InputValidationError("give at least one test case to take samples from")
    with store.get_store().transaction() as conn:
        if store.test_cases.get(conn, name) is not None:
            raise NameConflictError(f"test case '{name}' already exists")
        members: Dict[int, Optional[str]] = {}
        samples: List[Tuple[Dict[str, Any], Dict[str, Any]]] = []
        workflows = set()
        for source in sources:
            row = _test_case_row(conn, source)
            workflows.add(row.workflow)
            version_id = store.test_cases.version_id(conn, row.id, row.latest_version)
            for sample_id, key, metadata, ground_truth in store.test_cases.members(conn, version_id):  # type: ignore
                if sample_id not in members:
                    members[sample_id] = ground_truth
                    samples.append((json.loads(key), json.loads(metadata)))
        if len(workflows) > 1:
            raise WorkflowMismatchError(f"the test cases belong to different workflows: {sorted(workflows)}")
        refs: List[Ref] = list(members.items())
        if where or filters:
            kept = query.select(_frame(samples).assign(_position=range(len(refs))), where, filters)
            refs = [refs[i] for i in kept["_position"]]
        if not refs:
            raise InputValidationError("no sample matches: nothing to create")
        workflow_id = store.workflows.get(conn, workflows.pop())[0]  # type: ignore[index]
        test_case_id = store.test_cases.create(conn, workflow_id, name, description)
        write_test_case_version(conn, workflow_id, test_case_id, 1, refs=refs)
    return test_case_info(name)


def edit_test_suite(name: str, add: Sequence[str] = (), remove: Sequence[str] = (),
                    description: Optional[str] = None) -> TestSuiteInfo:
    """Add test cases (their latest versions, replacing test cases of the same name) to a suite and remove others,
    by name: a new version when its test cases change; the description changes without one."""
    with store.get_store().transaction() as conn:
        row = store.test_suites.get(conn, name)
        if row is None:
            raise NotFoundError(f"test suite '{name}' does not exist")
        latest = store.test_suites.version_id(conn, row.id, row.latest_version)
        members = {tc_name: tcv for tcv, tc_name, _ in store.test_suites.members(conn, latest)}  # type: ignore
        old = list(members.values())
        for tc_name in add:
            test_case = _test_case_row(conn, tc_name)
            if test_case.workflow != row.workflow:
                raise WorkflowMismatchError(f"test case '{tc_name}' belongs to workflow '{test_case.workflow}', "
                                            f"not '{row.workflow}'")
            members.pop(tc_name, None)
            members[tc_name] = store.test_cases.version_id(conn, test_case.id, test_case.latest_version)
        for tc_name in remove:
            members.pop(tc_name, None)
        if list(members.values()) != old:
            write_test_suite_version(conn, row.id, row.latest_version + 1, list(members.values()), latest)
        if description is not None and description != row.description:
            store.test_suites.update(conn, row.id, description, row.tags)
    return test_suite_info(name)


def _test_case_row(conn: Any, name: str) -> Any:
    row = store.test_cases.get(conn, name)
    if row is None:
        raise NotFoundError(f"test case '{name}' does not exist")
    return row


__all__ = [
    "ModelInfo",
    "TestCaseInfo",
    "TestRunInfo",
    "TestSuiteInfo",
    "VersionInfo",
    "WorkflowInfo",
    "create_test_case_from",
    "edit_model_metadata",
    "edit_test_suite",
    "list_models",
    "list_test_cases",
    "list_test_runs",
    "list_test_suites",
    "list_workflows",
    "media_folder",
    "model_info",
    "samples_frame",
    "store_info",
    "test_case_info",
    "test_case_versions",
    "test_suite_info",
    "workflow_info",
]
