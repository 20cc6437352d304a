"""A workflow written for `kolena.workflow` (the keypoint-detection tutorial's shape) runs with only the import changed."""
import math
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import pytest

# The only change from Kolena code: `kolena` -> `kolena_lab` in these imports.
from kolena_lab.workflow import (
    AxisConfig,
    Curve,
    CurvePlot,
    Evaluator,
    EvaluatorConfiguration,
    GroundTruth as BaseGroundTruth,
    Image,
    Inference as BaseInference,
    MetricsTestCase,
    MetricsTestSample,
    MetricsTestSuite,
    Plot,
    define_workflow,
    load_test_case_metrics,
    load_test_case_plots,
    load_test_sample_metrics,
    load_test_suite_metrics,
    test,
)
from kolena_lab.workflow.annotation import BoundingBox, Keypoints


@dataclass(frozen=True)
class TestSample(Image):
    bbox: Optional[BoundingBox] = None


@dataclass(frozen=True)
class GroundTruth(BaseGroundTruth):
    face: Keypoints
    normalization_factor: float


@dataclass(frozen=True)
class Inference(BaseInference):
    face: Optional[Keypoints] = None
    confidence: Optional[float] = None


workflow, TestCase, TestSuite, Model = define_workflow("Keypoint Detection", TestSample, GroundTruth, Inference)


@dataclass(frozen=True)
class TestSampleMetrics(MetricsTestSample):
    match_type: str
    normalized_mean_error: float
    error_per_keypoint: List[float]


@dataclass(frozen=True)
class TestCaseMetrics(MetricsTestCase):
    mean_nme: float
    alignment_failure_rate: float
    detection_failure_rate: float
    total_failure_rate: float


@dataclass(frozen=True)
class TestSuiteMetrics(MetricsTestSuite):
    worst_mean_nme: float
    variance_mean_nme: float


@dataclass(frozen=True)
class NmeThreshold(EvaluatorConfiguration):
    threshold: float

    def display_name(self) -> str:
        return f"nme-threshold-{self.threshold}"


class KeypointsEvaluator(Evaluator):
    cache: dict = {}  # real evaluators keep a class-level cache across configurations

    def compute_test_sample_metrics(self, test_case, inferences, configuration=None):
        assert configuration is not None
        out = []
        for ts, gt, inf in inferences:
            if inf.face is None:  # checked although not declared Optional-only in every workflow
                out.append((ts, TestSampleMetrics("failure_to_detect", math.nan, [])))
                continue
            key = ts.locator
            if key not in self.cache:
                errors = np.linalg.norm(np.array(gt.face.points) - np.array(inf.face.points), axis=1)
                self.cache[key] = errors / gt.normalization_factor
            errors = self.cache[key]
            nme = np.float64(errors.mean())  # numpy scalars in metrics
            match = "failure_to_align" if nme > configuration.threshold else "success"
            out.append((ts, TestSampleMetrics(match, nme, errors)))
        return out

    def compute_test_case_metrics(self, test_case, inferences, metrics, configuration=None):
        n = len(metrics)
        nmes = [m.normalized_mean_error for m in metrics if m.match_type != "failure_to_detect"]
        align = sum(m.match_type == "failure_to_align" for m in metrics) / n
        detect = sum(m.match_type == "failure_to_detect" for m in metrics) / n
        return TestCaseMetrics(np.mean(nmes) if nmes else 0.0, align, detect, align + detect)

    def compute_test_case_plots(self, test_case, inferences, metrics, configuration=None) -> List[Plot]:
        thresholds = np.logspace(-3, 0, 20)
        nmes = np.array([m.normalized_mean_error for m in metrics])
        failure = [(np.isnan(nmes) | (nmes > t)).mean() for t in thresholds]
        return [CurvePlot(title="Failure rate vs NME threshold", x_label="NME threshold", y_label="failure rate",
                          curves=[Curve(x=thresholds, y=failure)], x_config=AxisConfig(type="log"))]

    def compute_test_suite_metrics(self, test_suite, metrics, configuration=None):
        means = [m.mean_nme for _, m in metrics]
        return TestSuiteMetrics(worst_mean_nme=max(means), variance_mean_nme=np.var(means))


FACE = [(30.0, 40.0), (70.0, 40.0), (50.0, 60.0), (35.0, 80.0), (65.0, 80.0)]


def make_sample(i: int) -> tuple:
    sample = TestSample(locator=f"s3://faces/{i:03d}.jpg", metadata={"pose": "frontal" if i % 2 else "profile"},
                        bbox=BoundingBox((10, 20), (90, 100)) if i % 3 else None)
    return sample, GroundTruth(face=Keypoints(points=FACE), normalization_factor=40.0 + i % 5)


def infer(sample: TestSample) -> Inference:
    i = int(sample.locator[-7:-4])
    if i % 7 == 0:
        return Inference()
    shift = (i % 4) * 1.5
    return Inference(face=Keypoints(points=[(x + shift, y - shift) for x, y in FACE]), confidence=0.9)


def test_keypoint_tutorial_runs_and_results_load_back(lab):
    samples = [make_sample(i) for i in range(1, 31)]
    frontal = TestCase("frontal", test_samples=[s for s in samples if s[0].metadata["pose"] == "frontal"])
    profile = TestCase("profile", test_samples=[s for s in samples if s[0].metadata["pose"] == "profile"])
    complete = TestCase("complete", test_samples=samples)
    suite = TestSuite("faces", test_cases=[complete, frontal, profile])
    model = Model("keypoints-rcnn-512", infer=infer, metadata={"framework": "torch"})
    configurations = [NmeThreshold(0.01), NmeThreshold(0.05), NmeThreshold(0.1)]
    KeypointsEvaluator.cache.clear()
    test(model, suite, KeypointsEvaluator(configurations=configurations))

    cases = load_test_case_metrics(model, suite)
    assert len(cases) == 9 and set(cases["configuration"]) == {c.display_name() for c in configurations}
    row = cases[(cases.test_case == "complete") & (cases.configuration == "nme-threshold-0.05")].iloc[0]
    expected = [infer(s) for s, _ in samples]
    assert row.detection_failure_rate == pytest.approx(sum(e.face is None for e in expected) / 30)
    nmes = [
        np.mean(np.linalg.norm(np.array(g.face.points) - np.array(e.face.points), axis=1)) / g.normalization_factor
        for (_, g), e in zip(samples, expected) if e.face is not None
    ]
    assert row.mean_nme == pytest.approx(np.mean(nmes))
    assert row.alignment_failure_rate == pytest.approx(sum(n > 0.05 for n in nmes) / 30)

    plots = load_test_case_plots(model, suite)
    assert len(plots) == 9
    _, _, _, plot = plots[0]
    assert isinstance(plot, CurvePlot) and plot.x_config == AxisConfig(type="log") and len(plot.curves[0].x) == 20

    per_sample = load_test_sample_metrics(model, complete)
    assert len(per_sample) == 90
    detect = per_sample[per_sample.match_type == "failure_to_detect"]
    assert detect["normalized_mean_error"].isna().all() and len(detect) == 3 * 4  # NaN survives the store

    suite_metrics = load_test_suite_metrics(model, suite)
    assert len(suite_metrics) == 3 and (suite_metrics["worst_mean_nme"] >= 0).all()

    loaded = Model.load("keypoints-rcnn-512").load_inferences(complete)
    assert [inf for _, _, inf in loaded] == expected
    assert loaded[0][0].bbox == BoundingBox((10, 20), (90, 100))
