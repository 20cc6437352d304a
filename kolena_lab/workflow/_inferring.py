"""Inferring a run's pending samples: in batches, each inference checked before it is stored, each batch (or the
part of it inferred before a cancel or an error) stored in one transaction, failures raised or recorded."""
import dataclasses
import threading
from typing import Callable, List, Literal, Optional, Sequence, Set, Tuple


from kolena_lab import store
from kolena_lab._utils.progress import ProgressBar
from kolena_lab.errors import CancelledError, InputValidationError
from kolena_lab.workflow._inference_checks import batch_inferences, encode_inference
from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.model import InferBatchFunction, InferFunction, Model
from kolena_lab.workflow.test_sample import TestSample, sample_label

Progress = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True)
class InferenceFailure:
    """A sample whose inference raised, in a run with ``on_error="skip"``: the model, the sample's label, the error."""

    model: str
    sample: str
    error: str


@dataclasses.dataclass(frozen=True)
class InferenceTarget:
    """What inferring needs of a model: its name and store id, its inference type and its infer functions (picklable
    when the functions are, so a Dask worker can infer with it)."""

    name: str
    model_id: int
    inference_type: type
    infer: Optional[InferFunction]
    infer_batch: Optional[InferBatchFunction]

    @classmethod
    def of(cls, model: Model) -> "InferenceTarget":
        return cls(model.name, model._id, model.workflow.inference_type, model.infer, model.infer_batch)


class Member:
    """One sample of one test case, decoded, with its store id."""

    __slots__ = ("sample_id", "sample", "ground_truth")

    def __init__(self, sample_id: int, sample: TestSample, ground_truth: Optional[GroundTruth]):
        self.sample_id, self.sample, self.ground_truth = sample_id, sample, ground_truth


class Inferrer:
    """Infers samples with a model's ``infer`` or ``infer_batch`` and stores the inferences; ``inferred`` counts those
    stored, ``failures`` lists the samples that failed with ``on_error="skip"``."""

    def __init__(self, model: InferenceTarget, batch_size: int, on_error: Literal["raise", "skip"],
                 failures: List[InferenceFailure], batches_per_write: int = 1):
        self.model, self.batch_size, self.on_error, self.failures = model, batch_size, on_error, failures
        self.batches_per_write = batches_per_write  # batches stored per transaction
        self.inferred = 0

    def put(self, rows: List[Tuple[int, str]]) -> None:
        """Store ``(sample id, encoded inference)`` rows in one transaction."""
        if rows:
            with store.get_store().transaction() as conn:
                store.models.put_inferences(conn, self.model.model_id, rows)

    def encode(self, sample: TestSample, inference: Inference) -> str:
        """The stored form of ``sample``'s inference, once checked (``InputValidationError`` naming the sample)."""
        return encode_inference(inference, self.model.inference_type, sample)

    def infer(self, pending: List[Member], progress: Optional[Progress], cancel: Optional[threading.Event]) -> Set[int]:
        """Infer ``pending`` (with a progress bar unless ``progress`` is given); returns the ids of samples that failed
        (with ``on_error="skip"``)."""
        if progress is not None:
            return self.infer_members(pending, progress, cancel)
        if not pending:
            return set()
        with ProgressBar(total=len(pending), desc=f"inferring {self.model.name}", unit="sample") as bar:
            return self.infer_members(pending, lambda done, _: bar.update(done - bar.n), cancel)

    def infer_members(self, pending: List[Member], progress: Progress,
                      cancel: Optional[threading.Event]) -> Set[int]:
        """Infer ``pending`` in batches, storing every ``batches_per_write`` batches (and what was inferred before a
        cancel or an error) in one transaction; returns the ids of the samples that failed."""
        failed: Set[int] = set()
        total = len(pending)
        progress(0, total)
        rows: List[Tuple[int, str]] = []
        try:
            for number, start in enumerate(range(0, total, self.batch_size), 1):
                batch = pending[start:start + self.batch_size]
                if self.model.infer_batch is not None:
                    self._check_cancel(cancel, len(rows))
                    rows.extend(self._infer_batch(batch, failed))
                    progress(start + len(batch), total)
                else:
                    for done, member in enumerate(batch, start + 1):
                        self._check_cancel(cancel, len(rows))
                        row = self._infer_one(member, failed)
                        if row is not None:
                            rows.append(row)
                        progress(done, total)
                if number % self.batches_per_write == 0:
                    self._store(rows)
        finally:
            self._store(rows)
        return failed

    def _store(self, rows: List[Tuple[int, str]]) -> None:
        """Store ``rows`` and empty the list."""
        self.put(rows)
        self.inferred += len(rows)
        rows.clear()

    def _check_cancel(self, cancel: Optional[threading.Event], unstored: int) -> None:
        """Raise ``CancelledError`` once ``cancel`` is set; ``unstored`` inferences are about to be stored."""
        if cancel is not None and cancel.is_set():
            raise CancelledError(f"cancelled after {self.inferred + unstored} inferences of model "
                                 f"'{self.model.name}' (they are kept)")

    def _infer_batch(self, batch: List[Member], failed: Set[int]) -> List[Tuple[int, str]]:
        """Encoded inferences of a batch by ``infer_batch``; when it raises, every sample of the batch fails."""
        samples = [m.sample for m in batch]
        try:
            inferences = batch_inferences(self.model.infer_batch(samples), samples)  # type: ignore[misc]
        except Exception as e:
            self._fail(e, batch, failed,
                       f"while inferring a batch of {len(batch)} samples starting at {sample_label(samples[0])}")
            return []
        rows = []
        for member, inference in zip(batch, inferences):
            try:
                rows.append((member.sample_id, self.encode(member.sample, inference)))
            except ValueError as e:
                self._fail(e, [member], failed, f"while inferring test sample {sample_label(member.sample)}")
        return rows

    def _infer_one(self, member: Member, failed: Set[int]) -> Optional[Tuple[int, str]]:
        """The encoded inference of one sample by ``infer``, or None when it failed."""
        try:
            if self.model.infer is None:
                raise InputValidationError("model must implement `infer`")
            return member.sample_id, self.encode(member.sample, self.model.infer(member.sample))
        except Exception as e:
            self._fail(e, [member], failed, f"while inferring test sample {sample_label(member.sample)}")
            return None

    def _fail(self, error: Exception, members: Sequence[Member], failed: Set[int], note: str) -> None:
        """Apply the error policy to samples whose inference raised ``error``: re-raise it with ``note``, or record
        each sample's failure. Called inside the ``except`` block."""
        if self.on_error == "raise":
            if hasattr(error, "add_note"):
                error.add_note(note)
            raise error
        message = f"{type(error).__name__}: {error}"
        for member in members:
            failed.add(member.sample_id)
            self.failures.append(InferenceFailure(self.model.name, sample_label(member.sample), message))
