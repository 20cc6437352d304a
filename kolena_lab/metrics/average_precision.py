"""Detection precision-recall curves, average precision (all-point and COCO 101-point) and the F1-optimal threshold.

Inputs are per-inference ``scores`` and ``is_tp`` flags (after matching) plus the number of ground truths; helpers turn
a list of ``InferenceMatches`` / ``MulticlassInferenceMatches`` into those arrays. Curve points are taken at every
distinct score (all inferences with the same score enter together), so nothing is subsampled.
"""
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from kolena_lab.metrics._validation import InputValidationError, check_scores, float_array, same_length

_COCO_RECALLS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)


@dataclass(frozen=True)
class PRCurve:
    """One point per distinct score, thresholds descending: inferences with ``score >= threshold`` are kept."""

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray


def _inputs(scores: Any, is_tp: Any, n_ground_truths: Any) -> Tuple[np.ndarray, np.ndarray, int]:
    s = float_array(scores, "scores", ndim=1)
    check_scores(s, "scores")
    tp = np.asarray(is_tp)
    if tp.ndim != 1 or (tp.size and tp.dtype.kind not in "biu") or (tp.size and not np.isin(tp, (0, 1)).all()):
        raise InputValidationError("'is_tp' must be a 1-D sequence of booleans")
    same_length(scores=s, is_tp=tp)
    try:
        bad = isinstance(n_ground_truths, bool) or not float(n_ground_truths).is_integer() or n_ground_truths < 0
    except (TypeError, ValueError):
        bad = True
    if bad:
        raise InputValidationError(f"'n_ground_truths' must be a non-negative integer, got {n_ground_truths!r}")
    n_gt = int(n_ground_truths)
    tp = tp.astype(bool)
    if int(tp.sum()) > n_gt:
        raise InputValidationError(f"'is_tp' has {int(tp.sum())} true positives but 'n_ground_truths' is {n_gt}")
    return s, tp, n_gt


def pr_curve(scores: Any, is_tp: Any, n_ground_truths: int) -> PRCurve:
    """Precision, recall and F1 at each distinct score (0 where undefined, as Kolena does)."""
    s, tp, n_gt = _inputs(scores, is_tp, n_ground_truths)
    order = np.argsort(-s, kind="stable")
    s, tp = s[order], tp[order]
    last = np.flatnonzero(np.r_[s[1:] != s[:-1], True]) if len(s) else np.zeros(0, dtype=np.int64)
    tps = np.cumsum(tp)[last].astype(np.float64)
    fps = (last + 1) - tps
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tps + fps > 0, tps / np.maximum(tps + fps, 1), 0.0)
        recall = tps / n_gt if n_gt else np.zeros_like(tps)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return PRCurve(s[last], precision, recall, f1)


def average_precision_from_curve(precision: Any, recall: Any) -> float:
    """All-point interpolated AP of PR points (PASCAL VOC 2010+ / Kolena): the area under the precision envelope.

    Points are sorted by recall and padded with (0, 0) and (1, 0); AP = sum of recall steps times the envelope.
    """
    p = float_array(precision, "precision", ndim=1)
    r = float_array(recall, "recall", ndim=1)
    same_length(precision=p, recall=r)
    if not len(p):
        return 0.0
    if (p < 0).any() or (p > 1).any() or (r < 0).any() or (r > 1).any():
        raise InputValidationError("'precision' and 'recall' must be in [0, 1]")
    order = np.argsort(r, kind="stable")
    r = np.concatenate([[0.0], r[order], [1.0]])
    p = np.concatenate([[0.0], p[order], [0.0]])
    envelope = np.maximum.accumulate(p[::-1])[::-1]
    changed = r[1:] != r[:-1]
    return float(np.sum((r[1:] - r[:-1])[changed] * envelope[1:][changed]))


def _coco_ap(s: np.ndarray, tp: np.ndarray, n_gt: int) -> float:
    order = np.argsort(-s, kind="mergesort")
    tp = tp[order]
    tp_sum = np.cumsum(tp).astype(np.float64)
    fp_sum = np.cumsum(~tp).astype(np.float64)
    rc = tp_sum / n_gt
    pr = tp_sum / (fp_sum + tp_sum + np.spacing(1))
    envelope = np.maximum.accumulate(pr[::-1])[::-1]
    idx = np.searchsorted(rc, _COCO_RECALLS, side="left")
    q = np.where(idx < len(pr), envelope[np.minimum(idx, max(len(pr) - 1, 0))] if len(pr) else 0.0, 0.0)
    return float(np.mean(q))


def compute_ap(scores: Any, is_tp: Any, n_ground_truths: int, *, interpolation: str = "all") -> float:
    """Average precision of scored inferences against ``n_ground_truths`` ground truths.

    ``interpolation="all"``: all-point interpolation over the distinct-score PR points (PASCAL VOC / Kolena).
    ``interpolation="coco"``: pycocotools' 101-point interpolation over inferences in stable descending score order
    (ties in input order), equal to one category's ``COCOeval`` precision averaged over recall points.
    With no ground truth the result is 0.0 (pycocotools marks such a category -1 and leaves it out of means).
    """
    s, tp, n_gt = _inputs(scores, is_tp, n_ground_truths)
    if interpolation not in ("all", "coco"):
        raise InputValidationError(f"'interpolation' must be 'all' or 'coco', got {interpolation!r}")
    if n_gt == 0:
        return 0.0
    if interpolation == "coco":
        return _coco_ap(s, tp, n_gt)
    curve = pr_curve(s, tp, n_gt)
    return average_precision_from_curve(curve.precision, curve.recall)


def f1_optimal_threshold(scores: Any, is_tp: Any, n_ground_truths: int) -> Tuple[float, float]:
    """``(threshold, f1)`` maximising F1 over the distinct scores; ties go to the lowest threshold (as Kolena picks
    the first maximum over ascending thresholds). ``(0.0, 0.0)`` when there is no ground truth or F1 is 0 everywhere."""
    curve = pr_curve(scores, is_tp, n_ground_truths)
    if not len(curve.f1) or curve.f1.max() <= 0:
        return 0.0, 0.0
    best = len(curve.f1) - 1 - int(np.argmax(curve.f1[::-1]))
    return float(curve.thresholds[best]), float(curve.f1[best])


def match_arrays(matches: Sequence[Any], label: Optional[Any] = None) -> Tuple[np.ndarray, np.ndarray, int]:
    """``(scores, is_tp, n_ground_truths)`` from per-image ``InferenceMatches`` or ``MulticlassInferenceMatches``.

    Matched pairs are TPs, unmatched inferences FPs, unmatched ground truths count towards ``n_ground_truths``. With
    ``label``, only ground truths and inferences of that label are kept (a confused inference counts as an FP of its
    own label)."""
    scores, flags, n_gt = [], [], 0
    for m in matches:
        for gt, inf in m.matched:
            if label is None or gt.label == label:
                scores.append(inf.score)
                flags.append(True)
                n_gt += 1
        for item in m.unmatched_gt:
            gt = item[0] if isinstance(item, tuple) else item
            if label is None or gt.label == label:
                n_gt += 1
        for inf in m.unmatched_inf:
            if label is None or inf.label == label:
                scores.append(inf.score)
                flags.append(False)
    return np.asarray(scores, dtype=np.float64), np.asarray(flags, dtype=bool), n_gt
