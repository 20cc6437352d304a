"""Keypoint metrics: normalised mean error (NME) per sample and the failure rate as a function of its threshold."""
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from kolena_lab.metrics._validation import InputValidationError, float_array


def _points(value: Any, name: str) -> np.ndarray:
    arr = float_array(value, name)
    if arr.ndim == 2:  # a single sample
        arr = arr[None]
    if arr.size == 0:
        return arr.reshape(0, 0, 2)
    if arr.ndim != 3 or arr.shape[-1] not in (2, 3):
        raise InputValidationError(f"'{name}' must have shape (samples, keypoints, 2 or 3), got {arr.shape}")
    return arr


def nme(ground_truths: Any, predictions: Any, normalization: Any, *, visible: Optional[Any] = None) -> np.ndarray:
    """Per-sample NME: the mean Euclidean distance between predicted and true keypoints over the sample's (visible)
    keypoints, divided by the sample's ``normalization`` factor (e.g. inter-ocular distance or box diagonal).

    ``ground_truths``/``predictions``: (N, K, 2 or 3) (or (K, D) for one sample); ``normalization``: (N,) positive;
    ``visible``: optional (N, K) booleans. A sample without visible keypoints gets NaN.
    """
    gt = _points(ground_truths, "ground_truths")
    pred = _points(predictions, "predictions")
    if gt.shape != pred.shape:
        raise InputValidationError(f"'ground_truths' has shape {gt.shape} but 'predictions' has {pred.shape}")
    norm = float_array(normalization, "normalization").reshape(-1)
    if len(norm) != len(gt):
        raise InputValidationError(f"'normalization' has {len(norm)} values for {len(gt)} samples")
    if (norm <= 0).any():
        raise InputValidationError("'normalization' factors must be positive")
    dist = np.sqrt(np.sum((pred - gt) ** 2, axis=-1))  # (N, K)
    if visible is None:
        mask = np.ones(dist.shape, dtype=bool)
    else:
        mask = np.asarray(visible, dtype=bool).reshape(dist.shape) if np.size(visible) == dist.size else None
        if mask is None:
            raise InputValidationError(f"'visible' must have shape {dist.shape}")
    count = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, np.sum(np.where(mask, dist, 0.0), axis=1) / np.maximum(count, 1), np.nan)
    return mean / norm


def failure_rate(nmes: Any, threshold: float) -> float:
    """Fraction of samples whose NME exceeds ``threshold`` (0.0 for no samples; NaN NMEs are errors)."""
    values = float_array(nmes, "nmes", ndim=1)
    return float(np.mean(values > threshold)) if len(values) else 0.0


@dataclass(frozen=True)
class FailureRateCurve:
    """Failure rate at each threshold, and the area under the cumulative error distribution (1 - failure) up to the
    last threshold, normalised by its span (the usual "AUC@threshold")."""

    thresholds: np.ndarray
    failure_rate: np.ndarray
    auc: float


def failure_rate_curve(nmes: Any, thresholds: Optional[Any] = None, *, max_threshold: float = 0.1,
                       num: int = 101) -> FailureRateCurve:
    """Failure rate (NME > threshold) over ``thresholds`` (default ``linspace(0, max_threshold, num)``)."""
    values = float_array(nmes, "nmes", ndim=1)
    if thresholds is None:
        if not max_threshold > 0 or num < 2:
            raise InputValidationError("'max_threshold' must be > 0 and 'num' >= 2")
        thr = np.linspace(0.0, float(max_threshold), int(num))
    else:
        thr = float_array(thresholds, "thresholds", ndim=1)
        if len(thr) and (np.diff(thr) <= 0).any():
            raise InputValidationError("'thresholds' must be strictly increasing")
    if len(values):
        ordered = np.sort(values)
        rate = 1.0 - np.searchsorted(ordered, thr, side="right") / len(values)
    else:
        rate = np.zeros(len(thr))
    span = thr[-1] - thr[0] if len(thr) > 1 else 0.0
    area = float(np.sum(np.diff(thr) * ((1 - rate[1:]) + (1 - rate[:-1])) / 2) / span) if span > 0 else 0.0
    return FailureRateCurve(thr, rate, area)
