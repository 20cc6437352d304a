"""Detection PR curve, AP (all-point and COCO 101-point), F1-optimal threshold and the detection confusion matrix."""
import numpy as np
import pytest

from kolena_lab.metrics import (
    InputValidationError,
    MulticlassInferenceMatches,
    average_precision_from_curve,
    compute_ap,
    detection_confusion_matrix,
    f1_optimal_threshold,
    match_arrays,
    match_inferences_multiclass,
    pr_curve,
)

from ._helpers import pycoco_eval


def kolena_ap_loops(precisions, recalls):
    """Kolena's compute_average_precision restated as loops (sort by recall, pad, envelope, sum recall steps)."""
    pairs = sorted(zip(recalls, precisions), key=lambda x: x[0])
    r = [0.0] + [a for a, _ in pairs] + [1.0]
    p = [0.0] + [b for _, b in pairs] + [0.0]
    for i in range(len(p) - 2, -1, -1):
        p[i] = max(p[i], p[i + 1])
    return sum((r[i] - r[i - 1]) * p[i] for i in range(1, len(r)) if r[i] != r[i - 1])


def brute_curve(scores, is_tp, n_gt):
    out = []
    for t in sorted(set(scores), reverse=True):
        kept = [f for s, f in zip(scores, is_tp) if s >= t]
        tp = sum(kept)
        fp = len(kept) - tp
        out.append((t, tp / (tp + fp), tp / n_gt if n_gt else 0.0))
    return out


