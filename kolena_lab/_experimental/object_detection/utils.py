"""Detection curves, plots, F1-optimal thresholds and average precision from per-image matching results
(``InferenceMatches`` / ``MulticlassInferenceMatches`` of ``kolena_lab.metrics``), by Kolena's rules.

Curve points are taken at every distinct inference score (an inference counts when its score is at least the
threshold); points of equal recall are merged into the one of highest threshold. Unlike Kolena, which evaluates at
most 501 evenly spaced thresholds, every distinct score is used, so AP is exact."""
from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Union

import numpy as np

from kolena_lab._utils import log
from kolena_lab.metrics import (
    InferenceMatches,
    MulticlassInferenceMatches,
    average_precision_from_curve,
    f1_optimal_threshold,
    match_arrays,
    pr_curve,
)
from kolena_lab.workflow.plot import ConfusionMatrix, Curve, CurvePlot

Matches = Sequence[Union[InferenceMatches, MulticlassInferenceMatches]]
_Points = Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # thresholds ascending, precision, recall, f1


def filter_inferences(inferences: List[Any], confidence_score: Optional[float] = None,
                      labels: Optional[Set[str]] = None) -> List[Any]:
    """The inferences scoring at least ``confidence_score`` (when given and not 0) whose label is in ``labels``
    (when given)."""
    kept = [inf for inf in inferences if inf.score >= confidence_score] if confidence_score else list(inferences)
    return kept if labels is None else [inf for inf in kept if inf.label in labels]


def compute_average_precision(precisions: List[float], recalls: List[float]) -> float:
    """All-point interpolated average precision (PASCAL VOC) of a precision-recall curve given as points; 0 for no
    points. Raises ``ValueError`` when the lists differ in length."""
    if len(precisions) != len(recalls):
        raise ValueError("precisions and recalls differ in length")
    return average_precision_from_curve(precisions, recalls) if len(precisions) else 0.0


def threshold_points(scores: np.ndarray, is_tp: np.ndarray, n_ground_truths: int) -> Optional[_Points]:
    """``(thresholds, precision, recall, f1)``, thresholds ascending, one point per distinct recall (that of the
    highest threshold); None without inferences."""
    if not len(scores):
        return None
    pr = pr_curve(scores, is_tp, n_ground_truths)  # thresholds descending, recall non-decreasing
    first = np.sort(np.unique(pr.recall, return_index=True)[1])[::-1]
    return pr.thresholds[first], pr.precision[first], pr.recall[first], pr.f1[first]


def _pr_curve(points: Optional[_Points], label: Optional[str]) -> Optional[Curve]:
    if points is None:
        return None
    thresholds, precision, recall, f1 = (list(map(float, a)) for a in points)
    if 0.0 not in recall:  # start the curve on the precision axis
        lowest = recall.index(min(recall))
        for series in (thresholds, precision, f1):
            series.append(series[lowest])
        recall.append(0.0)
    if len(recall) < 2:
        return None
    return Curve(x=recall, y=precision, label=label, extra=dict(F1=f1, Threshold=thresholds))


def _f1_curve(points: Optional[_Points], label: Optional[str]) -> Optional[Curve]:
    if points is None or len(points[0]) < 2:
        return None
    thresholds, precision, recall, f1 = (a.tolist() for a in points)
    return Curve(x=thresholds, y=f1, label=label, extra=dict(Precision=precision, Recall=recall))


def compute_pr_curve(all_matches: Matches, curve_label: Optional[str] = None) -> Optional[Curve]:
    """The precision-recall curve of the matches (labels disregarded), x recall and y precision; None with fewer
    than two points."""
    return _pr_curve(threshold_points(*match_arrays(all_matches)), curve_label)


def _plot(title: str, x_label: str, y_label: str, curves: List[Optional[Curve]]) -> Optional[CurvePlot]:
    kept = [c for c in curves if c is not None]
    return CurvePlot(title=title, x_label=x_label, y_label=y_label, curves=kept) if kept else None


