"""EvaluationPanel logic on a real store: the plan, computing with progress, per-sample failures, cancel."""
import threading

import pytest

from kolena_lab.ui import EvaluationPanel
from kolena_lab.workflow import load_test_case_metrics
from tests.unit.ui import _results as R


def _evaluator():
    return R.AccuracyEvaluator(configurations=[R.Threshold(0.0), R.Threshold(0.7)])


@pytest.fixture
def setup(sqlite_store):
    suite, models = R.build(n_samples=20, evaluate=False)
    return suite, models


def test_plan_counts_samples_to_infer_and_reused(setup):
    suite, models = setup
    panel = EvaluationPanel(R.workflow, [_evaluator()], models=models)
    panel.select(models=["model-5", "model-9"], test_suite="ui suite")
    assert [(p.model, p.to_infer, p.reused) for p in panel.plan()] == [("model-5", 20, 0), ("model-9", 20, 0)]
    assert "model-5: 20 samples to infer, 0 reused" in panel.plan_text.value
    outcome = panel.compute()
    assert not outcome.failures and [r.model.name for r in outcome.runs] == ["model-5", "model-9"]
    assert [(p.to_infer, p.reused) for p in panel.plan()] == [(0, 20), (0, 20)]
    panel.reset.value = True
    assert [(p.to_infer, p.reused) for p in panel.plan()] == [(20, 0), (20, 0)]


def test_compute_stores_metrics_for_chosen_configurations_with_full_progress(setup):
    suite, models = setup
    panel = EvaluationPanel(R.workflow, [_evaluator()], models=models)
    assert [label for label, _ in panel.configurations_select.options] == ["threshold=0.0", "threshold=0.7"]
    panel.select(models=["model-9"], configurations=["threshold=0.7"])
    panel.compute()
    frame = load_test_case_metrics(models[1], suite)
    assert frame["configuration"].unique().tolist() == ["threshold=0.7"]
    assert panel.progress.value == panel.progress.max == 21  # 20 inferences + 1 evaluation
    assert panel.progress.bar_style == "success" and "Done" in panel.status.value


def test_failing_samples_are_listed_and_their_test_cases_skipped(setup):
    suite, models = setup
    base = R.predictor(5)

    def flaky(sample):
        if sample.locator.endswith("0015.png"):  # only in the test case "all"
            raise RuntimeError("cannot decode <image>")
        return base(sample)

    panel = EvaluationPanel(R.workflow, [_evaluator()], models=[R.Model.load("model-5", infer=flaky)])
    outcome = panel.compute()
    assert [(f.model, f.sample) for f in outcome.failures] == [("model-5", "/data/img0015.png")]
    assert outcome.skipped_test_cases == {"model-5": ["all"]}
    assert "cannot decode &lt;image&gt;" in panel.failures_table.value
    frame = load_test_case_metrics(models[0], suite)
    assert set(frame["test_case"]) == {"half"}
    assert panel.progress.bar_style == "danger"
    assert "model-5: 1 samples to infer, 19 reused" in panel.plan_text.value


def test_cancel_stops_and_keeps_what_was_inferred(setup):
    suite, models = setup
    gate, calls = threading.Event(), []
    base = R.predictor(9)

    def slow(sample):
        calls.append(sample)
        if len(calls) == 5:
            gate.set()
            panel._cancel.wait(10)  # hold the run until the cancel button is pressed
        return base(sample)

    panel = EvaluationPanel(R.workflow, [_evaluator()], models=[R.Model.load("model-9", infer=slow)], batch_size=4)
    panel.compute(background=True)
    assert gate.wait(10)
    panel.cancel_button.click()
    outcome = panel.wait(10)
    assert outcome.cancelled and outcome.inferred == 5 and len(calls) == 5
    assert panel.progress.bar_style == "warning" and "Cancelled after 5" in panel.status.value
    assert panel.progress.value == 5
    assert [(p.to_infer, p.reused) for p in panel.plan()] == [(15, 5)]


def test_function_evaluators_and_callable_objects(setup):
    suite, models = setup
    from kolena_lab.workflow import EvaluationResults

    def accuracy_function(test_samples, ground_truths, inferences, test_cases):
        metrics = [R.SampleMetrics(correct=g.label.label == i.prediction.label, score=i.prediction.score)
                   for g, i in zip(ground_truths, inferences)]
        per_case = [(tc, R.CaseMetrics(n=len(m), accuracy=sum(x.correct for x in m) / len(m),
                                       error_rate=0.0, per_class=[]))
                    for tc, _, _, _, m in test_cases.iter(test_samples, ground_truths, inferences, metrics)]
        return EvaluationResults(metrics_test_sample=list(zip(test_samples, metrics)), metrics_test_case=per_case)

    panel = EvaluationPanel(R.workflow, [_evaluator(), accuracy_function], models=models)
    assert panel.evaluator_select.options == ("AccuracyEvaluator", "accuracy_function")
    panel.select(evaluator="accuracy_function", models=["model-3"])
    assert panel.configurations_select.disabled
    panel.compute()
    frame = load_test_case_metrics(models[2], suite, evaluator="accuracy_function")
    assert frame["accuracy"].tolist() == pytest.approx([0.3, 0.3])
    with pytest.raises(TypeError):
        EvaluationPanel(R.workflow, [object()], models=models)


