"""COCO box evaluation equal to pycocotools' ``COCOeval`` (``iouType="bbox"``), vectorised.

Two entry points:

- ``coco_evaluate(ground_truth, detections)``: ``ground_truth`` is a COCO dataset dict (``images``, ``annotations``,
  ``categories``), ``detections`` a list of result dicts (``image_id``, ``category_id``, ``bbox`` as ``[x, y, w, h]``,
  ``score``) — the inputs of ``COCO()`` / ``COCO.loadRes()``.
- ``coco_evaluate_arrays(...)``: the same from flat arrays (one row per annotation / detection).

Semantics follow pycocotools exactly: every image and category of the dataset is evaluated; IoU thresholds
0.50:0.05:0.95, 101 recall points, maxDets 1/10/100, area ranges all/small/medium/large bounded inclusively by 0, 32²,
96², 1e5²; ground-truth areas come from the annotation ``area`` field, detection areas are ``w * h``; ``iscrowd``
ground truths are ignored and matched by ``intersection / detection area``; categories without any non-ignored ground
truth get -1 and are left out of the means. pycocotools quirks kept on purpose: a match to a ground truth whose
annotation ``id`` is 0 counts as unmatched, the ``ignore`` field of an annotation is overridden by ``iscrowd``, and a
pair whose IoU is NaN (box areas that underflow to 0 or overflow to inf) counts as a match that any later available
ground truth replaces.
Departures: bad input (NaN, negative width/height, scores outside [0, 1], unknown image ids) raises
``InputValidationError`` instead of producing numbers, and an empty detection list is allowed.
"""
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Sequence

import numpy as np

from kolena_lab.metrics._validation import InputValidationError, check_scores, float_array, same_length
from kolena_lab.metrics.coco_matching import coco_match

IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
MAX_DETS = (1, 10, 100)
AREA_RANGES = ((0**2, 1e5**2), (0**2, 32**2), (32**2, 96**2), (96**2, 1e5**2))
AREA_LABELS = ("all", "small", "medium", "large")
STAT_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


@dataclass(frozen=True)
class CocoEvaluation:
    """``stats`` as ``COCOeval.stats``; ``precision`` (T, R, K, A, M) and ``recall`` (T, K, A, M) as in
    ``COCOeval.eval``."""

    stats: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    image_ids: np.ndarray
    category_ids: np.ndarray

    def as_dict(self) -> Dict[str, float]:
        """The twelve summary numbers by name (``AP``, ``AP50``, ..., ``ARl``)."""
        return {name: float(v) for name, v in zip(STAT_NAMES, self.stats)}


