"""``kolena_lab.workflow.metrics``: Kolena's names and signatures, Kolena's documented rules, the same numbers as the
kernels of ``kolena_lab.metrics``."""
import inspect
import math
import random

import numpy as np
import pytest

from kolena_lab import metrics as kernels
from kolena_lab.errors import InputValidationError
from kolena_lab.workflow import metrics
from kolena_lab.workflow.annotation import (
    BoundingBox,
    LabeledBoundingBox,
    Polygon,
    ScoredBoundingBox,
    ScoredLabeledBoundingBox,
)

KOLENA_NAMES = ["accuracy", "f1_score", "fpr", "InferenceMatches", "iou", "match_inferences",
                "match_inferences_multiclass", "MulticlassInferenceMatches", "precision", "recall", "specificity"]


def test_kolena_names_and_signatures():
    assert sorted(metrics.__all__) == sorted(KOLENA_NAMES)
    params = {name: list(inspect.signature(getattr(metrics, name)).parameters) for name in KOLENA_NAMES
              if inspect.isfunction(getattr(metrics, name))}
    assert params == {
        "accuracy": ["true_positives", "false_positives", "false_negatives", "true_negatives"],
        "f1_score": ["true_positives", "false_positives", "false_negatives"],
        "fpr": ["true_negatives", "false_positives"],
        "iou": ["a", "b"],
        "match_inferences": ["ground_truths", "inferences", "ignored_ground_truths", "mode", "iou_threshold",
                             "required_match_fields"],
        "match_inferences_multiclass": ["ground_truths", "inferences", "ignored_ground_truths", "mode",
                                        "iou_threshold", "required_match_fields"],
        "precision": ["true_positives", "false_positives"],
        "recall": ["true_positives", "false_negatives"],
        "specificity": ["true_negatives", "false_positives"],
    }
    for name in ("InferenceMatches", "MulticlassInferenceMatches"):
        assert list(getattr(metrics, name).__dataclass_fields__) == ["matched", "unmatched_gt", "unmatched_inf"]


def test_formulas_follow_kolenas_rules():
    assert metrics.precision(true_positives=3, false_positives=1) == 0.75
    assert metrics.recall(true_positives=3, false_negatives=3) == 0.5
    f1 = metrics.f1_score(true_positives=3, false_positives=1, false_negatives=3)
    assert f1 == pytest.approx(2 * .75 * .5 / 1.25)
    assert metrics.accuracy(true_positives=3, false_positives=1, false_negatives=2, true_negatives=4) == 0.7
    assert metrics.fpr(true_negatives=3, false_positives=1) == 0.25
    assert metrics.specificity(true_negatives=3, false_positives=1) == 0.75
    zero = [metrics.precision(0, 0), metrics.recall(0, 0), metrics.f1_score(0, 0, 0), metrics.accuracy(0, 0, 0, 0),
            metrics.fpr(0, 0), metrics.specificity(0, 0), metrics.f1_score(0, 5, 5), metrics.precision(math.nan, 1)]
    assert zero == [0] * len(zero)


def test_formulas_equal_the_kernels():
    rng = np.random.default_rng(0)
    for tp, fp, fn, tn in rng.integers(0, 5, size=(50, 4)).tolist():
        assert metrics.accuracy(tp, fp, fn, tn) == kernels.accuracy(tp, fp, fn, tn)
        assert metrics.f1_score(tp, fp, fn) == kernels.f1_score(tp, fp, fn)
        assert metrics.precision(tp, fp) == kernels.precision(tp, fp)
        assert metrics.recall(tp, fn) == kernels.recall(tp, fn)
        assert (metrics.fpr(tn, fp), metrics.specificity(tn, fp)) == (kernels.fpr(tn, fp), kernels.specificity(tn, fp))


def test_iou_of_boxes_and_polygons():
    a, b = BoundingBox((0, 0), (2, 2)), BoundingBox((1, 1), (3, 3))
    assert metrics.iou(a, b) == pytest.approx(1 / 7)
    assert metrics.iou(a, BoundingBox((2, 0), (4, 2))) == 0  # touching
    square = Polygon([(1, 1), (3, 1), (3, 3), (1, 3)])
    assert metrics.iou(a, square) == pytest.approx(1 / 7) == kernels.iou(a, square)
    assert metrics.iou(square, square) == 1


def _reference_pascal(gts, infs, ignored, thr):
    """Kolena's documented PASCAL VOC rule, one loop at a time: (matched index pairs, unmatched gts, unmatched infs)."""
    candidates = list(gts) + list(ignored)
    order = sorted(range(len(infs)), key=lambda d: -infs[d].score)
    taken, matched, unmatched_inf = set(), [], []
    for d in order:
        ious = [kernels.iou(c, infs[d]) for c in candidates]
        best = None
        for g, value in enumerate(ious):
            if value >= thr and (best is None or value > ious[best]):
                best = g
        best_regular = max(ious[:len(gts)], default=0.0)
        if best is None or (best < len(gts) and best in taken):
            unmatched_inf.append((d, best_regular))
        elif best < len(gts):
            taken.add(best)
            matched.append((best, d, ious[best]))
    return matched, [g for g in range(len(gts)) if g not in taken], unmatched_inf


def _scene(rng, n_gt, n_inf, n_ignored=0, labels=("a",)):
    def box():
        x, y = rng.uniform(0, 20), rng.uniform(0, 20)
        return (x, y), (x + rng.uniform(2, 8), y + rng.uniform(2, 8))

    gts = [LabeledBoundingBox(*box(), label=rng.choice(labels)) for _ in range(n_gt)]
    ignored = [LabeledBoundingBox(*box(), label=rng.choice(labels)) for _ in range(n_ignored)]
    infs = [ScoredLabeledBoundingBox(*box(), label=rng.choice(labels), score=round(rng.random(), 1))
            for _ in range(n_inf)]
    return gts, infs, ignored


