"""Score-based classification metrics, equal to scikit-learn's: ROC and PR curves, ROC AUC and average precision.

Scores may be any finite reals (probabilities or decision values), as in scikit-learn; NaN/inf is an error. Undefined
cases follow scikit-learn 1.9: a ROC curve without negatives (positives) has NaN FPR (TPR), ROC AUC with a single class
in ``y_true`` is NaN, a PR curve without positives has recall 1; curves with an explicit ``pos_label`` take multiclass
``y_true`` one-vs-rest. Continuous float labels (``0.5``), mixed string and numeric labels and mismatched lengths are
errors, as in scikit-learn. Deliberate departure: empty input is allowed (curves hold only their end point, ROC AUC
is NaN and average precision 0.0). Sample weights and ``max_fpr`` are not supported.
"""
from itertools import combinations
from typing import Any, Callable, Optional, Sequence, Tuple

import numpy as np

from kolena_lab.metrics._validation import InputValidationError, float_array, label_array, same_length


def _binary_target(y_true: Any, pos_label: Any) -> np.ndarray:
    """Boolean positives; without ``pos_label`` the labels must be within {0, 1} or {-1, 1} (positive: 1), with it
    any labels are taken one-vs-rest (``pos_label`` against the others), as scikit-learn does."""
    t = label_array(y_true, "y_true")
    classes = np.unique(t)
    if pos_label is None:
        numeric = t.dtype.kind in "biuf"
        allowed = [{0, 1}, {-1, 1}, {0}, {1}, {-1}, set()]
        if not numeric or set(classes.tolist()) not in allowed:
            raise InputValidationError(
                f"'y_true' takes values {classes.tolist()}: pass 'pos_label' or use labels in {{0, 1}} or {{-1, 1}}")
        pos_label = 1
    return t == pos_label


def _scores(y_score: Any, n: int, ndim: int = 1) -> np.ndarray:
    s = float_array(y_score, "y_score")
    if s.ndim != ndim and not (s.size == 0 and n == 0):
        raise InputValidationError(f"'y_score' must be {ndim}-dimensional, got shape {s.shape}")
    if len(s) != n:
        raise InputValidationError(f"length mismatch: 'y_true' has {n}, 'y_score' has {len(s)}")
    return s


def _counts_at_thresholds(pos: np.ndarray, s: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fps, tps, thresholds)`` at each distinct score, thresholds descending (scikit-learn's arithmetic)."""
    order = np.argsort(-s, kind="stable")
    s, pos = s[order], pos[order]
    idx = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1] if len(s) else np.zeros(0, dtype=np.int64)
    tps = np.cumsum(pos.astype(np.float64))[idx]
    fps = 1 + idx.astype(np.float64) - tps
    return fps, tps, s[idx]


def roc_curve(y_true: Any, y_score: Any, *, pos_label: Any = None,
              drop_intermediate: bool = True) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, tpr, thresholds)``; the first threshold is ``inf`` (the (0, 0) point)."""
    pos = _binary_target(y_true, pos_label)
    s = _scores(y_score, len(pos))
    fps, tps, thr = _counts_at_thresholds(pos, s)
    if drop_intermediate and len(fps) > 2:
        keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thr = fps[keep], tps[keep], thr[keep]
    tps, fps = np.r_[0.0, tps], np.r_[0.0, fps]
    thr = np.r_[np.inf, thr]
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return fpr, tpr, thr


def precision_recall_curve(y_true: Any, y_score: Any, *, pos_label: Any = None,
                           drop_intermediate: bool = False) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(precision, recall, thresholds)`` with thresholds ascending and a final (precision 1, recall 0) point."""
    pos = _binary_target(y_true, pos_label)
    s = _scores(y_score, len(pos))
    fps, tps, thr = _counts_at_thresholds(pos, s)
    if drop_intermediate and len(fps) > 2:
        keep = np.r_[True, np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), True]
        fps, tps, thr = fps[keep], tps[keep], thr[keep]
    ps = tps + fps
    precision = np.where(ps != 0, tps / np.where(ps != 0, ps, 1.0), 0.0)
    recall = np.ones_like(tps) if not len(tps) or tps[-1] == 0 else tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thr[::-1]


def auc(x: Any, y: Any) -> float:
    """Trapezoidal area under a curve whose ``x`` is monotonic (increasing or decreasing)."""
    xs, ys = float_array(x, "x", ndim=1, allow_nan=True), float_array(y, "y", ndim=1, allow_nan=True)
    same_length(x=xs, y=ys)
    if len(xs) < 2:
        raise InputValidationError(f"'x' needs at least 2 points, got {len(xs)}")
    dx = np.diff(xs)
    direction = 1.0
    if (dx < 0).any():
        if not (dx <= 0).all():
            raise InputValidationError("'x' is neither increasing nor decreasing")
        direction = -1.0
    return float(direction * np.sum(dx * (ys[1:] + ys[:-1]) / 2.0))


def _binary_roc_auc(pos: np.ndarray, s: np.ndarray) -> float:
    if len(np.unique(pos)) != 2:
        return float("nan")
    fpr, tpr, _ = roc_curve(pos.astype(np.int64), s)
    return auc(fpr, tpr)


