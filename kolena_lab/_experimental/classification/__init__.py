"""Classification plot helpers: see ``kolena_lab._experimental.classification.utils``."""
from kolena_lab._experimental.classification.utils import (
    compute_confusion_matrix,
    compute_roc_curves,
    compute_threshold_curves,
    create_histogram,
    get_histogram_range,
    get_label_confidence,
)

__all__ = [
    "get_label_confidence", "get_histogram_range", "create_histogram", "compute_confusion_matrix",
    "compute_roc_curves", "compute_threshold_curves",
]