def compute_pr_plot(all_matches: Matches, curve_label: Optional[str] = None) -> Optional[CurvePlot]:
    """"Precision vs. Recall" with the curve of ``compute_pr_curve``."""
    return _plot("Precision vs. Recall", "Recall", "Precision", [compute_pr_curve(all_matches, curve_label)])


def compute_f1_plot(all_matches: Matches, curve_label: Optional[str] = None) -> Optional[CurvePlot]:
    """"F1-Score vs. Confidence Threshold" of the matches, labels disregarded."""
    curve = _f1_curve(threshold_points(*match_arrays(all_matches)), curve_label)
    return _plot("F1-Score vs. Confidence Threshold", "Confidence Threshold", "F1-Score", [curve])


def match_labels(all_matches: Sequence[MulticlassInferenceMatches]) -> List[str]:
    """The sorted labels of the matched inferences, unmatched ground truths and unmatched inferences."""
    labels = set()
    for m in all_matches:
        labels.update(inf.label for _, inf in m.matched)
        labels.update(gt.label for gt, _ in m.unmatched_gt)
        labels.update(inf.label for inf in m.unmatched_inf)
    return sorted(labels)


def compute_pr_plot_multiclass(all_matches: Sequence[MulticlassInferenceMatches]) -> Optional[CurvePlot]:
    """"Precision vs. Recall Per Class": one curve per label."""
    curves = [_pr_curve(threshold_points(*match_arrays(all_matches, label)), label)
              for label in match_labels(all_matches)]
    return _plot("Precision vs. Recall Per Class", "Recall", "Precision", curves)


def compute_f1_plot_multiclass(all_matches: Sequence[MulticlassInferenceMatches]) -> Optional[CurvePlot]:
    """"F1-Score vs. Confidence Threshold Per Class": one curve per label."""
    curves = [_f1_curve(threshold_points(*match_arrays(all_matches, label)), label)
              for label in match_labels(all_matches)]
    return _plot("F1-Score vs. Confidence Threshold Per Class", "Confidence Threshold", "F1-Score", curves)


def compute_confusion_matrix_plot(all_matches: Sequence[MulticlassInferenceMatches],
                                  plot_title: str = "Confusion Matrix") -> Optional[ConfusionMatrix]:
    """Actual vs predicted label of the matched pairs and of the confused pairs in ``unmatched_gt``; None (logged)
    with fewer than two labels."""
    counts: Dict[str, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    labels: Set[str] = set()
    for m in all_matches:
        for gt, _ in m.matched:
            counts[gt.label][gt.label] += 1
            labels.add(gt.label)
        for gt, inf in m.unmatched_gt:
            labels.add(gt.label)
            if inf is not None:
                counts[gt.label][inf.label] += 1
                labels.add(inf.label)
    if len(labels) < 2:
        log.info(f"skipping confusion matrix for a single label: {labels}")
        return None
    ordered = sorted(labels)
    return ConfusionMatrix(title=plot_title, labels=ordered,
                           matrix=[[counts[actual][predicted] for predicted in ordered] for actual in ordered])


def compute_optimal_f1_threshold(all_matches: Matches) -> float:
    """The confidence threshold maximising F1 over the matches (labels disregarded; the lowest on ties), 0 when F1
    is 0 everywhere."""
    return f1_optimal_threshold(*match_arrays(all_matches))[0]


def compute_optimal_f1_threshold_multiclass(all_matches: Sequence[MulticlassInferenceMatches]) -> Dict[str, float]:
    """``compute_optimal_f1_threshold`` per label."""
    return {label: f1_optimal_threshold(*match_arrays(all_matches, label))[0] for label in match_labels(all_matches)}


__all__ = [
    "filter_inferences", "compute_average_precision", "threshold_points", "compute_pr_curve", "compute_pr_plot",
    "compute_f1_plot", "match_labels", "compute_pr_plot_multiclass", "compute_f1_plot_multiclass",
    "compute_confusion_matrix_plot", "compute_optimal_f1_threshold", "compute_optimal_f1_threshold_multiclass",
]
