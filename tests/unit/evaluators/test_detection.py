"""ObjectDetectionEvaluator: each test case's numbers equal kolena_lab.metrics on that test case's images alone,
thresholds are chosen on the whole suite, and COCO mode equals pycocotools."""
import contextlib
import io
from collections import Counter
from dataclasses import dataclass
from typing import List

import numpy as np
import pytest

from kolena_lab.errors import InputValidationError
from kolena_lab.evaluators import DetectionConfiguration, ObjectDetectionEvaluator
from kolena_lab.metrics import (
    compute_ap,
    detection_confusion_matrix,
    f1_optimal_threshold,
    match_arrays,
    match_inferences_multiclass,
)
from kolena_lab.workflow import GroundTruth, Inference
from kolena_lab.workflow.annotation import (
    BoundingBox,
    ClassificationLabel,
    LabeledBoundingBox,
    LabeledPolygon,
    ScoredBoundingBox,
    ScoredLabeledBoundingBox,
    ScoredLabeledPolygon,
)
from kolena_lab.workflow.plot import ConfusionMatrix

from . import _data


def _matches(gts, infs, idx, iou=0.5):
    out = []
    for i in idx:
        crowd = [b for b in gts[i].bboxes if getattr(b, "iscrowd", False)]
        regular = [b for b in gts[i].bboxes if not getattr(b, "iscrowd", False)]
        ignored = crowd + gts[i].ignored_bboxes
        out.append(match_inferences_multiclass(regular, infs[i].bboxes, ignored_ground_truths=ignored,
                                               iou_threshold=iou))
    return out


def _key(box):
    return (tuple(box.top_left), tuple(box.bottom_right), box.label, getattr(box, "score", None))


def _suite_thresholds(matches, labels):
    return {label: f1_optimal_threshold(*match_arrays(matches, label))[0] for label in labels}


@pytest.mark.parametrize("seed,grid,decimals", [(0, None, None), (1, 10.0, 1), (2, 20.0, 2)])
def test_each_test_case_equals_metrics_on_its_own_images(seed, grid, decimals):
    samples, gts, infs = _data.detection(120, seed=seed, grid=grid, decimals=decimals, ignored_p=0.1, crowd_p=0.05)
    groups = _data.overlapping_groups(len(samples), seed=seed)
    result = ObjectDetectionEvaluator()(samples, gts, infs, _data.test_cases(samples, groups), None)
    labels = sorted({b.label for g in gts for b in g.bboxes + g.ignored_bboxes}
                    | {b.label for i in infs for b in i.bboxes})
    thresholds = _suite_thresholds(_matches(gts, infs, range(len(samples))), labels)
    assert len(result.metrics_test_case) == len(groups)
    for (name, metrics), idx in zip(result.metrics_test_case, groups.values()):
        matches = _matches(gts, infs, idx)
        rows = {row.label: row for row in metrics.per_class}
        present = [label for label in labels if match_arrays(matches, label)[2] or len(match_arrays(matches, label)[0])]
        assert sorted(rows) == present
        aps = []
        for label in present:
            scores, is_tp, n_gt = match_arrays(matches, label)
            above = scores >= thresholds[label]
            row = rows[label]
            assert row.threshold == thresholds[label]
            assert (row.objects, row.inferences) == (n_gt, len(scores))
            assert (row.tp, row.fp, row.fn) == (int((is_tp & above).sum()), int((~is_tp & above).sum()),
                                                n_gt - int((is_tp & above).sum()))
            assert row.ap == compute_ap(scores, is_tp, n_gt)
            per_image = [match_arrays([m], label) for m in matches]  # kept inferences and regular objects
            assert row.n_images == sum(bool(len(s_) or n) for s_, _, n in per_image)
            aps.append(row.ap)
        assert metrics.mean_ap == pytest.approx(np.mean(aps) if aps else 0.0, abs=1e-15)
        assert metrics.tp == sum(r.tp for r in rows.values()) and metrics.n_images == len(idx)


def test_f1_optimal_threshold_is_computed_on_the_whole_suite():
    samples, gts, infs = _data.detection(200, seed=3, classes=1)
    first = np.arange(40)  # the first test case alone would pick another threshold
    groups = {"first": first, "all": np.arange(200)}
    result = ObjectDetectionEvaluator()(samples, gts, infs, _data.test_cases(samples, groups), None)
    suite_thr = f1_optimal_threshold(*match_arrays(_matches(gts, infs, range(200)), "c0"))[0]
    first_thr = f1_optimal_threshold(*match_arrays(_matches(gts, infs, first), "c0"))[0]
    assert suite_thr != first_thr
    for _, metrics in result.metrics_test_case:
        assert metrics.per_class[0].threshold == suite_thr
    # the result does not depend on which test case comes first
    reversed_cases = _data.test_cases(samples, dict(reversed(groups.items())))
    reordered = ObjectDetectionEvaluator()(samples, gts, infs, reversed_cases, None)
    assert dict(reordered.metrics_test_case) == dict(result.metrics_test_case)