def _binary_ap(pos: np.ndarray, s: np.ndarray) -> float:
    precision, recall, _ = precision_recall_curve(pos.astype(np.int64), s)
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def _average_columns(metric: Callable[[np.ndarray, np.ndarray], float], t: np.ndarray, s: np.ndarray,
                     average: Optional[str]) -> Any:
    """scikit-learn's ``_average_binary_score`` for 2-D indicator targets."""
    if average not in (None, "micro", "macro", "weighted", "samples"):
        raise InputValidationError(
            f"'average' must be None, 'micro', 'macro', 'weighted' or 'samples', got {average!r}")
    if t.shape != s.shape:
        raise InputValidationError(f"'y_true' has shape {t.shape} but 'y_score' has {s.shape}")
    weights = None
    if average == "micro":
        return metric(t.ravel(), s.ravel())
    if average == "weighted":
        weights = t.sum(axis=0).astype(np.float64)
        if np.isclose(weights.sum(), 0):
            return 0.0
    if average == "samples":
        t, s = t.T, s.T
    scores = np.array([metric(t[:, c], s[:, c]) for c in range(t.shape[1])])
    if average is None:
        return scores
    if weights is not None:
        scores[weights == 0] = 0
    return float(np.average(scores, weights=weights))


def _indicator(y_true: Any) -> Optional[np.ndarray]:
    listed = isinstance(y_true, (list, tuple)) and len(y_true) and np.ndim(y_true[0])
    arr = np.asarray(y_true) if isinstance(y_true, np.ndarray) or listed else None
    if arr is None or arr.ndim != 2:
        return None
    if arr.size and (arr.dtype.kind not in "biuf" or not np.isin(arr, (0, 1)).all()):
        raise InputValidationError("'y_true' must be a 0/1 indicator matrix when 2-D")
    return arr.astype(bool)


def average_precision_score(y_true: Any, y_score: Any, *, average: Optional[str] = "macro", pos_label: Any = 1) -> Any:
    """Step-function area under the PR curve: ``sum((R_n - R_{n-1}) * P_n)``; binary, multilabel (2-D indicators)
    or multiclass (one-vs-rest on the sorted classes of ``y_true``, scores of shape (n, n_classes))."""
    ind = _indicator(y_true)
    if ind is not None:
        if pos_label != 1:
            raise InputValidationError("'pos_label' is fixed to 1 for multilabel targets")
        return _average_columns(_binary_ap, ind, _scores(y_score, len(ind), 2), average)
    t = label_array(y_true, "y_true")
    classes = np.unique(t)
    if len(classes) > 2:
        if pos_label != 1:
            raise InputValidationError("'pos_label' is fixed to 1 for multiclass targets")
        s = _scores(y_score, len(t), 2)
        return _average_columns(_binary_ap, t[:, None] == classes[None, :], s, average)
    if len(classes) == 2 and pos_label not in classes.tolist():
        raise InputValidationError(f"'pos_label'={pos_label!r} is not one of the labels {classes.tolist()}")
    s = _scores(y_score, len(t))
    if not len(t):
        return 0.0
    return _binary_ap(t == pos_label, s)


def _ovo(t: np.ndarray, s: np.ndarray, classes: np.ndarray, average: str) -> float:
    encoded = np.searchsorted(classes, t)
    present = np.unique(encoded)
    pairs = list(combinations(present.tolist(), 2))
    scores = np.empty(len(pairs))
    prevalence = np.empty(len(pairs))
    for i, (a, b) in enumerate(pairs):
        mask = (encoded == a) | (encoded == b)
        prevalence[i] = np.average(mask)
        a_true, b_true = encoded[mask] == a, encoded[mask] == b
        scores[i] = (_binary_roc_auc(a_true, s[mask, a]) + _binary_roc_auc(b_true, s[mask, b])) / 2
    return float(np.average(scores, weights=prevalence if average == "weighted" else None))


def roc_auc_score(y_true: Any, y_score: Any, *, average: Optional[str] = "macro", multi_class: str = "raise",
                  labels: Optional[Sequence[Any]] = None) -> Any:
    """Area under the ROC curve: binary (positive = the larger label), multilabel (2-D indicators, per column) or
    multiclass with ``multi_class="ovr"`` (one-vs-rest) or ``"ovo"`` (Hand & Till one-vs-one); multiclass scores must
    be probabilities summing to 1 per row."""
    ind = _indicator(y_true)
    if ind is not None:
        return _average_columns(_binary_roc_auc, ind, _scores(y_score, len(ind), 2), average)
    t = label_array(y_true, "y_true")
    s = float_array(y_score, "y_score")
    classes = np.unique(t)
    if len(classes) <= 2 and not (s.ndim == 2 and s.shape[1] > 2):
        s = _scores(y_score, len(t))
        if not len(t):
            return float("nan")
        return _binary_roc_auc(t == classes[-1], s)
    if multi_class not in ("ovr", "ovo"):
        raise InputValidationError("multiclass 'y_true' needs multi_class='ovr' or 'ovo'")
    s = _scores(y_score, len(t), 2)
    if not np.allclose(1, s.sum(axis=1)):
        raise InputValidationError("'y_score' rows must be probabilities summing to 1 for multiclass ROC AUC")
    allowed = ("macro", "weighted", None) + (("micro",) if multi_class == "ovr" else ())
    if average not in allowed or (multi_class == "ovo" and average is None):
        raise InputValidationError(f"'average' must be one of {allowed} for multi_class={multi_class!r}")
    if labels is not None:
        classes = label_array(labels, "labels")
        if len(np.unique(classes)) != len(classes) or not np.array_equal(np.unique(classes), classes):
            raise InputValidationError("'labels' must be unique and sorted")
        if np.setdiff1d(t, classes).size:
            raise InputValidationError("'y_true' contains labels not in 'labels'")
    if len(classes) != s.shape[1]:
        raise InputValidationError(f"{len(classes)} classes but 'y_score' has {s.shape[1]} columns")
    if multi_class == "ovo":
        return _ovo(t, s, classes, average)
    return _average_columns(_binary_roc_auc, t[:, None] == classes[None, :], s, average)
