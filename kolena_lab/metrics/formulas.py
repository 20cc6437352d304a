"""Count-based formulas with Kolena's convention: the result is 0 where the denominator is 0 or an input is NaN.
Negative counts raise ``InputValidationError``.

Each function takes scalars (returns a ``float``) or numpy arrays (returns an array, elementwise).
"""
from typing import Any, Union

import numpy as np

from kolena_lab.metrics._validation import InputValidationError

Number = Union[int, float, np.ndarray]


def _counts(**named: Any) -> None:
    """Counts may be NaN (→ a 0 result) but never negative."""
    for name, value in named.items():
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputValidationError(f"'{name}' must be a number or a numeric array, got {value!r}") from None
        if (arr < 0).any():
            raise InputValidationError(f"'{name}' must be a non-negative count, got {value!r}")


def _ratio(num: Any, den: Any, *inputs: Any) -> Any:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    bad = ~(den > 0)  # catches 0, negatives and NaN
    for x in inputs:
        bad = bad | np.isnan(np.asarray(x, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(bad, 0.0, num / np.where(bad, 1.0, den))
    return float(out) if out.ndim == 0 else out


def precision(tp: Number, fp: Number) -> Number:
    """TP / (TP + FP)."""
    _counts(tp=tp, fp=fp)
    return _ratio(tp, np.add(tp, fp), tp, fp)


def recall(tp: Number, fn: Number) -> Number:
    """TP / (TP + FN); also called sensitivity or true positive rate."""
    _counts(tp=tp, fn=fn)
    return _ratio(tp, np.add(tp, fn), tp, fn)


def f1_score(tp: Number, fp: Number, fn: Number) -> Number:
    """Harmonic mean of precision and recall, 2PR / (P + R) as Kolena computes it."""
    _counts(tp=tp, fp=fp, fn=fn)
    p = np.asarray(precision(tp, fp), dtype=np.float64)
    r = np.asarray(recall(tp, fn), dtype=np.float64)
    return _ratio(2 * p * r, p + r)


def accuracy(tp: Number, fp: Number, fn: Number, tn: Number) -> Number:
    """(TP + TN) / (TP + FP + FN + TN)."""
    _counts(tp=tp, fp=fp, fn=fn, tn=tn)
    total = np.add(np.add(tp, fp), np.add(fn, tn))
    return _ratio(np.add(tp, tn), total, tp, fp, fn, tn)


def fpr(tn: Number, fp: Number) -> Number:
    """False positive rate FP / (FP + TN)."""
    _counts(tn=tn, fp=fp)
    return _ratio(fp, np.add(tn, fp), tn, fp)


def specificity(tn: Number, fp: Number) -> Number:
    """True negative rate TN / (TN + FP)."""
    _counts(tn=tn, fp=fp)
    return _ratio(tn, np.add(tn, fp), tn, fp)
