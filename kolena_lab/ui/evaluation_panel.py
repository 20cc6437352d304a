"""EvaluationPanel: pick models, a suite version, an evaluator and its configurations, then compute metrics.

"Compute metrics" runs a ``TestRun`` per chosen model with ``on_error="skip"``, in a background thread: the panel
shows each run's ``plan()`` (and refuses a run that cannot succeed), follows its progress, cancels it, always ends in
a final state (done, failed or cancelled) with a summary, lists the samples whose inference failed and the test
cases left out for them, and opens the results.
"""
import copy
import dataclasses
import html
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Type, Union

import ipywidgets

from kolena_lab.errors import CancelledError, IncorrectUsageError, NotFoundError
from kolena_lab.ui._checklist import CheckList
from kolena_lab.ui._widget import Panel, error_text, html_table
from kolena_lab.workflow import (
    Evaluator,
    EvaluatorConfiguration,
    InferenceFailure,
    InferencePlan,
    Model,
    TestRun,
    TestSuite,
    Workflow,
    bound_classes,
    catalog,
)
from kolena_lab.workflow.test_run import evaluator_name


def evaluator_configurations(evaluator: Any) -> List[EvaluatorConfiguration]:
    """The configurations an evaluator carries (an Evaluator's, or a callable object's ``configurations``)."""
    return list(getattr(evaluator, "configurations", None) or [])


def _can_infer(model: Model) -> bool:
    """Whether the model was given an ``infer`` or ``infer_batch`` (a stored model loaded by name has neither)."""
    return model.infer is not None or model.infer_batch is not None


def _error(text: str) -> str:
    return f"<span style='color:#a40e26'>{html.escape(text)}</span>"


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


PROGRESS_INTERVAL_S = 0.2  # at most 5 progress updates a second reach the browser: a burst would be dropped
SHOWN_FAILURES = 200


@dataclasses.dataclass
class Outcome:
    """The result of one "Compute metrics": the runs that evaluated, the samples whose inference failed, the test
    cases left out per model, whether it was cancelled, and the error that ended it if any."""

    runs: List[TestRun] = dataclasses.field(default_factory=list)
    failures: List[InferenceFailure] = dataclasses.field(default_factory=list)
    skipped_test_cases: Dict[str, List[str]] = dataclasses.field(default_factory=dict)
    cancelled: bool = False
    inferred: int = 0
    error: Optional[str] = None


