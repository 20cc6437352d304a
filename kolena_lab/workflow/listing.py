"""Paged, searchable listings of what the store holds and the details of one object, as records whose ``to_dict()``
is what the REST API answers (stable snake_case fields, no secret)."""
import dataclasses
import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import pandas as pd
from sqlalchemy.engine import make_url

from kolena_lab import store
from kolena_lab.errors import InputValidationError, NotFoundError, StoreError
from kolena_lab.workflow import query
from kolena_lab.workflow._records import Record, plain
from kolena_lab.workflow._secrets import redact
from kolena_lab.workflow.catalog import ModelInfo, TestCaseInfo, samples_frame

LOG_TAIL_BYTES = 65_536
JOB_STATUSES = (store.jobs.QUEUED, store.jobs.RUNNING, *store.jobs.FINISHED)


@dataclasses.dataclass(frozen=True)
class Page(Record):
    """One page of a listing: its items, how many match in all, and where the page starts."""

    items: Tuple[Any, ...]
    total: int
    offset: int
    limit: int

    def to_dict(self) -> Dict[str, Any]:
        """``{"items": [...], "total": n, "offset": o, "limit": l}``."""
        return {"items": [plain(item) for item in self.items], "total": self.total, "offset": self.offset,
                "limit": self.limit}


@dataclasses.dataclass(frozen=True)
class WorkflowSummary(Record):
    """A stored workflow: the type names of its test sample, ground truth and inference, and how many test cases,
    suites and models it has."""

    name: str
    test_sample_type: str
    ground_truth_type: str
    inference_type: str
    n_test_cases: int
    n_test_suites: int
    n_models: int


@dataclasses.dataclass(frozen=True)
class TestSuiteSummary(Record):
    """A stored test suite at its latest version."""

    __test__ = False

    name: str
    workflow: str
    latest_version: int
    n_test_cases: int
    tags: Tuple[str, ...]
    description: str


@dataclasses.dataclass(frozen=True)
class TestCaseRef(Record):
    """A test case version held by a suite version."""

    __test__ = False

    name: str
    version: int


@dataclasses.dataclass(frozen=True)
class TestSuiteVersion(Record):
    """One version of a suite: when it was written and its test case versions, in order."""

    __test__ = False

    version: int
    created: Optional[str]
    test_cases: Tuple[TestCaseRef, ...]


@dataclasses.dataclass(frozen=True)
class TestSuiteDetail(TestSuiteSummary):
    """A suite with every version, oldest first."""

    versions: Tuple[TestSuiteVersion, ...]


@dataclasses.dataclass(frozen=True)
class TestCaseVersion(Record):
    """One version of a test case: its size and when it was written."""

    __test__ = False

    version: int
    n_samples: int
    created: Optional[str]


@dataclasses.dataclass(frozen=True)
class FieldSummaryInfo(Record):
    """A field of a test case's samples: its kind (number, boolean, category, text), a number's range, a category's
    values with their counts."""

    field: str
    kind: str
    low: Optional[float]
    high: Optional[float]
    values: Tuple[Tuple[Any, int], ...]


@dataclasses.dataclass(frozen=True)
class TestCaseDetail(TestCaseInfo):
    """A test case with every version (oldest first) and a summary of its latest version's fields."""

    versions: Tuple[TestCaseVersion, ...]
    metadata_summary: Tuple[FieldSummaryInfo, ...]


@dataclasses.dataclass(frozen=True)
class JobInfo(Record):
    """An evaluation job: what it evaluates, its status and times (ISO 8601, UTC)."""

    id: int
    status: str
    workflow: str
    model: str
    test_suite: str
    test_suite_version: int
    evaluator: str
    reason: str
    created: str
    started: Optional[str]
    finished: Optional[str]
    error: Optional[str]


@dataclasses.dataclass(frozen=True)
class JobDetail(JobInfo):
    """A job with the end of its output (stdout, then stderr), at most ``LOG_TAIL_BYTES``."""

    log_tail: str


def paged(items: Sequence[Any], offset: int = 0, limit: int = 100) -> Page:
    """The page of ``items`` starting at ``offset``, at most ``limit`` long."""
    return Page(tuple(items[offset:offset + limit]), len(items), offset, limit)


def _select(rows: List[tuple], names: Sequence[str], q: Optional[str], where: Optional[str],
            frame: Optional[Callable[[List[tuple]], pd.DataFrame]] = None) -> List[tuple]:
    """The rows (values of the fields ``names``, in order) whose name holds ``q`` (ignoring case) and that match the
    query ``where`` over their fields (``frame`` makes the table it sees, by default the rows as they are)."""
    if q:
        folded, at = q.casefold(), list(names).index("name")
        rows = [r for r in rows if folded in r[at].casefold()]
    if where is not None and where.strip():
        table = frame(rows) if frame is not None else pd.DataFrame.from_records(rows, columns=list(names))
        rows = [rows[i] for i in query.select(table.reset_index(drop=True), where).index]
    return rows


