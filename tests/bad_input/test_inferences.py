"""Bad inferences (from ``infer``, ``infer_batch`` or ``upload_inferences``) and bad run arguments: each refused
before it is stored, naming the sample; the run is recorded as failed, nothing else changes."""
import contextlib
import dataclasses
import math
from typing import Any, Callable, Dict, Iterator

import pytest

from kolena_lab.errors import DuplicateDatapointIdError, InputValidationError, KolenaError, WorkflowMismatchError
from kolena_lab.store import Store
from kolena_lab.workflow import Inference, TestRun, define_workflow, no_op_evaluator, test
from kolena_lab.workflow.annotation import ScoredClassificationLabel

from ..integration import _classification as c
from .conftest import store_contents

RUNS = "kl_test_runs"


@pytest.fixture
def nothing_stored(sqlite_store: Store):
    """Like ``unchanged``, but a test run may be recorded, as failed: what a failed ``test()`` writes."""

    @contextlib.contextmanager
    def check(error: type = Exception, match: str = "") -> Iterator[None]:
        before = store_contents(sqlite_store)
        with pytest.raises(error, match=match) as info:
            yield
        assert isinstance(info.value, KolenaError), repr(info.value)
        after = store_contents(sqlite_store)
        assert {t: rows for t, rows in after.items() if t != RUNS} == {t: r for t, r in before.items() if t != RUNS}
        written = [row for row in after[RUNS] if row not in before[RUNS]]
        assert all("succeeded" not in row for row in written), written

    return check


@pytest.fixture
def suite(sqlite_store):
    return c.TestSuite("suite", test_cases=[c.TestCase("a", test_samples=c.members(4))])


@dataclasses.dataclass(frozen=True)
class Inf(Inference):  # another workflow's class of the same name
    prediction: ScoredClassificationLabel


define_workflow("Other Inferences", c.Sample, c.GT, Inf)
GOOD = c.Inf(prediction=ScoredClassificationLabel("cat", 0.5))


def _mutated() -> c.Inf:
    inference = c.Inf(prediction=ScoredClassificationLabel("cat", 0.5))
    object.__setattr__(inference, "prediction", "cat")
    return inference


# what `infer` returns (or does), and the message
INFER: Dict[str, tuple] = {
    "None": (lambda s: None, r"the inference of test sample 's3://bucket/img0000.png' is a NoneType"),
    "a dict": (lambda s: {"prediction": "cat"}, r"is a dict \(\{'prediction': 'cat'\}\), not a Inf"),
    "a ground truth": (lambda s: c.gt("cat"), r"is a GT .*not a Inf"),
    "another workflow's class of the same name": (lambda s: Inf(ScoredClassificationLabel("cat", 0.5)),
                                                   r"not a Inf \(class .*test_inferences.Inf, not "
                                                   r".*_classification.Inf"),
    "a label for a prediction": (lambda s: c.Inf(prediction="cat"),
                                 r"Inf.prediction must be a ScoredClassificationLabel, got str 'cat'"),
    "a prediction of None": (lambda s: c.Inf(prediction=None), r"Inf.prediction must be a ScoredClassificationLabel"),
    "a NaN score": (lambda s: c.Inf(ScoredClassificationLabel("cat", math.nan)), r"score must be a finite number"),
    "an infinite score": (lambda s: c.Inf(ScoredClassificationLabel("cat", math.inf)), r"score must be a finite"),
    "a score as a string": (lambda s: c.Inf(ScoredClassificationLabel("cat", "high")), r"score must be a number"),
    "a changed field": (lambda s: _mutated(), r"img0000.png' is invalid: Inf.prediction must be a Scored"),
    "an extra that cannot be stored": (lambda s: c.Inf(GOOD.prediction, model=object()),
                                       r"img0000.png' is invalid: unsupported value type 'object'"),
    "a list of one inference": (lambda s: [GOOD], r"is a list \(\[Inf"),
    "a tuple of two inferences": (lambda s: (GOOD, GOOD), r"is a tuple"),
    "a string": (lambda s: "cat", r"is a str \('cat'\), not a Inf"),
    "the sample itself": (lambda s: s, r"is a Sample"),
}


@pytest.mark.parametrize("name", list(INFER))
def test_a_wrong_inference_from_infer_is_refused_before_it_is_stored(suite, nothing_stored, name):
    infer, match = INFER[name]
    model = c.Model("m", infer=infer)
    with nothing_stored(InputValidationError, match=match):
        test(model, suite, c.AccuracyEvaluator())


