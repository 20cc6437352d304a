"""Kolena's object detection example, with `kolena` changed to `kolena_lab` in its imports: the prebuilt workflow
seeds a suite, a model is tested with the prebuilt evaluator, and the stored results equal a direct call."""
from dataclasses import dataclass
from typing import List

import numpy as np
import pytest

from kolena_lab._experimental.object_detection import GroundTruth as BaseGroundTruth
from kolena_lab._experimental.object_detection import (
    GroundTruth,
    Inference,
    Model,
    ObjectDetectionEvaluator,
    TestCase,
    TestSample,
    TestSuite,
    ThresholdConfiguration,
)
from kolena_lab.workflow import define_workflow, load_test_case_metrics, load_test_suite_metrics, test
from kolena_lab.workflow.annotation import LabeledBoundingBox
from tests.unit.evaluators import _data


@dataclass(frozen=True)
class ExtendedBoundingBox(LabeledBoundingBox):
    occluded: bool


@dataclass(frozen=True)
class ExtendedGroundTruth(BaseGroundTruth):
    bboxes: List[ExtendedBoundingBox]  # type: ignore[assignment]


_, ExtendedTestCase, ExtendedTestSuite, ExtendedModel = define_workflow(
    "Object Detection Extend", TestSample, ExtendedGroundTruth, Inference)

CONFIGURATIONS = [
    ThresholdConfiguration(threshold_strategy=0.3, iou_threshold=0.3, min_confidence_score=0.2),
    ThresholdConfiguration(threshold_strategy="F1-Optimal", iou_threshold=0.5, min_confidence_score=0.0),
]


def _scenes(n: int, seed: int = 0):
    _, gts, infs = _data.detection(n, seed=seed, decimals=2)
    samples = [TestSample(locator=f"s3://bucket/img{i:04d}.jpg", metadata={"brightness": float(b)})
               for i, b in enumerate(np.random.default_rng(seed).uniform(0, 255, n))]
    by_locator = {s.locator: Inference(bboxes=i.bboxes, ignored=k % 17 == 0) for k, (s, i) in
                  enumerate(zip(samples, infs))}
    return samples, [g.bboxes for g in gts], by_locator


def _seed(test_case_type, test_suite_type, samples, gts):
    complete = test_case_type("complete", test_samples=list(zip(samples, gts)), reset=True)
    cases = [complete]
    for name, keep in {"dark": lambda b: b < 100, "light": lambda b: b >= 100}.items():
        cases.append(test_case_type(name, test_samples=[(s, g) for s, g in complete.iter_test_samples()
                                                          if keep(s.metadata["brightness"])], reset=True))
    return test_suite_type("transportation by brightness", test_cases=cases)


def _expected(suite, by_locator, config):
    """Test case and suite metrics of a direct call, per test case with its own samples and ground truths."""
    cases = [(tc.name, [(s, g, by_locator[s.locator]) for s, g in tc.iter_test_samples()]) for tc in suite.test_cases]
    _, metrics, _, suite_metrics = _data.evaluate_test_cases(ObjectDetectionEvaluator([config]), cases, config)
    return metrics, suite_metrics


def test_example_workflow_runs_and_stores_kolenas_metrics(sqlite_store):
    samples, boxes, by_locator = _scenes(90)
    gts = [GroundTruth(bboxes=b) for b in boxes]
    suite = _seed(TestCase, TestSuite, samples, gts)
    model = Model("yolo", infer=lambda sample: by_locator[sample.locator], metadata={"family": "yolo"})
    test(model, suite, ObjectDetectionEvaluator(configurations=CONFIGURATIONS), reset=True)
    frame = load_test_case_metrics(model, suite, "ObjectDetectionEvaluator")
    assert {"PerClass", "macro_Precision", "mean_AP", "micro_F1", "nIgnored"} <= set(frame.columns)
    assert sorted(set(frame["configuration"])) == sorted(c.display_name() for c in CONFIGURATIONS)
    suite_rows = load_test_suite_metrics(model, suite, "ObjectDetectionEvaluator").set_index("configuration")
    for config in CONFIGURATIONS:
        expected, expected_suite = _expected(suite, by_locator, config)
        rows = frame[frame["configuration"] == config.display_name()].set_index("test_case")
        for test_case, metrics in expected.items():
            for name in ("TP", "FP", "FN", "nIgnored", "mean_AP", "macro_F1", "micro_Precision"):
                assert rows.loc[test_case, name] == pytest.approx(getattr(metrics, name)), (test_case, name)
        row = suite_rows.loc[config.display_name()]
        assert row["n_images"] == 90
        assert row["mean_AP"] == pytest.approx(expected_suite.mean_AP)


def test_extended_ground_truth_evaluates_label_blind_when_asked(sqlite_store):
    samples, boxes, by_locator = _scenes(40, seed=3)
    gts = [ExtendedGroundTruth(bboxes=[ExtendedBoundingBox(b.top_left, b.bottom_right, b.label, occluded=False)
                                       for b in bs]) for bs in boxes]
    suite = _seed(ExtendedTestCase, ExtendedTestSuite, samples, gts)
    model = ExtendedModel("yolo", infer=lambda sample: by_locator[sample.locator])
    config = ThresholdConfiguration(multiclass=False)
    test(model, suite, ObjectDetectionEvaluator([config]))
    frame = load_test_case_metrics(model, suite).set_index("test_case")
    expected, expected_suite = _expected(suite, by_locator, config)
    for test_case, metrics in expected.items():
        assert frame.loc[test_case, "AP"] == pytest.approx(metrics.AP)
        assert frame.loc[test_case, "TP"] == metrics.TP
    assert load_test_suite_metrics(model, suite)["threshold"].iloc[0] == pytest.approx(
        expected_suite.threshold)
