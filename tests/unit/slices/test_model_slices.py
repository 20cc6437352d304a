"""find_slices on a real store: a classification workflow whose ready evaluator stores ``is_correct`` per sample;
the direction comes from the metric's declaration; a slice becomes a versioned test case."""
import pytest

from kolena_lab.errors import InputValidationError, NotFoundError
from kolena_lab.evaluators import ClassificationConfiguration, ClassificationEvaluator
from kolena_lab.workflow import find_slices, slice_test_case, test
from kolena_lab.workflow.query import query_mask
from tests.unit.slices._store import Model, TestCase, TestSuite, build, classifier


@pytest.fixture
def tested(lab):
    return build()


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
    with pytest.raises(ValueError, match="'rain images' already exists"):
        slice_test_case(case, "weather == 'fog'", "rain images")
    replaced = slice_test_case(case, "weather == 'fog'", "rain images", reset=True)
    assert replaced.test_case.version == 2 and set(replaced.test_case.to_dataframe()["weather"]) == {"fog"}
    unchanged = slice_test_case(case, "weather == 'fog'", "rain images", reset=True)
    assert unchanged.test_case.version == 2 and "'rain images' is unchanged at version 2" in unchanged.summary()


def test_without_stored_metrics_or_with_a_wrong_metric(tested):
    model, case = tested
    other = Model("untested", infer=classifier)
    with pytest.raises(NotFoundError, match="no per-sample metrics are stored for model 'untested'"):
        find_slices(other, case, metric="is_correct")
    with pytest.raises(InputValidationError, match="no per-sample metric 'accuracy'.*is_correct"):
        find_slices(model, case, metric="accuracy")
    with pytest.raises(InputValidationError, match="'margin' declares no direction"):
        find_slices(model, case, metric="margin")
    assert list(find_slices(model, case, metric="margin", higher_is_better=True).columns)[0] == "slice"
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
