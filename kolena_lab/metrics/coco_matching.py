"""pycocotools' per-image greedy matching, vectorised over images, categories, area ranges and IoU thresholds.

``COCOeval.evaluateImg`` walks, for each (image, category, area range, IoU threshold), the detections in descending
score order (stable sort, capped at ``maxDets[-1]``) and gives each one the best still-available ground truth:

- ground truths outside the area range and crowd ground truths are *ignored*; regular ones are preferred, and an ignored
  one is only taken when no regular ground truth qualifies;
- among the qualifying ones the highest IoU wins, ties going to the *last* one (regular first, each in input order);
- a non-crowd ground truth can be taken once per threshold, a crowd one any number of times;
- crowd IoU is ``intersection / detection area``;
- an IoU that is NaN (boxes whose area underflows to 0 or overflows to inf: ``0 / 0``, ``inf - inf``) passes
  pycocotools' ``iou < threshold`` test, so it is a match, and every later available ground truth then replaces it.
  Groups holding such a pair are matched by a plain replica of the sequential walk, so the result stays identical.

Here the sequential walk is kept only where it matters: detections with no ground truth above the lowest threshold
cannot match and are skipped, and the remaining ones are processed in "rounds" — round ``s`` handles the ``s``-th
candidate detection of every (image, category) group at once, for all area ranges and thresholds together.
"""
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np


def ragged_arange(counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(c) for c in counts])`` without the loop."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def coco_box_iou(dt: np.ndarray, gt: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """Elementwise IoU of xywh boxes with pycocotools' exact float operations (``maskApi.c: bbIou``)."""
    with np.errstate(all="ignore"):  # an area that under- or overflows gives NaN, as in C
        w = np.minimum(dt[:, 0] + dt[:, 2], gt[:, 0] + gt[:, 2]) - np.maximum(dt[:, 0], gt[:, 0])
        h = np.minimum(dt[:, 1] + dt[:, 3], gt[:, 1] + gt[:, 3]) - np.maximum(dt[:, 1], gt[:, 1])
        inter = w * h
        da = dt[:, 2] * dt[:, 3]
        ga = gt[:, 2] * gt[:, 3]
        union = np.where(crowd, da, da + ga - inter)
        ok = (w > 0) & (h > 0)
        return np.where(ok, inter / np.where(ok, union, 1.0), 0.0)