class EvaluationPanel(Panel):
    """Choose models, a test suite and version, an evaluator and configurations; compute metrics with progress.

    ``evaluators``: Evaluator instances, evaluator functions or callable objects (a callable's ``configurations``
    attribute offers its configurations; ``configurations`` maps an evaluator's name to more). ``models``: models
    with their ``infer`` (by default the workflow's stored models, which can only reuse stored inferences).
    ``batch_size`` is the runs' (``TestRun``'s default when not given).
    ``on_complete(outcome)`` runs after each computation, e.g. to refresh a ResultsDashboard. A model without
    ``infer`` is listed as such, and a run that would need it is refused before it starts.
    """

    title = "Evaluation"

    def __init__(
        self,
        workflow: Union[Workflow, Type[Model]],
        evaluators: Sequence[Any],
        models: Optional[Sequence[Model]] = None,
        test_suites: Optional[Sequence[TestSuite]] = None,
        configurations: Optional[Dict[str, List[EvaluatorConfiguration]]] = None,
        batch_size: Optional[int] = None,
        on_complete: Optional[Callable[[Outcome], Any]] = None,
    ):
        if not evaluators:
            raise ValueError("EvaluationPanel needs at least one evaluator (an Evaluator or an evaluator function)")
        _, suite_class, model_class = bound_classes(workflow)
        self.title = f"Evaluation ({model_class.workflow.name})"
        self._models = {m.name: m for m in (models if models is not None else model_class.list())}
        suites = list(test_suites) if test_suites is not None else suite_class.list()
        self._suite_class = suite_class
        self._suites = {s.name: s for s in suites}
        self._evaluators: Dict[str, Any] = {}
        for evaluator in evaluators:
            if not callable(evaluator) and not isinstance(evaluator, Evaluator):
                raise TypeError(f"evaluator must be an Evaluator, a function or a callable object: {evaluator!r}")
            self._evaluators[evaluator_name(evaluator)] = evaluator
        self._extra_configurations = dict(configurations or {})
        self.batch_size = batch_size
        self.on_complete = on_complete
        self._cancel = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._computing = False  # from the start of a computation to its final state, in the background or not
        self.outcome: Optional[Outcome] = None

        self.models_select = CheckList(
            "Models", [(name if _can_infer(m) else f"{name} (stored inferences only)", name)
                       for name, m in self._models.items()], value=tuple(self._models)[:1])
        self.suite_select = ipywidgets.Dropdown(options=list(self._suites), description="Test suite")
        self.version_select = ipywidgets.Dropdown(description="Version")
        self.evaluator_select = ipywidgets.Dropdown(options=list(self._evaluators), description="Evaluator")
        self.configurations_select = CheckList("Configurations")
        self.reset = ipywidgets.Checkbox(description="Re-infer every sample (reset)", indent=False)
        self.plan_text = ipywidgets.HTML()
        self.compute_button = ipywidgets.Button(description="Compute metrics", button_style="primary")
        self.cancel_button = ipywidgets.Button(description="Cancel", disabled=True, tooltip="Stop after this sample")
        self.progress = ipywidgets.IntProgress(value=0, min=0, max=1, description="Progress")
        self.progress_text = ipywidgets.Label()
        self.status = ipywidgets.HTML()
        self.results_button = ipywidgets.Button(description="Show results", icon="table",
                                                layout=ipywidgets.Layout(display="none"))
        self.results = ipywidgets.Output()
        self.failures_table = ipywidgets.HTML()
        self._last_progress = 0.0

        self.suite_select.observe(lambda _: self._on_suite(), "value")
        self.evaluator_select.observe(lambda _: self._on_evaluator(), "value")
        for control in (self.models_select, self.version_select, self.reset, self.configurations_select):
            control.observe(lambda _: self._show_plan(), "value")
        self.compute_button.on_click(lambda _: self.compute(background=True))
        self.cancel_button.on_click(lambda _: self.cancel())
        self.results_button.on_click(lambda _: self._guard(self.show_results))
        super().__init__([
            self.models_select, ipywidgets.HBox([self.suite_select, self.version_select]),
            ipywidgets.HBox([self.evaluator_select, self.configurations_select]), self.reset, self.plan_text,
            ipywidgets.HBox([self.compute_button, self.cancel_button]),
            ipywidgets.HBox([self.progress, self.progress_text]), ipywidgets.HBox([self.status, self.results_button]),
            self.failures_table, self.results,
        ])
        self._hold_plan = True  # the choices below fire observers: one plan at the end, not one per change
        self._on_evaluator()
        self._on_suite()
        self._hold_plan = False
        self._show_plan()

    # -- choices ------------------------------------------------------------------------------------------------

    def _on_suite(self) -> None:
        name = self.suite_select.value
        if not name:
            self.version_select.options = []
            return
        try:
            latest = catalog.test_suite_info(name).latest_version
        except NotFoundError:  # a suite given that is not stored
            latest = self._suites[name].version
        self.version_select.options = [(f"{v}{' (latest)' if v == latest else ''}", v)
                                       for v in range(latest, 0, -1)]
        self.version_select.value = latest
        self._show_plan()

    def _on_evaluator(self) -> None:
        evaluator = self._evaluators[self.evaluator_select.value]
        names = [c.display_name() for c in self._all_configurations(evaluator)]
        self.configurations_select.set_options(names, names)
        self.configurations_select.disabled = not names
        self._show_plan()

    def _all_configurations(self, evaluator: Any) -> List[EvaluatorConfiguration]:
        found = evaluator_configurations(evaluator) + self._extra_configurations.get(evaluator_name(evaluator), [])
        unique: Dict[str, EvaluatorConfiguration] = {}
        for configuration in found:
            unique.setdefault(configuration.display_name(), configuration)
        return list(unique.values())

    def select(self, models: Optional[Sequence[str]] = None, test_suite: Optional[str] = None,
               version: Optional[int] = None, evaluator: Optional[str] = None,
               configurations: Optional[Sequence[str]] = None, reset: Optional[bool] = None) -> None:
        """Set the choices as the controls would (names, as listed)."""
        if test_suite is not None:
            self.suite_select.value = test_suite
        if version is not None:
            self.version_select.value = version
        if evaluator is not None:
            self.evaluator_select.value = evaluator
        if configurations is not None:
            self.configurations_select.value = tuple(configurations)
        if models is not None:
            self.models_select.value = tuple(models)
        if reset is not None:
            self.reset.value = reset

    def test_suite(self) -> TestSuite:
        """The chosen suite at the chosen version."""
        if not self.suite_select.value:
            raise ValueError("no test suite to evaluate on")
        return self._suite_class.load(self.suite_select.value, self.version_select.value)

    def evaluator(self) -> Any:
        """The chosen evaluator, limited to the chosen configurations."""
        evaluator = self._evaluators[self.evaluator_select.value]
        chosen = self.configurations()
        if isinstance(evaluator, Evaluator) and chosen:
            evaluator = copy.copy(evaluator)
            evaluator.configurations = chosen
        return evaluator

    def configurations(self) -> Optional[List[EvaluatorConfiguration]]:
        """The chosen configurations (None when the evaluator has none)."""
        evaluator = self._evaluators[self.evaluator_select.value]
        everything = {c.display_name(): c for c in self._all_configurations(evaluator)}
        if not everything:
            return None
        chosen = [everything[name] for name in self.configurations_select.value]
        if not chosen:
            raise ValueError("choose at least one configuration")
        return chosen

    def test_runs(self) -> List[TestRun]:
        """A ``TestRun`` per chosen model on the chosen suite version, evaluator and configurations, as "Compute
        metrics" runs them."""
        test_suite = self.test_suite()
        evaluator = self.evaluator()
        configurations = None if isinstance(evaluator, Evaluator) else self.configurations()
        return [TestRun(self._models[name], test_suite, evaluator, configurations, reset=self.reset.value,
                        batch_size=self.batch_size, on_error="skip")
                for name in self.models_select.value]

    def plan(self) -> List[InferencePlan]:
        """Per chosen model: how many samples will be inferred and how many stored inferences reused."""
        return [run.plan() for run in self.test_runs()]

    @staticmethod
    def _blocker(run: TestRun, plan: InferencePlan) -> Optional[str]:
        """Why ``run`` cannot succeed, if it cannot: samples to infer and no ``infer`` to infer them with."""
        if plan.to_infer and not plan.can_infer:
            return (f"'{run.model.name}' was given without its infer function, and {plan.to_infer:,} samples have no "
                    "stored inference for it" + (": untick re-infer, or choose a model that can infer" if run.reset
                                                 else ": choose a model that can infer"))
        return None

    def _show_plan(self) -> None:
        if not hasattr(self, "children") or getattr(self, "_hold_plan", False):
            return
        try:
            runs = self.test_runs() if self.models_select.value else []
            plans = [run.plan() for run in runs]
        except Exception as e:  # an incomplete choice: say what is wrong, do not raise inside an observer
            self.plan_text.value = _error(error_text(e))
            self.compute_button.disabled = True
            return
        reasons = list(map(self._blocker, runs, plans))
        blockers = [b for b in reasons if b]
        items = "".join(f"<li>{_error(b) if b else html.escape(p.describe())}</li>" for p, b in zip(plans, reasons))
        self.plan_text.value = (f"<div style='margin-top:4px'>Computing now would do:</div>"
                                f"<ul style='margin:2px 0'>{items}</ul>" if items else "<i>choose a model</i>")
        self.compute_button.disabled = bool(blockers) or not runs or self._running()

    def _running(self) -> bool:
        return self._computing

    # -- computing ----------------------------------------------------------------------------------------------

    def compute(self, background: bool = False) -> Optional[Outcome]:
        """Infer what is missing and evaluate the chosen models; in a background thread when ``background``."""
        if self._running():
            raise RuntimeError("a computation is already running")
        self._cancel.clear()
        try:
            runs = self.test_runs()
            plans = [run.plan() for run in runs]
            blockers = [b for b in map(self._blocker, runs, plans) if b]
            if blockers:
                raise IncorrectUsageError("; ".join(blockers))
        except Exception as e:
            self.status.value = _error(error_text(e))
            if background:
                return None
            raise
        self.progress.max = max(1, sum(p.to_infer for p in plans) + len(plans))
        self.progress.value = 0
        self.progress.bar_style = "info"
        self.failures_table.value = ""
        self.results_button.layout.display = "none"
        self.results.clear_output()
        self.compute_button.disabled, self.cancel_button.disabled = True, False
        self._computing = True
        if background:
            self._thread = threading.Thread(target=self._compute, args=(runs,), daemon=True,
                                            name="kolena-lab-evaluation")
            self._thread.start()
            return None
        return self._compute(runs)

    def cancel(self) -> None:
        """Stop the running computation after the sample being inferred (stored inferences are kept); an evaluation
        under way finishes first."""
        if not self._running():
            return
        self._cancel.set()
        self.cancel_button.disabled = True
        self.status.value = "Cancelling after the current sample…"

    def wait(self, timeout: Optional[float] = None) -> Optional[Outcome]:
        """Block until a background computation is done; its outcome."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.outcome

    def _show_progress(self, value: int, force: bool = True) -> None:
        """Move the bar; unless ``force``, at most every ``PROGRESS_INTERVAL_S`` (a flood of widget updates makes
        the kernel drop messages, the final one included, and the panel would look stuck)."""
        now = time.monotonic()
        if not force and now - self._last_progress < PROGRESS_INTERVAL_S:
            return
        self._last_progress = now
        self.progress.value = min(self.progress.max, value)
        self.progress_text.value = f"{self.progress.value:,} / {self.progress.max:,}"

    def _compute(self, runs: List[TestRun]) -> Outcome:
        outcome = Outcome()
        try:
            for run in runs:
                self._compute_run(run, outcome)
        except CancelledError:
            outcome.cancelled = True
        except BaseException as e:  # whatever ends the computation is shown; re-raised for direct callers
            outcome.error = f"{type(e).__name__}: {e}"
            self._finish(outcome)
            if threading.current_thread() is threading.main_thread():
                raise
            return outcome
        self._finish(outcome)
        return outcome

    def _compute_run(self, run: TestRun, outcome: Outcome) -> None:
        name, start = html.escape(run.model.name), self.progress.value

        def progress(done: int, total: int) -> None:
            self._show_progress(start + done, force=done in (0, total))
            status = f"Evaluating <b>{name}</b>…" if done == total else f"Inferring <b>{name}</b>: {total:,} samples…"
            if not self._cancel.is_set() and self.status.value != status:
                self.status.value = status

        try:
            run.run(progress=progress, cancel=self._cancel)
        finally:
            outcome.inferred += run.inferred
            self._show_progress(max(self.progress.value, start + run.inferred))  # what a cancel or error kept
            outcome.failures.extend(run.failures)
            if run.skipped_test_cases:
                outcome.skipped_test_cases[run.model.name] = [tc.name for tc in run.skipped_test_cases]
        if run.test_cases:
            outcome.runs.append(run)
        self._show_progress(self.progress.value + 1)

    def _finish(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self._computing = False
        self.cancel_button.disabled = True
        self._show_progress(self.progress.value)
        if outcome.cancelled:
            self.progress.bar_style = "warning"
            self.status.value = (f"Cancelled after {outcome.inferred} inferences; they are stored, so computing again "
                                 "continues from there.")
        elif outcome.error:
            self.progress.bar_style = "danger"
            self.status.value = (f"<span style='color:#a40e26'>Stopped by {html.escape(outcome.error)}</span> after "
                                 f"{outcome.inferred} samples inferred; they are stored.")
        else:
            self.progress.bar_style = "danger" if outcome.failures else "success"
            self._show_progress(self.progress.max)
            evaluated = ", ".join(html.escape(r.model.name) for r in outcome.runs) or "none"
            self.status.value = (f"Done: {outcome.inferred:,} samples inferred; evaluated {evaluated}; "
                                 f"{len(outcome.failures):,} failures.")
        self.results_button.layout.display = "" if outcome.runs else "none"
        skipped = "".join(f"<li>{html.escape(m)}: not evaluated on {html.escape(', '.join(tcs))} (failed samples)</li>"
                          for m, tcs in outcome.skipped_test_cases.items())
        shown = outcome.failures[:SHOWN_FAILURES]
        caption = f"{len(outcome.failures):,} failures" + (
            f" (the first {SHOWN_FAILURES} shown)" if len(shown) < len(outcome.failures)
            else "")
        table = html_table(["model", "sample", "error"], [[f.model, f.sample, _shorten(f.error)] for f in shown],
                           caption=caption) if outcome.failures else ""
        self.failures_table.value = (f"<ul>{skipped}</ul>" if skipped else "") + table
        try:
            if self.on_complete is not None:
                self.on_complete(outcome)
        except Exception as e:  # the final state stays reachable whatever the callback does
            self.status.value += "<br>" + _error(f"on_complete raised {type(e).__name__}: {e}")
        finally:
            self._show_plan()  # enables "Compute metrics" again unless the plan says a run cannot succeed
            self.update_displays()

    def show_results(self) -> Any:
        """A ResultsDashboard of the last computation's suite and evaluated models, shown below the panel."""
        from kolena_lab.ui.dashboard import ResultsDashboard

        if self.outcome is None or not self.outcome.runs:
            raise IncorrectUsageError("no results yet: compute metrics first")
        runs = self.outcome.runs
        dashboard = ResultsDashboard(runs[0].test_suite, [run.model for run in runs])
        self.results.clear_output()
        with self.results:
            from IPython.display import display

            display(dashboard)
        return dashboard

    def snapshot_body(self) -> str:
        return "".join([self.plan_text.value, f"<p>{self.status.value}</p>" if self.status.value else "",
                        self.failures_table.value])


__all__ = ["EvaluationPanel", "Outcome", "evaluator_configurations", "evaluator_name"]
