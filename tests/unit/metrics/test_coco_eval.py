"""coco_evaluate against pycocotools' COCOeval on generated scenes: every precision/recall cell and the 12 stats."""
import numpy as np
import pytest

from kolena_lab.metrics import InputValidationError, coco_evaluate, coco_evaluate_arrays

from ._helpers import coco_scene, pycoco_eval

SCENES = {
    "default": dict(),
    "sparse": dict(n_images=60, mean_gt=1.0, max_det=3),
    "crowded": dict(n_images=15, mean_gt=25.0, max_det=160, n_cats=2),  # > maxDets detections per image
    "grid-ties": dict(grid=10.0, score_decimals=1),  # coordinate (IoU) ties and score ties
    "many-crowds": dict(crowd_p=0.5, duplicate_p=0.3),
    "single-category-ties": dict(n_cats=1, grid=16.0, score_decimals=2, mean_gt=8.0),
    "mostly-empty": dict(empty_p=0.6, no_det_p=0.4),
    "medium": dict(n_images=150, n_cats=12, mean_gt=7.0, max_det=60),
}


@pytest.mark.parametrize("name", sorted(SCENES))
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_pycocotools(name, seed):
    gt, dets = coco_scene(seed, **SCENES[name])
    ref = pycoco_eval(gt, dets)
    ours = coco_evaluate(gt, dets)
    np.testing.assert_array_equal(ours.precision, ref.eval["precision"])
    np.testing.assert_array_equal(ours.recall, ref.eval["recall"])
    assert np.abs(ours.stats - np.asarray(ref.stats)).max() <= 1e-12
    assert set(ours.as_dict()) == {"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm",
                                   "ARl"}


def test_category_without_ground_truth_is_left_out():
    gt = {"images": [{"id": 1}], "categories": [{"id": 1}, {"id": 2}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100.0,
                           "iscrowd": 0}]}
    dets = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},
            {"image_id": 1, "category_id": 2, "bbox": [50, 50, 10, 10], "score": 0.8}]
    ours = coco_evaluate(gt, dets)
    ref = pycoco_eval(gt, dets)
    np.testing.assert_array_equal(ours.stats, ref.stats)
    assert ours.stats[0] > 0.999  # category 2 (no GT) does not drag the mean down (1 - eps: pycocotools' precision)
    assert (ours.precision[:, :, 1] == -1).all()


def test_zero_annotation_id_quirk_is_kept():
    # pycocotools stores matched GT ids in a zero-initialised array: a match to id 0 counts as unmatched
    gt = {"images": [{"id": 1}], "categories": [{"id": 1}],
          "annotations": [
              {"id": 0, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100.0, "iscrowd": 0},
              {"id": 5, "image_id": 1, "category_id": 1, "bbox": [20, 0, 10, 10], "area": 100.0, "iscrowd": 0}]}
    dets = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},
            {"image_id": 1, "category_id": 1, "bbox": [20, 0, 10, 10], "score": 0.8}]
    ours = coco_evaluate(gt, dets)
    np.testing.assert_array_equal(ours.stats, pycoco_eval(gt, dets).stats)
    assert ours.stats[8] == 0.5


def test_no_detections_is_valid():
    gt, _ = coco_scene(3)
    res = coco_evaluate(gt, [])
    assert res.stats[0] == 0.0 and res.stats[8] == 0.0
    empty = coco_evaluate({"images": [], "annotations": [], "categories": []}, [])
    assert (empty.stats == -1).all()


def test_array_entry_point_equals_dict_entry_point():
    gt, dets = coco_scene(4)
    anns = gt["annotations"]
    arrays = coco_evaluate_arrays(
        gt_image_ids=[a["image_id"] for a in anns], gt_category_ids=[a["category_id"] for a in anns],
        gt_boxes=[a["bbox"] for a in anns], gt_areas=[a["area"] for a in anns],
        gt_iscrowd=[a["iscrowd"] for a in anns],
        dt_image_ids=[d["image_id"] for d in dets], dt_category_ids=[d["category_id"] for d in dets],
        dt_boxes=[d["bbox"] for d in dets], dt_scores=[d["score"] for d in dets],
        image_ids=[im["id"] for im in gt["images"]], category_ids=[c["id"] for c in gt["categories"]],
    )
    np.testing.assert_array_equal(arrays.stats, coco_evaluate(gt, dets).stats)


def test_detections_outside_category_list_are_ignored_like_pycocotools():
    gt, dets = coco_scene(5, n_cats=3)
    gt_sub = dict(gt, categories=gt["categories"][:2])
    gt_sub["annotations"] = [a for a in gt["annotations"] if a["category_id"] <= 2]
    np.testing.assert_array_equal(coco_evaluate(gt_sub, dets).stats, pycoco_eval(gt_sub, dets).stats)


@pytest.mark.parametrize("bad, match", [
    ({"bbox": [0, 0, -1, 5]}, "negative width"),
    ({"bbox": [0, float("nan"), 1, 5]}, "NaN"),
    ({"score": float("nan")}, "NaN"),
    ({"score": 1.5}, r"\[0, 1\]"),
    ({"image_id": 999}, "unknown id"),
    ({"bbox": [0, 0, 1]}, "numeric array"),
])
def test_bad_detections_raise(bad, match):
    gt, dets = coco_scene(6, n_images=3)
    dets = [dict(dets[0], **bad)] + dets[1:]
    with pytest.raises(InputValidationError, match=match):
        coco_evaluate(gt, dets)


