"""find_slices on a real store: a classification workflow whose ready evaluator stores ``is_correct`` per sample;
the direction comes from the metric's declaration; a slice becomes a versioned test case."""
from dataclasses import dataclass
from typing import List

import numpy as np
import pytest

from kolena_lab.errors import InputValidationError, NotFoundError
from kolena_lab.evaluators import ClassificationConfiguration, ClassificationEvaluator
from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow, find_slices, slice_test_case, test
from kolena_lab.workflow.annotation import ClassificationLabel, ScoredClassificationLabel
from kolena_lab.workflow.query import query_mask

CLASSES = ["cat", "dog", "fox"]
N = 600


@dataclass(frozen=True)
class GT(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class Inf(Inference):
    scores: List[ScoredClassificationLabel]


workflow, TestCase, TestSuite, Model = define_workflow("Slice discovery", Image, GT, Inf)


def _members():
    rng = np.random.default_rng(0)
    weather = rng.choice(["sun", "rain", "fog"], N)
    brightness = rng.random(N)
    return [(Image(locator=f"/data/img{i:04d}.png",
                   metadata={"weather": str(weather[i]), "brightness": float(brightness[i]),
                             "camera": int(i % 4)}),
             GT(label=ClassificationLabel(CLASSES[i % 3]))) for i in range(N)]


def _classifier(sample: Image) -> Inf:
    i = int(sample.locator[-8:-4])
    wrong = (i * 7919) % 100 < (70 if sample.metadata["weather"] == "fog" else 5)
    top = (i + 1) % 3 if wrong else i % 3
    return Inf(scores=[ScoredClassificationLabel(c, 0.8 if k == top else 0.1) for k, c in enumerate(CLASSES)])


@pytest.fixture
def tested(sqlite_store):
    case = TestCase("all images", test_samples=_members())
    suite = TestSuite("images", test_cases=[case])
    model = Model("classifier", infer=_classifier)
    test(model, suite, ClassificationEvaluator())
    return model, case


def test_the_failing_weather_is_found_and_the_direction_comes_from_the_declaration(tested):
    model, case = tested
    slices = find_slices(model, case, metric="is_correct")
    assert slices["slice"].iloc[0] == "weather = fog"
    top = slices.iloc[0]
    assert top["significant"] and top["metric"] < 0.5 < 0.9 < top["rest"]
    frame = case.to_dataframe()
    assert query_mask(frame, top["query"]).sum() == top["size"] == (frame["weather"] == "fog").sum()
    used = {p.feature for ps in slices["predicates"] for p in ps}
    assert used <= {"weather", "brightness", "camera"}  # metadata only: the locator is an identifier


def test_a_slice_becomes_a_versioned_test_case(tested):
    model, case = tested
    top = find_slices(model, case, metric="is_correct", features=["weather"]).iloc[0]
    result = slice_test_case(case, top, "fog images", test_suite="fog suite")
    created = TestCase.load("fog images")
    assert created.version == 1 and result.test_suite is not None
    frame = created.to_dataframe()
    assert len(frame) == top["size"] and set(frame["weather"]) == {"fog"}
    assert "weather = fog" in created.description
    again = slice_test_case(case, "weather == 'rain'", "rain images")
    assert set(again.test_case.to_dataframe()["weather"]) == {"rain"}
    with pytest.raises(InputValidationError, match="selects no sample"):
        slice_test_case(case, "weather == 'hail'", "hail images")


def test_without_stored_metrics_or_with_a_wrong_metric(tested):
    model, case = tested
    other = Model("untested", infer=_classifier)
    with pytest.raises(NotFoundError, match="no per-sample metrics are stored for model 'untested'"):
        find_slices(other, case, metric="is_correct")
    with pytest.raises(InputValidationError, match="no per-sample metric 'accuracy'.*is_correct"):
        find_slices(model, case, metric="accuracy")
    with pytest.raises(InputValidationError, match="'margin' declares no direction"):
        find_slices(model, case, metric="margin")
    with pytest.raises(InputValidationError, match="no feature column 'humidity'"):
        find_slices(model, case, metric="is_correct", features=["humidity"])
    with pytest.raises(NotFoundError, match="configuration 'nope'"):
        find_slices(model, case, metric="is_correct", configuration="nope")


def test_several_results_must_be_chosen(tested):
    model, case = tested
    suite = TestSuite.load("images")
    test(model, suite, ClassificationEvaluator([ClassificationConfiguration(threshold_strategy=0.9)]))
    with pytest.raises(InputValidationError, match="several results"):
        find_slices(model, case, metric="is_correct")
    chosen = find_slices(model, case, metric="is_correct", configuration=ClassificationConfiguration())
    assert chosen["slice"].iloc[0] == "weather = fog"


def test_an_empty_test_case(tested):
    model, _ = tested
    empty = TestCase("empty", test_samples=[])
    with pytest.raises(InputValidationError, match="test case 'empty' .* has no samples"):
        find_slices(model, empty, metric="is_correct")
