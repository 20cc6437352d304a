"""Bad stress tests: each a clear kolena_lab error, before anything is written (a model's bad output: when its batch
is inferred, naming it)."""
import pytest

from kolena_lab.errors import InputValidationError
from kolena_lab.stress import stress_test
from kolena_lab.workflow import Text
from kolena_lab.workflow.annotation import ClassificationLabel

from tests.unit.stress import _models as m


@pytest.fixture
def setup(sqlite_store, tmp_path):
    test_case = m.classification_case(tmp_path / "images")
    model = m.CLS[3]("clf", infer_batch=m.BrightnessClassifier())
    return test_case, model, tmp_path


def test_unknown_domain(setup, unchanged):
    test_case, model, tmp_path = setup
    with unchanged(match="no ready domain 'indoor'; ready: outdoor, corruptions"):
        stress_test(model, test_case, "indoor")
    with unchanged(match="missing.yaml.* cannot be read"):
        stress_test(model, test_case, str(tmp_path / "missing.yaml"))
    with unchanged(match="domain must be a Domain, a ready domain's name or a YAML file, got int 3"):
        stress_test(model, test_case, 3)


@pytest.mark.parametrize("budget", [0, -2, 1.5, True])
def test_budget_must_be_positive(setup, unchanged, budget):
    test_case, model, _ = setup
    with unchanged(match="budget must be a positive integer"):
        stress_test(model, test_case, "outdoor", budget=budget)


def test_unknown_search_and_bad_arguments(setup, unchanged):
    test_case, model, _ = setup
    with unchanged(match="search must be one of 'random', 'grid', 'optuna', got 'anneal'"):
        stress_test(model, test_case, "outdoor", search="anneal")
    with unchanged(match="batch_size must be a positive integer, got 0"):
        stress_test(model, test_case, "outdoor", batch_size=0)
    with unchanged(match="seed must be a non-negative integer, got -1"):
        stress_test(model, test_case, "outdoor", seed=-1)
    with unchanged(match="budget 3 is too small for a grid over domain 'corruptions'.*at least 75"):
        stress_test(model, test_case, "corruptions", search="grid", budget=3)
    with unchanged(match="metric must be a function or one of 'correct', 'true_score', 'f1', 'nme', got 'auc'"):
        stress_test(model, test_case, "outdoor", metric="auc")
    with unchanged(match="workflow 'stress classification' has no fields for metric 'nme'"):
        stress_test(model, test_case, "outdoor", metric="nme")
    with unchanged(match="a custom metric needs a failure threshold"):
        stress_test(model, test_case, "outdoor", metric=lambda s, g, i: 1.0)


def test_model_without_infer(setup, unchanged):
    test_case, _, _ = setup
    bare = m.CLS[3]("bare")
    with unchanged(match="model 'bare' has no infer or infer_batch function"):
        stress_test(bare, test_case, "outdoor")
    with unchanged(match="model must be a kolena_lab Model, got function"):
        stress_test(m.classify, test_case, "outdoor")


def test_test_case_of_another_workflow(setup, unchanged):
    _, model, tmp_path = setup
    boxes = m.DET[1]("boxes", test_samples=[(m.Image(m.square_images(tmp_path / "sq", [(1, 1, 4, 4)])[0]),
                                             m.DetGT([]))])
    with unchanged(match="test case 'boxes' belongs to workflow 'stress detection', not 'stress classification'"):
        stress_test(model, boxes, "outdoor")


def test_non_image_samples(sqlite_store, unchanged):
    texts = m.TEXT[1]("texts", test_samples=[(Text("hello"), m.TextGT(ClassificationLabel("a")))])
    model = m.TEXT[3]("reader", infer=lambda sample: m.ClsInf([]))
    with unchanged(match="stress testing perturbs images: workflow 'stress text' has Text test samples, not Image"):
        stress_test(model, texts, "outdoor")


def test_empty_test_case(setup, unchanged):
    _, model, _ = setup
    empty = m.CLS[1]("empty")
    with unchanged(match=r"test case 'empty' \(version 0\) has no samples"):
        stress_test(model, empty, "outdoor")


def test_bad_names(setup, unchanged):
    test_case, model, _ = setup
    with unchanged(match="stress test name must not be empty"):
        stress_test(model, test_case, "outdoor", name="  ")


def test_names_taken_by_another_workflow(setup, unchanged):
    test_case, model, tmp_path = setup
    m.DET[2]("gray · stress")
    with unchanged(match="test suite 'gray · stress' of this stress test exists in workflow 'stress detection'"):
        stress_test(model, test_case, "outdoor")
    m.DET[1]("taken: rotate")
    with unchanged(match="test case 'taken: rotate' of this stress test exists in workflow 'stress detection'"):
        stress_test(model, test_case, "outdoor", name="taken")


def test_sample_without_ground_truth(setup, unchanged):
    test_case, model, _ = setup
    partial = m.CLS[1]("partial", test_samples=[*test_case.load_test_samples()[:2],
                                                (m.Image(test_case.load_test_samples()[2][0].locator), None)])
    with unchanged(match=r"test sample '.*' .*of test case 'partial' has no ground truth: the built-in "
                         r"metric 'correct' needs one"):
        stress_test(model, partial, "outdoor")


def test_a_model_returning_no_list_fails_naming_the_batch(setup):
    test_case, _, _ = setup
    broken = m.CLS[3]("broken", infer_batch=lambda samples: None)
    with pytest.raises(InputValidationError, match="infer_batch must return a list of inferences, one per sample, "
                                                   "for a batch of 6 samples starting at"):
        stress_test(broken, test_case, "outdoor")
    wrong = m.CLS[3]("wrong", infer_batch=lambda samples: ["label"] * len(samples))
    with pytest.raises(InputValidationError, match="the inference of test sample .* is a str"):
        stress_test(wrong, test_case, "outdoor")
