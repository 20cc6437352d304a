"""Classification metrics from predicted labels, equal to scikit-learn's (same names and conventions).

Targets are 1-D label sequences (binary or multiclass; numbers/booleans or strings, never mixed) or 2-D 0/1 indicator
matrices (multilabel). ``zero_division`` is 0 by default — scikit-learn's ``"warn"`` value, without the warning — and
may be 1 or NaN. Bad input raises ``InputValidationError`` (a ``ValueError``) where scikit-learn raises
``ValueError``: mismatched lengths, NaN/inf, continuous float labels (``0.5``; integral floats such as ``1.0`` are
labels), string and numeric labels mixed, ``confusion_matrix`` labels that are empty or none of which occur in
``y_true``. Deliberate departures from scikit-learn: empty inputs are allowed (counts are zero, so scores follow
``zero_division``; ``accuracy_score`` and ``top_k_accuracy_score`` give 0.0); duplicate ``labels`` and mixed label
types within one argument are rejected (scikit-learn accepts them: duplicates repeat a row, mixed types compare
unequal); sample weights are not supported.
"""
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from kolena_lab.metrics._validation import InputValidationError, float_array, label_array, same_length

_AVERAGES = (None, "binary", "micro", "macro", "weighted", "samples")


def _is_indicator(y: Any) -> bool:
    return isinstance(y, np.ndarray) and y.ndim == 2 or (
        not isinstance(y, (np.ndarray, str, bytes, dict)) and hasattr(y, "__len__") and len(y) > 0
        and isinstance(y[0], (list, tuple, np.ndarray))
    )