def test_overlapping_test_cases_match_each_case_evaluated_alone():
    samples, gts, infs = _data.detection(100, seed=4, ignored_p=0.1)
    groups = _data.overlapping_groups(100, seed=4)
    config = DetectionConfiguration(threshold_strategy=0.4, iou_threshold=0.6)
    evaluator = ObjectDetectionEvaluator([config])
    together = evaluator(samples, gts, infs, _data.test_cases(samples, groups), config)
    assert len(together.metrics_test_sample) == 100  # one row per unique sample
    for (name, metrics), idx in zip(together.metrics_test_case, groups.values()):
        if not len(idx):
            continue
        sub = [samples[i] for i in idx]
        alone = evaluator(sub, [gts[i] for i in idx], [infs[i] for i in idx],
                          _data.test_cases(sub, {name: range(len(idx))}), config)
        assert alone.metrics_test_case[0][1] == metrics
        assert alone.metrics_test_suite.mean_ap == metrics.mean_ap


def test_per_sample_lists_and_confusion_matrix_equal_the_reference_at_a_fixed_threshold():
    samples, gts, infs = _data.detection(80, seed=5, grid=10.0, decimals=1, ignored_p=0.1)
    thr = 0.5
    result = ObjectDetectionEvaluator([DetectionConfiguration(threshold_strategy=thr)])(
        samples, gts, infs, _data.test_cases(samples, {"all": range(80)}), None)
    matches = _matches(gts, infs, range(80))
    for (sample, metrics), m in zip(result.metrics_test_sample, matches):
        assert Counter(map(_key, metrics.tp)) == Counter(_key(d) for _, d in m.matched if d.score >= thr)
        assert Counter(map(_key, metrics.fp)) == Counter(_key(d) for d in m.unmatched_inf if d.score >= thr)
        assert Counter(map(_key, metrics.fn)) == Counter(
            [_key(g) for g, d in m.matched if d.score < thr] + [_key(g) for g, _ in m.unmatched_gt])
        assert Counter(map(_key, metrics.confused)) == Counter(
            _key(d) for _, d in m.unmatched_gt if d is not None and d.score >= thr)
    plot = next(p for p in result.plots_test_case[0][1] if isinstance(p, ConfusionMatrix))
    expected = detection_confusion_matrix(matches, labels=plot.labels[:-1], score_threshold=thr)
    assert plot.labels == expected.labels
    assert np.array_equal(plot.matrix, expected.matrix)


def test_coco_mode_equals_pycocotools():
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    samples, gts, infs = _data.detection(150, seed=6, classes=4, grid=5.0, decimals=2, crowd_p=0.1)
    cats = sorted({b.label for g in gts for b in g.bboxes} | {b.label for i in infs for b in i.bboxes})
    cat_id = {c: k + 1 for k, c in enumerate(cats)}
    anns, dets = [], []
    for img, (g, inf) in enumerate(zip(gts, infs), start=1):
        for b in g.bboxes:
            anns.append({"id": len(anns) + 1, "image_id": img, "category_id": cat_id[b.label], "area": b.area,
                         "bbox": [*b.top_left, b.width, b.height], "iscrowd": int(getattr(b, "iscrowd", False))})
        dets += [{"image_id": img, "category_id": cat_id[d.label], "bbox": [*d.top_left, d.width, d.height],
                  "score": d.score} for d in inf.bboxes]
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = {"images": [{"id": i + 1} for i in range(len(samples))], "annotations": anns,
                        "categories": [{"id": k} for k in cat_id.values()]}
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(dets), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    config = DetectionConfiguration(mode="coco", iou_threshold=0.5)
    cases = _data.test_cases(samples, {"all": range(150)})
    result = ObjectDetectionEvaluator([config])(samples, gts, infs, cases, None)
    assert result.metrics_test_case[0][1].mean_ap == pytest.approx(ev.stats[1], abs=1e-12)
    precision = ev.eval["precision"][0, :, :, 0, 2]  # IoU 0.5, every recall point, all areas, maxDets 100
    for row in result.metrics_test_case[0][1].per_class:
        column = precision[:, cat_id[row.label] - 1]
        if row.objects:
            assert row.ap == pytest.approx(float(np.mean(column)), abs=1e-12)