def _page(rows: List[tuple], offset: int, limit: int, record: Callable[[tuple], Any]) -> Page:
    """The page of ``rows`` as records (made only for the page)."""
    return Page(tuple(record(r) for r in rows[offset:offset + limit]), len(rows), offset, limit)


def _fields(cls: type) -> List[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _with_tags_text(names: Sequence[str]) -> Callable[[List[tuple]], pd.DataFrame]:
    """A table of rows whose ``tags`` field is JSON: the tags as comma-separated text."""
    def frame(rows: List[tuple]) -> pd.DataFrame:
        table = pd.DataFrame.from_records(rows, columns=list(names))
        table["tags"] = [", ".join(json.loads(t)) for t in table["tags"]]
        return table

    return frame


def store_summary() -> Dict[str, Any]:
    """The store in use: its URL (password hidden), dialect, schema version and how many workflows, test cases,
    suites, models and jobs it holds."""
    current = store.get_store()
    with current.read() as conn:
        version = store.meta.schema_version(conn)
        jobs = store.jobs.count(conn)
    counts = current.counts()
    return {"url": current.display_url, "dialect": "sqlite" if current.is_sqlite else "postgresql",
            "schema_version": version,
            "counts": {"workflows": counts["workflows"], "test_cases": counts["test_cases"],
                       "test_suites": counts["test_suites"], "models": counts["models"], "jobs": jobs}}


def use_store(url: str, lock_timeout: float = store.store.LOCK_TIMEOUT_SECONDS) -> None:
    """Make the store at ``url`` the one in use unless it already is. Unlike ``initialize``, a SQLite file that does
    not exist is not created: that raises ``StoreError`` saying so."""
    _check_exists(url)
    current = store.current()
    if current is None or current.url != url:
        store.initialize(url=url, lock_timeout=lock_timeout)


def check_store_url(url: Any) -> None:
    """Raise ``InputValidationError`` unless ``url`` names a SQLite file or a PostgreSQL database (nothing is
    opened)."""
    store.check_url(url)


def shown_url(url: str) -> str:
    """A store URL with its password hidden."""
    return store.shown_url(url)


def _check_exists(url: str) -> None:
    store.check_url(url)
    parsed = make_url(url.strip())
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and not database.startswith("file:") and not Path(database).is_file():
        raise StoreError(f"there is no store at '{database}': it is created when kolena_lab first writes to it "
                         "(e.g. a notebook defining test cases), or set the store URL to an existing store")


def page_workflows(q: Optional[str] = None, where: Optional[str] = None, offset: int = 0,
                   limit: int = 100) -> Page:
    """The stored workflows (name holding ``q``, matching ``where``), by name."""
    with store.get_store().read() as conn:
        stored = store.workflows.list_all(conn)
        sizes = store.workflows.sizes(conn)
    rows = []
    for name, schema_json in stored:
        schema = json.loads(schema_json)
        types = [schema.get(role, {}).get("type", "") for role in ("test_sample", "ground_truth", "inference")]
        rows.append((name, *types, *sizes.get(name, (0, 0, 0))))
    rows = _select(rows, _fields(WorkflowSummary), q, where)
    return _page(rows, offset, limit, lambda r: WorkflowSummary(*r))


def page_test_suites(workflow: Optional[str] = None, q: Optional[str] = None, where: Optional[str] = None,
                     offset: int = 0, limit: int = 100) -> Page:
    """The test suites (of ``workflow``, name holding ``q``, matching ``where``) at their latest versions, by name."""
    with store.get_store().read() as conn:
        stored = store.test_suites.list_all(conn, workflow)
        sizes = store.test_suites.latest_sizes(conn)
    names = _fields(TestSuiteSummary)
    rows = [(r.name, r.workflow, r.latest_version, sizes.get(r.id, 0), r.tags, r.description) for r in stored]
    rows = _select(rows, names, q, where, _with_tags_text(names))
    return _page(rows, offset, limit, lambda r: TestSuiteSummary(*r[:4], tuple(json.loads(r[4])), r[5]))


def test_suite_detail(name: str) -> TestSuiteDetail:
    """A suite with every version and its test cases (``NotFoundError`` when there is none)."""
    with store.get_store().read() as conn:
        row = store.test_suites.get(conn, name)
        if row is None:
            raise NotFoundError(f"test suite '{name}' does not exist")
        versions = tuple(
            TestSuiteVersion(version, _when(created),
                             tuple(TestCaseRef(tc, v) for _, tc, v in store.test_suites.members(conn, version_id)))
            for version_id, version, created in store.test_suites.versions(conn, row.id)
        )
    latest = versions[-1].test_cases if versions else ()
    return TestSuiteDetail(row.name, row.workflow, row.latest_version, len(latest), tuple(json.loads(row.tags)),
                           row.description, versions)


def page_test_cases(workflow: Optional[str] = None, q: Optional[str] = None, where: Optional[str] = None,
                    suite: Optional[str] = None, offset: int = 0, limit: int = 100) -> Page:
    """The test cases (of ``workflow``, in the latest version of ``suite``, name holding ``q``, matching ``where``)
    at their latest versions, by name."""
    with store.get_store().read() as conn:
        if not q and not (where and where.strip()) and suite is None:  # one page read, however many there are
            rows = store.test_cases.list_sized(conn, workflow, offset, limit)
            return Page(tuple(TestCaseInfo(*r) for r in rows), store.test_cases.count(conn, workflow), offset, limit)
        rows = store.test_cases.list_sized(conn, workflow)
        if suite is not None:
            suite_row = store.test_suites.get(conn, suite)
            if suite_row is None:
                raise NotFoundError(f"test suite '{suite}' does not exist")
            version_id = store.test_suites.version_id(conn, suite_row.id, suite_row.latest_version)
            members = {tc for _, tc, _ in store.test_suites.members(conn, version_id)}  # type: ignore[arg-type]
            rows = [r for r in rows if r[0] in members]
    rows = _select(rows, _fields(TestCaseInfo), q, where)
    return _page(rows, offset, limit, lambda r: TestCaseInfo(*r))


def test_case_detail(name: str) -> TestCaseDetail:
    """A test case with every version and a summary of the fields of its latest version's samples (``NotFoundError``
    when there is none)."""
    with store.get_store().read() as conn:
        row = store.test_cases.get(conn, name)
        if row is None:
            raise NotFoundError(f"test case '{name}' does not exist")
        versions = tuple(TestCaseVersion(v, n, _when(created)) for v, n, created in
                         store.test_cases.versions(conn, row.id))
    frame = samples_frame(name)
    summary = []
    for field in frame.columns:
        if query.is_scalar_column(frame[field]):
            s = query.summarize(frame[field])
            numeric = s.kind == "number" and frame[field].notna().any()
            summary.append(FieldSummaryInfo(str(field), s.kind, s.low if numeric else None,
                                            s.high if numeric else None, s.values))
    return TestCaseDetail(row.name, row.workflow, row.description, row.latest_version, versions[-1].n_samples,
                          versions, tuple(summary))


def page_models(workflow: Optional[str] = None, q: Optional[str] = None, tag: Optional[str] = None,
                where: Optional[str] = None, offset: int = 0, limit: int = 100) -> Page:
    """The models (of ``workflow``, tagged ``tag``, name holding ``q``, matching ``where`` over name, workflow, tags
    and ``metadata.<key>``), by name."""
    with store.get_store().read() as conn:
        rows = [(r.name, r.workflow, r.metadata, r.tags) for r in store.models.list_all(conn, workflow)]
    if tag is not None:
        rows = [r for r in rows if tag in json.loads(r[3])]
    rows = _select(rows, ("name", "workflow", "metadata", "tags"), q, where, _model_frame)
    return _page(rows, offset, limit, lambda r: ModelInfo(r[0], r[1], json.loads(r[2]), tuple(json.loads(r[3]))))


def _model_frame(rows: List[tuple]) -> pd.DataFrame:
    """Models' name, workflow, tags (comma-separated) and scalar metadata values as ``metadata.<key>``."""
    records = []
    for name, workflow, metadata, tags in rows:
        scalars = {f"metadata.{k}": v for k, v in json.loads(metadata).items()
                   if v is None or isinstance(v, (str, int, float))}
        records.append({"name": name, "workflow": workflow, "tags": ", ".join(json.loads(tags)), **scalars})
    return pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["name", "workflow", "tags"])


