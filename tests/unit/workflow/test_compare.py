"""compare(): baseline comparison per test case, metric and model, and paired bootstrap significance."""
from dataclasses import dataclass, field

import numpy as np
import pytest

from kolena_lab.workflow import (
    Bootstrap,
    Evaluator,
    GroundTruth,
    Inference,
    MetricsTestCase,
    MetricsTestSample,
    Text,
    compare,
    define_workflow,
    metric_value,
    test,
)
from kolena_lab.workflow.comparison import COLUMNS
from tests.unit.ui import _results as R


@dataclass(frozen=True)
class Sentence(Text):
    pass


@dataclass(frozen=True)
class Target(GroundTruth):
    value: float


@dataclass(frozen=True)
class Guess(Inference):
    value: float


@dataclass(frozen=True)
class SampleError(MetricsTestSample):
    error: float


@dataclass(frozen=True)
class CaseError(MetricsTestCase):
    error: float = field(metadata={"higher_is_better": False})
    label: str = ""


class ErrorEvaluator(Evaluator):
    def compute_test_sample_metrics(self, test_case, inferences, configuration=None):
        return [(ts, SampleError(error=abs(inf.value - gt.value))) for ts, gt, inf in inferences]

    def compute_test_case_metrics(self, test_case, inferences, metrics, configuration=None):
        return CaseError(error=float(np.mean([m.error for m in metrics])), label="mean absolute error")


@pytest.fixture
def regression(sqlite_store):
    """A base model off by about 1 on every sample, a twin making exactly its guesses, and a good model off by
    about 0.1."""
    _, TestCase, TestSuite, Model = define_workflow("Compare Regression", Sentence, Target, Guess)
    noise = np.random.default_rng(0).uniform(0.5, 1.5, size=40)
    members = [(Sentence(text=f"sentence {i}"), Target(float(i))) for i in range(40)]
    suite = TestSuite("regression", test_cases=[TestCase("every sentence", test_samples=members)])

    def guesses(scale: float):
        return lambda s: Guess(float(s.text.split()[1]) + scale * noise[int(s.text.split()[1])])

    models = [Model("base", infer=guesses(1.0)), Model("twin", infer=guesses(1.0)), Model("good", infer=guesses(0.1))]
    for model in models:
        test(model, suite, ErrorEvaluator())
    return suite, models


def test_to_dataframe_columns_values_and_significance(regression):
    suite, models = regression
    frame = compare(suite, models, baseline="base").to_dataframe()
    assert list(frame.columns) == COLUMNS
    assert list(frame["metric"]) == ["error"] * 3 + ["label"] * 3
    assert list(frame["model"]) == ["base", "twin", "good"] * 2
    assert set(frame["test_case"]) == {"every sentence"} and set(frame["evaluator"]) == {"ErrorEvaluator"}
    text = frame[frame["metric"] == "label"]
    assert text["value"].isna().all() and (text["direction"] == "same").all() and not text["significant"].any()
    rows = frame[frame["metric"] == "error"].set_index("model")
    assert rows.loc["good", "baseline"] == pytest.approx(rows.loc["base", "value"])
    assert rows.loc["good", "delta"] == pytest.approx(rows.loc["good", "value"] - rows.loc["base", "value"])
    assert rows.loc["good", "delta"] < -0.5
    # error is lower-is-better: the good model's smaller error is an improvement, and clearly a significant one
    assert rows.loc["good", "change"] == 1 and rows.loc["good", "direction"] == "better"
    assert rows.loc["good", "p_value"] < 0.01 and rows.loc["good", "significant"]
    assert rows.loc["good", "ci_low"] <= rows.loc["good", "delta"] <= rows.loc["good", "ci_high"] < 0
    # the twin makes the same guesses: no difference, nothing significant
    assert rows.loc["twin", "direction"] == "same" and rows.loc["twin", "delta"] == 0
    assert rows.loc["twin", "p_value"] == 1.0 and not rows.loc["twin", "significant"]
    assert rows.loc["base", "direction"] == "same" and np.isnan(rows.loc["base", "p_value"])  # the baseline itself


def test_against_another_baseline_and_without_significance(regression):
    suite, models = regression
    comparison = compare(suite, models, baseline="base")
    against_good = _errors(comparison.with_baseline("good").to_dataframe())
    assert against_good.loc["base", "direction"] == "worse" and against_good.loc["base", "significant"]
    assert _errors(comparison.to_dataframe()).loc["good", "direction"] == "better"
    quick = _errors(compare(suite, models, baseline="base", significance=False).to_dataframe())
    assert quick.loc["good", "direction"] == "better" and np.isnan(quick.loc["good", "p_value"])
    assert not quick["significant"].any()
    higher = _errors(compare(suite, models, baseline="base", higher_is_better=["error"]).to_dataframe())
    assert higher.loc["good", "direction"] == "worse"
    with pytest.raises(ValueError, match="not one of"):
        compare(suite, models, baseline="nobody")
    with pytest.raises(ValueError, match="distinct"):
        compare(suite, [models[0], models[0]])


