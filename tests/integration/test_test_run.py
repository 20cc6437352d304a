"""Models and test(): inference bookkeeping, evaluator driving, failures, and reading results back."""
import dataclasses
import threading
import warnings

import pytest

from kolena_lab import store as store_api
from kolena_lab.errors import (
    CancelledError,
    IncorrectUsageError,
    NameConflictError,
    NotFoundError,
    WorkflowMismatchError,
)
from kolena_lab.workflow import (
    InferenceFailure,
    InferencePlan,
    TestRun,
    load_test_case_metrics,
    load_test_case_plots,
    load_test_sample_metrics,
    load_test_suite_metrics,
    no_op_evaluator,
    sample_label,
    test,
)

from . import _classification as c
from .test_test_cases import OtherTestCase, OtherTestSuite


class CountingModel:
    """An infer function that counts calls and can fail on one locator."""

    def __init__(self, fail_on=None):
        self.calls, self.fail_on = [], fail_on

    def __call__(self, sample):
        if sample.locator == self.fail_on:
            raise RuntimeError("model exploded")
        self.calls.append(sample.locator)
        return c.predict(sample)


@pytest.fixture
def suite(lab):
    a = c.TestCase("a", test_samples=c.members(6))
    b = c.TestCase("b", test_samples=c.members(6, offset=3))  # overlaps a on samples 3..5
    return c.TestSuite("suite", test_cases=[a, b])


def test_model_metadata_is_kept_and_changed_explicitly(lab):
    model = c.Model("resnet50-224-torch", metadata={"arch": "resnet50"}, tags={"baseline"})
    with pytest.warns(UserWarning, match="keeping the stored metadata"):
        again = c.Model("resnet50-224-torch", metadata={"arch": "vit"})
    assert again.metadata == {"arch": "resnet50"} and again.tags == {"baseline"}
    model.update(metadata={"arch": "resnet50", "epochs": 3})
    assert c.Model.load("resnet50-224-torch").metadata == {"arch": "resnet50", "epochs": 3}
    with pytest.raises(NameConflictError):
        c.Model.create("resnet50-224-torch")
    with pytest.raises(NotFoundError):
        c.Model.load("missing")


def test_infers_only_missing_samples_unless_reset(suite):
    infer = CountingModel()
    model = c.Model("m", infer=infer)
    evaluator = c.AccuracyEvaluator()
    test(model, suite, evaluator)
    assert sorted(infer.calls) == sorted(s.locator for s, _ in c.members(9))  # 9 unique samples, once each
    infer.calls.clear()
    test(model, suite, evaluator)
    assert infer.calls == []
    test(model, suite, evaluator, reset=True)
    assert len(infer.calls) == 9


def test_evaluator_class_runs_per_test_case_and_configuration(suite):
    model = c.Model("m", infer=c.predict)
    evaluator = c.AccuracyEvaluator(configurations=[c.Threshold(0.0), c.Threshold(0.5)])
    test(model, suite, evaluator, configurations=[c.Threshold(0.9)])  # the instance's own configurations win
    assert evaluator.sample_calls == [
        ("a", "threshold=0.0"), ("b", "threshold=0.0"), ("a", "threshold=0.5"), ("b", "threshold=0.5"),
    ]
    frame = load_test_case_metrics(model, suite)
    assert list(frame.columns) == ["test_case", "version", "evaluator", "configuration", "n", "accuracy"]
    assert frame[["test_case", "configuration", "n"]].values.tolist() == [
        ["a", "threshold=0.0", 6], ["b", "threshold=0.0", 6], ["a", "threshold=0.5", 6], ["b", "threshold=0.5", 6],
    ]
    expected = {}
    for tc in suite.test_cases:
        for threshold in (0.0, 0.5):
            hits = [
                c.predict(s).prediction.score >= threshold and g.label.label == c.predict(s).prediction.label
                for s, g in tc.load_test_samples()
            ]
            expected[(tc.name, f"threshold={threshold}")] = sum(hits) / len(hits)
    assert {(r.test_case, r.configuration): r.accuracy for r in frame.itertuples()} == expected
    per_sample = load_test_sample_metrics(model, suite.test_cases[0])
    assert len(per_sample) == 12 and set(per_sample["locator"]) == {c.sample(i).locator for i in range(6)}
    assert list(per_sample.columns)[:2] == ["sample_id", "locator"]
    assert set(per_sample["sample_id"]) == set(suite.test_cases[0].to_dataframe()["sample_id"])
    suite_frame = load_test_suite_metrics(model, suite)
    assert suite_frame["mean_accuracy"].tolist() == pytest.approx([
        (expected[("a", "threshold=0.0")] + expected[("b", "threshold=0.0")]) / 2,
        (expected[("a", "threshold=0.5")] + expected[("b", "threshold=0.5")]) / 2,
    ])