def test_a_wrong_inference_after_good_ones_keeps_the_good_ones_only(suite, sqlite_store):
    def infer(sample: c.Sample) -> Any:
        return None if sample.locator.endswith("0002.png") else c.predict(sample)

    with pytest.raises(InputValidationError, match="img0002.png"):
        test(c.Model("m", infer=infer), suite, c.AccuracyEvaluator())
    assert len(store_contents(sqlite_store)["kl_inferences"]) == 2  # samples 0 and 1, not the bad one
    run = test(c.Model.load("m", infer=c.predict), suite, c.AccuracyEvaluator())
    assert run.inferred == 2  # a re-run infers what is missing and succeeds


def _generated(n: int) -> Callable[[list], Iterator[c.Inf]]:
    return lambda samples: (GOOD for _ in range(n))


# what `infer_batch` returns for a batch of 4, and the message
INFER_BATCH: Dict[str, tuple] = {
    "None": (lambda samples: None, r"infer_batch must return a list of inferences, one per sample, for a batch of 4 "
                                   r"samples starting at 's3://bucket/img0000.png'; got NoneType"),
    "fewer inferences": (lambda samples: [GOOD] * 3, r"infer_batch returned 3 inferences for a batch of 4 samples"),
    "more inferences": (lambda samples: [GOOD] * 5, r"infer_batch returned 5 inferences"),
    "a dict by locator": (lambda samples: {s.locator: GOOD for s in samples}, r"got dict"),
    "a single inference": (lambda samples: GOOD, r"got Inf"),
    "a string": (lambda samples: "cat", r"got str"),
    "a generator of the wrong length": (_generated(2), r"infer_batch returned 2 inferences"),
    "None among the inferences": (lambda samples: [GOOD, None, GOOD, GOOD], r"img0001.png' is a NoneType"),
    "another class among the inferences": (lambda samples: [GOOD, GOOD, c.gt("cat"), GOOD], r"img0002.png' is a GT"),
    "a number": (lambda samples: 4, r"got int 4"),
}


@pytest.mark.parametrize("name", list(INFER_BATCH))
def test_a_wrong_batch_from_infer_batch_is_refused_whole(suite, nothing_stored, name):
    infer_batch, match = INFER_BATCH[name]
    model = c.Model("m", infer_batch=infer_batch)
    with nothing_stored(InputValidationError, match=match):
        test(model, suite, c.AccuracyEvaluator(), batch_size=4)


def test_a_wrong_inference_with_on_error_skip_is_a_failure_not_stored(suite, sqlite_store):
    model = c.Model("m", infer=lambda s: c.Inf(prediction="cat"))
    run = test(model, suite, c.AccuracyEvaluator(), on_error="skip")
    assert len(run.failures) == 4 and "Inf.prediction must be a ScoredClassificationLabel" in run.failures[0].error
    assert store_contents(sqlite_store)["kl_inferences"] == []


def _run(suite: Any) -> TestRun:
    return TestRun(c.Model("m"), suite, no_op_evaluator)


# what is uploaded, and the error and message
UPLOADS: Dict[str, tuple] = {
    "a sample twice": (lambda: [(c.sample(0), GOOD), (c.sample(1), GOOD), (c.sample(0), GOOD)],
                       DuplicateDatapointIdError,
                       r"holds test sample 's3://bucket/img0000.png' twice \(items 0 and 2\)"),
    "a sample not in the suite": (lambda: [(c.sample(99), GOOD)], InputValidationError,
                                  r"test sample 's3://bucket/img0099.png' is not in test suite 'suite'"),
    "samples without inferences": (lambda: [c.sample(0)], InputValidationError,
                                   r"upload_inferences\[0\] must be a \(test sample, inference\) pair"),
    "an inference of another class": (lambda: [(c.sample(0), c.gt("cat"))], InputValidationError, r"is a GT"),
    "None for an inference": (lambda: [(c.sample(0), None)], InputValidationError, r"is a NoneType"),
    "a dict of samples to inferences": (lambda: {c.sample(0): GOOD}, InputValidationError,
                                        r"upload_inferences must be a list of \(test sample, inference\) pairs"),
    "triples": (lambda: [(c.sample(0), c.gt("cat"), GOOD)], InputValidationError, r"upload_inferences\[0\] must be"),
    "a locator for a sample": (lambda: [("s3://bucket/img0000.png", GOOD)], InputValidationError,
                               r"upload_inferences\[0\] must pair a test sample with its inference, got str"),
    "an inference changed in place": (lambda: [(c.sample(0), GOOD), (c.sample(1), _mutated())], InputValidationError,
                                      r"img0001.png' is invalid"),
    "a wrong inference after good ones": (lambda: [(c.sample(0), GOOD), (c.sample(1), "cat")], InputValidationError,
                                          r"img0001.png' is a str"),
}


