"""Detection confusion matrix from multiclass matches, with a "no match" row and column."""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from kolena_lab.metrics._validation import InputValidationError


@dataclass(frozen=True)
class ConfusionMatrix:
    """``matrix[i, j]`` counts objects of actual class ``labels[i]`` predicted as ``labels[j]`` (rows actual)."""

    labels: List[Any]
    matrix: np.ndarray

    def as_dict(self) -> Dict[Any, Dict[Any, int]]:
        """``{actual: {predicted: count}}``."""
        return {a: {p: int(self.matrix[i, j]) for j, p in enumerate(self.labels)} for i, a in enumerate(self.labels)}


def detection_confusion_matrix(
    matches: Sequence[Any],
    *,
    labels: Optional[Sequence[Any]] = None,
    score_threshold: float = 0.0,
    no_match: Any = "no match",
) -> ConfusionMatrix:
    """Confusion matrix of ``MulticlassInferenceMatches`` (one per image); the last label is ``no_match``.

    Rows are ground-truth labels, columns predicted labels. A matched pair counts on the diagonal, a confused pair
    ``(gt, inf)`` at ``[gt.label, inf.label]``, a missed ground truth at ``[gt.label, no_match]`` and an unmatched
    inference that is not part of a confused pair at ``[no_match, inf.label]``. Inferences scoring below
    ``score_threshold`` are treated as absent (their ground truth becomes a miss).
    """
    try:
        thr = float(score_threshold)
    except (TypeError, ValueError):
        raise InputValidationError(f"'score_threshold' must be a number, got {score_threshold!r}") from None
    if not 0 <= thr <= 1:
        raise InputValidationError(f"'score_threshold' must be in [0, 1], got {score_threshold!r}")
    pairs: List[Tuple[Any, Any]] = []
    for m in matches:
        for gt, inf in m.matched:
            pairs.append((gt.label, gt.label if inf.score >= thr else no_match))
        confused = set()
        for item in m.unmatched_gt:
            if not isinstance(item, tuple) or len(item) != 2:
                raise InputValidationError("'matches' must be MulticlassInferenceMatches (unmatched_gt of pairs)")
            gt, inf = item
            if inf is not None and inf.score >= thr:
                pairs.append((gt.label, inf.label))
                confused.add(id(inf))
            else:
                pairs.append((gt.label, no_match))
        for inf in m.unmatched_inf:
            if inf.score >= thr and id(inf) not in confused:
                pairs.append((no_match, inf.label))
    seen = {v for pair in pairs for v in pair if v != no_match}
    if labels is None:
        try:
            ordered = sorted(seen)
        except TypeError:
            raise InputValidationError("labels mix types that cannot be ordered") from None
    else:
        ordered = list(labels)
        missing = seen - set(ordered)
        if missing:
            raise InputValidationError(f"'labels' misses labels found in the matches: {sorted(map(str, missing))}")
    ordered.append(no_match)
    index = {v: i for i, v in enumerate(ordered)}
    matrix = np.zeros((len(ordered), len(ordered)), dtype=np.int64)
    if pairs:
        rows = np.array([index[a] for a, _ in pairs])
        cols = np.array([index[p] for _, p in pairs])
        np.add.at(matrix, (rows, cols), 1)
    return ConfusionMatrix(ordered, matrix)
