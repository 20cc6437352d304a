"""``stress_test``: perturb a test case's images along a domain's axes, infer the perturbed samples, score them
against their clean parents and store what fails as versioned test cases.

What a run stores:

- each perturbed image once, as a content-addressed PNG under ``catalog.media_folder()`` (``stress/``), registered
  as a test sample of the workflow: a copy of its parent with the new locator and the metadata ``stress_parent``
  (the parent's locator), ``stress_axis``, ``stress_params``, ``stress_seed`` and ``stress_run``; its ground truth
  is the parent's moved by the perturbation's geometry (``move_annotations``);
- the model's inferences of the parents and the perturbed samples (stored batch by batch and reused: a run stopped
  by a crash or a cancel continues where it stopped when run again with the same arguments, and gives the same
  results);
- a test case per axis, ``"<name>: <axis>"`` (the failures found on that axis) and ``"<name>: worst 5%"`` (the
  worst 5% of the perturbed samples by drop, those with a drop), in the suite ``suite`` (by default ``name``)
  beside the original test case; a re-run writes new versions only when membership changes;
- the run's record (model, test case, domain, search, budget, seed, metric, thresholds) as JSON in the description
  of the ``"<name>: worst 5%"`` test case, and its per-perturbation table as a Parquet file under the media folder
  (``stress/runs/``), both read back by ``load_stress_results(name)``.
"""
import dataclasses
import json
import math
import queue
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from kolena_lab.errors import (
    CancelledError,
    IncorrectUsageError,
    InputValidationError,
    NotFoundError,
    WorkflowMismatchError,
    shown,
)
from kolena_lab.stress.domain import Domain
from kolena_lab.stress.geometry import move_annotations
from kolena_lab.stress.media import ImageCache, write_png
from kolena_lab.stress.results import WORST, StressResults, record_key, rows_path
from kolena_lab.stress.search import SEARCHES, Proposal, make_search
from kolena_lab.stress.tasks import Metric, Task, resolve_task
from kolena_lab.workflow import catalog
from kolena_lab.workflow._inference_checks import batch_inferences
from kolena_lab.workflow.definition import bound_classes
from kolena_lab.workflow.io import store_inferences, stored_inferences
from kolena_lab.workflow.model import Model
from kolena_lab.workflow.test_case import TestCase
from kolena_lab.workflow.test_sample import Image
from kolena_lab.workflow.workflow import check_name

Progress = Callable[[int, int, str], None]
WORST_FRACTION = 0.05
PREPARED_AHEAD = 4096  # perturbed samples prepared before they are inferred, at most (their images are on disk)


def resolve_domain(domain: Union[Domain, str, Path]) -> Domain:
    """A Domain, a ready domain's name ("outdoor", "corruptions") or a YAML file's path."""
    if isinstance(domain, Domain):
        return domain
    if isinstance(domain, Path) or (isinstance(domain, str) and domain.endswith((".yaml", ".yml"))):
        return Domain.from_yaml(Path(domain))
    if isinstance(domain, str):
        return Domain.ready(domain)
    raise InputValidationError(f"domain must be a Domain, a ready domain's name or a YAML file, got "
                               f"{type(domain).__name__} {shown(domain)}")


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputValidationError(f"{name} must be a positive integer, got {shown(value)}")
    return int(value)


@dataclasses.dataclass
class _Member:
    """A sample of the test case (or a perturbed one) with its ground truth."""

    sample: Any
    ground_truth: Any


def stress_test(
    model: Model,
    test_case: TestCase,
    domain: Union[Domain, str, Path],
    *,
    search: str = "random",
    budget: int = 20,
    seed: int = 0,
    metric: Union[str, Metric, None] = None,
    higher_is_better: Optional[bool] = None,
    failure: Optional[float] = None,
    max_drop: Optional[float] = None,
    batch_size: int = 32,
    name: Optional[str] = None,
    suite: Optional[str] = None,
    progress: Optional[Progress] = None,
    cancel: Optional[threading.Event] = None,
) -> StressResults:
    """Stress-test ``model`` on the images of ``test_case`` along the axes of ``domain``.

    ``search``: "random" (``budget`` random perturbations per sample), "grid" (each axis's parameter grid, as fine
    as ``budget`` steps per sample allow) or "optuna" (``budget`` steps of a seeded TPE search per sample that looks
    for the largest drop; all samples step together, one batched inference per step). ``metric``: a built-in score
    name or ``metric(test_sample, ground_truth, inference) -> float`` with ``higher_is_better`` and ``failure`` (see
    ``kolena_lab.stress.tasks`` for the defaults and the failure rule; ``max_drop`` also counts a drop at least that
    large as a failure). ``name`` names the run (default ``"<test case> · stress"``) and its test cases; ``suite``
    the suite holding them (default ``name``). ``progress(done, total, message)`` is called as perturbations are
    scored; once ``cancel`` is set the run stops before the next batch with ``CancelledError``, keeping what it
    stored. The same arguments give the same perturbations, scores and test cases.
    """
    run = _StressRun(model, test_case, domain, search, budget, seed, metric, higher_is_better, failure, max_drop,
                     batch_size, name, suite, progress, cancel)
    return run.run()


