"""Models and test(): inference bookkeeping, evaluator driving, failures, and reading results back."""
import pytest

from kolena_lab import store as store_api
from kolena_lab.errors import IncorrectUsageError, NameConflictError, NotFoundError, WorkflowMismatchError
from kolena_lab.workflow import (
    load_test_case_metrics,
    load_test_case_plots,
    load_test_sample_metrics,
    load_test_suite_metrics,
    no_op_evaluator,
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