def test_ignored_and_crowd_ground_truths_are_neither_misses_nor_matches():
    gt = _data.DetGT(bboxes=[LabeledBoundingBox((0, 0), (10, 10), "a"),
                             LabeledBoundingBox((50, 50), (60, 60), "a", iscrowd=True)],
                     ignored_bboxes=[LabeledBoundingBox((100, 100), (110, 110), "a")])
    inf = _data.DetInf(bboxes=[ScoredLabeledBoundingBox((0, 0), (10, 10), "a", 0.9),
                               ScoredLabeledBoundingBox((50, 50), (60, 60), "a", 0.8),
                               ScoredLabeledBoundingBox((100, 100), (110, 110), "a", 0.7),
                               ScoredLabeledBoundingBox((200, 200), (210, 210), "a", 0.6)])
    samples = _data.images(1)
    result = ObjectDetectionEvaluator([DetectionConfiguration(threshold_strategy=0.5)])(
        samples, [gt], [inf], _data.test_cases(samples, {"one": [0]}), None)
    m = result.metrics_test_case[0][1]
    assert (m.objects, m.inferences, m.ignored, m.tp, m.fp, m.fn) == (1, 2, 2, 1, 1, 0)
    assert result.metrics_test_sample[0][1].count_ignored == 2


def test_empty_test_cases_and_images_without_detections_or_objects():
    samples = _data.images(3)
    gts = [_data.DetGT(bboxes=[LabeledBoundingBox((0, 0), (10, 10), "a")], ignored_bboxes=[]),
           _data.DetGT(bboxes=[], ignored_bboxes=[]), _data.DetGT(bboxes=[], ignored_bboxes=[])]
    infs = [_data.DetInf(bboxes=[]), _data.DetInf(bboxes=[ScoredLabeledBoundingBox((0, 0), (5, 5), "b", 0.4)]),
            _data.DetInf(bboxes=[])]
    groups = {"empty": [], "no detections": [0], "no objects": [1], "nothing": [2]}
    result = ObjectDetectionEvaluator()(samples, gts, infs, _data.test_cases(samples, groups), None)
    by_name = dict(result.metrics_test_case)
    plots = dict(result.plots_test_case)
    assert by_name["empty"].n_images == 0 and by_name["empty"].per_class == [] and plots["empty"] == []
    assert (by_name["no detections"].fn, by_name["no detections"].mean_ap) == (1, 0.0)
    assert (by_name["no objects"].fp, by_name["no objects"].recall) == (1, 0.0)
    assert by_name["nothing"].per_class == [] and plots["nothing"] == []
    assert result.metrics_test_sample[2][1].max_confidence_above_t is None


@dataclass(frozen=True)
class PlainGT(GroundTruth):
    boxes: List[BoundingBox]


@dataclass(frozen=True)
class PlainInf(Inference):
    boxes: List[ScoredBoundingBox]


def test_unlabeled_boxes_are_one_class():
    samples = _data.images(2)
    gts = [PlainGT([BoundingBox((0, 0), (10, 10))]), PlainGT([BoundingBox((0, 0), (10, 10))])]
    infs = [PlainInf([ScoredBoundingBox((0, 0), (10, 10), 0.9)]), PlainInf([])]
    result = ObjectDetectionEvaluator()(samples, gts, infs, _data.test_cases(samples, {"all": [0, 1]}), None)
    metrics = result.metrics_test_case[0][1]
    assert [r.label for r in metrics.per_class] == ["object"]
    assert (metrics.tp, metrics.fn, metrics.per_class[0].ap) == (1, 1, 0.5)


def test_bad_input_is_named():
    samples, gts, infs = _data.detection(3, seed=7)
    cases = _data.test_cases(samples, {"all": [0, 1, 2]})
    with pytest.raises(ValueError, match="has no field 'boxes' \\(ground_truth\\)"):
        ObjectDetectionEvaluator(ground_truth="boxes")(samples, gts, infs, cases, None)
    with pytest.raises(ValueError, match="equal lengths"):
        ObjectDetectionEvaluator()(samples, gts[:2], infs, cases, None)
    with pytest.raises(ValueError, match="no field typed List\\[BoundingBox\\]"):
        ObjectDetectionEvaluator()(samples, [_data.ClsGT(label=ClassificationLabel("c0"))] * 3, infs, cases, None)
    bad = _data.DetInf(bboxes=[ScoredLabeledBoundingBox((0, 0), (1, 1), "c0", 1.5)])
    with pytest.raises(InputValidationError, match="img00001.jpg.*score in \\[0, 1\\]"):
        ObjectDetectionEvaluator()(samples, gts, [infs[0], bad, infs[2]], cases, None)
    with pytest.raises(ValueError, match="img00002.jpg has no inference"):
        ObjectDetectionEvaluator()(samples, gts, [infs[0], infs[1], None], cases, None)
    with pytest.raises(ValueError, match="'iou_threshold' must be in \\(0, 1\\]"):
        DetectionConfiguration(iou_threshold=0)
    with pytest.raises(ValueError, match="'threshold_strategy'"):
        DetectionConfiguration(threshold_strategy="best")
    with pytest.raises(ValueError, match="'mode'"):
        DetectionConfiguration(mode="voc")
    with pytest.raises(ValueError, match="duplicate display names"):
        ObjectDetectionEvaluator([DetectionConfiguration(), DetectionConfiguration()])
    with pytest.raises(ValueError, match="configurations\\[0\\] must be a DetectionConfiguration"):
        ObjectDetectionEvaluator(["IoU=0.5"])
    with pytest.raises(ValueError, match="'configuration' must be a DetectionConfiguration"):
        ObjectDetectionEvaluator()(samples, gts, infs, cases, "IoU=0.5")


