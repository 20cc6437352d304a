"""The shape of Kolena's 2D object detection example on the prebuilt workflow: suites stratified by metadata and by
box size (the same image with a different ground truth per test case, small or large boxes moved to
``ignored_bboxes``), images without predictions sent as ignored inferences, and the prebuilt evaluator with a fixed
and an F1-optimal configuration; plus its "extended" variant that narrows the ground truth box type."""
from typing import List

import pytest
from pydantic.dataclasses import dataclass

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
from kolena_lab.workflow import define_workflow, load_test_case_metrics, load_test_sample_metrics, test
from kolena_lab.workflow.annotation import LabeledBoundingBox, ScoredLabeledBoundingBox

from ._kolena_examples import write_images

FIXED = ThresholdConfiguration(threshold_strategy=0.3, iou_threshold=0.5, min_confidence_score=0.0)
OPTIMAL = ThresholdConfiguration(threshold_strategy="F1-Optimal", iou_threshold=0.5, min_confidence_score=0.0)
LARGE = LabeledBoundingBox((0, 0), (100, 100), "car")
SMALL = LabeledBoundingBox((200, 200), (210, 210), "bus")
N_IMAGES = 8


def _scenes(tmp_path) -> List[tuple]:
    """Each image has a large car and a small bus; the bus is predicted on even images only, and the last image has
    no predictions at all."""
    locators = write_images(tmp_path / "street", N_IMAGES)
    return [(TestSample(locator=loc, metadata={"daylight": "day" if i < 4 else "night"}),
             GroundTruth(bboxes=[LARGE, SMALL])) for i, loc in enumerate(locators)]


def _infer(sample: TestSample) -> Inference:
    index = int(sample.locator[-7:-4])
    if index == N_IMAGES - 1:
        return Inference(bboxes=[], ignored=True)
    boxes = [ScoredLabeledBoundingBox(LARGE.top_left, LARGE.bottom_right, "car", 0.9)]
    if index % 2 == 0:
        boxes.append(ScoredLabeledBoundingBox(SMALL.top_left, SMALL.bottom_right, "bus", 0.8))
    return Inference(bboxes=boxes)


def _by_area(gt: GroundTruth, keep) -> GroundTruth:
    kept = [box for box in gt.bboxes if keep(box.area)]
    return GroundTruth(bboxes=kept, ignored_bboxes=[*gt.ignored_bboxes, *(b for b in gt.bboxes if not keep(b.area))])


def _seed_suites(tmp_path) -> TestCase:
    complete = TestCase("complete :: street", test_samples=_scenes(tmp_path), reset=True)
    by_daylight = [
        TestCase(f"daylight :: {name}", test_samples=[(ts, gt) for ts, gt in complete.iter_test_samples()
                                                      if ts.metadata["daylight"] == name], reset=True)
        for name in ["day", "night"]
    ]
    by_size = [
        TestCase(f"box size :: {name}",
                 test_samples=[(ts, _by_area(gt, keep)) for ts, gt in complete.iter_test_samples()], reset=True)
        for name, keep in [("small", lambda area: area < 1_000), ("large", lambda area: area >= 1_000)]
    ]
    TestSuite("street by daylight", test_cases=[complete, *by_daylight], reset=True)
    TestSuite("street by box size", test_cases=[complete, *by_size], reset=True)
    return complete


def _run(model: Model, *suite_names: str) -> None:
    evaluator = ObjectDetectionEvaluator(configurations=[FIXED, OPTIMAL])
    for name in suite_names:
        test(model, TestSuite(name), evaluator, reset=True)


EVALUATED, WITH_BUS = N_IMAGES - 1, N_IMAGES // 2  # the last image is ignored; the bus is predicted on even images


def _fixed_rows(model: Model, suite_name: str):
    frame = load_test_case_metrics(model, TestSuite.load(suite_name))
    assert sorted(set(frame["configuration"])) == sorted([FIXED.display_name(), OPTIMAL.display_name()])
    return frame[frame["configuration"] == FIXED.display_name()].set_index("test_case")


