"""Testing a model on a suite: infer what is missing, evaluate, and store metrics and plots."""
import dataclasses
import json
import os
import threading
import warnings
from typing import Any, Callable, Dict, List, Literal, Optional, Sequence, Set, Tuple, Union

from kolena_lab import store
from kolena_lab.errors import (
    CancelledError,
    DuplicateDatapointIdError,
    IncorrectUsageError,
    InputValidationError,
    WorkflowMismatchError,
    shown,
)
from kolena_lab.store.checks import check_name
from kolena_lab.workflow import _codec
from kolena_lab.workflow import _result_checks as _checks
from kolena_lab.workflow import executor as _executor
from kolena_lab.workflow._distributed_inference import infer_on_cluster
from kolena_lab.workflow._inferring import InferenceFailure, InferenceTarget, Inferrer, Member

from kolena_lab.workflow._datatypes import DataObject
from kolena_lab.workflow.directions import note_stored
from kolena_lab.workflow.evaluator import Evaluator, EvaluatorConfiguration, check_configurations
from kolena_lab.workflow.evaluator_function import BasicEvaluatorFunction, TestCases, is_configured
from kolena_lab.workflow._secrets import SECRET_VARIABLE, redact
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.model import Model
from kolena_lab.workflow.test_case import TestCase
from kolena_lab.workflow.test_sample import TestSample, sample_label
from kolena_lab.workflow.test_suite import TestSuite

_NO_CONFIGURATION = ""
_DEFAULT_BATCH_SIZE = 64
_ON_ERROR = ("raise", "skip")


@dataclasses.dataclass(frozen=True)
class InferencePlan:
    """What running a test run will do for its model: samples to infer, and stored inferences reused."""

    model: str
    to_infer: int
    reused: int
    can_infer: bool

    def describe(self) -> str:
        """One line saying so, e.g. ``"resnet: 12 samples to infer, 88 reused"``."""
        text = f"{self.model}: {self.to_infer} samples to infer, {self.reused} reused"
        if self.to_infer and not self.can_infer:
            text += " — this model has no infer function here: those samples will fail"
        return text