def test_configuration_names_and_defaults():
    evaluator = ObjectDetectionEvaluator([DetectionConfiguration(), DetectionConfiguration(
        threshold_strategy=0.3, iou_threshold=0.75, min_confidence_score=0.1, mode="coco")], name="detector")
    assert evaluator.display_name() == "detector"
    assert [c.display_name() for c in evaluator.configurations] == [
        "F1-optimal threshold, IoU=0.5", "threshold=0.3, IoU=0.75, min confidence=0.1, COCO matching"]
    assert ObjectDetectionEvaluator().display_name() == "ObjectDetectionEvaluator"
    assert DetectionConfiguration._from_dict(DetectionConfiguration(threshold_strategy=0.3)._to_dict()) == \
        DetectionConfiguration(threshold_strategy=0.3)


def test_min_confidence_drops_inferences_before_matching():
    samples = _data.images(1)
    gts = [_data.DetGT(bboxes=[LabeledBoundingBox((0, 0), (10, 10), "a")], ignored_bboxes=[])]
    infs = [_data.DetInf(bboxes=[ScoredLabeledBoundingBox((0, 0), (10, 10), "a", 0.2),
                                 ScoredLabeledBoundingBox((1, 0), (10, 10), "a", 0.6)])]
    config = DetectionConfiguration(threshold_strategy=0.0, min_confidence_score=0.5)
    m = ObjectDetectionEvaluator([config])(samples, gts, infs, _data.test_cases(samples, {"a": [0]}), None)
    metrics = m.metrics_test_case[0][1]
    assert (metrics.inferences, metrics.tp, metrics.fp) == (1, 1, 0)


def test_matching_runs_once_per_unique_image_however_many_test_cases_hold_it(monkeypatch):
    import kolena_lab.evaluators.detection as detection

    calls = []
    original = detection.match_inferences

    def counting(ground_truths, inferences, **kwargs):
        if kwargs.get("required_match_fields"):
            calls.append(len(inferences))
        return original(ground_truths, inferences, **kwargs)

    monkeypatch.setattr(detection, "match_inferences", counting)
    samples, gts, infs = _data.detection(60, seed=8)
    groups = {f"case{i}": range(0, 60, i + 1) for i in range(6)}  # 147 memberships over 60 images
    ObjectDetectionEvaluator()(samples, gts, infs, _data.test_cases(samples, groups), None)
    assert len(calls) == sum(1 for i in infs if i.bboxes)


@dataclass(frozen=True)
class PolyGT(GroundTruth):
    regions: List[LabeledPolygon]


@dataclass(frozen=True)
class PolyInf(Inference):
    regions: List[ScoredLabeledPolygon]


def test_polygons_are_matched_by_exact_iou():
    samples = _data.images(1)
    square = [(0, 0), (10, 0), (10, 10), (0, 10)]
    shifted = [(0, 0), (10, 0), (10, 10), (2, 10)]  # IoU 0.9 with the square
    gts = [PolyGT([LabeledPolygon(square, "a")])]
    infs = [PolyInf([ScoredLabeledPolygon(shifted, "a", 0.8), ScoredLabeledPolygon(square, "b", 0.7)])]
    result = ObjectDetectionEvaluator([DetectionConfiguration(threshold_strategy=0.5, iou_threshold=0.85)])(
        samples, gts, infs, _data.test_cases(samples, {"one": [0]}), None)
    metrics = result.metrics_test_case[0][1]
    assert (metrics.tp, metrics.fp, metrics.fn) == (1, 1, 0)
    per_sample = result.metrics_test_sample[0][1]
    assert (per_sample.tp, per_sample.fp, per_sample.confused) == ([infs[0].regions[0]], [infs[0].regions[1]], [])