def test_prebuilt_detection_suite_by_metadata(sqlite_store, tmp_path):
    complete = _seed_suites(tmp_path)
    small_gts = [gt for _, gt in TestCase.load("box size :: small").iter_test_samples()]
    assert all(gt.bboxes == [SMALL] and gt.ignored_bboxes == [LARGE] and gt.n_bboxes == 1 for gt in small_gts)
    assert all(gt.n_bboxes == 2 and gt.ignored_bboxes == [] for _, gt in complete.iter_test_samples())

    model = Model("street-detector", infer=_infer, metadata={"family": "two-stage"})
    _run(model, "street by daylight")

    fixed = _fixed_rows(model, "street by daylight")
    assert list(fixed.index) == ["complete :: street", "daylight :: day", "daylight :: night"]
    expected = {"complete :: street": (EVALUATED + WITH_BUS, EVALUATED - WITH_BUS, 1),
                "daylight :: day": (4 + 2, 2, 0), "daylight :: night": (3 + 2, 1, 1)}
    for case, (tp, fn, ignored) in expected.items():
        assert (fixed.loc[case, "TP"], fixed.loc[case, "FN"], fixed.loc[case, "FP"]) == (tp, fn, 0), case
        assert fixed.loc[case, "nIgnored"] == ignored, case

    per_class = load_test_case_metrics(model, TestSuite.load("street by daylight"), expand="PerClass")
    complete_fixed = per_class[(per_class["test_case"] == "complete :: street")
                               & (per_class["configuration"] == FIXED.display_name())].set_index("Class")
    assert complete_fixed.loc["car", "Recall"] == pytest.approx(1.0)
    assert complete_fixed.loc["bus", "Recall"] == pytest.approx(WITH_BUS / EVALUATED)

    samples = load_test_sample_metrics(model, complete)
    assert len(samples) == 2 * N_IMAGES
    assert samples["ignored"].sum() == 2  # the image without predictions, once per configuration
    expected = [_infer(ts) for ts, _ in complete.iter_test_samples()]
    assert [inf for _, _, inf in model.load_inferences(complete)] == expected


def test_prebuilt_detection_suite_by_box_size_uses_each_test_cases_ground_truth(sqlite_store, tmp_path):
    _seed_suites(tmp_path)
    model = Model("street-detector", infer=_infer)
    _run(model, "street by daylight", "street by box size")
    fixed = _fixed_rows(model, "street by box size")
    expected = {
        "complete :: street": (EVALUATED + WITH_BUS, EVALUATED - WITH_BUS),
        "box size :: small": (WITH_BUS, EVALUATED - WITH_BUS),  # car predictions land on ignored boxes: no FP
        "box size :: large": (EVALUATED, 0),  # bus predictions land on ignored boxes: no FP
    }
    for case, (tp, fn) in expected.items():
        assert (fixed.loc[case, "TP"], fixed.loc[case, "FN"], fixed.loc[case, "FP"]) == (tp, fn, 0), case
    daylight = _fixed_rows(model, "street by daylight")  # the complete case is shared by both suites
    assert daylight.loc["complete :: street", "TP"] == EVALUATED + WITH_BUS


@dataclass(frozen=True)
class OccludableBox(LabeledBoundingBox):
    occluded: bool


@dataclass(frozen=True)
class OccludableGroundTruth(BaseGroundTruth):
    bboxes: List[OccludableBox]  # type: ignore[assignment]


def test_extended_ground_truth_declared_with_pydantic(sqlite_store, tmp_path):
    _, ExtTestCase, ExtTestSuite, ExtModel = define_workflow("Example Street Extended", TestSample,
                                                             OccludableGroundTruth, Inference)
    scenes = [(ts, OccludableGroundTruth(bboxes=[OccludableBox(b.top_left, b.bottom_right, b.label, occluded=i % 2 == 0)
                                                 for b in gt.bboxes]))
              for i, (ts, gt) in enumerate(_scenes(tmp_path))]
    suite = ExtTestSuite("street extended", test_cases=[ExtTestCase("complete :: street ext", test_samples=scenes)])
    model = ExtModel("street-detector", infer=_infer)
    test(model, suite, ObjectDetectionEvaluator(configurations=[FIXED]))
    loaded = [gt for _, gt in ExtTestCase.load("complete :: street ext").iter_test_samples()]
    assert [b.occluded for b in loaded[0].bboxes] == [True, True]
    assert load_test_case_metrics(model, suite).iloc[0]["TP"] == EVALUATED + WITH_BUS