@pytest.mark.parametrize("seed", range(25))
def test_pr_curve_and_all_point_ap(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    scores = np.round(rng.random(n), int(rng.integers(1, 4)))  # many ties
    is_tp = rng.random(n) < 0.5
    n_gt = int(is_tp.sum() + rng.integers(0, 5))
    curve = pr_curve(scores, is_tp, n_gt)
    expected = brute_curve(scores.tolist(), is_tp.tolist(), n_gt)
    np.testing.assert_allclose(curve.thresholds, [e[0] for e in expected])
    np.testing.assert_allclose(curve.precision, [e[1] for e in expected], rtol=1e-12)
    np.testing.assert_allclose(curve.recall, [e[2] for e in expected], rtol=1e-12)
    ap = compute_ap(scores, is_tp, n_gt)
    assert ap == pytest.approx(kolena_ap_loops([e[1] for e in expected], [e[2] for e in expected]), abs=1e-12)


def test_all_point_ap_hand_values():
    # TP, FP, TP over 3 GTs: envelope 1 on [0, 1/3], 2/3 on (1/3, 2/3], 0 after
    assert compute_ap([0.9, 0.8, 0.7], [True, False, True], 3) == pytest.approx(1 / 3 + (1 / 3) * (2 / 3))
    assert compute_ap([0.5, 0.5], [True, False], 1) == pytest.approx(0.5)  # tied: entered together
    assert compute_ap([], [], 4) == 0.0
    assert compute_ap([0.3], [False], 0) == 0.0
    assert average_precision_from_curve([1.0, 0.5], [0.5, 1.0]) == pytest.approx(0.75)


@pytest.mark.parametrize("seed", range(6))
def test_coco_interpolation_equals_pycocotools_one_category(seed):
    rng = np.random.default_rng(seed)
    n_img = 12
    anns, dets = [], []
    for im in range(1, n_img + 1):
        for _ in range(int(rng.integers(0, 4))):
            x, y = rng.uniform(0, 100, 2)
            anns.append({"id": len(anns) + 1, "image_id": im, "category_id": 1, "bbox": [x, y, 20.0, 20.0],
                         "area": 400.0, "iscrowd": 0})
            for _ in range(int(rng.integers(0, 3))):
                dx, dy = rng.normal(0, 4, 2)
                dets.append({"image_id": im, "category_id": 1, "bbox": [x + dx, y + dy, 20.0, 20.0],
                             "score": float(np.round(rng.random(), 1))})
        dets.append({"image_id": im, "category_id": 1, "bbox": [150.0, 150.0, 5.0, 5.0], "score": float(rng.random())})
    gt = {"images": [{"id": i} for i in range(1, n_img + 1)], "categories": [{"id": 1}], "annotations": anns}
    ev = pycoco_eval(gt, dets)
    ref_ap = float(np.mean(ev.eval["precision"][0, :, 0, 0, 2]))  # IoU 0.5, all areas, maxDets 100
    # the same detections in pycocotools' accumulation order: per image (sorted), per image by score
    e_imgs = [e for e in ev.evalImgs if e is not None and e["aRng"] == [0, 1e10]]
    scores = np.concatenate([e["dtScores"] for e in e_imgs])
    is_tp = np.concatenate([e["dtMatches"][0] > 0 for e in e_imgs])
    assert compute_ap(scores, is_tp, len(anns), interpolation="coco") == pytest.approx(ref_ap, abs=1e-15)


def test_f1_optimal_threshold():
    scores = [0.9, 0.8, 0.7, 0.6, 0.5]
    is_tp = [True, True, False, True, False]
    thr, f1 = f1_optimal_threshold(scores, is_tp, 4)
    # F1 at 0.8: P=1, R=.5 -> .667; at 0.6: P=.75, R=.75 -> .75
    assert (thr, f1) == (0.6, pytest.approx(0.75))
    assert f1_optimal_threshold([0.9, 0.4], [True, True], 4) == (0.4, pytest.approx(2 * 1 * 0.5 / 1.5))
    assert f1_optimal_threshold([0.3], [False], 0) == (0.0, 0.0)
    # a tie in F1 goes to the lower threshold
    # F1 is 2/3 at 0.9 (P=1, R=.5) and at 0.6 (P=.5, R=1)
    assert f1_optimal_threshold([0.9, 0.8, 0.7, 0.6], [True, False, False, True], 2) == (0.6, pytest.approx(2 / 3))


@pytest.mark.parametrize("args, match", [
    (([0.5, float("nan")], [True, False], 2), "NaN"),
    (([0.5, 1.5], [True, False], 2), r"\[0, 1\]"),
    (([0.5], [True, False], 2), "length mismatch"),
    (([0.5, 0.4], [True, True], 1), "n_ground_truths"),
    (([0.5], [True], -1), "n_ground_truths"),
    (([0.5], [2], 3), "is_tp"),
])
def test_bad_inputs(args, match):
    with pytest.raises(InputValidationError, match=match):
        compute_ap(*args)


class _B:
    def __init__(self, x, label, score=None):
        self.top_left, self.bottom_right, self.label = (x, 0.0), (x + 10.0, 10.0), label
        if score is not None:
            self.score = score


def test_detection_confusion_matrix_and_match_arrays():
    gts = [_B(0, "cat"), _B(20, "dog"), _B(40, "dog")]
    infs = [_B(0, "cat", 0.9), _B(20, "cat", 0.8), _B(60, "dog", 0.7), _B(40, "dog", 0.2)]
    m = match_inferences_multiclass(gts, infs)
    cm = detection_confusion_matrix([m])
    assert cm.labels == ["cat", "dog", "no match"]
    np.testing.assert_array_equal(cm.matrix, [[1, 0, 0], [1, 1, 0], [0, 1, 0]])
    cm = detection_confusion_matrix([m], score_threshold=0.5)  # the 0.2 dog is dropped: its GT is missed
    np.testing.assert_array_equal(cm.matrix, [[1, 0, 0], [1, 0, 1], [0, 1, 0]])
    scores, is_tp, n_gt = match_arrays([m])
    assert n_gt == 3 and sorted(zip(scores.tolist(), is_tp.tolist())) == [(0.2, True), (0.7, False), (0.8, False),
                                                                           (0.9, True)]
    s_cat, t_cat, n_cat = match_arrays([m], label="cat")
    assert n_cat == 1 and sorted(s_cat.tolist()) == [0.8, 0.9] and t_cat.sum() == 1
    empty = detection_confusion_matrix([MulticlassInferenceMatches([], [], [])])
    assert empty.labels == ["no match"] and empty.matrix.shape == (1, 1)
