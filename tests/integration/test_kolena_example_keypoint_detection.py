"""The shape of Kolena's keypoint-detection example scripts: the suite is seeded by one script and tested by another
that opens it with ``TestSuite(name)``, a class evaluator with three configurations, metrics left ``None`` when
detection fails, per-suite variances as numpy scalars, and ``reset=True`` re-running inference."""
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import pytest

from kolena_lab.workflow import (
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
    load_test_sample_metrics,
    load_test_suite_metrics,
    test,
)
from kolena_lab.workflow.annotation import BoundingBox, Keypoints

from ._kolena_examples import write_images


@dataclass(frozen=True)
class HandImage(Image):
    crop: Optional[BoundingBox] = None


@dataclass(frozen=True)
class HandPose(BaseGroundTruth):
    joints: Keypoints
    palm_width: float


@dataclass(frozen=True)
class PredictedPose(BaseInference):
    joints: Optional[Keypoints] = None


_, TestCase, TestSuite, Model = define_workflow("Example Hand Pose", HandImage, HandPose, PredictedPose)


@dataclass(frozen=True)
class JointMetrics(MetricsTestSample):
    outcome: str
    mean_error: Optional[float] = None
    normalized_error: Optional[float] = None


@dataclass(frozen=True)
class PoseCaseMetrics(MetricsTestCase):
    n_missed: int
    n_misaligned: int
    failure_rate: float


@dataclass(frozen=True)
class PoseSuiteMetrics(MetricsTestSuite):
    failure_rate_variance: float


@dataclass(frozen=True)
class MaxNormalizedError(EvaluatorConfiguration):
    limit: float

    def display_name(self) -> str:
        return f"max-normalized-error-{self.limit}"


class PoseEvaluator(Evaluator):
    curves_by_case: dict = {}

    def compute_test_sample_metrics(self, test_case, inferences, configuration=None):
        if configuration is None:
            raise ValueError("a configuration is required")
        out = []
        for sample, gt, inf in inferences:
            if inf.joints is None:
                out.append((sample, JointMetrics(outcome="missed")))
                continue
            error = np.linalg.norm(np.array(gt.joints.points) - np.array(inf.joints.points), axis=1).mean()
            normalized = error / gt.palm_width
            outcome = "misaligned" if normalized > configuration.limit else "ok"
            out.append((sample, JointMetrics(outcome=outcome, mean_error=error, normalized_error=normalized)))
        return out

    def compute_test_case_metrics(self, test_case, inferences, metrics, configuration=None):
        missed = sum(m.outcome == "missed" for m in metrics)
        misaligned = sum(m.outcome == "misaligned" for m in metrics)
        return PoseCaseMetrics(n_missed=missed, n_misaligned=misaligned,
                               failure_rate=(missed + misaligned) / len(metrics))

    def compute_test_case_plots(self, test_case, inferences, metrics, configuration=None) -> List[Plot]:
        if test_case.name not in self.curves_by_case:  # the same curve for every configuration, computed once
            errors = [m.normalized_error for m in metrics if m.normalized_error is not None]
            limits = np.linspace(0.0, 1.0, 11)
            self.curves_by_case[test_case.name] = CurvePlot(
                title="failure rate by limit", x_label="limit", y_label="failure rate",
                curves=[Curve(x=limits, y=[np.mean([e > t for e in errors]) for t in limits])])
        return [self.curves_by_case[test_case.name]]

    def compute_test_suite_metrics(self, test_suite, metrics, configuration=None):
        return PoseSuiteMetrics(failure_rate_variance=np.var([m.failure_rate for _, m in metrics]))


HAND = [(10, 10), (20, 12), (30, 15), (40, 20), (50, 30)]


def _seed(tmp_path) -> None:
    locators = write_images(tmp_path / "hands", 10)
    pairs = [(HandImage(loc, crop=BoundingBox((0, 0), (60, 40)) if i % 2 else None),
              HandPose(joints=Keypoints(HAND), palm_width=20.0)) for i, loc in enumerate(locators)]
    TestSuite("hands", test_cases=[TestCase("hands :: all", test_samples=pairs, reset=True)], reset=True)


def test_seeded_suite_is_opened_by_name_and_tested_with_three_configurations(sqlite_store, tmp_path):
    _seed(tmp_path)
    calls = []

    def infer(sample: HandImage) -> PredictedPose:
        calls.append(sample.locator)
        index = int(sample.locator[-7:-4])
        if index == 0:
            return PredictedPose()
        return PredictedPose(joints=Keypoints([(x + index, y) for x, y in HAND]))

    model = Model("pose-net", infer=infer, metadata=dict(description="free-form"))
    suite = TestSuite("hands")
    assert suite.version == 1 and [tc.name for tc in suite.test_cases] == ["hands :: all"]
    configurations = [MaxNormalizedError(0.1), MaxNormalizedError(0.2), MaxNormalizedError(0.5)]
    PoseEvaluator.curves_by_case.clear()
    test(model, suite, PoseEvaluator(configurations=configurations), reset=True)
    test(model, suite, PoseEvaluator(configurations=configurations), reset=True)
    assert len(calls) == 2 * 10  # reset=True infers every sample again

    cases = load_test_case_metrics(model, suite).set_index("configuration")
    for config in configurations:
        misaligned = sum(i / 20.0 > config.limit for i in range(1, 10))
        row = cases.loc[config.display_name()]
        assert (row["n_missed"], row["n_misaligned"]) == (1, misaligned)
        assert row["failure_rate"] == pytest.approx((1 + misaligned) / 10)

    per_sample = load_test_sample_metrics(model, TestCase.load("hands :: all"))
    missed = per_sample[per_sample["outcome"] == "missed"]
    assert len(missed) == 3 and missed["mean_error"].isna().all() and missed["normalized_error"].isna().all()
    assert {c is None for c in per_sample["crop"]} == {True, False}

    suite_rows = load_test_suite_metrics(model, suite)
    assert len(suite_rows) == 3 and (suite_rows["failure_rate_variance"] == 0.0).all()  # a single test case
    assert Model.load("pose-net").metadata == {"description": "free-form"}