def test_bad_ground_truth_raises():
    gt, dets = coco_scene(7, n_images=3)
    del gt["annotations"][0]["area"]
    with pytest.raises(InputValidationError, match="area"):
        coco_evaluate(gt, dets)
    with pytest.raises(InputValidationError, match="images"):
        coco_evaluate({"annotations": [], "categories": []}, dets)
    gt, dets = coco_scene(7, n_images=3)
    gt["annotations"][0]["iscrowd"] = 2
    with pytest.raises(InputValidationError, match="iscrowd"):
        coco_evaluate(gt, dets)
    gt["annotations"][0].update(iscrowd=0, area=-5.0)
    with pytest.raises(InputValidationError, match="non-negative"):
        coco_evaluate(gt, dets)
    gt["annotations"][0].update(area=5.0, image_id="1")
    with pytest.raises(InputValidationError, match="mixes string and numeric"):
        coco_evaluate(gt, dets)
    with pytest.raises(InputValidationError, match="length mismatch"):
        coco_evaluate_arrays(gt_image_ids=[1, 1], gt_category_ids=[1], gt_boxes=[[0, 0, 1, 1]], gt_areas=[1.0],
                             dt_image_ids=[], dt_category_ids=[], dt_boxes=[], dt_scores=[])


def test_iou_tie_toward_last_ground_truth():
    gt = {"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100.0, "iscrowd": 0},
        {"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 0, 10, 10], "area": 100.0, "iscrowd": 0}]}
    dets = [{"image_id": 1, "category_id": 1, "bbox": [0.5, 0, 10, 10], "score": 0.9},
            {"image_id": 1, "category_id": 1, "bbox": [1.5, 0, 10, 10], "score": 0.8}]
    ours, ref = coco_evaluate(gt, dets), pycoco_eval(gt, dets)
    np.testing.assert_array_equal(ours.precision, ref.eval["precision"])
    assert ours.recall[0, 0, 0, 2] == 1.0  # IoU 0.5: the second detection falls back to the first GT
    assert ours.recall[6, 0, 0, 2] == 0.5  # IoU 0.8: the first detection took the *last* GT; the second has none


def test_string_ids_sort_like_pycocotools():
    gt, dets = coco_scene(8, n_images=25, score_decimals=1)  # score ties: image order decides accumulation order
    name = {im["id"]: f"img-{(im['id'] * 7919) % 101:03d}" for im in gt["images"]}
    gt["images"] = [{"id": name[im["id"]]} for im in gt["images"]]
    for a in gt["annotations"]:
        a["image_id"] = name[a["image_id"]]
    dets = [dict(d, image_id=name[d["image_id"]]) for d in dets]
    ours, ref = coco_evaluate(gt, dets), pycoco_eval(gt, dets)
    np.testing.assert_array_equal(ours.precision, ref.eval["precision"])
    np.testing.assert_array_equal(ours.stats, ref.stats)


def test_min_true_positives_for_each_recall_threshold():
    from kolena_lab.metrics.coco import RECALL_THRESHOLDS, _min_tp_for_recall

    npig = np.arange(1, 400)
    expected = np.array([np.searchsorted(np.arange(n + 1) / n, RECALL_THRESHOLDS, side="left") for n in npig])
    np.testing.assert_array_equal(_min_tp_for_recall(npig), expected)


def _degenerate_scene(size: float, crowd: int, far_gt: bool):
    anns = [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [5, 5, size, size], "area": 0.0, "iscrowd": crowd},
            {"id": 2, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100.0, "iscrowd": 0}]
    if far_gt:
        anns.append({"id": 3, "image_id": 1, "category_id": 1, "bbox": [500, 500, 10, 10], "area": 100.0,
                     "iscrowd": 0})
    dets = [{"image_id": 1, "category_id": 1, "bbox": [5, 5, size, size], "score": 0.9},
            {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.8},
            {"image_id": 2, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.7}]
    gt = {"images": [{"id": 1}, {"id": 2}], "categories": [{"id": 1}], "annotations": anns + [
        {"id": 9, "image_id": 2, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100.0, "iscrowd": 0}]}
    return gt, dets


@pytest.mark.parametrize("size", [1e-200, 1e200], ids=["area underflows to 0", "area overflows to inf"])
@pytest.mark.parametrize("crowd", [0, 1])
@pytest.mark.parametrize("far_gt", [False, True])
def test_nan_iou_counts_as_a_match_like_pycocotools(size, crowd, far_gt):
    """A pair whose IoU is NaN passes pycocotools' ``iou < threshold`` test: it is a match, and a later ground truth
    (even at IoU 0) replaces it; every cell equals pycocotools'."""
    gt, dets = _degenerate_scene(size, crowd, far_gt)
    ours, ref = coco_evaluate(gt, dets), pycoco_eval(gt, dets)
    np.testing.assert_array_equal(ours.precision, ref.eval["precision"])
    np.testing.assert_array_equal(ours.recall, ref.eval["recall"])
    np.testing.assert_array_equal(ours.stats, ref.stats)