def test_an_evaluation_error_stops_the_computation_and_is_shown(setup):
    def broken(test_samples, ground_truths, inferences, test_cases):
        raise RuntimeError("broken <evaluator>")

    panel = EvaluationPanel(R.workflow, [broken], models=setup[1])
    panel.select(models=["model-3"])
    with pytest.raises(RuntimeError, match="broken"):
        panel.compute()
    assert panel.outcome.error == "RuntimeError: broken <evaluator>" and panel.outcome.inferred == 20
    assert panel.progress.bar_style == "danger" and "broken &lt;evaluator&gt;" in panel.status.value
    assert [(p.to_infer, p.reused) for p in panel.plan()] == [(0, 20)]


def test_stored_models_without_infer_are_marked_and_a_run_that_needs_infer_is_refused(setup):
    suite, models = setup
    panel = EvaluationPanel(R.workflow, [_evaluator()])  # as the README shows: the workflow's stored models
    labels = [label for label, _ in panel.models_select.options]
    assert len(labels) == 3 and all(label.endswith(" (stored inferences only)") for label in labels)
    panel.select(models=["model-5"])
    assert panel.compute_button.disabled
    assert "was given without its infer function, and 20 samples have no stored inference" in panel.plan_text.value
    assert "Model(" not in panel.plan_text.value  # no Python advice inside the UI
    from kolena_lab.errors import IncorrectUsageError

    with pytest.raises(IncorrectUsageError, match="model-5"):
        panel.compute()
    assert panel.compute(background=True) is None and "without its infer function" in panel.status.value

    EvaluationPanel(R.workflow, [_evaluator()], models=models).compute()  # now model-5 has stored inferences
    panel = EvaluationPanel(R.workflow, [_evaluator()])
    panel.select(models=["model-5"])
    assert not panel.compute_button.disabled
    panel.reset.value = True  # re-infer with no infer: refused, with the reason
    assert panel.compute_button.disabled and "untick re-infer" in panel.plan_text.value
    panel.reset.value = False
    assert panel.compute().runs and "Done" in panel.status.value


def test_many_failures_end_in_a_final_state_with_bounded_output_and_few_updates(setup):
    suite, models = setup
    updates = []

    def broken(sample):
        raise ValueError("x" * 5000)

    panel = EvaluationPanel(R.workflow, [_evaluator()], models=[R.Model.load("model-3", infer=broken)])
    panel.progress.observe(lambda change: updates.append(change["new"]), "value")
    outcome = panel.compute()
    assert len(outcome.failures) == 20 and panel.progress.bar_style == "danger"
    assert panel.progress.value == panel.progress.max and "20 failures" in panel.status.value
    assert len(updates) <= 5  # start, end, and few in between: a burst would be dropped by the kernel
    assert "x" * 300 not in panel.failures_table.value and "x…</td>" in panel.failures_table.value
    assert not panel.compute_button.disabled and panel.cancel_button.disabled


def test_cancel_when_nothing_runs_changes_nothing_and_a_failing_callback_still_ends(setup):
    suite, models = setup
    panel = EvaluationPanel(R.workflow, [_evaluator()], models=models, on_complete=lambda _: 1 / 0)
    panel.cancel()
    assert "Cancelling" not in panel.status.value
    panel.compute(background=True)
    outcome = panel.wait(30)
    assert outcome is not None and not panel._running()
    assert "Done" in panel.status.value and "on_complete raised ZeroDivisionError" in panel.status.value
    assert not panel.compute_button.disabled


def test_show_results_opens_a_dashboard_of_the_evaluated_models(setup):
    suite, models = setup
    panel = EvaluationPanel(R.workflow, [_evaluator()], models=models)
    panel.select(models=["model-5", "model-9"])
    assert panel.results_button.layout.display == "none"
    panel.compute()
    assert panel.results_button.layout.display == ""
    dashboard = panel.show_results()
    assert [m.name for m in dashboard.models] == ["model-5", "model-9"]


def test_after_a_run_compute_stays_disabled_when_the_plan_cannot_succeed_and_cancel_works_synchronously(setup):
    suite, models = setup
    panel = EvaluationPanel(R.workflow, [_evaluator()], models=[models[0], R.Model.load("model-9")])
    panel.select(models=["model-5"])
    panel.compute()
    panel.select(models=["model-9"])
    assert panel.compute_button.disabled  # model-9 has no infer and nothing stored
    panel.select(models=["model-5"])
    panel.reset.value = True
    calls = []

    def cancelling(sample):
        calls.append(sample)
        panel.cancel()  # from the run itself: a synchronous computation is cancellable too
        return R.predictor(5)(sample)

    panel._models["model-5"] = R.Model.load("model-5", infer=cancelling)
    outcome = panel.compute()
    assert outcome.cancelled and len(calls) == 1 and not panel.compute_button.disabled
