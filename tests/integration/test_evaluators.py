"""Ready evaluators end to end through test() on a SQLite store: stored results equal a direct call, thresholds are
chosen on the whole suite, overlapping and empty test cases, default configurations and bad input."""
from dataclasses import dataclass
from typing import List

import numpy as np
import pytest

from kolena_lab.evaluators import (
    ClassificationConfiguration,
    ClassificationEvaluator,
    DetectionConfiguration,
    ObjectDetectionEvaluator,
    RegressionEvaluator,
)
from kolena_lab.workflow import (
    GroundTruth,
    Image,
    Inference,
    TestCases,
    define_workflow,
    load_test_case_metrics,
    load_test_case_plots,
    load_test_sample_metrics,
    load_test_suite_metrics,
    test,
)
from kolena_lab.workflow._codec import sample_key
from kolena_lab.workflow.annotation import (
    ClassificationLabel,
    LabeledBoundingBox,
    ScoredClassificationLabel,
    ScoredLabeledBoundingBox,
)
from kolena_lab.workflow.plot import ConfusionMatrix, CurvePlot


@dataclass(frozen=True)
class Photo(Image):
    pass


@dataclass(frozen=True)
class Boxes(GroundTruth):
    bboxes: List[LabeledBoundingBox]
    label: ClassificationLabel
    size: float


@dataclass(frozen=True)
class Predictions(Inference):
    bboxes: List[ScoredLabeledBoundingBox]
    scores: List[ScoredClassificationLabel]
    size: float


def _data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    samples, gts, infs = [], [], []
    for i in range(n):
        boxes, dets = [], []
        for _ in range(int(rng.integers(0, 4))):
            x, y = rng.uniform(0, 200, 2)
            box = LabeledBoundingBox((x, y), (x + 30, y + 30), ["car", "person"][int(rng.integers(2))])
            boxes.append(box)
            if rng.random() < 0.8:
                dx = rng.normal(0, 4)
                score = float(rng.random())
                dets.append(ScoredLabeledBoundingBox((x + dx, y), (x + 30 + dx, y + 30), box.label, score))
        if rng.random() < 0.5:
            dets.append(ScoredLabeledBoundingBox((250, 250), (270, 280), "car", float(rng.random())))
        truth = ["cat", "dog", "bird"][int(rng.integers(3))]
        p = rng.dirichlet(np.ones(3))
        samples.append(Photo(locator=f"/data/photo{i:03d}.jpg"))
        gts.append(Boxes(bboxes=boxes, label=ClassificationLabel(truth), size=float(rng.uniform(1, 10))))
        infs.append(Predictions(bboxes=dets, scores=[ScoredClassificationLabel(k, float(v)) for k, v in
                                                     zip(["cat", "dog", "bird"], p)], size=float(rng.uniform(1, 10))))
    return samples, gts, infs


GROUPS = {"day": range(0, 40), "night": range(25, 60), "rain": range(10, 60, 3), "empty": range(0)}


@pytest.fixture
def setup(sqlite_store):
    _, TestCase, TestSuite, Model = define_workflow("Ready Evaluators", Photo, Boxes, Predictions)
    samples, gts, infs = _data(60)
    cases = [TestCase(name, test_samples=[(samples[i], gts[i]) for i in idx]) for name, idx in GROUPS.items()]
    suite = TestSuite("scenes", test_cases=cases)
    by_locator = {s.locator: inf for s, inf in zip(samples, infs)}
    model = Model("detector", infer=lambda s: by_locator[s.locator])
    return suite, model, (samples, gts, infs)


def _direct(evaluator, data, configuration):
    samples, gts, infs = data
    keys = [sample_key(s) for s in samples]
    test_cases = TestCases([(name, {keys[i] for i in idx}) for name, idx in GROUPS.items()])
    return evaluator(samples, gts, infs, test_cases, configuration)


class CountingDetection(ObjectDetectionEvaluator):
    calls: list = []

    def __call__(self, test_samples, ground_truths, inferences, test_cases, configuration: DetectionConfiguration):
        self.calls.append((len(test_samples), configuration.display_name()))
        return super().__call__(test_samples, ground_truths, inferences, test_cases, configuration)


