"""The shape of Kolena's age-estimation example: a pydantic Image sample with metadata, a regression ground truth,
an inference that may be missing, and a function evaluator with plots, run over suites stratified two ways."""
import dataclasses
from typing import List, Optional

import numpy as np
import pytest
from pydantic.dataclasses import dataclass

from kolena_lab.workflow import (
    Curve,
    CurvePlot,
    EvaluationResults,
    GroundTruth as BaseGroundTruth,
    Histogram,
    Image,
    Inference as BaseInference,
    Metadata,
    MetricsTestCase,
    MetricsTestSample,
    Plot,
    TestCases,
    define_workflow,
    load_test_case_metrics,
    load_test_case_plots,
    load_test_sample_metrics,
    test,
)

from ._kolena_examples import write_images


@dataclass(frozen=True)
class Photo(Image):
    metadata: Metadata = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class TrueWeight(BaseGroundTruth):
    kilograms: float


@dataclass(frozen=True)
class EstimatedWeight(BaseInference):
    kilograms: Optional[float] = None


_workflow, TestCase, TestSuite, Model = define_workflow("Example Weight Estimation", Photo, TrueWeight,
                                                        EstimatedWeight)


@dataclasses.dataclass(frozen=True)
class WeightSampleMetrics(MetricsTestSample):
    abs_error: Optional[float]
    missed: bool = False


@dataclasses.dataclass(frozen=True)
class WeightCaseMetrics(MetricsTestCase):
    n_missed: int
    mean_abs_error: Optional[float] = None
    share_over_3kg: Optional[float] = None


def _case_plots(ground_truths: List[TrueWeight], metrics: List[WeightSampleMetrics]) -> List[Plot]:
    errors = [m.abs_error for m in metrics if m.abs_error is not None]
    counts, edges = np.histogram(errors, bins=4, range=(0, 8))
    by_weight = sorted((gt.kilograms, m.abs_error) for gt, m in zip(ground_truths, metrics) if m.abs_error is not None)
    return [
        Histogram(title="Absolute error", x_label="kg", y_label="samples", buckets=list(edges), frequency=list(counts)),
        CurvePlot(title="Error by true weight", x_label="true kg", y_label="abs error",
                  curves=[Curve(x=[w for w, _ in by_weight], y=[e for _, e in by_weight])]),
    ]


def evaluate_weight(test_samples: List[Photo], ground_truths: List[TrueWeight], inferences: List[EstimatedWeight],
                    test_cases: TestCases) -> EvaluationResults:
    sample_metrics = [
        WeightSampleMetrics(abs_error=None, missed=True) if inf.kilograms is None
        else WeightSampleMetrics(abs_error=abs(inf.kilograms - gt.kilograms))
        for gt, inf in zip(ground_truths, inferences)
    ]
    case_metrics, case_plots = [], []
    for test_case, _, gts, _, metrics in test_cases.iter(test_samples, ground_truths, inferences, sample_metrics):
        errors = np.array([m.abs_error for m in metrics if m.abs_error is not None])
        n_missed = sum(m.missed for m in metrics)
        if errors.size == 0:
            case_metrics.append((test_case, WeightCaseMetrics(n_missed=n_missed)))
        else:
            case_metrics.append((test_case, WeightCaseMetrics(n_missed=n_missed, mean_abs_error=errors.mean(),
                                                              share_over_3kg=np.sum(errors > 3) / errors.size)))
        case_plots.append((test_case, _case_plots(gts, metrics)))
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, sample_metrics)),
                             metrics_test_case=case_metrics, plots_test_case=case_plots)


WEIGHTS = [2.0, 3.5, 5.0, 7.5, 9.0, 11.0, 12.5, 14.0, 4.0, 6.0, 8.0, 10.0]
OFFSETS = [0.5, -1.0, 4.0, 0.0, -2.5, 1.5, None, 3.5, -0.5, 2.0, None, -4.0]


