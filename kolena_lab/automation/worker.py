"""The local worker: claims queued jobs in the store, runs them one at a time, and records how they end.

It runs as a daemon thread of a kernel (``start_worker()``) or as ``kolena-lab worker``. A running job carries a
heartbeat; a worker starting (and every so often after) marks failed the running jobs whose worker died (a process
gone on this host, or no heartbeat for ``stale_after`` seconds) and stops their processes left on this host. A worker
asked to stop stops its running job's process too (the job ends cancelled), so it never outlives its kernel.
"""
import itertools
import logging
import os
import signal
import socket
import threading
import time
from typing import Callable, List, Optional, Sequence, Tuple

from kolena_lab import store
from kolena_lab.automation import runners
from kolena_lab.automation.job import Job, get_job
from kolena_lab.automation.registry import get_evaluator
from kolena_lab.errors import StoreError
from kolena_lab.workflow._secrets import redact

_log = logging.getLogger(__name__)
_HOST = socket.gethostname()
_counter = itertools.count()


class Worker:
    """Runs queued evaluation jobs, one at a time, each in its own process."""

    def __init__(self, poll_interval: float = 1.0, heartbeat_interval: float = 1.0, stale_after: float = 60.0,
                 worker_id: Optional[str] = None):
        self.id = worker_id or f"{_HOST}:{os.getpid()}:{next(_counter)}"
        self.poll_interval, self.heartbeat_interval, self.stale_after = poll_interval, heartbeat_interval, stale_after
        self._stop = threading.Event()

    def __repr__(self) -> str:
        return f"Worker({self.id!r})"

    def run(self, stop: Optional[threading.Event] = None, until_idle: bool = False,
            job_ids: Optional[Sequence[int]] = None, on_job: Optional[Callable[[Job], None]] = None) -> None:
        """Run jobs (only ``job_ids``, if given) until ``stop`` is set, or, with ``until_idle``, until none is queued;
        ``on_job`` is called with each job that ends. Setting ``stop`` also stops a running job (it ends cancelled)."""
        stop = self._stop = stop or threading.Event()
        recovered_at: Optional[float] = None
        try:
            while not stop.is_set():
                try:
                    if recovered_at is None or time.monotonic() - recovered_at > self.stale_after / 2:
                        self.recover()
                        recovered_at = time.monotonic()
                    if self._step(job_ids, on_job):
                        continue
                    if until_idle and self._idle(job_ids):
                        return
                except StoreError as e:  # e.g. locked for longer than the lock timeout: try again later
                    _log.warning("kolena_lab worker %s: %s", self.id, e)
                stop.wait(self.poll_interval)
        finally:
            self._stopping(on_job)

    def _step(self, job_ids: Optional[Sequence[int]], on_job: Optional[Callable[[Job], None]]) -> bool:
        """Run the next claimable job; whether there was one (then the next is looked for at once)."""
        job = self.run_next(job_ids)
        if job is not None and on_job is not None:
            on_job(job)
        return job is not None

    def _idle(self, job_ids: Optional[Sequence[int]]) -> bool:
        return not self._queued(job_ids)

    def _stopping(self, on_job: Optional[Callable[[Job], None]]) -> None:
        """Called when ``run`` ends (a job running here is stopped by its heartbeat already)."""

    def run_next(self, job_ids: Optional[Sequence[int]] = None) -> Optional[Job]:
        """Claim the next claimable job and run it to its end; the finished job, or None when none was claimable."""
        with store.get_store().transaction() as conn:
            job_id = store.jobs.claim(conn, self.id, job_ids)
        if job_id is None:
            return None
        self._execute(job_id)
        return get_job(job_id)

    def recover(self) -> List[int]:
        """Mark failed the running jobs whose worker is gone, stopping their processes on this host; their ids."""
        now = time.time()
        abandoned: List[Tuple[int, Optional[int]]] = []
        with store.get_store().transaction() as conn:
            for job_id, worker, pid, heartbeat_at in store.jobs.running(conn):
                reason = None if worker == self.id else _gone(worker, heartbeat_at, now, self.stale_after)
                if reason and store.jobs.fail_abandoned(conn, job_id, worker, f"worker {worker} {reason}: the job "
                                                                              "was abandoned mid-run"):
                    abandoned.append((job_id, pid))
        for job_id, pid in abandoned:
            _stop_orphan(job_id, pid)
        return [job_id for job_id, _ in abandoned]

    def _queued(self, job_ids: Optional[Sequence[int]]) -> bool:
        with store.get_store().read() as conn:
            return bool(store.jobs.list_jobs(conn, statuses=[store.jobs.QUEUED], ids=job_ids, limit=1))

    def _execute(self, job_id: int) -> None:
        with store.get_store().read() as conn:
            job = store.jobs.get(conn, job_id)
        assert job is not None
        secret = None
        try:
            evaluator = get_evaluator(job.workflow, job.evaluator, include_secret=True)
            secret = evaluator.secret
            spec = runners.launch(job, evaluator, store.get_store().url)
            outcome = runners.supervise(
                spec, evaluator.timeout,
                on_start=lambda pid: self._write(store.jobs.set_pid, job_id, self.id, pid),
                tick=lambda out, err: self._tick(job_id, redact(out, secret), redact(err, secret)),
                tick_interval=self.heartbeat_interval, secret=secret,
            )
        except KeyboardInterrupt:
            self._write(store.jobs.finish, job_id, self.id, store.jobs.CANCELLED, None, "", "",
                        "the worker was interrupted")
            raise
        except Exception as e:  # the job cannot start (e.g. no Docker engine), or the store failed mid-job
            outcome = runners.Outcome(store.jobs.FAILED, error=str(e) if isinstance(e, runners.RunnerError)
                                      else f"{type(e).__name__}: {e}")
        self._write(store.jobs.finish, job_id, self.id, outcome.status, outcome.exit_code,
                    redact(outcome.stdout, secret), redact(outcome.stderr, secret), redact(outcome.error, secret))

    def _tick(self, job_id: int, stdout: str, stderr: str) -> Optional[Tuple[str, str]]:
        """Heartbeat of a running job: None to go on, or why and how to end it."""
        if self._stop.is_set():
            return store.jobs.CANCELLED, "the worker was stopped"
        try:
            with store.get_store().transaction() as conn:
                cancel = store.jobs.heartbeat(conn, job_id, self.id, stdout, stderr)
        except StoreError as e:  # a busy store delays a heartbeat; the job goes on
            _log.warning("kolena_lab worker %s: heartbeat of job %s failed: %s", self.id, job_id, e)
            return None
        if cancel is None:
            return store.jobs.FAILED, "the job was taken from this worker"
        return (store.jobs.CANCELLED, "cancelled") if cancel else None

    @staticmethod
    def _write(function, *args) -> None:  # noqa: ANN001
        with store.get_store().transaction() as conn:
            function(conn, *args)


def _gone(worker: str, heartbeat_at: Optional[float], now: float, stale_after: float) -> Optional[str]:
    """Why ``worker`` is considered dead, or None."""
    host, pid, _ = worker.rsplit(":", 2)
    if host == _HOST and not _alive(int(pid)):
        return "is no longer running"
    if heartbeat_at is None or now - heartbeat_at > stale_after:
        return f"sent no heartbeat for {now - (heartbeat_at or 0):.0f} s"
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"  # a zombie is dead too
    except OSError:
        return True


def _stop_orphan(job_id: int, pid: Optional[int]) -> None:
    """Kill the process group of an abandoned job when that process is provably the job's (Linux: its environment)."""
    if pid is None:
        return
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            if f"KOLENA_LAB_JOB_ID={job_id}".encode() not in environ.read().split(b"\0"):
                return
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