class TestRun:
    """One evaluation of a model on a suite, keyed by (model, suite, evaluator display name).

    ``test_cases`` evaluates only those test cases (e.g. new versions of the suite's ones) instead of the suite's;
    suite metrics are stored only when the test cases evaluated are exactly the suite's. With no evaluator, the run
    infers what is missing and queues a job per evaluator registered for the workflow (see ``jobs``).

    A sample whose inference raises fails the run with ``on_error="raise"``; with ``"skip"`` it is listed in
    ``failures`` and the test cases holding it are left out of the evaluation (listed in ``skipped_test_cases``).
    ``inferred`` counts the inferences this run stored.

    ``executor`` (a ``distributed.Client``, a Dask cluster or a scheduler address; default ``KOLENA_LAB_DASK``) runs
    the inference on a Dask cluster, partitions of the samples on its workers, and the evaluation with that client
    current (``executor.using``) so ready evaluators can use it; the stored results are those of a single process.
    """

    __test__ = False

    def __init__(
        self,
        model: Model,
        test_suite: TestSuite,
        evaluator: Union[Evaluator, BasicEvaluatorFunction, None] = None,
        configurations: Optional[List[EvaluatorConfiguration]] = None,
        reset: bool = False,
        batch_size: Optional[int] = None,
        test_cases: Optional[List[TestCase]] = None,
        on_error: Literal["raise", "skip"] = "raise",
        executor: Any = None,
    ):
        if not isinstance(model, Model):
            raise InputValidationError(f"model must be a Model, got {type(model).__name__} {shown(model)}")
        if not isinstance(test_suite, TestSuite):
            hint = " (put it in a TestSuite, or pass test_cases=[...] with its suite)" if isinstance(
                test_suite, TestCase) else ""
            raise InputValidationError(f"test_suite must be a TestSuite, got {type(test_suite).__name__} "
                                       f"{shown(test_suite)}{hint}")
        if model.workflow.name != test_suite.workflow.name:
            raise WorkflowMismatchError(f"model '{model.name}' (workflow '{model.workflow.name}') cannot be tested "
                                        f"on suite '{test_suite.name}' (workflow '{test_suite.workflow.name}')")
        if evaluator is None:
            _check_registered_evaluators(model.workflow.name, configurations)
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise InputValidationError(f"batch_size must be a positive integer, got {batch_size!r}")
        if on_error not in _ON_ERROR:
            raise InputValidationError(f"on_error must be one of {', '.join(map(repr, _ON_ERROR))}, got {on_error!r}")
        if isinstance(evaluator, Evaluator):
            configurations = evaluator.configurations or None
        elif callable(evaluator):
            if configurations is None:  # a callable object may carry default configurations (kolena_lab.evaluators)
                configurations = getattr(evaluator, "configurations", None)
            check_configurations(configurations)
            if is_configured(evaluator) and not configurations:
                raise InputValidationError(f"evaluator function '{evaluator_name(evaluator)}' takes a configuration: "
                                 "pass configurations")
        elif evaluator is not None:
            raise InputValidationError(f"evaluator must be an Evaluator or a function, got {type(evaluator).__name__}")
        self.model, self.test_suite, self.evaluator = model, test_suite, evaluator
        self.configurations: List[Optional[EvaluatorConfiguration]] = list(configurations or [None])
        self.reset, self.batch_size = reset, batch_size or _DEFAULT_BATCH_SIZE
        self.evaluator_name = None if evaluator is None else check_name(evaluator_name(evaluator), "evaluator name")
        self.on_error = on_error
        self.jobs: List[int] = []
        self.failures: List[InferenceFailure] = []
        self.skipped_test_cases: List[TestCase] = []
        self._inferrer = Inferrer(InferenceTarget.of(model), self.batch_size, on_error, self.failures)
        for test_case in test_cases or []:
            if test_case.workflow.name != model.workflow.name:
                raise WorkflowMismatchError(f"test case '{test_case.name}' belongs to workflow "
                                            f"'{test_case.workflow.name}', not '{model.workflow.name}'")
        self._test_cases = list(test_suite.test_cases if test_cases is None else test_cases)
        self._members = self._load_members()
        self._unique_members: Optional[Dict[int, Member]] = None  # derived from _members, cached
        self._keys: Optional[Dict[int, str]] = None  # each unique sample's identity key, computed once
        if not any(self._members.values()):
            raise IncorrectUsageError(f"test suite '{test_suite.name}' (version {test_suite.version}) has no samples")
        self.client = _executor.connect(executor)

    def _load_members(self) -> Dict[TestCase, List[Member]]:
        workflow = self.model.workflow
        samples: Dict[int, TestSample] = {}
        ground_truths: Dict[str, Any] = {}
        out: Dict[TestCase, List[Member]] = {}
        with store.get_store().read() as conn:
            for test_case in self._test_cases:
                members = []
                for sample_id, key, metadata, gt in store.test_cases.members(conn, test_case._version_id):
                    if sample_id not in samples:
                        samples[sample_id] = _codec.decode_sample(workflow.test_sample_type, key, metadata)
                    if gt not in ground_truths:
                        ground_truths[gt] = _codec.decode(workflow.ground_truth_type, gt)
                    members.append(Member(sample_id, samples[sample_id], ground_truths[gt]))
                out[test_case] = members
        return out

    def _warn_conflicting_ground_truths(self) -> None:
        """Warn (once per evaluation) when samples have different ground truths in different test cases: an evaluator
        function sees each sample once."""
        first: Dict[int, Any] = {}
        conflicting = set()
        for members in self._members.values():
            for m in members:
                if first.setdefault(m.sample_id, m.ground_truth) != m.ground_truth:
                    conflicting.add(m.sample_id)
        if conflicting:
            warnings.warn(f"{len(conflicting)} samples have different ground truths in different test cases of suite "
                          f"'{self.test_suite.name}'; evaluator function '{self.evaluator_name}' sees each sample once, "
                          "with the ground truth of the last test case holding it. An Evaluator class evaluates each "
                          "test case with its own ground truths.", stacklevel=4)

    def _unique(self) -> Dict[int, Member]:
        """Each sample of the suite once; the ground truth of the last test case holding it."""
        if self._unique_members is None:
            self._unique_members = {m.sample_id: m for members in self._members.values() for m in members}
        return self._unique_members

    def _sample_keys(self) -> Dict[int, str]:
        if self._keys is None:
            self._keys = {sid: _codec.sample_key(m.sample) for sid, m in self._unique().items()}
        return self._keys

    def _ids_of(self, samples: Sequence[TestSample], members: Sequence[Member],
                unknown: Callable[[TestSample], str]) -> List[int]:
        """The store ids of ``samples`` among ``members``: by object when they are the objects handed out, else by
        identity key; ``unknown(sample)`` is the error message for a sample that is not a member."""
        by_object = {id(m.sample): m.sample_id for m in members}
        by_key: Optional[Dict[str, int]] = None
        ids = []
        for sample in samples:
            sample_id = by_object.get(id(sample))
            if sample_id is None:
                by_key = by_key or {self._sample_keys()[m.sample_id]: m.sample_id for m in members}
                sample_id = by_key.get(_codec.sample_key(sample))
                if sample_id is None:
                    raise InputValidationError(unknown(sample))
            ids.append(sample_id)
        return ids

    @property
    def inferred(self) -> int:
        """How many inferences this run stored."""
        return self._inferrer.inferred

    @property
    def test_cases(self) -> List[TestCase]:
        """The test cases this run evaluates (those skipped left out)."""
        return list(self._members)

    def plan(self) -> InferencePlan:
        """How many samples running will infer and how many stored inferences it will reuse; changes nothing."""
        to_infer = len(self._pending())
        return InferencePlan(self.model.name, to_infer, len(self._unique()) - to_infer, self._can_infer())

    def run(self, progress: Optional[Callable[[int, int], None]] = None,
            cancel: Optional[threading.Event] = None) -> None:
        """Infer the samples that need it, then evaluate every configuration and store the results.

        ``progress(done, total)`` is called with the samples inferred and to infer, before inferring and after each
        sample (or batch); without it a tqdm bar shows the progress. Once ``cancel`` is set, the run stops before the
        next sample (or batch), keeps what it inferred and raises ``CancelledError``. With ``on_error="skip"``, a run
        whose every test case holds a failed sample evaluates nothing and is marked failed.
        """
        if self.evaluator is None:
            self._infer(progress, cancel)
            self._queue_registered_evaluators()
            return
        self._set_status("running")
        try:
            self._infer(progress, cancel)
            if self._members:
                self.evaluate()
        except CancelledError as e:
            self._set_status("cancelled", str(e))
            raise
        except BaseException as e:
            self._set_status("failed", f"{type(e).__name__}: {e}")
            raise
        if self._members:
            self._set_status("succeeded")
        else:
            self._set_status("failed", f"every test case holds a sample whose inference failed "
                                       f"({len(self.failures)} failures)")

    def skip_uninferred_test_cases(self) -> List[TestCase]:
        """Leave out the test cases holding a sample without a stored inference; returns them (for runs whose model
        cannot infer, such as automatic evaluation jobs)."""
        with store.get_store().read() as conn:
            done = store.models.inferred_ids(conn, self.model._id, list(self._unique()))
        return self._leave_out(set(self._unique()) - done)

    def _leave_out(self, sample_ids: Set[int]) -> List[TestCase]:
        """Leave out the test cases holding any of ``sample_ids``; returns them (also added to
        ``skipped_test_cases``)."""
        skipped = [tc for tc, members in self._members.items() if any(m.sample_id in sample_ids for m in members)]
        for test_case in skipped:
            del self._members[test_case]
        self._unique_members = None
        self.skipped_test_cases.extend(skipped)
        return skipped

    def _covers_suite(self) -> bool:
        return [tc._version_id for tc in self._members] == [tc._version_id for tc in self.test_suite.test_cases]

    def _queue_registered_evaluators(self) -> None:
        with store.get_store().transaction() as conn:
            registered = store.evaluators.list_all(conn, self.model.workflow.name)
            self.jobs = store.jobs.queue(conn, self.model._id, self.test_suite._version_id,
                                         [e.id for e in registered], "test()")
        print(f"queued evaluation jobs {self.jobs} ({', '.join(e.name for e in registered)}); a kolena_lab worker "
              "runs them: kolena_lab.automation.start_worker() in this kernel, or `kolena-lab worker`")

    def load_test_samples(self) -> List[TestSample]:
        """The samples that still need an inference (all of them with ``reset=True``)."""
        return [m.sample for m in self._pending()]

    def _pending(self) -> List[Member]:
        unique = self._unique()
        if self.reset:
            return list(unique.values())
        with store.get_store().read() as conn:
            done = store.models.inferred_ids(conn, self.model._id, list(unique))
        return [m for sid, m in unique.items() if sid not in done]

    def _can_infer(self) -> bool:
        return self.model.infer is not None or self.model.infer_batch is not None

    def upload_inferences(self, inferences: Sequence[Tuple[TestSample, Inference]]) -> None:
        """Store inferences computed elsewhere, in one transaction; all are checked first (a sample given twice raises
        ``DuplicateDatapointIdError``) and none is stored if one is wrong."""
        pairs = _checks._pairs(inferences, "test sample, inference", "upload_inferences")
        samples = [sample for sample, _ in pairs]
        for i, sample in enumerate(samples):
            if not isinstance(sample, TestSample):
                raise InputValidationError(f"upload_inferences[{i}] must pair a test sample with its inference, got "
                                           f"{type(sample).__name__} {shown(sample)}")
        ids = self._ids_of(samples, list(self._unique().values()),
                           lambda sample: f"test sample {shown(sample_label(sample))} is not in test suite "
                                          f"'{self.test_suite.name}'")
        first: Dict[int, int] = {}
        for position, sample_id in enumerate(ids):
            if first.setdefault(sample_id, position) != position:
                raise DuplicateDatapointIdError(f"upload_inferences holds test sample "
                                                f"{shown(sample_label(samples[position]))} twice (items "
                                                f"{first[sample_id]} and {position})")
        self._inferrer.put([(sample_id, self._inferrer.encode(sample, inference))
                            for sample_id, (sample, inference) in zip(ids, pairs)])

    def _infer(self, progress: Optional[Callable[[int, int], None]], cancel: Optional[threading.Event]) -> None:
        pending = self._pending()
        if self.client is not None and pending and self._can_infer():
            failed = infer_on_cluster(self.client, self.model, self._inferrer, pending, progress, cancel)
        else:
            failed = self._inferrer.infer(pending, progress, cancel)
        if failed:
            self._leave_out(failed)

    def evaluate(self) -> None:
        """Evaluate every configuration on the stored inferences and store the results (with the run's Dask client
        current, when it has one)."""
        with _executor.using(self.client):
            self._evaluate()

    def _evaluate(self) -> None:
        with store.get_store().read() as conn:
            inferences = store.models.inferences(conn, self.model._id, list(self._unique()))
        cache: Dict[str, Inference] = {}
        decoded = {sid: cache.setdefault(text, _codec.decode(self.model.workflow.inference_type, text))
                   for sid, text in inferences.items()}
        missing = [m.sample for sid, m in self._unique().items() if sid not in decoded]
        if missing:
            raise IncorrectUsageError(f"{len(missing)} samples have no inference, e.g. {sample_label(missing[0])}")
        if not isinstance(self.evaluator, Evaluator):
            self._warn_conflicting_ground_truths()
        for configuration in self.configurations:
            if isinstance(self.evaluator, Evaluator):
                results = self._evaluate_class(self.evaluator, configuration, decoded)
            else:
                results = self._evaluate_function(configuration, decoded)
            self._store_results(configuration, *results)

    def _evaluate_class(self, evaluator: Evaluator, configuration: Optional[EvaluatorConfiguration],
                        inferences: Dict[int, Inference]) -> tuple:
        sample_metrics, case_metrics, plots = {}, [], {}
        name = f"evaluator '{self.evaluator_name}'"
        for test_case, members in self._members.items():
            triples = [(m.sample, m.ground_truth, inferences[m.sample_id]) for m in members]
            where = f"{name}: compute_test_sample_metrics of test case '{test_case.name}'"
            per_sample = _checks.sample_metrics(
                evaluator.compute_test_sample_metrics(test_case, triples, configuration), where)
            sample_metrics[test_case._version_id] = self._sample_rows(per_sample, members, where)
            metrics = [m for _, m in per_sample]
            case_metrics.append((test_case, _checks.case_metrics(
                evaluator.compute_test_case_metrics(test_case, triples, metrics, configuration),
                f"{name}: compute_test_case_metrics of test case '{test_case.name}'")))
            plots[test_case] = _checks.plots(
                evaluator.compute_test_case_plots(test_case, triples, metrics, configuration),
                f"{name}: compute_test_case_plots of test case '{test_case.name}'")
        suite_metrics = (_checks.suite_metrics(
            evaluator.compute_test_suite_metrics(self.test_suite, case_metrics, configuration),
            f"{name}: compute_test_suite_metrics") if self._covers_suite() else None)
        return sample_metrics, case_metrics, plots, suite_metrics

    def _evaluate_function(self, configuration: Optional[EvaluatorConfiguration],
                           inferences: Dict[int, Inference]) -> tuple:
        unique = self._unique()
        members = list(unique.values())
        keys = self._sample_keys()
        memberships = [(tc, {keys[m.sample_id] for m in tc_members}) for tc, tc_members in self._members.items()]
        test_cases = TestCases(memberships, keys={id(m.sample): keys[sid] for sid, m in unique.items()})
        args = ([m.sample for m in members], [m.ground_truth for m in members],
                [inferences[m.sample_id] for m in members], test_cases)
        function: Callable = self.evaluator  # type: ignore[assignment]
        results = _checks.evaluation_results(
            function(*args, configuration) if is_configured(function) else function(*args), self.evaluator_name)
        name = f"evaluator function '{self.evaluator_name}'"
        evaluated = list(self._members)
        per_sample = _checks.sample_metrics(results.metrics_test_sample, f"{name}: metrics_test_sample")
        sample_rows = self._sample_rows(per_sample, members, f"{name}: metrics_test_sample")
        case_metrics = _checks.case_metric_pairs(results.metrics_test_case, evaluated, f"{name}: metrics_test_case")
        plots = _checks.case_plot_pairs(results.plots_test_case, evaluated, f"{name}: plots_test_case")
        suite_metrics = _checks.suite_metrics(results.metrics_test_suite, f"{name}: metrics_test_suite")
        return ({store.results.SUITE_SCOPE: sample_rows}, case_metrics, plots,
                suite_metrics if self._covers_suite() else None)

    def _sample_rows(self, per_sample: Sequence[Tuple[TestSample, DataObject]], members: Sequence[Member],
                     where: str) -> list:
        """The encoded metrics rows, once each sample of ``members`` is known to have exactly one."""
        samples = [sample for sample, _ in per_sample]
        ids = self._ids_of(samples, members, lambda sample: f"{where} holds metrics for test sample "
                                                            f"{shown(sample_label(sample))}, which is not being "
                                                            "evaluated")
        _checks.sample_coverage(ids, samples, {m.sample_id: m.sample for m in members}, where)
        note_stored([metrics for _, metrics in per_sample], self.evaluator_name)
        return [(sample_id, _codec.encode(metrics)) for sample_id, (_, metrics) in zip(ids, per_sample)]

    def _store_results(self, configuration: Optional[EvaluatorConfiguration], sample_metrics: Dict[int, list],
                       case_metrics: list, plots: Dict[Any, list], suite_metrics: Optional[DataObject]) -> None:
        name = configuration.display_name() if configuration is not None else _NO_CONFIGURATION
        model_id, evaluator = self.model._id, self.evaluator_name
        version_ids = {tc: tc._version_id for tc in self._members}
        note_stored([m for _, m in case_metrics] + ([suite_metrics] if suite_metrics is not None else []), evaluator)
        with store.get_store().transaction() as conn:
            for scope, rows in sample_metrics.items():
                store.results.put_sample_metrics(conn, model_id, evaluator, name, scope, rows)
            for test_case, metrics in case_metrics:
                encoded_plots = _codec.dumps([p._to_dict() for p in plots.get(test_case) or []])
                store.results.put_case_metrics(conn, model_id, evaluator, name, version_ids[test_case],
                                               _codec.encode(metrics), encoded_plots)
            if suite_metrics is not None:
                store.results.put_suite_metrics(conn, model_id, evaluator, name, self.test_suite._version_id,
                                                _codec.encode(suite_metrics))

    def _set_status(self, status: str, error: Optional[str] = None) -> None:
        """Record the run's status; an evaluator job's secret is hidden in the stored error."""
        error = redact(error, os.environ.get(SECRET_VARIABLE))
        configurations = [c._to_dict() | {"display_name": c.display_name()} for c in self.configurations if c]
        with store.get_store().transaction() as conn:
            previous = store.results.get_run(conn, self.model._id, self.test_suite._id, self.evaluator_name)
            if previous is not None:
                known = {c["display_name"]: c for c in json.loads(previous[0])}
                known.update({c["display_name"]: c for c in configurations})
                configurations = list(known.values())
            store.results.upsert_run(conn, self.model._id, self.test_suite._id, self.evaluator_name,
                                     _codec.dumps(configurations), status, error)