def _indicator(y: Any, name: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 2 or (arr.size and arr.dtype.kind not in "biuf") or (arr.size and not np.isin(arr, (0, 1)).all()):
        raise InputValidationError(f"'{name}' must be a 2-D 0/1 indicator matrix for multilabel targets")
    return arr.astype(bool)


def _targets(y_true: Any, y_pred: Any) -> Tuple[str, np.ndarray, np.ndarray]:
    """``(kind, y_true, y_pred)`` with kind ``"labels"`` (1-D) or ``"multilabel"`` (2-D indicators)."""
    ind_t, ind_p = _is_indicator(y_true), _is_indicator(y_pred)
    if ind_t != ind_p:
        raise InputValidationError("'y_true' and 'y_pred' mix multilabel indicators and plain labels")
    if ind_t:
        t, p = np.asarray(y_true), np.asarray(y_pred)
        if t.ndim == 2 and p.ndim == 2 and t.shape[1] == 1 and p.shape[1] == 1:  # a column: plain labels (sklearn)
            y_true, y_pred = t.ravel(), p.ravel()
        else:
            t, p = _indicator(y_true, "y_true"), _indicator(y_pred, "y_pred")
            if t.shape != p.shape:
                raise InputValidationError(f"'y_true' has shape {t.shape} but 'y_pred' has {p.shape}")
            return "multilabel", t, p
    t, p = label_array(y_true, "y_true"), label_array(y_pred, "y_pred")
    same_length(y_true=t, y_pred=p)
    if t.size and p.size and (t.dtype.kind in "US") != (p.dtype.kind in "US"):
        raise InputValidationError("'y_true' and 'y_pred' mix string and numeric labels")
    return "labels", t, p


def _union(*arrays: np.ndarray) -> np.ndarray:
    non_empty = [a for a in arrays if a.size]
    return np.unique(np.concatenate(non_empty)) if non_empty else np.zeros(0, dtype=np.int64)


def _labels_like(labels: Any, y: np.ndarray) -> np.ndarray:
    """``labels`` as an array whose kind (string or numeric) agrees with the targets'."""
    arr = label_array(labels, "labels")
    if arr.size and y.size and (arr.dtype.kind in "US") != (y.dtype.kind in "US"):
        raise InputValidationError("'labels' and the targets mix string and numeric labels")
    if len(np.unique(arr)) != len(arr):
        raise InputValidationError("'labels' must be unique")
    return arr


def _describe_labels(labels: np.ndarray) -> str:
    text = repr(labels.tolist())
    return text if len(text) <= 80 else text[:77] + "..."


def accuracy_score(y_true: Any, y_pred: Any) -> float:
    """Fraction of exact matches (for multilabel: rows whose whole label set is right)."""
    kind, t, p = _targets(y_true, y_pred)
    if not len(t):
        return 0.0
    hits = (t == p).all(axis=1) if kind == "multilabel" else (t == p)
    return float(np.average(hits))


def confusion_matrix(y_true: Any, y_pred: Any, *, labels: Optional[Sequence[Any]] = None,
                     normalize: Optional[str] = None) -> np.ndarray:
    """``C[i, j]``: samples of true class ``labels[i]`` predicted as ``labels[j]`` (labels default to the sorted union).
    ``normalize`` is None, ``"true"`` (rows sum to 1), ``"pred"`` (columns) or ``"all"``; empty rows give 0."""
    kind, t, p = _targets(y_true, y_pred)
    if kind == "multilabel":
        raise InputValidationError("confusion_matrix takes 1-D labels; use multilabel_confusion_matrix")
    if normalize not in (None, "true", "pred", "all"):
        raise InputValidationError(f"'normalize' must be None, 'true', 'pred' or 'all', got {normalize!r}")
    classes = _union(t, p) if labels is None else _labels_like(labels, t)
    if labels is not None:
        if not classes.size:
            raise InputValidationError("'labels' must contain at least one label")
        if t.size and not np.isin(classes, t).any():
            raise InputValidationError(
                f"at least one of 'labels' must occur in 'y_true', got labels {_describe_labels(classes)}")
    n = len(classes)
    index = {v: i for i, v in enumerate(classes.tolist())}
    ti = np.array([index.get(v, -1) for v in t.tolist()], dtype=np.int64)
    pi = np.array([index.get(v, -1) for v in p.tolist()], dtype=np.int64)
    keep = (ti >= 0) & (pi >= 0)
    cm = np.bincount(ti[keep] * n + pi[keep], minlength=n * n).reshape(n, n).astype(np.int64)
    if normalize is None:
        return cm
    with np.errstate(all="ignore"):
        if normalize == "true":
            out = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            out = cm / cm.sum(axis=0, keepdims=True)
        else:
            out = cm / cm.sum()
    return np.nan_to_num(out)


def multilabel_confusion_matrix(y_true: Any, y_pred: Any, *, labels: Optional[Sequence[Any]] = None,
                                samplewise: bool = False) -> np.ndarray:
    """One 2x2 matrix ``[[tn, fp], [fn, tp]]`` per label (per sample with ``samplewise`` for multilabel)."""
    kind, t, p = _targets(y_true, y_pred)
    if kind == "labels":
        if samplewise:
            raise InputValidationError("'samplewise' needs multilabel targets")
        classes = _union(t, p) if labels is None else _labels_like(labels, t)
        n_cls, n = len(classes), len(t)
        _, inv = np.unique(np.concatenate([classes, t, p]), return_inverse=True)
        cls_pos, t_pos, p_pos = inv[:n_cls], inv[n_cls:n_cls + n], inv[n_cls + n:]
        size = int(inv.max()) + 1 if inv.size else 0
        tp = np.bincount(t_pos[t_pos == p_pos], minlength=size)[cls_pos]
        fp = np.bincount(p_pos, minlength=size)[cls_pos] - tp
        fn = np.bincount(t_pos, minlength=size)[cls_pos] - tp
        tn = n - tp - fp - fn
        return np.stack([tn, fp, fn, tp], axis=-1).reshape(-1, 2, 2).astype(np.int64)
    cols = np.arange(t.shape[1]) if labels is None else np.asarray(labels, dtype=np.int64)
    if cols.size and (cols.min() < 0 or cols.max() >= t.shape[1]):
        raise InputValidationError(f"'labels' must be column indices in [0, {t.shape[1]})")
    tt, pp = t[:, cols], p[:, cols]
    if not samplewise:
        tt, pp = tt.T, pp.T
    axis, total = 1, tt.shape[1]
    tp = np.count_nonzero(tt & pp, axis=axis)
    fp = np.count_nonzero(~tt & pp, axis=axis)
    fn = np.count_nonzero(tt & ~pp, axis=axis)
    tn = total - tp - fp - fn
    return np.stack([tn, fp, fn, tp], axis=-1).reshape(-1, 2, 2).astype(np.int64)


def _zero_division(value: Any) -> float:
    if isinstance(value, str) and value == "warn":
        return 0.0
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (value in (0, 1) or np.isnan(value)):
        return float(value)
    raise InputValidationError(f"'zero_division' must be 0, 1, nan or 'warn', got {value!r}")


def _divide(num: np.ndarray, den: np.ndarray, zero: float) -> np.ndarray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = num / np.where(den == 0, 1.0, den)
    return np.where(den == 0, zero, out)


def _nanaverage(values: np.ndarray, weights: Optional[np.ndarray] = None) -> float:
    if values.size == 0 or np.isnan(values).all():
        return float("nan")
    ok = ~np.isnan(values)
    if weights is None:
        return float(np.mean(values[ok]))
    w = np.asarray(weights, dtype=np.float64)[ok]
    return float(np.average(values[ok], weights=w)) if w.sum() != 0 else float(np.mean(values[ok]))


def precision_recall_fscore_support(
    y_true: Any,
    y_pred: Any,
    *,
    beta: float = 1.0,
    labels: Optional[Sequence[Any]] = None,
    pos_label: Any = 1,
    average: Optional[str] = None,
    zero_division: Union[str, float] = 0.0,
) -> Tuple[Any, Any, Any, Optional[np.ndarray]]:
    """Per-label precision, recall, F-beta and support, or their ``average``: ``"binary"`` (``pos_label`` only),
    ``"micro"`` (pooled counts), ``"macro"`` (unweighted mean), ``"weighted"`` (support-weighted), ``"samples"``
    (multilabel, per row). Averaged results come back as floats with support ``None``, as in scikit-learn."""
    if average not in _AVERAGES:
        raise InputValidationError(f"'average' must be one of {_AVERAGES}, got {average!r}")
    zero = _zero_division(zero_division)
    if not (isinstance(beta, (int, float)) and beta >= 0):
        raise InputValidationError(f"'beta' must be a non-negative number, got {beta!r}")
    kind, t, p = _targets(y_true, y_pred)
    if average == "binary":
        present = _union(t, p) if kind == "labels" else None
        if kind == "multilabel" or len(present) > 2:
            raise InputValidationError("average='binary' needs binary targets; choose another 'average'")
        if pos_label not in present.tolist() and len(present) >= 2:
            raise InputValidationError(f"'pos_label'={pos_label!r} is not one of the labels {present.tolist()}")
        labels = [pos_label]
    if average == "samples" and kind != "multilabel":
        raise InputValidationError("average='samples' needs multilabel targets")
    mcm = multilabel_confusion_matrix(t, p, labels=labels, samplewise=average == "samples")
    tp, fp, fn = mcm[:, 1, 1], mcm[:, 0, 1], mcm[:, 1, 0]
    pred_sum, true_sum = tp + fp, tp + fn
    if average == "micro":
        tp, pred_sum, true_sum = tp.sum(keepdims=True), pred_sum.sum(keepdims=True), true_sum.sum(keepdims=True)
    precision = _divide(tp, pred_sum, zero)
    recall = _divide(tp, true_sum, zero)
    beta2 = float(beta) ** 2
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        f_score = _divide((1 + beta2) * tp.astype(np.float64), beta2 * true_sum.astype(np.float64) + pred_sum, zero)
    if average is None:
        return precision, recall, f_score, true_sum
    weights = true_sum if average == "weighted" else None
    return _nanaverage(precision, weights), _nanaverage(recall, weights), _nanaverage(f_score, weights), None


def top_k_accuracy_score(y_true: Any, y_score: Any, *, k: int = 2, labels: Optional[Sequence[Any]] = None) -> float:
    """Fraction of samples whose true label is among the ``k`` highest scores (ties: the later column first, as
    scikit-learn's reversed stable sort). Binary targets take 1-D scores of the positive class (2-D scores need
    ``labels`` with more than two classes, as in scikit-learn): ``k=1`` thresholds at 0.5 for probabilities, else 0."""
    t = label_array(y_true, "y_true")
    s = float_array(y_score, "y_score")
    if s.ndim not in (1, 2):
        raise InputValidationError(f"'y_score' must be 1-D or 2-D, got shape {s.shape}")
    same_length(y_true=t, y_score=s)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise InputValidationError(f"'k' must be a positive integer, got {k!r}")
    classes = _union(t) if labels is None else label_array(labels, "labels")
    if labels is not None:
        if len(np.unique(classes)) != len(classes) or not np.array_equal(np.unique(classes), classes):
            raise InputValidationError("'labels' must be unique and sorted")
        if np.setdiff1d(t, classes).size:
            raise InputValidationError("'y_true' contains labels not in 'labels'")
    binary = len(_union(t)) <= 2 and (labels is None or len(classes) <= 2)
    if binary and s.ndim == 2:
        if s.shape[1] != 1:
            raise InputValidationError(
                f"'y_true' is binary but 'y_score' has {s.shape[1]} columns: give 1-D scores of the positive class, "
                "or pass 'labels' listing every class")
        s = s[:, 0]
    elif not binary and s.ndim != 2:
        raise InputValidationError(f"'y_true' has more than 2 classes: 'y_score' must be 2-D, got shape {s.shape}")
    n_score = s.shape[1] if s.ndim == 2 else 2
    if len(t) and len(classes) != n_score:
        raise InputValidationError(f"{len(classes)} classes but 'y_score' has {n_score} columns; pass 'labels'")
    if not len(t):
        return 0.0
    encoded = np.searchsorted(classes, t)
    if s.ndim == 1:
        if len(classes) > 2:
            raise InputValidationError("1-D 'y_score' is only for binary targets")
        if k == 1:
            threshold = 0.5 if s.min() >= 0 and s.max() <= 1 else 0
            hits = (s > threshold).astype(np.int64) == encoded
        else:
            hits = np.ones(len(t), dtype=bool)
    else:
        top = np.argsort(s, axis=1, kind="mergesort")[:, ::-1][:, :k]
        hits = (top == encoded[:, None]).any(axis=1)
    return float(np.mean(hits))