@pytest.mark.parametrize("name", list(UPLOADS))
def test_a_wrong_upload_stores_none_of_it(suite, unchanged, name):
    inferences, error, match = UPLOADS[name]
    run = _run(suite)
    with unchanged(error, match=match):
        run.upload_inferences(inferences())


# keyword arguments of test() that are wrong, and the message
ARGUMENTS: Dict[str, tuple] = {
    "batch_size of 0": (dict(batch_size=0), r"batch_size must be a positive integer, got 0"),
    "batch_size as a string": (dict(batch_size="64"), r"batch_size must be a positive integer, got '64'"),
    "an unknown on_error": (dict(on_error="ignore"), r"on_error must be one of 'raise', 'skip', got 'ignore'"),
    "an evaluator that is a number": (dict(evaluator=5), r"evaluator must be an Evaluator or a function, got int"),
    "an empty list of configurations": (dict(configurations=[]), r"configurations must be None or a non-empty list"),
    "configurations as a dict": (dict(configurations={"threshold": 0.5}), r"configurations must be None or a non-empty "
                                                                          r"list, got dict"),
    "a configuration that is a number": (dict(configurations=[0.5]), r"configurations\[0\] must be an Evaluator"),
    "configurations of the same name": (dict(configurations=[c.Threshold(0.5), c.Threshold(0.5)]),
                                        r"duplicate display names: \['threshold=0.5'\]"),
}


@pytest.mark.parametrize("name", list(ARGUMENTS))
def test_wrong_arguments_of_test_are_refused_before_anything_runs(suite, unchanged, name):
    kwargs, match = ARGUMENTS[name]
    kwargs = {"evaluator": c.configured_evaluator, **kwargs}
    model = c.Model("m", infer=c.predict)
    with unchanged(InputValidationError, match=match):
        test(model, suite, **kwargs)


# what test() is given in place of a model or a suite, and the message
TARGETS: Dict[str, tuple] = {
    "a test case for the suite": (lambda suite: suite.test_cases[0], r"test_suite must be a TestSuite, got TestCase "
                                                                     r".*put it in a TestSuite"),
    "None for the suite": (lambda suite: None, r"test_suite must be a TestSuite, got NoneType None"),
    "a suite's name": (lambda suite: suite.name, r"test_suite must be a TestSuite, got str"),
    "a model's name": ("m", r"model must be a Model, got str 'm'"),
    "None for the model": (None, r"model must be a Model, got NoneType None"),
}


@pytest.mark.parametrize("name", list(TARGETS))
def test_test_refuses_what_is_not_a_model_or_a_suite(suite, unchanged, name):
    given, match = TARGETS[name]
    model, target = (c.Model("m", infer=c.predict), given(suite)) if callable(given) else (given, suite)
    with unchanged(InputValidationError, match=match):
        test(model, target, c.AccuracyEvaluator())


def test_a_model_without_infer_fails_naming_the_sample(suite, nothing_stored):
    model = c.Model("m")
    with nothing_stored(InputValidationError,
                        match=r"model must implement `infer`\nwhile inferring test sample s3://bucket/img0000.png"):
        test(model, suite, c.AccuracyEvaluator())


def test_a_configured_function_without_configurations_is_refused(suite, unchanged):
    model = c.Model("m", infer=c.predict)
    with unchanged(InputValidationError, match=r"evaluator function 'configured_evaluator' takes a configuration"):
        test(model, suite, c.configured_evaluator)


def test_a_model_of_another_workflow_is_refused(suite, unchanged):
    _, _, _, OtherModel = define_workflow("Other Models", c.Sample, c.GT, Inf)
    model = OtherModel("other", infer=lambda s: Inf(ScoredClassificationLabel("cat", 0.5)))
    with unchanged(WorkflowMismatchError, match=r"model 'other' \(workflow 'Other Models'\) cannot be tested"):
        test(model, suite, c.AccuracyEvaluator())