@dataclass(frozen=True)
class CocoMatch:
    """Matching result. ``dt_order``/``gt_order`` index the inputs in evaluation order (group, then score / input
    order); ``det_gt[a, t, i]`` is the position in ``gt_order`` matched by the ``i``-th kept detection, or -1."""

    dt_order: np.ndarray  # (D,) kept detections, sorted by (group, -score, input index), rank < max_det
    dt_rank: np.ndarray  # (D,) rank of each kept detection within its group
    gt_order: np.ndarray  # (G,) ground truths sorted by (group, input index)
    det_gt: np.ndarray  # (A, T, D) int64
    gt_ignore: np.ndarray  # (A, G) bool: crowd or outside the area range
    det_out_of_range: np.ndarray  # (A, D) bool: detection area outside the area range

    def det_ignore(self, gt_valid: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """``(dtm, dtIg)`` as pycocotools defines them: matched (to a GT whose ``gt_valid`` is true — pycocotools
        treats a match to annotation id 0 as no match) and ignored (matched to an ignored GT, or unmatched and out of
        the area range)."""
        hit = self.det_gt >= 0
        g = np.where(hit, self.det_gt, 0)
        a_idx = np.arange(self.det_gt.shape[0])[:, None, None]
        on_ignored = hit & self.gt_ignore[a_idx, g] if self.gt_ignore.shape[1] else np.zeros_like(hit)
        dtm = hit & gt_valid[g] if len(gt_valid) else np.zeros_like(hit)
        dt_ig = on_ignored | (~dtm & self.det_out_of_range[:, None, :])
        return dtm, dt_ig


def _sequential_walk(ious: np.ndarray, ignore: np.ndarray, crowd: np.ndarray, thr: np.ndarray,
                     gt_index: np.ndarray) -> np.ndarray:
    """``COCOeval.evaluateImg``'s loop for one group, NaN comparisons included: ``(A, T, D)`` matched ``gt_index``."""
    out = np.full((ignore.shape[0], len(thr), ious.shape[0]), -1, dtype=np.int64)
    for a in range(ignore.shape[0]):
        order = np.argsort(ignore[a], kind="stable").tolist()
        for t, threshold in enumerate(thr.tolist()):
            taken = np.zeros(ious.shape[1], dtype=bool)
            for d in range(ious.shape[0]):
                best, m = threshold, -1
                for g in order:
                    if taken[g] and not crowd[g]:
                        continue
                    if m > -1 and not ignore[a, m] and ignore[a, g]:
                        break
                    if ious[d, g] < best:
                        continue
                    best, m = ious[d, g], g
                if m > -1:
                    out[a, t, d] = gt_index[m]
                    taken[m] = True
    return out


def coco_match(
    gt_group: np.ndarray,
    gt_boxes: np.ndarray,
    gt_areas: np.ndarray,
    gt_crowd: np.ndarray,
    dt_group: np.ndarray,
    dt_boxes: np.ndarray,
    dt_scores: np.ndarray,
    *,
    iou_thresholds: Sequence[float],
    area_ranges: Sequence[Tuple[float, float]],
    max_det: int,
    gt_ignore_extra: Optional[np.ndarray] = None,
) -> CocoMatch:
    """Match detections to ground truths group by group (a group is one image and category). Boxes are xywh.
    ``gt_ignore_extra`` flags more ground truths to ignore (non-crowd, so matchable once, like out-of-range ones)."""
    thr = np.minimum(np.asarray(iou_thresholds, dtype=np.float64), 1 - 1e-10)
    n_t, n_a = len(thr), len(area_ranges)
    lo = np.array([r[0] for r in area_ranges], dtype=np.float64)[:, None]
    hi = np.array([r[1] for r in area_ranges], dtype=np.float64)[:, None]

    gt_order = np.argsort(gt_group, kind="stable")
    g_group = gt_group[gt_order]
    g_boxes, g_crowd = gt_boxes[gt_order], gt_crowd[gt_order].astype(bool)
    g_area = gt_areas[gt_order]
    gt_ignore = g_crowd[None, :] | (g_area[None, :] < lo) | (g_area[None, :] > hi)
    if gt_ignore_extra is not None:
        gt_ignore |= np.asarray(gt_ignore_extra, dtype=bool)[gt_order][None, :]

    by_score = np.argsort(-dt_scores, kind="stable")
    dt_order = by_score[np.argsort(dt_group[by_score], kind="stable")]
    d_group = dt_group[dt_order]
    first = np.searchsorted(d_group, d_group, side="left")
    rank = np.arange(len(d_group)) - first
    keep = rank < max_det
    dt_order, d_group, rank = dt_order[keep], d_group[keep], rank[keep]
    d_boxes = dt_boxes[dt_order]
    with np.errstate(over="ignore"):
        d_area = d_boxes[:, 2] * d_boxes[:, 3]
    det_out = (d_area[None, :] < lo) | (d_area[None, :] > hi)
    n_d = len(dt_order)
    det_gt = np.full((n_a, n_t, n_d), -1, dtype=np.int64)
    result = CocoMatch(dt_order, rank, gt_order, det_gt, gt_ignore, det_out)
    if n_d == 0 or len(g_group) == 0:
        return result

    # candidate (detection, ground truth) edges within each group, kept when IoU reaches the lowest threshold
    g_start = np.searchsorted(g_group, d_group, side="left")
    g_count = np.searchsorted(g_group, d_group, side="right") - g_start
    e_det = np.repeat(np.arange(n_d), g_count)
    e_gt = np.repeat(g_start, g_count) + ragged_arange(g_count)
    e_iou = coco_box_iou(d_boxes[e_det], g_boxes[e_gt], g_crowd[e_gt])
    nan_groups = np.unique(d_group[e_det[np.isnan(e_iou)]])
    ok = (e_iou >= thr.min()) & ~np.isin(d_group[e_det], nan_groups)
    for group in nan_groups.tolist():
        dets = np.flatnonzero(d_group == group)
        gts = np.flatnonzero(g_group == group)
        ious = coco_box_iou(np.repeat(d_boxes[dets], len(gts), axis=0), np.tile(g_boxes[gts], (len(dets), 1)),
                            np.tile(g_crowd[gts], len(dets))).reshape(len(dets), len(gts))
        det_gt[:, :, dets] = _sequential_walk(ious, gt_ignore[:, gts], g_crowd[gts], thr, gts)
    e_det, e_gt, e_iou = e_det[ok], e_gt[ok], e_iou[ok]
    if not len(e_det):
        return result

    # candidate detections, in rounds: round s holds the s-th candidate of every group
    cand = np.unique(e_det)  # sorted = (group, rank) order
    c_group = d_group[cand]
    c_round = np.arange(len(cand)) - np.searchsorted(c_group, c_group, side="left")
    process = np.lexsort((c_group, c_round))
    cand = cand[process]
    position = np.empty(n_d, dtype=np.int64)
    position[cand] = np.arange(len(cand))
    # edges grouped by candidate (processing order), ascending (IoU, GT index) inside a candidate
    e_sort = np.lexsort((e_gt, e_iou, position[e_det]))
    e_det, e_gt, e_iou = e_det[e_sort], e_gt[e_sort], e_iou[e_sort]
    e_pos = position[e_det]
    seg_start = np.searchsorted(e_pos, np.arange(len(cand)), side="left")
    local_rank = np.arange(len(e_det)) - seg_start[e_pos]
    big = int(local_rank.max()) + 1
    # priority: regular ground truths first, then higher IoU, then later GT; the max of a segment is the pick
    priority = (~gt_ignore[:, e_gt]).astype(np.int64) * big + local_rank[None, :]
    reach = e_iou[None, :] >= thr[:, None]  # (T, E)
    crowd_e = g_crowd[e_gt]

    taken = np.zeros((n_a, n_t, len(g_group)), dtype=bool)
    rounds = c_round[process]
    bounds = np.searchsorted(rounds, np.arange(rounds.max() + 2), side="left")
    for s in range(len(bounds) - 1):
        c0, c1 = bounds[s], bounds[s + 1]
        e0 = seg_start[c0]
        e1 = seg_start[c1] if c1 < len(cand) else len(e_det)
        gs = e_gt[e0:e1]
        free = ~taken[:, :, gs] | crowd_e[e0:e1]
        value = np.where(free & reach[None, :, e0:e1], priority[:, None, e0:e1], -1)
        best = np.maximum.reduceat(value, seg_start[c0:c1] - e0, axis=2)  # (A, T, candidates in round)
        hit = best >= 0
        chosen = e_gt[seg_start[c0:c1][None, None, :] + np.where(hit, best % big, 0)]
        chosen = np.where(hit, chosen, -1)
        det_gt[:, :, cand[c0:c1]] = chosen
        ai, ti, _ = np.nonzero(hit)
        taken[ai, ti, chosen[hit]] = True
    return result