@pytest.fixture
def photos(tmp_path):
    locators = write_images(tmp_path / "photos", len(WEIGHTS))
    return [
        (Photo(locator=loc, metadata={"breed": "tabby" if i % 3 else "siamese", "indoor": i % 2 == 0,
                                      "width": np.int64(16), "brightness": 0.5 + i / 100}),
         TrueWeight(kilograms=w))
        for i, (loc, w) in enumerate(zip(locators, WEIGHTS))
    ]


def test_weight_estimation_runs_on_two_suites_and_reads_back(sqlite_store, photos):
    complete = TestCase("complete :: pets", description="every photo", test_samples=photos, reset=True)
    by_weight = [
        TestCase(f"weight :: ({lo}, {hi}]", test_samples=[(ts, gt) for ts, gt in photos if lo < gt.kilograms <= hi],
                 reset=True)
        for lo, hi in [(0, 5), (5, 10), (10, 15)]
    ]
    by_breed = [
        TestCase(f"breed :: {breed}", test_samples=[(ts, gt) for ts, gt in photos if ts.metadata["breed"] == breed],
                 reset=True)
        for breed in ["tabby", "siamese"]
    ]
    TestSuite("weight :: pets", test_cases=[complete, *by_weight], reset=True)
    TestSuite("breed :: pets", test_cases=[complete, *by_breed], reset=True)

    truth = {ts.locator: gt.kilograms for ts, gt in photos}
    offset = {ts.locator: off for (ts, _), off in zip(photos, OFFSETS)}

    def infer(sample: Photo) -> EstimatedWeight:
        off = offset[sample.locator]
        return EstimatedWeight(kilograms=None if off is None else np.float64(truth[sample.locator] + off))

    model = Model("scale-net [weight]", infer=infer)
    for name in ["weight :: pets", "breed :: pets"]:
        test(model, TestSuite.load(name), evaluate_weight)

    suite = TestSuite.load("weight :: pets")
    cases = load_test_case_metrics(model, suite).set_index("test_case")
    assert list(cases.index) == ["complete :: pets", "weight :: (0, 5]", "weight :: (5, 10]", "weight :: (10, 15]"]
    errors = [abs(o) for o in OFFSETS if o is not None]
    assert cases.loc["complete :: pets", "n_missed"] == 2
    assert cases.loc["complete :: pets", "mean_abs_error"] == pytest.approx(np.mean(errors))
    assert cases.loc["complete :: pets", "share_over_3kg"] == pytest.approx(sum(e > 3 for e in errors) / len(errors))
    assert cases.loc["weight :: (10, 15]", "n_missed"] == 1

    plots = load_test_case_plots(model, suite)
    assert len(plots) == 2 * len(cases)
    kinds = {type(plot) for _, _, _, plot in plots}
    assert kinds == {Histogram, CurvePlot}
    histogram = next(p for tc, _, _, p in plots if tc.name == "complete :: pets" and isinstance(p, Histogram))
    assert sum(histogram.frequency) == len(errors)

    per_sample = load_test_sample_metrics(model, complete)
    assert len(per_sample) == len(photos)
    missed = per_sample[per_sample["missed"]]
    assert len(missed) == 2 and missed["abs_error"].isna().all()

    breed_cases = load_test_case_metrics(model, TestSuite.load("breed :: pets"))
    assert list(breed_cases["test_case"]) == ["complete :: pets", "breed :: tabby", "breed :: siamese"]
    stored = dict(TestCase.load("breed :: tabby").load_test_samples()[0][0].metadata)
    assert stored == {"breed": "tabby", "indoor": False, "width": 16, "brightness": pytest.approx(0.51)}
    assert [type(stored[k]) for k in ["indoor", "width", "brightness"]] == [bool, int, float]
    inferred = {ts.locator: inf.kilograms for ts, _, inf in model.load_inferences(complete)}
    assert inferred == {loc: None if offset[loc] is None else truth[loc] + offset[loc] for loc in truth}
