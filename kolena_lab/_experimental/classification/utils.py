"""Plots for classification evaluators: confidence histograms, confusion matrix, one-vs-rest ROC curves and
precision / recall / F1 against the confidence threshold. Invalid input is reported with a warning and gives None,
as in Kolena; ROC points equal scikit-learn's ``roc_curve`` (``drop_intermediate=True``)."""
import math
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from kolena_lab._utils import log
from kolena_lab.metrics import confusion_matrix, f1_score, precision, recall, roc_curve
from kolena_lab.workflow.annotation import Label, ScoredLabel
from kolena_lab.workflow.plot import ConfusionMatrix, Curve, CurvePlot, Histogram

_BIN = 0.02
_EPS = 1e-9
_MIN_GAP = 1e-2


def get_label_confidence(label: str, inference_labels: List[ScoredLabel]) -> float:
    """The score of ``label`` among ``inference_labels`` (one per class), 0 when it is absent."""
    return next((inf.score for inf in inference_labels if inf.label == label), 0)


def get_histogram_range(values: List[float]) -> Optional[Tuple[float, float, int]]:
    """``(min, max, bins)`` of a histogram of confidence scores in [0, 1]: bins of width 0.02 on the 0.02 grid
    covering every value (at least one bin; a single value gets the bin above it below 0.5, else the one below).
    None, with a warning, when ``values`` is empty or leaves [0, 1]."""
    if len(values) == 0:
        log.warn("insufficient values provided for confidence histograms")
        return None
    lower, higher = min(values), max(values)
    if lower < 0.0 or higher > 1.0:
        log.warn(f"values out of range for confidence histograms: expecting [0, 1], got [{lower:.3f}, {higher:.3f}]")
        return None
    low = math.floor((lower + _EPS) / _BIN)  # in bins: integer arithmetic, so a single value still gets a bin
    high = math.floor((higher - _EPS) / _BIN) + 1
    if high == low:
        if high * _BIN < 0.5:
            high += 1
        else:
            low -= 1
    return low * _BIN, high * _BIN, high - low


def create_histogram(values: List[float], range: Tuple[float, float, int], title: str = "", x_label: str = "",
                     y_label: str = "") -> Histogram:
    """A histogram of ``values`` over ``range`` = ``(min, max, bins)`` (e.g. from ``get_histogram_range``)."""
    low, high, bins = range
    frequency, buckets = np.histogram(values, bins=bins, range=(low, high))
    return Histogram(title=title, x_label=x_label, y_label=y_label, buckets=list(buckets), frequency=list(frequency))


def compute_confusion_matrix(ground_truths: List[str], inferences: List[str], title: str = "Confusion Matrix",
                             labels: Optional[List[str]] = None) -> Optional[ConfusionMatrix]:
    """Counts of actual (rows) vs predicted (columns) labels; ``labels`` order or select the classes (default: the
    sorted labels seen). None, with a warning, for unequal lengths, no samples or fewer than two labels."""
    if len(ground_truths) != len(inferences):
        log.warn(f"ground truth labels ({len(ground_truths)}) and inference labels ({len(inferences)}) differ in "
                 "length for a confusion matrix — expecting equal length")
        return None
    if len(ground_truths) == 0:
        log.warn("no ground_truths provided for a confusion matrix")
        return None
    if labels is None:
        labels = sorted(set(ground_truths) | set(inferences))
    if len(labels) < 2:
        log.warn(f"not enough unique labels — expecting at least 2 unique labels, received {len(labels)}")
        return None
    matrix = confusion_matrix(_strings(ground_truths), _strings(inferences), labels=_strings(labels))
    return ConfusionMatrix(title=title, labels=list(labels), matrix=matrix.tolist())


def _strings(values: Sequence[Any]) -> List[str]:
    return [str(v) for v in values]