def page_jobs(status: Optional[Sequence[str]] = None, model: Optional[str] = None, workflow: Optional[str] = None,
              test_suite: Optional[str] = None, evaluator: Optional[str] = None, offset: int = 0,
              limit: int = 100, q: Optional[str] = None, where: Optional[str] = None) -> Page:
    """The evaluation jobs matching every filter given (``status``: some of ``JOB_STATUSES``), newest first.

    ``q``: text held (ignoring case) in the job's model, test suite, evaluator or workflow name; ``where``: a query
    over the fields of ``JobInfo`` (e.g. ``status == 'failed' and test_suite_version > 2``)."""
    unknown = sorted(set(status or ()) - set(JOB_STATUSES))
    if unknown:
        raise InputValidationError(f"unknown job status {unknown}; one of {', '.join(JOB_STATUSES)}")
    statuses = list(status) if status is not None else None
    filtered = bool(q) or bool(where and where.strip())
    with store.get_store().read() as conn:
        total = store.jobs.count(conn, workflow, model, test_suite, evaluator, statuses)
        rows = store.jobs.list_jobs(conn, workflow, model, test_suite, evaluator, statuses,
                                    limit=None if filtered else limit, offset=0 if filtered else offset)
        secrets = _secrets(conn)
    jobs = [_job(r, secrets.get(r.evaluator_id)) for r in rows]
    if not filtered:
        return Page(tuple(jobs), total, offset, limit)
    if q:
        folded = q.casefold()
        jobs = [j for j in jobs if any(folded in text.casefold() for text in (j.model, j.test_suite, j.evaluator,
                                                                                j.workflow))]
    if where is not None and where.strip():
        table = pd.DataFrame.from_records([j.__dict__ for j in jobs], columns=_fields(JobInfo))
        jobs = [jobs[i] for i in query.select(table, where).index]
    return paged(jobs, offset, limit)


