"""Per-sample work of a ready evaluator mapped over contiguous partitions of the samples on the current Dask cluster
(``kolena_lab.workflow.executor.using``), results gathered in the samples' order.

An evaluator calls ``map_partitions(work, n, prepare, min_items=...)``: it returns None when there is no cluster or
fewer than ``min_items`` samples (the evaluator then runs its own single-process code), else
``[work(prepare(start, stop), start, **kwargs) for each partition]`` computed on the workers. ``prepare`` runs here
and builds what is shipped (only what the work reads); partitions are submitted as soon as they are prepared, so the
workers start while later partitions are built. A partition that raises an unexpected error is retried
(``RETRIES``); a ``KolenaError`` (bad input) is not retried and is raised here as it was raised there; a partition
lost with its worker is recomputed by Dask.
"""
import time
from typing import Any, Callable, List, Optional

from kolena_lab.errors import KolenaError
from kolena_lab.workflow.executor import current_client

RETRIES = 2
# Samples per partition: at least this many, so the fixed cost of a task (~1 ms of scheduling, a round trip) stays
# small beside the work; at most PARTITIONS_PER_THREAD partitions per worker thread, for balance.
MIN_PARTITION = 250
PARTITIONS_PER_THREAD = 4
_HAND_OVER = 0.005  # s: without it, the workers idle until every partition is built (1.4 s of 20,000 images)


class _Failed:
    """A partition's bad-input error, carried back as a value so it is not retried."""

    def __init__(self, error: KolenaError):
        self.error = error


def _run(work: Callable[..., Any], part: Any, start: int, kwargs: dict) -> Any:
    try:
        return work(part, start, **kwargs)
    except KolenaError as e:
        return _Failed(e)


def partition_bounds(n: int, n_threads: int) -> List[range]:
    """Contiguous ``range``s covering ``range(n)``: ``PARTITIONS_PER_THREAD`` per thread, none under
    ``MIN_PARTITION`` samples (unless ``n`` is), sizes differing by at most one."""
    parts = max(1, min(PARTITIONS_PER_THREAD * max(n_threads, 1), n // MIN_PARTITION))
    edges = [round(i * n / parts) for i in range(parts + 1)]
    return [range(edges[i], edges[i + 1]) for i in range(parts)]


def map_partitions(work: Callable[..., Any], n: int, prepare: Callable[[int, int], Any], *, min_items: int,
                   **kwargs: Any) -> Optional[List[Any]]:
    """``work(prepare(start, stop), start, **kwargs)`` per partition of ``range(n)`` on the current cluster, in
    order; None when there is no cluster or ``n < min_items`` (run in this process instead). ``work`` must be a
    module-level function (workers import it)."""
    client = current_client()
    if client is None or n < max(min_items, 1):
        return None
    n_threads = sum(client.nthreads().values())
    futures = []
    for r in partition_bounds(n, n_threads):
        futures.append(client.submit(_run, work, prepare(r.start, r.stop), r.start, kwargs, retries=RETRIES,
                                     pure=False))
        time.sleep(_HAND_OVER)  # let the client's I/O thread (it needs the GIL) send it before the next is built
    try:
        results = client.gather(futures)
    finally:
        for f in futures:
            f.release()
    for result in results:
        if isinstance(result, _Failed):
            raise result.error
    return results


__all__ = ["MIN_PARTITION", "PARTITIONS_PER_THREAD", "RETRIES", "map_partitions", "partition_bounds"]
