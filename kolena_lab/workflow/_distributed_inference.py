"""Inferring a run's pending samples on a Dask cluster.

The samples are cut into partitions (whole batches, so ``infer_batch`` sees the batches a single process would).
The model's ``infer`` / ``infer_batch`` travel pickled, once to every worker (a model package's ``infer_batch``
pickles as its ``model.yaml`` path and is loaded once per worker process). Each task infers its partition with the
same ``Inferrer`` as a single process, checking every inference, and stores whole batches (``ROWS_PER_WRITE``
inferences or so) a transaction from the worker; storing replaces a sample's earlier inference, so a task re-run
after its worker died neither fails nor duplicates rows. The client feeds the progress as partitions finish, stops
the tasks through a Dask ``Event`` when ``cancel`` is set, and reports a partition that still fails after its
retries with its samples.
"""
import dataclasses
import threading
import time
import uuid
from typing import Any, List, Optional, Set, Tuple

from kolena_lab import store
from kolena_lab._utils.progress import ProgressBar
from kolena_lab.errors import CancelledError, ClusterError
from kolena_lab.workflow._inferring import InferenceFailure, InferenceTarget, Inferrer, Member, Progress
from kolena_lab.workflow.executor import worker_store
from kolena_lab.workflow.model import InferBatchFunction, InferFunction, Model
from kolena_lab.workflow.test_sample import TestSample, sample_label

ROWS_PER_WRITE = 1024  # inferences a worker stores per transaction, at least (whole batches): fewer, larger writes
RETRIES = 2  # a partition's task is run again this many times when it raises (or its worker dies) before it fails
MAX_PARTITION = 2048  # samples in a partition at most: progress advances at least this often
PARTITIONS_PER_THREAD = 4  # enough partitions that a slow worker does not hold up the end of the run
_CANCEL_CHECK_SECONDS = 0.25  # how often a task asks the scheduler whether the run was cancelled
_POLL_SECONDS = 0.2  # how often the client looks at ``cancel`` while it waits for partitions


@dataclasses.dataclass(frozen=True)
class _Shipment:
    """What every worker gets once for a run: the store, the model (its functions pickled) and how to infer."""

    token: str
    store_url: str
    name: str
    model_id: int
    inference_type: type
    batch_size: int
    on_error: str
    infer: Optional[InferFunction]
    infer_batch: Optional[InferBatchFunction]
    cancel_event: str


@dataclasses.dataclass(frozen=True)
class _PartitionResult:
    stored: int
    failed: Set[int]
    failures: List[InferenceFailure]


def _check_picklable(model: Model) -> None:
    """``ClusterError`` naming the model and what of it cannot be pickled (sent to the workers)."""
    from distributed.protocol import pickle

    for what, value in (("infer", model.infer), ("infer_batch", model.infer_batch),
                        ("inference type", model.workflow.inference_type)):
        if value is None:
            continue
        try:
            pickle.dumps(value)
        except Exception as e:
            name = getattr(value, "__qualname__", type(value).__name__)
            raise ClusterError(f"model '{model.name}' cannot be sent to the Dask workers: its {what} {name} cannot be "
                               f"pickled ({type(e).__name__}: {e}); define it at module level with picklable state "
                               "(or have it load what it holds when first called)") from None


class _RemoteCancel:
    """The run's Dask ``Event`` as a ``threading.Event``-like ``is_set()``, asked at most every
    ``_CANCEL_CHECK_SECONDS``."""

    def __init__(self, name: str):
        from distributed import Event

        self._event, self._checked_at, self._set = Event(name), 0.0, False

    def is_set(self) -> bool:
        now = time.monotonic()
        if not self._set and now - self._checked_at >= _CANCEL_CHECK_SECONDS:
            self._set, self._checked_at = self._event.is_set(), now
        return self._set


