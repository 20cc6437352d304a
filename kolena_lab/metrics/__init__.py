"""Pure-numpy metrics mirroring ``kolena.metrics``: formulas, IoU, matching, detection AP, COCO evaluation,
classification (equal to scikit-learn), regression, keypoints and text. This package imports nothing else from
``kolena_lab``; bad input raises ``InputValidationError`` (a ``ValueError``) naming the argument."""
from kolena_lab.metrics._validation import InputValidationError
from kolena_lab.metrics.average_precision import (
    PRCurve,
    average_precision_from_curve,
    compute_ap,
    f1_optimal_threshold,
    match_arrays,
    pr_curve,
)
from kolena_lab.metrics.classification import (
    accuracy_score,
    confusion_matrix,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    top_k_accuracy_score,
)
from kolena_lab.metrics.coco import CocoEvaluation, coco_evaluate, coco_evaluate_arrays
from kolena_lab.metrics.confusion import ConfusionMatrix, detection_confusion_matrix
from kolena_lab.metrics.formulas import accuracy, f1_score, fpr, precision, recall, specificity
from kolena_lab.metrics.iou import iou, iou_matrix
from kolena_lab.metrics.keypoints import FailureRateCurve, failure_rate, failure_rate_curve, nme
from kolena_lab.metrics.matching import (
    InferenceMatches,
    MulticlassInferenceMatches,
    match_inferences,
    match_inferences_multiclass,
)
from kolena_lab.metrics.polygon import intersection_area, polygon_area
from kolena_lab.metrics.ranking import (
    auc,
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)
from kolena_lab.metrics.regression import (
    Histogram,
    error_histogram,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)
from kolena_lab.metrics.text import (
    character_error_rate,
    edit_distance,
    exact_match,
    normalize_answer,
    token_f1,
    word_error_rate,
)

__all__ = [
    "InputValidationError",
    # formulas
    "precision", "recall", "f1_score", "accuracy", "fpr", "specificity",
    # geometry and matching
    "iou", "iou_matrix", "intersection_area", "polygon_area",
    "InferenceMatches", "MulticlassInferenceMatches", "match_inferences", "match_inferences_multiclass",
    # detection
    "PRCurve", "pr_curve", "compute_ap", "average_precision_from_curve", "f1_optimal_threshold", "match_arrays",
    "ConfusionMatrix", "detection_confusion_matrix",
    "CocoEvaluation", "coco_evaluate", "coco_evaluate_arrays",
    # classification
    "accuracy_score", "confusion_matrix", "multilabel_confusion_matrix", "precision_recall_fscore_support",
    "top_k_accuracy_score", "roc_curve", "precision_recall_curve", "auc", "roc_auc_score", "average_precision_score",
    # regression
    "mean_absolute_error", "mean_squared_error", "root_mean_squared_error", "r2_score", "Histogram", "error_histogram",
    # keypoints
    "nme", "failure_rate", "failure_rate_curve", "FailureRateCurve",
    # text
    "normalize_answer", "exact_match", "token_f1", "edit_distance", "word_error_rate", "character_error_rate",
]