def _check_registered_evaluators(workflow: str, configurations: Optional[List[EvaluatorConfiguration]]) -> None:
    if configurations is not None:
        raise IncorrectUsageError("configurations need an evaluator; registered evaluators use their own")
    with store.get_store().read() as conn:
        if not store.evaluators.list_all(conn, workflow):
            raise IncorrectUsageError(f"no evaluator given and none is registered for workflow '{workflow}': pass an "
                                      "Evaluator or an evaluator function (no_op_evaluator only stores inferences), "
                                      "or register one (kolena_lab.automation.register_evaluator, "
                                      "`kolena-lab evaluator register`)")


def evaluator_name(evaluator: Any) -> str:
    """The name results are stored under: an Evaluator's or callable object's ``display_name()``, else the
    function's (or class's) name."""
    display_name = None if isinstance(evaluator, type) else getattr(evaluator, "display_name", None)
    return display_name() if callable(display_name) else getattr(evaluator, "__name__", type(evaluator).__name__)


def test(
    model: Model,
    test_suite: TestSuite,
    evaluator: Union[Evaluator, BasicEvaluatorFunction, None] = None,
    configurations: Optional[List[EvaluatorConfiguration]] = None,
    reset: bool = False,
    batch_size: Optional[int] = None,
    *,
    on_error: Literal["raise", "skip"] = "raise",
    executor: Any = None,
) -> TestRun:
    """Test a model on a suite: infer samples lacking an inference (all with ``reset``), then evaluate.

    Without an evaluator, the evaluators registered for the workflow run: after inferring, a job per evaluator is
    queued for a kolena_lab worker (``IncorrectUsageError`` when none is registered).

    ``batch_size`` sets how many samples are inferred (with ``model.infer_batch`` if the model has one) and stored
    per transaction (64 by default); inferences stored before a failure are kept, so a re-run continues from there.
    ``on_error="skip"`` lists the samples whose inference raises in the run's ``failures`` and evaluates the test
    cases without them instead of failing. ``executor`` runs the work on a Dask cluster (see ``TestRun``).

    Each inference is checked before it is stored (its class and field values; ``InputValidationError`` naming the
    sample), and so are the evaluator's results before any of them is stored: metrics of the right types, exactly one
    per sample, at most one per test case. A function evaluator returning None is refused (``no_op_evaluator`` stores
    empty metrics).
    """
    run = TestRun(model, test_suite, evaluator, configurations, reset, batch_size, on_error=on_error, executor=executor)
    run.run()
    return run


__all__ = ["InferenceFailure", "InferencePlan", "TestRun", "evaluator_name", "test"]