def test_match_inferences_follows_the_documented_pascal_rule_on_random_scenes():
    rng = random.Random(7)
    for _ in range(200):
        gts, infs, ignored = _scene(rng, rng.randint(0, 6), rng.randint(0, 8), rng.randint(0, 2))
        thr = rng.choice([0.1, 0.3, 0.5])
        got = metrics.match_inferences(gts, infs, ignored_ground_truths=ignored, iou_threshold=thr)
        matched, unmatched_gt, unmatched_inf = _reference_pascal(gts, infs, ignored, thr)
        assert [(g, i.score) for g, i in got.matched] == [(gts[g], infs[d].score) for g, d, _ in matched]
        assert [i.iou for _, i in got.matched] == pytest.approx([v for _, _, v in matched])
        assert got.unmatched_gt == [gts[g] for g in unmatched_gt]
        assert [(i.top_left, i.iou) for i in got.unmatched_inf] == [
            (infs[d].top_left, pytest.approx(v)) for d, v in unmatched_inf]
        same = kernels.match_inferences(gts, infs, ignored_ground_truths=ignored, iou_threshold=thr)
        assert got == same


def test_match_inferences_cases_spelled_out():
    gt = BoundingBox((0, 0), (10, 10))
    ignored = BoundingBox((20, 0), (30, 10))
    high, low = ScoredBoundingBox((0, 0), (10, 9), score=0.9), ScoredBoundingBox((0, 0), (10, 10), score=0.5)
    on_ignored = [ScoredBoundingBox((20, 0), (30, 10), score=s) for s in (0.8, 0.7)]
    far = ScoredBoundingBox((50, 50), (60, 60), score=0.6)
    result = metrics.match_inferences([gt], [low, far, *on_ignored, high], ignored_ground_truths=[ignored])
    assert isinstance(result, metrics.InferenceMatches)
    assert [(g, i.score, i.iou) for g, i in result.matched] == [(gt, 0.9, pytest.approx(0.9))]  # highest score first
    assert [(i.score, i.iou) for i in result.unmatched_inf] == [(0.6, 0.0), (0.5, 1.0)]  # taken GT: unmatched
    assert result.unmatched_gt == []  # both inferences on the ignored GT were dropped
    assert (low.score, getattr(low, "iou", None)) == (0.5, None)  # the caller's objects are untouched
    assert metrics.match_inferences([], []) == metrics.InferenceMatches([], [], [])
    with pytest.raises(InputValidationError, match="'coco'"):
        metrics.match_inferences([gt], [high], mode="coco")


def test_required_match_fields_partition_both_sides():
    gts = [LabeledBoundingBox((0, 0), (10, 10), label="cat")]
    infs = [ScoredLabeledBoundingBox((0, 0), (10, 10), label="dog", score=0.9)]
    assert len(metrics.match_inferences(gts, infs).matched) == 1
    split = metrics.match_inferences(gts, infs, required_match_fields=["label"])
    assert (split.matched, split.unmatched_gt, [i.label for i in split.unmatched_inf]) == ([], gts, ["dog"])


def test_match_inferences_multiclass_finds_confusions():
    cat_gt, dog_gt = LabeledBoundingBox((0, 0), (10, 10), label="cat"), LabeledBoundingBox((20, 0), (30, 10), "dog")
    lone_gt = LabeledBoundingBox((50, 50), (60, 60), label="cat")
    cat = ScoredLabeledBoundingBox((0, 0), (10, 10), label="cat", score=0.9)
    confused = ScoredLabeledBoundingBox((20, 0), (30, 8), label="cat", score=0.8)
    result = metrics.match_inferences_multiclass([cat_gt, dog_gt, lone_gt], [cat, confused])
    assert isinstance(result, metrics.MulticlassInferenceMatches)
    assert [(g, i.score, i.iou) for g, i in result.matched] == [(cat_gt, 0.9, 1.0)]
    (gt1, inf1), (gt2, inf2) = result.unmatched_gt
    assert (gt1, inf1.score, inf1.iou) == (dog_gt, 0.8, pytest.approx(0.8))  # its IoU with the confused ground truth
    assert (gt2, inf2) == (lone_gt, None)
    assert [(i.score, i.iou) for i in result.unmatched_inf] == [(0.8, 0.0)]  # best IoU over its own label's GTs
    with pytest.raises(InputValidationError):
        metrics.match_inferences_multiclass([cat_gt], [cat], mode="coco")


def test_multiclass_equals_the_kernel_apart_from_the_confused_iou():
    rng = random.Random(3)
    confusions = 0
    for _ in range(100):
        gts, infs, ignored = _scene(rng, rng.randint(0, 6), rng.randint(0, 8), rng.randint(0, 2), labels=("a", "b"))
        got = metrics.match_inferences_multiclass(gts, infs, ignored_ground_truths=ignored, iou_threshold=0.3)
        same = kernels.match_inferences_multiclass(gts, infs, ignored_ground_truths=ignored, iou_threshold=0.3)
        assert (got.matched, got.unmatched_inf) == (same.matched, same.unmatched_inf)
        assert [(g, None if i is None else i.score) for g, i in got.unmatched_gt] == [
            (g, None if i is None else i.score) for g, i in same.unmatched_gt]
        for g, i in got.unmatched_gt:
            if i is not None:
                assert i.iou == pytest.approx(kernels.iou(g, i)) and i.iou >= 0.3
                confusions += 1
    assert confusions > 10