def _errors(frame):
    return frame[frame["metric"] == "error"].set_index("model")


def test_direction_and_significance_per_configuration(sqlite_store):
    suite, models = R.build()
    comparison = compare(suite, models, baseline="model-5", significance={"accuracy": "correct",
                                                                          "error_rate": "correct"})
    assert comparison.configurations() == [("AccuracyEvaluator", "threshold=0.0"),
                                           ("AccuracyEvaluator", "threshold=0.7")]
    assert not comparison.significance_computed()
    quick = comparison.configuration(("AccuracyEvaluator", "threshold=0.0"), significance=False)
    assert quick.nested == ["per_class"] and np.isnan(quick.low).all()
    c = comparison.configuration(("AccuracyEvaluator", "threshold=0.0")).to_dataframe()
    c = c.set_index(["test_case", "metric", "model"])
    assert comparison.significance_computed() is False  # only one configuration bootstrapped so far
    assert c.loc[("all", "accuracy", "model-9"), "change"] == 1
    assert c.loc[("all", "accuracy", "model-3"), "change"] == -1
    assert c.loc[("all", "error_rate", "model-9"), "change"] == 1  # lower-is-better
    assert c.loc[("all", "n", "model-9"), "change"] == 0
    assert c.loc[("all", "accuracy", "model-5"), "change"] == 0  # the baseline itself
    row = c.loc[("all", "accuracy", "model-9")]
    assert row["ci_low"] <= row["delta"] <= row["ci_high"] and row["significant"] and row["p_value"] < 0.05
    assert np.isnan(c.loc[("all", "n", "model-9"), "ci_low"])  # no per-sample counterpart of n
    assert comparison.compute_significance() == 16  # 2 configurations × 2 test cases × 2 metrics × 2 models
    assert comparison.significance_computed()
    rows, identities = comparison.sample_rows("model-3", "half", ("AccuracyEvaluator", "threshold=0.0"))
    assert len(rows) == len(identities) == 30 and (~rows["correct"]).sum() == 21


def test_no_significance_when_samples_do_not_differ(sqlite_store):
    suite, models = R.build(skills=(5,))
    twin = R.Model("twin", infer=R.predictor(5))
    test(twin, suite, R.AccuracyEvaluator(configurations=[R.Threshold(0.0), R.Threshold(0.7)]))
    c = compare(suite, models + [twin], significance={"accuracy": "correct"}).to_dataframe()
    assert not c["significant"].any() and (c["change"] == 0).all()
    assert (c[c["model"] == "twin"]["p_value"].dropna() == 1.0).all()


def test_bootstrap_and_direction_helpers():
    low, high, p_value = Bootstrap().paired(np.column_stack([np.ones(50), np.r_[np.ones(25), -np.ones(25)]]))
    assert low[0] == pytest.approx(1.0) and high[0] == pytest.approx(1.0)
    assert low[1] < 0 < high[1]
    assert p_value[0] == 0.0 and p_value[1] > 0.5
    assert metric_value(True) == 1.0 and metric_value(np.int64(3)) == 3.0
    assert np.isnan(metric_value("a")) and np.isnan(metric_value(None)) and np.isnan(metric_value(float("nan")))


def test_bootstrap_of_large_test_cases_draws_weights_in_blocks_with_the_same_result():
    differences = np.random.default_rng(1).normal(size=(3000, 2))
    cached = Bootstrap().paired(differences)
    bootstrap = Bootstrap(max_weights=3000 * 7)  # blocks of 7 resamples, nothing kept
    blocked = bootstrap.paired(differences)
    assert not bootstrap._weights
    np.testing.assert_allclose(blocked, cached, rtol=0, atol=1e-12)


def test_directions_come_from_declarations_and_callers_never_from_names(regression):
    suite, models = regression
    neutral = _errors(compare(suite, models, baseline="base", directions={"error": None}).to_dataframe())
    assert (neutral["change"] == 0).all() and (neutral["direction"] == "same").all()
    assert not neutral["significant"].any()
    flipped = _errors(compare(suite, models, baseline="base", directions={"ErrorEvaluator": {"error": True}})
                      .to_dataframe())
    assert flipped.loc["good", "direction"] == "worse"
    assert "lower_is_better" not in dir(__import__("kolena_lab.workflow", fromlist=["x"]))