def _ids(values: Any, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind in "US" and not isinstance(values, np.ndarray) and not all(isinstance(v, str) for v in values):
        raise InputValidationError(f"'{name}' mixes string and numeric ids")
    if arr.ndim != 1:
        raise InputValidationError(f"'{name}' must be 1-dimensional, got shape {arr.shape}")
    if arr.dtype.kind == "f" and arr.size and np.isnan(arr).any():
        raise InputValidationError(f"'{name}' contains NaN")
    if arr.dtype.kind not in "iufUSb" and arr.size:
        raise InputValidationError(f"'{name}' must hold numbers or strings, got {arr.dtype}")
    return arr


def _xywh(values: Any, name: str) -> np.ndarray:
    arr = float_array(values, name)
    if arr.size == 0:
        return np.zeros((0, 4))
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise InputValidationError(f"'{name}' must have shape (N, 4) of [x, y, w, h], got {arr.shape}")
    if (arr[:, 2:] < 0).any():
        i = int(np.flatnonzero((arr[:, 2:] < 0).any(axis=1))[0])
        raise InputValidationError(f"'{name}'[{i}] has a negative width or height: {arr[i].tolist()}")
    return arr


def _index_of(ids: np.ndarray, universe: np.ndarray, name: str, *, strict: bool) -> np.ndarray:
    """Positions of ``ids`` in the sorted ``universe``; -1 (or an error when ``strict``) for unknown ids."""
    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    try:
        pos = np.searchsorted(universe, ids)
    except TypeError:
        raise InputValidationError(f"'{name}' mixes id types with the known ids") from None
    pos = np.minimum(pos, max(len(universe) - 1, 0))
    known = (universe[pos] == ids) if len(universe) else np.zeros(len(ids), dtype=bool)
    if strict and not known.all():
        bad = ids[~known][0]
        raise InputValidationError(f"'{name}' refers to unknown id {bad!r}")
    return np.where(known, pos, -1)


def coco_evaluate_arrays(
    *,
    gt_image_ids: Any,
    gt_category_ids: Any,
    gt_boxes: Any,
    gt_areas: Any,
    dt_image_ids: Any,
    dt_category_ids: Any,
    dt_boxes: Any,
    dt_scores: Any,
    gt_iscrowd: Optional[Any] = None,
    gt_ids: Optional[Any] = None,
    image_ids: Optional[Any] = None,
    category_ids: Optional[Any] = None,
) -> CocoEvaluation:
    """COCO bbox evaluation of flat arrays (boxes ``[x, y, w, h]``).

    ``image_ids`` / ``category_ids`` are the evaluated sets (default: every id seen); annotations and detections of
    other categories are left out (as pycocotools does with ``params.catIds``), while an unknown image id is an error.
    ``gt_ids`` only matters for pycocotools' id-0 quirk (default 1..N).
    """
    g_img, g_cat = _ids(gt_image_ids, "gt_image_ids"), _ids(gt_category_ids, "gt_category_ids")
    d_img, d_cat = _ids(dt_image_ids, "dt_image_ids"), _ids(dt_category_ids, "dt_category_ids")
    g_box, d_box = _xywh(gt_boxes, "gt_boxes"), _xywh(dt_boxes, "dt_boxes")
    g_area = float_array(gt_areas, "gt_areas", ndim=1)
    d_score = float_array(dt_scores, "dt_scores", ndim=1)
    check_scores(d_score, "dt_scores")
    if (g_area < 0).any():
        raise InputValidationError("'gt_areas' must be non-negative")
    g_crowd = np.zeros(len(g_img), dtype=bool)
    if gt_iscrowd is not None:
        crowd = float_array(gt_iscrowd, "gt_iscrowd", ndim=1)
        if not np.isin(crowd, (0, 1)).all():
            raise InputValidationError("'gt_iscrowd' must hold 0/1 (or booleans)")
        g_crowd = crowd.astype(bool)
    g_valid = np.ones(len(g_img), dtype=bool) if gt_ids is None else np.asarray(gt_ids) != 0
    same_length(gt_image_ids=g_img, gt_category_ids=g_cat, gt_boxes=g_box, gt_areas=g_area, gt_iscrowd=g_crowd,
                gt_ids=g_valid)
    same_length(dt_image_ids=d_img, dt_category_ids=d_cat, dt_boxes=d_box, dt_scores=d_score)

    imgs = _ids(image_ids, "image_ids") if image_ids is not None else np.concatenate([g_img, d_img])
    cats = _ids(category_ids, "category_ids") if category_ids is not None else np.concatenate([g_cat, d_cat])
    try:
        imgs, cats = np.unique(imgs), np.unique(cats)
    except TypeError:
        raise InputValidationError("image or category ids mix numbers and strings") from None
    gi = _index_of(g_img, imgs, "gt_image_ids", strict=True)
    di = _index_of(d_img, imgs, "dt_image_ids", strict=True)
    gk = _index_of(g_cat, cats, "gt_category_ids", strict=False)
    dk = _index_of(d_cat, cats, "dt_category_ids", strict=False)
    g_in, d_in = gk >= 0, dk >= 0
    return _evaluate(
        gi[g_in], gk[g_in], g_box[g_in], g_area[g_in], g_crowd[g_in], g_valid[g_in],
        di[d_in], dk[d_in], d_box[d_in], d_score[d_in], imgs, cats,
    )


def coco_evaluate(ground_truth: Mapping[str, Any], detections: Sequence[Mapping[str, Any]]) -> CocoEvaluation:
    """COCO bbox evaluation of a COCO dataset dict and a list of detection dicts (see the module docstring)."""
    for key in ("images", "annotations", "categories"):
        if key not in ground_truth:
            raise InputValidationError(f"'ground_truth' has no '{key}' list")
    anns = ground_truth["annotations"]
    try:
        g_img = [a["image_id"] for a in anns]
        g_cat = [a["category_id"] for a in anns]
        g_box = [a["bbox"] for a in anns]
        g_area = [a["area"] for a in anns]
        g_id = [a.get("id", 1) for a in anns]
    except KeyError as e:
        raise InputValidationError(f"'ground_truth' annotation without {e.args[0]!r}") from None
    g_crowd = [a.get("iscrowd", 0) for a in anns]
    try:
        d_img = [d["image_id"] for d in detections]
        d_cat = [d["category_id"] for d in detections]
        d_box = [d["bbox"] for d in detections]
        d_score = [d["score"] for d in detections]
    except KeyError as e:
        raise InputValidationError(f"'detections' entry without {e.args[0]!r}") from None
    return coco_evaluate_arrays(
        gt_image_ids=g_img, gt_category_ids=g_cat, gt_boxes=g_box, gt_areas=g_area, gt_iscrowd=g_crowd, gt_ids=g_id,
        dt_image_ids=d_img, dt_category_ids=d_cat, dt_boxes=d_box, dt_scores=d_score,
        image_ids=[im["id"] for im in ground_truth["images"]],
        category_ids=[c["id"] for c in ground_truth["categories"]],
    )


def _min_tp_for_recall(npig: np.ndarray) -> np.ndarray:
    """``j[..., r]``: the least TP count with ``fl(j / npig) >= RECALL_THRESHOLDS[r]`` (the searchsorted target)."""
    n = np.maximum(npig, 1).astype(np.float64)[..., None]
    r = RECALL_THRESHOLDS
    j = np.clip(np.ceil(r * n), 0, n)
    for _ in range(4):  # settle rounding either way
        down = (j > 0) & ((j - 1) / n >= r)
        up = j / n < r
        if not (down.any() or up.any()):
            break
        j = j - down + up
    return j.astype(np.int64)


def _accumulate(match: Any, dtm: np.ndarray, dt_ig: np.ndarray, d_img: np.ndarray, d_cat: np.ndarray,
                d_score: np.ndarray, g_cat: np.ndarray, n_cat: int) -> tuple:
    n_a, n_t = match.gt_ignore.shape[0], len(IOU_THRESHOLDS)
    n_r, n_m = len(RECALL_THRESHOLDS), len(MAX_DETS)
    precision = -np.ones((n_t, n_r, n_cat, n_a, n_m))
    recall = -np.ones((n_t, n_cat, n_a, n_m))
    if n_cat == 0:
        return precision, recall
    # COCOeval.accumulate concatenates per image (sorted ids), then stable-sorts by -score:
    # the order is (category, -score, image, rank)
    acc = np.lexsort((match.dt_rank, d_img, -d_score, d_cat))
    cat_sorted = d_cat[acc]
    rank_sorted = match.dt_rank[acc]
    eps = np.spacing(1)
    for a in range(n_a):
        npig = np.bincount(g_cat[~match.gt_ignore[a]], minlength=n_cat)
        jmin = _min_tp_for_recall(npig)  # (K, R)
        ignored = dt_ig[a][:, acc]  # (T, D)
        counted = ~ignored.all(axis=0)  # detections ignored at every threshold never count: drop them early
        valid_all = ~ignored[:, counted]
        tp_all = dtm[a][:, acc][:, counted] & valid_all
        cat_counted, rank_counted = cat_sorted[counted], rank_sorted[counted]
        for m, max_det in enumerate(MAX_DETS):
            nd = np.bincount(cat_sorted[rank_sorted < max_det], minlength=n_cat)  # all selected, ignored included
            sel = rank_counted < max_det
            cats = cat_counted[sel]
            seg_start = np.concatenate([[0], np.cumsum(np.bincount(cats, minlength=n_cat))[:-1]])
            valid, tp = valid_all[:, sel], tp_all[:, sel]
            n_sel = valid.shape[1]
            c_valid = np.cumsum(valid, axis=1, dtype=np.int32)
            ti, ii = np.nonzero(tp)  # sorted by (threshold, category, position)
            k = cats[ii]
            rows = ti * n_cat + k
            n_tp = np.bincount(rows, minlength=n_t * n_cat).reshape(n_t, n_cat)
            row_start = np.concatenate([[0], np.cumsum(n_tp.ravel())[:-1]]).reshape(n_t, n_cat)
            j = (np.arange(len(rows)) - row_start.ravel()[rows] + 1).astype(np.float64)  # TPs so far in the row
            before = seg_start[k] - 1
            base_valid = np.where(before >= 0, c_valid[ti, np.maximum(before, 0)], 0)
            seen = (c_valid[ti, ii] - base_valid).astype(np.float64)  # tp + fp so far
            pr = j / (seen + eps)
            # precision envelope: suffix maximum of pr within each (threshold, category) row, exactly (via ranks)
            if len(pr):
                uniq, inv = np.unique(pr, return_inverse=True)
                span = len(uniq)
                rev_key = (rows.max() - rows[::-1]).astype(np.int64) * span + inv[::-1]
                env = uniq[(np.maximum.accumulate(rev_key) % span)[::-1]]
            else:
                env = np.zeros(0)
            jj = np.maximum(jmin, 1)[None, :, :]  # (1, K, R)
            reachable = (jj <= n_tp[:, :, None]) & (n_sel > 0)
            idx = np.where(reachable, row_start[:, :, None] + jj - 1, 0)
            q = np.where(reachable, env[idx] if len(env) else 0.0, 0.0)  # (T, K, R)
            has = npig > 0
            precision[:, :, has, a, m] = np.transpose(q, (0, 2, 1))[:, :, has]
            rc = np.where(nd[None, :] > 0, n_tp / np.maximum(npig, 1)[None, :], 0.0)
            recall[:, has, a, m] = rc[:, has]
    return precision, recall


def _summarize(precision: np.ndarray, recall: np.ndarray) -> np.ndarray:
    """``COCOeval.summarize``'s twelve numbers, computed the same way (mean over entries > -1, else -1)."""

    def one(ap: bool, iou_thr: Optional[float] = None, area: str = "all", max_dets: int = 100) -> float:
        aind = [i for i, label in enumerate(AREA_LABELS) if label == area]
        mind = [i for i, md in enumerate(MAX_DETS) if md == max_dets]
        s = precision if ap else recall
        if iou_thr is not None:
            s = s[np.where(iou_thr == IOU_THRESHOLDS)[0]]
        s = s[:, :, :, aind, mind] if ap else s[:, :, aind, mind]
        return -1.0 if len(s[s > -1]) == 0 else float(np.mean(s[s > -1]))

    return np.array([
        one(True), one(True, 0.5), one(True, 0.75),
        one(True, area="small"), one(True, area="medium"), one(True, area="large"),
        one(False, max_dets=1), one(False, max_dets=10), one(False),
        one(False, area="small"), one(False, area="medium"), one(False, area="large"),
    ])


def _evaluate(gi: np.ndarray, gk: np.ndarray, g_box: np.ndarray, g_area: np.ndarray, g_crowd: np.ndarray,
              g_valid: np.ndarray, di: np.ndarray, dk: np.ndarray, d_box: np.ndarray, d_score: np.ndarray,
              imgs: np.ndarray, cats: np.ndarray) -> CocoEvaluation:
    n_cat = len(cats)
    match = coco_match(
        gi * n_cat + gk, g_box, g_area, g_crowd, di * n_cat + dk, d_box, d_score,
        iou_thresholds=IOU_THRESHOLDS, area_ranges=AREA_RANGES, max_det=MAX_DETS[-1],
    )
    dtm, dt_ig = match.det_ignore(g_valid[match.gt_order])
    order = match.dt_order
    precision, recall = _accumulate(match, dtm, dt_ig, di[order], dk[order], d_score[order], gk[match.gt_order], n_cat)
    return CocoEvaluation(_summarize(precision, recall), precision, recall, imgs, cats)