def compute_roc_curves(ground_truths: List[Optional[Label]], inferences: List[List[ScoredLabel]],
                       labels: Optional[List[str]] = None, title: Optional[str] = None) -> Optional[CurvePlot]:
    """One-vs-rest ROC curves, one per label (default: the labels of ``ground_truths``; a None ground truth is the
    negative class of a binary problem). A label without positives or negatives has no curve. None, with a warning,
    for unequal lengths or fewer than three samples, and when no curve remains."""
    if len(ground_truths) != len(inferences):
        log.warn(f"ground_truths ({len(ground_truths)}) and inferences ({len(inferences)}) differ in length")
        return None
    if len(ground_truths) <= 2:
        log.warn(f"insufficient # of samples to compute a roc curve — need at least 3 but received "
                 f"{len(ground_truths)}")
        return None
    if labels is None:
        labels = sorted({gt.label for gt in ground_truths if gt is not None})
    curves = []
    for label in labels:
        y_true = [int(gt is not None and gt.label == label) for gt in ground_truths]
        y_score = [get_label_confidence(label, inf) for inf in inferences]
        fpr, tpr, _ = roc_curve(y_true, y_score)
        if np.isfinite(fpr).all() and np.isfinite(tpr).all():
            curves.append(Curve(x=fpr.tolist(), y=tpr.tolist(), label=label))
    if not curves:
        return None
    if title is None:
        binary = len(inferences[0]) == 1
        title = "Receiver Operating Characteristic" + ("" if binary else " (One-vs-Rest)")
    return CurvePlot(title=title, x_label="False Positive Rate (FPR)", y_label="True Positive Rate (TPR)",
                     curves=curves)


def _default_thresholds(scores: Sequence[float]) -> List[float]:
    """0, then every tenth and every distinct score in ascending order, each kept when at least 0.01 above the last
    kept one."""
    kept = [0.0]
    for t in sorted(set(np.linspace(0, 1, 11).tolist()) | set(scores)):
        if abs(t - kept[-1]) >= _MIN_GAP:
            kept.append(t)
    return kept


def compute_threshold_curves(ground_truths: List[Optional[Label]], inferences: List[ScoredLabel],
                             thresholds: Optional[List[float]] = None) -> Optional[List[Curve]]:
    """Precision, Recall and F1 of one class against the confidence threshold (an inference is positive when its
    score is at least the threshold; a ground truth is positive when it has the inferences' label). None, with a
    warning, for unequal lengths, no samples or inferences of more than one class."""
    if len(ground_truths) != len(inferences):
        log.warn(f"ground_truths ({len(ground_truths)}) and inferences ({len(inferences)}) differ in length")
        return None
    if len(ground_truths) == 0:
        log.warn("insufficient # of samples to compute threshold curves — need at least 1 but received 0")
        return None
    classes = sorted({inf.label for inf in inferences})
    if len(classes) > 1:
        log.warn(f"more than one class passed in as inferences: {classes} — expecting inferences belonging to a "
                 "single class")
        return None
    positive = np.array([gt is not None and gt.label == classes[0] for gt in ground_truths], dtype=bool)
    scores = np.array([inf.score for inf in inferences], dtype=np.float64)
    xs = _default_thresholds(scores.tolist()) if thresholds is None else sorted(set(thresholds))
    predicted = scores[None, :] >= np.asarray(xs, dtype=np.float64)[:, None]
    tp = (predicted & positive).sum(axis=1)
    fp = (predicted & ~positive).sum(axis=1)
    fn = (~predicted & positive).sum(axis=1)
    return [
        Curve(x=xs, y=np.atleast_1d(precision(tp, fp)).tolist(), label="Precision"),
        Curve(x=xs, y=np.atleast_1d(recall(tp, fn)).tolist(), label="Recall"),
        Curve(x=xs, y=np.atleast_1d(f1_score(tp, fp, fn)).tolist(), label="F1"),
    ]


__all__ = [
    "get_label_confidence", "get_histogram_range", "create_histogram", "compute_confusion_matrix",
    "compute_roc_curves", "compute_threshold_curves",
]