def job_detail(job_id: int) -> JobDetail:
    """One job with the end of its output, its evaluator's secret hidden (``NotFoundError`` when there is none)."""
    with store.get_store().read() as conn:
        row = store.jobs.get(conn, int(job_id))
        if row is None:
            raise NotFoundError(f"job {job_id} does not exist")
        secret = _secrets(conn).get(row.evaluator_id)
    output = row.stdout or ""
    if row.stderr:
        output = f"{output}\n{row.stderr}" if output else row.stderr
    tail = output.encode()[-LOG_TAIL_BYTES:].decode(errors="ignore")
    return JobDetail(**_job(row, secret).__dict__, log_tail=redact(tail, secret) or "")


def _secrets(conn: Any) -> Dict[int, str]:
    return {e.id: e.secret for e in store.evaluators.list_all(conn) if e.secret}


def _job(row: store.jobs.JobRow, secret: Optional[str]) -> JobInfo:
    return JobInfo(row.id, row.status, row.workflow, row.model, row.test_suite, row.test_suite_version, row.evaluator,
                   redact(row.reason, secret) or "", _epoch(row.queued_at),  # type: ignore[arg-type]
                   _epoch(row.started_at), _epoch(row.finished_at), redact(row.error, secret))


def test_case_results(model: str, test_suite: str, version: Optional[int] = None, evaluator: Optional[str] = None,
                      offset: int = 0, limit: int = 100) -> Page:
    """A model's stored metrics on a suite version (the latest by default): one item per (test case, evaluator,
    configuration), in the suite's test case order, with ``test_case``, ``version``, ``evaluator``,
    ``configuration`` and the metrics as fields (nested metrics as JSON objects)."""
    with store.get_store().read() as conn:
        model_row = store.models.get(conn, model)
        if model_row is None:
            raise NotFoundError(f"model '{model}' does not exist")
        suite_row = store.test_suites.get(conn, test_suite)
        if suite_row is None:
            raise NotFoundError(f"test suite '{test_suite}' does not exist")
        wanted = suite_row.latest_version if version is None else version
        suite_version = store.test_suites.version_id(conn, suite_row.id, wanted)
        if suite_version is None:
            raise NotFoundError(f"test suite '{test_suite}' has no version {wanted} "
                                f"(latest: {suite_row.latest_version})")
        members = {vid: (tc, v) for vid, tc, v in store.test_suites.members(conn, suite_version)}
        rows = store.results.case_metrics(conn, model_row.id, list(members), evaluator)
    order = {vid: i for i, vid in enumerate(members)}
    rows.sort(key=lambda r: (order[r[0]], r[1], r[2]))
    items = []
    for vid, ev, conf, data, _ in rows:
        metrics = {k: v for k, v in json.loads(data).items() if k != "data_type"}
        items.append({"test_case": members[vid][0], "version": members[vid][1], "evaluator": ev,
                      "configuration": conf, **metrics})
    return paged(items, offset, limit)


def json_safe(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None (JSON has neither), recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def _epoch(seconds: Optional[float]) -> Optional[str]:
    return None if seconds is None else datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


def _when(value: Any) -> Optional[str]:
    """A stored timestamp (a datetime, or SQLite's UTC text) as ISO 8601 with its time zone."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat(timespec="seconds")
