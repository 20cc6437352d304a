"""Evaluation jobs seen from Python: list, inspect, queue, wait for and cancel them (the API a widget polls)."""
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from kolena_lab import store
from kolena_lab.errors import IncorrectUsageError, NotFoundError, WorkflowMismatchError

QUEUED, RUNNING = store.jobs.QUEUED, store.jobs.RUNNING
STATUSES = (QUEUED, RUNNING, *store.jobs.FINISHED)


@dataclass(frozen=True)
class Job:
    """One evaluation job: a model, a suite version, a registered evaluator, and the test cases to evaluate
    (``test_cases`` is None when every test case of the suite version is)."""

    id: int
    workflow: str
    evaluator: str
    model: str
    test_suite: str
    test_suite_version: int
    test_cases: Optional[List[Tuple[str, int]]]
    reason: str
    status: str
    worker: Optional[str]
    queued_at: datetime
    started_at: Optional[datetime]
    finished_at: Optional[datetime]
    exit_code: Optional[int]
    error: Optional[str]
    stdout: Optional[str] = field(default=None, repr=False)
    stderr: Optional[str] = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        """Whether the job has finished (succeeded, failed, timed out or cancelled)."""
        return self.status in store.jobs.FINISHED

    def as_dict(self) -> Dict[str, Any]:
        """A JSON-ready description (times in ISO 8601; output only when loaded)."""
        out: Dict[str, Any] = {
            "id": self.id, "status": self.status, "workflow": self.workflow, "evaluator": self.evaluator,
            "model": self.model, "test_suite": self.test_suite, "test_suite_version": self.test_suite_version,
            "test_cases": None if self.test_cases is None else [{"name": n, "version": v} for n, v in self.test_cases],
            "reason": self.reason, "worker": self.worker, "exit_code": self.exit_code, "error": self.error,
        }
        for key in ("queued_at", "started_at", "finished_at"):
            value = getattr(self, key)
            out[key] = value.isoformat(timespec="seconds") if value else None
        if self.stdout is not None:
            out.update(stdout=self.stdout, stderr=self.stderr)
        return out


def _time(seconds: Optional[float]) -> Optional[datetime]:
    return None if seconds is None else datetime.fromtimestamp(seconds, timezone.utc)


def _job(row: store.jobs.JobRow) -> Job:
    return Job(row.id, row.workflow, row.evaluator, row.model, row.test_suite, row.test_suite_version, row.test_cases,
               row.reason, row.status, row.worker, datetime.fromtimestamp(row.queued_at, timezone.utc),
               _time(row.started_at), _time(row.finished_at), row.exit_code, row.error, row.stdout, row.stderr)


def jobs(
    workflow: Optional[str] = None,
    model: Optional[str] = None,
    test_suite: Optional[str] = None,
    evaluator: Optional[str] = None,
    status: Union[str, Iterable[str], None] = None,
    limit: Optional[int] = None,
) -> List[Job]:
    """Jobs matching every filter given (``status`` one or several of queued, running, succeeded, failed,
    timed_out, cancelled), newest first, without their output."""
    statuses = [status] if isinstance(status, str) else (list(status) if status is not None else None)
    unknown = sorted(set(statuses or ()) - set(STATUSES))
    if unknown:
        raise ValueError(f"unknown job status {unknown}; one of {', '.join(STATUSES)}")
    with store.get_store().read() as conn:
        rows = store.jobs.list_jobs(conn, workflow, model, test_suite, evaluator, statuses, limit=limit)
    return [_job(r) for r in rows]


def get_job(job_id: int) -> Job:
    """One job, with its captured stdout and stderr."""
    with store.get_store().read() as conn:
        row = store.jobs.get(conn, int(job_id))
    if row is None:
        raise NotFoundError(f"job {job_id} does not exist")
    return _job(row)


def cancel_job(job_id: int) -> Job:
    """Cancel a queued job at once, or have its worker stop a running one (it turns ``cancelled`` shortly)."""
    with store.get_store().transaction() as conn:
        status = store.jobs.cancel(conn, int(job_id))
    if status is None:
        raise NotFoundError(f"job {job_id} does not exist")
    return get_job(job_id)


def wait_for_jobs(
    job_ids: Union[Iterable[Union[int, Job]], None] = None,
    timeout: Optional[float] = None,
    poll_interval: float = 0.5,
) -> List[Job]:
    """Wait until the given jobs (ids or ``Job`` objects; default: every job queued or running now) have finished;
    returns them with their output. Raises ``TimeoutError`` naming the unfinished ones after ``timeout`` seconds."""
    if job_ids is None:
        ids = [j.id for j in jobs(status=[QUEUED, RUNNING])]
    else:
        ids = [j.id if isinstance(j, Job) else int(j) for j in job_ids]
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with store.get_store().read() as conn:
            pending = [r.id for r in store.jobs.list_jobs(conn, statuses=[QUEUED, RUNNING], ids=ids)]
        if not pending:
            return [get_job(i) for i in ids]
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(f"jobs {sorted(pending)} are still queued or running after {timeout:g} s")
        time.sleep(poll_interval)


def queue_evaluation(model: str, test_suite: str, version: Optional[int] = None,
                     evaluator: Optional[str] = None) -> List[Job]:
    """Queue jobs evaluating a stored model on a whole suite version (default: the latest) with one registered
    evaluator, or all of the workflow's. The model's missing inferences are not computed: see ``test()``."""
    with store.get_store().transaction() as conn:
        model_row = store.models.get(conn, model)
        suite_row = store.test_suites.get(conn, test_suite)
        if model_row is None or suite_row is None:
            raise NotFoundError(f"model '{model}' does not exist" if model_row is None
                                else f"test suite '{test_suite}' does not exist")
        if model_row.workflow != suite_row.workflow:
            raise WorkflowMismatchError(f"model '{model}' belongs to workflow '{model_row.workflow}', test suite "
                                        f"'{test_suite}' to '{suite_row.workflow}'")
        version = suite_row.latest_version if version is None else version
        version_id = store.test_suites.version_id(conn, suite_row.id, version)
        if version_id is None:
            raise NotFoundError(f"test suite '{test_suite}' has no version {version} "
                                f"(latest: {suite_row.latest_version})")
        registered = store.evaluators.list_all(conn, suite_row.workflow)
        if evaluator is not None:
            registered = [e for e in registered if e.name == evaluator]
            if not registered:
                raise NotFoundError(f"evaluator '{evaluator}' of workflow '{suite_row.workflow}' does not exist")
        if not registered:
            raise IncorrectUsageError(f"no evaluator is registered for workflow '{suite_row.workflow}'")
        ids = store.jobs.queue(conn, model_row.id, version_id, [e.id for e in registered], "run")
    return [get_job(i) for i in ids]