def test_function_evaluator_runs_once_per_configuration_with_unique_samples(suite):
    model = c.Model("m", infer=c.predict)
    c.function_evaluator.calls.clear()
    test(model, suite, c.function_evaluator)
    assert c.function_evaluator.calls == [9]
    frame = load_test_case_metrics(model, suite, evaluator="function_evaluator")
    assert frame["n"].tolist() == [6, 6]
    with pytest.raises(ValueError, match="pass configurations"):
        test(model, suite, c.configured_evaluator)
    test(model, suite, c.configured_evaluator, configurations=[c.Threshold(0.3), c.Threshold(0.7)])
    frame = load_test_case_metrics(model, suite, evaluator="configured_evaluator")
    assert frame["configuration"].tolist() == ["threshold=0.3", "threshold=0.3", "threshold=0.7", "threshold=0.7"]
    assert len(load_test_suite_metrics(model, suite, evaluator="configured_evaluator")) == 2
    with store_api.get_store().read() as conn:
        runs = store_api.results.list_runs(conn)
    assert {(r[2], r[4]) for r in runs} == {("function_evaluator", "succeeded"), ("configured_evaluator", "succeeded")}


def test_failing_infer_marks_run_failed_names_locator_and_keeps_inferences(suite):
    bad = c.sample(4).locator
    infer = CountingModel(fail_on=bad)
    model = c.Model("m", infer=infer)
    with pytest.raises(RuntimeError, match="model exploded") as raised:
        test(model, suite, c.AccuracyEvaluator(), batch_size=2)
    assert any(bad in note for note in getattr(raised.value, "__notes__", []))
    with store_api.get_store().read() as conn:
        (run,) = store_api.results.list_runs(conn)
        ids = [sid for tc in suite.test_cases for sid, _ in store_api.test_cases.member_refs(conn, tc._version_id)]
        stored = store_api.models.inferred_ids(conn, model._id, sorted(set(ids)))
    assert run[4] == "failed" and "model exploded" in run[5]
    assert len(stored) == 4  # the two batches before the failing one were kept
    infer.fail_on, infer.calls = None, []
    test(model, suite, c.AccuracyEvaluator(), batch_size=2)
    assert len(infer.calls) == 5  # a re-run continues where the failure stopped


def _statuses():
    with store_api.get_store().read() as conn:
        return [(r[4], r[5]) for r in store_api.results.list_runs(conn)]


def test_plan_counts_samples_to_infer_and_reused_without_changing_the_run(suite):
    model = c.Model("m", infer=c.predict)
    run = TestRun(model, suite, c.AccuracyEvaluator())
    assert run.plan() == InferencePlan("m", to_infer=9, reused=0, can_infer=True)
    run.upload_inferences([(s, c.predict(s)) for s, _ in c.members(4)])
    plan = run.plan()
    assert plan == InferencePlan("m", to_infer=5, reused=4, can_infer=True)
    assert plan.describe() == "m: 5 samples to infer, 4 reused"
    assert not run.reset and run.plan() == plan and _statuses() == []
    assert TestRun(model, suite, c.AccuracyEvaluator(), reset=True).plan() == InferencePlan("m", 9, 0, True)
    stored = TestRun(c.Model.load("m"), suite, c.AccuracyEvaluator()).plan()
    assert not stored.can_infer and stored.describe().endswith("those samples will fail")
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.to_infer = 0  # type: ignore[misc]


def test_progress_and_cancel_keep_what_was_inferred(suite):
    infer, cancel, seen = CountingModel(), threading.Event(), []
    model = c.Model("m", infer=infer)

    def progress(done, total):
        seen.append((done, total))
        if done == 3:
            cancel.set()

    run = TestRun(model, suite, c.AccuracyEvaluator(), batch_size=2)
    with pytest.raises(CancelledError, match="after 3 inferences"):
        run.run(progress=progress, cancel=cancel)
    assert seen == [(0, 9), (1, 9), (2, 9), (3, 9)] and len(infer.calls) == 3
    assert run.inferred == 3 and run.plan() == InferencePlan("m", 6, 3, True)  # a part-done batch is stored too
    assert _statuses()[0][0] == "cancelled"
    seen.clear()
    again = TestRun(model, suite, c.AccuracyEvaluator(), batch_size=4)
    again.run(progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 6) for i in range(7)] and len(infer.calls) == 9 and again.inferred == 6
    assert _statuses() == [("succeeded", None)]


def test_infer_batch_progress_and_cancel_between_batches(suite):
    cancel, seen = threading.Event(), []

    def infer_batch(samples):
        cancel.set()
        return [c.predict(s) for s in samples]

    run = TestRun(c.Model("m", infer_batch=infer_batch), suite, c.AccuracyEvaluator(), batch_size=4)
    with pytest.raises(CancelledError, match="after 4 inferences"):
        run.run(progress=lambda done, total: seen.append((done, total)), cancel=cancel)
    assert seen == [(0, 9), (4, 9)] and run.inferred == 4 and run.plan().to_infer == 5


