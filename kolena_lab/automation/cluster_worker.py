"""A worker whose jobs run on a Dask cluster: it claims queued jobs in the store (the database still allows one
running job per model, suite and evaluator) and submits each as one task; the task runs the job's process on a Dask
worker exactly as the local worker would (``runners``: environment, time limit, output), heartbeating and reading
cancellation through the store under this worker's id.

Faults: a Dask worker that dies mid-job has its task run again elsewhere (Dask reschedules it); the new attempt first
stops the job process left by the dead one when it is on the same host. A task that fails for good (Dask gives up
on it) ends its job failed with the reason. This worker dying leaves its jobs to ``recover()`` as the local worker's
do: another worker marks them failed, and their tasks stop at their next heartbeat.
"""
import time
from typing import Any, Callable, Dict, Optional, Sequence

from kolena_lab import store
from kolena_lab.automation.job import Job, get_job
from kolena_lab.automation.worker import Worker, _stop_orphan
from kolena_lab.workflow.executor import connect, worker_store

_STOP_GRACE_SECONDS = 15.0  # how long a stopping worker waits for its cancelled jobs' tasks to end


class ClusterWorker(Worker):
    """Runs queued evaluation jobs as tasks on the Dask cluster ``dask`` (a client, a cluster or a scheduler
    address), as many at once as the cluster has worker threads."""

    def __init__(self, dask: Any, poll_interval: float = 1.0, heartbeat_interval: float = 1.0,
                 stale_after: float = 60.0):
        super().__init__(poll_interval, heartbeat_interval, stale_after)
        self.client = connect(dask)
        self._tasks: Dict[Any, int] = {}  # future -> job id

    def __repr__(self) -> str:
        return f"ClusterWorker({self.id!r}, {self.client.scheduler.address!r})"

    def _step(self, job_ids: Optional[Sequence[int]], on_job: Optional[Callable[[Job], None]]) -> bool:
        """Report the jobs whose tasks ended and submit claimable jobs while the cluster has free threads; False
        (the worker then waits ``poll_interval``)."""
        self._collect(on_job)
        while len(self._tasks) < self._slots() and self._submit_next(job_ids) is not None:
            pass
        return False

    def _idle(self, job_ids: Optional[Sequence[int]]) -> bool:
        return not self._tasks and not self._queued(job_ids)

    def _stopping(self, on_job: Optional[Callable[[Job], None]]) -> None:
        """Have the running jobs' tasks stop their processes (the jobs end cancelled), and wait for them a while."""
        if not self._tasks:
            return
        with store.get_store().transaction() as conn:
            for job_id in self._tasks.values():
                store.jobs.cancel(conn, job_id)
        deadline = time.monotonic() + _STOP_GRACE_SECONDS
        while self._tasks and time.monotonic() < deadline:
            self._collect(on_job)
            time.sleep(min(0.1, self.poll_interval))
        self.client.cancel(list(self._tasks))
        self._tasks.clear()

    def run_next(self, job_ids: Optional[Sequence[int]] = None) -> Optional[Job]:
        """Claim the next claimable job and run it on the cluster to its end; the finished job, or None."""
        future = self._submit_next(job_ids)
        if future is None:
            return None
        from distributed import wait

        job_id = self._tasks[future]
        wait([future])
        self._collect(None)
        return get_job(job_id)

    def _slots(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def _submit_next(self, job_ids: Optional[Sequence[int]]) -> Optional[Any]:
        """Claim the next claimable job and submit it; its task's future, or None when none was claimable."""
        with store.get_store().transaction() as conn:
            job_id = store.jobs.claim(conn, self.id, job_ids)
        if job_id is None:
            return None
        future = self.client.submit(run_job_task, job_id, self.id, store.get_store().url, self.heartbeat_interval,
                                    key=f"kolena-lab-job-{job_id}-{self.id}", pure=False)
        self._tasks[future] = job_id
        return future

    def _collect(self, on_job: Optional[Callable[[Job], None]]) -> None:
        """Report the jobs whose tasks ended; a task that failed for good (e.g. its workers kept dying) ends its job
        failed, saying why."""
        for future in [f for f in self._tasks if f.done()]:
            job_id = self._tasks.pop(future)
            if future.status == "error":
                error = future.exception()
                self._write(store.jobs.finish, job_id, self.id, store.jobs.FAILED, None, "", "",
                            f"its Dask task failed: {type(error).__name__}: {error}")
            elif future.status != "finished":
                self._write(store.jobs.finish, job_id, self.id, store.jobs.FAILED, None, "", "",
                            f"its Dask task was {future.status}")
            if on_job is not None:
                on_job(get_job(job_id))


def run_job_task(job_id: int, worker_id: str, store_url: str, heartbeat_interval: float) -> None:
    """On a Dask worker: run a job claimed by ``worker_id`` as the local worker runs one, under that id."""
    worker_store(store_url)
    with store.get_store().read() as conn:
        job = store.jobs.get(conn, job_id)
    if job is None or job.status != store.jobs.RUNNING or job.worker != worker_id:
        return  # cancelled, or taken from that worker, meanwhile
    _stop_orphan(job_id, job.pid)  # an earlier attempt's process, left by a Dask worker that died (on this host)
    Worker(heartbeat_interval=heartbeat_interval, worker_id=worker_id)._execute(job_id)


__all__ = ["ClusterWorker", "run_job_task"]