def _infer_partition(shipment: _Shipment, samples: List[Tuple[int, TestSample]]) -> _PartitionResult:
    """On a worker: infer and store a partition of ``(sample id, sample)``; a cancelled run returns what it stored."""
    members = [Member(sample_id, sample, None) for sample_id, sample in samples]
    worker_store(shipment.store_url)
    failures: List[InferenceFailure] = []
    target = InferenceTarget(shipment.name, shipment.model_id, shipment.inference_type, shipment.infer,
                             shipment.infer_batch)
    inferrer = Inferrer(target, shipment.batch_size, shipment.on_error, failures,  # type: ignore[arg-type]
                        batches_per_write=-(-ROWS_PER_WRITE // shipment.batch_size))
    try:
        failed = inferrer.infer_members(members, lambda done, total: None, _RemoteCancel(shipment.cancel_event))
    except CancelledError:
        failed = set()
    return _PartitionResult(inferrer.inferred, failed, failures)


def partitions(pending: List[Member], batch_size: int, threads: int) -> List[List[Member]]:
    """``pending`` cut into about ``PARTITIONS_PER_THREAD`` partitions per worker thread, each whole batches of at
    most ``MAX_PARTITION`` samples (one batch at least)."""
    batches = -(-len(pending) // batch_size)
    wanted = max(1, threads * PARTITIONS_PER_THREAD)
    per_partition = max(1, min(-(-batches // wanted), MAX_PARTITION // batch_size))
    size = per_partition * batch_size
    return [pending[start:start + size] for start in range(0, len(pending), size)]


def infer_on_cluster(client: Any, model: Model, inferrer: Inferrer, pending: List[Member],
                     progress: Optional[Progress], cancel: Optional[threading.Event]) -> Set[int]:
    """Infer ``pending`` on the cluster of ``client`` as ``inferrer.infer`` does in this process: same stored
    inferences, same failures; returns the ids of the samples that failed (with ``on_error="skip"``)."""
    _check_picklable(model)
    if progress is not None:
        return _run(client, model, inferrer, pending, progress, cancel, store.get_store().url)
    with ProgressBar(total=len(pending), desc=f"inferring {model.name} on {_workers(client)} Dask workers",
                     unit="sample") as bar:
        return _run(client, model, inferrer, pending, lambda done, _: bar.update(done - bar.n), cancel,
                    store.get_store().url)


def _workers(client: Any) -> int:
    return len(client.scheduler_info().get("workers", {}))


def _threads(client: Any) -> int:
    return max(1, sum(client.nthreads().values()))


def _run(client: Any, model: Model, inferrer: Inferrer, pending: List[Member], progress: Progress,
         cancel: Optional[threading.Event], store_url: str) -> Set[int]:
    import distributed

    token = uuid.uuid4().hex
    event = distributed.Event(f"kolena-lab-cancel-{token}", client=client)
    shipment = _Shipment(token, store_url, model.name, model._id, model.workflow.inference_type, inferrer.batch_size,
                         inferrer.on_error, model.infer, model.infer_batch, event.name)
    parts = partitions(pending, inferrer.batch_size, _threads(client))
    total, done = len(pending), 0
    progress(0, total)
    [shipped] = client.scatter([shipment], broadcast=True, hash=False)
    futures = {client.submit(_infer_partition, shipped, [(m.sample_id, m.sample) for m in part],
                             key=f"kolena-lab-infer-{token}-{i}",
                             retries=RETRIES, pure=False): (i, part) for i, part in enumerate(parts)}
    failed: Set[int] = set()
    error: Optional[BaseException] = None
    stopping = False  # the event is set: the tasks stop after their current batch
    remaining = set(futures)
    try:
        while remaining:
            finished, remaining = _wait(distributed, remaining)
            for future in finished:
                index, part = futures[future]
                if future.status == "finished":
                    result: _PartitionResult = future.result()
                    inferrer.inferred += result.stored
                    failed |= result.failed
                    inferrer.failures.extend(result.failures)
                elif not stopping:
                    cause = (future.exception() if future.status == "error"
                             else ClusterError(f"its task was {future.status}"))
                    error = _partition_error(cause, model, index, len(parts), part)
                    if inferrer.on_error == "raise":
                        event.set()
                        stopping = True
                    else:
                        failed |= _record(inferrer, part, error)
                        error = None
                done += len(part)
                if not stopping:
                    progress(done, total)
            if cancel is not None and cancel.is_set() and not stopping:
                event.set()
                stopping = True
    except BaseException:
        event.set()
        client.cancel(list(remaining))
        raise
    finally:
        client.cancel([shipped])
    if error is not None:
        raise error
    if cancel is not None and cancel.is_set():
        raise CancelledError(f"cancelled after {inferrer.inferred} inferences of model '{model.name}' (they are kept)")
    return failed


def _wait(distributed: Any, remaining: Set[Any]) -> Tuple[Set[Any], Set[Any]]:
    try:
        done, not_done = distributed.wait(remaining, timeout=_POLL_SECONDS, return_when="FIRST_COMPLETED")
    except TimeoutError:
        return set(), remaining
    return set(done), set(not_done)


def _partition_error(error: BaseException, model: Model, index: int, count: int, part: List[Member]) -> BaseException:
    """The error of a partition that failed after its retries, noting the partition and its samples."""
    first, last = sample_label(part[0].sample), sample_label(part[-1].sample)
    note = (f"partition {index + 1} of {count} of model '{model.name}' ({len(part)} samples, {first} … {last}) failed "
            f"on the Dask cluster after {RETRIES} retries")
    if not isinstance(error, Exception):  # e.g. a cancelled task's CancelledError from Dask
        error = ClusterError(f"{note}: {type(error).__name__}: {error}")
    elif hasattr(error, "add_note"):
        error.add_note(note)
    return error


def _record(inferrer: Inferrer, part: List[Member], error: BaseException) -> Set[int]:
    """With ``on_error="skip"``: each sample of a partition that failed as a whole (its worker kept dying, the model
    did not load) recorded as failed."""
    notes = "; ".join(getattr(error, "__notes__", []))
    message = f"{type(error).__name__}: {error}" + (f" ({notes})" if notes else "")
    for member in part:
        inferrer.failures.append(InferenceFailure(inferrer.model.name, sample_label(member.sample), message))
    return {member.sample_id for member in part}


__all__ = ["infer_on_cluster", "partitions"]