def test_skip_lists_failed_samples_and_leaves_out_their_test_cases(suite):
    bad = c.sample(1).locator  # only in test case "a"
    model = c.Model("m", infer=CountingModel(fail_on=bad))
    run = test(model, suite, c.AccuracyEvaluator(), on_error="skip")
    assert run.failures == [InferenceFailure("m", bad, "RuntimeError: model exploded")]
    assert [tc.name for tc in run.skipped_test_cases] == ["a"] and [tc.name for tc in run.test_cases] == ["b"]
    assert run.inferred == 8 and run.plan() == InferencePlan("m", 0, 6, True)  # the run now covers "b" only
    assert TestRun(model, suite, c.AccuracyEvaluator()).plan().to_infer == 1
    assert load_test_case_metrics(model, suite)["test_case"].tolist() == ["b"]
    assert load_test_suite_metrics(model, suite).empty  # the suite is not covered
    assert _statuses() == [("succeeded", None)]


def test_skip_fails_a_whole_failing_batch_and_evaluates_nothing_when_no_test_case_is_left(suite):
    def infer_batch(samples):
        if c.sample(8).locator in {s.locator for s in samples}:  # only in test case "b"
            raise RuntimeError("out of memory")
        return [c.predict(s) for s in samples]

    model = c.Model("m", infer_batch=infer_batch)
    run = TestRun(model, suite, c.AccuracyEvaluator(), batch_size=2, on_error="skip")
    run.run()
    assert run.failures == [InferenceFailure("m", sample_label(c.sample(i)), "RuntimeError: out of memory")
                            for i in (8,)]
    assert [tc.name for tc in run.test_cases] == ["a"]
    everything_fails = TestRun(c.Model.load("m", infer=lambda s: None), suite, c.AccuracyEvaluator(),
                               reset=True, on_error="skip")
    everything_fails.run()
    assert len(everything_fails.failures) == 9 and "is a NoneType" in everything_fails.failures[0].error
    assert everything_fails.test_cases == [] and everything_fails.inferred == 0
    assert _statuses()[0][0] == "failed"
    with pytest.raises(ValueError, match="on_error"):
        TestRun(model, suite, c.AccuracyEvaluator(), on_error="ignore")  # type: ignore[arg-type]


def test_sample_label_is_locator_or_text_or_printed_form():
    from kolena_lab.workflow import Text
    assert sample_label(c.sample(3)) == "s3://bucket/img0003.png"
    assert sample_label(Text(text="hello")) == "hello"
    assert sample_label(Text(text="hello", metadata={"locator": 3})) == "hello"


def test_infer_batch_gets_lists(suite):
    batches = []

    def infer_batch(samples):
        batches.append(len(samples))
        return [c.predict(s) for s in samples]

    test(c.Model("m", infer_batch=infer_batch), suite, no_op_evaluator, batch_size=4)
    assert batches == [4, 4, 1]


def test_load_inferences_and_plots(suite):
    model = c.Model("m", infer=c.predict)
    test(model, suite, no_op_evaluator)
    triples = model.load_inferences(suite.test_cases[0])
    assert [(s, i) for s, _, i in triples] == [(s, c.predict(s)) for s, _ in suite.test_cases[0].load_test_samples()]
    frame = model.load_inferences_dataframe(suite.test_cases[0])
    assert frame["inference.prediction"].tolist() == [c.predict(s).prediction for s, _, _ in triples]
    assert frame["sample_id"].tolist() == suite.test_cases[0].to_dataframe()["sample_id"].tolist()
    assert load_test_case_plots(model, suite) == []


def test_bad_test_calls(lab, suite):
    model = c.Model("m")
    with pytest.raises(ValueError, match="model must implement `infer`"):
        test(model, suite, c.AccuracyEvaluator())
    with pytest.raises(IncorrectUsageError, match="no samples"):
        test(model, c.TestSuite("empty"), c.AccuracyEvaluator())
    other_suite = OtherTestSuite("texts", test_cases=[OtherTestCase("t")])
    with pytest.raises(WorkflowMismatchError):
        test(model, other_suite, c.AccuracyEvaluator())
    with pytest.raises(ValueError, match="duplicate display names"):
        c.AccuracyEvaluator(configurations=[c.Threshold(0.5), c.Threshold(0.5)])
    with pytest.raises(ValueError, match="non-empty"):
        c.AccuracyEvaluator(configurations=[])
    with pytest.raises(ValueError, match="batch_size"):
        test(c.Model("m2", infer=c.predict), suite, c.AccuracyEvaluator(), batch_size=0)


def test_an_evaluator_function_is_warned_when_test_cases_disagree_on_a_ground_truth(sqlite_store):
    a = c.TestCase("as cats", test_samples=[(c.sample(i), c.gt("cat")) for i in range(3)])
    b = c.TestCase("as dogs", test_samples=[(c.sample(i), c.gt("dog")) for i in range(2)])
    same = c.TestCase("same", test_samples=[(c.sample(i), c.gt("cat")) for i in range(3)])
    model = c.Model("m", infer=c.predict)
    with pytest.warns(UserWarning, match="2 samples have different ground truths"):
        test(model, c.TestSuite("disagree", test_cases=[a, b]), c.function_evaluator)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        test(model, c.TestSuite("agree", test_cases=[a, same]), c.function_evaluator)
