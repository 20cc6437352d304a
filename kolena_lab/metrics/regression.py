"""Regression metrics (equal to scikit-learn's for 1-D targets and uniform multi-output averaging) and error histograms.

Targets are 1-D, or 2-D ``(n_samples, n_outputs)`` averaged uniformly over outputs. Empty input gives 0.0 for the error
metrics (nothing to err on) and NaN for R², which scikit-learn also returns (with a warning) below two samples.
"""
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from kolena_lab.metrics._validation import InputValidationError, float_array


def _pair(y_true: Any, y_pred: Any) -> Tuple[np.ndarray, np.ndarray]:
    t = float_array(y_true, "y_true")
    p = float_array(y_pred, "y_pred")
    if t.ndim not in (1, 2) or p.ndim not in (1, 2):
        raise InputValidationError(f"'y_true' and 'y_pred' must be 1-D or 2-D, got {t.shape} and {p.shape}")
    t2 = t[:, None] if t.ndim == 1 else t
    p2 = p[:, None] if p.ndim == 1 else p
    if t2.shape != p2.shape:
        raise InputValidationError(f"'y_true' has shape {t.shape} but 'y_pred' has {p.shape}")
    return t2, p2


def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    """Mean of ``|y_true - y_pred|``."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.mean(np.abs(p - t), axis=0))) if len(t) else 0.0


def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """Mean of ``(y_true - y_pred)²``."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.mean((t - p) ** 2, axis=0))) if len(t) else 0.0


def root_mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """Square root of the MSE (per output, then averaged, as scikit-learn does)."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.sqrt(np.mean((t - p) ** 2, axis=0)))) if len(t) else 0.0


def r2_score(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` with scikit-learn's ``force_finite`` convention: 1.0 for a
    perfect fit, 0.0 when ``y_true`` is constant but the fit is not; NaN below two samples."""
    t, p = _pair(y_true, y_pred)
    if len(t) < 2:
        return float("nan")
    num = np.sum((t - p) ** 2, axis=0)
    den = np.sum((t - np.average(t, axis=0)) ** 2, axis=0)
    scores = np.ones(t.shape[1])
    valid = (num != 0) & (den != 0)
    scores[valid] = 1 - num[valid] / den[valid]
    scores[(num != 0) & (den == 0)] = 0.0
    return float(np.average(scores))


@dataclass(frozen=True)
class Histogram:
    """``counts[i]`` values fell in ``[edges[i], edges[i + 1])`` (the last bin is closed)."""

    counts: np.ndarray
    edges: np.ndarray


def error_histogram(y_true: Any, y_pred: Any, *, bins: Union[int, Sequence[float]] = 10,
                    value_range: Optional[Tuple[float, float]] = None, absolute: bool = False) -> Histogram:
    """Histogram of the errors ``y_pred - y_true`` (or ``|y_pred - y_true|``), binned as ``numpy.histogram``."""
    t, p = _pair(y_true, y_pred)
    err = (p - t).ravel()
    if absolute:
        err = np.abs(err)
    if isinstance(bins, (int, np.integer)):
        if bins < 1:
            raise InputValidationError(f"'bins' must be >= 1, got {bins}")
    else:
        edges = float_array(bins, "bins", ndim=1)
        if len(edges) < 2 or (np.diff(edges) <= 0).any():
            raise InputValidationError("'bins' edges must be strictly increasing, at least two")
        bins = edges
    if value_range is not None:
        lo, hi = (float(v) for v in value_range)
        if not lo < hi:
            raise InputValidationError(f"'value_range' must be (low, high) with low < high, got {value_range!r}")
        value_range = (lo, hi)
    counts, edges = np.histogram(err, bins=bins, range=value_range)
    return Histogram(counts.astype(np.int64), edges)