def test_detection_results_are_stored_once_per_configuration(setup):
    suite, model, data = setup
    configs = [DetectionConfiguration(), DetectionConfiguration(threshold_strategy=0.5, iou_threshold=0.7)]
    evaluator = CountingDetection(configs, ground_truth="bboxes")
    test(model, suite, evaluator)
    assert evaluator.calls == [(60, c.display_name()) for c in configs]  # each unique sample once per configuration
    frame = load_test_case_metrics(model, suite, "CountingDetection")
    assert sorted(set(frame["configuration"])) == sorted(c.display_name() for c in configs)
    for config in configs:
        expected = dict(_direct(ObjectDetectionEvaluator([config]), data, config).metrics_test_case)
        rows = frame[frame["configuration"] == config.display_name()].set_index("test_case")
        for name, metrics in expected.items():
            row = rows.loc[name]
            assert row["mean_ap"] == metrics.mean_ap and row["tp"] == metrics.tp and row["fn"] == metrics.fn
            assert [r.label for r in row["per_class"]] == [r.label for r in metrics.per_class]
            assert [r.ap for r in row["per_class"]] == [r.ap for r in metrics.per_class]
    per_class = load_test_case_metrics(model, suite, "CountingDetection", expand="per_class")
    assert len(per_class) == sum(len(rows) for rows in frame["per_class"])
    first = frame.iloc[0]
    expanded = per_class[(per_class.test_case == first.test_case) & (per_class.configuration == first.configuration)]
    assert expanded[["label", "ap", "tp"]].values.tolist() == [[r.label, r.ap, r.tp] for r in first["per_class"]]
    with pytest.raises(ValueError, match="nested columns: \\['per_class'\\]"):
        load_test_case_metrics(model, suite, "CountingDetection", expand="mean_ap_typo")
    optimal = frame[frame["configuration"] == configs[0].display_name()]
    thresholds = {(r.label, r.threshold) for rows in optimal["per_class"] for r in rows}
    assert len({label for label, _ in thresholds}) == len(thresholds)  # one threshold per class across test cases
    suite_rows = load_test_suite_metrics(model, suite, "CountingDetection")
    assert len(suite_rows) == 2 and set(suite_rows["n_images"]) == {60}
    plots = load_test_case_plots(model, suite, "CountingDetection")
    assert {tc.name for tc, *_ in plots} == {"day", "night", "rain"}  # the empty test case has none
    assert any(isinstance(p, ConfusionMatrix) for *_, p in plots) and any(isinstance(p, CurvePlot) for *_, p in plots)
    night = next(tc for tc in suite.test_cases if tc.name == "night")
    sample_rows = load_test_sample_metrics(model, night, "CountingDetection")
    assert len(sample_rows) == 2 * 35 and {"tp", "fp", "fn", "count_tp"} <= set(sample_rows.columns)


def test_classification_with_a_suite_wide_f1_optimal_threshold(setup):
    suite, model, data = setup
    config = ClassificationConfiguration(threshold_strategy="F1-Optimal")
    test(model, suite, ClassificationEvaluator([config]))
    frame = load_test_case_metrics(model, suite, "ClassificationEvaluator").set_index("test_case")
    expected = _direct(ClassificationEvaluator([config]), data, config)
    assert set(frame["threshold"].dropna()) == {expected.metrics_test_suite.threshold}
    for name, metrics in expected.metrics_test_case:
        assert frame.loc[name, "accuracy"] == metrics.accuracy
        assert frame.loc[name, "n_withheld"] == metrics.n_withheld
    assert frame.loc["empty", "n_samples"] == 0


def test_default_configuration_and_named_results(setup):
    suite, model, data = setup
    test(model, suite, RegressionEvaluator(name="size regression"))
    frame = load_test_case_metrics(model, suite, "size regression")
    assert set(frame["configuration"]) == {"errors"}
    day = frame.set_index("test_case").loc["day"]
    samples, gts, infs = data
    y, p = np.array([gts[i].size for i in GROUPS["day"]]), np.array([infs[i].size for i in GROUPS["day"]])
    assert day["mae"] == pytest.approx(np.mean(np.abs(p - y)), rel=1e-12)


def test_bad_field_fails_the_run_with_a_clear_error(setup):
    suite, model, _ = setup
    with pytest.raises(ValueError, match="ground truth type 'Boxes' has no field 'boxes' \\(ground_truth\\)"):
        test(model, suite, ObjectDetectionEvaluator(ground_truth="boxes"))
    assert load_test_case_metrics(model, suite, "ObjectDetectionEvaluator").empty
