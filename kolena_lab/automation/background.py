"""The background worker of this process (e.g. a notebook's kernel): started once, stopped when the process exits."""
import atexit
import threading
from typing import Any, Optional, Tuple

from kolena_lab.automation.cluster_worker import ClusterWorker
from kolena_lab.automation.worker import Worker

_EXIT_TIMEOUT_SECONDS = 10.0
_background: Optional[Tuple[Worker, threading.Thread, threading.Event]] = None
_background_lock = threading.Lock()


def start_worker(poll_interval: float = 1.0, dask: Any = None) -> Worker:
    """Run queued jobs in a daemon thread of this process (e.g. a notebook's kernel), so nothing blocks; the
    running worker if there is one already. It is stopped when the process exits.

    With ``dask`` (a ``distributed.Client``, a Dask cluster or a scheduler address) the jobs run as tasks on that
    cluster (``ClusterWorker``) instead of as processes of this machine."""
    global _background
    with _background_lock:
        if _background is not None and _background[1].is_alive():
            return _background[0]
        if dask is None:
            worker: Worker = Worker(poll_interval=poll_interval)
        else:
            worker = ClusterWorker(dask, poll_interval=poll_interval)
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(stop,), name=f"kolena-lab-worker-{worker.id}", daemon=True)
        thread.start()
        atexit.unregister(stop_worker)  # registered once however often the worker is restarted
        atexit.register(stop_worker, _EXIT_TIMEOUT_SECONDS)
        _background = (worker, thread, stop)
        return worker


def stop_worker(timeout: Optional[float] = None) -> None:
    """Stop the background worker, and its running job if any (that job ends cancelled)."""
    global _background
    with _background_lock:
        if _background is None:
            return
        _, thread, stop = _background
        stop.set()
        thread.join(timeout)
        _background = None
