"""A status line for the automatic-evaluation jobs of some models on a suite, refreshed while any are active."""
import html
import threading
import time
from typing import Callable, Dict, List, Optional, Sequence

import ipywidgets

from kolena_lab import automation

ACTIVE = ("queued", "running")
QUIET_SECONDS = 600.0  # background polling ends after this long without a change (jobs queued, no worker running)


class JobStatus(ipywidgets.HTML):
    """Shows the queued and running evaluation jobs of ``models`` on ``test_suite`` (on any suite when None).

    ``poll()`` re-reads them; while any is active a background thread polls every ``interval`` seconds (until
    ``stop()``, ``close()``, or ``QUIET_SECONDS`` without a change), and when jobs finish ``on_finished(jobs)`` is
    called (a results view reloads there).
    """

    def __init__(self, models: Sequence[str], test_suite: Optional[str],
                 on_finished: Optional[Callable[[List[automation.Job]], None]] = None, interval: float = 2.0):
        super().__init__()
        self.models, self.test_suite, self.interval = list(models), test_suite, interval
        self.on_finished = on_finished
        self.active: Dict[int, automation.Job] = {}
        self.finished: List[automation.Job] = []
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._changed = time.monotonic()
        self.poll()

    def poll(self) -> List[automation.Job]:
        """Re-read the jobs; returns those that finished since the last poll."""
        with self._lock:
            current = {job.id: job for model in self.models
                       for job in automation.jobs(model=model, test_suite=self.test_suite, status=ACTIVE)}
            ended = [automation.get_job(job_id) for job_id in self.active if job_id not in current]
            if ended or {j: job.status for j, job in current.items()} != {j: job.status for j, job in
                                                                            self.active.items()}:
                self._changed = time.monotonic()
            self.active = current
            self.finished = (ended + self.finished)[:5]
            self.value = self._html()
        if ended and self.on_finished is not None:
            self.on_finished(ended)
        if current:
            self._follow()
        return ended

    def stop(self) -> None:
        """Stop polling in the background, for good (``poll()`` still re-reads on demand)."""
        self._stop.set()

    def close(self) -> None:
        self.stop()
        super().close()

    def _follow(self) -> None:
        if self._stop.is_set() or self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._run, daemon=True, name="kolena-lab-job-status")
        self._thread.start()

    def _run(self) -> None:
        while self.active and not self._stop.wait(self.interval):
            if time.monotonic() - self._changed > QUIET_SECONDS:
                return
            try:
                self.poll()
            except Exception as e:  # shown in the line: a background thread has nowhere else to report
                self.value = f"<small>Job status not refreshed: {html.escape(repr(e))}</small>"
                return

    def _html(self) -> str:
        parts = [f"{html.escape(j.evaluator)} for {html.escape(j.model)}: {j.status} (job {j.id})"
                 + (f" — {html.escape(j.error)}" if j.error else "")
                 for j in [*self.active.values(), *self.finished]]
        if not parts:
            return ""
        return f"<small role='status'>Evaluation jobs: {'; '.join(parts)}</small>"