class _StressRun:
    def __init__(self, model: Any, test_case: Any, domain: Any, search: str, budget: Any, seed: Any, metric: Any,
                 higher_is_better: Any, failure: Any, max_drop: Any, batch_size: Any, name: Optional[str],
                 suite: Optional[str], progress: Optional[Progress], cancel: Optional[threading.Event]):
        if not isinstance(model, Model):
            raise InputValidationError(f"model must be a kolena_lab Model, got {type(model).__name__}")
        if model.infer is None and model.infer_batch is None:
            raise IncorrectUsageError(f"model '{model.name}' has no infer or infer_batch function: load it with one "
                                      f"(Model.load(name, infer=...))")
        if not isinstance(test_case, TestCase):
            raise InputValidationError(f"test_case must be a TestCase, got {type(test_case).__name__}")
        if test_case.workflow.name != model.workflow.name:
            raise WorkflowMismatchError(f"test case '{test_case.name}' belongs to workflow "
                                        f"'{test_case.workflow.name}', not '{model.workflow.name}' (model "
                                        f"'{model.name}')")
        workflow = model.workflow
        if not (isinstance(workflow.test_sample_type, type) and issubclass(workflow.test_sample_type, Image)):
            raise IncorrectUsageError(f"stress testing perturbs images: workflow '{workflow.name}' has "
                                      f"{workflow.test_sample_type.__name__} test samples, not Image")
        if search not in SEARCHES:
            raise InputValidationError(f"search must be one of {', '.join(map(repr, SEARCHES))}, got {shown(search)}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InputValidationError(f"seed must be a non-negative integer, got {shown(seed)}")
        self.budget = _positive(budget, "budget")
        self.batch_size = _positive(batch_size, "batch_size")
        self.domain = resolve_domain(domain)
        self.task: Task = resolve_task(workflow, metric, higher_is_better, failure, max_drop)
        self.name = check_name(name if name is not None else f"{test_case.name} · stress", "stress test name")
        self.suite = check_name(suite if suite is not None else self.name, "test suite name")
        self.model, self.test_case, self.search, self.seed = model, test_case, search, int(seed)
        self.progress, self.cancel = progress, cancel
        self._check_names(workflow.name)
        self.parents = [_Member(s, gt) for s, gt in test_case.load_test_samples()]
        if not self.parents:
            raise IncorrectUsageError(f"test case '{test_case.name}' (version {test_case.version}) has no samples")
        missing = next((m.sample for m in self.parents if m.ground_truth is None), None)
        if missing is not None and not callable(metric):
            raise InputValidationError(f"test sample {shown(missing.locator)} of test case '{test_case.name}' has no "
                                       f"ground truth: the built-in metric '{self.task.metric}' needs one")
        self.test_case_type = bound_classes(workflow)[0]
        self.images = ImageCache()
        self.folder = catalog.media_folder()
        self.done, self.total = 0, 0

    def _check_names(self, workflow: str) -> None:
        """The run's test cases and suite may exist only in the model's workflow (checked before writing)."""
        names = [f"{self.name}: {axis.name}" for axis in self.domain.axes] + [f"{self.name}: {WORST}"]
        for name in names:
            check_name(name, "test case name")
        found = [("test case", name, _stored(catalog.test_case_info, name)) for name in names]
        found.append(("test suite", self.suite, _stored(catalog.test_suite_info, self.suite)))
        for kind, name, other in found:
            if other is not None and other != workflow:
                raise WorkflowMismatchError(f"{kind} '{name}' of this stress test exists in workflow '{other}', "
                                            f"not '{workflow}': pass another name (or suite)")

    # inference -------------------------------------------------------------------------------------------------

    def _infer(self, samples: List[Any]) -> List[Any]:
        """The model's inference of each sample: stored ones reused, the others inferred and stored (one batch)."""
        inferences = stored_inferences(self.model, samples)
        missing = [i for i, inference in enumerate(inferences) if inference is None]
        if missing:
            self._check_cancel()
            todo = [samples[i] for i in missing]
            if self.model.infer_batch is not None:
                new = batch_inferences(self.model.infer_batch(todo), todo)
            else:
                new = [self.model.infer(sample) for sample in todo]  # type: ignore[misc]
            store_inferences(self.model, todo, new)
            for i, inference in zip(missing, new):
                inferences[i] = inference
        return inferences

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise CancelledError(f"stress test '{self.name}' cancelled after {self.done} of {self.total} "
                                 "perturbations (what was inferred is kept; run it again to continue)")

    def _report(self, message: str) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total, message)

    # perturbing ------------------------------------------------------------------------------------------------

    def _perturb(self, proposal: Proposal) -> _Member:
        parent = self.parents[proposal.sample]
        image = self.images.get(parent.sample.locator)
        axis = self.domain.axis(proposal.axis)
        perturbed = axis.perturb(image, proposal.params, proposal.seed)
        locator = write_png(perturbed.image, self.folder)
        height, width = image.shape[:2]
        metadata = {**(getattr(parent.sample, "metadata", None) or {}), "stress_parent": parent.sample.locator,
                    "stress_axis": axis.name, "stress_params": dict(proposal.params), "stress_seed": proposal.seed,
                    "stress_run": self.name}
        sample = dataclasses.replace(parent.sample, locator=locator, metadata=metadata)
        ground_truth = None if parent.ground_truth is None else move_annotations(parent.ground_truth, perturbed,
                                                                                 width, height)
        return _Member(sample, ground_truth)

    def _perturb_all(self, batch: Sequence[Proposal]) -> List[_Member]:
        return [self._perturb(p) for p in batch]

    def _score(self, member: _Member, inference: Any) -> float:
        value = self.task.score(member.sample, member.ground_truth, inference)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not math.isfinite(float(value)):
            raise InputValidationError(f"metric '{self.task.metric}' returned {shown(value)} for test sample "
                                       f"{shown(member.sample.locator)}: it must return a finite number")
        return float(value)

    # the run ---------------------------------------------------------------------------------------------------

    def run(self) -> StressResults:
        search = make_search(self.search, self.domain, len(self.parents), self.budget, self.seed,
                             self.task.higher_is_better)
        self.total = search.total + len(self.parents)
        proposals = search.ask()
        preparer = self._preparer(proposals)  # perturbs ahead on a thread while the model infers
        try:
            clean = self._score_clean()
            rows: List[Dict[str, Any]] = []
            kept: Dict[str, _Member] = {}  # the perturbed samples that may join a test case (those worse than clean)
            while proposals:
                scores: List[float] = []
                for batch, perturbed in preparer:
                    self._check_cancel()
                    inferences = self._infer([m.sample for m in perturbed])
                    for proposal, member, inference in zip(batch, perturbed, inferences):
                        score = self._score(member, inference)
                        scores.append(score)
                        row = self._row(proposal, member, score, clean[proposal.sample])
                        rows.append(row)
                        if row["failure"] or row["drop"] > 0:
                            kept[member.sample.locator] = member
                    self.done += len(batch)
                    self._report(f"perturbing along {self.domain.name}")
                preparer.close()
                search.tell(proposals, scores)
                proposals = search.ask()
                preparer = self._preparer(proposals)
        finally:
            preparer.close()
        frame = pd.DataFrame(rows, columns=list(_COLUMNS))
        test_cases, suite = self._write_test_cases(frame, kept)
        record = self._record(float(np.mean(clean)))
        frame.to_parquet(rows_path(self.folder, self.name), index=False)
        return StressResults(self.name, record, frame, test_cases, suite)

    def _preparer(self, proposals: List[Proposal]) -> "_Preparer":
        batches = [proposals[i:i + self.batch_size] for i in range(0, len(proposals), self.batch_size)]
        return _Preparer(self._perturb_all, batches, max(2, PREPARED_AHEAD // self.batch_size))

    def _score_clean(self) -> List[float]:
        """The clean samples' scores (inferring those without a stored inference)."""
        self._report("scoring the clean samples")
        clean: List[float] = []
        for start in range(0, len(self.parents), self.batch_size):
            self._check_cancel()
            batch = self.parents[start:start + self.batch_size]
            inferences = self._infer([m.sample for m in batch])
            clean.extend(self._score(m, inf) for m, inf in zip(batch, inferences))
            self.done += len(batch)
            self._report("scoring the clean samples")
        return clean

    def _row(self, proposal: Proposal, member: _Member, score: float, clean: float) -> Dict[str, Any]:
        drop = self.task.drop(clean, score)
        return {"parent": self.parents[proposal.sample].sample.locator, "axis": proposal.axis,
                "params": json.dumps(proposal.params, sort_keys=True), "seed": proposal.seed, "step": proposal.step,
                "score": score, "clean_score": clean, "drop": drop, "failure": self.task.is_failure(clean, score),
                "locator": member.sample.locator}

    def _write_test_cases(self, frame: pd.DataFrame, members: Dict[str, _Member]) -> Tuple[List[Any], Any]:
        def pairs(locators: Sequence[str]) -> List[Tuple[Any, Any]]:
            unique = list(dict.fromkeys(locators))
            return [(members[loc].sample, members[loc].ground_truth) for loc in unique]

        data = []
        for axis in self.domain.axes:
            failed = frame[(frame["axis"] == axis.name) & frame["failure"]]
            data.append((f"{self.name}: {axis.name}", pairs(failed["locator"].tolist())))
        worsened = frame[frame["drop"] > 0].sort_values("drop", ascending=False, kind="stable")
        n_worst = int(math.ceil(WORST_FRACTION * len(frame)))
        data.append((f"{self.name}: {WORST}", pairs(worsened["locator"].head(n_worst).tolist())))
        test_cases = self.test_case_type.init_many(data, reset=True)
        for test_case in test_cases[:-1]:
            axis = test_case.name[len(self.name) + 2:]
            _describe(test_case, f"perturbations along '{axis}' on which model '{self.model.name}' fails (stress "
                                 f"test '{self.name}' of test case '{self.test_case.name}')")
        suite_type = bound_classes(self.model.workflow)[1]
        if _stored(catalog.test_suite_info, self.suite) is None:
            return test_cases, suite_type(self.suite, test_cases=[self.test_case, *test_cases])
        suite = suite_type.load(self.suite)
        with suite.edit() as editor:  # the suite's other test cases stay
            for test_case in [self.test_case, *test_cases]:
                editor.add(test_case)
        return test_cases, suite

    def _record(self, clean: float) -> Dict[str, Any]:
        record = {"model": self.model.name, "workflow": self.model.workflow.name,
                  "test_case": self.test_case.name, "test_case_version": self.test_case.version,
                  "domain": self.domain.to_dict(), "search": self.search, "budget": self.budget, "seed": self.seed,
                  "batch_size": self.batch_size, "suite": self.suite, "clean": clean, "n_samples": len(self.parents),
                  **self.task.describe()}
        worst = self.test_case_type.load(f"{self.name}: {WORST}")
        _describe(worst, json.dumps({record_key(): record}, sort_keys=True))
        return record


class _Preparer:
    """Perturbs a round's batches in order on a thread, at most ``ahead`` batches before they are consumed; iterating
    gives ``(batch, perturbed members)`` and raises what perturbing raised. ``close()`` stops the thread."""

    def __init__(self, perturb: Callable[[Sequence[Proposal]], List[_Member]], batches: List[List[Proposal]],
                 ahead: int):
        self._batches = batches
        self._queue: "queue.Queue[Tuple[Any, Any, Optional[BaseException]]]" = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(perturb,), name="stress-perturb", daemon=True)
        self._thread.start()

    def _run(self, perturb: Callable[[Sequence[Proposal]], List[_Member]]) -> None:
        for batch in self._batches:
            if self._stop.is_set():
                return
            try:
                item: Tuple[Any, Any, Optional[BaseException]] = (batch, perturb(batch), None)
            except BaseException as error:  # handed to the consumer, which raises it
                item = (batch, None, error)
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if item[2] is not None:
                return

    def __iter__(self) -> Iterator[Tuple[List[Proposal], List[_Member]]]:
        for _ in self._batches:
            batch, perturbed, error = self._queue.get()
            if error is not None:
                raise error
            yield batch, perturbed

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


_COLUMNS = ("parent", "axis", "params", "seed", "step", "score", "clean_score", "drop", "failure", "locator")


def _stored(info: Callable[[str], Any], name: str) -> Optional[str]:
    """The workflow of the stored test case or suite ``name`` (``info`` of ``catalog``), None when there is none."""
    try:
        return info(name).workflow
    except NotFoundError:
        return None


def _describe(test_case: Any, description: str) -> None:
    if test_case.description != description:
        with test_case.edit() as editor:
            editor.description(description)
